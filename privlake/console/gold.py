"""Printers for the gold tables (the aggregate job), the re-identification risk and query
results (counts and labels; a query prints what the caller was allowed to select)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # printing needs no Spark: the results are plain dataclasses
    from privlake.gold import GoldTableResult


def print_gold_tables(console: Console, results: Iterable[GoldTableResult]) -> None:
    """One line per gold table: what was published, rolled up, suppressed and excluded."""
    table = Table(title="gold tables: groups with fewer than k subjects never appear", title_justify="left")
    for column in ("table", "purpose", "k", "events", "published", "rolled up", "suppressed", "no consent"):
        table.add_column(column, justify="left" if column in ("table", "purpose") else "right")
    for r in results:
        table.add_row(
            r.table,
            r.purpose,
            str(r.k),
            f"{r.events_in:,}",
            f"{r.groups_published:,} groups",
            f"{r.groups_rolled_up:,}",
            f"{r.groups_suppressed:,} ({r.events_suppressed:,} ev.)",
            f"{r.subjects_excluded_consent:,} subj.",
        )
    console.print(table)


def print_risk(console: Console, risk: Sequence[Mapping[str, Any]]) -> None:
    """Re-identification risk per quasi-identifier set."""
    if not risk:
        return
    table = Table(title="re-identification risk of silver (groups smaller than k)", title_justify="left")
    for column in ("quasi-identifiers", "dataset", "records < k", "subjects < k", "unique subjects"):
        table.add_column(column, justify="left" if column in ("quasi-identifiers", "dataset") else "right")
    for r in risk:
        records, subjects = r["records"] or 1, r["subjects"] or 1
        table.add_row(
            f"{r['qi_set']}: {', '.join(r['columns'])}",
            r["dataset"],
            f"{r['records_below_k'] / records:.0%}",
            f"{r['subjects_below_k'] / subjects:.0%}",
            f"{r['subjects_unique'] / subjects:.0%}",
        )
    console.print(table)


def print_rows(
    console: Console, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str = ""
) -> None:
    """A query result as a terminal table."""
    table = Table(title=title or None, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(cell_text(v) for v in row))
    console.print(table)


def cell_text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:,}" if isinstance(value, int) else str(value)

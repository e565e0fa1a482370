"""Terminal tables for run records and zone contents (counts and labels, never values)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from privlake.runlog import RunRecord


def print_run_records(console: Console, records: Iterable[RunRecord]) -> None:
    table = Table(title="runs", title_justify="left")
    for column in (
        "job",
        "dataset",
        "date",
        "rows in",
        "written",
        "quarantined",
        "dropped",
        "isolated",
        "reasons",
    ):
        table.add_column(column, justify="right" if column not in ("job", "dataset", "reasons") else "left")
    for r in records:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(r.reasons.items())) or "-"
        table.add_row(
            r.job,
            r.dataset,
            r.day.isoformat(),
            f"{r.rows_in:,}",
            f"{r.rows_out:,}",
            f"{r.rows_quarantined:,}",
            f"{r.rows_dropped:,}",
            f"{r.rows_isolated:,}",
            reasons,
        )
    console.print(table)


def print_zone_counts(console: Console, rows: Iterable[tuple[str, str, str, int]]) -> None:
    """Rows of (zone, table, path, row count)."""
    table = Table(title="zones", title_justify="left")
    table.add_column("zone")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("path")
    for zone, name, path, count in rows:
        table.add_row(zone, name, f"{count:,}", path)
    console.print(table)


def print_entity_counts(console: Console, records: Iterable[RunRecord]) -> None:
    """What de-identification found, per dataset, column and entity type."""
    table = Table(title="entities found in free text", title_justify="left")
    for column in ("dataset", "column", "entity type", "found"):
        table.add_column(column, justify="right" if column == "found" else "left")
    for r in records:
        for label, count in sorted(r.entities.items()):
            column, _, entity = label.partition(":")
            table.add_row(r.dataset, column, entity, f"{count:,}")
    console.print(table)

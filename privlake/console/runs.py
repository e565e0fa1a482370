"""Printers for job runs: run records (ingest, deidentify), entities found, zone contents
(counts and labels, never values)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from privlake.runlog import RunRecord


def print_run_records(console: Console, records: Iterable[RunRecord]) -> None:
    """One line per run (counts add up), then the quarantined rows by reason."""
    records = list(records)
    # Deny-list drops and isolation only appear once a run had some, to fit a terminal.
    optional = [c for c in ("dropped", "isolated") if any(getattr(r, f"rows_{c}") for r in records)]
    columns = ["rows in", "written", "quarantined", *optional]
    table = Table(title="runs: rows in = " + " + ".join(columns[1:]), title_justify="left")
    for column in ("job", "dataset", "date", *columns):
        table.add_column(column, justify="left" if column in ("job", "dataset", "date") else "right")
    for r in records:
        counts = [r.rows_in, r.rows_out, r.rows_quarantined, *(getattr(r, f"rows_{c}") for c in optional)]
        table.add_row(r.job, r.dataset, r.day.isoformat(), *(f"{c:,}" for c in counts))
    console.print(table)
    mentions = [r for r in records if r.mentions_redacted]
    if mentions:
        console.print(
            "mentions of erased subjects redacted: "
            + ", ".join(f"{r.dataset} {r.day.isoformat()}: {r.mentions_redacted:,}" for r in mentions)
        )
    reasons = Table(title="quarantined by reason", title_justify="left")
    for column in ("job", "dataset", "reason", "rows"):
        reasons.add_column(column, justify="right" if column == "rows" else "left")
    for r in records:
        for reason, count in sorted(r.reasons.items()):
            reasons.add_row(r.job, r.dataset, reason, f"{count:,}")
    if reasons.row_count:
        console.print(reasons)


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

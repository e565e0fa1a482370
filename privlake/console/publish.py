"""Printer for a publish run: per date, the tables sent with their versions, rows and files
(names, counts and hashes; never a value)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from privlake.publish.transfer import PublishReport


def print_transfer(console: Console, report: PublishReport) -> None:
    if not report.records:
        console.print(f"publish to {report.destination}: nothing to send")
        return
    table = Table(
        title=f"published to {report.destination} ({report.region}), transfer {report.transfer_id}",
        title_justify="left",
    )
    for column in ("date", "table", "local version", "rows", "files", "republished for"):
        table.add_column(column, justify="right" if column in ("local version", "rows", "files") else "left")
    for record in report.records:
        for name in record.tables:
            files = sum(1 for path in record.file_hashes if f"/{name}/" in path)
            table.add_row(
                record.day.isoformat(),
                name,
                str(record.table_versions[name]),
                f"{record.row_counts[name]:,}",
                str(files),
                ", ".join(record.republished_for) or "-",
            )
    console.print(table)
    console.print("every file scanned before upload; recorded in privacy/transfers")

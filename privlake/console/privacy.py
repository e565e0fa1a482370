"""Printers for privacy requests (erase, restrict, unrestrict): counts, hashes and versions,
never a raw value."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from privlake.privacy.evidence import RequestEvidence, RequestResult

DONE = {"erase": "erased", "restrict": "restricted", "unrestrict": "unrestricted", "export": "exported"}


def print_evidence(console: Console, result: RequestResult) -> None:
    """The evidence summary of a request run."""
    e = result.evidence
    if result.already_done:
        console.print(
            f"request {e.request_id}: already {DONE[e.action]} (completed before); evidence unchanged"
        )
    resolved = Table(title=f"{e.action} request {e.request_id}: {e.state}", title_justify="left")
    for column in ("kind", "identifier hash", "resolved to", "found in"):
        resolved.add_column(column)
    for i in e.identifiers:
        resolved.add_row(
            i.kind, i.identifier_hash, ", ".join(i.subject_hashes) or "nothing", ", ".join(i.sources) or "-"
        )
    console.print(resolved)
    if e.export is not None:
        print_export(console, e)
        return
    zones = Table(title="rows per zone", title_justify="left")
    for column in ("zone", "dataset", "removed", "redacted", "moved", "version before", "after"):
        zones.add_column(column, justify="left" if column in ("zone", "dataset") else "right")
    for f in e.landing:
        if f.lines_removed or f.lines_redacted:
            zones.add_row(
                "landing", f.dataset, f"{f.lines_removed:,}", f"{f.lines_redacted:,}", "-", "-", "-"
            )
    for t in e.tables:
        zones.add_row(
            t.zone,
            t.dataset,
            f"{t.rows_removed:,}",
            f"{t.rows_redacted:,}",
            f"{t.rows_moved:,}",
            str(t.version_before),
            str(t.version_after),
        )
    console.print(zones)
    for line in (e.deny_list, e.gold, e.history):
        if line:
            console.print(f"- {line}")
    if e.scan is not None:
        verdict = (
            "nothing found" if e.scan.passed else f"{len(e.scan.findings)} file(s) still hold the subject"
        )
        console.print(f"- verification scan ({e.scan.scope}): {e.scan.files_scanned:,} files: {verdict}")


def print_export(console: Console, e: RequestEvidence) -> None:
    """An access export: the files of its package and where the archive is."""
    assert e.export is not None
    files = Table(title="access package", title_justify="left")
    for column in ("zone", "dataset", "file", "rows"):
        files.add_column(column, justify="right" if column == "rows" else "left")
    for f in e.export.files:
        files.add_row(f.zone, f.dataset, f.file, f"{f.rows:,}")
    console.print(files)
    if e.export.empty:
        console.print("- the identifiers given resolved to no data: the package says so and holds no rows")
    console.print(
        f"- archive {e.export.archive} ({e.export.archive_bytes:,} bytes); encryption: {e.export.encryption}"
    )
    console.print(f"- text values with other people's data redacted: {e.export.values_redacted:,}")

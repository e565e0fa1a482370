"""Retention's console output: the plan (or what was done) per dataset, zone and partition,
then table history purges, skipped targets, unruled zones and the evidence line.
Counts, labels, dates and rule ids only, never a data value."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from privlake.console import console
from privlake.retention.plan import RetentionReport, TargetReport


def print_report(report: RetentionReport, out: Console | None = None) -> None:
    """The plan per dataset, zone and partition, then history purges; counts and labels only."""
    out = out or console()
    mode = "dry run, nothing changed" if report.dry_run else "executed"
    table = Table(
        title=f"retention as of {report.as_of} ({mode}; run {report.run_id[:8]})", title_justify="left"
    )
    table.add_column("zone")
    table.add_column("dataset")
    table.add_column("partition")
    table.add_column("rule: action, cut-off")
    table.add_column("expired", justify="right")
    table.add_column("held (by)")
    table.add_column("to remove" if report.dry_run else "removed", justify="right")
    table.add_column("status")
    for t in report.targets:
        rule = t.target.rule
        if rule is None or t.status == "skipped":
            continue  # listed below the table
        rule_cell = f"{rule.id}: {rule.action} before {t.target.cutoff} ({rule.window})"
        status = t.status + (f": {t.note}" if t.error is not None else "")
        if not t.partitions:
            table.add_row(t.target.zone, t.target.name, "-", rule_cell, "0", "-", "0", status)
            continue
        for p in t.partitions:
            held = f"{p.held:,} ({', '.join(p.held_by)})" if p.held else "-"
            if p.rewrite:
                held += f"; {p.rewrite} rewritten to held lines"
            table.add_row(
                t.target.zone,
                t.target.name,
                p.partition,
                rule_cell,
                f"{p.expired:,} {t.unit if p.expired != 1 else t.unit.rstrip('s')}",
                held,
                f"{p.to_remove:,}",
                status,
            )
    out.print(table)
    history = Table(
        title=f"table history (VACUUM keeps {report.history_retention_hours} h)", title_justify="left"
    )
    for column in ("zone", "table", "version before", "version after", "deletion vectors", "history"):
        history.add_column(column, justify="left" if column in ("zone", "table") else "right")
    for t in report.targets:
        if t.target.zone == "landing" or t.version_before is None:
            continue
        due = f"{t.history_pending} commit(s) due" if t.history_pending else "-"
        history.add_row(
            t.target.zone,
            t.target.name,
            str(t.version_before),
            str(t.version_after),
            _deletion_vector_state(t),
            due if report.dry_run else f"{t.history_files_purged:,} files purged",
        )
    if history.row_count:
        out.print(history)
    skipped = [t.target.label for t in report.targets if t.status == "skipped"]
    if skipped:
        out.print(f"skipped (no table yet): {', '.join(skipped)}")
    if report.unruled:
        out.print(f"[yellow]no retention rule (kept indefinitely):[/] {', '.join(report.unruled)}")
    if report.nothing_to_do:
        out.print(
            f"nothing to do as of {report.as_of}: every record past its window is already gone "
            "(or held), and table history holds nothing left to purge"
        )
    if report.evidence:
        out.print(f"evidence: {report.evidence}")


def _deletion_vector_state(t: TargetReport) -> str:
    if t.reorg:
        return "purged"
    if t.deletion_vectors_pending:
        return "to purge"
    return "on" if t.deletion_vectors else "off"

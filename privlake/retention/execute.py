"""Run retention: plan every target, execute each rule's action unless it is a dry run, purge
table history, and record the evidence.

For every target the run plans first (per partition: rows or files past the cut-off, and
what active legal holds keep back), then, unless it is a dry run, the rule's action
(``privlake.retention.actions``) executes. Table history is then purged: ``REORG ... APPLY
(PURGE)`` where deletion vectors are on, and ``VACUUM`` with the rules'
``history_retention_hours`` on every personal-data table, so removed files, deletion vectors
and change-data files stop holding expired rows. Every Delta commit the run makes carries
the run's tag in ``userMetadata``; every target gets an evidence row
(``privlake.retention.evidence``). A second run with the same ``as_of`` finds nothing to
remove, commits nothing to the data tables and says so. A target that fails does not stop
the others. Writes retry when a concurrent writer commits first.
"""

from __future__ import annotations

import datetime as dt
import uuid
from functools import cache
from typing import TYPE_CHECKING

from privlake.delta import (
    commit_tag,
    deletion_vectors_pending,
    purgeable_commits,
    run_settings,
    session_settings,
    table_history,
    with_conflict_retry,
)
from privlake.errors import error_note
from privlake.retention.actions import RunContext, action_for
from privlake.retention.evidence import record_evidence
from privlake.retention.plan import (
    EVIDENCE_TABLE,
    RetentionIncomplete,
    RetentionReport,
    Target,
    TargetReport,
    gold_tables,
    has_wildcard,
    plan_table,
    retention_targets,
    unruled_zones,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from privlake.config import PrivlakeConfig
    from privlake.retention.rules import RuleSet

RUN_TAG_PREFIX = "privlake-retention:"


def retention(
    spark: SparkSession,
    config: PrivlakeConfig,
    rules: RuleSet,
    as_of: dt.date,
    dry_run: bool = False,
    dataset: str | None = None,
) -> RetentionReport:
    """Plan and (unless ``dry_run``) enforce the rules as of ``as_of``; record the evidence.

    A target that fails does not stop the others (their deletions are a legal duty too): the
    evidence is written, then ``RetentionIncomplete`` names the failed targets."""
    from privlake.keys import pseudonym_key

    run_id = uuid.uuid4().hex
    hours = rules.history_retention_hours
    run = RunContext(
        spark=spark,
        config=config,
        # Only bronze, quarantine and landing under a subject hold need the key; ask for it then.
        key=cache(lambda: pseudonym_key(config).secret),
        tag=f"{RUN_TAG_PREFIX}{run_id}",
        started=dt.datetime.now(dt.UTC),
        history_hours=hours,
    )
    gold = gold_tables(spark, config) if has_wildcard(rules, "gold") else []
    targets = retention_targets(config, rules, as_of, dataset, gold)
    report = RetentionReport(
        run_id, as_of, dry_run, dataset, hours, [], unruled_zones(config, rules, dataset)
    )
    with session_settings(spark, run_settings(spark, config)):
        for target in targets:
            report.targets.append(plan_and_execute(run, target, dry_run))
    record_evidence(spark, config, report)
    if report.errors:
        failed = ", ".join(f"{t.target.label} ({t.note})" for t in report.errors)
        raise RetentionIncomplete(
            f"retention as of {as_of}: {len(report.errors)} target(s) failed: {failed}; the others "
            f"were enforced and the evidence is in privacy/{EVIDENCE_TABLE} (run {run_id})",
            report,
        ) from report.errors[0].error
    return report


def plan_and_execute(run: RunContext, target: Target, dry_run: bool) -> TargetReport:
    """One target's plan and, unless ``dry_run``, its execution; a failure is kept in the
    report (its ``note`` holds no data value) rather than raised."""
    report = TargetReport(target)
    try:
        action = action_for(target.rule.action) if target.rule is not None else None
        if action is not None:
            report = action.plan(run, target)
        else:  # a personal-data table without a rule: its history only
            report = plan_table(run.spark, target, run.key, run.history_hours, run.started)
        if not dry_run and report.status != "skipped":
            if target.zone == "landing":
                if action is not None and (report.to_remove or report.to_rewrite):
                    action.execute(run, report)
            else:
                execute_table(run, report)
    except Exception as exc:
        report.error, report.note = exc, error_note(exc)
    report.status = _status(report, dry_run)
    return report


def execute_table(run: RunContext, report: TargetReport) -> None:
    """The rule's action inside the run's commit tag, then the history purge; the versions
    and purged files come from the run's own commits."""
    target = report.target
    with commit_tag(run.spark, run.tag):
        if target.rule is not None and report.to_remove > 0:
            action_for(target.rule.action).execute(run, report)
        # Clock, not as-of: VACUUM's retention is about storage age (see purgeable_commits).
        purge_history(run.spark, report, run.history_hours, dt.datetime.now(dt.UTC))
    ours = [c for c in table_history(run.spark, target.location) if c.tag == run.tag]
    report.history_files_purged = sum(
        c.metrics.get("numDeletedFiles", 0) for c in ours if c.operation == "VACUUM END"
    )
    report.version_after = ours[0].version if ours else report.version_before


def purge_history(spark: SparkSession, report: TargetReport, hours: int, now: dt.datetime) -> None:
    """REORG ... APPLY (PURGE) where deletion vectors hide rows, then VACUUM when removed
    files are due; each only when needed, so a run with nothing to purge adds no commit."""
    path = report.target.location
    history = table_history(spark, path)
    if report.deletion_vectors and deletion_vectors_pending(history):
        # Rewrites the files that carry deletion vectors: the hidden rows leave the data files.
        with_conflict_retry(
            lambda: spark.sql(f"REORG TABLE delta.`{path}` APPLY (PURGE)").collect(),
            f"retention reorg {report.target.label}",
        )
        history = table_history(spark, path)
        report.reorg = history[0].operation == "REORG"
    if not purgeable_commits(history, hours, now):
        return
    with_conflict_retry(
        lambda: spark.sql(f"VACUUM delta.`{path}` RETAIN {hours} HOURS").collect(),
        f"retention vacuum {report.target.label}",
    )


def _status(report: TargetReport, dry_run: bool) -> str:
    if report.error is not None:
        return "failed"
    if report.status == "skipped":
        return "skipped"
    if dry_run:
        return "planned" if report.has_work else "nothing to do"
    committed = report.version_after != report.version_before
    done = report.removed or report.rewritten or report.isolated or committed
    return "done" if done else "nothing to do"

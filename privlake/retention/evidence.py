"""The evidence of retention runs: one row per target and run in ``privacy/retention_evidence``.

A row holds counts, table versions, the rule, the holds applied, the as-of date, the dry-run
flag and the run id: labels and numbers, never a data value. A dry run writes nothing; a run
that finds nothing to do is recorded once, not again by the next run that finds the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pyspark.sql import functions as F
from pyspark.sql import types as T

from privlake.columns import DT
from privlake.delta import append, ensure_table, table_exists
from privlake.frames import json_frame
from privlake.retention.plan import EVIDENCE_TABLE, RetentionReport, TargetReport
from privlake.schema import table_schema

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from privlake.config import PrivlakeConfig


def evidence_schema() -> T.StructType:
    # dt is the as-of date; dataset names the dataset, or the gold or privacy table
    return table_schema(
        "run_id STRING NOT NULL, dt DATE NOT NULL, dry_run BOOLEAN NOT NULL",
        "zone STRING NOT NULL, dataset STRING NOT NULL, status STRING NOT NULL",
        "rule_id STRING, action STRING, `window` STRING, legal_basis STRING, date_column STRING",
        "cutoff DATE, unit STRING NOT NULL, partitions_expired BIGINT NOT NULL, expired BIGINT NOT NULL",
        "held BIGINT NOT NULL, holds ARRAY<STRING> NOT NULL, undated BIGINT NOT NULL",
        "removed BIGINT NOT NULL, isolated BIGINT NOT NULL, rewritten BIGINT NOT NULL",
        "object_versions_removed BIGINT NOT NULL, version_before BIGINT, version_after BIGINT",
        "history_files_purged BIGINT NOT NULL, history_retention_hours INT NOT NULL",
        "deletion_vectors_purged BOOLEAN NOT NULL, recorded_at TIMESTAMP NOT NULL",
    )


def _evidence_values(report: RetentionReport, t: TargetReport, recorded_at: dt.datetime) -> dict[str, object]:
    rule = t.target.rule
    return {
        "run_id": report.run_id,
        DT: report.as_of,
        "dry_run": report.dry_run,
        "zone": t.target.zone,
        "dataset": t.target.name,
        "status": t.status,
        "rule_id": rule.id if rule else None,
        "action": rule.action if rule else None,
        "window": str(rule.window) if rule else None,
        "legal_basis": rule.legal_basis if rule else None,
        "date_column": rule.date_column if rule else None,
        "cutoff": t.target.cutoff,
        "unit": t.unit,
        "partitions_expired": len(t.partitions),
        "expired": t.expired,
        "held": t.held,
        "holds": t.holds_applied,
        "undated": t.undated,
        "removed": t.removed,
        "isolated": t.isolated,
        "rewritten": t.rewritten,
        "object_versions_removed": t.object_versions_removed,
        "version_before": t.version_before,
        "version_after": t.version_after,
        "history_files_purged": t.history_files_purged,
        "history_retention_hours": report.history_retention_hours,
        "deletion_vectors_purged": t.reorg,
        "recorded_at": recorded_at.replace(tzinfo=None),
    }


def evidence_rows(
    report: RetentionReport, recorded_at: dt.datetime, columns: Sequence[str]
) -> list[tuple[object, ...]]:
    """One row per target, values in the order of ``columns`` (the table's): counts,
    versions and labels, never a data value."""
    rows = []
    for t in report.targets:
        values = _evidence_values(report, t, recorded_at)
        rows.append(tuple(values[name] for name in columns))
    return rows


def _findings(rows: Sequence[Sequence[object]]) -> list[tuple[object, ...]]:
    """Evidence rows without what differs between two runs that found the same (run id, time)."""
    return sorted((tuple(r[1:-1]) for r in rows), key=repr)


def record_evidence(spark: SparkSession, config: PrivlakeConfig, report: RetentionReport) -> None:
    """Append one evidence row per target, unless the run changed nothing and says nothing new.

    A dry run writes nothing (its printed plan is its output; a preview must not touch the
    lake). A run that found nothing to do is recorded, so that there is evidence retention
    was enforced for that as-of date, except when the latest run recorded for the same date
    found exactly the same: a retry or a second run then adds no duplicate rows."""
    if report.dry_run:
        report.evidence = "not recorded (dry run)"
        return
    path = config.table_path("privacy", EVIDENCE_TABLE)
    schema = evidence_schema()
    rows = evidence_rows(report, dt.datetime.now(dt.UTC), schema.fieldNames())
    if report.nothing_to_do and table_exists(spark, path):
        recorded = spark.read.format("delta").load(path).where(F.col(DT) == F.lit(report.as_of))
        latest = recorded.orderBy(F.col("recorded_at").desc()).select("run_id").first()
        if latest is not None:
            last_run = recorded.where(F.col("run_id") == latest["run_id"]).collect()
            if _findings(last_run) == _findings(rows):
                report.evidence = f"not recorded: the same as run {latest['run_id'][:8]}"
                return
    ensure_table(spark, path, schema, [DT])
    append(json_frame(spark, rows, schema), path)
    report.evidence = f"recorded in privacy/{EVIDENCE_TABLE}"

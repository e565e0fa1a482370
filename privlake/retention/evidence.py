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

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from privlake.config import PrivlakeConfig

_STRING, _DATE, _LONG = T.StringType(), T.DateType(), T.LongType()
# (column, type, nullable), in the table's order
EVIDENCE_COLUMNS: tuple[tuple[str, T.DataType, bool], ...] = (
    ("run_id", _STRING, False),
    (DT, _DATE, False),  # the as-of date
    ("dry_run", T.BooleanType(), False),
    ("zone", _STRING, False),
    ("dataset", _STRING, False),  # dataset, or gold/privacy table
    ("status", _STRING, False),
    ("rule_id", _STRING, True),
    ("action", _STRING, True),
    ("window", _STRING, True),
    ("legal_basis", _STRING, True),
    ("date_column", _STRING, True),
    ("cutoff", _DATE, True),
    ("unit", _STRING, False),
    ("partitions_expired", _LONG, False),
    ("expired", _LONG, False),
    ("held", _LONG, False),
    ("holds", T.ArrayType(_STRING), False),
    ("undated", _LONG, False),
    ("removed", _LONG, False),
    ("isolated", _LONG, False),
    ("rewritten", _LONG, False),
    ("object_versions_removed", _LONG, False),
    ("version_before", _LONG, True),
    ("version_after", _LONG, True),
    ("history_files_purged", _LONG, False),
    ("history_retention_hours", T.IntegerType(), False),
    ("deletion_vectors_purged", T.BooleanType(), False),
    ("recorded_at", T.TimestampType(), False),
)


def evidence_schema() -> T.StructType:
    return T.StructType([T.StructField(name, kind, nullable) for name, kind, nullable in EVIDENCE_COLUMNS])


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


def evidence_rows(report: RetentionReport, recorded_at: dt.datetime) -> list[tuple[object, ...]]:
    """One row per target: counts, versions and labels, never a data value."""
    rows = []
    for t in report.targets:
        values = _evidence_values(report, t, recorded_at)
        rows.append(tuple(values[name] for name, _, _ in EVIDENCE_COLUMNS))
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
    rows = evidence_rows(report, dt.datetime.now(dt.UTC))
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

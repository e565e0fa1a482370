"""What the report shows, read from the warehouse: counts and labels only.

Each reader returns plain Python values for one section, or an empty result when the
table it needs does not exist yet (retention and erasure tables appear once those jobs
have run), so the report renders on any warehouse. No reader selects a column that can
hold a data value: quarantine is read for its dataset, stage and reason only, run records
for their counts and entity-type labels, evidence for its counts and states.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from privlake.aggregates import SUPPRESSION_TABLE
from privlake.columns import DT
from privlake.config import PrivlakeConfig
from privlake.delta import table_exists
from privlake.privacy.denylist import DENY_LIST_TABLE, RESTRICTIONS_TABLE
from privlake.privacy.ledger import LEDGER_TABLE
from privlake.query import zone_tables
from privlake.risk import RISK_TABLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

RETENTION_TABLE = "retention_evidence"
REPORT_ZONES = ("bronze", "silver", "gold", "quarantine", "restricted", "privacy")


@dataclass(frozen=True)
class ZoneRows:
    zone: str
    table: str
    rows_on_day: int
    rows_total: int


@dataclass
class ReportData:
    day: dt.date
    warehouse: str
    zones: list[ZoneRows] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    entities: dict[str, int] = field(default_factory=dict)
    quarantine: list[tuple[str, str, int]] = field(default_factory=list)  # dataset, reason, rows
    suppression: list[dict[str, Any]] = field(default_factory=list)
    risk: list[dict[str, Any]] = field(default_factory=list)
    retention: list[dict[str, Any]] = field(default_factory=list)
    retention_run: dict[str, Any] | None = None
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # action, current state, requests
    subject_lists: dict[str, int] = field(default_factory=dict)  # erased / restricted subjects


def _read(spark: SparkSession, config: PrivlakeConfig, zone: str, name: str) -> DataFrame | None:
    path = config.table_path(zone, name)
    return spark.read.format("delta").load(path) if table_exists(spark, path) else None


def zone_rows(spark: SparkSession, config: PrivlakeConfig, day: dt.date) -> list[ZoneRows]:
    """Rows of the day and in total for every table, counted in one Spark job."""
    import functools

    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    counts = []
    for zone in REPORT_ZONES:
        for table in zone_tables(spark, config, zone):
            df = spark.read.format("delta").load(table.location)
            on_day = F.count_if(F.col(DT) == F.lit(day)) if DT in df.columns else F.lit(0)
            counts.append(
                df.agg(on_day.cast("long").alias("on_day"), F.count(F.lit(1)).alias("total")).select(
                    F.lit(zone).alias("zone"), F.lit(table.name).alias("table"), "on_day", "total"
                )
            )
    if not counts:
        return []
    rows = functools.reduce(DataFrame.unionByName, counts).collect()
    found = [ZoneRows(r["zone"], r["table"], int(r["on_day"] or 0), int(r["total"])) for r in rows]
    order = {zone: i for i, zone in enumerate(REPORT_ZONES)}
    return sorted(found, key=lambda z: (order[z.zone], z.table))


def run_records(spark: SparkSession, config: PrivlakeConfig, day: dt.date) -> list[dict[str, Any]]:
    """The latest run of each job and dataset for the day (counts and entity labels)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    runs = _read(spark, config, "privacy", "runs")
    if runs is None:
        return []
    latest = Window.partitionBy("job", "dataset").orderBy(F.col("finished_at").desc())
    picked = (
        runs.where(F.col(DT) == F.lit(day))
        .withColumn("_n", F.row_number().over(latest))
        .where(F.col("_n") == 1)
        .select("job", "dataset", "rows_in", "rows_out", "rows_quarantined", "rows_dropped", "entities")
        .orderBy("job", "dataset")
    )
    return [r.asDict() for r in picked.collect()]


def entity_totals(runs: list[dict[str, Any]]) -> dict[str, int]:
    """Entities found by de-identification per entity type (labels are ``column:TYPE``)."""
    totals: dict[str, int] = {}
    for run in runs:
        if run["job"] != "deidentify":
            continue
        for label, n in (run["entities"] or {}).items():
            entity = label.partition(":")[2] or label
            totals[entity] = totals.get(entity, 0) + int(n)
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def quarantine_reasons(
    spark: SparkSession, config: PrivlakeConfig, day: dt.date
) -> list[tuple[str, str, int]]:
    """Quarantined rows of the day by dataset and reason (never the raw line or detail)."""
    import functools

    from pyspark.sql import DataFrame
    from pyspark.sql import functions as F

    counts = [
        spark.read.format("delta")
        .load(table.location)
        .where(F.col(DT) == F.lit(day))
        .groupBy("dataset", "reason")
        .count()
        for table in zone_tables(spark, config, "quarantine")
    ]
    if not counts:
        return []
    rows = functools.reduce(DataFrame.unionByName, counts).collect()
    return sorted(((r["dataset"], r["reason"], int(r["count"])) for r in rows), key=lambda t: (-t[2], t))


def day_rows(spark: SparkSession, config: PrivlakeConfig, name: str, day: dt.date) -> list[dict[str, Any]]:
    from pyspark.sql import functions as F

    df = _read(spark, config, "privacy", name)
    if df is None:
        return []
    return [r.asDict() for r in df.where(F.col(DT) == F.lit(day)).drop("run_id", "recorded_at").collect()]


def retention_activity(
    spark: SparkSession, config: PrivlakeConfig, day: dt.date
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The latest retention run recorded up to the day's end (or a later preview): its
    per-target counts, dry runs included and flagged."""
    from pyspark.sql import functions as F

    df = _read(spark, config, "privacy", RETENTION_TABLE)
    if df is None:
        return None, []
    latest = df.orderBy(F.col("recorded_at").desc()).select("run_id", DT, "dry_run").first()
    if latest is None:
        return None, []
    targets = (
        df.where(F.col("run_id") == latest["run_id"])
        .select("zone", "dataset", "status", "action", "expired", "held", "removed", "isolated", "rewritten")
        .orderBy("zone", "dataset")
        .collect()
    )
    return latest.asDict(), [t.asDict() for t in targets]


def request_states(spark: SparkSession, config: PrivlakeConfig) -> list[tuple[str, str, int]]:
    """Erasure and restriction requests by action and current state (a request's latest
    ledger row); empty when no request was ever made."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    ledger = _read(spark, config, "privacy", LEDGER_TABLE)
    if ledger is None:
        return []
    latest = Window.partitionBy("action", "request_id").orderBy(F.col("recorded_at").desc())
    current = ledger.withColumn("_n", F.row_number().over(latest)).where(F.col("_n") == 1)
    counts = current.groupBy("action", "state").count().orderBy("action", "state").collect()
    return [(r["action"], r["state"], int(r["count"])) for r in counts]


def subject_lists(spark: SparkSession, config: PrivlakeConfig) -> dict[str, int]:
    lists = {"erased subjects (deny list)": DENY_LIST_TABLE, "restricted subjects": RESTRICTIONS_TABLE}
    found = {}
    for label, table in lists.items():
        df = _read(spark, config, "privacy", table)
        if df is not None:
            found[label] = df.count()
    return found


def collect_report_data(spark: SparkSession, config: PrivlakeConfig, day: dt.date) -> ReportData:
    data = ReportData(day=day, warehouse=config.warehouse_root)
    data.zones = zone_rows(spark, config, day)
    data.runs = run_records(spark, config, day)
    data.entities = entity_totals(data.runs)
    data.quarantine = quarantine_reasons(spark, config, day)
    data.suppression = sorted(day_rows(spark, config, SUPPRESSION_TABLE, day), key=lambda r: r["table"])
    data.risk = sorted(day_rows(spark, config, RISK_TABLE, day), key=lambda r: r["qi_set"])
    data.retention_run, data.retention = retention_activity(spark, config, day)
    data.requests = request_states(spark, config)
    data.subject_lists = subject_lists(spark, config)
    return data

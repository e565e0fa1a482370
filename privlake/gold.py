"""Gold tables: one date of silver into the k-anonymous gold tables, plus the risk report.

Every table of ``conf/aggregates.yaml`` (``privlake.aggregates``) is built from the silver
partition of the date: for marketing and profiling purposes only subjects who consented
(latest accounts snapshot on or before the date) and did not object count; groups with
fewer than k distinct subjects are rolled up or suppressed; the result replaces the gold
table's partition ``dt=D``, so a re-run or a recompute after an erasure gives the same
table. What k-anonymity and consent removed goes to ``privacy/gold_suppression``, and the
re-identification risk of each declared quasi-identifier set of silver to
``privacy/reidentification_risk`` (both replace their partition of the date too).

``privlake.aggregates`` holds the table specification and the grouping transforms; this
module reads silver, writes the tables and the records. The job is ``jobs/aggregate.py``
(``privlake aggregate --date YYYY-MM-DD``, or the same flags with spark-submit); the
erasure calls :func:`aggregate` too, to rebuild the days it touched.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import asdict, dataclass, field

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from privlake.aggregates import (
    SUBJECT,
    SUPPRESSION_TABLE,
    AggregateTable,
    AnalyticsSpec,
    assign_levels,
    consenting_subjects,
    grouping_inputs,
    load_analytics,
    published_groups,
    suppression_summary,
)
from privlake.columns import DT
from privlake.config import PrivlakeConfig
from privlake.delta import ensure_table, replace_partition, run_settings, session_settings, table_exists
from privlake.errors import PrivlakeError
from privlake.frames import json_frame
from privlake.privacy.denylist import RESTRICTIONS_TABLE
from privlake.risk import MEASURES, RISK_TABLE, risk_schema, risk_summary
from privlake.schema import RECORDED, table_schema


class MissingSilverError(PrivlakeError):
    """A gold table's silver source has not been produced yet."""


@dataclass(frozen=True)
class GoldTableResult:
    """What building one gold table for one date did (counts only)."""

    table: str
    purpose: str
    k: int
    events_source: int
    events_excluded_consent: int
    subjects_excluded_consent: int
    events_in: int
    subjects_in: int
    groups_in: int
    groups_below_k: int
    groups_rolled_up: int
    groups_suppressed: int
    events_suppressed: int
    groups_published: int


@dataclass
class AggregateReport:
    day: dt.date
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    tables: list[GoldTableResult] = field(default_factory=list)
    risk: list[dict[str, object]] = field(default_factory=list)


# --- reading silver --------------------------------------------------------------------


def silver_partition(spark: SparkSession, config: PrivlakeConfig, dataset: str, day: dt.date) -> DataFrame:
    path = config.table_path("silver", dataset)
    if not table_exists(spark, path):
        raise MissingSilverError(
            f"no silver table for {dataset} at {path}; run `privlake deidentify --dataset {dataset} "
            f"--date {day}` first"
        )
    return spark.read.format("delta").load(path).where(F.col(DT) == F.lit(day))


def latest_snapshot(spark: SparkSession, config: PrivlakeConfig, dataset: str, day: dt.date) -> DataFrame:
    """The newest partition of a snapshot dataset on or before ``day`` (empty when none).
    The newest date is a scalar subquery, so it costs no Spark job of its own."""
    path = config.table_path("silver", dataset)
    if not table_exists(spark, path):
        raise MissingSilverError(f"no silver snapshot of {dataset} at {path}; de-identify it first")
    snapshots = spark.read.format("delta").load(path).where(F.col(DT) <= F.lit(day))
    return snapshots.where(F.col(DT) == snapshots.agg(F.max(DT)).scalar())


def objections(spark: SparkSession, config: PrivlakeConfig, spec: AnalyticsSpec) -> DataFrame | None:
    name = spec.consent.objections_table
    if name is None:
        return None
    path = config.table_path("privacy", name)
    return spark.read.format("delta").load(path) if table_exists(spark, path) else None


def without_restricted_subjects(
    spark: SparkSession, config: PrivlakeConfig, events: DataFrame, subject: str
) -> DataFrame:
    """Restriction of processing (Art. 18): restricted subjects are never counted, even if a
    row of theirs is still in silver (the restriction job moves them to restricted/)."""
    path = config.table_path("privacy", RESTRICTIONS_TABLE)
    if not table_exists(spark, path):
        return events
    restricted = spark.read.format("delta").load(path).select(F.col("subject_hash").alias(subject))
    return events.join(restricted, subject, "left_anti")


# --- one gold table ----------------------------------------------------------------------


def consented_events(
    spark: SparkSession,
    config: PrivlakeConfig,
    spec: AnalyticsSpec,
    table: AggregateTable,
    events: DataFrame,
    day: dt.date,
) -> DataFrame:
    """``events`` of subjects who may be counted for the table's purpose."""
    if not spec.needs_consent(table):
        return events
    consent = config.dataset(spec.consent.dataset)
    subjects = consenting_subjects(
        latest_snapshot(spark, config, consent.name, day),
        consent.subject,
        spec.consent,
        table.purpose,
        objections(spark, config, spec),
    )
    subject = config.dataset(table.source).subject
    return events.join(subjects.withColumnRenamed(SUBJECT, subject), subject, "left_semi")


def nullable(schema: T.StructType) -> T.StructType:
    """Gold columns may be null in one run and not in another; only ``dt`` is required."""
    return T.StructType([T.StructField(f.name, f.dataType, f.name != DT or f.nullable) for f in schema])


def build_gold_table(
    spark: SparkSession, config: PrivlakeConfig, spec: AnalyticsSpec, name: str, day: dt.date
) -> GoldTableResult:
    table = spec.tables[name]
    source = config.dataset(table.source)
    k = spec.k_for(table)
    events = without_restricted_subjects(
        spark, config, silver_partition(spark, config, source.name, day), source.subject
    )
    # Consent only removes events for some purposes: only then count what it removed.
    before = (
        events.agg(F.count(F.lit(1)), F.count_distinct(source.subject)).first()
        if spec.needs_consent(table)
        else None
    )
    consented = consented_events(spark, config, spec, table, events, day)
    snapshot = latest_snapshot(spark, config, table.join, day) if table.join else None
    leveled = assign_levels(grouping_inputs(consented, table, source.subject, snapshot), table, k).persist()
    try:
        gold = published_groups(leveled, table).withColumn(DT, F.lit(day))
        path = config.table_path("gold", name)
        ensure_table(spark, path, nullable(gold.schema), [DT])
        published = replace_partition(gold, path, f"dt = DATE'{day.isoformat()}'")
        summary = suppression_summary(leveled).first()
    finally:
        leveled.unpersist()
    assert summary is not None
    events_source, subjects_source = (
        (int(before[0]), int(before[1])) if before else (summary["events_in"], summary["subjects_in"])
    )
    return GoldTableResult(
        table=name,
        purpose=table.purpose,
        k=k,
        events_source=events_source,
        events_excluded_consent=events_source - int(summary["events_in"]),
        subjects_excluded_consent=subjects_source - int(summary["subjects_in"]),
        events_in=int(summary["events_in"]),
        subjects_in=int(summary["subjects_in"]),
        groups_in=int(summary["groups_in"]),
        groups_below_k=int(summary["groups_below_k"]),
        groups_rolled_up=int(summary["groups_rolled_up"]),
        groups_suppressed=int(summary["groups_suppressed"]),
        events_suppressed=int(summary["events_suppressed"]),
        groups_published=published,
    )


# --- records ---------------------------------------------------------------------------


def suppression_schema() -> T.StructType:
    counts = [f for f in GoldTableResult.__dataclass_fields__ if f not in ("table", "purpose", "k")]
    return table_schema(
        "`table` STRING NOT NULL, purpose STRING NOT NULL, k INT NOT NULL",
        *(f"{c} BIGINT NOT NULL" for c in counts),
        RECORDED,
    )


def record_suppression(spark: SparkSession, config: PrivlakeConfig, report: AggregateReport) -> None:
    recorded = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [(*asdict(r).values(), report.run_id, recorded, report.day) for r in report.tables]
    schema = suppression_schema()
    path = config.table_path("privacy", SUPPRESSION_TABLE)
    ensure_table(spark, path, schema, [DT])
    replace_partition(json_frame(spark, rows, schema), path, f"dt = DATE'{report.day.isoformat()}'")


def assess_risk(
    spark: SparkSession, config: PrivlakeConfig, spec: AnalyticsSpec, report: AggregateReport
) -> None:
    """Risk of every declared quasi-identifier set on the date's silver, stored and reported
    (all sets in one Spark job)."""
    sets = spec.risk.quasi_identifier_sets
    if not sets:
        return
    summaries = []
    for qi in sets:
        dataset = config.dataset(qi.dataset)
        records = (
            latest_snapshot(spark, config, dataset.name, report.day)
            if dataset.snapshot
            else silver_partition(spark, config, dataset.name, report.day)
        )
        summary = risk_summary(records, qi.columns, dataset.subject, spec.k)
        summaries.append(summary.select(F.lit(qi.name).alias("qi_set"), *MEASURES))
    measured = {r["qi_set"]: r for r in functools.reduce(DataFrame.unionByName, summaries).collect()}
    recorded = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = []
    for qi in sets:
        values = {m: measured[qi.name][m] for m in MEASURES}
        report.risk.append({"qi_set": qi.name, "dataset": qi.dataset, "columns": list(qi.columns), **values})
        labels = (qi.name, qi.dataset, ", ".join(qi.columns), spec.k)
        rows.append((*labels, *values.values(), report.run_id, recorded, report.day))
    path = config.table_path("privacy", RISK_TABLE)
    schema = risk_schema()
    ensure_table(spark, path, schema, [DT])
    replace_partition(json_frame(spark, rows, schema), path, f"dt = DATE'{report.day.isoformat()}'")


# --- the day's build ------------------------------------------------------------------


def aggregate(spark: SparkSession, config: PrivlakeConfig, day: dt.date) -> AggregateReport:
    """Rebuild every gold table's partition of ``day`` and the day's risk report."""
    spec = load_analytics(config)
    report = AggregateReport(day=day)
    with session_settings(spark, run_settings(spark, config)):
        for name in spec.tables:
            report.tables.append(build_gold_table(spark, config, spec, name, day))
        record_suppression(spark, config, report)
        assess_risk(spark, config, spec, report)
    return report

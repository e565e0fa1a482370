"""De-identification: one (dataset, date) of bronze into the silver Delta table.

The dataset's policy drives everything. Free text goes through Presidio with privlake's
IoT recognizers in Arrow batches (``privlake.freetext``); then identifiers become keyed
pseudonyms, quasi-identifiers are generalized and dropped columns disappear, all as
native Spark expressions (``privlake.policy``). Rows that fail either step go to the
quarantine table with the error class or the column name, never the text. A bronze column
the policy does not name stops the run (or quarantines its rows, per config): schema drift
never leaks a new field. Rows of restricted subjects (``privacy/restricted_subjects``) are
skipped and counted as isolated. A re-run replaces the date's partition.

The job is ``jobs/deidentify.py`` (``privlake deidentify --dataset D --date YYYY-MM-DD``,
or the same flags with spark-submit); this module is the library it calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from privlake.columns import (
    BRONZE_LINE_NUMBER,
    BRONZE_SOURCE_FILE,
    DT,
    LINE_NUMBER,
    LINEAGE_COLUMNS,
    PSEUDONYM_KEY_ID,
    RAW_LINE,
    SOURCE_FILE,
    STAGE,
)
from privlake.config import DatasetConfig, PrivlakeConfig
from privlake.delta import ensure_table, replace_partition, table_exists
from privlake.errors import PrivlakeError
from privlake.freetext import ENTITIES, SCRUB_ERROR, free_text_plan, scrub_free_text
from privlake.ingestion import QUARANTINE_STATS, quarantine_schema
from privlake.policy import deidentify_columns, generalization_failures
from privlake.privacy.denylist import RESTRICTED, SubjectScreen
from privlake.pseudonym import PseudonymKey
from privlake.runlog import RunRecord, record_run
from privlake.schema import non_personal_columns

GENERALIZATION_FAILED = "_generalization_failed"
UNPOLICIED = "_unpolicied"


class PolicyError(PrivlakeError):
    """The data and the policy disagree (e.g. a column the policy does not name)."""


# --- pure transforms -------------------------------------------------------------------


def unpolicied_columns(df: DataFrame, dataset: DatasetConfig) -> list[str]:
    """Columns in the data that the policy does not name (besides date and lineage)."""
    known = {*dataset.columns, DT, *LINEAGE_COLUMNS}
    return [c for c in df.columns if c not in known]


def flag_unpolicied(df: DataFrame, columns: Sequence[str]) -> DataFrame:
    """Flag rows holding a value in an unpolicied column, then drop those columns."""
    held = [F.when(F.col(c).isNotNull(), F.lit(c)) for c in columns]
    flag = F.concat_ws(",", *held) if held else F.lit("")
    return df.withColumn(UNPOLICIED, F.when(flag != "", flag)).drop(*columns)


def quarantine_reason() -> Column:
    return (
        F.when(F.col(UNPOLICIED).isNotNull(), F.lit("unpolicied_column"))
        .when(F.col(SCRUB_ERROR).isNotNull(), F.lit("deidentify_error"))
        .when(F.col(GENERALIZATION_FAILED).isNotNull(), F.lit("generalization_failed"))
    )


def silver_rows(flagged: DataFrame, dataset: DatasetConfig, key: PseudonymKey) -> DataFrame:
    clean = flagged.where(quarantine_reason().isNull()).select(*dataset.columns, DT)
    return deidentify_columns(clean, dataset, key).withColumn(PSEUDONYM_KEY_ID, F.lit(key.key_id))


def deidentify_quarantine_rows(flagged: DataFrame, dataset: DatasetConfig) -> DataFrame:
    reason = quarantine_reason()
    detail = F.coalesce(
        F.concat(F.lit("columns: "), F.col(UNPOLICIED)),
        F.concat(F.lit("error: "), F.col(SCRUB_ERROR)),
        F.concat(F.lit("columns: "), F.col(GENERALIZATION_FAILED)),
    )
    return flagged.where(reason.isNotNull()).select(
        F.lit(dataset.name).alias("dataset"),
        F.lit("deidentify").alias(STAGE),
        F.col(BRONZE_SOURCE_FILE).alias(SOURCE_FILE),
        F.col(BRONZE_LINE_NUMBER).alias(LINE_NUMBER),
        reason.alias("reason"),
        detail.alias("detail"),
        F.to_json(F.struct(*dataset.columns)).cast("binary").alias(RAW_LINE),
        F.col(DT),
    )


def entity_counts(flagged: DataFrame) -> dict[str, int]:
    exploded = flagged.where(quarantine_reason().isNull()).select(F.explode(ENTITIES).alias("label", "n"))
    return {
        r["label"]: int(r["total"])
        for r in exploded.groupBy("label").agg(F.sum("n").alias("total")).collect()
    }


def skip_restricted_subjects(
    bronze: DataFrame, dataset: DatasetConfig, screen: SubjectScreen, key: PseudonymKey
) -> DataFrame:
    """Bronze without the rows of restricted subjects (restriction of processing, Art. 18)."""
    if not screen.restricted:
        return bronze
    kind = dataset.columns[dataset.subject].kind or "account_id"
    restricted_only = SubjectScreen(denied=(), restricted=screen.restricted)
    state = restricted_only.state(F.col(dataset.subject), kind, key.secret)
    return bronze.where(F.coalesce(state != RESTRICTED, F.lit(True)))


# --- the job -----------------------------------------------------------------------------


def known_subject_identifiers(
    spark: SparkSession, config: PrivlakeConfig, day: dt.date
) -> list[tuple[str, str]]:
    """(value, entity type) of every subject in the latest snapshot up to ``day``."""
    known = config.deidentify.known_identifiers
    if known is None:
        return []
    path = config.table_path("bronze", known.dataset)
    if not table_exists(spark, path):
        return []
    snapshot = spark.read.format("delta").load(path).where(F.col(DT) <= F.lit(day))
    latest = snapshot.agg(F.max(DT)).first()
    if latest is None or latest[0] is None:
        return []
    rows = snapshot.where(F.col(DT) == F.lit(latest[0])).select(*known.columns).collect()
    return sorted(
        {
            (str(row[column]), entity)
            for row in rows
            for column, entity in known.columns.items()
            if row[column] is not None and str(row[column]).strip()
        }
    )


# Identifier kinds whose values over the whole day join the known identifiers of free text:
# a device's serial shows up in other devices' lines (a hub logging its sensors, "seen with
# new SIM on <serial>"), often in lower case, where no shape tells it from a hex id.
DAY_WIDE_KINDS = {"device_serial": "DEVICE_SERIAL"}


def days_device_identifiers(bronze: DataFrame, dataset: DatasetConfig) -> list[tuple[str, str]]:
    """(value, entity type) of every serial the day's rows carry in a free-text deny column."""
    columns = sorted(
        {
            deny
            for spec in dataset.columns.values()
            if spec.role == "free_text"
            for deny in spec.deny_columns
            if dataset.columns[deny].kind in DAY_WIDE_KINDS and dataset.columns[deny].type == "string"
        }
    )
    pairs: set[tuple[str, str]] = set()
    for column in columns:
        entity = DAY_WIDE_KINDS[str(dataset.columns[column].kind)]
        values = bronze.where(F.col(column).isNotNull()).select(column).distinct().collect()
        pairs.update((str(row[0]), entity) for row in values if str(row[0]).strip())
    return sorted(pairs)


def deidentify(
    spark: SparkSession, config: PrivlakeConfig, dataset_name: str, day: dt.date, key: PseudonymKey
) -> RunRecord:
    dataset = config.dataset(dataset_name)
    bronze_path = config.table_path("bronze", dataset.name)
    if not table_exists(spark, bronze_path):
        raise PolicyError(f"{dataset.name}: no bronze table at {bronze_path}; run `privlake ingest` first")
    all_bronze = spark.read.format("delta").load(bronze_path).where(F.col(DT) == F.lit(day))
    screen = SubjectScreen.load(spark, config)
    bronze = all_bronze.transform(skip_restricted_subjects, dataset, screen, key)
    extra = unpolicied_columns(bronze, dataset)
    if extra and config.deidentify.on_unpolicied_columns == "fail":
        raise PolicyError(
            f"{dataset.name} {day}: bronze has columns the policy does not name: {', '.join(extra)}. "
            "Give each a role in the dataset's YAML (identifier, quasi_identifier, free_text, keep, drop), "
            "or set deidentify.on_unpolicied_columns: quarantine"
        )
    record = RunRecord(job="deidentify", dataset=dataset.name, day=day, key_id=key.key_id)
    known = known_subject_identifiers(spark, config, day) + days_device_identifiers(all_bronze, dataset)
    plan = free_text_plan(config, dataset, key.secret, known)
    flagged = (
        bronze.transform(flag_unpolicied, extra)
        .transform(scrub_free_text, plan)
        .withColumn(GENERALIZATION_FAILED, generalization_failures(dataset))
        .persist()
    )
    try:
        silver_path = config.table_path("silver", dataset.name)
        quarantine_path = config.table_path("quarantine", dataset.name)
        silver = silver_rows(flagged, dataset, key)
        ensure_table(spark, silver_path, silver.schema, [DT], stats_columns=non_personal_columns(dataset))
        ensure_table(spark, quarantine_path, quarantine_schema(), [DT], stats_columns=QUARANTINE_STATS)
        predicate = f"dt = DATE'{day.isoformat()}'"
        record.rows_out = replace_partition(silver, silver_path, predicate)
        quarantine = deidentify_quarantine_rows(flagged, dataset)
        record.rows_quarantined = replace_partition(
            quarantine, quarantine_path, f"{predicate} AND stage = 'deidentify'"
        )
        record.rows_in = flagged.count()
        if screen.restricted:
            record.rows_isolated = all_bronze.count() - record.rows_in
            record.rows_in += record.rows_isolated
        reasons = quarantine.groupBy("reason").count().collect()
        record.reasons = {r["reason"]: int(r["count"]) for r in reasons}
        record.entities = entity_counts(flagged)
    finally:
        flagged.unpersist()
    record.check_balance()
    record_run(spark, config, record)
    return record

"""``privlake run``: one dataset-day from landing to silver in one session, the same tables
as ingest and de-identify run one after the other, with both run records balanced."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

from privlake.config import load_config
from privlake.ingestion import LandingDataError
from privlake.keys import pseudonym_key
from privlake.pipeline import datasets_in_run_order, run_dataset_day

DAY = dt.date(2026, 11, 28)
TIME_COLUMNS = {"ingested_at", "quarantined_at", "deidentified_at"}


def table(spark: SparkSession, lake: Path, zone: str, dataset: str) -> DataFrame:
    df = spark.read.format("delta").load(str(lake / "warehouse" / zone / dataset))
    return df.drop(*(c for c in df.columns if c in TIME_COLUMNS))


def test_run_writes_bronze_quarantine_and_silver_and_a_rerun_changes_nothing(
    spark: SparkSession, lake: Path
) -> None:
    from privlake.generator import generate_day

    summary = generate_day(lake / "landing", DAY, accounts=8, rows=60, seed=5)
    config = load_config()
    key = pseudonym_key(config)
    assert next(d.name for d in datasets_in_run_order(config)) == "accounts"  # snapshots first

    def zones(dataset: str) -> tuple[list[object], ...]:
        return tuple(
            sorted(table(spark, lake, z, dataset).collect()) for z in ("bronze", "silver", "quarantine")
        )

    for name in ("accounts", "device_logs"):
        ingested, deidentified = run_dataset_day(spark, config, name, DAY, key)
        planted = summary.datasets[name]
        assert (ingested.job, deidentified.job) == ("ingest", "deidentify")
        assert ingested.rows_in == planted.rows + planted.bad_lines
        assert ingested.rows_quarantined == planted.bad_lines
        # silver is de-identified from exactly what this run put into bronze
        assert deidentified.rows_in == ingested.rows_out == planted.rows
        assert deidentified.rows_out + deidentified.rows_quarantined == planted.rows
    written = zones("device_logs")
    run_dataset_day(spark, config, "device_logs", DAY, key)  # the partitions are replaced
    assert zones("device_logs") == written


def test_a_failing_ingest_writes_no_silver(spark: SparkSession, lake: Path) -> None:
    config = load_config()
    with pytest.raises(LandingDataError, match="no landing folder"):
        run_dataset_day(spark, config, "device_logs", DAY, pseudonym_key(config))
    assert not (lake / "warehouse" / "silver" / "device_logs").exists()

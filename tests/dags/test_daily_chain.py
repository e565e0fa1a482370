"""The daily chain as Airflow runs it: deidentify → aggregate → retention, with dag.test().

Each task is a real spark-submit through the ``spark_default`` connection, on a migrated
SQLite metadata DB. This is what ``make demo-airflow`` runs (app.demo_airflow).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from app.demo_airflow import DAILY_CHAIN, run_daily_chain
from jobs.retention import EVIDENCE_TABLE
from privlake.aggregates import SUPPRESSION_TABLE
from privlake.config import load_config

DAY = dt.date(2026, 11, 28)


@pytest.mark.airflow
def test_daily_chain_runs_every_dag_and_produces_silver_gold_and_evidence(
    airflow_db: str, spark: SparkSession, lake: Path
) -> None:
    from privlake.generate import generate_day

    summary = generate_day(lake / "landing", DAY, accounts=40, rows=400, seed=11)
    results = run_daily_chain(DAY)

    assert [r.dag_id for r in results] == list(DAILY_CHAIN)
    for result in results:
        assert result.state == "success", result
        assert result.tasks and set(result.tasks.values()) == {"success"}, result
    # deidentify is mapped over the configured datasets
    assert sum(t.startswith("deidentify[") for t in results[0].tasks) == len(summary.datasets)

    config = load_config()
    for name, generated in summary.datasets.items():
        silver = spark.read.format("delta").load(config.table_path("silver", name))
        assert silver.where(silver.dt == DAY).count() == generated.rows, name
    gold = spark.read.format("delta").load(config.table_path("gold", "daily_device_activity"))
    assert gold.where(F.col("dt") == DAY).count() > 0  # 40 subjects: some groups reach k=10
    k_records = spark.read.format("delta").load(config.table_path("privacy", SUPPRESSION_TABLE))
    assert k_records.where(F.col("dt") == DAY).count() > 0
    evidence = spark.read.format("delta").load(config.table_path("privacy", EVIDENCE_TABLE))
    assert evidence.where((F.col("dt") == DAY) & ~F.col("dry_run")).count() > 0

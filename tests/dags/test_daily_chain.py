"""The daily chain as Airflow runs it: deidentify → aggregate → retention, with dag.test().

Each task is a real spark-submit through the ``spark_default`` connection, on a migrated
SQLite metadata DB. This is what ``make demo-airflow`` runs (app.demo_airflow). The run
is the session's ``daily_chain`` (tests/conftest.py), which the S3 end-to-end test also uses
as its local reference.
"""

from __future__ import annotations

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from app.demo_airflow import DAILY_CHAIN
from privlake.aggregates import SUPPRESSION_TABLE
from privlake.config import load_config
from privlake.retention.plan import EVIDENCE_TABLE
from tests.conftest import CHAIN_DAY, DailyChainRun


@pytest.mark.airflow
def test_daily_chain_runs_every_dag_and_produces_silver_gold_and_evidence(
    daily_chain: DailyChainRun, spark: SparkSession
) -> None:
    results, summary = daily_chain.results, daily_chain.summary
    assert [r.dag_id for r in results] == list(DAILY_CHAIN)
    for result in results:
        assert result.state == "success", result
        assert result.tasks and set(result.tasks.values()) == {"success"}, result
    # deidentify runs one `privlake run` per configured dataset, snapshots first
    runs = [t for t in results[0].tasks if t.startswith(("run_snapshot[", "run["))]
    assert len(runs) == len(summary.datasets)

    config = load_config(daily_chain.config)
    for name, generated in summary.datasets.items():
        silver = spark.read.format("delta").load(config.table_path("silver", name))
        assert silver.where(silver.dt == CHAIN_DAY).count() == generated.rows, name
    gold = spark.read.format("delta").load(config.table_path("gold", "daily_device_activity"))
    assert gold.where(F.col("dt") == CHAIN_DAY).count() > 0  # 40 subjects: some groups reach k=10
    k_records = spark.read.format("delta").load(config.table_path("privacy", SUPPRESSION_TABLE))
    assert k_records.where(F.col("dt") == CHAIN_DAY).count() > 0
    evidence = spark.read.format("delta").load(config.table_path("privacy", EVIDENCE_TABLE))
    assert evidence.where((F.col("dt") == CHAIN_DAY) & ~F.col("dry_run")).count() > 0

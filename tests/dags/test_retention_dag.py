"""The retention DAG runs with dag.test(): as-of is the logical date, expired rows go."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from privlake.config import load_config
from tests.conftest import REPO, bronze_frame


@pytest.mark.airflow
def test_retention_run_deletes_bronze_rows_past_their_window(
    airflow_db: str, spark: SparkSession, lake: Path
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    config = load_config()
    old, fresh = dt.date(2026, 9, 1), dt.date(2026, 11, 27)
    rows = [{"event_id": "old", "dt": old}, {"event_id": "fresh", "dt": fresh}]
    rows = [
        {**r, "event_time": f"{r['dt']}T10:00:00Z", "account_id": "acc-1", "device_serial": "S"} for r in rows
    ]
    bronze_frame(spark, "device_logs", rows).write.format("delta").partitionBy("dt").save(
        config.table_path("bronze", "device_logs")
    )
    dag = DagBag(dag_folder=str(REPO / "dags" / "retention.py")).get_dag("retention")
    run = dag.test(logical_date=dt.datetime(2026, 11, 28, tzinfo=dt.UTC))
    assert run.state == "success"
    left = spark.read.format("delta").load(config.table_path("bronze", "device_logs"))
    assert [r.event_id for r in left.collect()] == ["fresh"]  # 30-day window for bronze device_logs

"""The deidentify DAG runs end to end with dag.test() on a migrated SQLite metadata DB."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from privlake.config import load_config

DAY = dt.date(2026, 11, 28)


@pytest.mark.airflow
def test_daily_run_ingests_and_deidentifies_every_dataset(
    airflow_db: str, spark: SparkSession, lake: Path
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    from privlake.generate import generate_day
    from tests.conftest import REPO

    summary = generate_day(lake / "landing", DAY, accounts=15, rows=300, seed=11)
    dag = DagBag(dag_folder=str(REPO / "dags" / "deidentify.py")).get_dag("deidentify")
    run = dag.test(logical_date=dt.datetime(2026, 11, 28, tzinfo=dt.UTC))
    assert run.state == "success"
    config = load_config()
    for name, generated in summary.datasets.items():
        silver = spark.read.format("delta").load(config.table_path("silver", name))
        assert silver.where(silver.dt == DAY).count() == generated.rows, name

"""The retention DAG runs with dag.test(): as-of is the logical date, expired rows go, and the
minors sweep that follows erases a child's account as of the same date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from anonymizers.pseudonym import pseudonymize
from privlake.config import load_config
from privlake.delta import ensure_table
from privlake.keys import pseudonym_key
from privlake.privacy import MINOR_ACCOUNTS_TABLE
from privlake.schema import bronze_schema, non_personal_columns
from tests.conftest import REPO, bronze_frame


@pytest.mark.airflow
def test_retention_run_deletes_expired_rows_then_sweeps_minors(
    airflow_db: str, spark: SparkSession, lake: Path
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    config = load_config()
    old, fresh = dt.date(2026, 9, 1), dt.date(2026, 11, 27)
    rows = [
        {"event_id": "old", "dt": old, "account_id": "acc-1"},
        {"event_id": "fresh", "dt": fresh, "account_id": "acc-1"},
        {"event_id": "kid", "dt": fresh, "account_id": "kid-1"},
    ]
    rows = [{**r, "event_time": f"{r['dt']}T10:00:00Z", "device_serial": "S"} for r in rows]
    accounts = [  # on 2026-11-28 the youngest possible age of a 2012 birth year is 13: under 16 in DE
        {"account_id": "acc-1", "country_code": "DE", "birth_year": 1980, "dt": fresh},
        {"account_id": "kid-1", "country_code": "DE", "birth_year": 2012, "dt": fresh},
    ]
    for name, data in (("device_logs", rows), ("accounts", accounts)):
        # created as ingest creates bronze: no personal column in the Delta log's statistics,
        # which the sweep's verification scan reads too
        path, dataset = config.table_path("bronze", name), config.dataset(name)
        ensure_table(spark, path, bronze_schema(dataset), ["dt"], stats_columns=non_personal_columns(dataset))
        bronze_frame(spark, name, data).write.format("delta").mode("append").save(path)
    dag = DagBag(dag_folder=str(REPO / "dags" / "retention.py")).get_dag("retention")
    assert dag.get_task("enforce_retention").downstream_task_ids == {"sweep_minors"}
    run = dag.test(logical_date=dt.datetime(2026, 11, 28, tzinfo=dt.UTC))
    assert run.state == "success"
    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == {
        "enforce_retention": "success",
        "sweep_minors": "success",
    }
    left = spark.read.format("delta").load(config.table_path("bronze", "device_logs"))
    assert [r.event_id for r in left.collect()] == ["fresh"]  # 30-day window; the minor's row erased
    snapshot = spark.read.format("delta").load(config.table_path("bronze", "accounts"))
    assert [r.account_id for r in snapshot.collect()] == ["acc-1"]
    handed = spark.read.format("delta").load(config.table_path("privacy", MINOR_ACCOUNTS_TABLE)).collect()
    key = pseudonym_key(config).secret
    assert [(r.request_id, r.account_id, r.subject_hash) for r in handed] == [
        ("minors-2026-11-28", "kid-1", pseudonymize("kid-1", "account_id", key))
    ]

"""The privacy_erasure DAG runs with dag.test() from the trigger form: a manifest path, purge."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from privlake.config import load_config
from privlake.delta import ensure_table
from privlake.privacy.ledger import request_history
from privlake.schema import non_personal_columns
from tests.conftest import REPO, bronze_frame


@pytest.mark.airflow
def test_erasure_request_from_a_manifest_in_the_trigger_form(
    airflow_db: str, spark: SparkSession, lake: Path
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    config = load_config()
    rows: list[dict[str, object]] = [
        {
            "event_id": event,
            "event_time": "2026-11-28T10:00:00Z",
            "account_id": account,
            "device_serial": serial,
        }
        for event, account, serial in (
            ("gone-1", "acc-0000000404", "00AA11BB22CC33DD"),
            ("gone-2", "acc-0000000404", "00AA11BB22CC33DD"),
            ("kept", "acc-0000000505", "FFEE00DDCC11BBAA"),
        )
    ]
    # created as ingest creates it: personal columns stay out of _delta_log statistics (a table
    # created without that keeps values in its first commit, and the verification scan fails it)
    frame = bronze_frame(spark, "device_logs", rows)
    path = config.table_path("bronze", "device_logs")
    ensure_table(
        spark, path, frame.schema, ["dt"], stats_columns=non_personal_columns(config.dataset("device_logs"))
    )
    frame.write.format("delta").mode("append").save(path)
    manifest = lake / "restricted-zone" / "ticket-4711.json"
    manifest.parent.mkdir()
    manifest.write_text(json.dumps({"subjects": [{"kind": "device_serial", "value": "00aa11bb22cc33dd"}]}))
    dag = DagBag(dag_folder=str(REPO / "dags" / "privacy_erasure.py")).get_dag("privacy_erasure")
    run = dag.test(
        logical_date=dt.datetime(2026, 11, 28, tzinfo=dt.UTC),
        run_conf={"request_id": "ticket-4711", "manifest": str(manifest), "purge": True},
    )
    assert run.state == "success"
    left = spark.read.format("delta").load(config.table_path("bronze", "device_logs"))
    assert [r.event_id for r in left.collect()] == ["kept"]
    states = [e.state for e in request_history(spark, config, "ticket-4711")]
    assert states == ["received", "resolved", "erased", "purged", "verified", "completed"]

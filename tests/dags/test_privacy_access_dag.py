"""The privacy_access DAG runs with dag.test() from its trigger form (a manifest path, CSV, an
archive path) and writes the subject's package; its form is typed and titled."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from privlake.config import load_config
from privlake.delta import ensure_table
from privlake.privacy.ledger import request_history
from privlake.schema import non_personal_columns
from tests.conftest import REPO, bronze_frame


def access_dag(registered: bool = False):  # type: ignore[no-untyped-def]
    """The DAG as parsed; ``registered``: through the metadata DB, as dag.test() needs it."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags" / "privacy_access.py"))
    assert bag.import_errors == {}
    return bag.get_dag("privacy_access") if registered else bag.dags["privacy_access"]


def test_the_access_form_is_typed_and_titled() -> None:
    dag = access_dag()
    assert dag.schedule is None
    assert {"request_id", "manifest", "subjects", "format", "out"} <= set(dag.params)
    for name in dag.params:
        param = dag.params.get_param(name)
        assert param.schema.get("type") and param.schema.get("title") and param.description, name
    assert dag.params.get_param("format").schema["enum"] == ["json", "csv", "parquet"]
    assert dag.params.get_param("out").schema["pattern"] == r"\.zip$"


@pytest.mark.airflow
def test_access_request_from_a_manifest_in_the_trigger_form(
    airflow_db: str, spark: SparkSession, lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PRIVLAKE_EXPORT_PASSPHRASE", raising=False)
    config = load_config()
    rows: list[dict[str, object]] = [
        {
            "event_id": event,
            "event_time": "2026-11-28T10:00:00Z",
            "account_id": account,
            "device_serial": serial,
            "message": message,
        }
        for event, account, serial, message in (
            ("mine-1", "acc-0000000404", "00AA11BB22CC33DD", "hub 00AA11BB22CC33DD online"),
            ("mine-2", "acc-0000000404", "00AA11BB22CC33DD", "paired by ops@example.org"),
            ("theirs", "acc-0000000505", "FFEE00DDCC11BBAA", "hub FFEE00DDCC11BBAA online"),
        )
    ]
    frame = bronze_frame(spark, "device_logs", rows)
    path = config.table_path("bronze", "device_logs")
    ensure_table(
        spark, path, frame.schema, ["dt"], stats_columns=non_personal_columns(config.dataset("device_logs"))
    )
    frame.write.format("delta").mode("append").save(path)
    zone = lake / "restricted-zone"
    zone.mkdir()
    manifest = zone / "ticket-815.json"
    manifest.write_text(json.dumps({"subjects": [{"kind": "device_serial", "value": "00aa11bb22cc33dd"}]}))
    out = zone / "ticket-815.zip"
    run = access_dag(registered=True).test(
        logical_date=dt.datetime(2026, 11, 28, tzinfo=dt.UTC),
        run_conf={"request_id": "ticket-815", "manifest": str(manifest), "format": "csv", "out": str(out)},
    )
    assert run.state == "success"
    with zipfile.ZipFile(out) as zf:
        assert set(zf.namelist()) == {"manifest.json", "summary.html", "bronze/device_logs.csv"}
        exported = list(csv.DictReader(io.StringIO(zf.read("bronze/device_logs.csv").decode())))
        listed = json.loads(zf.read("manifest.json"))["files"]
    assert sorted(r["event_id"] for r in exported) == ["mine-1", "mine-2"]
    assert [(f["zone"], f["dataset"], f["rows"]) for f in listed] == [("bronze", "device_logs", 2)]
    states = [e.state for e in request_history(spark, config, "ticket-815")]
    assert states == ["received", "resolved", "exported", "completed"]

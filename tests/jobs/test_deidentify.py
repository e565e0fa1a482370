"""De-identify: silver holds pseudonyms and scrubbed text, fails closed, rejects schema drift."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.testing import assertDataFrameEqual

from privlake.config import load_config
from privlake.deidentification import PolicyError, deidentify
from privlake.keys import pseudonym_key
from privlake.pseudonym import pseudonymize
from tests.conftest import bronze_frame, write_config

DAY = dt.date(2026, 11, 28)
ACCOUNT = {
    "account_id": "acc-0000000007",
    "email": "zoe.mueller+hub@mail.example.de",
    "phone": "+49 30 1234567",
    "username": "zoe_m",
    "display_name": "Zoë Müller",
    "country_code": "DE",
    "created_at": "2024-03-05T10:00:00+01:00",
    "birth_year": 1987,
    "marketing_opt_in": False,
}
LOG = {
    "event_id": "e1",
    "event_time": "2026-11-28T13:04:05+01:00",
    "account_id": "acc-0000000007",
    "device_serial": "A1B2C3D4E5F60718",
    "firmware": "4.1.7_0012",
    "ip_address": "10.105.160.95",
    "mac_address": "AA-BB-CC-DD-EE-FF",
    "wifi_networks": ["FRITZ!Box Müller"],
    "latitude": 52.520008,
    "longitude": 13.404954,
    "message": "cloud: device A1B2C3D4E5F60718 shared with zoe.mueller+hub@mail.example.de on fw 4.1.7_0012",
}


def write_bronze(
    spark: SparkSession, lake_root: Path, dataset: str, rows: list[dict[str, object]]
) -> DataFrame:
    df = bronze_frame(spark, dataset, rows)
    df.write.format("delta").mode("overwrite").partitionBy("dt").save(
        str(lake_root / "warehouse" / "bronze" / dataset)
    )
    return df


def silver(spark: SparkSession, lake_root: Path, dataset: str) -> DataFrame:
    return spark.read.format("delta").load(str(lake_root / "warehouse" / "silver" / dataset))


def test_silver_has_joinable_pseudonyms_and_no_raw_values(spark: SparkSession, lake: Path) -> None:
    config = load_config()
    key = pseudonym_key(config)
    write_bronze(spark, lake, "accounts", [ACCOUNT])
    write_bronze(spark, lake, "device_logs", [LOG, {**LOG, "event_id": "e2", "message": "heartbeat ok"}])
    for name in ("accounts", "device_logs"):
        record = deidentify(spark, config, name, DAY, key)
        assert record.rows_in == record.rows_out and record.rows_quarantined == 0
    logs = silver(spark, lake, "device_logs").orderBy("event_id").collect()
    accounts = silver(spark, lake, "accounts").collect()
    assert (
        logs[0].account_id
        == accounts[0].account_id
        == pseudonymize("acc-0000000007", "account_id", key.secret)
    )
    serial = pseudonymize("A1B2C3D4E5F60718", "device_serial", key.secret)
    assert logs[0].message == f"cloud: device {serial} shared with <EMAIL_ADDRESS> on fw 4.1.7_0012"
    assert logs[1].message == "heartbeat ok"
    assert logs[0].pseudonym_key_id == key.key_id
    text = " ".join(str(v) for row in logs + accounts for v in row.asDict().values())
    for raw in (
        "acc-0000000007",
        "A1B2C3D4E5F60718",
        "10.105.160.95",
        "zoe.mueller",
        "Müller",
        "1234567",
        "zoe_m",
    ):
        assert raw.lower() not in text.lower(), raw
    assert "display_name" not in silver(spark, lake, "accounts").columns
    assert accounts[0].birth_year == 1985


def test_another_devices_serial_in_a_line_is_replaced_in_any_case(spark: SparkSession, lake: Path) -> None:
    """A serial the day's rows carry is known to every line: a hub logging its tracker."""
    config = load_config()
    key = pseudonym_key(config)
    tracker = {**LOG, "event_id": "e2", "device_serial": "0F1E2D3C4B5A6978", "message": "gps fix"}
    hub = {**LOG, "message": "lte: IMEI seen with new SIM on 0f1e2d3c4b5a6978 (trace 9f8e7d6c5b4a3928)"}
    write_bronze(spark, lake, "device_logs", [hub, tracker])
    deidentify(spark, config, "device_logs", DAY, key)
    message = silver(spark, lake, "device_logs").where(F.col("event_id") == "e1").first().message
    serial = pseudonymize("0F1E2D3C4B5A6978", "device_serial", key.secret)
    assert message == f"lte: IMEI seen with new SIM on {serial} (trace 9f8e7d6c5b4a3928)"


def test_rerun_is_idempotent(spark: SparkSession, lake: Path) -> None:
    config = load_config()
    key = pseudonym_key(config)
    write_bronze(spark, lake, "device_logs", [LOG])
    deidentify(spark, config, "device_logs", DAY, key)
    first = silver(spark, lake, "device_logs").collect()
    deidentify(spark, config, "device_logs", DAY, key)
    assertDataFrameEqual(silver(spark, lake, "device_logs"), first)


def test_a_row_whose_scrubbing_fails_is_quarantined_never_published(
    spark: SparkSession, tmp_path: Path
) -> None:
    # A missing spaCy model makes the NER columns fail: every such row must be quarantined.
    config = load_config(write_config(tmp_path, deidentify={"spacy_model": "no_such_spacy_model"}))
    row = {
        "event_id": "u1",
        "event_time": "2026-11-28T10:00:00Z",
        "account_id": "acc-1",
        "scene_name": "Anna's lights",
    }
    write_bronze(spark, tmp_path, "usage_history", [row])
    record = deidentify(spark, config, "usage_history", DAY, pseudonym_key(config))
    assert (record.rows_in, record.rows_out, record.rows_quarantined) == (1, 0, 1)
    q = spark.read.format("delta").load(config.table_path("quarantine", "usage_history")).collect()
    assert [(r.stage, r.reason) for r in q] == [("deidentify", "deidentify_error")]
    assert "Anna" not in q[0].detail and q[0].detail.startswith("error: scene_name: ")
    assert silver(spark, tmp_path, "usage_history").count() == 0


def test_unparseable_quasi_identifier_is_quarantined(spark: SparkSession, lake: Path) -> None:
    config = load_config()
    write_bronze(spark, lake, "device_logs", [LOG, {**LOG, "event_id": "e9", "ip_address": "my-router"}])
    record = deidentify(spark, config, "device_logs", DAY, pseudonym_key(config))
    assert (record.rows_out, record.rows_quarantined) == (1, 1)
    assert record.reasons == {"generalization_failed": 1}


def add_column(spark: SparkSession, path: str) -> None:
    spark.sql(f"ALTER TABLE delta.`{path}` ADD COLUMNS (owner_nickname STRING)")
    spark.read.format("delta").load(path).withColumn(
        "owner_nickname", F.when(F.col("event_id") == "e2", F.lit("Zozo"))
    ).write.format("delta").mode("overwrite").save(path)


def test_schema_drift_fails_the_run(spark: SparkSession, lake: Path) -> None:
    config = load_config()
    write_bronze(spark, lake, "device_logs", [LOG, {**LOG, "event_id": "e2"}])
    add_column(spark, config.table_path("bronze", "device_logs"))
    with pytest.raises(PolicyError, match="owner_nickname") as err:
        deidentify(spark, config, "device_logs", DAY, pseudonym_key(config))
    assert "Zozo" not in str(err.value)


def test_schema_drift_can_quarantine_rows_that_hold_the_new_field(
    spark: SparkSession, tmp_path: Path
) -> None:
    config = load_config(write_config(tmp_path, deidentify={"on_unpolicied_columns": "quarantine"}))
    write_bronze(spark, tmp_path, "device_logs", [LOG, {**LOG, "event_id": "e2"}])
    add_column(spark, config.table_path("bronze", "device_logs"))
    record = deidentify(spark, config, "device_logs", DAY, pseudonym_key(config))
    assert (record.rows_out, record.reasons) == (1, {"unpolicied_column": 1})
    assert "owner_nickname" not in silver(spark, tmp_path, "device_logs").columns

"""Restriction round trip on real Delta tables: restrict moves a subject's rows to restricted/,
ingest routes its new rows there, deidentify skips it, and lifting the restriction brings every
row back to bronze and de-identifies the affected dates again.

One small lake per module (hand-made bronze rows for two subjects, one landing file for the
next day) goes through restrict, a day of processing, and unrestrict (run as spark-submit runs
``jobs/unrestrict.py``: ``entry.main`` with the command's flags); each test asserts one step.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import jobs.unrestrict
from anonymizers.pseudonym import pseudonymize
from privlake import entry
from privlake.config import PrivlakeConfig, load_config
from privlake.deidentification import deidentify
from privlake.ingestion import ingest
from privlake.keys import pseudonym_key
from privlake.privacy.denylist import RESTRICTIONS_TABLE, listed_subjects
from privlake.privacy.evidence import RequestResult, read_evidence
from privlake.privacy.ledger import COMPLETED, RESTRICTED, UNRESTRICTED, request_history
from privlake.privacy.manifest import build_request
from privlake.privacy.restriction import restrict
from privlake.runlog import RunRecord
from tests.conftest import CONFIG, bronze_frame, write_config

DAY, NEXT_DAY = dt.date(2026, 11, 28), dt.date(2026, 11, 29)
HELD, OTHER = "acc-0000000101", "acc-0000000202"
HELD_SERIAL, OTHER_SERIAL = "A1B2C3D4E5F60718", "0F0E0D0C0B0A0908"


def log(event_id: str, account: str, serial: str, day: dt.date) -> dict[str, object]:
    return {
        "event_id": event_id,
        "event_time": f"{day}T10:00:00+00:00",
        "account_id": account,
        "device_serial": serial,
        "firmware": "4.1.7_0012",
        "level": "INFO",
        "message": "scene started",
        "dt": day,
    }


@dataclass
class RoundTrip:
    config: PrivlakeConfig
    restricted: RequestResult
    after_restrict: dict[str, list[str]]  # zone -> event ids
    ingest_record: RunRecord
    deidentify_record: RunRecord
    after_next_day: dict[str, list[str]]
    lift_exit_code: int
    lifted: RequestResult
    after_lift: dict[str, list[str]]
    list_after_restrict: list[str]
    list_after_lift: list[str]


def event_ids(spark: SparkSession, config: PrivlakeConfig) -> dict[str, list[str]]:
    out = {}
    for zone in ("bronze", "silver", "restricted"):
        df: DataFrame = spark.read.format("delta").load(config.table_path(zone, "device_logs"))
        out[zone] = sorted(r.event_id for r in df.select("event_id").collect())
    return out


@pytest.fixture(scope="module")
def round_trip(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RoundTrip]:
    root = tmp_path_factory.mktemp("restrict")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PRIVLAKE_LANDING_ROOT", raising=False)
        mp.delenv("PRIVLAKE_WAREHOUSE_ROOT", raising=False)
        # the test session's shuffle partitions: the job's get_spark reuses the session and sets them
        spark_settings = {**yaml.safe_load(CONFIG.read_text())["spark"], "shuffle_partitions": 2}
        config_path = str(write_config(root, spark=spark_settings))
        mp.setenv("PRIVLAKE_CONFIG", config_path)
        config = load_config()
        key = pseudonym_key(config)
        rows = [
            log("h1", HELD, HELD_SERIAL, DAY),
            log("h2", HELD, HELD_SERIAL, DAY),
            log("o1", OTHER, OTHER_SERIAL, DAY),
        ]
        bronze_frame(spark, "device_logs", rows).write.format("delta").partitionBy("dt").save(
            config.table_path("bronze", "device_logs")
        )
        deidentify(spark, config, "device_logs", DAY, key)
        request = build_request("restrict-1", "restrict", [f"device_serial={HELD_SERIAL.lower()}"])
        restricted = restrict(spark, config, request, key)
        after_restrict = event_ids(spark, config)
        list_after_restrict = listed_subjects(spark, config, RESTRICTIONS_TABLE)

        # the next day: new rows of both subjects land; one of the held subject's rows also
        # reaches bronze by another way (a backfill that bypassed ingest): deidentify must skip it
        landing = root / "landing" / "device_logs" / f"dt={NEXT_DAY}"
        landing.mkdir(parents=True)
        lines = [log("h3", HELD, HELD_SERIAL, NEXT_DAY), log("o2", OTHER, OTHER_SERIAL, NEXT_DAY)]
        (landing / "part-0.jsonl").write_text(
            "".join(json.dumps({k: v for k, v in r.items() if k != "dt"}) + "\n" for r in lines)
        )
        ingest_record = ingest(spark, config, "device_logs", NEXT_DAY)
        bronze_frame(spark, "device_logs", [log("h4", HELD, HELD_SERIAL, NEXT_DAY)]).write.format(
            "delta"
        ).mode("append").save(config.table_path("bronze", "device_logs"))
        deidentify_record = deidentify(spark, config, "device_logs", NEXT_DAY, key)
        after_next_day = event_ids(spark, config)

        lift = ["--request-id", "unrestrict-1", "--subject", f"account_id={HELD}", "--config", config_path]
        lift_exit_code = entry.main(jobs.unrestrict, lift)
        lifted_evidence = read_evidence(config, "unrestrict-1")
        assert lifted_evidence is not None, "unrestrict left no evidence"
        lifted = RequestResult(lifted_evidence)
        yield RoundTrip(
            config, restricted, after_restrict, ingest_record, deidentify_record, after_next_day,
            lift_exit_code, lifted,
            event_ids(spark, config), list_after_restrict, listed_subjects(spark, config, RESTRICTIONS_TABLE),
        )  # fmt: skip


def test_restrict_moves_the_subjects_rows_out_of_bronze_and_silver(round_trip: RoundTrip) -> None:
    key = pseudonym_key(round_trip.config).secret
    assert round_trip.after_restrict == {"bronze": ["o1"], "silver": ["o1"], "restricted": ["h1", "h2"]}
    assert round_trip.list_after_restrict == [pseudonymize(HELD, "account_id", key)]
    moved = {(t.zone, t.rows_moved, t.rows_removed) for t in round_trip.restricted.evidence.tables}
    assert moved == {("bronze", 2, 0), ("silver", 0, 2)}


def test_ingest_routes_and_deidentify_skips_a_restricted_subject(round_trip: RoundTrip) -> None:
    ingested = round_trip.ingest_record
    assert (ingested.rows_in, ingested.rows_out, ingested.rows_isolated, ingested.rows_dropped) == (
        2,
        1,
        1,
        0,
    )
    deidentified = round_trip.deidentify_record
    assert (deidentified.rows_in, deidentified.rows_out, deidentified.rows_isolated) == (2, 1, 1)
    assert round_trip.after_next_day["silver"] == ["o1", "o2"]
    assert round_trip.after_next_day["restricted"] == ["h1", "h2", "h3"]
    assert round_trip.after_next_day["bronze"] == ["h4", "o1", "o2"]


def test_unrestrict_moves_rows_back_and_deidentifies_them_again(
    spark: SparkSession, round_trip: RoundTrip
) -> None:
    assert round_trip.lift_exit_code == 0
    assert round_trip.list_after_lift == []
    assert round_trip.after_lift == {
        "bronze": ["h1", "h2", "h3", "h4", "o1", "o2"],
        "silver": ["h1", "h2", "h3", "h4", "o1", "o2"],
        "restricted": [],
    }
    assert round_trip.lifted.evidence.reprocessed == [f"device_logs {DAY}", f"device_logs {NEXT_DAY}"]
    silver = spark.read.format("delta").load(round_trip.config.table_path("silver", "device_logs"))
    assert silver.where(F.col("account_id") == HELD).count() == 0  # pseudonyms, never the raw id


def test_each_request_leaves_ledger_states_and_evidence(spark: SparkSession, round_trip: RoundTrip) -> None:
    for request_id, state in (("restrict-1", RESTRICTED), ("unrestrict-1", UNRESTRICTED)):
        states = [e.state for e in request_history(spark, round_trip.config, request_id)]
        assert states == ["received", "resolved", state, COMPLETED], request_id
    assert "restricted/device_logs" in round_trip.lifted.evidence.identifiers[0].sources
    again = restrict(
        spark,
        round_trip.config,
        build_request("restrict-1", "restrict", [f"device_serial={HELD_SERIAL}"]),
        pseudonym_key(round_trip.config),
    )
    assert again.already_done and again.evidence == round_trip.restricted.evidence

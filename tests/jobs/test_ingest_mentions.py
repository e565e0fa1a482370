"""Late data screened like the erasure: after an erasure with --purge, ingest redacts mentions of
the erased subject's identifiers, in any notation, from other subjects' rows it writes to bronze,
restricted and quarantine, and counts them; the lake scan then finds nothing of the subject.

A tiny hand-written lake (three accounts, a few device log lines), no de-identification: the
erasure and the ingests are the real jobs on real Delta tables.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from anonymizers.pseudonym import pseudonymize
from privlake.config import load_config
from privlake.delta import ensure_table
from privlake.ingestion import ingest, redact_mentions
from privlake.keys import pseudonym_key
from privlake.privacy.denylist import RESTRICTIONS_TABLE, add_subjects
from privlake.privacy.erasure import erase
from privlake.privacy.identifiers import REDACTED, MentionPattern
from privlake.privacy.manifest import build_request
from privlake.privacy.mentions import ErasedIdentifiers, identifier_tokens, phone_numbers
from privlake.privacy.resolution import SubjectProfile
from privlake.privacy.verify import scan_lake
from privlake.runlog import RunRecord, record_run, runs_schema

DAY, LATE_DAY = dt.date(2026, 11, 28), dt.date(2026, 11, 29)
ERASED, WITNESS, RESTRICTED = "acc-0000000001", "acc-0000000002", "acc-0000000003"
EMAIL, PHONE = "erika.muster@mail.example.de", "+49 1512 3456789"
MAC, SERIAL = "00:1a:2b:3c:4d:5e", "A1B2C3D4E5F60718"
PROFILE = {
    "account_id": [ERASED],
    "email": [EMAIL],
    "phone": [PHONE],
    "mac_address": [MAC],
    "device_serial": [SERIAL],
    "ip_address": ["203.0.113.7"],
    "username": ["user_1"],
    "person_name": ["Erika Mustermann"],
}
# The same identifiers as other people write them: upper case, national format with spaces, Cisco MAC.
EMAIL_UPPER, PHONE_NATIONAL, MAC_CISCO = EMAIL.upper(), "0151 2345 6789", "001A.2B3C.4D5E"


def account(account_id: str, n: int, **fields: object) -> dict[str, object]:
    return {
        "account_id": account_id,
        "email": f"user{n}@mail.example.de",
        "phone": f"+49 30 123456{n}",
        "username": f"user_{n}",
        "display_name": f"Person Number{n}",
        "country_code": "DE",
        **fields,
    }


def event(event_id: str, account_id: str, message: str, **fields: object) -> dict[str, object]:
    return {
        "event_id": event_id,
        "event_time": "2026-11-28T10:00:00+01:00",
        "account_id": account_id,
        "device_serial": f"{int(account_id[-1]):016X}",
        "mac_address": f"00:00:00:00:00:0{account_id[-1]}",
        "message": message,
        **fields,
    }


def write_landing(root: Path, dataset: str, day: dt.date, lines: list[str]) -> None:
    folder = root / "landing" / dataset / f"dt={day}"
    folder.mkdir(parents=True)
    (folder / "part-0.jsonl").write_text("".join(line + "\n" for line in lines))


def test_late_mentions_of_an_erased_subject_are_redacted_in_every_raw_zone(
    spark: SparkSession, lake: Path
) -> None:
    config = load_config()
    key = pseudonym_key(config)
    accounts = [
        account(ERASED, 1, email=EMAIL, phone=PHONE, display_name="Erika Mustermann"),
        account(WITNESS, 2),
        account(RESTRICTED, 3),
    ]
    write_landing(lake, "accounts", DAY, [json.dumps(a) for a in accounts])
    own = event("e-1", ERASED, "boot ok", mac_address=MAC, device_serial=SERIAL, ip_address="203.0.113.7")
    day_one = [own, event("w-1", WITNESS, "boot ok"), event("r-1", RESTRICTED, "boot ok")]
    write_landing(lake, "device_logs", DAY, [json.dumps(e) for e in day_one])
    for dataset in ("accounts", "device_logs"):
        ingest(spark, config, dataset, DAY)
    add_subjects(spark, config, RESTRICTIONS_TABLE, [pseudonymize(RESTRICTED, "account_id", key.secret)], "r")
    request = build_request("req-late", "erase", [f"email={EMAIL}"], purge=True)
    assert erase(spark, config, request, key).evidence.state == "completed"

    untouched = "firmware 4.1.7 ok; call 0151 9999 9999 or user2@mail.example.de, 00:1a:2b:3c:4d:5f"
    late = [
        event("w-2", WITNESS, f"pairing {MAC_CISCO} for {EMAIL_UPPER}, call {PHONE_NATIONAL}"),
        event("w-3", WITNESS, untouched),
        event("w-4", WITNESS, "guest Erika Mustermann joined"),
        event("r-2", RESTRICTED, f"shared with {EMAIL}"),
        event("e-2", ERASED, "late event of the erased subject"),
        '{"event_id": "bad", "message": "call +49 151 2345 6789"',  # invalid JSON: quarantined
    ]
    write_landing(lake, "device_logs", LATE_DAY, [x if isinstance(x, str) else json.dumps(x) for x in late])
    record = ingest(spark, config, "device_logs", LATE_DAY)

    def table(zone: str) -> dict[str, str]:
        df = spark.read.format("delta").load(config.table_path(zone, "device_logs"))
        return {r["event_id"]: r["message"] for r in df.where(F.col("dt") == LATE_DAY).collect()}

    assert table("bronze") == {
        "w-2": f"pairing {REDACTED} for {REDACTED}, call {REDACTED}",
        "w-3": untouched,
        "w-4": f"guest {REDACTED} joined",
    }
    assert table("restricted") == {"r-2": f"shared with {REDACTED}"}
    quarantine = spark.read.format("delta").load(config.table_path("quarantine", "device_logs"))
    raw = [bytes(r["raw_line"]).decode() for r in quarantine.where(F.col("dt") == LATE_DAY).collect()]
    assert raw == [f'{{"event_id": "bad", "message": "call {REDACTED}"']
    assert (record.rows_in, record.rows_out, record.rows_isolated, record.rows_dropped) == (6, 3, 1, 1)
    assert record.mentions_redacted == 6
    runs = spark.read.format("delta").load(config.table_path("privacy", "runs"))
    stored = runs.where(F.col("run_id") == record.run_id).first()
    assert stored is not None and stored["mentions_redacted"] == 6

    # Nothing of the subject in the warehouse; the late landing file itself is raw input that
    # ingest reads and does not rewrite (a later erasure or the landing TTL removes it).
    identifiers = [("email", EMAIL), ("phone", PHONE), ("mac_address", MAC), ("device_serial", SERIAL)]
    tokens = [pseudonymize(v, k, key.secret) for k, v in [*identifiers, ("account_id", ERASED)]]
    late_folder = str(lake / "landing" / "device_logs" / f"dt={LATE_DAY}")
    scan = scan_lake(
        config,
        MentionPattern.of([*identifiers, ("account_id", ERASED)]),
        MentionPattern(tuple(re.escape(t) for t in tokens)),
        include=lambda path: late_folder not in path,
    )
    assert scan.passed, [(f.path, f.what) for f in scan.findings]


def test_without_erased_identifiers_the_ingest_plan_is_unchanged(spark: SparkSession, lake: Path) -> None:
    config = load_config()
    df = spark.createDataFrame([("a",)], "_raw_line string")
    unchanged = redact_mentions(df, config, config.dataset("device_logs"), ErasedIdentifiers(()), b"")
    assert unchanged is df


def test_a_runs_table_without_the_new_column_gains_it(spark: SparkSession, lake: Path) -> None:
    config = load_config()
    path = config.table_path("privacy", "runs")
    older = runs_schema()
    ensure_table(spark, path, type(older)(older.fields[:-1]), partition_by=["job"])
    record_run(spark, config, RunRecord(job="ingest", dataset="accounts", day=DAY, mentions_redacted=2))
    row = spark.read.format("delta").load(path).first()
    assert row is not None and row["mentions_redacted"] == 2


def test_mentions_are_found_in_every_notation_by_their_hash(spark: SparkSession) -> None:
    config = load_config()
    secret = pseudonym_key(config).secret
    regions = config.deidentify.phone_regions
    erased = ErasedIdentifiers.of_pairs(identifier_tokens([SubjectProfile(ERASED, PROFILE)], secret, regions))
    texts = {
        f"pairing {MAC_CISCO} for {EMAIL_UPPER}, call {PHONE_NATIONAL}": [
            EMAIL_UPPER,
            MAC_CISCO,
            PHONE_NATIONAL,
        ],
        f"from 203.0.113.7 by {ERASED} (user_1) on {SERIAL.lower()}": [
            "203.0.113.7",
            ERASED,
            "user_1",
            SERIAL.lower(),
        ],
        "00:1a:2b:3c:4d:5f, 203.0.113.70, acc-00000000011, Erika Musterfrau": [],
        "Guest Erika Mustermann Jr": ["Erika Mustermann"],
    }
    df = spark.createDataFrame([(t,) for t in texts], "text string")
    hits = df.select(erased.hits(F.col("text"), secret, regions).alias("h"))
    assert [r["h"] for r in hits.collect()] == list(texts.values())


def test_a_phone_stored_in_national_format_is_recorded_in_e164() -> None:
    assert phone_numbers("+49 1512 3456789", ["US"]) == ["+4915123456789"]
    assert "+4915123456789" in phone_numbers("01512 3456789", ["DE", "US"])
    assert phone_numbers("not a number", ["DE"]) == []

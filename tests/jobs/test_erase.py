"""Erasure on real Delta tables built from generated landing data: resolution by every kind of
identifier, other subjects intact to the row, mentions redacted in every zone, purge and the
verification scan, the deny list at ingest, idempotency, and a run killed mid-way.

One lake is built once per module (generate, ingest, de-identify: the expensive part) and run
through two requests: one erasing four subjects, each named by a different kind of identifier,
with --purge; and one killed after its 'erased' state and run again, without --purge.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from anonymizers.pseudonym import pseudonymize
from privlake.config import PrivlakeConfig, load_config
from privlake.deidentification import deidentify
from privlake.generator import Subject, build_subjects, generate_day
from privlake.ingestion import ingest
from privlake.keys import pseudonym_key
from privlake.privacy import erasure
from privlake.privacy.denylist import DENY_LIST_TABLE, listed_subjects
from privlake.privacy.erasure import erase
from privlake.privacy.erasure_landing import erase_landing
from privlake.privacy.evidence import RequestResult, evidence_path
from privlake.privacy.identifiers import REDACTED, MentionPattern
from privlake.privacy.ledger import COMPLETED, ERASED, FAILED, request_history
from privlake.privacy.manifest import build_request
from privlake.privacy.subjects import ErasureScope
from privlake.runlog import RunRecord
from privlake.storage import file_store
from tests.conftest import write_config

DAY, LATE_DAY = dt.date(2026, 11, 28), dt.date(2026, 11, 29)
SEED, ACCOUNTS, ROWS = 5, 10, 90
KINDS = ("email", "phone", "device_serial", "account_id")
# usage_history stays in landing only: its files are rewritten like the others, and one ingest
# less keeps the module fast
ZONES_BY_DATASET = {"accounts": ("bronze", "silver"), "device_logs": ("bronze", "silver")}


@dataclass
class ErasedLake:
    root: Path
    config: PrivlakeConfig
    erased: dict[str, Subject]  # kind used to name it -> subject
    witness: Subject  # keeps its rows; its free text mentions the first erased subject
    killed: Subject  # erased by the second request, which is killed once
    before: dict[str, int]  # zone/dataset -> rows before
    subject_rows: dict[str, int]  # zone/dataset -> rows of the four erased subjects
    landing_lines: dict[str, int]  # dataset -> lines before
    result: RequestResult
    rerun: RequestResult
    killed_error: BaseException
    killed_result: RequestResult
    planted_mac: str
    late_record: RunRecord | None = None
    versions_before_rerun: dict[str, int] = field(default_factory=dict)
    versions_after_rerun: dict[str, int] = field(default_factory=dict)


def token(account_id: str, key: bytes) -> str:
    return pseudonymize(account_id, "account_id", key)


def counts(
    spark: SparkSession, config: PrivlakeConfig, accounts: list[str], key: bytes
) -> tuple[dict[str, int], dict[str, int]]:
    """Rows of the day per table, and of the given accounts (raw ids in bronze, tokens in silver)."""
    total, of_subjects = {}, {}
    tokens = [token(a, key) for a in accounts]
    for dataset, zones in ZONES_BY_DATASET.items():
        for zone in zones:
            df = spark.read.format("delta").load(config.table_path(zone, dataset)).where(F.col("dt") == DAY)
            ids = tokens if zone == "silver" else accounts
            total[f"{zone}/{dataset}"] = df.count()
            of_subjects[f"{zone}/{dataset}"] = df.where(F.col("account_id").isin(ids)).count()
    return total, of_subjects


def table_versions(spark: SparkSession, config: PrivlakeConfig) -> dict[str, int]:
    out = {}
    for dataset, zones in ZONES_BY_DATASET.items():
        for zone in zones:
            latest = spark.sql(f"DESCRIBE HISTORY delta.`{config.table_path(zone, dataset)}` LIMIT 1").first()
            assert latest is not None
            out[f"{zone}/{dataset}"] = int(latest["version"])
    return out


def landing_file(root: Path, dataset: str) -> Path:
    return next((root / "landing" / dataset / f"dt={DAY}").glob("*.jsonl*"))


def read_lines(path: Path) -> list[str]:
    data = path.read_bytes()
    # generated files hold malformed lines on purpose (invalid UTF-8 among them): keep their bytes
    text = (gzip.decompress(data) if path.suffix == ".gz" else data).decode(errors="surrogateescape")
    return [line for line in text.split("\n") if line.strip()]


def write_lines(path: Path, lines: list[str]) -> None:
    data = "".join(line + "\n" for line in lines).encode(errors="surrogateescape")
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


def records(path: Path) -> list[dict[str, object]]:
    """The landing file's valid JSON object lines."""
    out = []
    for line in read_lines(path):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("account_id"), str) and "event_time" in record:
            out.append(record)
    return out


def own_value(root: Path, subject: Subject, column: str) -> str:
    """A value of the subject's device log rows (a device that has rows on the day)."""
    rows = records(landing_file(root, "device_logs"))
    return next(str(r[column]) for r in rows if r["account_id"] == subject.account_id and r.get(column))


def other_notation(mac: str) -> str:
    """The same MAC written Cisco-style, so the mention does not match byte for byte."""
    digits = "".join(c for c in mac.lower() if c in "0123456789abcdef")
    return ".".join(digits[i : i + 4] for i in range(0, 12, 4)).upper()


def plant_mentions(root: Path, target: Subject, witness: Subject, mac: str) -> None:
    """A witness line whose log message names the target's MAC (in another notation) and e-mail,
    and a malformed line (quarantined) quoting the target's phone."""
    path = landing_file(root, "device_logs")
    lines = read_lines(path)
    mine = next(r for r in records(path) if r["account_id"] == witness.account_id)
    mine.update(
        event_id="planted-mention", message=f"pairing {other_notation(mac)} requested by {target.email}"
    )
    broken = '{"event_id": "planted-broken", "message": "call ' + str(target.phone_field) + '"'
    write_lines(path, [*lines, json.dumps(mine), broken])


def active_subjects(root: Path, subjects: list[Subject]) -> list[Subject]:
    """Subjects with device logs, chattiest first (the erasure must have something to erase)."""
    owners = [r["account_id"] for r in records(landing_file(root, "device_logs"))]
    by_count = {s.account_id: owners.count(s.account_id) for s in subjects}
    return sorted((s for s in subjects if by_count[s.account_id]), key=lambda s: -by_count[s.account_id])


@pytest.fixture(scope="module")
def erased_lake(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ErasedLake]:
    root = tmp_path_factory.mktemp("erase")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PRIVLAKE_LANDING_ROOT", raising=False)
        mp.delenv("PRIVLAKE_WAREHOUSE_ROOT", raising=False)
        mp.setenv("PRIVLAKE_CONFIG", str(write_config(root)))
        config = load_config()
        key = pseudonym_key(config)
        generate_day(root / "landing", DAY, accounts=ACCOUNTS, rows=ROWS, seed=SEED)
        subjects = build_subjects(SEED, ACCOUNTS)
        active = active_subjects(root, subjects)
        with_phone = [s for s in active if s.phone_field and s.phone_field.startswith("+")]
        phone = with_phone[0]
        others = [s for s in active if s is not phone]
        erased = {"email": others[0], "phone": phone, "device_serial": others[1], "account_id": others[2]}
        witness, killed = others[3], others[4]
        # the witness's text mentions the subject erased by e-mail
        planted_mac = own_value(root, erased["email"], "mac_address")
        plant_mentions(root, erased["email"], witness, planted_mac)
        for name in ("accounts", "device_logs"):
            ingest(spark, config, name, DAY)
            deidentify(spark, config, name, DAY, key)
        accounts = [s.account_id for s in erased.values()]
        before, subject_rows = counts(spark, config, accounts, key.secret)
        landing_lines = {
            d: len(read_lines(landing_file(root, d))) for d in ("accounts", "device_logs", "usage_history")
        }
        manifest = root / "request.csv"
        serial = own_value(root, erased["device_serial"], "device_serial").lower()
        manifest.write_text(
            "kind,value\n"
            f"email,{erased['email'].email.upper()}\n"
            f"phone,{phone.phone_field}\n"
            f"device_serial,{serial}\n"
            f"account_id,{erased['account_id'].account_id}\n"
            "email,nobody@example.invalid\n"
        )
        request = build_request("req-four-kinds", "erase", manifest=manifest, purge=True)
        result = erase(spark, config, request, key)
        versions = table_versions(spark, config)
        rerun = erase(spark, config, request, key)
        versions_after = table_versions(spark, config)

        # a second request, killed right after its 'erased' state, then run again
        killed_request = build_request("req-killed", "erase", [f"account_id={killed.account_id}"])

        def killed_in_verification(*args: object, **kwargs: object) -> None:
            raise RuntimeError("killed")

        mp.setattr(erasure, "scan_lake", killed_in_verification)
        with pytest.raises(RuntimeError) as raised:
            erase(spark, config, killed_request, key)
        mp.undo()
        mp.setenv("PRIVLAKE_CONFIG", str(root / "privlake.yaml"))
        killed_result = erase(spark, config, killed_request, key)

        # late data: the erased subject's events arrive a day later, next to the witness's
        late = root / "landing" / "device_logs" / f"dt={LATE_DAY}" / "late.jsonl"
        late.parent.mkdir(parents=True)
        template = {
            **next(
                r for r in records(landing_file(root, "device_logs")) if r["account_id"] == witness.account_id
            ),
            "message": "late event",
        }
        late_rows = [
            {
                **template,
                "event_id": f"late-{i}",
                "account_id": s.account_id,
                "device_serial": s.devices[0].serial,
            }
            for i, s in enumerate([erased["email"], erased["email"], witness])
        ]
        late.write_text(
            "".join(json.dumps(r) + "\n" for r in late_rows)
            + '{"event_id": "late-bad", "account_id": "'
            + erased["email"].account_id
            + '", "extra": 1}\n'
        )
        late_record = ingest(spark, config, "device_logs", LATE_DAY)
        yield ErasedLake(
            root, config, erased, witness, killed, before, subject_rows, landing_lines, result, rerun,
            raised.value, killed_result, planted_mac, late_record, versions, versions_after,
        )  # fmt: skip


def bronze(spark: SparkSession, lake: ErasedLake, dataset: str) -> DataFrame:
    return spark.read.format("delta").load(lake.config.table_path("bronze", dataset))


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_identifier_resolves_to_its_subject_and_erases_it(
    spark: SparkSession, erased_lake: ErasedLake, kind: str
) -> None:
    key = pseudonym_key(erased_lake.config).secret
    subject = erased_lake.erased[kind]
    resolved = [i for i in erased_lake.result.evidence.identifiers if i.kind == kind and i.resolved]
    assert any(i.subject_hashes == [token(subject.account_id, key)] for i in resolved)
    for dataset, zones in ZONES_BY_DATASET.items():
        for zone in zones:
            df = spark.read.format("delta").load(erased_lake.config.table_path(zone, dataset))
            ident = token(subject.account_id, key) if zone == "silver" else subject.account_id
            assert df.where(F.col("account_id") == ident).count() == 0, f"{zone}/{dataset}"
    assert token(subject.account_id, key) in listed_subjects(spark, erased_lake.config, DENY_LIST_TABLE)


def test_an_identifier_that_matches_nothing_is_reported_not_an_error(erased_lake: ErasedLake) -> None:
    evidence = erased_lake.result.evidence
    unresolved = [i for i in evidence.identifiers if not i.resolved]
    assert [(i.kind, i.sources) for i in unresolved] == [("email", [])]
    assert evidence.state == COMPLETED


def test_other_subjects_rows_are_intact_to_the_row(spark: SparkSession, erased_lake: ErasedLake) -> None:
    key = pseudonym_key(erased_lake.config).secret
    after, _ = counts(spark, erased_lake.config, [], key)
    killed_rows = counts(spark, erased_lake.config, [erased_lake.killed.account_id], key)[1]
    by_table = {f"{t.zone}/{t.dataset}": t.rows_removed for t in erased_lake.result.evidence.tables}
    for table, rows in erased_lake.before.items():
        assert killed_rows[table] == 0, table
        assert by_table[table] == erased_lake.subject_rows[table], table
        removed_by_second = {
            t.zone + "/" + t.dataset: t.rows_removed for t in erased_lake.killed_result.evidence.tables
        }
        assert after[table] == rows - erased_lake.subject_rows[table] - removed_by_second[table], table
    for landing in erased_lake.result.evidence.landing:
        lines = len(read_lines(landing_file(erased_lake.root, landing.dataset)))
        second = next(f for f in erased_lake.killed_result.evidence.landing if f.dataset == landing.dataset)
        assert (
            lines == erased_lake.landing_lines[landing.dataset] - landing.lines_removed - second.lines_removed
        )


def test_mentions_in_other_subjects_text_are_redacted_in_every_zone(
    spark: SparkSession, erased_lake: ErasedLake
) -> None:
    target = erased_lake.erased["email"]
    key = pseudonym_key(erased_lake.config).secret
    message = bronze(spark, erased_lake, "device_logs").where(F.col("event_id") == "planted-mention").first()
    assert message is not None and message["account_id"] == erased_lake.witness.account_id
    assert message["message"] == f"pairing {REDACTED} requested by {REDACTED}"
    silver = spark.read.format("delta").load(erased_lake.config.table_path("silver", "device_logs"))
    scrubbed = silver.where(F.col("event_id") == "planted-mention").first()
    assert scrubbed is not None
    assert pseudonymize(erased_lake.planted_mac, "mac_address", key) not in scrubbed["message"]
    assert REDACTED in scrubbed["message"]
    quarantine = spark.read.format("delta").load(erased_lake.config.table_path("quarantine", "device_logs"))
    broken = quarantine.where(F.col("raw_line").cast("string").contains("planted-broken")).first()
    assert broken is not None and bytes(broken["raw_line"]).decode().endswith(f'"call {REDACTED}"')
    landing = "\n".join(read_lines(landing_file(erased_lake.root, "device_logs")))
    assert "planted-mention" in landing and target.email not in landing
    assert other_notation(erased_lake.planted_mac) not in landing


def test_purge_leaves_no_file_holding_the_subjects(erased_lake: ErasedLake) -> None:
    scan = erased_lake.result.evidence.scan
    assert scan is not None and scan.passed and scan.scope.startswith("every file")
    assert scan.files_scanned > 50
    needles = {s.account_id for s in erased_lake.erased.values()} | {erased_lake.erased["email"].email}
    for path in (erased_lake.root / "warehouse").rglob("*"):
        if path.suffix == ".parquet":
            text = json.dumps(pq.read_table(path).to_pylist(), default=str)
        elif path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
        else:
            continue
        assert not any(n in text for n in needles), path
    purged = {f"{t.zone}/{t.dataset}": t.history_files_purged for t in erased_lake.result.evidence.tables}
    assert purged["bronze/device_logs"] > 0 and purged["silver/device_logs"] > 0


def test_evidence_is_written_once_and_holds_no_raw_identifier(erased_lake: ErasedLake) -> None:
    json_path = Path(evidence_path(erased_lake.config, "req-four-kinds", "json"))
    page = Path(evidence_path(erased_lake.config, "req-four-kinds", "md")).read_text()
    record = json_path.read_text()
    assert json.loads(record)["state"] == COMPLETED and "## Verification scan" in page
    # personal columns never entered _delta_log statistics on any table the request touched
    assert all(t.stats_exclude_personal_columns for t in erased_lake.result.evidence.tables)
    for subject in erased_lake.erased.values():
        for raw in (subject.account_id, subject.email, subject.devices[0].serial, subject.display_name):
            assert raw not in record and raw not in page
    assert sorted(p.name for p in json_path.parent.iterdir()) == [
        "req-four-kinds.json", "req-four-kinds.md", "req-killed.json", "req-killed.md",
    ]  # fmt: skip


def test_the_same_request_again_is_already_erased_and_changes_nothing(
    spark: SparkSession, erased_lake: ErasedLake
) -> None:
    assert erased_lake.rerun.already_done
    assert erased_lake.rerun.evidence == erased_lake.result.evidence
    history = request_history(spark, erased_lake.config, "req-four-kinds")
    assert [e.state for e in history].count(COMPLETED) == 1
    assert erased_lake.versions_after_rerun == erased_lake.versions_before_rerun  # no commit at all
    ledger = next(e for e in history if e.state == COMPLETED)
    assert ledger.subject_hashes and all(h.startswith("acct_") for h in ledger.subject_hashes)


def test_a_run_killed_after_erasing_completes_when_run_again(
    spark: SparkSession, erased_lake: ErasedLake
) -> None:
    assert str(erased_lake.killed_error) == "killed"
    states = [e.state for e in request_history(spark, erased_lake.config, "req-killed")]
    assert states[: states.index(FAILED)][-1] == ERASED
    assert states[states.index(FAILED) + 1 :] == ["verified", COMPLETED]  # resumed: no second erase
    evidence = erased_lake.killed_result.evidence
    assert len(evidence.run_ids) == 2 and evidence.scan is not None and evidence.scan.passed
    assert "first retention run after" in evidence.history  # no --purge: history purged later
    assert sum(t.rows_removed for t in evidence.tables) > 0
    assert not Path(erased_lake.config.table_path("privacy", "erasure_work") + "/req-killed.sealed").exists()


def test_late_data_of_an_erased_subject_is_dropped_at_ingest(
    spark: SparkSession, erased_lake: ErasedLake
) -> None:
    record = erased_lake.late_record
    assert record is not None
    assert (record.rows_in, record.rows_out, record.rows_dropped, record.rows_quarantined) == (4, 1, 3, 0)
    late = bronze(spark, erased_lake, "device_logs").where(F.col("dt") == LATE_DAY)
    assert [r.account_id for r in late.collect()] == [erased_lake.witness.account_id]


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_landing_lines_are_the_lines_ingest_reads_whatever_their_line_endings(
    tmp_path: Path, gz: bool
) -> None:
    # privlake.landing: a line ends at LF only; a CRLF's CR is not part of it; a raw CR in a
    # string does not hide whose line it is (ingest names its subject, and drops it, too).
    config = load_config(write_config(tmp_path))
    key = pseudonym_key(config).secret
    subject, other = "acc-0000000001", "acc-0000000002"
    own = {"account_id": subject, "email": "anna@mail.example.de", "display_name": "Anna"}
    others = {"account_id": other, "email": "ben@mail.example.de", "display_name": "Ben"}
    lines = [
        json.dumps(own).encode() + b"\r",  # CRLF
        json.dumps(own).replace("Anna", "An\rna").encode(),  # a raw CR inside a string
        json.dumps(others).replace(', "email"', ',\r"email"').encode(),  # a bare CR between tokens
        json.dumps({**others, "display_name": "met anna@mail.example.de"}).encode() + b"\r",
        json.dumps(others).encode(),  # the last line, without LF
    ]
    data = b"\n".join(lines)
    path = tmp_path / "landing" / "accounts" / f"dt={DAY}" / ("a.jsonl.gz" if gz else "a.jsonl")
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(data) if gz else data)
    scope = ErasureScope(
        subjects=(pseudonymize(subject, "account_id", key),),
        raw=MentionPattern.of([("email", "anna@mail.example.de")]),
        tokens=MentionPattern(()),
    )
    store = file_store(config.landing_root, config.s3)
    report = erase_landing(store, config, config.dataset("accounts"), scope, key, dry_run=False)

    assert (report.lines_removed, report.lines_redacted, report.files_rewritten) == (2, 1, 1)
    written = path.read_bytes()
    kept = (gzip.decompress(written) if gz else written).split(b"\n")
    assert kept == [
        lines[2],
        lines[3][:-1].replace(b"anna@mail.example.de", REDACTED.encode()),
        lines[4],
        b"",
    ]


def test_history_note_reads_the_rules_retention_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --purge the evidence says when retention purges history: by the rules in
    $PRIVLAKE_RETENTION_RULES when it is set, as retention itself reads them."""
    config = load_config(write_config(tmp_path))
    erased_at = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
    monkeypatch.delenv("PRIVLAKE_RETENTION_RULES", raising=False)
    assert "(history_retention_hours 24)" in erasure.history_note(config, erased_at)
    rules = tmp_path / "rules"
    rules.mkdir()
    shipped = Path(config.retention_rules) / "sample_datasets.yaml"
    text = shipped.read_text()
    assert "history_retention_hours: 24\n" in text
    (rules / "rules.yaml").write_text(
        text.replace("history_retention_hours: 24\n", "history_retention_hours: 5\n")
    )
    monkeypatch.setenv("PRIVLAKE_RETENTION_RULES", str(rules))
    note = erasure.history_note(config, erased_at)
    assert "(history_retention_hours 5)" in note and "after 2026-11-28T17:00+00:00" in note

"""Retention on real Delta tables and a real S3 server: windows by dataset and zone, legal holds,
dry run, isolation, history purge, evidence and idempotency.

One lake is built once per module and run through a dry run, a run and a second run with the
same as-of (Spark actions are the expensive part); each test asserts one behaviour on it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.parquet as pq
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from rich.console import Console

from jobs.retention import EVIDENCE_TABLE, RetentionReport, TargetReport, print_report, retention
from privlake.config import PrivlakeConfig, load_config
from privlake.delta import ensure_table, replace_partition, table_version
from privlake.keys import pseudonym_key
from privlake.policy import deidentify_columns
from privlake.pseudonym import pseudonymize
from privlake.retention_rules import load_rules
from privlake.schema import bronze_schema, non_personal_columns
from privlake.storage import S3FileStore, s3_client
from tests.conftest import CONFIG, bronze_frame, write_config

if TYPE_CHECKING:
    from tests.s3_server import S3Server

pytest_plugins = ["tests.s3_server"]

AS_OF = dt.date(2026, 12, 31)
OLD, OLDER, FRESH = dt.date(2026, 11, 30), dt.date(2026, 11, 1), dt.date(2026, 12, 15)
HELD_ACCOUNT = "acc-held-000001"


def held_pseudonym() -> str:
    """The held subject's pseudonym under the tests' key, as a privacy officer would give it."""
    return pseudonymize(HELD_ACCOUNT, "account_id", pseudonym_key(load_config(CONFIG)).secret)


RULES = """
history_retention_hours: 0
rules:
  - {{id: landing, zone: landing, dataset: "*", window: {{days: 7}}, action: delete, legal_basis: test}}
  - {{id: bronze-logs, zone: bronze, dataset: device_logs, window: {{days: 30}}, action: delete,
      legal_basis: test}}
  - {{id: bronze-accounts, zone: bronze, dataset: accounts, window: {{days: 30}}, action: {accounts_action},
      legal_basis: test}}
  - {{id: silver-logs, zone: silver, dataset: device_logs, date_column: event_time, window: {{days: 30}},
      action: delete, legal_basis: test}}
  - {{id: quarantine, zone: quarantine, dataset: "*", window: {{days: 30}}, action: delete,
      legal_basis: test}}
holds:
  - {{id: court, reason: court order, datasets: [device_logs, accounts], subjects: [{held}],
      until: 2027-06-30}}
  - {{id: lapsed, reason: an old audit, datasets: [device_logs], until: 2026-12-01}}
  {audit_hold}
"""
AUDIT_HOLD = "- {id: audit, reason: tax audit, datasets: [accounts], zones: [bronze], until: indefinite}"


def write_rules(folder: Path, accounts_action: str = "delete", audit: bool = True) -> Path:
    path = folder / "rules" / "test.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = RULES.format(
        held=held_pseudonym(), accounts_action=accounts_action, audit_hold=AUDIT_HOLD if audit else ""
    )
    path.write_text(text)
    return path


# --- building the lake with small direct writes ------------------------------------------


def log_event(
    event_id: str, account: str, day: dt.date, message: str, event_time: str | None = None
) -> dict[str, object]:
    return {
        "event_id": event_id,
        "event_time": event_time or f"{day}T10:00:00+00:00",
        "account_id": account,
        "device_serial": "A1B2C3D4E5F60718",
        "message": message,
        "_source_file": f"dt={day}/a.jsonl",
        "dt": day,
    }


LOG_EVENTS = [
    log_event("e1", "acc-expired-0001", OLDER, "EXPIRED-e1 reboot"),
    log_event("e2", HELD_ACCOUNT, OLDER, "held e2"),
    log_event("e3", "acc-expired-0003", OLD, "EXPIRED-e3 reboot"),
    # UTC 2026-12-01 01:30: in an expired dt partition, but its event date is not expired
    log_event("e4", "acc-late-0004", OLD, "late e4", "2026-11-30T23:30:00-02:00"),
    log_event("e5", HELD_ACCOUNT, OLD, "held e5"),
    log_event("e6", "acc-fresh-0006", FRESH, "fresh e6"),
]


def write_bronze_logs(spark: SparkSession, config: PrivlakeConfig) -> DataFrame:
    dataset = config.dataset("device_logs")
    path = config.table_path("bronze", "device_logs")
    ensure_table(spark, path, bronze_schema(dataset), ["dt"], stats_columns=non_personal_columns(dataset))
    bronze = bronze_frame(spark, "device_logs", LOG_EVENTS)
    bronze.write.format("delta").mode("append").save(path)
    # an ingest re-run of one day: the first version's files stay in the history
    replace_partition(bronze.where(F.col("dt") == F.lit(OLDER)), path, f"dt = DATE'{OLDER}'")
    return bronze


def write_silver_logs(spark: SparkSession, config: PrivlakeConfig, bronze: DataFrame) -> None:
    dataset = config.dataset("device_logs")
    key = pseudonym_key(config)
    silver = deidentify_columns(bronze.drop("_source_file", "_line_number"), dataset, key).withColumn(
        "pseudonym_key_id", F.lit(key.key_id)
    )
    path = config.table_path("silver", "device_logs")
    # deletion vectors and the change feed: both keep deleted rows until purged
    properties = {"delta.enableDeletionVectors": "true", "delta.enableChangeDataFeed": "true"}
    ensure_table(
        spark, path, silver.schema, ["dt"], stats_columns=non_personal_columns(dataset), properties=properties
    )
    silver.coalesce(1).write.format("delta").mode("append").save(path)


def write_bronze_accounts(spark: SparkSession, config: PrivlakeConfig) -> None:
    dataset = config.dataset("accounts")
    path = config.table_path("bronze", "accounts")
    ensure_table(spark, path, bronze_schema(dataset), ["dt"], stats_columns=non_personal_columns(dataset))
    rows = [
        {"account_id": "acc-audited-0001", "email": "audited@mail.example", "dt": OLDER},
        {"account_id": HELD_ACCOUNT, "email": "held@mail.example", "dt": OLDER},
        {"account_id": "acc-fresh-0006", "email": "fresh@mail.example", "dt": FRESH},
    ]
    bronze_frame(spark, "accounts", rows).write.format("delta").mode("append").save(path)


def write_quarantine_logs(spark: SparkSession, config: PrivlakeConfig) -> None:
    from privlake.ingestion import quarantine_schema

    path = config.table_path("quarantine", "device_logs")
    ensure_table(spark, path, quarantine_schema(), ["dt"], stats_columns=["dataset", "stage", "reason"])
    held_line = json.dumps({"event_id": "q1", "account_id": HELD_ACCOUNT, "shoe": 1}).encode()
    rows = [
        ("device_logs", "ingest", "a.jsonl", 1, "unknown_field", "fields: shoe", held_line, OLDER),
        (
            "device_logs",
            "ingest",
            "a.jsonl",
            2,
            "invalid_json",
            None,
            b'{"account_id": "acc-expired-q',
            OLDER,
        ),
        ("device_logs", "ingest", "b.jsonl", 1, "invalid_json", None, b"{fresh", FRESH),
    ]
    spark.createDataFrame(rows, quarantine_schema()).write.format("delta").mode("append").save(path)


def landing_line(account: str, event_id: str) -> bytes:
    return json.dumps({"event_id": event_id, "account_id": account, "message": "boot"}).encode()


def write_landing(root: Path, dataset: str, day: dt.date | None, name: str, lines: list[bytes]) -> Path:
    folder = root / dataset / (f"dt={day}" if day else "")
    folder.mkdir(parents=True, exist_ok=True)
    data = b"".join(line + b"\n" for line in lines)
    path = folder / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


def build_landing(root: Path) -> None:
    write_landing(
        root, "device_logs", dt.date(2026, 12, 20), "a.jsonl", [landing_line("acc-expired-l1", "l1")]
    )
    write_landing(
        root,
        "device_logs",
        dt.date(2026, 12, 20),
        "mixed.jsonl.gz",
        [landing_line("acc-expired-l2", "l2"), landing_line(HELD_ACCOUNT, "l3"), b"{not json"],
    )
    write_landing(
        root, "device_logs", dt.date(2026, 12, 23), "held.jsonl", [landing_line(HELD_ACCOUNT, "l4")]
    )
    write_landing(
        root, "device_logs", dt.date(2026, 12, 28), "fresh.jsonl", [landing_line("acc-fresh", "l5")]
    )
    write_landing(
        root, "accounts", dt.date(2026, 12, 1), "snapshot.jsonl", [landing_line("acc-expired-a", "a")]
    )
    write_landing(root, "accounts", None, "README.txt", [b"not a partition"])


# --- running the module's scenario ---------------------------------------------------------


def files_under(root: Path, evidence: bool = False) -> dict[str, tuple[int, int]]:
    """Every file (but the evidence table's unless asked for), with size and modification time."""
    skip = f"privacy/{EVIDENCE_TABLE}"
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() and (evidence or skip not in str(p))
    }


TABLES = [
    ("bronze", "device_logs"),
    ("silver", "device_logs"),
    ("bronze", "accounts"),
    ("quarantine", "device_logs"),
]


@dataclass
class Scenario:
    root: Path
    config: PrivlakeConfig
    files_before: dict[str, tuple[int, int]]
    versions_before: dict[str, int | None]
    dry: RetentionReport
    files_after_dry: dict[str, tuple[int, int]]
    versions_after_dry: dict[str, int | None]
    first: RetentionReport
    files_after_first: dict[str, tuple[int, int]]
    versions_after_first: dict[str, int | None]
    second: RetentionReport
    files_after_second: dict[str, tuple[int, int]]
    versions_after_second: dict[str, int | None]
    third: RetentionReport  # finds what the second found
    every_file_after_second: dict[str, tuple[int, int]]  # evidence included
    every_file_after_third: dict[str, tuple[int, int]]

    def table(self, spark: SparkSession, zone: str, name: str) -> DataFrame:
        return spark.read.format("delta").load(self.config.table_path(zone, name))


def versions(spark: SparkSession, config: PrivlakeConfig) -> dict[str, int | None]:
    return {f"{z}/{n}": table_version(spark, config.table_path(z, n)) for z, n in TABLES}


@pytest.fixture(scope="module")
def scenario(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    root = tmp_path_factory.mktemp("retention")
    config = load_config(write_config(root))
    rules = load_rules(write_rules(root), config)
    bronze = write_bronze_logs(spark, config)
    write_silver_logs(spark, config, bronze)
    write_bronze_accounts(spark, config)
    write_quarantine_logs(spark, config)
    build_landing(root / "landing")

    files_before, versions_before = files_under(root, evidence=True), versions(spark, config)
    dry = retention(spark, config, rules, AS_OF, dry_run=True)
    files_after_dry, versions_after_dry = files_under(root, evidence=True), versions(spark, config)
    first = retention(spark, config, rules, AS_OF)
    files_after_first, versions_after_first = files_under(root), versions(spark, config)
    second = retention(spark, config, rules, AS_OF)
    every_file_after_second = files_under(root, evidence=True)
    third = retention(spark, config, rules, AS_OF)
    return Scenario(
        root,
        config,
        files_before,
        versions_before,
        dry,
        files_after_dry,
        versions_after_dry,
        first,
        files_after_first,
        versions_after_first,
        second,
        files_under(root),
        versions(spark, config),
        third,
        every_file_after_second,
        files_under(root, evidence=True),
    )


def target(report: RetentionReport, label: str) -> TargetReport:
    return next(t for t in report.targets if t.target.label == label)


def plan(report: RetentionReport, label: str) -> list[tuple[str, int, int, tuple[str, ...]]]:
    return [(p.partition, p.expired, p.held, p.held_by) for p in target(report, label).partitions]


# --- the tests ------------------------------------------------------------------------------


def test_dry_run_changes_nothing_and_plans_what_the_run_then_does(scenario: Scenario) -> None:
    assert scenario.files_after_dry == scenario.files_before  # evidence included: none written
    assert scenario.dry.evidence == "not recorded (dry run)"
    assert scenario.versions_after_dry == scenario.versions_before
    assert scenario.dry.dry_run and not scenario.dry.nothing_to_do
    for t in scenario.dry.targets:
        done = target(scenario.first, t.target.label)
        assert [(p.partition, p.expired, p.held) for p in t.partitions] == [
            (p.partition, p.expired, p.held) for p in done.partitions
        ], t.target.label
        assert t.version_before == t.version_after


def test_windows_by_dataset_and_zone(spark: SparkSession, scenario: Scenario) -> None:
    first = scenario.first
    # bronze: the dt partition dates a row; silver: the rule dates rows by event time (UTC)
    assert plan(first, "bronze/device_logs") == [
        ("2026-11-01", 2, 1, ("court",)),
        ("2026-11-30", 3, 1, ("court",)),
    ]
    assert plan(first, "silver/device_logs") == [
        ("2026-11-01", 2, 1, ("court",)),
        ("2026-11-30", 2, 1, ("court",)),
    ]
    assert target(first, "bronze/device_logs").partition_aligned
    assert not target(first, "silver/device_logs").partition_aligned
    bronze = scenario.table(spark, "bronze", "device_logs")
    assert sorted(r.event_id for r in bronze.collect()) == ["e2", "e5", "e6"]
    silver = scenario.table(spark, "silver", "device_logs")
    assert sorted(r.event_id for r in silver.collect()) == ["e2", "e4", "e5", "e6"]
    assert (target(first, "bronze/device_logs").removed, target(first, "silver/device_logs").removed) == (
        3,
        2,
    )
    quarantine = scenario.table(spark, "quarantine", "device_logs")
    assert sorted((r.dt, r.line_number) for r in quarantine.collect()) == [(OLDER, 1), (FRESH, 1)]
    # landing: files in dt= folders before as-of minus 7 days
    landing = scenario.root / "landing"
    assert sorted(str(p.relative_to(landing)) for p in landing.rglob("*") if p.is_file()) == [
        "accounts/README.txt",
        "device_logs/dt=2026-12-20/mixed.jsonl.gz",
        "device_logs/dt=2026-12-23/held.jsonl",
        "device_logs/dt=2026-12-28/fresh.jsonl",
    ]
    assert target(first, "landing/accounts").undated == 1
    # a zone without a table is skipped and says so; a dataset zone without a rule is reported
    assert target(first, "silver/accounts").status == "skipped"
    assert "bronze/usage_history" in first.unruled


def test_legal_holds_keep_held_subjects_and_datasets(spark: SparkSession, scenario: Scenario) -> None:
    first = scenario.first
    # the whole-dataset hold on bronze accounts keeps every expired row; the lapsed hold keeps nothing
    assert plan(first, "bronze/accounts") == [("2026-11-01", 2, 2, ("audit",))]
    assert scenario.table(spark, "bronze", "accounts").count() == 3
    assert scenario.versions_after_first["bronze/accounts"] == scenario.versions_before["bronze/accounts"]
    assert all("lapsed" not in t.holds_applied for t in first.targets)
    # the subject hold keeps the held account's rows in every zone, and its landing lines
    held = scenario.table(spark, "bronze", "device_logs").where(F.col("account_id") == HELD_ACCOUNT).count()
    assert held == 2
    assert plan(first, "quarantine/device_logs") == [("2026-11-01", 2, 1, ("court",))]
    mixed = scenario.root / "landing/device_logs/dt=2026-12-20/mixed.jsonl.gz"
    assert [json.loads(line)["event_id"] for line in gzip.decompress(mixed.read_bytes()).splitlines()] == [
        "l3"
    ]
    landing = target(first, "landing/device_logs")
    assert [(p.partition, p.expired, p.held, p.rewrite) for p in landing.partitions] == [
        ("2026-12-20", 2, 1, 1),
        ("2026-12-23", 1, 1, 0),
    ]
    assert (landing.removed, landing.rewritten) == (1, 1)


def _strings(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def file_texts(folder: Path) -> dict[str, str]:
    """Every file under a table folder as text: parquet cell by cell (data, checkpoints,
    change data), anything else (log, deletion vectors) as bytes."""
    texts = {}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            rows = pq.read_table(io.BytesIO(path.read_bytes())).to_pylist()
            texts[str(path)] = "\n".join(_strings(v) for row in rows for v in row.values())
        else:
            texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    return texts


@pytest.mark.parametrize(
    ("table", "markers"),
    [
        ("bronze/device_logs", ["acc-expired-0001", "acc-expired-0003", "acc-late-0004", "EXPIRED-"]),
        ("silver/device_logs", ["EXPIRED-"]),
        ("quarantine/device_logs", ["acc-expired-q"]),
    ],
)
def test_history_is_purged_from_every_file_under_the_table(
    scenario: Scenario, table: str, markers: list[str]
) -> None:
    before = [k for k in scenario.files_before if k.startswith(f"warehouse/{table}/")]
    assert any(k.endswith(".parquet") for k in before)
    texts = file_texts(scenario.root / "warehouse" / table)
    assert any(path.endswith(".parquet") for path in texts)
    leaks = {path: m for path, text in texts.items() for m in markers if m in text}
    assert leaks == {}
    report = target(scenario.first, table)
    assert report.history_files_purged > 0
    if table == "silver/device_logs":
        assert report.reorg  # the row delete left deletion vectors; REORG rewrote the files
        assert not list((scenario.root / "warehouse" / table).rglob("deletion_vector_*.bin"))


def test_the_table_log_never_records_held_subjects_or_the_key(scenario: Scenario) -> None:
    """Delta writes DELETE and MERGE conditions into _delta_log: they must name no subject."""
    secret = pseudonym_key(scenario.config).secret.ljust(64, b"\0")
    pads = [bytes(b ^ 0x36 for b in secret).hex(), bytes(b ^ 0x5C for b in secret).hex()]
    forbidden = [held_pseudonym(), HELD_ACCOUNT, "acc-expired", *pads]
    logs = [p for p in (scenario.root / "warehouse").rglob("_delta_log/*") if p.is_file()]
    assert logs
    leaks = [(str(p), f) for p in logs for f in forbidden if f.encode() in p.read_bytes()]
    assert leaks == []


def test_a_second_run_with_the_same_as_of_does_nothing_and_says_so(scenario: Scenario) -> None:
    second = scenario.second
    assert second.nothing_to_do
    assert scenario.versions_after_second == scenario.versions_after_first
    assert scenario.files_after_second == scenario.files_after_first
    assert {t.status for t in second.targets} <= {"nothing to do", "skipped"}
    console = Console(record=True, width=200)
    print_report(console, second)
    assert "nothing to do as of 2026-12-31" in console.export_text()


def test_a_run_that_finds_what_the_last_one_found_records_no_duplicate_evidence(
    scenario: Scenario,
) -> None:
    # The second run's "nothing to do" is evidence (after the first run's "done"); a third
    # run finding the same adds nothing: not a row, not a file.
    assert scenario.third.nothing_to_do
    assert scenario.every_file_after_third == scenario.every_file_after_second
    assert scenario.third.evidence == f"not recorded: the same as run {scenario.second.run_id[:8]}"


def test_evidence_has_a_row_per_dataset_and_zone_without_personal_data(
    spark: SparkSession, scenario: Scenario
) -> None:
    evidence = spark.read.format("delta").load(scenario.config.table_path("privacy", EVIDENCE_TABLE))
    runs = {
        r.run_id: (r.dry_run, r["count"]) for r in evidence.groupBy("run_id", "dry_run").count().collect()
    }
    n = len(scenario.first.targets)
    assert runs == {scenario.first.run_id: (False, n), scenario.second.run_id: (False, n)}
    row = (
        evidence.where((F.col("run_id") == scenario.first.run_id) & (F.col("zone") == "bronze"))
        .where(F.col("dataset") == "device_logs")
        .first()
    )
    assert row is not None
    assert (row.rule_id, row.action, row.window, row.cutoff, row.dt) == (
        "bronze-logs",
        "delete",
        "30 days",
        dt.date(2026, 12, 1),
        AS_OF,
    )
    assert (row.expired, row.held, row.removed, row.holds) == (5, 2, 3, ["court"])
    assert row.version_after > row.version_before
    assert row.status == "done" and row.history_retention_hours == 0
    text = "\n".join(str(r.asDict()) for r in evidence.collect())
    assert "acc-" not in text and "@" not in text


def test_the_plan_prints_per_dataset_zone_and_partition(scenario: Scenario) -> None:
    console = Console(record=True, width=220)
    print_report(console, scenario.dry)
    text = console.export_text()
    assert "retention as of 2026-12-31 (dry run, nothing changed" in text
    assert "2026-11-30" in text and "court" in text and "audit" in text
    assert "no retention rule (kept indefinitely)" in text
    assert "acc-" not in text


# --- isolation ----------------------------------------------------------------------------------


def test_isolate_moves_rows_to_restricted_and_deidentify_no_longer_sees_them(
    spark: SparkSession, tmp_path: Path
) -> None:
    from privlake.deidentification import deidentify

    config = load_config(write_config(tmp_path))
    rules = load_rules(write_rules(tmp_path, accounts_action="isolate", audit=False), config)
    write_bronze_accounts(spark, config)
    bronze_path = config.table_path("bronze", "accounts")

    report = retention(spark, config, rules, AS_OF, dataset="accounts")
    accounts = target(report, "bronze/accounts")
    assert (accounts.isolated, accounts.removed, accounts.held) == (1, 1, 1)
    restricted = spark.read.format("delta").load(config.table_path("restricted", "accounts")).collect()
    assert [(r.account_id, r.dt) for r in restricted] == [("acc-audited-0001", OLDER)]
    assert restricted[0].isolated_by == f"privlake-retention:{report.run_id}"
    assert restricted[0].isolated_at is not None
    bronze = spark.read.format("delta").load(bronze_path)
    assert sorted(r.account_id for r in bronze.collect()) == sorted([HELD_ACCOUNT, "acc-fresh-0006"])

    # a later de-identification of the isolated day sees only the held subject's row
    record = deidentify(spark, config, "accounts", OLDER, pseudonym_key(config))
    assert record.rows_in == 1
    silver = spark.read.format("delta").load(config.table_path("silver", "accounts")).collect()
    assert [r.account_id for r in silver] == [held_pseudonym()]

    # isolation is idempotent: the second run copies and deletes nothing
    versions = [table_version(spark, config.table_path(z, "accounts")) for z in ("bronze", "restricted")]
    again = target(retention(spark, config, rules, AS_OF, dataset="accounts"), "bronze/accounts")
    assert (again.to_remove, again.isolated, again.status) == (0, 0, "nothing to do")
    assert [
        table_version(spark, config.table_path(z, "accounts")) for z in ("bronze", "restricted")
    ] == versions


# --- landing on a real S3 server -------------------------------------------------------------


@dataclass
class Bucket:
    server: S3Server
    name: str

    def put(self, key: str, lines: list[bytes]) -> None:
        self.server.client().put_object(Bucket=self.name, Key=key, Body=b"".join(x + b"\n" for x in lines))

    def versions(self, prefix: str = "") -> list[tuple[str, bool]]:
        """(key, is a delete marker) of every version under the prefix."""
        response = self.server.client().list_object_versions(Bucket=self.name, Prefix=prefix)
        out = [(v["Key"], False) for v in response.get("Versions", [])]
        return sorted(out + [(m["Key"], True) for m in response.get("DeleteMarkers", [])])


def s3_env(monkeypatch: pytest.MonkeyPatch, server: S3Server) -> dict[str, object]:
    monkeypatch.setenv("PRIVLAKE_TEST_S3_KEY", server.access_key)
    monkeypatch.setenv("PRIVLAKE_TEST_S3_SECRET", server.secret_key)
    return {
        "endpoint_url": server.endpoint_url,
        "region": server.region,
        "path_style_access": True,
        "access_key_env": "PRIVLAKE_TEST_S3_KEY",
        "secret_key_env": "PRIVLAKE_TEST_S3_SECRET",
    }


@pytest.mark.s3
def test_landing_expiry_on_a_versioned_s3_bucket(
    spark: SparkSession, s3_server: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = Bucket(s3_server, "lake-versioned")
    client = s3_server.client()
    client.create_bucket(Bucket=bucket.name)
    client.put_bucket_versioning(Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"})
    prefix = "landing/device_logs"
    bucket.put(f"{prefix}/dt=2026-12-01/a.jsonl", [landing_line("acc-expired-1", "1")])
    bucket.put(f"{prefix}/dt=2026-12-01/a.jsonl", [landing_line("acc-expired-1", "1b")])  # 2 versions
    bucket.put(f"{prefix}/dt=2026-12-02/gone.jsonl", [landing_line("acc-expired-2", "2")])
    client.delete_object(Bucket=bucket.name, Key=f"{prefix}/dt=2026-12-02/gone.jsonl")  # marker + old version
    bucket.put(f"{prefix}/dt=2026-12-03/mixed.jsonl", [landing_line("acc-expired-3", "3")])
    bucket.put(
        f"{prefix}/dt=2026-12-03/mixed.jsonl",
        [landing_line("acc-expired-3", "3"), landing_line(HELD_ACCOUNT, "4")],
    )
    bucket.put(f"{prefix}/dt=2026-12-28/fresh.jsonl", [landing_line("acc-fresh", "5")])
    bucket.put(f"{prefix}/dt=2026-12-28/fresh.jsonl", [landing_line("acc-fresh", "5b")])
    bucket.put("landing/device_logs_v2/dt=2026-12-01/other.jsonl", [landing_line("acc-other", "6")])

    config = load_config(
        write_config(tmp_path, landing_root=f"s3://{bucket.name}/landing", s3=s3_env(monkeypatch, s3_server))
    )
    rules = load_rules(write_rules(tmp_path), config)
    dry = retention(spark, config, rules, AS_OF, dry_run=True, dataset="device_logs")
    assert [(p.partition, p.expired, p.held) for p in target(dry, "landing/device_logs").partitions] == [
        ("2026-12-01", 1, 0),
        ("2026-12-02", 1, 0),
        ("2026-12-03", 1, 1),
    ]
    assert len(bucket.versions(f"{prefix}/")) == 8

    report = retention(spark, config, rules, AS_OF, dataset="device_logs")
    landing = target(report, "landing/device_logs")
    assert (landing.removed, landing.rewritten, landing.object_versions_removed) == (2, 1, 4)
    assert bucket.versions(f"{prefix}/") == [
        (f"{prefix}/dt=2026-12-03/mixed.jsonl", False),  # only the rewritten version is left
        (f"{prefix}/dt=2026-12-28/fresh.jsonl", False),
        (f"{prefix}/dt=2026-12-28/fresh.jsonl", False),
    ]
    body = client.get_object(Bucket=bucket.name, Key=f"{prefix}/dt=2026-12-03/mixed.jsonl")["Body"].read()
    assert [json.loads(line)["event_id"] for line in body.splitlines()] == ["4"]
    assert bucket.versions("landing/device_logs_v2/") == [
        ("landing/device_logs_v2/dt=2026-12-01/other.jsonl", False)
    ]
    assert retention(spark, config, rules, AS_OF, dataset="device_logs").nothing_to_do


@pytest.mark.s3
def test_s3_store_on_an_unversioned_bucket(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from privlake.config import S3Config

    client = s3_server.client()
    client.create_bucket(Bucket="lake-plain")
    s3 = S3Config.model_validate(s3_env(monkeypatch, s3_server))
    store = S3FileStore(s3_client(s3))
    store.write_bytes("s3://lake-plain/landing/x/dt=2026-01-02/a.jsonl", b"one\n")
    store.write_bytes("s3://lake-plain/landing/x/dt=2026-01-02/a.jsonl", b"two\n")
    [listed] = store.list_files("s3://lake-plain/landing/x")
    assert (listed.size, listed.partition_date, listed.current, listed.versions) == (
        4,
        dt.date(2026, 1, 2),
        True,
        1,
    )
    assert store.read_bytes(listed.path) == b"two\n"
    assert store.delete(listed.path) == 1
    assert store.list_files("s3://lake-plain/landing/x") == []
    assert store.delete(listed.path) == 0  # a re-run finds nothing left

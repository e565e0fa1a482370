"""Retention on real Delta tables: windows by dataset and zone, legal holds, dry run, history
purge, evidence and idempotency. (Isolation: ``test_retention_isolate.py``; landing files on
a real S3 server: ``test_retention_s3.py``; the action abstraction: ``test_retention_actions.py``.)

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

import pyarrow.parquet as pq
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from rich.console import Console

from privlake.config import PrivlakeConfig, load_config
from privlake.console.retention import print_report
from privlake.delta import table_version
from privlake.keys import pseudonym_key
from privlake.retention.execute import retention
from privlake.retention.plan import EVIDENCE_TABLE, RetentionReport
from privlake.retention.rules import load_rules
from tests.conftest import write_config
from tests.jobs.retention_lake import (
    AS_OF,
    FRESH,
    HELD_ACCOUNT,
    OLDER,
    build_landing,
    held_pseudonym,
    plan,
    target,
    write_bronze_accounts,
    write_bronze_logs,
    write_quarantine_logs,
    write_rules,
    write_silver_logs,
)

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
    print_report(second, console)
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
    print_report(scenario.dry, console)
    text = console.export_text()
    assert "retention as of 2026-12-31 (dry run, nothing changed" in text
    assert "2026-11-30" in text and "court" in text and "audit" in text
    assert "no retention rule (kept indefinitely)" in text
    assert "acc-" not in text

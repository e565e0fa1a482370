"""The minors sweep on real Delta tables built from generated landing data.

One lake is built once per module: a generated day whose accounts snapshot is rewritten so
that eight active accounts sit at the edges of the shipped thresholds (EU and EEA 16, US 14,
the default 16), one of them named by a legal hold, one with no birth year, every other
account an adult. It is run through a dry run, the sweep, the same sweep again from the job's
entry, a later day's ingest, and a later day's sweep killed in its verification and run again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from anonymizers.pseudonym import pseudonymize
from jobs import minors as minors_job
from privlake import entry
from privlake.config import PrivlakeConfig, load_config
from privlake.deidentification import deidentify
from privlake.generator import build_subjects, generate_day
from privlake.ingestion import ingest
from privlake.keys import pseudonym_key
from privlake.privacy import MINOR_ACCOUNTS_TABLE, erasure
from privlake.privacy.age_thresholds import AgeThresholds, load_age_thresholds
from privlake.privacy.denylist import DENY_LIST_TABLE, listed_subjects
from privlake.privacy.ledger import COMPLETED, request_history
from privlake.privacy.minors import MinorsSweep, is_minor, sweep_minors
from privlake.retention.rules import load_rules
from privlake.runlog import RunRecord
from tests.conftest import REPO, write_config

DAY, LATE_DAY = dt.date(2026, 11, 28), dt.date(2026, 11, 29)
SEED, ACCOUNTS, ROWS = 5, 14, 120
# role -> (country code, birth year); on DAY (year 2026) the youngest possible age is 2025 - birth year
EDGES = {
    "eu_minor": ("DE", 2010),  # 15 < 16
    "eu_adult": ("FR", 2009),  # 16
    "us_minor": ("us", 2012),  # 13 < 14 (country codes are matched in any case)
    "us_adult": ("US", 2011),  # 14
    "us_at_eu_minor_age": ("US", 2010),  # 15: a minor in the EU, not in the US
    "default_minor": ("JP", 2010),  # 15 < 16 (no group names JP: the default)
    "default_adult": ("JP", 2009),  # 16
    "held_minor": ("SE", 2012),  # a minor, but a legal hold names the account
}
MINORS = ("eu_minor", "us_minor", "default_minor")
ADULTS = ("eu_adult", "us_adult", "us_at_eu_minor_age", "default_adult")
TABLES = {"accounts": ("bronze", "silver"), "device_logs": ("bronze", "silver")}


def landing_file(root: Path, dataset: str, day: dt.date = DAY) -> Path:
    return next((root / "landing" / dataset / f"dt={day}").glob("*.jsonl*"))


def read_records(path: Path) -> list[dict[str, object]]:
    data = path.read_bytes()
    text = (gzip.decompress(data) if path.suffix == ".gz" else data).decode()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def write_records(path: Path, records: list[dict[str, object]]) -> None:
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


def account_rows(spark: SparkSession, config: PrivlakeConfig, account: str, key: bytes) -> dict[str, int]:
    """Rows of one account per zone and dataset (raw id in bronze, pseudonym in silver)."""
    out = {}
    for dataset, zones in TABLES.items():
        for zone in zones:
            value = pseudonymize(account, "account_id", key) if zone == "silver" else account
            df = spark.read.format("delta").load(config.table_path(zone, dataset))
            out[f"{zone}/{dataset}"] = df.where(F.col("account_id") == value).count()
    return out


def landing_owners(root: Path, dataset: str, day: dt.date = DAY) -> list[str]:
    return [str(r.get("account_id")) for r in read_records(landing_file(root, dataset, day))]


def lake_state(root: Path) -> dict[str, int]:
    """Every file under landing and the warehouse with its size: what a no-op leaves alone."""
    return {
        str(p.relative_to(root)): p.stat().st_size
        for folder in ("landing", "warehouse")
        for p in (root / folder).rglob("*")
        if p.is_file()
    }


def minors_runs(spark: SparkSession, config: PrivlakeConfig) -> DataFrame:
    runs = spark.read.format("delta").load(config.table_path("privacy", "runs"))
    return runs.where(F.col("job") == "minors")


@dataclass
class SweptLake:
    root: Path
    config: PrivlakeConfig
    accounts: dict[str, str]  # role -> account id
    unknown: str  # account with no birth year
    before: dict[str, dict[str, int]]  # account id -> rows per zone/dataset before the sweep
    after: dict[str, dict[str, int]]  # ... and right after it
    landing_before: dict[str, list[str]]  # dataset -> account ids of its lines
    landing_after: dict[str, list[str]]
    dry: MinorsSweep
    dry_changed: list[str]
    sweep: MinorsSweep
    rerun_exit: int
    rerun_output: str
    rerun_changed: list[str]
    late_record: RunRecord
    late_minor: str  # an adult on DAY whose LATE_DAY snapshot corrects the birth year to a minor's
    killed: BaseException
    killed_accounts: list[str]  # what privacy/minor_accounts named when the run was killed
    killed_rows_left: dict[str, int]
    resumed: MinorsSweep


@pytest.fixture(scope="module")
def swept_lake(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SweptLake]:
    root = tmp_path_factory.mktemp("minors")
    with pytest.MonkeyPatch.context() as mp:
        generate_day(root / "landing", DAY, accounts=ACCOUNTS, rows=ROWS, seed=SEED, bad_lines=False)
        subjects = build_subjects(SEED, ACCOUNTS)
        owners = landing_owners(root, "device_logs")
        active = sorted((s.account_id for s in subjects if s.account_id in owners), key=owners.count)[::-1]
        assert len(active) >= len(EDGES) + 1, "the generated day has too few active accounts"
        accounts = dict(zip(EDGES, active, strict=False))
        late_minor = next(a for a in active if a not in accounts.values())
        unknown = next(s.account_id for s in subjects if s.account_id not in {*accounts.values(), late_minor})
        key = pseudonym_key(load_config(REPO / "conf" / "privlake.yaml")).secret

        # the rules (and thresholds) the sweep reads, with a legal hold on one minor
        rules = root / "rules"
        shutil.copytree(REPO / "retention_rules", rules)
        shipped = (rules / "sample_datasets.yaml").read_text()
        held_token = pseudonymize(accounts["held_minor"], "account_id", key)
        hold = (
            "holds:\n  - id: litigation-minor\n    reason: Court order; counsel asked to preserve.\n"
            f"    datasets: ['*']\n    subjects: [{held_token}]\n"
            "    until: indefinite\n"
        )
        (rules / "sample_datasets.yaml").write_text(shipped.replace("holds: []", hold))
        config_path = write_config(root, retention_rules=str(rules))
        mp.delenv("PRIVLAKE_LANDING_ROOT", raising=False)
        mp.delenv("PRIVLAKE_WAREHOUSE_ROOT", raising=False)
        mp.setenv("PRIVLAKE_CONFIG", str(config_path))
        config = load_config()
        pkey = pseudonym_key(config)

        path = landing_file(root, "accounts")
        records = read_records(path)
        edges = {account: EDGES[role] for role, account in accounts.items()}
        for record in records:
            country, year = edges.get(str(record["account_id"]), ("DE", 1980))
            record.update(country_code=country, birth_year=None if record["account_id"] == unknown else year)
        write_records(path, records)
        for name in TABLES:
            ingest(spark, config, name, DAY)
            deidentify(spark, config, name, DAY, pkey)
        before = {a: account_rows(spark, config, a, pkey.secret) for a in accounts.values()}
        landing_before = {d: landing_owners(root, d) for d in ("accounts", "device_logs", "usage_history")}

        thresholds = load_age_thresholds(rules / "minors.yaml")
        holds = load_rules(rules, config).holds
        state = lake_state(root)
        dry = sweep_minors(spark, config, thresholds, holds, DAY, pkey, dry_run=True)
        dry_changed = sorted(set(lake_state(root).items()) ^ set(state.items()))

        sweep = sweep_minors(spark, config, thresholds, holds, DAY, pkey)
        after = {a: account_rows(spark, config, a, pkey.secret) for a in [*accounts.values(), unknown]}
        landing_after = {d: landing_owners(root, d) for d in landing_before}

        # the same date again, through the job's own entry (what the DAG task runs)
        state = lake_state(root)
        args = entry.job_parser(minors_job).parse_args(["--as-of", DAY.isoformat()])
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rerun_exit = minors_job.run(args)
        rerun_changed = sorted(set(lake_state(root).items()) ^ set(state.items()))

        # a day later: the swept minor's and an adult's events arrive, and the snapshot corrects
        # one adult's birth year to a minor's
        snapshot = [
            {**r, "birth_year": 2013 if r["account_id"] == late_minor else r["birth_year"]} for r in records
        ]
        late_accounts = root / "landing" / "accounts" / f"dt={LATE_DAY}" / "accounts.jsonl"
        late_accounts.parent.mkdir(parents=True)
        write_records(late_accounts, snapshot)
        template = next(r for r in read_records(landing_file(root, "device_logs")) if r.get("message"))
        late_logs = root / "landing" / "device_logs" / f"dt={LATE_DAY}" / "late.jsonl"
        late_logs.parent.mkdir(parents=True)
        late_rows = [
            {**template, "event_id": f"late-{i}", "account_id": a, "message": "late event"}
            for i, a in enumerate(
                [accounts["eu_minor"], accounts["eu_minor"], accounts["eu_adult"], late_minor]
            )
        ]
        write_records(late_logs, late_rows)
        ingest(spark, config, "accounts", LATE_DAY)
        late_record = ingest(spark, config, "device_logs", LATE_DAY)

        # the later day's sweep is killed in its verification scan, then run again
        def killed_in_verification(*args: object, **kwargs: object) -> None:
            raise RuntimeError("killed")

        mp.setattr(erasure, "scan_lake", killed_in_verification)
        with pytest.raises(RuntimeError) as raised:
            sweep_minors(spark, config, thresholds, holds, LATE_DAY, pkey)
        mp.undo()
        mp.setenv("PRIVLAKE_CONFIG", str(config_path))
        handed = spark.read.format("delta").load(config.table_path("privacy", MINOR_ACCOUNTS_TABLE))
        killed_accounts = sorted(
            r.account_id for r in handed.where(F.col("dt") == LATE_DAY).select("account_id").collect()
        )
        killed_rows_left = account_rows(spark, config, late_minor, pkey.secret)
        resumed = sweep_minors(spark, config, thresholds, holds, LATE_DAY, pkey)
        yield SweptLake(
            root, config, accounts, unknown, before, after, landing_before, landing_after, dry,
            dry_changed, sweep, rerun_exit, out.getvalue(), rerun_changed, late_record, late_minor,
            raised.value, killed_accounts, killed_rows_left, resumed,
        )  # fmt: skip


# --- thresholds ---------------------------------------------------------------------------


def test_shipped_thresholds_are_16_in_the_eu_and_eea_and_14_in_the_us() -> None:
    thresholds = load_age_thresholds(REPO / "retention_rules" / "minors.yaml")
    assert thresholds.threshold("US") == 14
    assert {thresholds.threshold(c) for c in ("DE", "FR", "SE", "PL", "IE", "NO", "IS", "LI")} == {16}
    assert thresholds.threshold("de") == 16 and thresholds.threshold(None) == thresholds.default_age


def test_youngest_possible_age_against_each_threshold_and_a_configured_default(spark: SparkSession) -> None:
    thresholds = AgeThresholds.model_validate(
        {"default_age": 13, "groups": [{"name": "EU", "age": 16, "countries": ["DE"]}]}
    )
    rows = [  # youngest possible age on 2026-01-01: 2026 - birth year - 1
        ("DE", 2010, True),  # 15 < 16
        ("DE", 2009, False),  # 16
        ("BR", 2013, True),  # 12 < 13, the default
        ("BR", 2012, False),  # 13
        ("BR", None, False),  # no birth year: not swept
        (None, 2013, True),  # no country: the default
    ]
    df = spark.createDataFrame([(c, y) for c, y, _ in rows], "country STRING, birth_year INT")
    flags = df.select(is_minor(F.col("birth_year"), F.col("country"), thresholds, dt.date(2026, 1, 1)))
    assert [r[0] for r in flags.collect()] == [m for _, _, m in rows]


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("default_age: 16\nmaximum_age: 3\n", "maximum_age: Extra inputs are not permitted"),
        ("default_age: 0\n", "default_age: Input should be greater than or equal to 1"),
        ("default_age: 16\ngroups: [{name: EU, age: 16, countries: [de]}]\n", "groups[0].countries[0]"),
        (
            "default_age: 16\ngroups: [{name: EU, age: 16, countries: [DE]}, {name: DACH, age: 14, "
            "countries: [DE]}]\n",
            "country DE is in groups 'EU' and 'DACH'",
        ),
    ],
)
def test_a_bad_thresholds_file_stops_the_job_before_spark_with_exit_2(
    tmp_path: Path, content: str, where: str
) -> None:
    bad = tmp_path / "minors.yaml"
    bad.write_text(content)
    config = write_config(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "jobs/minors.py",
            "--as-of",
            "2026-11-28",
            "--config",
            str(config),
            "--thresholds",
            str(bad),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert f"{bad}: invalid age thresholds" in result.stderr and where in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_the_retention_job_does_not_read_the_thresholds_as_rules() -> None:
    assert (REPO / "retention_rules" / "minors.yaml").is_file()
    rules = load_rules(REPO / "retention_rules", load_config(REPO / "conf" / "privlake.yaml"))
    assert rules.rules  # the folder loads: minors.yaml is not parsed as a rule file


# --- the sweep ----------------------------------------------------------------------------


def test_dry_run_counts_and_changes_nothing(swept_lake: SweptLake) -> None:
    dry = swept_lake.dry
    assert dry.dry_run and swept_lake.dry_changed == []
    assert (dry.minors_found, dry.held, dry.erased) == (len(MINORS) + 1, 1, len(MINORS))
    assert dry.erasure is not None and dry.erasure.dry_run and dry.rows_removed > 0


def test_exactly_the_minors_are_erased_everywhere_and_the_scan_is_clean(
    spark: SparkSession, swept_lake: SweptLake
) -> None:
    lake = swept_lake
    sweep = lake.sweep
    assert (sweep.accounts_checked, sweep.unknown_birth_year) == (ACCOUNTS, 1)
    assert (sweep.minors_found, sweep.held, sweep.erased) == (len(MINORS) + 1, 1, len(MINORS))
    assert sweep.erasure is not None and sweep.erasure.evidence.state == COMPLETED
    scan = sweep.erasure.evidence.scan
    assert scan is not None and scan.passed and scan.files_scanned > 0
    for role in MINORS:
        account = lake.accounts[role]
        assert any(lake.before[account].values()), role  # there was something to erase
        assert lake.after[account] == dict.fromkeys(lake.before[account], 0), role
    removed = [lake.accounts[r] for r in MINORS]
    for dataset, owners in lake.landing_before.items():
        assert lake.landing_after[dataset] == [a for a in owners if a not in removed], dataset
    for role in (*ADULTS, "held_minor"):
        account = lake.accounts[role]
        assert lake.after[account] == lake.before[account], role
    assert lake.after[lake.unknown]["bronze/accounts"] == 1


def test_the_minors_are_handed_over_and_denied(spark: SparkSession, swept_lake: SweptLake) -> None:
    lake, key = swept_lake, pseudonym_key(swept_lake.config).secret
    handed = spark.read.format("delta").load(lake.config.table_path("privacy", MINOR_ACCOUNTS_TABLE))
    day = handed.where(F.col("dt") == DAY).select("request_id", "subject_hash", "account_id").collect()
    expected = {
        (f"minors-{DAY}", pseudonymize(lake.accounts[r], "account_id", key), lake.accounts[r]) for r in MINORS
    }
    assert {tuple(r) for r in day} == expected
    denied = set(listed_subjects(spark, lake.config, DENY_LIST_TABLE))
    assert {h for _, h, _ in expected} <= denied
    assert pseudonymize(lake.accounts["held_minor"], "account_id", key) not in denied


def test_the_run_record_holds_counts(spark: SparkSession, swept_lake: SweptLake) -> None:
    runs = minors_runs(spark, swept_lake.config).where(F.col("dt") == DAY).collect()
    assert len(runs) == 1  # the re-run added none
    run = runs[0]
    assert (run.dataset, run.rows_in, run.rows_dropped, run.rows_out) == (
        "accounts",
        ACCOUNTS,
        3,
        ACCOUNTS - 3,
    )
    assert run.entities["minors_found"] == 4 and run.entities["minors_held"] == 1
    assert (
        run.entities["minors_erased"] == 3 and run.entities["rows_removed"] == swept_lake.sweep.rows_removed
    )


def test_a_second_run_on_the_same_day_changes_nothing(swept_lake: SweptLake) -> None:
    assert swept_lake.rerun_exit == 0
    assert swept_lake.rerun_changed == []
    assert "already erased" in swept_lake.rerun_output and f"minors-{DAY}" in swept_lake.rerun_output


def test_ingest_of_a_later_day_drops_the_erased_minors_rows(swept_lake: SweptLake) -> None:
    record = swept_lake.late_record
    assert (record.rows_in, record.rows_dropped, record.rows_out) == (4, 2, 2)


def test_a_killed_sweep_resumes_with_the_accounts_it_handed_over(
    spark: SparkSession, swept_lake: SweptLake
) -> None:
    lake, key = swept_lake, pseudonym_key(swept_lake.config).secret
    assert str(lake.killed) == "killed"
    assert lake.killed_accounts == [lake.late_minor]
    assert (
        lake.killed_rows_left["bronze/accounts"] == 0
    )  # erased before it was killed: gone from the snapshot
    resumed = lake.resumed
    assert resumed.erased == 1 and resumed.minors_found == 1  # the held minor; the erased one is gone
    assert resumed.erasure is not None and resumed.erasure.evidence.state == COMPLETED
    assert resumed.erasure.evidence.scan is not None and resumed.erasure.evidence.scan.passed
    assert [e.state for e in request_history(spark, lake.config, f"minors-{LATE_DAY}")][-1] == COMPLETED
    assert set(account_rows(spark, lake.config, lake.late_minor, key).values()) == {0}


def test_the_report_shows_the_sweep_in_counts_only(spark: SparkSession, swept_lake: SweptLake) -> None:
    from privlake.report import write_report

    page = write_report(spark, swept_lake.config, DAY, swept_lake.root / "report.html").read_text()
    section = page[page.index('<section id="minors"') :]
    section = section[: section.index("</section>")]
    assert "minors found" in section and "No minors sweep" not in section
    cells = re.findall(r'<td class="n">([\d,]+)</td>', section)
    assert cells[:4] == [str(ACCOUNTS), "4", "1", "3"]  # checked, found, held, erased
    for account in swept_lake.accounts.values():
        assert account not in page

"""Ingest under data residency: a deployment outside the EU quarantines the rows of EU/EEA
countries as ``wrong_region`` without their raw line; the EU deployment ingests every row.

The same landing day (hand-written accounts, generated device logs) is ingested by a
``us-east-1`` deployment and an ``eu-central-1`` one, each in its own lake, once per module.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

from privlake.config import PrivlakeConfig, load_config
from privlake.ingestion import ingest
from privlake.keys import pseudonym_key
from privlake.pipeline import run_dataset_day
from privlake.runlog import RunRecord
from tests.conftest import write_config
from tests.privlake.test_residency import EU_EEA

DAY = dt.date(2026, 11, 28)


def account(i: int, country: object, **fields: object) -> bytes:
    row: dict[str, object] = {
        "account_id": f"acc-{i:04d}",
        "email": f"user{i}@mail.example.com",
        "username": f"user_{i}",
        "country_code": country,
        "created_at": "2024-01-01T10:00:00+00:00",
        "birth_year": 1980,
    }
    row.update(fields)
    return json.dumps(row).encode()


# (line, the reason a us-east-1 deployment gives it, the reason eu-central-1 gives it)
SNAPSHOT: list[tuple[bytes, str | None, str | None]] = [
    (account(1, "DE"), "wrong_region", None),
    (account(2, "US"), None, None),
    (account(3, "JP"), None, None),
    (account(4, "FR", birth_year="x"), "wrong_region", "wrong_type"),  # routed before its type
    (account(5, "US", shoe_size=44), "unknown_field", "unknown_field"),
    (account(6, "no"), "wrong_region", None),  # Norway, however it is cased
    (account(7, None), None, None),  # no country: not pinned
    (b'{"account_id": "acc-0008", "country_code": "IT", "email": ', "wrong_region", "invalid_json"),
    (b'{"account_id": "acc-0009", "email": ', "invalid_json", "invalid_json"),  # no country to read
    (b'{"account_id": "acc-0010", "country_code": "AT", "name": "J\xf6rg"}', "wrong_region", "invalid_utf8"),
    (account(11, "GB"), None, None),
    (account(12, 49), "wrong_type", "wrong_type"),  # a number is no country
]
GZIPPED: list[tuple[bytes, str | None, str | None]] = [
    (account(20, "US"), None, None),
    (account(21, "SE"), "wrong_region", None),
]
LINES = len(SNAPSHOT) + len(GZIPPED)


def write_landing(root: Path) -> None:
    from privlake.generator import generate_day

    folder = root / "landing" / "accounts" / f"dt={DAY}"
    folder.mkdir(parents=True)
    (folder / "a.jsonl").write_bytes(b"\n".join(line for line, _, _ in SNAPSHOT) + b"\n")
    (folder / "b.jsonl.gz").write_bytes(gzip.compress(b"\n".join(line for line, _, _ in GZIPPED) + b"\n"))
    generated = root / "generated"
    generate_day(generated, DAY, accounts=12, rows=30, seed=3, bad_lines=False)
    shutil.copytree(generated / "device_logs", root / "landing" / "device_logs")


def device_log_countries(root: Path) -> Counter[str]:
    lines = (root / "landing" / "device_logs").rglob("*.jsonl*")
    texts = [gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes() for p in lines]
    return Counter(json.loads(line)["country_code"] for text in texts for line in text.splitlines())


@dataclass(frozen=True)
class Deployment:
    root: Path
    config: PrivlakeConfig
    records: dict[str, RunRecord]

    def table(self, spark: SparkSession, zone: str, dataset: str) -> DataFrame:
        return spark.read.format("delta").load(self.config.table_path(zone, dataset))


def deploy(spark: SparkSession, root: Path, landing: Path, region: str) -> Deployment:
    shutil.copytree(landing / "landing", root / "landing")
    config = load_config(write_config(root, region=region))
    records = {name: ingest(spark, config, name, DAY) for name in ("accounts", "device_logs")}
    return Deployment(root, config, records)


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("residency-landing")
    write_landing(root)
    return root


@pytest.fixture(scope="module")
def roots_from_the_config() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PRIVLAKE_LANDING_ROOT", raising=False)
        mp.delenv("PRIVLAKE_WAREHOUSE_ROOT", raising=False)
        yield


@pytest.fixture(scope="module")
def us(
    spark: SparkSession, landing: Path, roots_from_the_config: None, tmp_path_factory: pytest.TempPathFactory
) -> Deployment:
    return deploy(spark, tmp_path_factory.mktemp("us-east-1"), landing, "us-east-1")


@pytest.fixture(scope="module")
def eu(
    spark: SparkSession, landing: Path, roots_from_the_config: None, tmp_path_factory: pytest.TempPathFactory
) -> Deployment:
    return deploy(spark, tmp_path_factory.mktemp("eu-central-1"), landing, "eu-central-1")


def expected_quarantine(column: int) -> list[tuple[str, int, str]]:
    files = {"a.jsonl": SNAPSHOT, "b.jsonl.gz": GZIPPED}
    return sorted(
        (name, number, entry[column])  # type: ignore[misc]
        for name, lines in files.items()
        for number, entry in enumerate(lines, start=1)
        if entry[column] is not None
    )


def test_a_us_deployment_quarantines_eu_rows_with_file_line_and_reason_but_no_raw_line(
    spark: SparkSession, us: Deployment
) -> None:
    rows = us.table(spark, "quarantine", "accounts").collect()
    found = sorted((Path(r.source_file).name, r.line_number, r.reason) for r in rows)
    assert found == expected_quarantine(1)
    routed = [r for r in rows if r.reason == "wrong_region"]
    assert len(routed) == 6
    assert all(r.raw_line is None for r in routed)
    assert all(r.raw_line is not None for r in rows if r.reason != "wrong_region")
    # The detail names the country and its region only: never an account, e-mail or name.
    details = {(Path(r.source_file).name, r.line_number): r.detail for r in routed}
    assert details[("a.jsonl", 1)] == "country_code DE pinned to eu-central-1"
    assert details[("a.jsonl", 6)] == "country_code NO pinned to eu-central-1"
    assert details[("a.jsonl", 10)] == "country_code AT pinned to eu-central-1"
    assert details[("b.jsonl.gz", 2)] == "country_code SE pinned to eu-central-1"
    assert not any(word in str(details) for word in ("acc-", "user", "J"))


def test_a_us_deployment_counts_routed_rows_and_the_counts_add_up(us: Deployment) -> None:
    record = us.records["accounts"]
    assert record.rows_in == LINES
    assert record.reasons == dict(Counter(reason for _, _, reason in expected_quarantine(1)))
    assert record.reasons["wrong_region"] == 6
    assert record.rows_out + record.rows_quarantined == LINES
    assert record.rows_out == sum(reason is None for _, reason, _ in SNAPSHOT + GZIPPED)


def test_a_us_deployment_keeps_no_eu_row_in_bronze_and_lets_unpinned_countries_through(
    spark: SparkSession, us: Deployment
) -> None:
    accounts = {(r.account_id, r.country_code) for r in us.table(spark, "bronze", "accounts").collect()}
    assert accounts == {
        ("acc-0002", "US"),
        ("acc-0003", "JP"),
        ("acc-0007", None),
        ("acc-0011", "GB"),
        ("acc-0020", "US"),
    }
    countries = device_log_countries(us.root)
    eu_lines = sum(n for country, n in countries.items() if country in EU_EEA)
    assert 0 < eu_lines < sum(countries.values())  # the generated day has both kinds
    logs = us.table(spark, "bronze", "device_logs")
    assert Counter(r.country_code for r in logs.collect()) == {
        c: n for c, n in countries.items() if c not in EU_EEA
    }
    record = us.records["device_logs"]
    assert record.reasons == {"wrong_region": eu_lines}
    assert record.rows_out + record.rows_quarantined == record.rows_in == sum(countries.values())


def test_the_eu_deployment_ingests_every_row(spark: SparkSession, eu: Deployment) -> None:
    rows = eu.table(spark, "quarantine", "accounts").collect()
    assert sorted((Path(r.source_file).name, r.line_number, r.reason) for r in rows) == expected_quarantine(2)
    assert "wrong_region" not in eu.records["accounts"].reasons
    countries = device_log_countries(eu.root)
    logs = eu.table(spark, "bronze", "device_logs")
    assert Counter(r.country_code for r in logs.collect()) == countries
    assert eu.records["device_logs"].rows_quarantined == 0


def test_the_fused_run_routes_too_and_silver_holds_no_eu_row(
    spark: SparkSession, landing: Path, roots_from_the_config: None, tmp_path: Path
) -> None:
    shutil.copytree(landing / "landing", tmp_path / "landing")
    config = load_config(write_config(tmp_path, region="us-east-1"))
    ingested, deidentified = run_dataset_day(spark, config, "accounts", DAY, pseudonym_key(config))
    assert ingested.reasons["wrong_region"] == 6
    silver = spark.read.format("delta").load(config.table_path("silver", "accounts"))
    assert {r.country_code for r in silver.collect()} == {"US", "JP", "GB", None}
    assert deidentified.rows_in == ingested.rows_out == 5

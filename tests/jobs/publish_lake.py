"""A small lake for the publish tests (``pytest_plugins = ["tests.jobs.publish_lake"]``): one
generated day through ingest, de-identification and aggregation, with ``k = 2`` (the shipped
10 would suppress nearly every group of a dozen accounts, and an empty gold table proves
nothing about what is published)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from privlake.config import PrivlakeConfig, load_config
from privlake.generator import Subject, build_subjects, generate_day
from privlake.gold import aggregate
from privlake.keys import pseudonym_key
from privlake.pipeline import run_dataset_day
from tests.conftest import CONFIG, write_config

DAY = dt.date(2026, 11, 28)
SEED, ACCOUNTS, ROWS = 5, 12, 160
K = 2
GOLD = "daily_device_activity"
DATASETS = ("accounts", "device_logs")  # snapshots first: their identifiers deny free text


@dataclass(frozen=True)
class PublishLake:
    root: Path
    config: Path
    subjects: list[Subject]


def aggregates_with_k(folder: Path, k: int) -> Path:
    """The shipped aggregates with ``k`` and only the device log tables: the lake runs two
    datasets (accounts for the known identifiers, device logs for gold), not three."""
    raw = yaml.safe_load((CONFIG.parent / "aggregates.yaml").read_text())
    tables = {n: t for n, t in raw["tables"].items() if t["source"] == DATASETS[1]}
    risk = [s for s in raw["risk"]["quasi_identifier_sets"] if s["dataset"] == DATASETS[1]]
    path = folder / "aggregates.yaml"
    trimmed = {**raw, "k": k, "tables": tables, "risk": {**raw["risk"], "quasi_identifier_sets": risk}}
    path.write_text(yaml.safe_dump(trimmed, sort_keys=False))
    return path


def lake_config(root: Path, aggregates: Path, publish: dict[str, Any] | None = None) -> Path:
    overrides: dict[str, Any] = {"analytics": {"aggregates": str(aggregates)}}
    if publish is not None:
        overrides["publish"] = publish
    return write_config(root, **overrides)


def build_publish_lake(spark: SparkSession, root: Path) -> PublishLake:
    """Generate, run accounts and device logs, and aggregate the day."""
    aggregates = aggregates_with_k(root, K)
    config_path = lake_config(root, aggregates)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PRIVLAKE_LANDING_ROOT", raising=False)
        mp.delenv("PRIVLAKE_WAREHOUSE_ROOT", raising=False)
        config = load_config(config_path)
        key = pseudonym_key(config)
        generate_day(root / "landing", DAY, accounts=ACCOUNTS, rows=ROWS, seed=SEED, bad_lines=False)
        for dataset in DATASETS:
            run_dataset_day(spark, config, dataset, DAY, key)
        aggregate(spark, config, DAY)
    return PublishLake(root, config_path, build_subjects(SEED, ACCOUNTS))


@pytest.fixture(scope="session")
def publish_lake(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> PublishLake:
    """Built once for the publish tests (path and S3 destinations); tests that change it copy it."""
    return build_publish_lake(spark, tmp_path_factory.mktemp("publish-lake"))


def gold_of_day(spark: SparkSession, config: PrivlakeConfig, table: str, day: dt.date = DAY) -> DataFrame:
    return spark.read.format("delta").load(config.table_path("gold", table)).where(F.col("dt") == day)


def busiest_account(spark: SparkSession, config: PrivlakeConfig) -> str:
    """The account with the most device log rows of the day: erasing it changes gold."""
    logs = (
        spark.read.format("delta").load(config.table_path("bronze", "device_logs")).where(F.col("dt") == DAY)
    )
    top = logs.groupBy("account_id").count().orderBy(F.desc("count"), "account_id").first()
    assert top is not None
    return str(top["account_id"])

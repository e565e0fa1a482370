"""Publish to a destination on a path: a plain Delta table per gold table, partition dt=D
replaced, every transfer in privacy/transfers with versions, counts and file hashes; a planted
identifier blocks the whole transfer; an erasure republishes the recomputed dates.

One lake is built once (``publish_lake``, shared with the S3 tests); every test works on a
copy of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.testing import assertDataFrameEqual

from jobs import publish as publish_job
from privlake import entry
from privlake.config import PrivlakeConfig, load_config
from privlake.keys import pseudonym_key
from privlake.privacy.erasure import erase
from privlake.privacy.evidence import read_evidence
from privlake.privacy.manifest import build_request
from privlake.publish.republish import REPUBLISHED
from privlake.publish.transfer import publish
from tests.conftest import copy_lake
from tests.jobs.publish_lake import (
    DAY,
    GOLD,
    PublishLake,
    busiest_account,
    gold_of_day,
    lake_config,
)

DEST = "us_analytics"


pytest_plugins = ["tests.jobs.publish_lake"]


def with_destination(lake: PublishLake, target: Path, dest_root: Path, **publish: Any) -> PrivlakeConfig:
    """A copy of the lake at ``target`` whose config publishes gold to ``dest_root``."""
    copy_lake(lake.root, target)
    destinations = {DEST: {"root": str(dest_root), "region": "us-east-1"}}
    return load_config(
        lake_config(target, lake.root / "aggregates.yaml", {"destinations": destinations, **publish})
    )


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("PRIVLAKE_LANDING_ROOT", raising=False)
    monkeypatch.delenv("PRIVLAKE_WAREHOUSE_ROOT", raising=False)
    yield


def transfers(spark: SparkSession, config: PrivlakeConfig) -> list[Any]:
    return spark.read.format("delta").load(config.table_path("privacy", "transfers")).collect()


def current_files(spark: SparkSession, path: str) -> list[str]:
    """Data files of the destination table's current version, as local paths."""
    return sorted(unquote(urlparse(f).path) for f in spark.read.format("delta").load(path).inputFiles())


def gold_tables(config: PrivlakeConfig) -> list[str]:
    return sorted(p.name for p in Path(config.table_path("gold", "")).iterdir())


def remote(spark: SparkSession, root: Path, table: str, day: dt.date = DAY) -> DataFrame:
    return spark.read.format("delta").load(str(root / "gold" / table)).where(F.col("dt") == day)


def test_publish_sends_each_gold_table_as_delta_and_records_the_transfer(
    spark: SparkSession, publish_lake: PublishLake, tmp_path: Path, env: None
) -> None:
    from deltalake import DeltaTable

    dest = tmp_path / "us-bucket"
    config = with_destination(publish_lake, tmp_path / "lake", dest)
    local_gold = gold_tables(config)
    assert GOLD in local_gold and gold_of_day(spark, config, GOLD).count() > 0  # something to compare
    report = publish(spark, config, DEST, [DAY], pseudonym_key(config).secret)

    for table in local_gold:
        assertDataFrameEqual(remote(spark, dest, table), gold_of_day(spark, config, table))
        # analysts in the other region read it without Spark too
        by_deltalake = DeltaTable(str(dest / "gold" / table)).to_pyarrow_table().num_rows
        assert by_deltalake == gold_of_day(spark, config, table).count()

    (row,) = transfers(spark, config)
    assert (row["destination"], row["region"], row["dt"], row["status"]) == (
        DEST,
        "us-east-1",
        DAY,
        "published",
    )
    assert row["transfer_id"] == report.transfer_id and row["scan_result"].startswith("passed")
    assert sorted(row["tables"]) == [f"gold/{t}" for t in local_gold]
    for table in local_gold:
        path = config.table_path("gold", table)
        latest = spark.sql(f"DESCRIBE HISTORY delta.`{path}` LIMIT 1").first()
        assert latest is not None and row["table_versions"][f"gold/{table}"] == latest["version"]
        assert row["row_counts"][f"gold/{table}"] == gold_of_day(spark, config, table).count()
    uploaded = [f for table in local_gold for f in current_files(spark, str(dest / "gold" / table))]
    assert sorted(row["file_hashes"]) == uploaded
    for path, digest in row["file_hashes"].items():
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest
    # the staging copies are gone
    assert not Path(config.table_path("privacy", "publish_staging")).exists() or not any(
        Path(config.table_path("privacy", "publish_staging")).rglob("*.parquet")
    )


def test_publishing_again_replaces_only_that_date(
    spark: SparkSession, publish_lake: PublishLake, tmp_path: Path, env: None
) -> None:
    dest = tmp_path / "us-bucket"
    config = with_destination(publish_lake, tmp_path / "lake", dest)
    key = pseudonym_key(config).secret
    publish(spark, config, DEST, [DAY], key)
    # the destination already holds an earlier date, published before
    earlier = gold_of_day(spark, config, GOLD).withColumn("dt", F.lit(DAY - dt.timedelta(days=1)))
    earlier.write.format("delta").mode("append").save(str(dest / "gold" / GOLD))

    publish(spark, config, DEST, [DAY], key)

    assertDataFrameEqual(remote(spark, dest, GOLD), gold_of_day(spark, config, GOLD))  # not doubled
    assertDataFrameEqual(remote(spark, dest, GOLD, DAY - dt.timedelta(days=1)), earlier)
    assert [r["status"] for r in transfers(spark, config)] == ["published", "published"]


def plant_row(spark: SparkSession, config: PrivlakeConfig, value: str) -> None:
    """Append to gold a row whose text dimension is ``value`` (what a bug upstream could do)."""
    path = config.table_path("gold", GOLD)
    row = gold_of_day(spark, config, GOLD).limit(1)
    text = next(f.name for f in row.schema.fields if f.dataType.simpleString() == "string")
    row.withColumn(text, F.lit(value)).write.format("delta").mode("append").save(path)


def test_a_planted_identifier_blocks_the_whole_transfer(
    spark: SparkSession,
    publish_lake: PublishLake,
    tmp_path: Path,
    env: None,
    capfd: pytest.CaptureFixture[str],
) -> None:
    dest = tmp_path / "us-bucket"
    config = with_destination(publish_lake, tmp_path / "lake", dest)
    email = next(s.email for s in publish_lake.subjects if s.email)
    plant_row(spark, config, email)
    assert config.source is not None

    code = entry.main(publish_job, ["--date", DAY.isoformat(), "--to", DEST, "--config", str(config.source)])

    assert code == 1
    err = capfd.readouterr().err
    assert f"blocked, nothing was sent: gold/{GOLD} file part-" in err
    assert "known subject identifier" in err and email not in err and email.lower() not in err.lower()
    assert not dest.exists()  # no table, not even an empty one, reached the destination
    rows = transfers(spark, config)
    assert {r["status"] for r in rows} == {"blocked"}
    (blocked,) = rows
    assert f"gold/{GOLD} file part-" in blocked["scan_result"] and not blocked["file_hashes"]
    assert email.lower() not in json.dumps(blocked.asDict(), default=str).lower()


def test_an_erasure_republishes_the_recomputed_date_with_the_request(
    spark: SparkSession, publish_lake: PublishLake, tmp_path: Path, env: None
) -> None:
    dest = tmp_path / "us-bucket"
    config = with_destination(publish_lake, tmp_path / "lake", dest, republish="with_request")
    key = pseudonym_key(config)
    publish(spark, config, DEST, [DAY], key.secret)
    before = remote(spark, dest, GOLD).collect()
    request = build_request("req-publish-1", "erase", [f"account_id={busiest_account(spark, config)}"])

    erase(spark, config, request, key)

    assertDataFrameEqual(remote(spark, dest, GOLD), gold_of_day(spark, config, GOLD))
    assert sorted(map(repr, before)) != sorted(map(repr, gold_of_day(spark, config, GOLD).collect()))
    evidence = read_evidence(config, "req-publish-1")
    assert evidence is not None and evidence.published_copies
    assert {(c.destination, c.date, c.state) for c in evidence.published_copies} == {(DEST, DAY, REPUBLISHED)}
    assert {c.table for c in evidence.published_copies} == {f"gold/{t}" for t in gold_tables(config)}
    statuses = sorted((r["status"], tuple(r["republished_for"] or ())) for r in transfers(spark, config))
    assert statuses == [("published", ()), ("published", ("req-publish-1",))]

"""Publish from an EU deployment (local lake: "the German server") to a bucket in another
region on a real S3 server (SeaweedFS, whose buckets all report us-east-1).

The publish runs as a person types it (``privlake publish``), in its own JVM with Hadoop's S3A
connector and the destination's own per-bucket endpoint and credentials; the destination's
Delta table is read back with ``deltalake``, as an analyst there would. A destination that
declares another region than its bucket's is refused before anything starts; after an
erasure recomputes gold, the date is marked, the next publish republishes it, and the copy in
the other region equals the recomputed local gold.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pytest
from pyspark.sql import SparkSession

from privlake.config import PrivlakeConfig, load_config
from privlake.keys import pseudonym_key
from privlake.privacy.erasure import erase
from privlake.privacy.evidence import read_evidence
from privlake.privacy.manifest import build_request
from privlake.publish.republish import PENDING, REPUBLISHED
from tests.conftest import REPO, copy_lake
from tests.jobs.publish_lake import (
    DAY,
    GOLD,
    PublishLake,
    busiest_account,
    gold_of_day,
    lake_config,
)

if TYPE_CHECKING:
    from tests.s3_server import S3Server

pytest_plugins = ["tests.s3_server", "tests.jobs.publish_lake"]

BUCKET = "privlake-analytics-us"
DEST = "us_analytics"
ACCESS_ENV, SECRET_ENV = "PRIVLAKE_TEST_US_ACCESS", "PRIVLAKE_TEST_US_SECRET"


@pytest.fixture()
def eu_lake(publish_lake: PublishLake, tmp_path: Path) -> PublishLake:
    """A copy of the shared lake: the EU deployment, on local paths."""
    copy_lake(publish_lake.root, tmp_path / "eu")
    shutil.copy(publish_lake.root / "aggregates.yaml", tmp_path / "eu" / "aggregates.yaml")
    return PublishLake(tmp_path / "eu", tmp_path / "eu" / "privlake.yaml", publish_lake.subjects)


def destination_config(lake: PublishLake, server: S3Server, region: str) -> Path:
    destination = {
        "root": f"s3://{BUCKET}/privlake",
        "region": region,
        "s3": {
            "endpoint_url": server.endpoint_url,
            "path_style_access": True,
            "access_key_env": ACCESS_ENV,
            "secret_key_env": SECRET_ENV,
        },
    }
    return lake_config(lake.root, lake.root / "aggregates.yaml", {"destinations": {DEST: destination}})


def privlake_publish(config: Path, server: S3Server) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        ACCESS_ENV: server.access_key,
        SECRET_ENV: server.secret_key,
        "PRIVLAKE_LOG_FILE": "",
    }
    env.pop("PRIVLAKE_LANDING_ROOT", None)
    env.pop("PRIVLAKE_WAREHOUSE_ROOT", None)
    command = [str(Path(sys.executable).with_name("privlake")), "publish", "--date", DAY.isoformat()]
    return subprocess.run(
        [*command, "--to", DEST, "--config", str(config)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def read_remote(server: S3Server, table: str) -> pa.Table:
    from deltalake import DeltaTable

    options = {
        "AWS_ENDPOINT_URL": server.endpoint_url,
        "AWS_ACCESS_KEY_ID": server.access_key,
        "AWS_SECRET_ACCESS_KEY": server.secret_key,
        "AWS_REGION": server.region,
        "AWS_ALLOW_HTTP": "true",
        "AWS_S3_ALLOW_UNSAFE_RENAME": "true",
    }
    return DeltaTable(f"s3://{BUCKET}/privlake/gold/{table}", storage_options=options).to_pyarrow_table()


def local_rows(spark: SparkSession, config: PrivlakeConfig) -> list[dict[str, Any]]:
    return sorted((r.asDict() for r in gold_of_day(spark, config, GOLD).collect()), key=repr)


def remote_rows(server: S3Server) -> list[dict[str, Any]]:
    table = read_remote(server, GOLD)
    return sorted((r for r in table.to_pylist() if r["dt"] == DAY), key=repr)


@pytest.mark.s3
def test_a_destination_whose_bucket_is_in_another_region_is_refused(
    eu_lake: PublishLake, s3_server: S3Server
) -> None:
    s3_server.client().create_bucket(Bucket=BUCKET)
    result = privlake_publish(destination_config(eu_lake, s3_server, "eu-central-1"), s3_server)
    assert result.returncode == 2, result.stderr
    assert f"publish destination {DEST}: bucket {BUCKET} of s3://{BUCKET}/privlake" in result.stderr
    assert "is in region us-east-1, not in eu-central-1; use a bucket in eu-central-1" in result.stderr
    assert s3_server.client().list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


@pytest.mark.s3
def test_gold_crosses_to_the_other_region_and_an_erasure_follows_it(
    spark: SparkSession, eu_lake: PublishLake, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = s3_server.client()
    if BUCKET not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
        client.create_bucket(Bucket=BUCKET)
    config_path = destination_config(eu_lake, s3_server, "us-east-1")
    monkeypatch.delenv("PRIVLAKE_LANDING_ROOT", raising=False)
    monkeypatch.delenv("PRIVLAKE_WAREHOUSE_ROOT", raising=False)
    config = load_config(config_path)

    first = privlake_publish(config_path, s3_server)
    assert first.returncode == 0, first.stderr[-3000:]
    before = local_rows(spark, config)
    assert before and remote_rows(s3_server) == before

    (row,) = spark.read.format("delta").load(config.table_path("privacy", "transfers")).collect()
    assert (row["status"], row["region"], row["dt"]) == ("published", "us-east-1", DAY)
    for path, digest in row["file_hashes"].items():
        key = path.removeprefix(f"s3a://{BUCKET}/")
        body = client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == digest
    assert any(f"/gold/{GOLD}/dt={DAY}/" in path for path in row["file_hashes"])

    # an erasure in the EU deployment recomputes gold; the published copy is marked stale
    monkeypatch.setenv(ACCESS_ENV, s3_server.access_key)
    monkeypatch.setenv(SECRET_ENV, s3_server.secret_key)
    request = build_request("req-s3-1", "erase", [f"account_id={busiest_account(spark, config)}"])
    erase(spark, config, request, pseudonym_key(config))
    evidence = read_evidence(config, "req-s3-1")
    assert evidence is not None
    assert {(c.destination, c.date, c.state) for c in evidence.published_copies} == {(DEST, DAY, PENDING)}
    recomputed = local_rows(spark, config)
    assert recomputed != before  # the subject counted in gold: the republish has something to carry

    again = privlake_publish(config_path, s3_server)  # the next run replaces the marked date
    assert again.returncode == 0, again.stderr[-3000:]
    assert remote_rows(s3_server) == recomputed
    evidence = read_evidence(config, "req-s3-1")
    assert evidence is not None
    assert {(c.destination, c.state) for c in evidence.published_copies} == {(DEST, REPUBLISHED)}

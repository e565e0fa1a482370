"""Retention of landing files on a real S3 server: every version and delete marker of an
expired file goes, a held file is rewritten to its held lines, and the store works on an
unversioned bucket too."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pyspark.sql import SparkSession

from privlake.config import load_config
from privlake.retention.execute import retention
from privlake.retention.rules import load_rules
from privlake.storage import S3FileStore, s3_client
from tests.conftest import write_config
from tests.jobs.retention_lake import AS_OF, HELD_ACCOUNT, landing_line, target, write_rules

if TYPE_CHECKING:
    from tests.s3_server import S3Server

pytest_plugins = ["tests.s3_server"]


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

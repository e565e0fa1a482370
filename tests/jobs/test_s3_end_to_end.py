"""The daily chain and an erasure on S3 for real: landing on ``s3://``, warehouse on ``s3a://``.

The generated day of the session's ``daily_chain`` runs through ingest → deidentify →
aggregate → retention → erasure (with purge) of one subject, in a fresh JVM, on a real S3
server on loopback (SeaweedFS), with the endpoint, path-style access and the *names* of the
credential variables taken from the config file and the credentials from the environment.
The local reference is the same day as Airflow ran it (``daily_chain``), copied and put
through the same erasure in the test's session: both lakes must hold the same tables with
the same rows, and the same landing files with the same bytes.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from pyspark.sql import SparkSession

from tests.conftest import CHAIN_DAY, REPO, DailyChainRun, copy_lake, write_config

if TYPE_CHECKING:
    from tests.s3_server import S3Server

pytest_plugins = ["tests.s3_server"]

BUCKET = "privlake-lake"
ACCESS_ENV, SECRET_ENV = "PRIVLAKE_TEST_S3_ACCESS", "PRIVLAKE_TEST_S3_SECRET"


def records(landing: Path, dataset: str) -> Iterator[dict[str, Any]]:
    for path in sorted(p for p in (landing / dataset).rglob("*") if p.is_file()):
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        for line in data.decode(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


def subject_in_every_dataset(landing: Path) -> str:
    """``email=...`` of the account with the most rows among those in every dataset."""
    emails = {
        r.get("account_id"): r["email"]
        for r in records(landing, "accounts")
        if isinstance(r.get("email"), str) and "@" in r["email"]
    }
    logs = Counter(r.get("account_id") for r in records(landing, "device_logs"))
    usage = Counter(r.get("account_id") for r in records(landing, "usage_history"))
    candidates = [a for a in emails if logs[a] and usage[a]]
    if not candidates:
        raise AssertionError("no generated account has rows in every dataset")
    return f"email={emails[max(candidates, key=lambda a: (logs[a] + usage[a], str(a)))]}"


def upload_tree(server: S3Server, local_root: Path, bucket: str, prefix: str) -> int:
    client = server.client()
    count = 0
    for path in sorted(p for p in local_root.rglob("*") if p.is_file()):
        client.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(local_root).as_posix()}")
        count += 1
    return count


def run_chain(config: Path, subject: str, out: Path, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.chain_runner",
            "--config",
            str(config),
            "--date",
            CHAIN_DAY.isoformat(),
            "--erase",
            subject,
            "--out",
            str(out),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    dumped: dict[str, Any] = json.loads(out.read_text())
    return dumped


@pytest.mark.s3
@pytest.mark.airflow
def test_daily_chain_on_s3_equals_the_local_run(
    s3_server: S3Server,
    daily_chain: DailyChainRun,
    spark: SparkSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from privlake.config import load_config
    from tests.chain_runner import dump, erase_subject

    summary = daily_chain.summary
    s3_server.client().create_bucket(Bucket=BUCKET)
    (tmp_path / "s3").mkdir()
    uploaded = upload_tree(s3_server, daily_chain.generated, BUCKET, "landing")
    assert uploaded >= len(summary.datasets)
    # SeaweedFS reports every bucket in us-east-1 (tests/jobs/test_residency_s3.py), so the S3
    # deployment is a us-east-1 one; with no country pinned it must ingest what the local
    # (eu-central-1) reference ingested. Residency routing has its own tests.
    no_pins = tmp_path / "s3" / "residency.yaml"
    no_pins.write_text("pins: []\n")
    s3_config = write_config(
        tmp_path / "s3",
        region="us-east-1",
        residency=str(no_pins),
        landing_root=f"s3://{BUCKET}/landing",
        warehouse_root=f"s3a://{BUCKET}/warehouse",
        s3={
            "endpoint_url": s3_server.endpoint_url,
            "region": s3_server.region,
            "path_style_access": True,
            "access_key_env": ACCESS_ENV,
            "secret_key_env": SECRET_ENV,
        },
    )
    assert yaml.safe_load(s3_config.read_text())["s3"]["secret_key_env"] == SECRET_ENV
    assert s3_server.secret_key not in s3_config.read_text()  # credentials live in the environment only

    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PRIVLAKE_LANDING", "PRIVLAKE_WAREHOUSE"))
    }
    env.pop("PRIVLAKE_CONFIG", None)
    subject = subject_in_every_dataset(daily_chain.generated)
    s3_dump = run_chain(
        s3_config,
        subject,
        tmp_path / "s3.json",
        {**env, ACCESS_ENV: s3_server.access_key, SECRET_ENV: s3_server.secret_key},
    )

    # The local reference: the Airflow run's lake, copied (the erasure changes it), erased here.
    monkeypatch.delenv("PRIVLAKE_LANDING_ROOT", raising=False)
    monkeypatch.delenv("PRIVLAKE_WAREHOUSE_ROOT", raising=False)
    local_config_path = copy_lake(daily_chain.root, tmp_path / "local")
    monkeypatch.setenv("PRIVLAKE_CONFIG", str(local_config_path))
    local_config = load_config(local_config_path)
    local_erasure = erase_subject(spark, local_config, subject)
    local_dump: dict[str, Any] = {**dump(spark, local_config), "erasure": local_erasure}

    erasure = s3_dump["erasure"]
    assert erasure["state"] == "completed" and erasure["scan_passed"], erasure
    assert erasure["rows_removed"] > 0
    for name, generated in summary.datasets.items():
        assert 0 < s3_dump[f"silver.{name}"]["rows"] < generated.rows, name  # the subject's rows are gone
    assert len(s3_dump["landing"]) == len(local_dump["landing"]) >= len(summary.datasets)
    assert s3_dump == local_dump

    # The tables really are in the bucket, written by Spark through S3A.
    keys = [
        o["Key"]
        for page in s3_server.client()
        .get_paginator("list_objects_v2")
        .paginate(Bucket=BUCKET, Prefix="warehouse/silver/")
        for o in page.get("Contents", [])
    ]
    assert any("/_delta_log/" in k for k in keys)
    assert any(k.endswith(".parquet") for k in keys)

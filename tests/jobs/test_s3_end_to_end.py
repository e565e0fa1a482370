"""The daily chain and an erasure on S3 for real: landing on ``s3://``, warehouse on ``s3a://``.

The same generated day runs through ingest → deidentify → aggregate → erasure (with purge)
of one subject → retention twice, in fresh JVMs: once on the local filesystem and once on
a real S3 server on loopback (SeaweedFS), with the endpoint, path-style access and the
*names* of the credential variables taken from the config file and the credentials from
the environment. Both lakes must hold the same tables with the same rows, and the same
landing files with the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from tests.conftest import REPO, write_config

if TYPE_CHECKING:
    from tests.s3_server import S3Server

pytest_plugins = ["tests.s3_server"]

DAY = dt.date(2026, 11, 28)
BUCKET = "privlake-lake"
ACCESS_ENV, SECRET_ENV = "PRIVLAKE_TEST_S3_ACCESS", "PRIVLAKE_TEST_S3_SECRET"


def first_account_email(landing: Path) -> str:
    for path in sorted((landing / "accounts").rglob("*.jsonl")):
        for line in path.read_text(errors="replace").splitlines():
            try:
                email = json.loads(line).get("email")
            except (ValueError, AttributeError):
                continue
            if isinstance(email, str) and "@" in email:
                return email
    raise AssertionError("the generated accounts hold no e-mail")


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
            DAY.isoformat(),
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
def test_daily_chain_on_s3_equals_the_local_run(s3_server: S3Server, tmp_path: Path) -> None:
    from privlake.generator import generate_day

    local = tmp_path / "local"
    summary = generate_day(
        local / "landing", DAY, accounts=12, rows=240, seed=5, truth_dir=tmp_path / "truth"
    )
    local_config = write_config(local)

    s3_server.client().create_bucket(Bucket=BUCKET)
    (tmp_path / "s3").mkdir()
    uploaded = upload_tree(s3_server, local / "landing", BUCKET, "landing")
    assert uploaded >= len(summary.datasets)
    s3_config = write_config(
        tmp_path / "s3",
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
    subject = f"email={first_account_email(local / 'landing')}"
    local_dump = run_chain(local_config, subject, tmp_path / "local.json", env)
    s3_dump = run_chain(
        s3_config,
        subject,
        tmp_path / "s3.json",
        {**env, ACCESS_ENV: s3_server.access_key, SECRET_ENV: s3_server.secret_key},
    )

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

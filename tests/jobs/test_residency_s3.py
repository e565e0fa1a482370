"""The start-up residency check on a real S3 server: a deployment's buckets must be in its region.

SeaweedFS (``tests/s3_server.py``; measured with 4.48) ignores the CreateBucketConfiguration a
bucket is created with and answers GetBucketLocation with an empty LocationConstraint for
every bucket, which S3 defines as us-east-1. So every bucket here is in us-east-1, for real,
nothing faked: a ``us-east-1`` deployment with its roots on SeaweedFS starts (and quarantines
its EU users' rows), and an ``eu-central-1`` deployment with a root there is refused, with exit
code 2, before Spark starts. If SeaweedFS starts to honour the region a bucket is created with,
the first test fails and the README's note on it must change.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from privlake.config import S3Config
from privlake.residency import ResidencyError, bucket_region, require_bucket_region
from tests.conftest import REPO, run_python, write_config

if TYPE_CHECKING:
    from tests.s3_server import S3Server

pytest_plugins = ["tests.s3_server"]

DAY = dt.date(2026, 11, 28)
ACCESS_ENV, SECRET_ENV = "PRIVLAKE_TEST_S3_ACCESS", "PRIVLAKE_TEST_S3_SECRET"
PRIVLAKE = Path(sys.executable).with_name("privlake")


def s3_settings(server: S3Server) -> dict[str, object]:
    return {
        "endpoint_url": server.endpoint_url,
        "region": server.region,
        "path_style_access": True,
        "access_key_env": ACCESS_ENV,
        "secret_key_env": SECRET_ENV,
    }


@pytest.fixture()
def s3_credentials(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> S3Config:
    """The server's keys in the environment, as production has them; the config names the variables."""
    monkeypatch.setenv(ACCESS_ENV, s3_server.access_key)
    monkeypatch.setenv(SECRET_ENV, s3_server.secret_key)
    for name in ("PRIVLAKE_LANDING_ROOT", "PRIVLAKE_WAREHOUSE_ROOT", "PRIVLAKE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return S3Config.model_validate(s3_settings(s3_server))


def make_bucket(server: S3Server, name: str, lines: list[dict[str, object]]) -> None:
    client = server.client()
    # Asked for eu-central-1; SeaweedFS keeps every bucket in us-east-1 all the same.
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    body = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    client.put_object(Bucket=name, Key=f"landing/accounts/dt={DAY}/a.jsonl", Body=body)


def account(i: int, country: str) -> dict[str, object]:
    return {"account_id": f"acc-{i:04d}", "email": f"user{i}@mail.example.com", "country_code": country}


def privlake(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRIVLAKE_LOG_FILE": ""}
    return subprocess.run(
        [str(PRIVLAKE), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=900
    )


@pytest.mark.s3
def test_seaweedfs_reports_every_bucket_in_us_east_1(s3_server: S3Server, s3_credentials: S3Config) -> None:
    make_bucket(s3_server, "residency-where", [])
    assert bucket_region("s3a://residency-where/warehouse", s3_credentials) == "us-east-1"
    require_bucket_region("s3://residency-where/landing", "us-east-1", s3_credentials, what="landing_root")
    with pytest.raises(ResidencyError) as err:
        require_bucket_region(
            "s3://residency-where/landing", "eu-central-1", s3_credentials, what="landing_root"
        )
    assert str(err.value).startswith(
        "landing_root: bucket residency-where of "
        "s3://residency-where/landing is in region us-east-1, not in eu-central-1"
    )
    assert err.value.exit_code == 2


@pytest.mark.s3
def test_a_bucket_s3_cannot_locate_is_a_clear_error(s3_server: S3Server, s3_credentials: S3Config) -> None:
    with pytest.raises(
        ResidencyError, match=r"s3://residency-no-such-bucket: S3 did not say where the bucket"
    ):
        bucket_region("s3://residency-no-such-bucket/landing", s3_credentials)


@pytest.mark.s3
def test_an_eu_deployment_on_a_us_east_1_bucket_is_refused_before_spark_starts(
    s3_server: S3Server, s3_credentials: S3Config, tmp_path: Path
) -> None:
    make_bucket(s3_server, "residency-refused", [account(1, "DE")])
    config = write_config(
        tmp_path,
        region="eu-central-1",
        landing_root="s3://residency-refused/landing",
        s3=s3_settings(s3_server),
    )
    args = ["ingest", "--dataset", "accounts", "--date", DAY.isoformat(), "--config", str(config)]
    result = privlake(*args)
    assert result.returncode == 2, result.stderr
    first = result.stderr.strip().splitlines()[0]
    assert first == (
        "privlake ingest failed: landing_root of this eu-central-1 deployment: bucket residency-refused "
        "of s3://residency-refused/landing is in region us-east-1, not in eu-central-1; use a bucket in "
        "eu-central-1, or run this data from a deployment in us-east-1"
    )
    assert "Traceback" not in result.stderr and "Ivy" not in result.stderr

    # The same job as spark-submit runs it, in a fresh interpreter: no JVM was started.
    script = """
        import sys
        from pyspark import SparkContext
        import jobs.ingest
        from privlake import entry
        code = entry.main(jobs.ingest, sys.argv[1:])
        print(code, SparkContext._gateway is None, SparkContext._active_spark_context is None)
    """
    env = {**os.environ, "PRIVLAKE_LOG_FILE": ""}
    ran = run_python(script, *args[1:], timeout=300, env=env)
    assert ran.stdout.split() == ["2", "True", "True"], ran.stderr


@pytest.mark.s3
def test_a_us_east_1_deployment_on_s3_starts_and_quarantines_eu_rows(
    s3_server: S3Server, s3_credentials: S3Config, tmp_path: Path
) -> None:
    from deltalake import DeltaTable

    bucket = "residency-us"
    make_bucket(s3_server, bucket, [account(1, "DE"), account(2, "US"), account(3, "JP"), account(4, "FR")])
    config = write_config(
        tmp_path,
        region="us-east-1",
        landing_root=f"s3://{bucket}/landing",
        warehouse_root=f"s3a://{bucket}/warehouse",
        s3=s3_settings(s3_server),
    )
    result = privlake("ingest", "--dataset", "accounts", "--date", DAY.isoformat(), "--config", str(config))
    assert result.returncode == 0, result.stderr[-3000:]

    options = {
        "AWS_ENDPOINT_URL": s3_server.endpoint_url,
        "AWS_REGION": s3_server.region,
        "AWS_ACCESS_KEY_ID": s3_server.access_key,
        "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
        "AWS_ALLOW_HTTP": "true",
    }

    def rows(zone: str) -> list[dict[str, object]]:
        table = DeltaTable(f"s3://{bucket}/warehouse/{zone}/accounts", storage_options=options)
        found: list[dict[str, object]] = table.to_pyarrow_table().to_pylist()
        return found

    assert sorted((r["account_id"], r["country_code"]) for r in rows("bronze")) == [
        ("acc-0002", "US"),
        ("acc-0003", "JP"),
    ]
    quarantined = sorted(
        (r["line_number"], r["reason"], r["detail"], r["raw_line"]) for r in rows("quarantine")
    )
    assert quarantined == [
        (1, "wrong_region", "country_code DE pinned to eu-central-1", None),
        (4, "wrong_region", "country_code FR pinned to eu-central-1", None),
    ]

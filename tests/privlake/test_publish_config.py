"""Publish destinations in the configuration: what may leave the deployment, and what never does.

Raw and privacy zones are refused at validation whatever a destination says, silver only
loads with a legal basis beside it, and each refusal names the file and the key path (exit 2
from the command, before Spark starts). No Spark here: the configuration is data.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from privlake.config import ConfigError, load_config
from privlake.publish.targets import destination_path, destination_s3, published_tables
from privlake.spark import HADOOP_AWS_PACKAGE, extra_packages, s3a_conf
from tests.conftest import REPO, write_config

GOLD = ["active_accounts_by_age", "daily_device_activity", "daily_usage", "firmware_adoption"]
PRIVLAKE = Path(sys.executable).with_name("privlake")
REMOTE = {"root": "s3://analytics-us/privlake", "region": "us-east-1"}


def config_with(tmp_path: Path, **destination: Any) -> Path:
    return write_config(tmp_path, publish={"destinations": {"us_analytics": {**REMOTE, **destination}}})


@pytest.mark.parametrize("zone", ["bronze", "restricted", "quarantine", "privacy", "landing"])
def test_a_raw_or_privacy_zone_never_loads(tmp_path: Path, zone: str) -> None:
    path = config_with(tmp_path, **{zone: ["device_logs"]})
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert str(path) in message
    assert "publish.destinations.us_analytics" in message
    assert f"'{zone}': {zone} tables are never published" in message


def test_silver_without_a_legal_basis_never_loads(tmp_path: Path) -> None:
    path = config_with(tmp_path, silver={"tables": ["device_logs"]})
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "publish.destinations.us_analytics" in str(err.value)
    assert "only with the legal basis written beside it" in str(err.value)
    blank = config_with(tmp_path, silver={"tables": ["device_logs"], "legal_basis": "  "})
    with pytest.raises(ConfigError, match="legal basis"):
        load_config(blank)


def test_silver_with_a_basis_and_gold_by_default(tmp_path: Path) -> None:
    basis = "Art. 46(2)(c) GDPR standard contractual clauses, 2026-03 transfer impact assessment"
    config = load_config(config_with(tmp_path, silver={"tables": ["usage_history"], "legal_basis": basis}))
    tables = published_tables(config, "us_analytics", GOLD)
    assert [t.label for t in tables] == [f"gold/{t}" for t in GOLD] + ["silver/usage_history"]
    target = config.publish.destinations["us_analytics"]
    assert target.silver is not None and target.silver.legal_basis == basis
    assert destination_path(target, tables[0]) == "s3a://analytics-us/privlake/gold/active_accounts_by_age"
    assert config.publish.republish == "next_run"


def test_listed_gold_tables_and_unknown_ones(tmp_path: Path) -> None:
    config = load_config(config_with(tmp_path, gold=["daily_usage"]))
    assert [t.label for t in published_tables(config, "us_analytics", GOLD)] == ["gold/daily_usage"]
    unknown = load_config(config_with(tmp_path, gold=["daily_sales"]))
    with pytest.raises(ConfigError, match=r"publish\.destinations\.us_analytics\.gold: \['daily_sales'\]"):
        published_tables(unknown, "us_analytics", GOLD)


def test_silver_tables_must_be_datasets(tmp_path: Path) -> None:
    path = config_with(tmp_path, silver={"tables": ["sensor_dumps"], "legal_basis": "SCC"})
    with pytest.raises(ConfigError, match=r"silver\.tables \['sensor_dumps'\] are not datasets"):
        load_config(path)


def test_a_path_root_resolves_against_the_config_file(tmp_path: Path) -> None:
    config = load_config(config_with(tmp_path, root="published/us"))
    assert config.publish.destinations["us_analytics"].root == str(tmp_path / "published" / "us")


def test_a_destination_on_its_own_s3_endpoint_gets_per_bucket_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("US_KEY", "us-access")
    monkeypatch.setenv("US_SECRET", "us-secret")
    own = {"endpoint_url": "http://127.0.0.1:9", "path_style_access": True}
    config = load_config(
        config_with(tmp_path, s3={**own, "access_key_env": "US_KEY", "secret_key_env": "US_SECRET"})
    )
    s3 = destination_s3(config, config.publish.destinations["us_analytics"])
    assert (s3.endpoint_url, s3.region, s3.access_key_env) == ("http://127.0.0.1:9", "us-east-1", "US_KEY")
    conf = s3a_conf(config)
    bucket = "spark.hadoop.fs.s3a.bucket.analytics-us."
    assert conf[f"{bucket}endpoint"] == "http://127.0.0.1:9"
    assert conf[f"{bucket}endpoint.region"] == "us-east-1"
    assert conf[f"{bucket}path.style.access"] == "true"
    assert conf[f"{bucket}access.key"] == "us-access"
    # the lake stays local; Spark still needs the S3A connector for the destination
    assert HADOOP_AWS_PACKAGE in extra_packages(config)


def test_the_command_refuses_such_a_config_with_exit_2(tmp_path: Path) -> None:
    path = config_with(tmp_path, bronze=["device_logs"])
    result = subprocess.run(
        [str(PRIVLAKE), "publish", "--date", "2026-11-28", "--to", "us_analytics", "--config", str(path)],
        cwd=REPO,
        env={**os.environ, "PRIVLAKE_LOG_FILE": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("privlake publish failed: ")
    assert "publish.destinations.us_analytics" in result.stderr and "bronze" in result.stderr
    assert "Traceback" not in result.stderr

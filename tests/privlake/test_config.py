"""Configuration: the shipped config is valid, and invalid ones say file, key path and problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from privlake.config import ConfigError, load_config
from tests.conftest import CONFIG, write_config


def test_shipped_config_declares_the_three_sample_datasets() -> None:
    config = load_config(CONFIG)
    assert list(config.datasets) == ["device_logs", "usage_history", "accounts"]
    logs = config.dataset("device_logs")
    assert logs.key == "event_id" and logs.subject == "account_id"
    assert logs.columns["wifi_networks"].type == "array<string>"
    assert logs.columns["message"].role == "free_text"


def test_relative_roots_resolve_against_the_config_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, landing_root="lake/landing", warehouse_root="s3a://bucket/wh")
    config = load_config(path)
    assert config.landing_root == str(tmp_path / "lake" / "landing")
    assert config.warehouse_root == "s3a://bucket/wh"  # URIs are left alone


def test_environment_overrides_roots_and_config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path)
    monkeypatch.setenv("PRIVLAKE_CONFIG", str(path))
    monkeypatch.setenv("PRIVLAKE_LANDING_ROOT", "s3://raw-bucket/landing")
    monkeypatch.setenv("PRIVLAKE_WAREHOUSE_ROOT", str(tmp_path / "elsewhere"))
    config = load_config()
    assert config.source == path
    assert config.landing_root == "s3://raw-bucket/landing"
    assert config.warehouse_root == str(tmp_path / "elsewhere")
    assert config.table_path("bronze", "accounts") == f"{tmp_path}/elsewhere/bronze/accounts"


def test_misspelt_key_names_file_and_key_path(tmp_path: Path) -> None:
    path = write_config(tmp_path, ingest={"max_line_byte": 100})
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert "ingest.max_line_byte: Extra inputs are not permitted" in str(err.value)


def test_inline_dataset_errors_point_into_the_list(tmp_path: Path) -> None:
    bad = {
        "name": "sensors",
        "key": "event_id",
        "subject": "account_id",
        "columns": {
            "event_id": {"type": "string", "required": True, "role": "keep"},
            "account_id": {"type": "string", "required": True, "role": "identifier", "kind": "passport"},
        },
    }
    path = write_config(tmp_path, datasets=[bad])
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "datasets[0].columns.account_id" in str(err.value)
    assert "an identifier needs 'kind'" in str(err.value)


def test_dataset_file_errors_name_that_file(tmp_path: Path) -> None:
    dataset = yaml.safe_load((CONFIG.parent / "datasets" / "accounts.yaml").read_text())
    dataset["columns"]["birth_year"]["type"] = "integer"
    ds_file = tmp_path / "accounts.yaml"
    ds_file.write_text(yaml.safe_dump(dataset))
    path = write_config(tmp_path, datasets=[str(ds_file)])
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(ds_file) in str(err.value)
    assert "columns.birth_year.type" in str(err.value)


def test_quasi_identifier_without_generalization_is_rejected(tmp_path: Path) -> None:
    dataset = yaml.safe_load((CONFIG.parent / "datasets" / "accounts.yaml").read_text())
    del dataset["columns"]["birth_year"]["generalize"]
    path = write_config(tmp_path, datasets=[dataset])
    with pytest.raises(ConfigError, match="a quasi_identifier needs 'generalize'"):
        load_config(path)


def test_missing_file_and_bad_yaml_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("landing_root: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken)


def test_unknown_dataset_lists_the_configured_ones() -> None:
    with pytest.raises(ConfigError, match="configured datasets: accounts, device_logs, usage_history"):
        load_config(CONFIG).dataset("sensor_logs")

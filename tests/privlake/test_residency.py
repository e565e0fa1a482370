"""The residency table: the shipped pins, lookups, and errors that name the file and key path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from privlake.config import ConfigError, load_config
from privlake.residency import load_residency, residency_table
from tests.conftest import CONFIG, write_config

# The 27 EU member states and the three EEA states outside the EU, written out here so that
# the test fails when one goes missing from conf/residency.yaml.
EU = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"}
EU |= {"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
EU_EEA = EU | {"IS", "LI", "NO"}


def write_table(tmp_path: Path, table: object) -> Path:
    path = tmp_path / "residency.yaml"
    path.write_text(yaml.safe_dump(table))
    return path


def test_the_shipped_table_pins_the_eu_and_eea_to_the_german_region_and_nothing_else() -> None:
    table = residency_table(load_config(CONFIG))
    assert (len(EU), len(EU_EEA)) == (27, 30)
    assert {country for pin in table.pins for country in pin.countries} == EU_EEA
    assert all(pin.regions == ("eu-central-1",) and "GDPR" in pin.basis for pin in table.pins)
    assert table.regions_of("DE") == table.regions_of("NO") == ("eu-central-1",)
    assert table.regions_of("US") is None and table.regions_of("GB") is None  # not pinned
    assert table.regions_of("EL") is None  # the EU's own code for Greece is not ISO 3166


def test_a_deployment_stores_what_is_pinned_to_its_region_and_what_is_not_pinned() -> None:
    table = residency_table(load_config(CONFIG))
    assert table.pinned_away_from("eu-central-1") == {}
    assert table.pinned_away_from("us-east-1") == {c: ("eu-central-1",) for c in EU_EEA}
    assert set(table.pinned_away_from("eu-west-1")) == EU_EEA  # another EU region is still elsewhere


def test_a_pin_to_several_regions_lets_each_of_them_store_the_country(tmp_path: Path) -> None:
    pins = [{"countries": ["CH"], "regions": ["eu-central-2", "eu-central-1"], "basis": "contract"}]
    table = load_residency(str(write_table(tmp_path, {"pins": pins})))
    assert table.pinned_away_from("eu-central-1") == {}
    assert table.pinned_away_from("us-west-2") == {"CH": ("eu-central-2", "eu-central-1")}


@pytest.mark.parametrize(
    ("table", "key_path"),
    [
        (
            {"pins": [{"countries": ["de"], "regions": ["eu-central-1"], "basis": "b"}]},
            "pins[0].countries[0]",
        ),
        ({"pins": [{"countries": ["DE"], "regions": ["Frankfurt"], "basis": "b"}]}, "pins[0].regions[0]"),
        ({"pins": [{"countries": ["DE"], "regions": ["eu-central-1"]}]}, "pins[0].basis"),
        ({"pins": [{"countries": ["DE"], "regions": ["eu-central-1"], "basis": ""}]}, "pins[0].basis"),
        ({"pins": [{"countries": [], "regions": ["eu-central-1"], "basis": "b"}]}, "pins[0].countries"),
        ({"pins": [{"countries": ["DE"], "regions": [], "basis": "b"}]}, "pins[0].regions"),
        ({"pins": [{"countries": ["DE"], "region": ["eu-central-1"], "basis": "b"}]}, "pins[0].region"),
        ({"pin": []}, "pin"),
    ],
)
def test_an_invalid_table_names_the_file_and_key_path(tmp_path: Path, table: object, key_path: str) -> None:
    path = write_table(tmp_path, table)
    with pytest.raises(ConfigError) as err:
        load_residency(str(path))
    first, *problems = str(err.value).splitlines()
    assert first == f"{path}: invalid residency table"
    assert any(p.strip().startswith(f"{key_path}: ") for p in problems), problems
    assert "Frankfurt" not in str(err.value)  # the problem, never the value given
    assert err.value.exit_code == 2


def test_a_country_pinned_twice_is_refused_naming_both_pins(tmp_path: Path) -> None:
    pins = [
        {"countries": ["DE", "AT"], "regions": ["eu-central-1"], "basis": "policy"},
        {"countries": ["AT"], "regions": ["eu-west-1"], "basis": "contract"},
    ]
    with pytest.raises(ConfigError, match=r"pins: country AT is in pins\[0\] and pins\[1\]"):
        load_residency(str(write_table(tmp_path, {"pins": pins})))


def test_the_table_path_resolves_against_the_config_and_a_missing_table_is_a_config_error(
    tmp_path: Path,
) -> None:
    config = load_config(write_config(tmp_path, residency="elsewhere/residency.yaml"))
    assert config.residency == str(tmp_path / "elsewhere" / "residency.yaml")
    with pytest.raises(ConfigError, match=r"elsewhere/residency.yaml: residency table not found"):
        residency_table(config)


@pytest.mark.parametrize("region", ["Frankfurt", "eu-central", "EU-CENTRAL-1", "eu_central_1", ""])
def test_the_deployment_region_must_be_a_region_name(tmp_path: Path, region: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write_config(tmp_path, region=region))
    assert "  region: String should match pattern" in str(err.value)


@pytest.mark.parametrize("region", ["eu-central-1", "us-east-1", "ap-southeast-2", "us-gov-west-1"])
def test_region_names_as_s3_reports_them_are_accepted(tmp_path: Path, region: str) -> None:
    assert load_config(write_config(tmp_path, region=region)).region == region


def test_norway_written_unquoted_is_refused_not_read_as_false(tmp_path: Path) -> None:
    path = tmp_path / "residency.yaml"
    path.write_text("pins:\n  - countries: [DE, NO]\n    regions: [eu-central-1]\n    basis: policy\n")
    with pytest.raises(ConfigError, match=r"pins\[0\]\.countries\[1\]: Input should be a valid string"):
        load_residency(str(path))

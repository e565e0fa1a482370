"""The generator's data files: every shipped file validates, and a broken one is named precisely.

Each case copies a shipped file, breaks one field, and loads the copy with the same loader
the generator uses: the error must name the file and the field (as a dotted path) and must
not repeat the value found there.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from string import Formatter
from typing import Any

import pytest
import yaml

from privlake.errors import BadInputError
from privlake.generator import profiles
from privlake.generator.lines import SLOTS, load_templates
from privlake.generator.profiles import ProfileError

SHIPPED = {
    "locales": profiles.LOCALES_FILE,
    "curated_names": profiles.CURATED_NAMES_FILE,
    "devices": profiles.DEVICES_FILE,
    "lines": profiles.LINES_FILE,
}


def test_every_shipped_data_file_validates() -> None:
    assert sorted(p.name for p in profiles.DATA.glob("*.yaml")) == sorted(p.name for p in SHIPPED.values())
    locales = profiles.read_model(profiles.LOCALES_FILE, profiles._LocaleList).locales
    assert len({p.locale for p in locales}) == len(locales) >= 10
    curated = profiles.load_curated_names(profiles.CURATED_NAMES_FILE, locales)
    assert {c.locale for c in curated} <= {p.locale for p in locales}
    assert profiles.read_model(profiles.DEVICES_FILE, profiles.Devices).models
    templates = load_templates(profiles.LINES_FILE)
    assert templates.device_logs and templates.scenes and "en" in templates.rooms
    # Every slot is used by some template, so none is dead code.
    used = {
        name
        for group in (templates.device_logs, templates.scenes, *templates.rooms.values())
        for template in group
        for _, name, _, _ in Formatter().parse(template.text)
        if name
    }
    assert used == set(SLOTS)


def _broken_copy(tmp_path: Path, kind: str, edit: Callable[[Any], None]) -> Path:
    data = yaml.safe_load(SHIPPED[kind].read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    edit(data)
    path = tmp_path / SHIPPED[kind].name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _load(kind: str, path: Path) -> object:
    if kind == "locales":
        return profiles.load_locales(path)
    if kind == "curated_names":
        return profiles.load_curated_names(path)
    if kind == "devices":
        return profiles.load_devices(path)
    return load_templates(path)


def _set(data: Any, dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data[int(part)] if isinstance(data, list) else data[part]
    data[int(last) if isinstance(data, list) else last] = value


def _drop(data: Any, dotted: str) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data[int(part)] if isinstance(data, list) else data[part]
    del data[last]


CASES = [
    # (file, what to do, field path the message must name, words it must hold, value it must not)
    ("locales", ("drop", "locales.3.mcc"), "locales.3.mcc", "Field required", None),
    ("locales", ("set", "locales.0.mcc", "2X2"), "locales.0.mcc", "pattern", "2X2"),
    ("locales", ("set", "locales.1.cities.0.timezone", "Mars/Base"), "cities.0.timezone", "IANA", "Mars"),
    ("locales", ("set", "locales.2.cities.1.latitude", 123.0), "cities.1.latitude", "less than", "123"),
    ("locales", ("set", "locales.0.default_ssids.0", "Box-{mac}"), "locales.0.default_ssids", "{hex}", None),
    ("locales", ("set", "locales.4.country_code", "ZZ"), "locales.4", "libphonenumber", None),
    ("locales", ("set", "locales.5.motto", "x"), "locales.5.motto", "Extra inputs", None),
    ("locales", ("set", "locales.6.locale", "de_DE"), "locales.6.locale", "twice", None),
    ("curated_names", ("set", "curated_names.2.locale", "xx_XX"), "curated_names.2.locale", "no such", None),
    ("curated_names", ("drop", "curated_names.0.last"), "curated_names.0.last", "Field required", None),
    ("devices", ("set", "models.1.category", "toaster"), "models.1.category", "hub", "toaster"),
    ("devices", ("set", "router_ouis.0", "zz:00:11"), "router_ouis.0", "pattern", "zz:00:11"),
    ("lines", ("drop", "device_logs.4.level"), "device_logs.4.level", "Field required", None),
    ("lines", ("set", "device_logs.7.text", "hello {colleague}"), "device_logs.7.text", "colleague", "hello"),
    ("lines", ("set", "scenes.0.text", "Call {first_name"), "scenes.0.text", "braces", "Call"),
    ("lines", ("set", "rooms.de.1", "Zimmer {nickname}"), "rooms.de.1", "nickname", "Zimmer"),
    ("lines", ("set", "scene_actions", ["scene_run", "dance"]), "(top level)", "scene_actions", None),
    ("lines", ("drop", "rooms.en"), "(top level)", "'en'", None),
    (
        "lines",
        ("set", "attribute_slots.imei.value", "subject.imei_no"),
        "attribute_slots.imei.value",
        "no attr",
        None,
    ),
    (
        "lines",
        ("set", "attribute_slots.mcc.value", "subject.home"),
        "attribute_slots.mcc.value",
        "not text",
        None,
    ),
    ("lines", ("set", "attribute_slots.mnc.entity_type", "MCC"), "attribute_slots.mnc", "go together", None),
    (
        "lines",
        ("set", "attribute_slots.port", {"value": "subject.imei"}),
        "attribute_slots.port",
        "computed",
        None,
    ),
]


@pytest.mark.parametrize(("kind", "action", "field", "words", "value"), CASES)
def test_a_broken_file_names_the_file_and_the_field(
    tmp_path: Path, kind: str, action: tuple[Any, ...], field: str, words: str, value: str | None
) -> None:
    op, dotted, *new = action

    def edit(data: Any) -> None:
        if op == "set":
            _set(data, dotted, new[0])
        else:
            _drop(data, dotted)

    path = _broken_copy(tmp_path, kind, edit)
    with pytest.raises(ProfileError) as caught:
        _load(kind, path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert field in message and words in message, message
    if value is not None:
        assert value not in message, message  # a data file may hold names: never echo a value
    assert isinstance(caught.value, BadInputError)  # the command line exits 2


def test_a_missing_or_unparsable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"nowhere\.yaml: cannot be read"):
        profiles.load_devices(tmp_path / "nowhere.yaml")
    bad = tmp_path / "devices.yaml"
    bad.write_text("models: [\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"devices\.yaml: not valid YAML at line \d+"):
        profiles.load_devices(bad)

"""The independent corpus (``bench/corpora``): deterministic, valid per the data contract, and its
ground truth holds only values that really are in their rows. No Spark: the ingest check with
privlake's own reader is in ``bench/corpora/README.md`` (it takes minutes)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.corpora import build, model, people
from privlake.config import ColumnSpec, load_config
from privlake.evaluate import occurs
from tests.conftest import REPO

DAY = dt.date(2026, 12, 6)
SIZE = {"accounts": 36, "device_events": 1500, "usage_events": 700, "seed": 5}
TRUTH_KEYS = {"dataset", "event_id", "account_id", "field", "entity_type", "value", "kind", "locale"}
INFLECTING = ("de_DE", "nl_NL", "sv_SE", "pl_PL", "cs_CZ", "tr_TR", "fr_FR", "en_US", "en_GB")


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    build.build_day(root / "landing", root / "truth", DAY, **SIZE)
    return root


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def _rows(root: Path, dataset: str) -> list[dict[str, Any]]:
    return list(_lines(root / "landing" / dataset / f"dt={DAY}" / "part-0000.jsonl"))


def _truth(root: Path) -> list[dict[str, Any]]:
    return list(_lines(root / "truth" / f"dt={DAY}" / "planted.jsonl"))


def test_same_seed_same_bytes_other_seed_other_bytes(day: Path, tmp_path: Path) -> None:
    build.build_day(tmp_path / "a" / "landing", tmp_path / "a" / "truth", DAY, **SIZE)
    other = {**SIZE, "seed": SIZE["seed"] + 1}
    build.build_day(tmp_path / "b" / "landing", tmp_path / "b" / "truth", DAY, **other)
    files = [
        *(Path("landing") / d / f"dt={DAY}" / "part-0000.jsonl" for d in model.DATASETS),
        Path("truth") / f"dt={DAY}" / "planted.jsonl",
    ]
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (day / rel).read_bytes(), rel
        assert (tmp_path / "b" / rel).read_bytes() != (day / rel).read_bytes(), rel


def _fits(spec: ColumnSpec, value: Any) -> bool:
    if value is None:
        return not spec.required
    if spec.type == "string":
        return isinstance(value, str)
    if spec.type in ("long", "int"):
        return isinstance(value, int) and not isinstance(value, bool)
    if spec.type == "double":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if spec.type == "boolean":
        return isinstance(value, bool)
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def test_every_landing_line_matches_its_dataset_schema(day: Path) -> None:
    config = load_config(REPO / "conf" / "privlake.yaml")
    for name in model.DATASETS:
        dataset = config.dataset(name)
        rows = _rows(day, name)
        assert rows, name
        keys = [row[dataset.key] for row in rows]
        assert len(keys) == len(set(keys)), f"{name}: repeated {dataset.key}"
        for row in rows:
            assert set(row) <= set(dataset.columns), f"{name}: fields not in the schema"
            for column, spec in dataset.columns.items():
                assert _fits(spec, row.get(column)), f"{name}.{column} of {row[dataset.key]}"
            if dataset.event_time:
                moment = dt.datetime.fromisoformat(row[dataset.event_time])
                assert moment.utcoffset() is not None and moment.date() == DAY
                assert moment.astimezone(dt.UTC).date() == DAY
            if row.get("device_serial") is not None:
                assert re.fullmatch(r"[0-9A-F]{16}", row["device_serial"])
    accounts = {r["account_id"] for r in _rows(day, "accounts")}
    for name in ("device_logs", "usage_history"):
        assert {r["account_id"] for r in _rows(day, name)} <= accounts


def test_mac_columns_come_in_several_notations(day: Path) -> None:
    shapes = {
        re.sub(r"[0-9a-f]", "x", re.sub(r"[0-9A-F]", "X", r["mac_address"]))
        for r in _rows(day, "device_logs")
    }
    assert len(shapes) >= 5


def test_every_planted_value_is_in_its_row_and_field_word_bounded(day: Path) -> None:
    config = load_config(REPO / "conf" / "privlake.yaml")
    rows = {name: {r[config.dataset(name).key]: r for r in _rows(day, name)} for name in model.DATASETS}
    truth = _truth(day)
    assert truth
    for record in truth:
        assert set(record) == TRUTH_KEYS
        assert record["kind"] in ("pii", "lookalike")
        allowed = model.PERSONAL_TYPES if record["kind"] == "pii" else model.LOOKALIKE_TYPES
        assert record["entity_type"] in allowed
        row = rows[record["dataset"]][record["event_id"]]
        assert record["account_id"] == row["account_id"]
        cell = row[record["field"]]
        texts = cell if isinstance(cell, list) else [cell]
        where = f"{record['dataset']}.{record['field']} of {record['event_id']}"
        assert any(isinstance(t, str) and occurs(record["value"], t) for t in texts), where
        if record["kind"] == "lookalike":
            assert any(record["value"] in t for t in texts), where


def test_structured_identifiers_are_all_planted(day: Path) -> None:
    planted = {(r["dataset"], r["event_id"], r["field"]) for r in _truth(day)}
    for row in _rows(day, "device_logs"):
        for column in ("account_id", "device_serial", "mac_address", "ip_address"):
            assert ("device_logs", row["event_id"], column) in planted
        if row["wifi_networks"]:
            assert ("device_logs", row["event_id"], "wifi_networks") in planted
    for row in _rows(day, "accounts"):
        for column in ("account_id", "email", "phone", "username", "display_name"):
            assert ("accounts", row["account_id"], column) in planted


def test_all_locales_families_kinds_and_entity_types_appear(day: Path) -> None:
    truth = _truth(day)
    locales = {lc.locale for lc in model.load_locales()}
    assert len(locales) == 12
    assert {"de_DE", "pl_PL", "cs_CZ", "tr_TR", "ja_JP"} <= locales
    assert {r["locale"] for r in truth} == locales
    assert {r["country_code"] for r in _rows(day, "accounts")} == {
        lc.country_code for lc in model.load_locales()
    }
    assert {r["kind"] for r in truth} == {"pii", "lookalike"}
    assert {r["entity_type"] for r in truth} == set(model.PERSONAL_TYPES) | set(model.LOOKALIKE_TYPES)

    # Every message is one of the templates, and every family wrote some.
    def pattern(text: str) -> str:
        parts = re.split(r"\$\{[a-z_][a-z0-9_]*\}", text.replace("$$", "$"))
        return "(?:.+?)".join(re.escape(p) for p in parts)

    families = model.load_families()
    compiled = {
        f.family: re.compile("|".join(f"(?:{pattern(t.text)})" for t in f.templates)) for f in families
    }
    seen: set[str] = set()
    for row in _rows(day, "device_logs"):
        matched = [name for name, rx in compiled.items() if rx.fullmatch(row["message"])]
        assert matched, f"message of {row['event_id']} matches no template"
        seen.update(matched)
    assert seen == {f.family for f in families}
    assert len(families) >= 10


def _holder_first(display_name: str, locale: model.Locale) -> str:
    parts = display_name.split(" ")
    return parts[-1] if locale.name_order == "family_given" else parts[0]


def test_account_holders_own_names_appear_inflected_in_labels(day: Path) -> None:
    by_code = {lc.locale: lc for lc in model.load_locales()}
    locale_of = {r["account_id"]: r["locale"] for r in _truth(day) if r["dataset"] == "accounts"}
    holders = {r["account_id"]: r for r in _rows(day, "accounts")}
    found: set[str] = set()
    for row in _rows(day, "usage_history"):
        locale = by_code[locale_of[row["account_id"]]]
        account = holders[row["account_id"]]
        first = _holder_first(account["display_name"], locale)
        for gender in ("female", "male"):
            if first not in locale.first_names[gender]:
                continue
            person = people.Person(first, "", gender, locale)
            forms = people.name_forms(locale, person)
            inflected = [
                written for case, (written, _v) in forms.items() if case in locale.cases and written != first
            ]
            labels = [row["scene_name"] or "", row["room_name"] or ""]
            if any(occurs(form, label) for form in inflected for label in labels):
                found.add(locale.locale)
    assert set(INFLECTING) <= found


@pytest.mark.parametrize(
    ("locale", "case", "name", "gender", "written", "value"),
    [
        ("de_DE", "gen", "Maria", "female", "Marias", "Marias"),
        ("de_DE", "gen", "Jonas", "male", "Jonas'", "Jonas"),
        ("nl_NL", "gen", "Anna", "female", "Anna's", "Anna"),
        ("nl_NL", "gen", "Kees", "male", "Kees'", "Kees"),
        ("nl_NL", "gen", "Daan", "male", "Daans", "Daans"),
        ("sv_SE", "gen", "Lars", "male", "Lars", "Lars"),
        ("sv_SE", "gen", "Anna", "female", "Annas", "Annas"),
        ("en_US", "poss", "Anna", "female", "Anna's", "Anna"),
        ("en_GB", "poss", "James", "male", "James'", "James"),
        ("pl_PL", "gen", "Maria", "female", "Marii", "Marii"),
        ("pl_PL", "gen", "Zosia", "female", "Zosi", "Zosi"),
        ("pl_PL", "gen", "Agnieszka", "female", "Agnieszki", "Agnieszki"),
        ("pl_PL", "gen", "Anna", "female", "Anny", "Anny"),
        ("pl_PL", "gen", "Jan", "male", "Jana", "Jana"),
        ("pl_PL", "gen", "Marek", "male", "Marka", "Marka"),
        ("pl_PL", "gen", "Paweł", "male", "Pawła", "Pawła"),
        ("pl_PL", "gen", "Jerzy", "male", "Jerzego", "Jerzego"),
        ("pl_PL", "gen", "Maja", "female", "Mai", "Mai"),
        ("cs_CZ", "gen", "Jana", "female", "Jany", "Jany"),
        ("cs_CZ", "gen", "Marie", "female", "Marie", "Marie"),
        ("cs_CZ", "acc", "Marie", "female", "Marii", "Marii"),
        ("cs_CZ", "acc", "Jana", "female", "Janu", "Janu"),
        ("cs_CZ", "acc", "Petr", "male", "Petra", "Petra"),
        ("cs_CZ", "gen", "Tomáš", "male", "Tomáše", "Tomáše"),
        ("cs_CZ", "gen", "Jiří", "male", "Jiřího", "Jiřího"),
        ("cs_CZ", "gen", "Pavel", "male", "Pavla", "Pavla"),
        ("tr_TR", "gen", "Ayşe", "female", "Ayşe'nin", "Ayşe"),
        ("tr_TR", "gen", "Mehmet", "male", "Mehmet'in", "Mehmet"),
        ("tr_TR", "gen", "Fatma", "female", "Fatma'nın", "Fatma"),
        ("tr_TR", "gen", "Oğuz", "male", "Oğuz'un", "Oğuz"),
        ("tr_TR", "gen", "Gül", "female", "Gül'ün", "Gül"),
        ("fr_FR", "de", "Hélène", "female", "d'Hélène", "Hélène"),
        ("fr_FR", "de", "Marie", "female", "de Marie", "Marie"),
    ],
)
def test_inflection_rules(locale: str, case: str, name: str, gender: str, written: str, value: str) -> None:
    lc = {x.locale: x for x in model.load_locales()}[locale]
    assert people.inflect(lc, case, name, gender) == (written, value)


def test_every_name_of_every_locale_inflects_in_every_case() -> None:
    locales = model.load_locales()
    latin = [lc for lc in locales if lc.name_order == "given_family"]
    for lc in locales:
        guests = latin if lc.name_order == "given_family" else [lc]
        for origin in guests:
            for gender in ("female", "male"):
                for first in origin.first_names[gender]:
                    for case in lc.cases:
                        written, value = people.inflect(lc, case, first, gender)
                        assert value and occurs(value, written), (lc.locale, case)

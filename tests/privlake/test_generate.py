"""The sample generator: deterministic files, a truthful answer key, really-bad bad lines.

No Spark here: the landing files are read back with ``gzip`` and ``json`` and checked
against the dataset schemas of the shipped configuration, the single source of truth for
columns, types and required fields.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers
import pytest

from privlake.config import DatasetConfig, load_config
from privlake.generator import (
    DUPLICATE_REASON,
    LOOKALIKE_ENTITY_TYPES,
    MALFORMED_REASONS,
    MAX_LINE_BYTES,
    PII_ENTITY_TYPES,
    GenerationSummary,
    generate_day,
    load_bad_lines,
    load_truth,
)

REPO = Path(__file__).resolve().parents[2]
DAY = dt.date(2026, 11, 28)
ACCOUNTS = 40
ROWS = 1500
FREE_TEXT_FIELDS = {"message", "scene_name", "room_name"}
MAC_NOTATIONS = (
    r"[0-9a-f]{2}(:[0-9a-f]{2}){5}",  # aa:bb:cc:dd:ee:ff
    r"[0-9A-F]{2}(-[0-9A-F]{2}){5}",  # AA-BB-CC-DD-EE-FF
    r"[0-9a-f]{4}(\.[0-9a-f]{4}){2}",  # aabb.ccdd.eeff
    r"[0-9a-f]{12}",  # aabbccddeeff
)
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "long": (int,),
    "int": (int,),
    "double": (float, int),
    "boolean": (bool,),
}


@dataclass
class GeneratedDay:
    summary: GenerationSummary
    lines: dict[str, list[bytes]]  # raw landing lines per dataset, line N at index N - 1
    bad: list[dict[str, Any]]
    truth: list[dict[str, Any]]

    def bad_line_numbers(self, dataset: str) -> set[int]:
        return {b["line_number"] for b in self.bad if b["dataset"] == dataset}

    def landing_file(self, dataset: str) -> str:
        """The file as bad_lines.jsonl names it: relative to the landing root."""
        path = self.summary.files[dataset]
        return path.relative_to(path.parents[2]).as_posix()

    def rows(self, dataset: str) -> dict[str, dict[str, Any]]:
        """Valid rows by their key (event_id; account_id for the accounts snapshot)."""
        key = "account_id" if dataset == "accounts" else "event_id"
        skip = self.bad_line_numbers(dataset)
        parsed = (json.loads(line) for n, line in enumerate(self.lines[dataset], 1) if n not in skip)
        return {row[key]: row for row in parsed}


def read_lines(path: Path) -> list[bytes]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")


def generate(root: Path, **kwargs: object) -> GeneratedDay:
    options: dict[str, object] = {"accounts": ACCOUNTS, "rows": ROWS, **kwargs}
    day = options.pop("day", DAY)
    assert isinstance(day, dt.date)
    summary = generate_day(root / "landing", day, **options)  # type: ignore[arg-type]
    truth_dir = summary.truth_path.parent.parent
    return GeneratedDay(
        summary=summary,
        lines={name: read_lines(path) for name, path in summary.files.items()},
        bad=load_bad_lines(truth_dir, day),
        truth=load_truth(truth_dir, day),
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> GeneratedDay:
    return generate(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def schemas() -> dict[str, DatasetConfig]:
    return dict(load_config(REPO / "conf" / "privlake.yaml").datasets)


def all_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- layout and determinism ------------------------------------------------------------


def test_layout_follows_the_landing_contract(sample: GeneratedDay, tmp_path: Path) -> None:
    assert {name: sample.landing_file(name) for name in sample.summary.files} == {
        "device_logs": "device_logs/dt=2026-11-28/part-00000.jsonl.gz",
        "usage_history": "usage_history/dt=2026-11-28/part-00000.jsonl.gz",
        "accounts": "accounts/dt=2026-11-28/part-00000.jsonl",
    }
    truth = sample.summary.truth_path
    assert truth.parent.name == "dt=2026-11-28" and truth.parent.parent.name == "ground_truth"
    assert truth.parent.parent.parent == sample.summary.files["accounts"].parents[3]
    # gzip header: no file name flag, mtime 0, so the bytes never depend on when or where
    header = sample.summary.files["device_logs"].read_bytes()[:10]
    assert header[3] & 0x08 == 0 and header[4:8] == b"\0\0\0\0"


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", rows=300, accounts=12)
    generate(tmp_path / "b", rows=300, accounts=12)
    first, second = all_files(tmp_path / "a"), all_files(tmp_path / "b")
    assert len(first) == 5
    assert first == second


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    generate(tmp_path / "a", rows=300, accounts=12, seed=7)
    generate(tmp_path / "b", rows=300, accounts=12, seed=8)
    first, second = all_files(tmp_path / "a"), all_files(tmp_path / "b")
    assert first.keys() == second.keys()
    assert all(first[name] != second[name] for name in first)


def test_subjects_persist_across_days_while_events_change(sample: GeneratedDay, tmp_path: Path) -> None:
    next_day = generate(tmp_path, day=DAY + dt.timedelta(days=1))
    assert next_day.rows("accounts") == sample.rows("accounts")
    devices_today = {(r["account_id"], r["device_serial"]) for r in sample.rows("device_logs").values()}
    devices_tomorrow = {(r["account_id"], r["device_serial"]) for r in next_day.rows("device_logs").values()}
    assert len(devices_today & devices_tomorrow) > 0.8 * len(devices_today | devices_tomorrow)
    assert not sample.rows("device_logs").keys() & next_day.rows("device_logs").keys()


# --- rows match the contract -------------------------------------------------------------


def test_valid_rows_have_the_contract_fields_and_types(
    sample: GeneratedDay, schemas: dict[str, DatasetConfig]
) -> None:
    for dataset, schema in schemas.items():
        rows = sample.rows(dataset)
        assert len(rows) == sample.summary.datasets[dataset].rows
        for row in rows.values():
            assert row.keys() == schema.columns.keys(), dataset
            for name, column in schema.columns.items():
                value = row[name]
                if value is None:
                    assert not column.required, f"{dataset}.{name} is required"
                elif column.type == "array<string>":
                    assert isinstance(value, list) and all(isinstance(v, str) for v in value)
                else:
                    assert isinstance(value, JSON_TYPES[column.type]), f"{dataset}.{name}={value!r}"
                    assert column.type == "boolean" or not isinstance(value, bool)


def test_row_counts_and_identifier_formats(sample: GeneratedDay) -> None:
    assert sample.summary.rows == {"accounts": ACCOUNTS, "device_logs": ROWS, "usage_history": ROWS // 2}
    accounts = sample.rows("accounts")
    assert all(re.fullmatch(r"acc-\d{10}", account_id) for account_id in accounts)
    devices: dict[str, set[str]] = {}
    for row in sample.rows("device_logs").values():
        assert row["account_id"] in accounts
        assert re.fullmatch(r"[0-9A-F]{16}", row["device_serial"])
        devices.setdefault(row["account_id"], set()).add(row["device_serial"])
        when = dt.datetime.fromisoformat(row["event_time"])
        assert when.utcoffset() is not None and when.astimezone(dt.UTC).date() == DAY
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", row["event_time"])
    assert max(len(serials) for serials in devices.values()) > 1
    assert all(1 <= len(serials) <= 4 for serials in devices.values())


# --- ground truth ------------------------------------------------------------------------


def test_truth_records_have_the_documented_shape(sample: GeneratedDay) -> None:
    assert sum(ds.planted for ds in sample.summary.datasets.values()) == len(sample.truth)
    for record in sample.truth:
        assert list(record) == ["dataset", "event_id", "account_id", "field", "entity_type", "value", "kind"]
        if record["kind"] == "pii":
            assert record["entity_type"] in PII_ENTITY_TYPES and record["account_id"] is not None
        else:
            assert record["kind"] == "lookalike" and record["entity_type"] in LOOKALIKE_ENTITY_TYPES


def test_every_free_text_plant_occurs_in_its_row(sample: GeneratedDay) -> None:
    rows = {name: sample.rows(name) for name in ("device_logs", "usage_history")}
    checked = 0
    for record in sample.truth:
        if record["field"] in FREE_TEXT_FIELDS:
            text = rows[record["dataset"]][record["event_id"]][record["field"]]
            assert record["value"] in text, record
            checked += 1
    assert checked > ROWS / 2


def test_every_structured_truth_value_equals_its_field(sample: GeneratedDay) -> None:
    rows = {name: sample.rows(name) for name in ("device_logs", "usage_history", "accounts")}
    accounts = rows["accounts"]
    fields_seen = set()
    for record in sample.truth:
        column = record["field"]
        if column in FREE_TEXT_FIELDS:
            continue
        fields_seen.add(column)
        row = rows[record["dataset"]][record["event_id"]]
        if column == "wifi_networks":  # one record per SSID; the owner may be a neighbour
            assert record["value"] in row[column]
            assert record["account_id"] in accounts
        else:
            assert row[column] == record["value"], record
            assert record["kind"] == "lookalike" or record["account_id"] == row["account_id"]
    assert fields_seen == {
        "account_id", "device_serial", "ip_address", "mac_address", "wifi_networks", "firmware",
        "client_ip", "app_version", "email", "phone", "username", "display_name",
    }  # fmt: skip


def test_every_row_has_its_subject_in_the_truth(sample: GeneratedDay) -> None:
    keyed = {(r["dataset"], r["event_id"]) for r in sample.truth if r["field"] == "account_id"}
    for dataset in ("device_logs", "usage_history", "accounts"):
        assert all((dataset, key) in keyed for key in sample.rows(dataset))


def test_all_personal_data_types_are_planted_in_free_text(sample: GeneratedDay) -> None:
    planted = Counter(r["entity_type"] for r in sample.truth if r["field"] in FREE_TEXT_FIELDS)
    assert set(PII_ENTITY_TYPES) - {"ACCOUNT_ID"} <= planted.keys()
    assert set(LOOKALIKE_ENTITY_TYPES) <= planted.keys()


def test_free_text_values_take_their_real_world_forms(sample: GeneratedDay) -> None:
    values: dict[str, set[str]] = {}
    for record in sample.truth:
        values.setdefault(record["entity_type"], set()).add(record["value"])
    for notation in MAC_NOTATIONS:
        assert any(re.fullmatch(notation, mac) for mac in values["MAC_ADDRESS"]), notation
    ips = values["IP_ADDRESS"]
    assert any(re.fullmatch(r"\d+(\.\d+){3}", ip) for ip in ips)
    assert any(":" in ip for ip in ips)
    assert any(re.fullmatch(r"\d+(-\d+){3}", ip) for ip in ips)  # inside host-1-2-3-4.isp names
    assert any("+" in email.split("@")[0] for email in values["EMAIL_ADDRESS"])
    assert any(email.split("@")[1].count(".") >= 2 for email in values["EMAIL_ADDRESS"])
    assert any(not name.isascii() for name in values["PERSON"])
    assert any(not ssid.isascii() for ssid in values["WIFI_SSID"])
    assert all(re.fullmatch(r"\d{15}", imei) and luhn_valid(imei) for imei in values["IMEI"])
    phones = values["PHONE_NUMBER"]
    assert any(p.startswith("+") and " " in p for p in phones) and any(p.startswith("0") for p in phones)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def test_phone_numbers_are_valid_for_their_subjects_country(sample: GeneratedDay) -> None:
    country = {key: row["country_code"] for key, row in sample.rows("accounts").items()}
    phones = {(r["value"], r["account_id"]) for r in sample.truth if r["entity_type"] == "PHONE_NUMBER"}
    assert phones
    for phone, owner in phones:
        number = phonenumbers.parse(phone, country[owner])
        assert phonenumbers.is_valid_number(number), "a planted phone number is not valid"


def test_lookalikes_occur_with_their_formats(sample: GeneratedDay) -> None:
    formats = {
        "FIRMWARE_VERSION": r"\d+\.\d+\.\d+_\d{4}",
        "TIMESTAMP": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
        "HEX_CODE": r"E?0x[0-9A-F]{4}",
        "SENSOR_READING": r"\d+(\.\d+)?(C|%| hPa|V)",
        "MODEL_NAME": r"[a-z]+\.[a-z_]+\.[a-z0-9]+",
        "APP_VERSION": r"\d+\.\d+\.\d+",
    }
    lookalikes = [r for r in sample.truth if r["kind"] == "lookalike"]
    assert {r["entity_type"] for r in lookalikes} == set(formats)
    for record in lookalikes:
        assert re.fullmatch(formats[record["entity_type"]], record["value"]), record
        assert record["account_id"] is None


def test_some_lines_name_another_subject(sample: GeneratedDay) -> None:
    rows = sample.rows("device_logs")
    foreign = [
        r for r in sample.truth
        if r["field"] == "message" and r["account_id"] != rows[r["event_id"]]["account_id"]
    ]  # fmt: skip
    assert {r["entity_type"] for r in foreign} >= {"EMAIL_ADDRESS", "PERSON"}


def test_about_half_the_log_lines_hold_no_personal_data(sample: GeneratedDay) -> None:
    personal = {r["event_id"] for r in sample.truth if r["field"] == "message" and r["kind"] == "pii"}
    share_clean = 1 - len(personal) / ROWS
    assert 0.4 <= share_clean <= 0.6
    messages = Counter(row["message"] for row in sample.rows("device_logs").values())
    assert messages["heartbeat ok"] > ROWS * 0.05  # templated lines repeat, as real logs do


# --- bad lines ---------------------------------------------------------------------------


def defect(line: bytes, schema: DatasetConfig) -> str | None:
    """The reason a line is bad, judged independently of the generator (None: good)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_utf8"
    if "\0" in text:
        return "nul_byte"
    if len(line) > MAX_LINE_BYTES:
        return "oversize_line"
    try:
        row = json.loads(text)
    except json.JSONDecodeError:
        return "invalid_json"
    if row.keys() - schema.columns.keys():
        return "unknown_field"
    if any(row.get(name) is None for name, column in schema.columns.items() if column.required):
        return "missing_required_field"
    for name, value in row.items():
        column_type = schema.columns[name].type
        if value is None:
            continue
        if column_type == "array<string>":
            if not isinstance(value, list):
                return "wrong_type"
        elif not isinstance(value, JSON_TYPES[column_type]) or (
            isinstance(value, bool) and column_type != "boolean"
        ):
            return "wrong_type"
    return None


def test_bad_lines_record_matches_the_landing_files(
    sample: GeneratedDay, schemas: dict[str, DatasetConfig]
) -> None:
    for dataset, schema in schemas.items():
        recorded = {b["line_number"]: b for b in sample.bad if b["dataset"] == dataset}
        lines = sample.lines[dataset]
        assert len(lines) == sample.summary.datasets[dataset].rows + len(recorded)
        assert sample.summary.datasets[dataset].bad_lines == len(recorded)
        reasons = Counter(b["reason"] for b in recorded.values())
        assert reasons.keys() == {*MALFORMED_REASONS, DUPLICATE_REASON} and reasons[DUPLICATE_REASON] == 1
        key = schema.key
        first_line_of_key: dict[str, int] = {}
        for number, line in enumerate(lines, 1):
            found = defect(line, schema)
            entry = recorded.get(number)
            if entry is not None:
                assert entry["file"] == sample.landing_file(dataset)
            if entry is not None and entry["reason"] == DUPLICATE_REASON:
                assert found is None
                original = first_line_of_key[json.loads(line)[key]]
                assert lines[original - 1] == line and original < number
            elif entry is not None:
                assert found == entry["reason"], (dataset, number)
            else:
                assert found is None, (dataset, number, found)
                row_key = json.loads(line)[key]
                assert row_key not in first_line_of_key, "an unrecorded duplicate key"
                first_line_of_key[row_key] = number


def test_malformed_lines_carry_no_planted_value(sample: GeneratedDay) -> None:
    values = {r["value"] for r in sample.truth}
    for entry in sample.bad:
        if entry["reason"] == DUPLICATE_REASON:
            continue  # a verbatim repeat of a planted row, by design
        line = sample.lines[entry["dataset"]][entry["line_number"] - 1]
        text = line.decode("utf-8", errors="replace")
        assert not [v for v in values if v in text], entry


def test_bad_lines_can_be_switched_off(tmp_path: Path) -> None:
    day = generate(tmp_path, rows=200, accounts=10, bad_lines=False)
    assert day.bad == []
    assert {name: len(lines) for name, lines in day.lines.items()} == day.summary.rows
    assert all(ds.bad_lines == 0 for ds in day.summary.datasets.values())


def test_load_truth_names_a_missing_day(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="2026-01-01"):
        load_truth(tmp_path, dt.date(2026, 1, 1))

"""Malformed and duplicate landing lines, planted to exercise quarantine.

About one line per 1000 rows, every reason at least once, each line with exactly one
defect; they are built from a row of nobody, so they carry no ground-truth value.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from privlake.generator.files import ACCOUNTS, DEVICE_LOGS, USAGE_HISTORY, encode_row
from privlake.generator.identities import Subject, new_account_id, unique

# The ingest default (conf: ingest.max_line_bytes); an oversize line must exceed it.
MAX_LINE_BYTES = 65536

MALFORMED_REASONS = (
    "invalid_json",
    "missing_required_field",
    "wrong_type",
    "unknown_field",
    "invalid_utf8",
    "nul_byte",
    "oversize_line",
)
DUPLICATE_REASON = "duplicate_key"
BAD_LINES_PER_ROW = 1 / 1000


@dataclass(frozen=True)
class BadLinePlan:
    """Where malformed lines go: before which valid row, and which valid row is repeated."""

    before_row: dict[int, list[str]]
    duplicate_source: int | None
    duplicate_before: int | None


def plan_bad_lines(rng: random.Random, rows: int, enabled: bool) -> BadLinePlan:
    """About one malformed line per 1000 rows, every reason at least once, spread through the file."""
    if not enabled:
        return BadLinePlan({}, None, None)
    count = max(len(MALFORMED_REASONS), round(rows * BAD_LINES_PER_ROW))
    before_row: dict[int, list[str]] = {}
    for i in range(count):
        before_row.setdefault(rng.randrange(rows + 1), []).append(
            MALFORMED_REASONS[i % len(MALFORMED_REASONS)]
        )
    if rows == 0:
        return BadLinePlan(before_row, None, None)
    source = rng.randrange(max(1, rows // 2))
    return BadLinePlan(before_row, source, rng.randrange(source + 1, rows + 1))


class BadLineRecorder:
    """Appends to ``bad_lines.jsonl``: which line of which landing file is bad, and why."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def record(self, dataset: str, file: str, line_number: int, reason: str) -> None:
        entry = {"dataset": dataset, "file": file, "line_number": line_number, "reason": reason}
        self._out.write(json.dumps(entry, separators=(",", ":")) + "\n")


def phantom_row(
    dataset: str, rng: random.Random, day: dt.date, subjects: Sequence[Subject]
) -> dict[str, object]:
    """A minimal valid row of nobody: malformed lines are built from it so they carry no truth value."""
    account_id = unique(new_account_id(rng), {s.account_id for s in subjects}, lambda: new_account_id(rng))
    stamp = dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(seconds=rng.randrange(86400))
    event = {
        "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "event_time": stamp.isoformat(timespec="milliseconds"),
    }
    if dataset == DEVICE_LOGS:
        # Letters only: a run of digits could spell someone's IMEI or phone number.
        serial = "".join(rng.choice("ABCDEF") for _ in range(16))
        return {
            **event,
            "account_id": account_id,
            "device_serial": serial,
            "memory_mb": 128,
            "level": "DEBUG",
            "message": "heartbeat ok",
        }
    if dataset == USAGE_HISTORY:
        return {**event, "account_id": account_id, "action": "switch_on", "duration_ms": 120, "value": "on"}
    return {
        "account_id": account_id,
        "country_code": "DE",
        "is_installer": False,
        "marketing_opt_in": False,
        "birth_year": 1980,
    }


# Per dataset: the field a wrong type or an oversize blob goes into, and an undeclared field.
WRONG_TYPE_FIELD = {
    DEVICE_LOGS: ("memory_mb", "128MB"),
    USAGE_HISTORY: ("duration_ms", "120ms"),
    ACCOUNTS: ("birth_year", "1980"),
}
OVERSIZE_FIELD = {DEVICE_LOGS: "message", USAGE_HISTORY: "value", ACCOUNTS: "country_code"}
UNKNOWN_FIELD = {
    DEVICE_LOGS: ("firmware_channel", "beta"),
    USAGE_HISTORY: ("session_hint", "tablet"),
    ACCOUNTS: ("legacy_tier", "gold"),
}
TEXT_FIELD = {DEVICE_LOGS: "message", USAGE_HISTORY: "action", ACCOUNTS: "country_code"}
REQUIRED_TO_DROP = {DEVICE_LOGS: "account_id", USAGE_HISTORY: "event_time", ACCOUNTS: "account_id"}


def malformed_line(dataset: str, reason: str, row: dict[str, object]) -> bytes:
    """One line with exactly one defect, so it earns ``reason`` whatever order checks run in."""
    text_field = TEXT_FIELD[dataset]
    marker = "\u241f"  # stands in for the raw bytes spliced in after encoding
    if reason == "invalid_json":
        encoded = encode_row(row)
        return encoded[: len(encoded) * 2 // 3]  # a line cut off mid-write
    if reason == "missing_required_field":
        return encode_row({k: v for k, v in row.items() if k != REQUIRED_TO_DROP[dataset]})
    if reason == "wrong_type":
        name, value = WRONG_TYPE_FIELD[dataset]
        return encode_row({**row, name: value})
    if reason == "unknown_field":
        name, value = UNKNOWN_FIELD[dataset]
        return encode_row({**row, name: value})
    if reason == "invalid_utf8":
        # Latin-1 bytes in a UTF-8 file, the classic mis-encoded export.
        return encode_row({**row, text_field: f"{row[text_field]}{marker}"}).replace(
            marker.encode(), b" \xe9\xff"
        )
    if reason == "nul_byte":
        return encode_row({**row, text_field: f"{row[text_field]}{marker}"}).replace(marker.encode(), b"\x00")
    if reason == "oversize_line":
        blob = "trace " * ((MAX_LINE_BYTES + 4096) // 6)
        return encode_row({**row, OVERSIZE_FIELD[dataset]: blob})
    raise ValueError(f"unknown bad-line reason {reason!r}; expected one of {MALFORMED_REASONS}")

"""The answer key of a generated day: what was planted where, for whom, and of what kind.

``planted.jsonl`` holds one record per personal value (``kind`` ``pii``, with the account
it identifies) or look-alike (``kind`` ``lookalike``) in a structured field or inside free
text; ``bad_lines.jsonl`` one per malformed or duplicate landing line. Records are written
as pre-rendered text (a head per row, a tail per value) because they are most of the
generator's output.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

Kind = Literal["pii", "lookalike"]
PII_ENTITY_TYPES = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "IP_ADDRESS",
    "MAC_ADDRESS",
    "IMEI",
    "DEVICE_SERIAL",
    "WIFI_SSID",
    "GPS_COORDINATE",
    "USERNAME",
    "PERSON",
    # The structured account_id column: the subject key itself.
    "ACCOUNT_ID",
)
LOOKALIKE_ENTITY_TYPES = (
    "FIRMWARE_VERSION",
    "TIMESTAMP",
    "HEX_CODE",
    "SENSOR_READING",
    "MODEL_NAME",
    "APP_VERSION",
)


Plant = tuple[str, Kind, str, str | None]  # entity type, kind, value, account id


@lru_cache(maxsize=1 << 16)
def _json_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def truth_tail(account_id: str | None, column: str, entity_type: str, value: str, kind: Kind) -> str:
    """The part of a truth record after its dataset and row key (precomputable per subject)."""
    owner = "null" if account_id is None else _json_text(account_id)
    return (
        f',"account_id":{owner},"field":"{column}","entity_type":"{entity_type}",'
        f'"value":{_json_text(value)},"kind":"{kind}"}}\n'
    )


def truth_head(dataset: str, row_key: str) -> str:
    return f'{{"dataset":"{dataset}","event_id":{json.dumps(row_key)}'  # unique: not worth caching


def free_text_truth(head: str, column: str, plants: list[Plant]) -> str:
    return "".join(
        head + truth_tail(owner, column, entity, value, kind) for entity, kind, value, owner in plants
    )


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_truth(truth_dir: Path, day: dt.date) -> list[dict[str, Any]]:
    """The planted values of one day: dataset, event_id, account_id, field, entity_type, value, kind."""
    path = Path(truth_dir) / f"dt={day.isoformat()}" / "planted.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"no ground truth for {day} at {path}; run generate_day for that day first")
    return _read_jsonl(path)


def load_bad_lines(truth_dir: Path, day: dt.date) -> list[dict[str, Any]]:
    """The malformed and duplicate lines of one day: dataset, file, line_number, reason."""
    path = Path(truth_dir) / f"dt={day.isoformat()}" / "bad_lines.jsonl"
    if not path.exists():
        raise FileNotFoundError(
            f"no bad-line record for {day} at {path}; run generate_day for that day first"
        )
    return _read_jsonl(path)

"""How many planted personal values in free text survive an approach, from the ground truth.

The generator's truth file is large (about 1.9 KB per device-log row), so it is streamed
and only the records planted in free-text columns are kept. Scoring is
``privlake.evaluate.score`` (case-insensitive, word-bounded search of each planted value
in its own row), on tables that hold only each row's key and free-text columns: the
Presidio sample touches nothing else, so both approaches are judged on the same text.
Counts only; no value is ever printed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from privlake.config import PrivlakeConfig
from privlake.evaluate import Row, score

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from privlake.pseudonym import PseudonymKey


@dataclass(frozen=True)
class Survival:
    """Planted personal values in free text and how many survive; look-alikes kept intact."""

    rows: int  # rows the score covers
    planted: int
    survived: int
    lookalikes: int
    intact: int

    @property
    def share(self) -> float | None:
        return self.survived / self.planted if self.planted else None

    @property
    def intact_share(self) -> float | None:
        return self.intact / self.lookalikes if self.lookalikes else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "share": self.share, "intact_share": self.intact_share}


def free_text_fields(config: PrivlakeConfig) -> dict[str, tuple[str, ...]]:
    """Free-text columns per dataset (datasets without any are left out)."""
    fields = {
        name: tuple(c for c, spec in dataset.columns.items() if spec.role == "free_text")
        for name, dataset in config.datasets.items()
    }
    return {name: columns for name, columns in fields.items() if columns}


def free_text_truth(truth_path: Path, config: PrivlakeConfig) -> list[dict[str, Any]]:
    """The truth records planted in a free-text column, streamed from ``planted.jsonl``."""
    wanted = {(name, column) for name, columns in free_text_fields(config).items() for column in columns}
    markers = tuple(f'"field":"{column}"' for _, column in wanted)
    records = []
    with truth_path.open(encoding="utf-8") as lines:
        for line in lines:
            if not any(marker in line for marker in markers):  # skip most lines unparsed
                continue
            record = json.loads(line)
            if (record["dataset"], record["field"]) in wanted:
                records.append(record)
    return records


def free_text_rows(df: DataFrame, key: str, columns: Iterable[str]) -> list[Row]:
    """``df``'s key and free-text columns as ``privlake.evaluate`` rows (column -> strings)."""
    names = [key, *columns]
    return [
        {name: [] if value is None else [str(value)] for name, value in zip(names, row, strict=True)}
        for row in df.select(*names).toLocalIterator()
    ]


def survival(
    truth: Iterable[Mapping[str, Any]],
    tables: Mapping[str, list[Row]],
    config: PrivlakeConfig,
    key: PseudonymKey,
    day: dt.date,
    only_rows: Mapping[str, Collection[str]] | None = None,
) -> Survival:
    """Score ``tables`` against ``truth``; with ``only_rows``, only those row keys count."""
    records = list(_restricted(truth, only_rows)) if only_rows is not None else list(truth)
    report = score(records, tables, config, key, day)
    rows = (
        sum(len(keys) for keys in only_rows.values())
        if only_rows is not None
        else sum(len(rows) for rows in tables.values())
    )
    total = report.free_text
    return Survival(rows, total.planted, total.survived, total.lookalikes, total.intact)


def _restricted(
    truth: Iterable[Mapping[str, Any]], only_rows: Mapping[str, Collection[str]]
) -> Iterator[Mapping[str, Any]]:
    keys = {name: set(values) for name, values in only_rows.items()}
    for record in truth:
        if str(record["event_id"]) in keys.get(record["dataset"], ()):
            yield record

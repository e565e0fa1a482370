"""How many planted personal values in free text survive an approach, from the ground truth.

The generator's truth file is large (about 1.9 KB per device-log row), so it is streamed
and only the records planted in free-text columns are kept. Scoring is
``privlake.evaluate.score``, passed in with its configuration bound as a ``Scorer``
(case-insensitive, word-bounded search of each planted value in its own row), on tables
that hold only each row's key and free-text columns: the Presidio sample touches nothing
else, so both approaches are judged on the same text.
Counts only; no value is ever printed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from privlake.config import PrivlakeConfig
from privlake.evaluate import EvaluationReport, Row, Tally

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


@dataclass
class Survival(Tally):
    """Free-text counts of ``privlake.evaluate`` (planted, survived, look-alikes, intact) and
    the number of rows they cover."""

    rows: int = 0

    @property
    def share(self) -> float | None:
        return self.survival

    def as_dict(self) -> dict[str, Any]:
        counts = {name: value for name, value in asdict(self).items() if name != "rows"}
        return {"rows": self.rows, **counts, "share": self.share, "intact_share": self.intact_share}


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


# privlake.evaluate.score with the day's configuration, key and date bound: (truth, tables) -> report.
Scorer = Callable[[list[Mapping[str, Any]], Mapping[str, list[Row]]], EvaluationReport]


def survival(
    truth: Iterable[Mapping[str, Any]],
    tables: Mapping[str, list[Row]],
    scorer: Scorer,
    only_rows: Mapping[str, Collection[str]] | None = None,
) -> Survival:
    """Score ``tables`` against ``truth``; with ``only_rows``, only those row keys count."""
    records = list(_restricted(truth, only_rows)) if only_rows is not None else list(truth)
    report = scorer(records, tables)
    rows = (
        sum(len(keys) for keys in only_rows.values())
        if only_rows is not None
        else sum(len(rows) for rows in tables.values())
    )
    total = report.free_text
    return Survival(total.planted, total.survived, total.lookalikes, total.intact, rows=rows)


def _restricted(
    truth: Iterable[Mapping[str, Any]], only_rows: Mapping[str, Collection[str]]
) -> Iterator[Mapping[str, Any]]:
    keys = {name: set(values) for name, values in only_rows.items()}
    for record in truth:
        if str(record["event_id"]) in keys.get(record["dataset"], ()):
            yield record

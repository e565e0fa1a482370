"""One generated day: the three datasets, their bad lines and their ground truth."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from privlake.generator.accounts import account_rows
from privlake.generator.bad_lines import (
    DUPLICATE_REASON,
    BadLineRecorder,
    malformed_line,
    phantom_row,
    plan_bad_lines,
)
from privlake.generator.context import DayContext
from privlake.generator.device_logs import device_log_rows
from privlake.generator.files import ACCOUNTS, DEVICE_LOGS, USAGE_HISTORY, open_landing
from privlake.generator.identities import build_subjects
from privlake.generator.usage import usage_history_rows


@dataclass(frozen=True)
class DatasetSummary:
    """What was written for one dataset: ``rows`` valid rows plus ``bad_lines`` bad ones."""

    dataset: str
    path: Path
    rows: int
    bad_lines: int
    planted: int


@dataclass(frozen=True)
class GenerationSummary:
    """The files of one generated day and how much each holds."""

    day: dt.date
    datasets: dict[str, DatasetSummary]
    truth_path: Path
    bad_lines_path: Path

    @property
    def rows(self) -> dict[str, int]:
        return {name: ds.rows for name, ds in self.datasets.items()}

    @property
    def files(self) -> dict[str, Path]:
        return {name: ds.path for name, ds in self.datasets.items()}


@dataclass(frozen=True)
class DatasetWriter:
    """Writes one dataset's landing file, its bad lines and its truth records."""

    day_ctx: DayContext
    dataset: str
    suffix: str
    rows: int

    def write(self, rows: Iterator[tuple[bytes, str]]) -> DatasetSummary:
        """``rows`` yields (encoded row, truth records for it); bad lines are interleaved here."""
        ctx = self.day_ctx
        rng = random.Random(f"privlake:{ctx.seed}:{ctx.day.isoformat()}:{self.dataset}:bad")
        plan = plan_bad_lines(rng, self.rows, ctx.bad_lines)
        path = ctx.landing_path(self.dataset, self.suffix)
        relative = path.relative_to(ctx.out).as_posix()
        bad = planted = 0
        duplicate: bytes | None = None
        with open_landing(path) as landing:
            for index in range(self.rows + 1):
                for reason in plan.before_row.get(index, ()):
                    line = malformed_line(
                        self.dataset, reason, phantom_row(self.dataset, rng, ctx.day, ctx.subjects)
                    )
                    ctx.bad.record(self.dataset, relative, landing.write(line), reason)
                    bad += 1
                if index == plan.duplicate_before and duplicate is not None:
                    ctx.bad.record(self.dataset, relative, landing.write(duplicate), DUPLICATE_REASON)
                    bad += 1
                if index == self.rows:  # the last pass only places bad lines after the last row
                    break
                encoded, truth = next(rows)
                landing.write(encoded)
                ctx.truth.write(truth)
                planted += truth.count("\n")
                if index == plan.duplicate_source:
                    duplicate = encoded
        return DatasetSummary(self.dataset, path, self.rows, bad, planted)


def generate_day(
    out: Path,
    day: dt.date,
    accounts: int = 200,
    rows: int = 5000,
    seed: int = 7,
    truth_dir: Path | None = None,
    bad_lines: bool = True,
) -> GenerationSummary:
    """Write one day of landing data under ``out`` and its ground truth under ``truth_dir``.

    ``rows`` is the number of valid device_logs rows; usage_history gets half as many and
    accounts one row per account. Malformed lines (and one duplicate per dataset) come on
    top and are listed in ``bad_lines.jsonl``; ``planted.jsonl`` lists every planted value.
    """
    if accounts < 1:
        raise ValueError(f"accounts must be at least 1, got {accounts}")
    if rows < 0:
        raise ValueError(f"rows must not be negative, got {rows}")
    out = Path(out)
    truth_root = Path(truth_dir) if truth_dir is not None else out.parent / "ground_truth"
    truth_day = truth_root / f"dt={day.isoformat()}"
    truth_day.mkdir(parents=True, exist_ok=True)
    truth_path, bad_path = truth_day / "planted.jsonl", truth_day / "bad_lines.jsonl"
    subjects = build_subjects(seed, accounts)
    with (
        truth_path.open("w", encoding="utf-8", newline="") as truth,
        bad_path.open("w", encoding="utf-8", newline="") as bad,
    ):
        ctx = DayContext(day, seed, out, subjects, truth, BadLineRecorder(bad), bad_lines)
        usage_count = rows // 2
        summaries = [
            DatasetWriter(ctx, ACCOUNTS, ".jsonl", len(subjects)).write(account_rows(ctx)),
            DatasetWriter(ctx, DEVICE_LOGS, ".jsonl.gz", rows).write(device_log_rows(ctx, rows)),
            DatasetWriter(ctx, USAGE_HISTORY, ".jsonl.gz", usage_count).write(
                usage_history_rows(ctx, usage_count)
            ),
        ]
    return GenerationSummary(day, {s.dataset: s for s in summaries}, truth_path, bad_path)

"""The two corpora ``make bench`` measures on (issue 19, item 0), each with its ground truth.

* ``generator``: ``privlake generate``'s sample day (``privlake.generator``): N valid
  device_logs rows, N/2 usage_history rows, a few malformed lines and one duplicate per
  dataset (quarantined by ingest), and the accounts snapshot.
* ``independent``: ``bench/corpora``, written from the data contract without reading the
  detector (issue 18): N device_logs and N/2 usage_history rows, every line valid, in
  twelve locales. Its builder takes the row counts, so a day of about N rows is exact.

Both write ``<root>/landing/<dataset>/dt=D/`` and a ``planted.jsonl`` truth in the format
``privlake.evaluate`` reads, so survival is scored the same way on both
(``bench.survival``). A day that is not scored drops its truth (it would only fill the disk).
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from privlake.generator import DEVICE_LOGS, USAGE_HISTORY

GENERATOR, INDEPENDENT = "generator", "independent"
CORPORA = (GENERATOR, INDEPENDENT)
MEASURED = (DEVICE_LOGS, USAGE_HISTORY)  # the datasets whose rows are counted
INDEPENDENT_SEED_OFFSET = 4  # the corpus's own default seed is 11; the bench's 7 gives 11


@dataclass(frozen=True)
class CorpusDay:
    """One built day: rows per measured dataset, accounts, and its truth (None when dropped)."""

    corpus: str
    rows: dict[str, int]
    accounts: int
    truth_path: Path | None

    @property
    def measured_rows(self) -> int:
        return sum(self.rows.values())


def build_corpus_day(
    corpus: str, root: Path, day: dt.date, device_rows: int, accounts: int, seed: int, truth: bool = True
) -> CorpusDay:
    """Write one day of ``corpus`` under ``root``: ``device_rows`` device_logs rows and half
    as many usage_history rows, ``accounts`` subjects."""
    truth_dir = root / "truth"
    if corpus == GENERATOR:
        from privlake.generator import generate_day

        summary = generate_day(
            root / "landing", day, accounts=accounts, rows=device_rows, seed=seed, truth_dir=truth_dir
        )
        rows = {name: summary.rows[name] for name in MEASURED}
        truth_path = summary.truth_path
    elif corpus == INDEPENDENT:
        from bench.corpora.build import build_day

        counts = build_day(
            root / "landing",
            truth_dir,
            day,
            accounts=accounts,
            device_events=device_rows,
            usage_events=device_rows // 2,
            seed=seed + INDEPENDENT_SEED_OFFSET,
        )
        rows = {name: int(counts["rows"][name]) for name in MEASURED}
        truth_path = truth_dir / f"dt={day.isoformat()}" / "planted.jsonl"
    else:
        raise ValueError(f"unknown corpus {corpus!r}; one of {', '.join(CORPORA)}")
    if not truth:
        shutil.rmtree(truth_dir)
        return CorpusDay(corpus, rows, accounts, None)
    return CorpusDay(corpus, rows, accounts, truth_path)

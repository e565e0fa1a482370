"""Run records: the balance every job checks before it reports success."""

from __future__ import annotations

import datetime as dt

import pytest

from privlake.runlog import CountMismatchError, RunRecord


def record(reasons: dict[str, int], **counts: int) -> RunRecord:
    return RunRecord(job="ingest", dataset="accounts", day=dt.date(2026, 11, 28), reasons=reasons, **counts)


def test_a_balanced_record_passes() -> None:
    record(
        rows_in=5, rows_out=2, rows_quarantined=2, rows_dropped=1, reasons={"invalid_json": 2}
    ).check_balance()


def test_rows_not_accounted_for_fail() -> None:
    with pytest.raises(CountMismatchError, match="5 rows in"):
        record(rows_in=5, rows_out=2, rows_quarantined=2, reasons={"invalid_json": 2}).check_balance()


@pytest.mark.parametrize(
    "reasons",
    [{}, {"invalid_json": 1}, {"invalid_json": 2, "unknown_field": 1}],
    ids=["none", "too-few", "a-dropped-line's-reason"],
)
def test_quarantined_reasons_must_add_up_to_rows_quarantined(reasons: dict[str, int]) -> None:
    with pytest.raises(CountMismatchError, match="2 rows quarantined but"):
        record(rows_in=3, rows_out=0, rows_quarantined=2, rows_dropped=1, reasons=reasons).check_balance()

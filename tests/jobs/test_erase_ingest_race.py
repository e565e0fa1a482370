"""An erasure racing an ingest: whatever the interleaving, the subject ends absent and the request
completed.

Each mechanism has a deterministic test: an ingest whose subject lists change between its
screening and its commit (``ingest(before_commit=...)`` lists the subject at that moment)
screens again; an erasure whose verification finds rows written after its erase step (a
writer that commits just before the scan lists the files) erases again, with the retry in
the ledger and the evidence. Then ``RACE_ROUNDS`` rounds (2 in the suite;
``PRIVLAKE_RACE_ROUNDS=N`` runs more) run an ingest of a landing day holding a fresh
subject's rows and an erasure of that subject at the same time, from two threads with
randomized start delays, each in its own Spark session over one SparkContext (as two jobs
are; session settings such as commit tags stay apart); every round must end with the request
completed, no row of the subject in bronze, quarantine, restricted or silver, and a clean scan.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import threading
import traceback
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from anonymizers.pseudonym import pseudonymize
from privlake.config import PrivlakeConfig, load_config
from privlake.delta import ensure_table, table_exists
from privlake.ingestion import SCREENINGS, SubjectListsChanged, ingest
from privlake.keys import pseudonym_key
from privlake.privacy import erasure
from privlake.privacy.denylist import (
    DENY_LIST_TABLE,
    INGEST_ROUTED_BY,
    RESTRICTIONS_TABLE,
    add_subjects,
)
from privlake.privacy.erasure import ErasureFailed, erase
from privlake.privacy.erasure_tables import current_version_files
from privlake.privacy.evidence import RequestResult
from privlake.privacy.identifiers import MentionPattern
from privlake.privacy.ledger import COMPLETED, FAILED, request_history
from privlake.privacy.manifest import build_request
from privlake.privacy.verify import scan_lake
from privlake.runlog import RunRecord
from privlake.schema import bronze_schema, non_personal_columns
from tests.conftest import bronze_frame

DAY = dt.date(2026, 11, 28)
SUBJECT, OTHER = "acc-0000000301", "acc-0000000302"
SUBJECT_SERIAL, OTHER_SERIAL = "B1C2D3E4F5A60718", "0A0B0C0D0E0F1011"
# Kept small for the suite's time; set PRIVLAKE_RACE_ROUNDS to run the race many more times.
RACE_ROUNDS = int(os.environ.get("PRIVLAKE_RACE_ROUNDS", "2"))
ZONES = ("bronze", "quarantine", "restricted", "silver")


def log(event_id: str, account: str, serial: str, day: dt.date) -> dict[str, object]:
    return {
        "event_id": event_id,
        "event_time": f"{day}T10:00:00+00:00",
        "account_id": account,
        "device_serial": serial,
        "firmware": "4.1.7_0012",
        "level": "INFO",
        "message": "scene started",
    }


def write_landing_day(root: Path, day: dt.date, subject: str, serial: str) -> None:
    """Two good lines and one bad line (an undeclared field) of ``subject``, one line of another."""
    folder = root / "landing" / "device_logs" / f"dt={day}"
    folder.mkdir(parents=True, exist_ok=True)
    # event ids name no subject: they are kept in _delta_log statistics, which the scan reads
    rows = [log(f"{day}-{i}", subject, serial, day) for i in (1, 2)]
    rows.append(log(f"{day}-other", OTHER, OTHER_SERIAL, day))
    bad = {**log(f"{day}-bad", subject, serial, day), "extra_field": 1}
    (folder / "part-0.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [*rows, bad]))


def token(account: str, config: PrivlakeConfig) -> str:
    return pseudonymize(account, "account_id", pseudonym_key(config).secret)


def rows_of(spark: SparkSession, config: PrivlakeConfig, subject: str) -> dict[str, int]:
    """The subject's rows per zone of device_logs (raw id, quarantined raw line, or silver token)."""
    found = {}
    for zone in ZONES:
        path = config.table_path(zone, "device_logs")
        if not table_exists(spark, path):
            continue
        df = spark.read.format("delta").load(path)
        if zone == "quarantine":
            hit = F.col("raw_line").cast("string").contains(subject)
        elif zone == "silver":
            hit = F.col("account_id") == token(subject, config)
        else:
            hit = F.col("account_id") == subject
        found[zone] = df.where(hit).count()
    return found


def scan_is_clean(spark: SparkSession, config: PrivlakeConfig, subject: str) -> bool:
    """The erasure's own scan (current table versions and landing) for the subject's id and token."""
    raw = MentionPattern.of([("account_id", subject)])
    tokens = MentionPattern((re.escape(token(subject, config)),))
    return scan_lake(config, raw, tokens, current_version_files(spark, config)).passed


def stored_runs(spark: SparkSession, config: PrivlakeConfig, run_id: str) -> list[Any]:
    runs = spark.read.format("delta").load(config.table_path("privacy", "runs"))
    return runs.where(F.col("run_id") == run_id).collect()


@pytest.fixture()
def config(lake: Path) -> Iterator[PrivlakeConfig]:
    yield load_config()


# --- ingest: the lists change between screening and commit -------------------------------


def test_a_subject_erased_while_ingest_commits_is_screened_out(
    spark: SparkSession, lake: Path, config: PrivlakeConfig
) -> None:
    write_landing_day(lake, DAY, SUBJECT, SUBJECT_SERIAL)

    def erasure_lists_the_subject(screening: int) -> None:
        if screening == 1:  # the screen was read without it; nothing is written yet
            add_subjects(spark, config, DENY_LIST_TABLE, [token(SUBJECT, config)], "req-during-ingest")

    record = ingest(spark, config, "device_logs", DAY, before_commit=erasure_lists_the_subject)
    assert rows_of(spark, config, SUBJECT) == {"bronze": 0, "quarantine": 0}
    bronze = spark.read.format("delta").load(config.table_path("bronze", "device_logs"))
    assert [r.account_id for r in bronze.collect()] == [OTHER]
    assert (record.rows_in, record.rows_out, record.rows_quarantined, record.rows_dropped) == (4, 1, 0, 3)
    assert record.rescreens == 1
    [stored] = stored_runs(spark, config, record.run_id)
    assert (stored.rows_dropped, stored.rescreens) == (3, 1)


def test_a_subject_restricted_while_ingest_commits_goes_to_restricted(
    spark: SparkSession, lake: Path, config: PrivlakeConfig
) -> None:
    write_landing_day(lake, DAY, SUBJECT, SUBJECT_SERIAL)

    def restriction_lists_the_subject(screening: int) -> None:
        if screening == 1:
            add_subjects(spark, config, RESTRICTIONS_TABLE, [token(SUBJECT, config)], "req-restrict")

    record = ingest(spark, config, "device_logs", DAY, before_commit=restriction_lists_the_subject)
    # the good rows are isolated; its bad line stays in (restricted) quarantine, as for any restricted subject
    assert rows_of(spark, config, SUBJECT) == {"bronze": 0, "quarantine": 1, "restricted": 2}
    restricted = spark.read.format("delta").load(config.table_path("restricted", "device_logs"))
    assert {r.isolated_by for r in restricted.collect()} == {INGEST_ROUTED_BY}
    assert (record.rows_out, record.rows_quarantined, record.rows_isolated, record.rescreens) == (1, 1, 2, 1)


def test_rows_ingest_isolated_come_back_out_when_the_subject_is_erased_meanwhile(
    spark: SparkSession, lake: Path, config: PrivlakeConfig
) -> None:
    write_landing_day(lake, DAY, SUBJECT, SUBJECT_SERIAL)
    add_subjects(spark, config, RESTRICTIONS_TABLE, [token(SUBJECT, config)], "req-restrict")

    def erasure_lists_the_subject(screening: int) -> None:
        if screening == 1:
            add_subjects(spark, config, DENY_LIST_TABLE, [token(SUBJECT, config)], "req-erase")

    record = ingest(spark, config, "device_logs", DAY, before_commit=erasure_lists_the_subject)
    assert rows_of(spark, config, SUBJECT) == {"bronze": 0, "quarantine": 0, "restricted": 0}
    assert (record.rows_out, record.rows_dropped, record.rows_isolated, record.rescreens) == (1, 3, 0, 1)


def test_lists_changing_at_every_commit_withdraw_the_run(
    spark: SparkSession, lake: Path, config: PrivlakeConfig
) -> None:
    write_landing_day(lake, DAY, SUBJECT, SUBJECT_SERIAL)
    calls = []

    def a_request_each_time(screening: int) -> None:
        calls.append(screening)
        if screening == 1:
            add_subjects(spark, config, RESTRICTIONS_TABLE, [token(SUBJECT, config)], "req-restrict")
        else:  # somebody else each time: the lists change, the subject stays restricted
            add_subjects(spark, config, DENY_LIST_TABLE, [f"acct_{screening:020d}"], f"req-{screening}")

    with pytest.raises(SubjectListsChanged, match="run the ingest again") as raised:
        ingest(spark, config, "device_logs", DAY, before_commit=a_request_each_time)
    assert calls == list(range(1, SCREENINGS + 1))
    assert SUBJECT not in str(raised.value)
    # nothing of the run is kept: not the other subject's rows either
    for zone in ("bronze", "quarantine", "restricted"):
        assert spark.read.format("delta").load(config.table_path(zone, "device_logs")).count() == 0, zone


# --- erasure: verification finds rows written after the erase step -----------------------


def late_writer(spark: SparkSession, config: PrivlakeConfig, times: int) -> Callable[..., Any]:
    """``current_version_files`` (what the verification scan without --purge starts with) that
    first commits one more bronze row of the subject, as an ingest that screened before the deny
    list had it would, the first ``times`` times it is called."""
    real = current_version_files
    written: list[str] = []

    def files_after_a_late_write(*args: Any, **kwargs: Any) -> Any:
        if len(written) < times:
            written.append(f"late-{len(written)}")
            row = {**log(written[-1], SUBJECT, SUBJECT_SERIAL, DAY), "dt": DAY}
            late = bronze_frame(spark, "device_logs", [row])
            late.write.format("delta").mode("append").save(config.table_path("bronze", "device_logs"))
        return real(*args, **kwargs)

    return files_after_a_late_write


@pytest.fixture()
def bronze_lake(spark: SparkSession, config: PrivlakeConfig) -> PrivlakeConfig:
    rows = [{**log(e, a, s, DAY), "dt": DAY} for e, a, s in (
        ("h1", SUBJECT, SUBJECT_SERIAL), ("h2", SUBJECT, SUBJECT_SERIAL), ("o1", OTHER, OTHER_SERIAL)
    )]  # fmt: skip
    path, dataset = config.table_path("bronze", "device_logs"), config.dataset("device_logs")
    # as ingest creates it: no personal column in _delta_log statistics
    ensure_table(spark, path, bronze_schema(dataset), ["dt"], stats_columns=non_personal_columns(dataset))
    bronze_frame(spark, "device_logs", rows).write.format("delta").mode("append").save(path)
    return config


def test_an_erasure_erases_again_what_was_written_after_its_erase_step(
    spark: SparkSession, bronze_lake: PrivlakeConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = bronze_lake
    monkeypatch.setattr(erasure, "current_version_files", late_writer(spark, config, times=1))
    request = build_request("req-late-row", "erase", [f"account_id={SUBJECT}"])
    result = erase(spark, config, request, pseudonym_key(config))
    assert result.evidence.state == COMPLETED
    assert rows_of(spark, config, SUBJECT) == {"bronze": 0}
    states = [e.state for e in request_history(spark, config, "req-late-row")]
    assert states == ["received", "resolved", "erased", "retrying", "erased", "verified", COMPLETED]
    retrying = next(e for e in request_history(spark, config, "req-late-row") if e.state == "retrying")
    assert retrying.reason is not None and "retry 1 of 3" in retrying.reason and "/bronze/" in retrying.reason
    [retry] = result.evidence.retries
    assert retry.attempt == 1 and not retry.scan.passed
    bronze = next(t for t in result.evidence.tables if (t.zone, t.dataset) == ("bronze", "device_logs"))
    assert bronze.rows_removed == 3 and bronze.version_before == 1  # both passes; the first pass's version
    assert result.evidence.scan is not None and result.evidence.scan.passed


def test_an_erasure_fails_readably_once_its_retries_are_spent(
    spark: SparkSession, bronze_lake: PrivlakeConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = bronze_lake
    monkeypatch.setattr(
        erasure,
        "current_version_files",
        late_writer(spark, config, times=erasure.VERIFICATION_RETRIES + 1),
    )
    request = build_request("req-flood", "erase", [f"account_id={SUBJECT}"])
    with pytest.raises(ErasureFailed, match=r"verification failed: \d+ file.*run it again") as raised:
        erase(spark, config, request, pseudonym_key(config))
    assert SUBJECT not in str(raised.value)
    states = [e.state for e in request_history(spark, config, "req-flood")]
    assert states.count("retrying") == erasure.VERIFICATION_RETRIES and states[-1] == FAILED


# --- both at once ------------------------------------------------------------------------


def run_at_once(jobs_by_name: dict[str, tuple[float, Callable[[], object]]]) -> dict[str, object]:
    """Start each job in its own thread after its delay (seconds); what each returned or raised."""
    outcome: dict[str, object] = {}

    def run(name: str, delay: float, job: Callable[[], object]) -> None:
        threading.Event().wait(delay)
        try:
            outcome[name] = job()
        except BaseException as exc:  # the caller's assertions report it, with where it came from
            traceback.print_exception(exc)
            outcome[name] = exc

    threads = [threading.Thread(target=run, args=(name, *job)) for name, job in jobs_by_name.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return outcome


def test_erasure_and_ingest_at_once_always_end_with_the_subject_gone(
    spark: SparkSession, lake: Path, config: PrivlakeConfig
) -> None:
    """RACE_ROUNDS rounds, each a fresh subject and landing day; the erasure starts 0-1.5 s after
    the ingest (its deny-list commit then falls before, inside or after the ingest's screening
    and writes). Prints which mechanism each round needed."""
    key = pseudonym_key(config)
    erasure_session = spark.newSession()  # its own commit tags and settings, like a second job
    rng = random.Random(23)
    seen = []
    for n in range(RACE_ROUNDS):
        day, subject = DAY + dt.timedelta(days=n), f"acc-00000004{n:02d}"
        write_landing_day(lake, day, subject, f"C0FFEE{n:010d}")
        request = build_request(f"req-race-{n}", "erase", [f"account_id={subject}"])
        outcome = run_at_once(
            {
                "ingest": (rng.uniform(0, 0.3), partial(ingest, spark, config, "device_logs", day)),
                "erase": (rng.uniform(0, 1.5), partial(erase, erasure_session, config, request, key)),
            }
        )
        record, result = outcome["ingest"], outcome["erase"]
        assert isinstance(result, RequestResult), f"round {n}: {result!r}"
        assert isinstance(record, RunRecord), f"round {n}: {record!r}"
        assert result.evidence.state == COMPLETED
        assert request_history(spark, config, f"req-race-{n}")[-1].state == COMPLETED
        assert set(rows_of(spark, config, subject).values()) == {0}, f"round {n}"
        assert scan_is_clean(spark, config, subject), f"round {n}"
        seen.append((record.rescreens, len(result.evidence.retries), record.rows_dropped))
    print("per round (ingest re-screens, erasure retries, rows dropped at ingest):", seen)

"""The request ledger: every privacy request and each state it reached, in ``privacy/privacy_requests``.

The ledger is append-only (one row per state change), so concurrent requests never conflict
on it, and a request's current state is its latest row. Rows hold keyed hashes only: the
hashes of the identifiers the request gave and of the subjects (account pseudonyms) they
resolved to. Erasure goes received -> resolved -> erased -> [purged ->] verified -> completed;
when verification finds rows a concurrent job wrote after the erase step, it records retrying
(with what was found) and goes erased -> [purged ->] verified again, a bounded number of times;
restriction received -> resolved -> restricted | unrestricted -> completed; an access export
received -> resolved -> exported -> completed; any step can end in
failed with a reason (an error message that names no value), and a re-run resumes from the
last state reached.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from privlake.config import PrivlakeConfig
from privlake.delta import append, ensure_table, table_exists
from privlake.errors import PrivlakeError
from privlake.frames import json_frame
from privlake.schema import table_schema

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType

LEDGER_TABLE = "privacy_requests"
RECEIVED, RESOLVED, ERASED, PURGED, VERIFIED, COMPLETED, FAILED = (
    "received",
    "resolved",
    "erased",
    "purged",
    "verified",
    "completed",
    "failed",
)
RESTRICTED, UNRESTRICTED = "restricted", "unrestricted"
# A subject access request: the package is written (a re-run then only completes it).
EXPORTED = "exported"
EXPORT_STEPS = (RECEIVED, RESOLVED, EXPORTED, COMPLETED)
# Verification found the subject again; the request erases again (resumes like ``resolved``).
RETRYING = "retrying"
# How far a request got, to resume from the last state reached.
ERASURE_STEPS = (RECEIVED, RESOLVED, ERASED, PURGED, VERIFIED, COMPLETED)


class LedgerError(PrivlakeError):
    """The ledger disagrees with the request (e.g. a request id reused for other subjects)."""


@dataclass(frozen=True)
class LedgerEntry:
    request_id: str
    action: str
    state: str
    identifier_hashes: tuple[str, ...]
    subject_hashes: tuple[str, ...] = ()
    purge: bool = False
    reason: str | None = None
    run_id: str = ""
    evidence: str | None = None
    recorded_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def ledger_schema() -> StructType:
    return table_schema(
        "request_id STRING NOT NULL, action STRING NOT NULL, state STRING NOT NULL",
        "identifier_hashes ARRAY<STRING> NOT NULL, subject_hashes ARRAY<STRING> NOT NULL",
        "purge BOOLEAN NOT NULL, reason STRING, run_id STRING NOT NULL, evidence STRING",
        "recorded_at TIMESTAMP NOT NULL",
    )


def ledger_path(config: PrivlakeConfig) -> str:
    return config.table_path("privacy", LEDGER_TABLE)


_created: set[str] = set()  # ledgers this process has created or found: one check per process


def record_state(spark: SparkSession, config: PrivlakeConfig, entry: LedgerEntry) -> None:
    """Append one state change (the table is created on first use)."""
    path = ledger_path(config)
    schema = ledger_schema()
    if path not in _created:
        ensure_table(spark, path, schema, partition_by=["action"], stats_columns=["request_id", "state"])
        _created.add(path)
    row = (
        entry.request_id,
        entry.action,
        entry.state,
        list(entry.identifier_hashes),
        list(entry.subject_hashes),
        entry.purge,
        entry.reason,
        entry.run_id,
        entry.evidence,
        entry.recorded_at.replace(tzinfo=None),
    )
    append(json_frame(spark, [row], schema), path)


def request_history(spark: SparkSession, config: PrivlakeConfig, request_id: str) -> list[LedgerEntry]:
    """Every state the request reached, oldest first."""
    from pyspark.sql import functions as F

    path = ledger_path(config)
    if not table_exists(spark, path):
        return []
    rows = (
        spark.read.format("delta")
        .load(path)
        .where(F.col("request_id") == F.lit(request_id))
        .orderBy("recorded_at")
        .collect()
    )
    return [
        LedgerEntry(
            request_id=r["request_id"],
            action=r["action"],
            state=r["state"],
            identifier_hashes=tuple(r["identifier_hashes"]),
            subject_hashes=tuple(r["subject_hashes"]),
            purge=bool(r["purge"]),
            reason=r["reason"],
            run_id=r["run_id"],
            evidence=r["evidence"],
            recorded_at=r["recorded_at"].replace(tzinfo=dt.UTC),
        )
        for r in rows
    ]


def last_progress(history: list[LedgerEntry]) -> str | None:
    """The furthest state reached that is not ``failed`` (a failed run resumes after it)."""
    reached = [e.state for e in history if e.state != FAILED]
    return reached[-1] if reached else None


def check_same_request(history: list[LedgerEntry], action: str, identifier_hashes: list[str]) -> None:
    """A request id names one request: the same action on the same identifiers."""
    if not history:
        return
    first = history[0]
    if first.action != action or sorted(first.identifier_hashes) != sorted(identifier_hashes):
        raise LedgerError(
            f"request {first.request_id}: this id was already used for a {first.action} request on other "
            "subjects; give each request its own id"
        )

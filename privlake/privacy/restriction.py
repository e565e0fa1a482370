"""Restriction of processing (GDPR Art. 18): isolate subjects' data, and lift it again.

A restriction request names subjects like an erasure request. Restricting puts their
account pseudonyms on ``privacy/restricted_subjects`` (from then on ingest routes their new
rows straight to ``restricted/<dataset>`` and deidentify skips them), moves their bronze rows
into ``restricted/<dataset>`` (the same shape retention's ``isolate`` writes, with
``isolated_by = restriction:<request id>``) and removes their silver rows, then recomputes gold
for their dates. Lifting the restriction takes them off the list first, moves the rows that
restriction or ingest isolated back into bronze (rows retention isolated stay), de-identifies
the affected dates again and recomputes gold.

Both moves are insert-if-missing then delete-what-was-copied MERGEs on the row key, so a run
stopped half-way completes when run again and no row is lost or doubled. The ledger records
received -> resolved -> restricted | unrestricted -> completed, with evidence in
``privacy/evidence/`` (hashes and counts only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from privlake.columns import DT, ISOLATED_BY, PSEUDONYM_KEY_ID
from privlake.config import DatasetConfig, PrivlakeConfig
from privlake.deidentification import deidentify
from privlake.delta import delete_selected, ensure_table, move_selected, table_exists, table_history
from privlake.errors import PrivlakeError, error_note
from privlake.privacy.denylist import (
    INGEST_ROUTED_BY,
    RESTRICTIONS_TABLE,
    add_subjects,
    insert_missing,
    isolated_rows,
    remove_subjects,
)
from privlake.privacy.evidence import RequestEvidence, RequestResult, TableEvidence, write_evidence
from privlake.privacy.ledger import COMPLETED, FAILED, RECEIVED, RESOLVED, RESTRICTED, UNRESTRICTED
from privlake.privacy.manifest import PrivacyRequest
from privlake.privacy.request_run import completed_result, new_evidence, request_ledger
from privlake.privacy.resolution import Resolution, dates_of, resolve
from privlake.privacy.subjects import dataset_target, recompute_gold, rows_of_subjects
from privlake.pseudonym import PseudonymKey
from privlake.publish.requests import republish_after_request
from privlake.retention.plan import row_key
from privlake.schema import bronze_schema, non_personal_columns

RESTRICTION_PREFIX = "restriction:"


class RestrictionError(PrivlakeError):
    """A restriction request could not be carried out."""


# --- pure transforms -------------------------------------------------------------------


def lifted_rows(restricted: DataFrame) -> DataFrame:
    """Rows a restriction (or ingest, for a restricted subject) isolated; retention's stay put."""
    by = F.col(ISOLATED_BY)
    return restricted.where(by.startswith(RESTRICTION_PREFIX) | (by == F.lit(INGEST_ROUTED_BY)))


def as_bronze(rows: DataFrame, dataset: DatasetConfig) -> DataFrame:
    return rows.select(*[f.name for f in bronze_schema(dataset).fields])


# --- moves ---------------------------------------------------------------------------------


def _deleted_by(spark: SparkSession, path: str, tag: str) -> int:
    return sum(
        c.metrics.get("numTargetRowsDeleted", 0)
        for c in table_history(spark, path)
        if c.tag == tag and c.operation == "MERGE"
    )


def _moved_out(
    spark: SparkSession, path: str, zone: str, dataset: str, tag: str, move: Callable[[], None]
) -> TableEvidence:
    """Evidence of a table rows leave: versions around ``move`` and the rows the tag deleted."""
    evidence = TableEvidence(zone=zone, dataset=dataset)
    evidence.version_before = table_history(spark, path)[0].version
    move()
    deleted = _deleted_by(spark, path, tag)
    # silver rows are removed (deidentify derives them again), the others move
    evidence.rows_moved, evidence.rows_removed = (0, deleted) if zone == "silver" else (deleted, 0)
    evidence.version_after = table_history(spark, path)[0].version
    return evidence


def isolate_subject_rows(
    spark: SparkSession,
    config: PrivlakeConfig,
    dataset: DatasetConfig,
    subjects: Sequence[str],
    key: bytes,
    request_id: str,
    tag: str,
) -> list[TableEvidence]:
    """Bronze rows of the subjects into restricted/, their silver rows removed."""
    out = []
    bronze = dataset_target(config, "bronze", dataset)
    keys = row_key(bronze)
    restricted_path = config.table_path("restricted", dataset.name)
    if table_exists(spark, bronze.location):
        rows = rows_of_subjects(spark.read.format("delta").load(bronze.location), bronze, subjects, key)

        def isolate() -> None:
            if not rows.limit(1).count():
                return
            stats = [*non_personal_columns(dataset), ISOLATED_BY]
            isolated = isolated_rows(rows, RESTRICTION_PREFIX + request_id)
            insert_missing(isolated, restricted_path, keys, [DT], stats)  # creates it, checks its shape
            # only the rows restricted/ now holds leave bronze: none is lost when a run stops here
            copied = rows.select(*keys).join(
                spark.read.format("delta").load(restricted_path).select(*keys), keys, "left_semi"
            )
            delete_selected(
                spark, bronze.location, copied, keys, tag, what=f"restriction: bronze/{dataset.name}"
            )

        out.append(_moved_out(spark, bronze.location, "bronze", dataset.name, tag, isolate))
    silver = dataset_target(config, "silver", dataset)
    if table_exists(spark, silver.location):
        silver_rows = rows_of_subjects(
            spark.read.format("delta").load(silver.location), silver, subjects, key
        )

        def remove() -> None:
            if silver_rows.limit(1).count():
                label = f"restriction: silver/{dataset.name}"
                delete_selected(spark, silver.location, silver_rows, row_key(silver), tag, what=label)

        out.append(_moved_out(spark, silver.location, "silver", dataset.name, tag, remove))
    return out


def release_subject_rows(
    spark: SparkSession,
    config: PrivlakeConfig,
    dataset: DatasetConfig,
    subjects: Sequence[str],
    key: bytes,
    tag: str,
) -> tuple[TableEvidence | None, list[dt.date]]:
    """Rows isolated by restriction back into bronze; returns the evidence and their dates."""
    target = dataset_target(config, "restricted", dataset)
    if not table_exists(spark, target.location):
        return None, []
    table = spark.read.format("delta").load(target.location)
    if PSEUDONYM_KEY_ID in table.columns:
        return None, []  # rows isolated from silver by retention, never by a restriction
    keys = row_key(target)
    rows = lifted_rows(rows_of_subjects(table, target, subjects, key))
    days = sorted({r[0] for r in rows.select(DT).distinct().collect()})

    def release() -> None:
        if not days:
            return
        bronze_path = config.table_path("bronze", dataset.name)
        if not table_exists(spark, bronze_path):
            ensure_table(spark, bronze_path, bronze_schema(dataset), [DT], non_personal_columns(dataset))
        back = as_bronze(rows, dataset)
        move_selected(
            spark, target.location, bronze_path, back, keys, tag, what=f"unrestrict: {dataset.name}"
        )

    return _moved_out(spark, target.location, "restricted", dataset.name, tag, release), days


# --- the request ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """A restriction request with its subjects resolved, and the evidence its step fills in."""

    spark: SparkSession
    config: PrivlakeConfig
    request: PrivacyRequest
    key: PseudonymKey
    resolution: Resolution
    evidence: RequestEvidence

    @property
    def subjects(self) -> list[str]:
        return self.resolution.subject_hashes(self.key.secret)

    @property
    def tag(self) -> str:
        """The commit tag of the request's moves (their row counts come from it)."""
        return f"privlake-{self.request.action}:{self.request.request_id}"


def _restrict_step(r: Resolved) -> list[dt.date]:
    """List the subjects, isolate their rows; returns the dates whose gold needs recomputing."""
    add_subjects(r.spark, r.config, RESTRICTIONS_TABLE, r.subjects, r.request.request_id)
    r.evidence.deny_list = f"{len(r.subjects)} subject hash(es) in privacy/{RESTRICTIONS_TABLE}"
    for name in sorted(r.config.datasets):
        dataset = r.config.datasets[name]
        r.evidence.tables += isolate_subject_rows(
            r.spark, r.config, dataset, r.subjects, r.key.secret, r.request.request_id, r.tag
        )
    return sorted({d for days in dates_of(r.resolution.subjects).values() for d in days})


def _unrestrict_step(r: Resolved) -> list[dt.date]:
    """Unlist the subjects first, release their rows, de-identify their dates again."""
    remove_subjects(r.spark, r.config, RESTRICTIONS_TABLE, r.subjects)
    r.evidence.deny_list = f"{len(r.subjects)} subject hash(es) taken off privacy/{RESTRICTIONS_TABLE}"
    days: set[dt.date] = set()
    for name in sorted(r.config.datasets):
        dataset = r.config.datasets[name]
        table, moved_days = release_subject_rows(r.spark, r.config, dataset, r.subjects, r.key.secret, r.tag)
        if table is not None:
            r.evidence.tables.append(table)
        for day in moved_days:
            deidentify(r.spark, r.config, name, day, r.key)
            r.evidence.reprocessed.append(f"{name} {day.isoformat()}")
        days |= set(moved_days)
    return sorted(days)


# action -> its step and the ledger state it reaches
STEPS: dict[str, tuple[Callable[[Resolved], list[dt.date]], str]] = {
    "restrict": (_restrict_step, RESTRICTED),
    "unrestrict": (_unrestrict_step, UNRESTRICTED),
}


def restrict(
    spark: SparkSession, config: PrivlakeConfig, request: PrivacyRequest, key: PseudonymKey
) -> RequestResult:
    """Restrict processing of the request's subjects (a ``restrict`` request)."""
    return _carry_out(spark, config, request, key, "restrict")


def unrestrict(
    spark: SparkSession, config: PrivlakeConfig, request: PrivacyRequest, key: PseudonymKey
) -> RequestResult:
    """Lift the restriction of the request's subjects (an ``unrestrict`` request)."""
    return _carry_out(spark, config, request, key, "unrestrict")


def _carry_out(
    spark: SparkSession, config: PrivlakeConfig, request: PrivacyRequest, key: PseudonymKey, action: str
) -> RequestResult:
    if request.action != action:
        raise RestrictionError(f"request {request.request_id}: a {request.action} request, not {action}")
    step, state = STEPS[action]
    ledger, history = request_ledger(spark, config, request, key.secret)
    if (done := completed_result(config, request.request_id, history, RestrictionError)) is not None:
        return done
    try:
        if not history:
            ledger.record(RECEIVED)
        resolution = resolve(spark, config, request.subjects, key.secret)
        ledger.subject_hashes = tuple(resolution.subject_hashes(key.secret))
        ledger.record(RESOLVED)
        evidence = new_evidence(request, resolution, key)
        evidence.run_ids = sorted({e.run_id for e in history} | {ledger.run_id})
        days = step(Resolved(spark, config, request, key, resolution, evidence))
        evidence.gold = recompute_gold(spark, config, days)
        republish_after_request(spark, config, days, request.request_id, key.secret, evidence)
        evidence.state = state
        ledger.record(state)
        evidence.state = COMPLETED
        evidence.completed_at = dt.datetime.now(dt.UTC)
        ledger.record(COMPLETED, evidence_path=write_evidence(config, evidence))
        return RequestResult(evidence)
    except Exception as exc:
        ledger.record(FAILED, error_note(exc))
        raise

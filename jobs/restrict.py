"""Restrict and unrestrict: isolate a subject's data from further processing, and lift it.

A restriction request (GDPR Art. 18) names subjects like an erasure request. Restricting
puts their account pseudonyms on ``privacy/restricted_subjects`` (from then on ingest routes
their new rows straight to ``restricted/<dataset>`` and deidentify skips them), moves their
bronze rows into ``restricted/<dataset>`` (the same shape retention's ``isolate`` writes, with
``isolated_by = restriction:<request id>``) and removes their silver rows, then recomputes gold
for their dates. Lifting the restriction takes them off the list first, moves the rows that
restriction or ingest isolated back into bronze (rows retention isolated stay), de-identifies
the affected dates again and recomputes gold.

Both moves are insert-if-missing then delete-what-was-copied MERGEs on the row key, so a run
stopped half-way completes when run again and no row is lost or doubled. The ledger records
received -> resolved -> restricted | unrestricted -> completed, with evidence in
``privacy/evidence/`` (hashes and counts only).

Run it as ``privlake restrict | unrestrict --request-id ID (--subject KIND=VALUE ... |
--manifest PATH)`` or with spark-submit (``--action restrict|unrestrict``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import uuid
from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from rich.console import Console

from jobs.erase import (
    ErasureResult,
    dataset_target,
    new_evidence,
    print_evidence,
    recompute_gold,
    rows_of_subjects,
)
from privlake.config import DatasetConfig, PrivlakeConfig, load_config
from privlake.console_errors import add_verbose_argument, run_main
from privlake.delta import commit_tag, key_match, table_exists, table_history, with_conflict_retry
from privlake.errors import PrivlakeError
from privlake.keys import pseudonym_key
from privlake.privacy.denylist import (
    INGEST_ROUTED_BY,
    RESTRICTIONS_TABLE,
    add_subjects,
    insert_missing,
    isolated_rows,
    remove_subjects,
)
from privlake.privacy.evidence import RequestEvidence, TableEvidence, read_evidence, write_evidence
from privlake.privacy.ledger import (
    COMPLETED,
    FAILED,
    RECEIVED,
    RESOLVED,
    RESTRICTED,
    UNRESTRICTED,
    LedgerEntry,
    check_same_request,
    last_progress,
    record_state,
    request_history,
)
from privlake.privacy.manifest import Action, PrivacyRequest, add_request_arguments, build_request
from privlake.privacy.resolution import SILVER_KEY_ID_COLUMN, resolve
from privlake.pseudonym import PseudonymKey
from privlake.retention.plan import row_key
from privlake.schema import bronze_schema, non_personal_columns
from privlake.spark import get_spark

RESTRICTION_PREFIX = "restriction:"


class RestrictionError(PrivlakeError):
    """A restriction request could not be carried out."""


# --- pure transforms -------------------------------------------------------------------


def lifted_rows(restricted: DataFrame) -> DataFrame:
    """Rows a restriction (or ingest, for a restricted subject) isolated; retention's stay put."""
    by = F.col("isolated_by")
    return restricted.where(by.startswith(RESTRICTION_PREFIX) | (by == F.lit(INGEST_ROUTED_BY)))


def as_bronze(rows: DataFrame, dataset: DatasetConfig) -> DataFrame:
    return rows.select(*[f.name for f in bronze_schema(dataset).fields])


# --- moves ---------------------------------------------------------------------------------


def _delete_copied(spark: SparkSession, source: str, copied: DataFrame, keys: list[str], label: str) -> None:
    """Delete from ``source`` the rows ``copied`` names (only those the target now holds)."""
    from delta.tables import DeltaTable

    def merge() -> None:
        (
            DeltaTable.forPath(spark, source)
            .alias("t")
            .merge(copied.select(*keys).distinct().alias("s"), key_match(keys))
            .whenMatchedDelete()
            .execute()
        )

    with_conflict_retry(merge, f"restriction: delete moved rows from {label}")


def _deleted_by(spark: SparkSession, path: str, tag: str) -> int:
    return sum(
        c.metrics.get("numTargetRowsDeleted", 0)
        for c in table_history(spark, path)
        if c.tag == tag and c.operation == "MERGE"
    )


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
        evidence = TableEvidence(zone="bronze", dataset=dataset.name)
        evidence.version_before = table_history(spark, bronze.location)[0].version
        if rows.limit(1).count():
            stats = [*non_personal_columns(dataset), "isolated_by"]
            insert_missing(
                isolated_rows(rows, RESTRICTION_PREFIX + request_id), restricted_path, keys, ["dt"], stats
            )
            copied = rows.select(*keys).join(
                spark.read.format("delta").load(restricted_path).select(*keys), keys, "left_semi"
            )
            with commit_tag(spark, tag):
                _delete_copied(spark, bronze.location, copied, keys, f"bronze/{dataset.name}")
        evidence.rows_moved = _deleted_by(spark, bronze.location, tag)
        evidence.version_after = table_history(spark, bronze.location)[0].version
        out.append(evidence)
    silver = dataset_target(config, "silver", dataset)
    if table_exists(spark, silver.location):
        rows = rows_of_subjects(spark.read.format("delta").load(silver.location), silver, subjects, key)
        evidence = TableEvidence(zone="silver", dataset=dataset.name)
        evidence.version_before = table_history(spark, silver.location)[0].version
        if rows.limit(1).count():
            with commit_tag(spark, tag):
                _delete_copied(spark, silver.location, rows, row_key(silver), f"silver/{dataset.name}")
        evidence.rows_removed = _deleted_by(spark, silver.location, tag)
        evidence.version_after = table_history(spark, silver.location)[0].version
        out.append(evidence)
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
    from delta.tables import DeltaTable

    target = dataset_target(config, "restricted", dataset)
    if not table_exists(spark, target.location):
        return None, []
    table = spark.read.format("delta").load(target.location)
    if SILVER_KEY_ID_COLUMN in table.columns:
        return None, []  # rows isolated from silver by retention, never by a restriction
    keys = row_key(target)
    rows = lifted_rows(rows_of_subjects(table, target, subjects, key))
    days = sorted({r[0] for r in rows.select("dt").distinct().collect()})
    evidence = TableEvidence(zone="restricted", dataset=dataset.name)
    evidence.version_before = table_history(spark, target.location)[0].version
    if days:
        bronze_path = config.table_path("bronze", dataset.name)
        back = as_bronze(rows, dataset)

        def insert() -> None:
            (
                DeltaTable.forPath(spark, bronze_path)
                .alias("t")
                .merge(back.alias("s"), key_match(keys))
                .whenNotMatchedInsertAll()
                .execute()
            )

        if not table_exists(spark, bronze_path):
            from privlake.delta import ensure_table

            ensure_table(spark, bronze_path, bronze_schema(dataset), ["dt"], non_personal_columns(dataset))
        with_conflict_retry(insert, f"unrestrict: rows back into bronze/{dataset.name}")
        copied = rows.select(*keys).join(
            spark.read.format("delta").load(bronze_path).select(*keys), keys, "left_semi"
        )
        with commit_tag(spark, tag):
            _delete_copied(spark, target.location, copied, keys, f"restricted/{dataset.name}")
    evidence.rows_moved = _deleted_by(spark, target.location, tag)
    evidence.version_after = table_history(spark, target.location)[0].version
    return evidence, days


# --- the request ---------------------------------------------------------------------------


def restrict(
    spark: SparkSession, config: PrivlakeConfig, request: PrivacyRequest, key: PseudonymKey
) -> ErasureResult:
    """Restrict (or, for ``action == "unrestrict"``, lift) processing of the request's subjects."""
    from privlake.deidentification import deidentify

    if request.action not in ("restrict", "unrestrict"):
        raise RestrictionError(
            f"request {request.request_id}: action {request.action!r} is not a restriction"
        )
    secret = key.secret
    hashes = request.identifier_hashes(secret)
    history = request_history(spark, config, request.request_id)
    check_same_request(history, request.action, hashes)
    if last_progress(history) == COMPLETED:
        done = read_evidence(config, request.request_id)
        if done is None:
            raise RestrictionError(
                f"request {request.request_id}: completed, but its evidence record is missing"
            )
        return ErasureResult(done, already_done=True)
    run_id = uuid.uuid4().hex
    subject_hashes: tuple[str, ...] = ()

    def record(state: str, reason: str | None = None, evidence_path: str | None = None) -> None:
        entry = LedgerEntry(
            request.request_id,
            request.action,
            state,
            tuple(hashes),
            subject_hashes,
            False,
            reason,
            run_id,
            evidence_path,
        )
        record_state(spark, config, entry)

    tag = f"privlake-{request.action}:{request.request_id}"
    try:
        if not history:
            record(RECEIVED)
        resolution = resolve(spark, config, request.subjects, secret)
        subject_hashes = tuple(resolution.subject_hashes(secret))
        record(RESOLVED)
        evidence: RequestEvidence = new_evidence(request, resolution, key)
        evidence.run_ids = sorted({e.run_id for e in history} | {run_id})
        if request.action == "restrict":
            add_subjects(spark, config, RESTRICTIONS_TABLE, subject_hashes, request.request_id)
            evidence.deny_list = f"{len(subject_hashes)} subject hash(es) in privacy/{RESTRICTIONS_TABLE}"
            for name in sorted(config.datasets):
                evidence.tables += isolate_subject_rows(
                    spark, config, config.datasets[name], subject_hashes, secret, request.request_id, tag
                )
            days = sorted(
                {dt.date.fromisoformat(d) for p in resolution.subjects for v in p.dates.values() for d in v}
            )
            state = RESTRICTED
        else:
            remove_subjects(spark, config, RESTRICTIONS_TABLE, subject_hashes)
            evidence.deny_list = (
                f"{len(subject_hashes)} subject hash(es) taken off privacy/{RESTRICTIONS_TABLE}"
            )
            day_set: set[dt.date] = set()
            for name in sorted(config.datasets):
                table, moved_days = release_subject_rows(
                    spark, config, config.datasets[name], subject_hashes, secret, tag
                )
                if table is not None:
                    evidence.tables.append(table)
                for day in moved_days:
                    deidentify(spark, config, name, day, key)
                    evidence.reprocessed.append(f"{name} {day.isoformat()}")
                day_set |= set(moved_days)
            days = sorted(day_set)
            state = UNRESTRICTED
        evidence.gold = recompute_gold(spark, config, days)
        evidence.state = state
        record(state)
        evidence.state = COMPLETED
        evidence.completed_at = dt.datetime.now(dt.UTC)
        record(COMPLETED, evidence_path=write_evidence(config, evidence))
        return ErasureResult(evidence)
    except Exception as exc:
        note = str(exc).splitlines()[0] if isinstance(exc, PrivlakeError) else type(exc).__name__
        record(FAILED, note)
        raise


# --- command line ------------------------------------------------------------------------


def run_restrict(
    console: Console,
    action: Action,
    request_id: str,
    subjects: Sequence[str],
    manifest: str | None,
    config_path: str | None,
) -> int:
    """What ``privlake restrict`` / ``unrestrict`` and ``main`` do."""
    request = build_request(request_id, action, subjects, manifest)
    config = load_config(config_path)
    key = pseudonym_key(config)
    spark = get_spark(config, app_name=f"privlake-{action}")
    print_evidence(console, restrict(spark, config, request, key))
    return 0


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="restrict", description=__doc__.splitlines()[0])
    parser.add_argument("--action", choices=("restrict", "unrestrict"), default="restrict")
    add_request_arguments(parser)
    parser.add_argument("--config", default=None)
    add_verbose_argument(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return run_main(
        lambda a: run_restrict(
            Console(highlight=False), a.action, a.request_id, a.subject, a.manifest, a.config
        ),
        args,
        prog=args.action,
    )


if __name__ == "__main__":
    sys.exit(main())

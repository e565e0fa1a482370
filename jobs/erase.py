"""Erase: a privacy team's erasure request, resolved, executed in every zone, purged, verified, evidenced.

A request names subjects by account id, e-mail, phone or device serial
(``privlake.privacy.manifest``). The job resolves them to accounts and every identifier
they own (``privlake.privacy.resolution``), puts the accounts on the deny list and the keyed
hashes of the identifiers they hold exclusively in ``privacy/erased_identifiers`` (ingest
redacts later mentions of them, ``privlake.privacy.mentions``), then erases:

- landing files lose the subjects' lines, and other lines' mentions of the subjects'
  identifiers are redacted (files rewritten through ``privlake.storage``, every S3 version);
- bronze, restricted and quarantine lose the subjects' rows, and mentions in other rows'
  free text (quarantine: the raw line) are redacted; silver loses the rows by pseudonym, and
  the subjects' pseudonyms in other rows' scrubbed text are redacted;
- gold aggregates are recomputed for the dates the subjects had rows, when the deployment
  has them (``jobs/aggregate.py``); they hold no identifiers and are k-anonymous, so nothing
  in them is rewritten by hand.

Deletes and redactions are MERGEs against rows selected by a read, so Delta's history records
join conditions, never a value or a hash; deletion vectors are purged (REORG) on every table
that uses them. ``--purge`` also VACUUMs with zero retention, so no earlier table version
keeps the rows; without it the next retention run purges history, and the evidence says when.
A scan of every file then looks for the subjects' identifiers.

Jobs that write while the request runs: the subjects go on the deny list before anything is
erased, and ingest checks the list's version after its writes and screens again when it
changed (``jobs/ingest.py``), so an ingest that screened before the listing either rewrites
its rows without the subjects itself, or committed them before this job's erase step read
the tables. Rows such an ingest wrote in between (before its re-screen) can still be seen by
the scan: when it finds the subjects in table data, the request records ``retrying`` in the
ledger and the finding in the evidence, and erases (and purges, and scans) again, at most
``VERIFICATION_RETRIES`` times; only then, or at once when the finding is in a
``_delta_log`` file that erasing cannot change, does the request fail.

The ledger (``privacy/privacy_requests``) drives the steps: a re-run resumes after the last
state reached (the resolved identifiers survive between runs in an encrypted work file), a
completed request is not run again, and a request id cannot be reused for other subjects.
Every step is idempotent and Delta writes retry on concurrent commits.

Run it as ``privlake erase --request-id ID (--subject KIND=VALUE ... | --manifest PATH)
[--purge] [--dry-run]`` or with spark-submit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.util
import json
import re
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Final

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T
from rich.console import Console

from privlake.config import DatasetConfig, PrivlakeConfig, load_config
from privlake.console_errors import add_verbose_argument, run_main
from privlake.delta import (
    Commit,
    commit_tag,
    deletion_vectors_pending,
    key_match,
    run_settings,
    session_settings,
    table_detail,
    table_exists,
    table_history,
    with_conflict_retry,
)
from privlake.errors import PrivlakeError
from privlake.keys import pseudonym_key
from privlake.privacy.denylist import DENY_LIST_TABLE, add_subjects
from privlake.privacy.evidence import (
    IdentifierEvidence,
    LandingEvidence,
    RequestEvidence,
    RetryEvidence,
    ScanEvidence,
    SubjectEvidence,
    TableEvidence,
    read_evidence,
    write_evidence,
)
from privlake.privacy.identifiers import REDACTED, MentionPattern
from privlake.privacy.ledger import (
    COMPLETED,
    ERASED,
    ERASURE_STEPS,
    FAILED,
    PURGED,
    RECEIVED,
    RESOLVED,
    RETRYING,
    VERIFIED,
    LedgerEntry,
    check_same_request,
    last_progress,
    record_state,
    request_history,
)
from privlake.privacy.manifest import PrivacyRequest, add_request_arguments, build_request
from privlake.privacy.mentions import ERASED_IDENTIFIERS_TABLE, add_erased_identifiers, identifier_tokens
from privlake.privacy.resolution import (
    SILVER_KEY_ID_COLUMN,
    Resolution,
    SubjectProfile,
    dates_of,
    describe_identifiers,
    resolve,
)
from privlake.privacy.verify import ScanResult, scan_lake
from privlake.privacy.workstate import discard, seal, unseal
from privlake.pseudonym import PseudonymKey
from privlake.retention.landing import decoded_landing_file, encoded_landing_file, line_subjects
from privlake.retention.plan import Target, gold_tables, row_key, subject_pseudonym
from privlake.retention.rules import load_rules
from privlake.spark import get_spark
from privlake.storage import FileStore, file_store

ACTION: Final = "erase"
TABLE_ZONES = ("bronze", "restricted", "quarantine", "silver")
VERIFICATION_FAILED = "verification failed"
# Erase-and-verify passes after the first, when the scan finds rows written meanwhile.
VERIFICATION_RETRIES = 3
RETENTION_CHECK_CONF = "spark.databricks.delta.retentionDurationCheck.enabled"
STATS_COLUMNS_PROPERTY = "delta.dataSkippingStatsColumns"


class ErasureFailed(PrivlakeError):
    """A step of the request failed; the ledger holds the reason and a re-run resumes."""


# --- what a request erases ---------------------------------------------------------------


@dataclass(frozen=True)
class ErasureScope:
    """The subjects' account pseudonyms and the patterns their mentions match (raw and tokens)."""

    subjects: tuple[str, ...]
    raw: MentionPattern
    tokens: MentionPattern

    @classmethod
    def of(cls, resolution: Resolution, key: bytes) -> ErasureScope:
        profiles = resolution.subjects
        exclusive = [pair for p in profiles for pair in p.exclusive()]
        tokens = sorted({t for p in profiles for t in p.pseudonyms(key)})
        return cls(
            subjects=tuple(resolution.subject_hashes(key)),
            raw=MentionPattern.of(exclusive),
            tokens=MentionPattern(tuple(re.escape(t) for t in tokens)),
        )


def dataset_target(config: PrivlakeConfig, zone: str, dataset: DatasetConfig) -> Target:
    """A dataset's table in a zone, in the shape the retention helpers take (no rule)."""
    return Target(zone, dataset.name, config.table_path(zone, dataset.name), None, None, dataset)


def holds_raw_values(target: Target, columns: Sequence[str]) -> bool:
    """Bronze, quarantine and rows isolated from bronze hold raw values; silver holds tokens."""
    if target.zone == "restricted":
        return SILVER_KEY_ID_COLUMN not in columns
    return target.zone in ("bronze", "quarantine")


def text_columns(target: Target, schema: T.StructType) -> list[str]:
    """Where other subjects' rows may mention the subject: free text, or a quarantined raw line."""
    if target.zone == "quarantine":
        return ["raw_line"]
    assert target.dataset is not None
    return [
        n for n, s in target.dataset.columns.items() if s.role == "free_text" and n in schema.fieldNames()
    ]


# --- pure transforms -------------------------------------------------------------------


def rows_of_subjects(df: DataFrame, target: Target, subjects: Sequence[str], key: bytes) -> DataFrame:
    """The table's rows that belong to the subjects (by account pseudonym)."""
    owner = subject_pseudonym(target, df.columns, lambda: key)
    if owner is None:
        return df.limit(0)
    return df.where(F.coalesce(owner.isin(list(subjects)), F.lit(False)))


def _as_text(df: DataFrame, column: str) -> Column:
    if isinstance(df.schema[column].dataType, T.BinaryType):
        return F.col(column).cast("string")
    return F.col(column)


def mentioning_rows(df: DataFrame, columns: Sequence[str], pattern: MentionPattern) -> DataFrame:
    """Rows whose text columns mention the pattern."""
    regex = pattern.java()
    hit = F.lit(False)
    for column in columns:
        hit = hit | F.coalesce(_as_text(df, column).rlike(regex), F.lit(False))
    return df.where(hit)


def redacted_columns(df: DataFrame, columns: Sequence[str], pattern: MentionPattern) -> list[Column]:
    """Each text column with every mention replaced by ``[REDACTED]`` (binary stays binary)."""
    regex = pattern.java()
    out = []
    for column in columns:
        replaced = F.regexp_replace(_as_text(df, column), regex, REDACTED)
        if isinstance(df.schema[column].dataType, T.BinaryType):
            replaced = replaced.cast("binary")
        out.append(replaced.alias(column))
    return out


def redact_line(line: bytes, pattern: MentionPattern) -> bytes:
    """A landing line with mentions redacted; a JSON line whose escapes hide a mention from the
    byte search is redacted after decoding and written back as compact JSON."""
    redacted = pattern.binary().sub(REDACTED.encode(), line)
    text = pattern.text()
    try:
        record = json.loads(redacted)
    except ValueError:
        return redacted

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return text.sub(REDACTED, value)
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        return value

    scrubbed = scrub(record)
    if scrubbed == record:
        return redacted
    return json.dumps(scrubbed, ensure_ascii=False, separators=(",", ":")).encode()


# --- landing -------------------------------------------------------------------------------


def erase_landing(
    store: FileStore,
    config: PrivlakeConfig,
    dataset: DatasetConfig,
    scope: ErasureScope,
    key: bytes,
    dry_run: bool,
) -> LandingEvidence:
    """Rewrite each landing file of the dataset without the subjects' lines and with mentions
    redacted; a file left with no line is deleted (with every S3 version)."""
    report = LandingEvidence(dataset=dataset.name)
    subjects = set(scope.subjects)
    for file in store.list_files(f"{config.landing_root.rstrip('/')}/{dataset.name}"):
        if not file.current:
            continue  # retention deletes keys whose latest version is a delete marker
        report.files_read += 1
        data = decoded_landing_file(file.path, store.read_bytes(file.path))
        kept, removed, redacted = [], 0, 0
        for line, owner in line_subjects(data, dataset, key):
            if owner in subjects:
                removed += 1
                continue
            clean = redact_line(line, scope.raw) if scope.raw else line
            redacted += clean != line
            kept.append(clean)
        report.lines_removed += removed
        report.lines_redacted += redacted
        if not (removed or redacted) or dry_run:
            continue
        if kept:
            store.write_bytes(file.path, encoded_landing_file(file.path, kept))
            report.files_rewritten += 1
        else:
            store.delete(file.path)
            report.files_deleted += 1
    return report


# --- Delta tables --------------------------------------------------------------------------


def _tagged_metric(history: Sequence[Commit], tag: str, operation: str, metric: str) -> int:
    return sum(c.metrics.get(metric, 0) for c in history if c.tag == tag and c.operation == operation)


def materialize_deletion_vectors(
    spark: SparkSession, path: str, label: str, properties: dict[str, str] | None = None
) -> bool:
    """REORG ... APPLY (PURGE) when deletion vectors hide rows: the rows leave the data files."""
    if properties is None:
        _, properties = table_detail(spark, path)
    if properties.get("delta.enableDeletionVectors", "false").lower() != "true":
        return False
    if not deletion_vectors_pending(table_history(spark, path)):
        return False
    with_conflict_retry(
        lambda: spark.sql(f"REORG TABLE delta.`{path}` APPLY (PURGE)").collect(), f"erasure reorg {label}"
    )
    return True


def erase_table(
    spark: SparkSession, target: Target, scope: ErasureScope, key: bytes, tag: str, dry_run: bool
) -> TableEvidence | None:
    """Delete the subjects' rows, then redact mentions in the other rows' text; counts come from
    the request's own tagged commits, so a resumed run reports what all its runs did."""
    from delta.tables import DeltaTable

    if not table_exists(spark, target.location):
        return None
    path, label = target.location, f"{target.zone}/{target.name}"
    df = spark.read.format("delta").load(path)
    keys = row_key(target)
    texts = text_columns(target, df.schema)
    pattern = scope.raw if holds_raw_values(target, df.columns) else scope.tokens
    doomed = rows_of_subjects(df, target, scope.subjects, key).select(*keys).distinct()
    evidence = TableEvidence(zone=target.zone, dataset=target.name)
    evidence.version_before = table_history(spark, path)[0].version
    if dry_run:
        evidence.rows_removed = doomed.count()
        if pattern and texts:
            evidence.rows_redacted = mentioning_rows(df, texts, pattern).count()
        evidence.version_after = evidence.version_before
        return evidence
    if doomed.limit(1).count():

        def delete() -> None:
            (
                DeltaTable.forPath(spark, path)
                .alias("t")
                .merge(doomed.alias("s"), key_match(keys))
                .whenMatchedDelete()
                .execute()
            )

        with commit_tag(spark, f"{tag}:delete"):
            with_conflict_retry(delete, f"erasure delete in {label}")
    if pattern and texts:
        current = spark.read.format("delta").load(path)
        changed = mentioning_rows(current, texts, pattern).select(
            *keys, *redacted_columns(current, texts, pattern)
        )
        if changed.limit(1).count():

            def redact() -> None:
                (
                    DeltaTable.forPath(spark, path)
                    .alias("t")
                    .merge(changed.alias("s"), key_match(keys))
                    .whenMatchedUpdate(set={c: f"s.`{c}`" for c in texts})
                    .execute()
                )

            with commit_tag(spark, f"{tag}:redact"):
                with_conflict_retry(redact, f"erasure redaction in {label}")
    with commit_tag(spark, f"{tag}:reorg"):
        _, properties = table_detail(spark, path)
        # personal columns must stay out of the per-file min/max statistics in _delta_log
        evidence.stats_exclude_personal_columns = STATS_COLUMNS_PROPERTY in properties
        evidence.deletion_vectors_purged = materialize_deletion_vectors(spark, path, label, properties)
    history = table_history(spark, path)
    evidence.rows_removed = _tagged_metric(history, f"{tag}:delete", "MERGE", "numTargetRowsDeleted")
    evidence.rows_redacted = _tagged_metric(history, f"{tag}:redact", "MERGE", "numTargetRowsUpdated")
    evidence.version_after = history[0].version
    return evidence


def purge_history(spark: SparkSession, paths: Sequence[str], tag: str) -> dict[str, int]:
    """VACUUM with zero retention (the safety check off for this call only): no earlier version's
    files, deletion vectors or change-data files survive. Returns files deleted per table."""
    purged = {}
    with session_settings(spark, {RETENTION_CHECK_CONF: "false"}), commit_tag(spark, f"{tag}:purge"):
        for path in paths:
            materialize_deletion_vectors(spark, path, path)
            with_conflict_retry(
                lambda path=path: spark.sql(f"VACUUM delta.`{path}` RETAIN 0 HOURS").collect(),  # type: ignore[misc]
                f"erasure vacuum {path}",
            )
            history = table_history(spark, path)
            purged[path] = _tagged_metric(history, f"{tag}:purge", "VACUUM END", "numDeletedFiles")
    return purged


def recompute_gold(spark: SparkSession, config: PrivlakeConfig, days: Sequence[dt.date]) -> str:
    """Gold holds k-anonymous aggregates without identifiers: rebuilding the subjects' dates from
    the erased silver removes their contribution, including where it kept a group at k."""
    if not gold_tables(spark, config):
        return "no gold tables yet: nothing to recompute"
    if importlib.util.find_spec("jobs.aggregate") is None:
        return "gold tables exist but jobs/aggregate.py is not installed: run `privlake aggregate` for them"
    aggregate: Callable[[SparkSession, PrivlakeConfig, dt.date], object] = importlib.import_module(
        "jobs.aggregate"
    ).aggregate
    for day in days:
        aggregate(spark, config, day)
    return f"recomputed from the erased silver tables for {len(days)} date(s)"


# --- verification ------------------------------------------------------------------------


def current_version_files(spark: SparkSession, config: PrivlakeConfig) -> Callable[[str], bool]:
    """A filter for the scan without --purge: files the current table versions reference, every
    ``_delta_log`` file, and every file outside a Delta table (earlier versions' files are
    history, which the next retention run purges)."""
    tables, live = [], set()
    for zone in ("bronze", "silver", "gold", "restricted", "quarantine"):
        names = gold_tables(spark, config) if zone == "gold" else sorted(config.datasets)
        for path in (config.table_path(zone, name) for name in names):
            if table_exists(spark, path):
                tables.append(path.rstrip("/") + "/")
                live |= {PurePosixPath(f).name for f in spark.read.format("delta").load(path).inputFiles()}

    def include(path: str) -> bool:
        inside = [t for t in tables if path.startswith(t)]
        return not inside or "/_delta_log/" in path or PurePosixPath(path).name in live

    return include


def scan_evidence(result: ScanResult) -> ScanEvidence:
    scope = result.scope
    if result.unreadable:  # e.g. part files of a killed write: say how they were searched
        scope += f"; {len(result.unreadable)} Parquet file(s) not decodable, searched as raw bytes"
    return ScanEvidence(
        scope=scope,
        files_scanned=result.files_scanned,
        bytes_scanned=result.bytes_scanned,
        passed=result.passed,
        findings=[{"path": f.path, "what": f.what, "matches": f.matches} for f in result.findings],
    )


# --- the request ---------------------------------------------------------------------------


@dataclass
class ErasureResult:
    evidence: RequestEvidence
    already_done: bool = False
    dry_run: bool = False


def _error_note(exc: BaseException) -> str:
    """Our errors never hold values; a Spark message can quote a plan, so only its class is kept."""
    return str(exc).splitlines()[0] if isinstance(exc, PrivlakeError) else type(exc).__name__


def new_evidence(request: PrivacyRequest, resolution: Resolution, key: PseudonymKey) -> RequestEvidence:
    return RequestEvidence(
        request_id=request.request_id,
        action=request.action,
        state=RECEIVED,
        key_id=key.key_id,
        run_ids=[],
        received_at=dt.datetime.now(dt.UTC),
        purge=request.purge,
        identifiers=[
            IdentifierEvidence(
                kind=r.kind,
                identifier_hash=r.identifier_hash,
                resolved=r.resolved,
                subject_hashes=r.subject_hashes,
                sources=r.sources,
            )
            for r in resolution.identifiers
        ],
        subjects=[subject_evidence(p, key.secret) for p in resolution.subjects],
    )


def subject_evidence(profile: SubjectProfile, key: bytes) -> SubjectEvidence:
    described = describe_identifiers(profile, key)
    return SubjectEvidence(
        subject_hash=described["subject"],
        identifiers=described["identifiers"],
        shared_with_other_subjects=described["shared_with_other_subjects"],
        datasets=described["datasets"],
    )


def erase_everywhere(
    spark: SparkSession,
    config: PrivlakeConfig,
    request: PrivacyRequest,
    resolution: Resolution,
    evidence: RequestEvidence,
    key: bytes,
    dry_run: bool = False,
) -> None:
    """Deny list first (a concurrent ingest then drops the subjects' new rows), then every zone."""
    scope = ErasureScope.of(resolution, key)
    tag = f"privlake-erasure:{request.request_id}"
    if not dry_run and scope.subjects:
        # Ingest redacts later mentions of these in other subjects' rows (hashes only). Recorded
        # before the deny list: an ingest that sees the deny list change re-reads them too.
        tokens = identifier_tokens(resolution.subjects, key, config.deidentify.phone_regions)
        add_erased_identifiers(spark, config, tokens, request.request_id)
        add_subjects(spark, config, DENY_LIST_TABLE, scope.subjects, request.request_id)
        evidence.deny_list = (
            f"{len(scope.subjects)} subject hash(es) in privacy/{DENY_LIST_TABLE}, "
            f"{len(tokens)} identifier hash(es) in privacy/{ERASED_IDENTIFIERS_TABLE}"
        )
    store = file_store(config.landing_root, config.s3)
    evidence.landing, evidence.tables = [], []
    with session_settings(spark, run_settings(spark, config)):
        for name in sorted(config.datasets):
            dataset = config.datasets[name]
            evidence.landing.append(erase_landing(store, config, dataset, scope, key, dry_run))
            for zone in TABLE_ZONES:
                table = erase_table(spark, dataset_target(config, zone, dataset), scope, key, tag, dry_run)
                if table is not None:
                    evidence.tables.append(table)
    if not dry_run:
        days = sorted({d for days in dates_of(resolution.subjects).values() for d in days})
        evidence.gold = recompute_gold(spark, config, days)


def carry_over(
    evidence: RequestEvidence, landing: Sequence[LandingEvidence], tables: Sequence[TableEvidence]
) -> None:
    """After erasing again, report the request as a whole: landing lines removed by every pass
    (each pass counts its own), and each table's version before the first pass. Table row
    counts need nothing: they come from the request's tagged commits, every pass's."""
    first = {(t.zone, t.dataset): t for t in tables}
    for table in evidence.tables:
        if (was := first.get((table.zone, table.dataset))) is not None:
            table.version_before = was.version_before
            table.deletion_vectors_purged |= was.deletion_vectors_purged
    files = {f.dataset: f for f in landing}
    for now in evidence.landing:
        if (earlier := files.get(now.dataset)) is not None:
            now.files_rewritten += earlier.files_rewritten
            now.files_deleted += earlier.files_deleted
            now.lines_removed += earlier.lines_removed
            now.lines_redacted += earlier.lines_redacted


def purge_tables(
    spark: SparkSession, config: PrivlakeConfig, request: PrivacyRequest, evidence: RequestEvidence
) -> None:
    """--purge: every table the request touched and every gold table, into the evidence."""
    paths = [config.table_path(t.zone, t.dataset) for t in evidence.tables]
    paths += [config.table_path("gold", g) for g in gold_tables(spark, config)]
    purged = purge_history(
        spark, [p for p in paths if table_exists(spark, p)], f"privlake-erasure:{request.request_id}"
    )
    for table in evidence.tables:
        path = config.table_path(table.zone, table.dataset)
        table.history_files_purged = purged.get(path, 0)  # the tagged VACUUMs of every pass
        table.version_after = table_history(spark, path)[0].version
    evidence.history = (
        f"purged at {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}: deletion vectors "
        "materialized, VACUUM RETAIN 0 HOURS on every table touched and every gold table"
    )


def verify_erased(
    spark: SparkSession, config: PrivlakeConfig, resolution: Resolution, secret: bytes, purge: bool
) -> ScanResult:
    """Scan for the subjects' raw identifiers, pseudonyms and account hashes: every file with
    --purge, else landing and the current table versions' files."""
    scope = ErasureScope.of(resolution, secret)
    subjects = MentionPattern(tuple(re.escape(s) for s in resolution.subject_hashes(secret)))
    tokens = MentionPattern(scope.tokens.fragments + subjects.fragments)
    if purge:
        return scan_lake(config, scope.raw, tokens)
    result = scan_lake(config, scope.raw, tokens, current_version_files(spark, config))
    result.scope = "landing, and the files of the current table versions (history: see above)"
    return result


def history_note(config: PrivlakeConfig, erased_at: dt.datetime) -> str:
    """When the next retention run purges the history this request left (no --purge)."""
    try:
        hours = load_rules(config.retention_rules, config).history_retention_hours
    except PrivlakeError as exc:
        return f"not purged by this request; the retention rules could not be read to say when ({exc})"
    due = erased_at + dt.timedelta(hours=hours)
    return (
        f"not purged by this request (no --purge): earlier table versions keep the removed rows until "
        f"the first retention run after {due.isoformat(timespec='minutes')} "
        f"(history_retention_hours {hours}) purges them"
    )


def erase(
    spark: SparkSession, config: PrivlakeConfig, request: PrivacyRequest, key: PseudonymKey
) -> ErasureResult:
    """Run (or resume) the request; return its evidence. A completed request is not run again."""
    secret = key.secret
    hashes = request.identifier_hashes(secret)
    history = request_history(spark, config, request.request_id)
    check_same_request(history, ACTION, hashes)
    progress = last_progress(history)
    if progress == COMPLETED:
        done = read_evidence(config, request.request_id)
        if done is None:
            raise ErasureFailed(
                f"request {request.request_id}: completed, but its evidence record is missing"
            )
        return ErasureResult(done, already_done=True)
    if request.dry_run:
        resolution = resolve(spark, config, request.subjects, secret)
        evidence = new_evidence(request, resolution, key)
        evidence.state = "dry run: nothing changed"
        erase_everywhere(spark, config, request, resolution, evidence, secret, dry_run=True)
        return ErasureResult(evidence, dry_run=True)
    if history and history[-1].state == FAILED and (history[-1].reason or "").startswith(VERIFICATION_FAILED):
        progress = RESOLVED  # something survived: erase again before verifying again
    if progress == RETRYING:
        progress = RESOLVED  # killed while retrying: erase again
    run_id = uuid.uuid4().hex
    subject_hashes: tuple[str, ...] = history[-1].subject_hashes if history else ()

    def record(state: str, reason: str | None = None, evidence_path: str | None = None) -> None:
        entry = LedgerEntry(
            request.request_id,
            ACTION,
            state,
            tuple(hashes),
            subject_hashes,
            request.purge,
            reason,
            run_id,
            evidence_path,
        )
        record_state(spark, config, entry)

    def before(state: str) -> bool:
        return progress is None or ERASURE_STEPS.index(progress) < ERASURE_STEPS.index(state)

    try:
        if progress is None:
            record(RECEIVED)
        if before(RESOLVED) and progress != RESOLVED:
            resolution = resolve(spark, config, request.subjects, secret)
            evidence = new_evidence(request, resolution, key)
            work = {"resolution": resolution.to_state(), "evidence": evidence.model_dump(mode="json")}
            seal(config, request.request_id, work, secret)
            subject_hashes = tuple(resolution.subject_hashes(secret))
            record(RESOLVED)
        else:
            work = unseal(config, request.request_id, secret)
            resolution = Resolution.from_state(work["resolution"])
            evidence = RequestEvidence.model_validate(work["evidence"])
        evidence.run_ids = [*evidence.run_ids, run_id]

        def save(state: str, reason: str | None = None) -> None:
            evidence.state = state
            work["evidence"] = evidence.model_dump(mode="json")
            seal(config, request.request_id, work, secret)
            record(state, reason)

        for attempt in range(VERIFICATION_RETRIES + 1):
            if before(ERASED):
                earlier = (list(evidence.landing), list(evidence.tables))  # a pass before this one's
                erase_everywhere(spark, config, request, resolution, evidence, secret)
                carry_over(evidence, *earlier)
                evidence.history = history_note(config, dt.datetime.now(dt.UTC))
                save(ERASED)
            if request.purge and before(PURGED):
                purge_tables(spark, config, request, evidence)
                save(PURGED)
            if not before(VERIFIED):
                break
            result = verify_erased(spark, config, resolution, secret, request.purge)
            evidence.scan = scan_evidence(result)
            if result.passed:
                save(VERIFIED)
                break
            reason = (
                f"{VERIFICATION_FAILED}: {len(result.findings)} file(s) still hold the subject "
                f"(first: {result.findings[0].path})"
            )
            in_log = any("/_delta_log/" in f.path for f in result.findings)
            if attempt < VERIFICATION_RETRIES and not in_log:
                # Rows a concurrent job (an ingest that screened before the deny list had the
                # subject) committed after the erase step read the tables: erase them again.
                evidence.retries = [*evidence.retries, RetryEvidence(attempt=attempt + 1, scan=evidence.scan)]
                save(RETRYING, f"{reason}; erasing again (retry {attempt + 1} of {VERIFICATION_RETRIES})")
                progress = RESOLVED
                continue
            evidence.state = FAILED
            work["evidence"] = evidence.model_dump(mode="json")
            seal(config, request.request_id, work, secret)
            record(FAILED, reason)
            hint = "run it again to erase what is left"
            if in_log:
                hint = (
                    "a _delta_log file holds them: the table kept per-file statistics of personal "
                    f"columns before {STATS_COLUMNS_PROPERTY} was set (see the evidence's tables); set "
                    "the property, rewrite the table, and let log retention expire the old commits"
                )
            raise ErasureFailed(f"request {request.request_id}: {reason}; {hint}")
        evidence.state = COMPLETED
        evidence.completed_at = dt.datetime.now(dt.UTC)
        path = write_evidence(config, evidence)
        record(COMPLETED, evidence_path=path)
        discard(config, request.request_id)
        return ErasureResult(evidence)
    except ErasureFailed:
        raise
    except Exception as exc:
        record(FAILED, _error_note(exc))
        raise


# --- command line ------------------------------------------------------------------------


def print_evidence(console: Console, result: ErasureResult) -> None:
    """The evidence summary: counts, hashes and versions, never a raw value."""
    from rich.table import Table

    e = result.evidence
    if result.already_done:
        done = {"erase": "erased", "restrict": "restricted", "unrestrict": "unrestricted"}[e.action]
        console.print(f"request {e.request_id}: already {done} (completed before); evidence unchanged")
    title = f"{e.action} request {e.request_id}: {e.state}"
    resolved = Table(title=title, title_justify="left")
    for column in ("kind", "identifier hash", "resolved to", "found in"):
        resolved.add_column(column)
    for i in e.identifiers:
        resolved.add_row(
            i.kind, i.identifier_hash, ", ".join(i.subject_hashes) or "nothing", ", ".join(i.sources) or "-"
        )
    console.print(resolved)
    zones = Table(title="rows per zone", title_justify="left")
    for column in ("zone", "dataset", "removed", "redacted", "moved", "version before", "after"):
        zones.add_column(column, justify="left" if column in ("zone", "dataset") else "right")
    for f in e.landing:
        if f.lines_removed or f.lines_redacted:
            zones.add_row(
                "landing", f.dataset, f"{f.lines_removed:,}", f"{f.lines_redacted:,}", "-", "-", "-"
            )
    for t in e.tables:
        zones.add_row(
            t.zone,
            t.dataset,
            f"{t.rows_removed:,}",
            f"{t.rows_redacted:,}",
            f"{t.rows_moved:,}",
            str(t.version_before),
            str(t.version_after),
        )
    console.print(zones)
    for line in (e.deny_list, e.gold, e.history):
        if line:
            console.print(f"- {line}")
    if e.scan is not None:
        verdict = (
            "nothing found" if e.scan.passed else f"{len(e.scan.findings)} file(s) still hold the subject"
        )
        console.print(f"- verification scan ({e.scan.scope}): {e.scan.files_scanned:,} files: {verdict}")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="erase", description=__doc__.splitlines()[0])
    add_request_arguments(parser)
    parser.add_argument(
        "--purge", action="store_true", help="also purge table history now (VACUUM RETAIN 0 HOURS)"
    )
    parser.add_argument("--dry-run", action="store_true", help="resolve and count, change nothing")
    parser.add_argument("--config", default=None)
    add_verbose_argument(parser)
    return parser.parse_args(argv)


def run_erase(
    console: Console,
    request_id: str,
    subjects: Sequence[str],
    manifest: str | None,
    purge: bool,
    dry_run: bool,
    config_path: str | None,
) -> int:
    """What ``privlake erase`` and ``main`` do: validate, run, print the evidence summary."""
    request = build_request(request_id, ACTION, subjects, manifest, purge=purge, dry_run=dry_run)
    config = load_config(config_path)
    key = pseudonym_key(config)
    spark = get_spark(config, app_name="privlake-erase")
    print_evidence(console, erase(spark, config, request, key))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return run_main(
        lambda a: run_erase(
            Console(highlight=False), a.request_id, a.subject, a.manifest, a.purge, a.dry_run, a.config
        ),
        args,
        prog="erase",
    )


if __name__ == "__main__":
    sys.exit(main())

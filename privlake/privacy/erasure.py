"""Erasure: a privacy team's request, resolved, executed in every zone, purged, verified, evidenced.

A request names subjects by account id, e-mail, phone or device serial
(``privlake.privacy.manifest``). It is resolved to accounts and every identifier they own
(``privlake.privacy.resolution``); the accounts go on the deny list and the keyed hashes of
the identifiers they hold exclusively in ``privacy/erased_identifiers`` (ingest redacts later
mentions of them, ``privlake.privacy.mentions``); then every zone is erased:

- landing files lose the subjects' lines, and other lines' mentions of the subjects'
  identifiers are redacted (``privlake.privacy.erasure_landing``);
- bronze, restricted and quarantine lose the subjects' rows, and mentions in other rows'
  free text (quarantine: the raw line) are redacted; silver loses the rows by pseudonym, and
  the subjects' pseudonyms in other rows' scrubbed text are redacted
  (``privlake.privacy.erasure_tables``);
- gold aggregates are recomputed for the dates the subjects had rows, when the deployment
  has them; they hold no identifiers and are k-anonymous, so nothing in them is rewritten by
  hand.

Deletion vectors are purged (REORG) on every table that uses them. ``purge`` also VACUUMs with
zero retention, so no earlier table version keeps the rows; without it the next retention run
purges history, and the evidence says when. A scan of every file then looks for the subjects'
identifiers.

Jobs that write while the request runs: the subjects go on the deny list before anything is
erased, and ingest checks the list's version after its writes and screens again when it
changed, so an ingest that screened before the listing either rewrites its rows without the
subjects itself, or committed them before the erase step read the tables. Rows such an
ingest wrote in between (before its re-screen) can still be seen by the scan: when it finds
the subjects in table data, the request records ``retrying`` in the ledger and the finding in
the evidence, and erases (and purges, and scans) again, at most ``VERIFICATION_RETRIES``
times; only then, or at once when the finding is in a ``_delta_log`` file that erasing cannot
change, does the request fail.

The ledger (``privacy/privacy_requests``) drives the steps: a re-run resumes after the last
state reached (the resolved identifiers survive between runs in an encrypted work file), a
completed request is not run again, and a request id cannot be reused for other subjects.
Every step is idempotent and Delta writes retry on concurrent commits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Final

from pyspark.sql import SparkSession

from privlake.config import PrivlakeConfig
from privlake.delta import run_settings, session_settings, table_exists, table_history
from privlake.errors import PrivlakeError, error_note
from privlake.privacy.denylist import DENY_LIST_TABLE, add_subjects
from privlake.privacy.erasure_landing import erase_landing
from privlake.privacy.erasure_tables import (
    STATS_COLUMNS_PROPERTY,
    current_version_files,
    erase_table,
    purge_history,
)
from privlake.privacy.evidence import (
    LandingEvidence,
    RequestEvidence,
    RequestResult,
    RetryEvidence,
    ScanEvidence,
    TableEvidence,
    write_evidence,
)
from privlake.privacy.identifiers import MentionPattern
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
    last_progress,
)
from privlake.privacy.manifest import PrivacyRequest, SubjectIdentifier
from privlake.privacy.mentions import ERASED_IDENTIFIERS_TABLE, add_erased_identifiers, identifier_tokens
from privlake.privacy.request_run import (
    RequestLedger,
    completed_result,
    new_evidence,
    request_ledger,
)
from privlake.privacy.resolution import Resolution, dates_of, resolve
from privlake.privacy.subjects import TABLE_ZONES, ErasureScope, dataset_target, recompute_gold
from privlake.privacy.verify import ScanResult, scan_lake
from privlake.privacy.workstate import discard, seal, unseal
from privlake.pseudonym import PseudonymKey
from privlake.publish.requests import republish_after_request
from privlake.retention.plan import gold_tables
from privlake.retention.rules import load_rules, rules_location
from privlake.storage import file_store

ACTION: Final = "erase"
VERIFICATION_FAILED = "verification failed"
# Erase-and-verify passes after the first, when the scan finds rows written meanwhile.
VERIFICATION_RETRIES = 3
# How a request's identifiers become subjects (``resolve``; the minors sweep, which names
# accounts only, resolves them in one pass).
Resolver = Callable[[SparkSession, PrivlakeConfig, Iterable[SubjectIdentifier], bytes], Resolution]


class ErasureFailed(PrivlakeError):
    """A step of the request failed; the ledger holds the reason and a re-run resumes."""


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
        republish_after_request(spark, config, days, request.request_id, key, evidence)


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


def history_note(config: PrivlakeConfig, erased_at: dt.datetime) -> str:
    """When the next retention run purges the history this request left (no --purge), by the
    rules retention reads ($PRIVLAKE_RETENTION_RULES, else the configuration's folder)."""
    try:
        hours = load_rules(rules_location(None, config), config).history_retention_hours
    except PrivlakeError as exc:
        return f"not purged by this request; the retention rules could not be read to say when ({exc})"
    due = erased_at + dt.timedelta(hours=hours)
    return (
        f"not purged by this request (no --purge): earlier table versions keep the removed rows until "
        f"the first retention run after {due.isoformat(timespec='minutes')} "
        f"(history_retention_hours {hours}) purges them"
    )


def erase(
    spark: SparkSession,
    config: PrivlakeConfig,
    request: PrivacyRequest,
    key: PseudonymKey,
    resolver: Resolver = resolve,
) -> RequestResult:
    """Run (or resume) the request; return its evidence. A completed request is not run again."""
    secret = key.secret
    ledger, history = request_ledger(spark, config, request, secret)
    if (done := completed_result(config, request.request_id, history, ErasureFailed)) is not None:
        return done
    if request.dry_run:
        resolution = resolver(spark, config, request.subjects, secret)
        evidence = new_evidence(request, resolution, key)
        evidence.state = "dry run: nothing changed"
        erase_everywhere(spark, config, request, resolution, evidence, secret, dry_run=True)
        return RequestResult(evidence, dry_run=True)
    progress = _resume_from(history)
    try:
        return _run(spark, config, request, key, ledger, progress, resolver)
    except ErasureFailed:
        raise
    except Exception as exc:
        ledger.record(FAILED, error_note(exc))
        raise


def _resume_from(history: Sequence[LedgerEntry]) -> str | None:
    """The last step a new run need not do again (None: not even received)."""
    if history and history[-1].state == FAILED and (history[-1].reason or "").startswith(VERIFICATION_FAILED):
        return RESOLVED  # something survived: erase again before verifying again
    progress = last_progress(list(history))
    if progress == RETRYING:
        return RESOLVED  # killed while retrying: erase again
    return progress


def _run(
    spark: SparkSession,
    config: PrivlakeConfig,
    request: PrivacyRequest,
    key: PseudonymKey,
    ledger: RequestLedger,
    progress: str | None,
    resolver: Resolver = resolve,
) -> RequestResult:
    """The steps after ``progress``; each reached state is sealed (work file) and recorded."""
    secret = key.secret

    def before(state: str) -> bool:
        return progress is None or ERASURE_STEPS.index(progress) < ERASURE_STEPS.index(state)

    if progress is None:
        ledger.record(RECEIVED)
    if before(RESOLVED):
        resolution = resolver(spark, config, request.subjects, secret)
        evidence = new_evidence(request, resolution, key)
        work = {"resolution": resolution.to_state(), "evidence": evidence.model_dump(mode="json")}
        seal(config, request.request_id, work, secret)
        ledger.subject_hashes = tuple(resolution.subject_hashes(secret))
        ledger.record(RESOLVED)
    else:
        work = unseal(config, request.request_id, secret)
        resolution = Resolution.from_state(work["resolution"])
        evidence = RequestEvidence.model_validate(work["evidence"])
    evidence.run_ids = [*evidence.run_ids, ledger.run_id]

    def save(state: str, reason: str | None = None) -> None:
        evidence.state = state
        work["evidence"] = evidence.model_dump(mode="json")
        seal(config, request.request_id, work, secret)
        ledger.record(state, reason)

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
        save(FAILED, reason)
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
    ledger.record(COMPLETED, evidence_path=path)
    discard(config, request.request_id)
    return RequestResult(evidence)

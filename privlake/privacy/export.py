"""Subject access export (GDPR Art. 15, CCPA right to know): every row a subject has in every
zone, as one archive the privacy team hands over.

A request names subjects like an erasure (``privlake.privacy.manifest``) and resolves the same
way (``privlake.privacy.resolution``: any identifier -> the account -> every identifier its rows
hold). The package (``privlake.privacy.export_package``) holds the subjects' landing lines,
bronze, restricted, quarantine and silver rows, one file per dataset and zone
(``privlake.privacy.export_rows``, other people's data in free text redacted), a
``manifest.json`` and a ``summary.html`` (``privlake.privacy.export_summary``).

The ledger records received -> resolved -> exported -> completed, evidence goes to
``privacy/evidence/<request id>.{json,md}`` (keyed hashes, counts, the archive's checksum; never
a value). A completed request is not run again; a run interrupted after ``exported`` only
completes, once it finds the archive it recorded unchanged (else it exports again). An
identifier that resolves to nothing gives an empty package that says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from pyspark.sql import SparkSession

from privlake.config import PrivlakeConfig
from privlake.errors import PrivlakeError, error_note
from privlake.privacy.evidence import (
    ExportEvidence,
    ExportFileEvidence,
    RequestEvidence,
    RequestResult,
    write_evidence,
)
from privlake.privacy.export_package import (
    MANIFEST,
    SUMMARY,
    archive,
    encode_table,
    export_passphrase,
    file_name,
    package_manifest,
    read_archive,
    sha256,
    write_archive,
)
from privlake.privacy.export_rows import OthersRedactor, known_identifiers, subject_tables
from privlake.privacy.export_summary import (
    PackageFile,
    SummaryData,
    analytics_purposes,
    render_summary,
    retention_rules,
)
from privlake.privacy.ledger import COMPLETED, EXPORTED, FAILED, RECEIVED, RESOLVED, last_progress
from privlake.privacy.manifest import PrivacyRequest
from privlake.privacy.request_run import RequestLedger, completed_result, new_evidence, request_ledger
from privlake.privacy.resolution import Resolution, resolve
from privlake.privacy.workstate import discard, seal, unseal
from privlake.pseudonym import PseudonymKey

ACTION: Final = "export"
NOTHING_FOUND = "the identifiers given resolved to no data in any zone; this package holds no rows"


class ExportFailed(PrivlakeError):
    """The export could not be carried out; the ledger holds the reason and a re-run resumes."""


def build_package(
    spark: SparkSession,
    config: PrivlakeConfig,
    request: PrivacyRequest,
    resolution: Resolution,
    key: PseudonymKey,
    fmt: str,
) -> tuple[dict[str, bytes], list[ExportFileEvidence], int]:
    """The package's files by name, their evidence, and the text values redacted."""
    subjects = resolution.subject_hashes(key.secret)
    redactor = OthersRedactor(config, resolution.subjects, key.secret, known_identifiers(spark, config))
    tables = subject_tables(spark, config, subjects, redactor)
    files: dict[str, bytes] = {}
    described, listed = [], []
    for table in tables:
        name = file_name(table, fmt)
        files[name] = data = encode_table(table, fmt)
        digest = sha256(data)
        listed.append(
            ExportFileEvidence(
                zone=table.zone, dataset=table.dataset, file=name, rows=len(table.rows), sha256=digest
            )
        )
        described.append(
            {
                "file": name,
                "dataset": table.dataset,
                "zone": table.zone,
                "schema": [{"name": n, "type": t} for n, t in table.columns],
                "rows": len(table.rows),
                "sha256": digest,
            }
        )
    now = dt.datetime.now(dt.UTC)
    files[MANIFEST] = package_manifest(
        request_id=request.request_id,
        key_id=key.key_id,
        fmt=fmt,
        asked=[
            {"kind": r.kind, "identifier_hash": r.identifier_hash, "resolved": _found(r.sources)}
            for r in resolution.identifiers
        ],
        subjects=subjects,
        files=described,
        note=NOTHING_FOUND if not tables else "every row of the subjects in every zone that holds it",
    )
    files[SUMMARY] = render_summary(
        SummaryData(
            request_id=request.request_id,
            generated_at=now,
            region=config.region,
            datasets=dict(config.datasets),
            files=[PackageFile(f.zone, f.dataset, f.file, f.rows) for f in listed],
            identifiers=[(r.kind, _found(r.sources)) for r in resolution.identifiers],
            values_redacted=redactor.values_redacted,
            rules=retention_rules(config),
            analytics=analytics_purposes(config),
        )
    ).encode()
    return files, listed, redactor.values_redacted


def _found(sources: list[str]) -> bool:
    """Whether an identifier was found in the lake (an account id with no rows resolves to its
    subject all the same, for erasure's deny list; for an export it found nothing)."""
    return any(zone_or_note.split("/", 1)[0] in ("bronze", "restricted") for zone_or_note in sources)


def _recorded_archive_intact(config: PrivlakeConfig, evidence: RequestEvidence, out: str) -> bool:
    """After ``exported``: the archive this request wrote is still where it was, unchanged."""
    done = evidence.export
    if done is None or done.archive != out:
        return False
    data = read_archive(config, out)
    return data is not None and sha256(data) == done.archive_sha256


def export(
    spark: SparkSession,
    config: PrivlakeConfig,
    request: PrivacyRequest,
    key: PseudonymKey,
    fmt: str,
    out: str,
) -> RequestResult:
    """Run (or resume) the access request; return its evidence. A completed one is not run again."""
    passphrase, encryption = export_passphrase(config)
    ledger, history = request_ledger(spark, config, request, key.secret)
    if (done := completed_result(config, request.request_id, history, ExportFailed)) is not None:
        return done
    progress = last_progress(history)
    try:
        if progress is None:
            ledger.record(RECEIVED)
        evidence = None
        if progress == EXPORTED:
            evidence = RequestEvidence.model_validate(
                unseal(config, request.request_id, key.secret)["evidence"]
            )
            if not _recorded_archive_intact(config, evidence, out):
                evidence = None  # moved, changed or another path asked: export again
        if evidence is None:
            evidence = _export(spark, config, request, key, ledger, fmt, out, (passphrase, encryption))
        evidence.run_ids = sorted({e.run_id for e in history} | {ledger.run_id})
        evidence.state = COMPLETED
        evidence.completed_at = dt.datetime.now(dt.UTC)
        ledger.record(COMPLETED, evidence_path=write_evidence(config, evidence))
        discard(config, request.request_id)
        return RequestResult(evidence)
    except Exception as exc:
        ledger.record(FAILED, error_note(exc))
        raise


def _export(
    spark: SparkSession,
    config: PrivlakeConfig,
    request: PrivacyRequest,
    key: PseudonymKey,
    ledger: RequestLedger,
    fmt: str,
    out: str,
    protection: tuple[str | None, str],
) -> RequestEvidence:
    """Resolve, build and write the package; seal the evidence and record ``exported``."""
    resolution = resolve(spark, config, request.subjects, key.secret)
    ledger.subject_hashes = tuple(resolution.subject_hashes(key.secret))
    ledger.record(RESOLVED)
    evidence = new_evidence(request, resolution, key)
    files, listed, redacted = build_package(spark, config, request, resolution, key, fmt)
    passphrase, encryption = protection
    data = archive(files, passphrase)
    write_archive(config, out, data)
    evidence.export = ExportEvidence(
        format=fmt,
        archive=out,
        archive_sha256=sha256(data),
        archive_bytes=len(data),
        encryption=encryption,
        files=listed,
        values_redacted=redacted,
        empty=not listed,
    )
    evidence.state = EXPORTED
    seal(config, request.request_id, {"evidence": evidence.model_dump(mode="json")}, key.secret)
    ledger.record(EXPORTED)
    return evidence

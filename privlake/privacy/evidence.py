"""Evidence of a privacy request: one JSON record and one readable Markdown page per request.

Both live under ``privacy/evidence/<request id>.{json,md}`` and hold what a regulator asks
for: how each given identifier resolved, the datasets and zones touched, rows removed and
redacted per zone, table versions before and after, when table history was (or will be)
purged, and the verification scan's result. Subjects and identifiers appear as keyed hashes
only. The record is written once, when the request completes; a re-run of a completed
request reads it back instead of writing another.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from privlake.config import PrivlakeConfig
from privlake.storage import StorageError, file_store

EVIDENCE_FOLDER = "evidence"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentifierEvidence(Strict):
    kind: str
    identifier_hash: str
    resolved: bool
    subject_hashes: list[str]
    sources: list[str]


class SubjectEvidence(Strict):
    subject_hash: str
    identifiers: dict[str, int] = Field(description="identifier values found, per kind")
    shared_with_other_subjects: dict[str, int] = Field(
        description="values other subjects' rows hold too: removed with the subject's rows, kept in theirs"
    )
    datasets: dict[str, int] = Field(description="dates with rows, per dataset")


class TableEvidence(Strict):
    zone: str
    dataset: str
    rows_removed: int = 0
    rows_redacted: int = 0
    rows_moved: int = 0
    version_before: int | None = None
    version_after: int | None = None
    deletion_vectors_purged: bool = False
    history_files_purged: int = 0
    stats_exclude_personal_columns: bool | None = Field(
        default=None, description="delta.dataSkippingStatsColumns set: no personal value in _delta_log stats"
    )


class LandingEvidence(Strict):
    dataset: str
    files_read: int = 0
    files_rewritten: int = 0
    files_deleted: int = 0
    lines_removed: int = 0
    lines_redacted: int = 0


class ScanEvidence(Strict):
    scope: str
    files_scanned: int
    bytes_scanned: int
    passed: bool
    findings: list[dict[str, Any]] = Field(default_factory=list, description="file, what matched, count")


class RetryEvidence(Strict):
    """A verification scan that found the subject again (rows a concurrent job wrote after the
    erase step read the tables), after which the request erased again."""

    attempt: int
    scan: ScanEvidence


class PublishedCopyEvidence(Strict):
    """A copy of a recomputed date at a publish destination, and whether it was replaced yet."""

    destination: str
    date: dt.date
    table: str
    state: str = Field(description="pending (the next publish replaces it) or republished")
    transfer_id: str | None = None


class ExportFileEvidence(Strict):
    """One file of a subject access package: what it holds, never a value."""

    zone: str
    dataset: str
    file: str
    rows: int
    sha256: str


class ExportEvidence(Strict):
    """Where a subject access package went and how it was protected."""

    format: str
    archive: str
    archive_sha256: str
    archive_bytes: int
    encryption: str = Field(description="AES-256 with the passphrase variable named, or 'none (unencrypted)'")
    files: list[ExportFileEvidence] = Field(default_factory=list)
    values_redacted: int = Field(
        default=0, description="text values in which other people's data was redacted"
    )
    empty: bool = False


class RequestEvidence(Strict):
    request_id: str
    action: str
    state: str
    key_id: str
    run_ids: list[str]
    received_at: dt.datetime
    completed_at: dt.datetime | None = None
    purge: bool = False
    history: str = ""
    identifiers: list[IdentifierEvidence]
    subjects: list[SubjectEvidence]
    landing: list[LandingEvidence] = Field(default_factory=list)
    tables: list[TableEvidence] = Field(default_factory=list)
    deny_list: str = ""
    gold: str = ""
    published_copies: list[PublishedCopyEvidence] = Field(default_factory=list)
    republish_note: str = ""
    reprocessed: list[str] = Field(default_factory=list)
    scan: ScanEvidence | None = None
    retries: list[RetryEvidence] = Field(default_factory=list)
    export: ExportEvidence | None = None

    @property
    def rows_removed(self) -> int:
        return sum(t.rows_removed for t in self.tables) + sum(f.lines_removed for f in self.landing)

    @property
    def rows_redacted(self) -> int:
        return sum(t.rows_redacted for t in self.tables) + sum(f.lines_redacted for f in self.landing)


@dataclass
class RequestResult:
    """What a request run returns (and the console prints): its evidence, and whether it ran."""

    evidence: RequestEvidence
    already_done: bool = False
    dry_run: bool = False


def evidence_path(config: PrivlakeConfig, request_id: str, suffix: str) -> str:
    return f"{config.table_path('privacy', EVIDENCE_FOLDER)}/{request_id}.{suffix}"


def write_evidence(config: PrivlakeConfig, evidence: RequestEvidence) -> str:
    """Write the JSON record and the Markdown page; returns the JSON record's path."""
    store = file_store(config.warehouse_root, config.s3)
    json_path = evidence_path(config, evidence.request_id, "json")
    store.write_bytes(json_path, evidence.model_dump_json(indent=2).encode())
    store.write_bytes(evidence_path(config, evidence.request_id, "md"), render_markdown(evidence).encode())
    return json_path


def read_evidence(config: PrivlakeConfig, request_id: str) -> RequestEvidence | None:
    store = file_store(config.warehouse_root, config.s3)
    try:
        data = store.read_bytes(evidence_path(config, request_id, "json"))
    except StorageError:
        return None
    return RequestEvidence.model_validate(json.loads(data))


def _table(headers: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join("-" if c is None else str(c) for c in row) + " |" for row in rows]
    return lines


def render_markdown(e: RequestEvidence) -> str:
    """The readable page: the same facts as the JSON record, for people."""
    completed = e.completed_at.isoformat() if e.completed_at else "-"
    out = [
        f"# Privacy request {e.request_id}: {e.action}",
        "",
        f"- state: **{e.state}**",
        f"- received: {e.received_at.isoformat()}; completed: {completed}",
        f"- pseudonym key id: {e.key_id}; runs: {', '.join(e.run_ids)}",
        f"- rows removed: {e.rows_removed:,}; rows redacted: {e.rows_redacted:,}",
    ]
    if e.history:
        out.append(f"- table history: {e.history}")
    if e.deny_list:
        out.append(f"- deny list: {e.deny_list}")
    if e.gold:
        out.append(f"- gold aggregates: {e.gold}")
    if e.reprocessed:
        out.append(f"- de-identified again: {', '.join(e.reprocessed)}")
    if e.republish_note:
        out.append(f"- published copies: {e.republish_note}")
    if e.published_copies:
        out += ["", "## Published copies (other regions)", ""]
        out += _table(
            ["destination", "date", "table", "state", "transfer"],
            [[c.destination, c.date, c.table, c.state, c.transfer_id] for c in e.published_copies],
        )
    out += ["", "## Identifiers given (keyed hashes)", ""]
    out += _table(
        ["kind", "identifier hash", "resolved to", "found in"],
        [
            [
                i.kind,
                f"`{i.identifier_hash}`",
                ", ".join(f"`{s}`" for s in i.subject_hashes) or "nothing",
                ", ".join(i.sources) or "-",
            ]
            for i in e.identifiers
        ],
    )
    out += ["", "## Subjects", ""]
    out += _table(
        ["subject hash", "identifiers found", "shared with other subjects", "dates per dataset"],
        [
            [
                f"`{s.subject_hash}`",
                ", ".join(f"{k} {n}" for k, n in s.identifiers.items()),
                ", ".join(f"{k} {n}" for k, n in s.shared_with_other_subjects.items()) or "-",
                ", ".join(f"{k} {n}" for k, n in s.datasets.items()) or "-",
            ]
            for s in e.subjects
        ],
    )
    if e.landing:
        out += ["", "## Landing files", ""]
        out += _table(
            ["dataset", "files read", "rewritten", "deleted", "lines removed", "lines redacted"],
            [
                [
                    f.dataset,
                    f.files_read,
                    f.files_rewritten,
                    f.files_deleted,
                    f.lines_removed,
                    f.lines_redacted,
                ]
                for f in e.landing
            ],
        )
    if e.tables:
        out += ["", "## Delta tables", ""]
        out += _table(
            [
                "zone",
                "dataset",
                "removed",
                "redacted",
                "moved",
                "version before",
                "after",
                "DVs purged",
                "history files purged",
                "stats hold no personal column",
            ],
            [
                [
                    t.zone,
                    t.dataset,
                    t.rows_removed,
                    t.rows_redacted,
                    t.rows_moved,
                    t.version_before,
                    t.version_after,
                    "yes" if t.deletion_vectors_purged else "no",
                    t.history_files_purged,
                    {True: "yes", False: "NO", None: "-"}[t.stats_exclude_personal_columns],
                ]
                for t in e.tables
            ],
        )
    if e.export is not None:
        out += ["", "## Access package", ""]
        out.append(
            f"- archive `{e.export.archive}` ({e.export.format}, {e.export.archive_bytes:,} bytes, "
            f"SHA-256 `{e.export.archive_sha256}`); encryption: {e.export.encryption}"
        )
        out.append(f"- text values with other people's data redacted: {e.export.values_redacted:,}")
        if e.export.empty:
            out.append("- the identifiers given resolved to nothing: the package says so and holds no rows")
        listed = [[f.zone, f.dataset, f.file, f.rows, f"`{f.sha256}`"] for f in e.export.files]
        out += ["", *_table(["zone", "dataset", "file", "rows", "SHA-256"], listed)]
    for retry in e.retries:
        if retry.attempt == 1:
            out += ["", "## Erased again", ""]
        out.append(
            f"- retry {retry.attempt}: the scan found {len(retry.scan.findings)} file(s) holding the "
            "subject (written by a concurrent job after the erase step read the tables); erased and "
            "verified again"
        )
        out += [f"  - `{f['path']}`: {f['matches']} {f['what']} match(es)" for f in retry.scan.findings]
    if e.scan is not None:
        verdict = (
            "nothing found" if e.scan.passed else f"{len(e.scan.findings)} file(s) still hold the subject"
        )
        out += [
            "",
            "## Verification scan",
            "",
            f"{e.scan.scope}: {e.scan.files_scanned:,} files, {e.scan.bytes_scanned:,} bytes; **{verdict}**",
        ]
        for f in e.scan.findings:
            out.append(f"- `{f['path']}`: {f['matches']} {f['what']} match(es)")
    return "\n".join(out) + "\n"

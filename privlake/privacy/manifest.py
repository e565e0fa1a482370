"""Privacy requests as data: subjects from ``--subject KIND=VALUE`` arguments or a manifest file.

A manifest is how production hands subjects over (it lives in the restricted zone; Airflow
keeps run parameters in plain text, so the form should only carry its path). Two formats:

- JSON: ``{"subjects": [{"kind": "email", "value": "..."}, ...]}`` (or just the list);
- CSV: a header ``kind,value`` and one subject identifier per line.

Everything is validated by pydantic models with ``extra="forbid"``; an error names the file,
the line or entry and the problem, never the identifier itself (pydantic's own messages
quote input values, so they are rewritten here).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from privlake.errors import BadInputError
from privlake.privacy import REQUEST_ID_PATTERN
from privlake.privacy.identifiers import (
    IdentifierError,
    RequestKind,
    keyed_hash,
    normalize_identifier,
    parse_subject_argument,
)

Action = Literal["erase", "restrict", "unrestrict", "export"]


class ManifestError(BadInputError):
    """A request or manifest is invalid; the message names where, never a personal value."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubjectIdentifier(Strict):
    """One identifier of a subject, normalized (e-mail lower case, phone E.164, serial upper case)."""

    kind: RequestKind
    value: str = Field(repr=False)

    @field_validator("value")
    @classmethod
    def _normalized(cls, value: str, info: Any) -> str:
        kind = info.data.get("kind")
        if kind is None:
            return value
        return normalize_identifier(kind, value)

    def hashed(self, key: bytes) -> str:
        return keyed_hash(self.kind, self.value, key)


class PrivacyRequest(Strict):
    """An erasure or restriction request: its id, the subjects it names and how to run it."""

    request_id: Annotated[str, Field(pattern=REQUEST_ID_PATTERN)]
    action: Action
    subjects: Annotated[tuple[SubjectIdentifier, ...], Field(min_length=1)]
    purge: bool = False
    dry_run: bool = False

    def identifier_hashes(self, key: bytes) -> list[str]:
        return sorted({s.hashed(key) for s in self.subjects})


def _problems(exc: ValidationError, where: str) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = str(err["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {loc}: {msg}")
    return "\n".join(lines)


def subject_identifier(kind: str, value: str, where: str) -> SubjectIdentifier:
    try:
        return SubjectIdentifier.model_validate({"kind": kind, "value": value})
    except ValidationError as exc:
        raise ManifestError(_problems(exc, where)) from None


def subjects_from_arguments(arguments: Sequence[str]) -> list[SubjectIdentifier]:
    """``KIND=VALUE`` strings (command line ``--subject`` or the DAG form's lines)."""
    subjects = []
    for i, text in enumerate(arguments, start=1):
        where = f"subject {i}"
        try:
            kind, value = parse_subject_argument(text, where)
        except IdentifierError as exc:
            raise ManifestError(str(exc)) from None
        subjects.append(subject_identifier(kind, value, where))
    return subjects


def subjects_from_lines(text: str) -> list[str]:
    """The non-empty, non-comment lines of the DAG form's subjects field."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


class JsonManifest(Strict):
    subjects: Annotated[tuple[dict[str, Any], ...], Field(min_length=1)]


def _from_json(path: Path, data: str) -> list[SubjectIdentifier]:
    try:
        raw = json.loads(data)
    except ValueError as exc:
        raise ManifestError(f"{path}: not valid JSON (line {getattr(exc, 'lineno', '?')})") from None
    if isinstance(raw, list):
        raw = {"subjects": raw}
    try:
        manifest = JsonManifest.model_validate(raw)
    except ValidationError as exc:
        raise ManifestError(_problems(exc, str(path))) from None
    out = []
    for i, entry in enumerate(manifest.subjects):
        try:
            out.append(SubjectIdentifier.model_validate(entry))
        except ValidationError as exc:
            raise ManifestError(_problems(exc, f"{path}: subjects[{i}]")) from None
    return out


def _from_csv(path: Path, data: str) -> list[SubjectIdentifier]:
    reader = csv.DictReader(io.StringIO(data))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != ["kind", "value"]:
        raise ManifestError(f"{path}: line 1: expected the header 'kind,value'")
    out = []
    for row in reader:
        where = f"{path}: line {reader.line_num}"
        if None in row or any(v is None for v in row.values()):
            raise ManifestError(f"{where}: expected exactly two fields, kind and value")
        out.append(subject_identifier(row["kind"].strip(), row["value"], where))
    return out


def load_manifest(path: str | Path) -> list[SubjectIdentifier]:
    """Subjects from a ``.json`` or ``.csv`` manifest; at least one."""
    path = Path(path)
    try:
        data = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{path}: manifest not found") from None
    except UnicodeDecodeError:
        raise ManifestError(f"{path}: not UTF-8 text") from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        subjects = _from_json(path, data)
    elif suffix == ".csv":
        subjects = _from_csv(path, data)
    else:
        raise ManifestError(f"{path}: unknown manifest format; use a .json or .csv file")
    if not subjects:
        raise ManifestError(f"{path}: the manifest names no subject")
    return subjects


def build_request(
    request_id: str,
    action: Action,
    subjects: Sequence[str] = (),
    manifest: str | Path | None = None,
    purge: bool = False,
    dry_run: bool = False,
) -> PrivacyRequest:
    """The request from command-line style inputs: exactly one of ``subjects`` and ``manifest``."""
    if bool(subjects) == bool(manifest):
        raise ManifestError(
            "give the subjects either as --subject KIND=VALUE or as --manifest PATH (one of them)"
        )
    identifiers = subjects_from_arguments(subjects) if subjects else load_manifest(str(manifest))
    unique = list(dict.fromkeys(identifiers))
    try:
        return PrivacyRequest(
            request_id=request_id, action=action, subjects=tuple(unique), purge=purge, dry_run=dry_run
        )
    except ValidationError as exc:
        raise ManifestError(_problems(exc, "request")) from None


def add_request_arguments(parser: argparse.ArgumentParser) -> None:
    """The request options ``privlake erase | restrict | unrestrict`` and the jobs share."""
    parser.add_argument(
        "--request-id", required=True, dest="request_id", help="the privacy team's request id"
    )
    parser.add_argument(
        "--subject",
        action="append",
        default=[],
        metavar="KIND=VALUE",
        help="kind: account_id, email, phone (international format) or device_serial; repeatable",
    )
    parser.add_argument(
        "--manifest", default=None, help="JSON or CSV file of subjects (production: in the restricted zone)"
    )


def export_argv(form: dict[str, Any]) -> list[str]:
    """The access DAG's form (a request's fields, ``format`` and ``out``) as the arguments of
    ``jobs/export.py``, validated first (the archive path's folder is checked by the job, on
    the machine that writes it)."""
    from privlake.privacy import EXPORT_FORMATS

    fmt = str(form.get("format") or "json")
    out = str(form.get("out") or "").strip()
    if fmt not in EXPORT_FORMATS:
        raise ManifestError(f"form: format: {fmt!r} is not one of {', '.join(EXPORT_FORMATS)}")
    if not out.lower().endswith(".zip"):
        raise ManifestError("form: out: give the archive's path, ending in .zip")
    return [*request_argv("export", form), "--format", fmt, "--out", out]


def request_argv(action: Action, form: dict[str, Any]) -> list[str]:
    """A DAG trigger form (request_id, manifest or subjects, purge, dry_run) as the arguments of
    ``jobs/<action>.py``, validated first so a bad form fails before Spark starts."""
    lines = subjects_from_lines(str(form.get("subjects") or ""))
    manifest = str(form.get("manifest") or "").strip() or None
    request = build_request(
        str(form.get("request_id") or ""),
        action,
        lines,
        manifest,
        purge=bool(form.get("purge")),
        dry_run=bool(form.get("dry_run")),
    )
    argv = ["--request-id", request.request_id]
    argv += ["--manifest", str(manifest)] if manifest else [a for line in lines for a in ("--subject", line)]
    argv += ["--purge"] * request.purge + ["--dry-run"] * request.dry_run
    return argv

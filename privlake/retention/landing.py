"""Landing files past their window: plan which to delete and which to rewrite, then do it.

Files live under ``<landing>/<dataset>/dt=YYYY-MM-DD/``; the ``dt=`` folder dates them, and
a file outside one is never dated, so never removed. An expired file is deleted with every
S3 version and delete marker. Under a subject hold on the dataset, each expired file is
read: one holding a held subject's lines is kept and rewritten to those lines only (or left
alone when it holds nothing else). Erasure reads and rewrites landing files with the same
line functions (``line_subjects``, ``decoded_landing_file``, ``encoded_landing_file``).
"""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Callable

from anonymizers.pseudonym import pseudonymize
from privlake.config import DatasetConfig
from privlake.landing import join_lines, line_record, split_lines
from privlake.retention.plan import PartitionPlan, Target, TargetReport
from privlake.storage import FileStore, StoredFile

DELETE, REWRITE, KEEP = "delete", "rewrite", "keep"


def line_subjects(data: bytes, dataset: DatasetConfig, key: bytes) -> list[tuple[bytes, str | None]]:
    """Each non-empty line of a landing file (``privlake.landing``: split at LF only) with its
    subject's account pseudonym; None when the line is not a JSON object or names no subject
    (such a line belongs to no hold)."""
    subject, kind = dataset.subject, dataset.columns[dataset.subject].kind or "account_id"
    out: list[tuple[bytes, str | None]] = []
    for line in split_lines(data):
        if not line.strip():
            continue
        try:
            value = line_record(line).get(subject)
        except (ValueError, AttributeError):
            value = None
        out.append((line, pseudonymize(str(value), kind, key) if value is not None else None))
    return out


def decoded_landing_file(path: str, data: bytes) -> bytes:
    """The JSON Lines bytes of a landing file (``.gz`` files are decompressed)."""
    return gzip.decompress(data) if path.endswith(".gz") else data


def encoded_landing_file(path: str, lines: list[bytes]) -> bytes:
    """Landing-file bytes for ``lines``, compressed like the file at ``path`` (deterministic gzip).

    Every line ends with LF: a rewritten CRLF file becomes an LF file, the same lines."""
    data = join_lines(lines)
    return gzip.compress(data, mtime=0) if path.endswith(".gz") else data


def held_subjects(target: Target) -> frozenset[str]:
    return frozenset(s for h in target.subject_holds for s in h.subjects)


def plan_landing(target: Target, store: FileStore, key: Callable[[], bytes]) -> TargetReport:
    """Files under ``<landing>/<dataset>/dt=.../`` dated before the cut-off, each with what
    happens to it (``report.file_actions``: delete or rewrite; a kept file is not listed)."""
    assert target.cutoff is not None and target.dataset is not None
    report = TargetReport(target, unit="files", partition_aligned=True)
    by_day: dict[dt.date, list[StoredFile]] = {}
    for file in store.list_files(target.location):
        if file.partition_date is None:
            report.undated += 1
        elif file.partition_date < target.cutoff:
            by_day.setdefault(file.partition_date, []).append(file)
    dataset_holds = tuple(h.id for h in target.dataset_holds)
    for day in sorted(by_day):
        files = by_day[day]
        if dataset_holds:
            report.partitions.append(PartitionPlan(day.isoformat(), len(files), len(files), dataset_holds))
            continue
        held_files, rewrite, held_by = 0, 0, set()
        for file in files:
            action = DELETE
            if target.subject_holds and file.current:
                data = decoded_landing_file(file.path, store.read_bytes(file.path))
                subjects = {s for _, s in line_subjects(data, target.dataset, key())}
                holding = [h.id for h in target.subject_holds if subjects & set(h.subjects)]
                if holding:
                    held_files += 1
                    held_by.update(holding)
                    # a held file is rewritten when it also holds other lines, or, on a
                    # versioned bucket, older versions that may hold anything
                    whole = subjects <= held_subjects(target) and file.versions == 1
                    action = KEEP if whole else REWRITE
                    rewrite += action == REWRITE
            if action != KEEP:
                report.file_actions[file.path] = action
        report.partitions.append(
            PartitionPlan(day.isoformat(), len(files), held_files, tuple(sorted(held_by)), rewrite)
        )
    return report


def execute_landing(report: TargetReport, store: FileStore, key: Callable[[], bytes]) -> None:
    """Delete the expired files (every S3 version) and rewrite the partly held ones."""
    target = report.target
    assert target.dataset is not None
    held = held_subjects(target)
    for path, action in sorted(report.file_actions.items()):
        if action == DELETE:
            removed = store.delete(path)
            report.removed += 1 if removed else 0
            report.object_versions_removed += removed
        else:
            data = decoded_landing_file(path, store.read_bytes(path))
            kept = [line for line, s in line_subjects(data, target.dataset, key()) if s in held]
            store.write_bytes(path, encoded_landing_file(path, kept))
            report.rewritten += 1

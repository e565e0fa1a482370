"""Erasure in landing: the subjects' lines leave each file, other lines' mentions are redacted.

Files are rewritten through ``privlake.storage`` (on S3 with every earlier version deleted),
compressed as they were; a file left without a line is deleted.
"""

from __future__ import annotations

import json
from typing import Any

from privlake.config import DatasetConfig, PrivlakeConfig
from privlake.privacy.evidence import LandingEvidence
from privlake.privacy.identifiers import REDACTED, MentionPattern
from privlake.privacy.subjects import ErasureScope
from privlake.retention.landing import decoded_landing_file, encoded_landing_file, line_subjects
from privlake.storage import FileStore


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

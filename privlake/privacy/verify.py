"""Verification: scan every file under landing and the warehouse for a subject's identifiers.

The scan reads files, not tables, so it sees what a table version no longer references: old
data files, deletion vectors, change-data files, ``_delta_log`` commits, checkpoints and
checksums. Parquet compresses and dictionary-encodes values, so Parquet files (data and
checkpoints) are decoded with pyarrow and every string and binary value is searched; every
other file is searched as raw bytes, gzip files after decompressing, and JSON files also after
decoding (``\\u00e9`` escapes hide a name from a byte search). Raw identifiers are searched
everywhere; the subject's pseudonyms everywhere but ``privacy/`` (the ledger and the deny list
hold the account's keyed hash by design), and nothing in ``privacy/minor_accounts`` (the minors
sweep hands the account ids to the account system there, by design). Findings name the file and
what matched, never the value. A Parquet file that cannot be decoded (the truncated or
zero-byte part file a killed write leaves, which no Delta log references) never fails the scan:
it is searched as raw bytes and listed in ``ScanResult.unreadable``; a zero-byte file holds
nothing. Files can come and go while the scan runs (other jobs keep writing): one that is gone
by the time it is read is skipped.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from privlake.config import PrivlakeConfig
from privlake.landing import line_record, split_lines
from privlake.privacy import MINOR_ACCOUNTS_TABLE
from privlake.privacy.identifiers import MentionPattern
from privlake.storage import FileGone, file_store

RAW, PSEUDONYM = "raw identifier", "pseudonym"
_TEXT_TYPES = (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary, pa.types.is_large_binary)


@dataclass(frozen=True)
class Finding:
    path: str
    what: str
    matches: int


@dataclass
class ScanResult:
    scope: str
    files_scanned: int = 0
    bytes_scanned: int = 0
    findings: list[Finding] = field(default_factory=list)
    # Parquet files that could not be decoded and were searched as raw bytes (paths only)
    unreadable: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings


def leaf_values(array: Any) -> Iterator[Any]:
    """Every string and binary value inside a (possibly nested) Arrow array."""
    if isinstance(array, pa.ChunkedArray):
        for chunk in array.chunks:
            yield from leaf_values(chunk)
        return
    kind = array.type
    if pa.types.is_struct(kind):
        for i in range(kind.num_fields):
            yield from leaf_values(array.field(i))
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        yield from leaf_values(array.flatten())
    elif pa.types.is_map(kind):
        yield from leaf_values(array.keys)
        yield from leaf_values(array.items)
    elif pa.types.is_dictionary(kind):
        yield from leaf_values(array.dictionary)
    elif any(is_type(kind) for is_type in _TEXT_TYPES):
        yield from (v for v in array.to_pylist() if v is not None)


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)


def _count(pattern: re.Pattern[str], binary: re.Pattern[bytes], values: Iterator[Any]) -> int:
    total = 0
    for v in values:
        total += len(binary.findall(v)) if isinstance(v, bytes) else len(pattern.findall(v))
    return total


def count_matches(
    path: str, data: bytes, pattern: MentionPattern, unreadable: list[str] | None = None
) -> int:
    """Occurrences of the pattern in one file's content, decoded as its format needs.

    A Parquet file that cannot be decoded is searched as raw bytes and its path added to
    ``unreadable``; the scan never fails on a file, whether or not a Delta log references it."""
    if not pattern:
        return 0
    text, binary = pattern.text(), pattern.binary()
    if not data:
        return 0  # e.g. the zero-byte part file of a killed write: it holds nothing
    if path.endswith(".parquet"):
        try:
            table = pq.read_table(io.BytesIO(data))
            return sum(_count(text, binary, leaf_values(column)) for column in table.columns)
        except (pa.ArrowException, OSError, ValueError):
            # Truncated or damaged (a killed write leaves such files until VACUUM), failing
            # to open or to decode a value: it may still hold personal data, so raw bytes it is.
            if unreadable is not None:
                unreadable.append(path)
            return len(binary.findall(data))
    if path.endswith(".gz"):
        with contextlib.suppress(OSError, EOFError):  # not gzip after all: scan the bytes
            data = gzip.decompress(data)
    found = len(binary.findall(data))
    if found or not re.search(r"\.(json|jsonl|crc)(\.gz)?$", path):
        return found
    decoded = 0
    for line in split_lines(data):  # at LF only: a bare CR inside a JSON line is not an end
        try:
            decoded += _count(text, binary, _json_strings(line_record(line)))
        except ValueError:
            continue
    return decoded


def scan_lake(
    config: PrivlakeConfig,
    raw: MentionPattern,
    pseudonyms: MentionPattern,
    include: Callable[[str], bool] = lambda path: True,
) -> ScanResult:
    """Scan landing and the warehouse; ``include`` narrows the files (e.g. to current versions)."""
    privacy_root = config.table_path("privacy", "").rstrip("/") + "/"
    # holds the account ids the account system must terminate, by design (privlake.privacy.minors)
    hand_over = config.table_path("privacy", MINOR_ACCOUNTS_TABLE).rstrip("/") + "/"
    scope = "every file under landing and the warehouse"
    result = ScanResult(scope)
    for root in (config.landing_root, config.warehouse_root):
        store = file_store(root, config.s3)
        for file in store.list_files(root):
            if not file.current or not include(file.path) or file.path.startswith(hand_over):
                continue  # an S3 key whose latest version is a delete marker: retention removes it
            try:
                data = store.read_bytes(file.path)
            except FileGone:
                # Listed, then gone: a concurrent writer's temporary file (a Delta commit being
                # renamed into place) or one VACUUM removed. A file that is not there holds nothing.
                continue
            result.files_scanned += 1
            result.bytes_scanned += len(data)
            found = count_matches(file.path, data, raw, result.unreadable)
            if found:
                result.findings.append(Finding(file.path, RAW, found))
            in_privacy = file.path.startswith(privacy_root)
            tokens = 0 if in_privacy else count_matches(file.path, data, pseudonyms)
            if tokens:
                result.findings.append(Finding(file.path, PSEUDONYM, tokens))
    return result

"""Landing files: ``<out>/<dataset>/dt=YYYY-MM-DD/part-00000.jsonl[.gz]``, written line by line."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

DEVICE_LOGS = "device_logs"
USAGE_HISTORY = "usage_history"
ACCOUNTS = "accounts"
DATASETS = (DEVICE_LOGS, USAGE_HISTORY, ACCOUNTS)
PART_STEM = "part-00000"


class ByteSink(Protocol):
    """A binary file or a ``GzipFile``: anything landing lines can be written to."""

    def write(self, data: bytes, /) -> int: ...


class LandingWriter:
    """One landing file written line by line, counting 1-based line numbers."""

    def __init__(self, stream: ByteSink) -> None:
        self._stream = stream
        self._pending: list[bytes] = []
        self.lines = 0

    def write(self, line: bytes) -> int:
        self._pending.append(line)
        self.lines += 1
        if len(self._pending) >= 2048:  # fewer, larger writes: gzip is much faster that way
            self.flush()
        return self.lines

    def flush(self) -> None:
        self._stream.write(b"\n".join(self._pending) + b"\n" if self._pending else b"")
        self._pending.clear()


@contextmanager
def open_landing(path: Path) -> Iterator[LandingWriter]:
    """A landing file; ``.gz`` is gzip without name or mtime in the header (deterministic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw:
        if path.suffix == ".gz":
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
                writer = LandingWriter(gz)
                yield writer
                writer.flush()
        else:
            writer = LandingWriter(raw)
            yield writer
            writer.flush()


def encode_row(row: Mapping[str, object]) -> bytes:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode()

"""Landing lines: what a line of a JSON Lines landing file is, for every reader of one.

Ingest reads landing files with Spark's text source; erasure and retention rewrite them line
by line in Python; the verification scan decodes them line by line. They must agree, or a
quarantine row's line number names another line than the one an erasure removes. So: a line
ends at LF (``\\n``) only. A CR right before the LF ends a CRLF line and is not part of the
line; a CR anywhere else (a "bare" CR) is part of the line: between JSON tokens it is
whitespace, so the line is valid JSON, and unescaped inside a string it is a control
character that strict JSON (and Spark's ``parse_json``) refuses, so ingest quarantines the
line as ``invalid_json`` (one line, at its true line number). A last line without a final LF
is a line; nothing after the last LF is. An empty line is a line (ingest quarantines it).
Spark's text source splits at CR, LF and CRLF unless given ``lineSep``; Python's
``bytes.splitlines`` and text-mode files split at a bare CR too: use these functions instead.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import Column

# Spark's text source ``lineSep`` option: one byte, so a split boundary never cuts a separator.
LINE_SEPARATOR = "\n"
_LF, _CR = b"\n", b"\r"


def split_lines(data: bytes) -> list[bytes]:
    """The lines of a (decompressed) landing file, without their line endings."""
    lines = data.split(_LF)
    if lines[-1] == b"":
        lines.pop()  # the file ends with LF (or is empty): no line after it
    return [line[:-1] if line.endswith(_CR) else line for line in lines]


def join_lines(lines: list[bytes]) -> bytes:
    """Landing-file bytes for ``lines`` (from ``split_lines``), each ended with LF."""
    return b"".join(line + _LF for line in lines)


def line_record(line: bytes) -> Any:
    """The JSON value of a line, also when a string in it holds a raw control character.

    For deciding whose line it is, not whether it is valid: ingest names the subject of a
    quarantined line with ``get_json_object``, which accepts raw control characters too, so
    an erasure removes such a line of its subject from landing as ingest would drop it.
    Raises ``ValueError`` when the line is not JSON at all.
    """
    return json.loads(line, strict=False)


def line_content(value: Column) -> Column:
    """Spark: the line of a text-source ``value`` read with ``LINE_SEPARATOR``, its CRLF's CR
    removed. On the bytes, so that a line of invalid UTF-8 keeps its bytes (and its reason)."""
    from pyspark.sql import functions as F

    raw = value.cast("binary")
    length = F.octet_length(raw)
    ends_in_cr = F.substring(raw, -1, 1) == F.lit(bytearray(_CR))
    return F.when(ends_in_cr, raw.substr(F.lit(1), length - 1)).otherwise(raw).cast("string")

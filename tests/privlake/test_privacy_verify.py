"""Mentions in every notation, and the verification scan's decoding of Parquet, JSON and gzip."""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from privlake.config import load_config
from privlake.privacy.erasure import scan_evidence
from privlake.privacy.erasure_landing import redact_line
from privlake.privacy.identifiers import REDACTED, MentionPattern
from privlake.privacy.verify import count_matches, scan_lake
from tests.conftest import write_config

PATTERN = MentionPattern.of(
    [("mac_address", "a4:c1:38:0b:9e:2f"), ("phone", "+4915123456789"), ("person_name", "Zoë Müller")]
)


def test_a_mac_and_a_phone_match_in_every_notation_and_nothing_longer() -> None:
    text = PATTERN.text()
    mentions = ["A4-C1-38-0B-9E-2F", "a4c1.380b.9e2f", "A4C1380B9E2F", "+49 151 23456789", "0151 23456789"]
    for mention in [*mentions, "0049-151-234-567-89", "zoë müller"]:
        assert text.search(f"seen {mention}, ok"), mention
    for other in ("a4:c1:38:0b:9e:2f0", "x0151 234567890", "+49 151 23456788"):
        assert not text.search(f"seen {other}"), other
    assert re.compile(PATTERN.java().removeprefix("(?iu)"), re.IGNORECASE).search("A4:C1:38:0B:9E:2F")


def test_landing_lines_are_redacted_even_behind_json_escapes() -> None:
    plain = b'{"message":"paired with a4c1380b9e2f by +49 151 23456789"}'
    assert json.loads(redact_line(plain, PATTERN))["message"] == f"paired with {REDACTED} by {REDACTED}"
    escaped = json.dumps({"room_name": "Zo\u00eb M\u00fcller's room"}, ensure_ascii=True).encode()
    assert b"\\u00eb" in escaped and not PATTERN.binary().search(escaped)
    assert json.loads(redact_line(escaped, PATTERN))["room_name"] == f"{REDACTED}'s room"
    assert redact_line(b"not json 0151 23456789", PATTERN) == f"not json {REDACTED}".encode()


def test_the_scan_decodes_parquet_gzip_and_json_escapes() -> None:
    table = pa.table({"msg": ["nothing", "a4-c1-38-0b-9e-2f here"], "tags": [["x"], ["Zoë Müller"]]})
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="gzip", use_dictionary=True, write_statistics=False)
    data = sink.getvalue()
    assert not PATTERN.binary().search(data)  # compressed: a byte scan would miss both
    assert count_matches("t/part-0.parquet", data, PATTERN) == 2
    assert count_matches("l/a.jsonl.gz", gzip.compress(b'{"m": "+4915123456789"}\n'), PATTERN) == 1
    escaped = json.dumps({"stats": "Zo\u00eb M\u00fcller"}).encode()
    assert count_matches("_delta_log/00000.json", escaped, PATTERN) == 1
    assert count_matches("_delta_log/00000.json", b'{"stats": "clean"}', PATTERN) == 0


def test_the_scan_decodes_a_json_line_that_holds_a_bare_cr() -> None:
    # A line ends at LF only (privlake.landing): split at the CR, the escaped name was not decoded.
    escaped = json.dumps({"id": 1, "stats": "Zo\u00eb M\u00fcller"}).replace(", ", ",\r").encode()
    assert not PATTERN.binary().search(escaped)
    assert count_matches("landing/accounts/dt=2026-11-28/a.jsonl", escaped + b"\r\n", PATTERN) == 1
    raw_cr = json.dumps({"m": "Zo\u00eb\rM\u00fcller, Zo\u00eb M\u00fcller"}, ensure_ascii=True)
    assert count_matches("landing/a.jsonl", raw_cr.replace("\\r", "\r").encode(), PATTERN) == 1


def damaged_parquet(email: str) -> bytes:
    """Parquet that opens but holds a string that is not UTF-8 (a damaged page): decoding fails."""
    values = pa.array([f"met {email}".encode(), b"\xa0\xb1 broken"]).view(pa.string())
    sink = io.BytesIO()
    pq.write_table(pa.table({"message": values}), sink, compression="none")
    return sink.getvalue()


def test_a_parquet_file_that_cannot_be_decoded_is_searched_as_bytes() -> None:
    email = MentionPattern.of([("email", "anna@mail.example.de")])
    unreadable: list[str] = []
    assert count_matches("t/part-1.parquet", damaged_parquet("anna@mail.example.de"), email, unreadable) > 0
    assert count_matches("t/part-2.parquet", b"", email, unreadable) == 0  # holds nothing
    assert unreadable == ["t/part-1.parquet"]


def test_orphan_part_files_of_a_killed_write_neither_fail_nor_escape_the_scan(tmp_path: Path) -> None:
    # A table folder with files no Delta log references: zero bytes, truncated, damaged.
    config = load_config(write_config(tmp_path))
    table = Path(config.table_path("silver", "accounts"))
    (table / "_delta_log").mkdir(parents=True)
    (table / "_delta_log" / "00000000000000000000.json").write_text('{"commitInfo":{}}\n')
    sink = io.BytesIO()
    pq.write_table(pa.table({"email": ["anna@mail.example.de"] * 50}), sink, compression="none")
    (table / "part-00000-a.snappy.parquet").write_bytes(b"")
    (table / "part-00001-b.snappy.parquet").write_bytes(sink.getvalue()[:-200])
    (table / "part-00002-c.snappy.parquet").write_bytes(damaged_parquet("anna@mail.example.de"))
    result = scan_lake(config, MentionPattern.of([("email", "anna@mail.example.de")]), MentionPattern(()))

    assert result.files_scanned == 4
    names = sorted(Path(f.path).name for f in result.findings)
    assert names == ["part-00001-b.snappy.parquet", "part-00002-c.snappy.parquet"]
    assert sorted(Path(p).name for p in result.unreadable) == names
    assert "2 Parquet file(s) not decodable, searched as raw bytes" in scan_evidence(result).scope

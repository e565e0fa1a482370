"""What a line of a landing file is: the one definition ingest, erasure, retention and the scan share."""

from __future__ import annotations

import pytest

from privlake.landing import join_lines, line_record, split_lines


@pytest.mark.parametrize(
    ("data", "lines"),
    [
        (b"", []),
        (b"a\nb\n", [b"a", b"b"]),
        (b"a\r\nb\r\n", [b"a", b"b"]),  # CRLF: the CR is not part of the line
        (b"a\rb\nc", [b"a\rb", b"c"]),  # a bare CR is; a last line without LF is a line
        (b"a\r\r\n\n", [b"a\r", b""]),  # one CR ends a CRLF; an empty line is a line
        (b"\r", [b""]),
    ],
)
def test_a_line_ends_at_lf_only(data: bytes, lines: list[bytes]) -> None:
    assert split_lines(data) == lines


def test_lines_join_back_with_lf() -> None:
    assert join_lines(split_lines(b"a\r\nb\rc\nd")) == b"a\nb\rc\nd\n"


def test_a_raw_control_character_in_a_string_still_names_the_subject() -> None:
    assert line_record(b'{"account_id": "acc-1", "note": "a\rb\tc"}')["account_id"] == "acc-1"
    with pytest.raises(ValueError):
        line_record(b'{"account_id": ')

"""Notations of identifiers, shared by the sample generator and the independent corpus.

Only how a value is written lives here (MAC notations, an IMEI's check digit, a name folded
to ASCII); what values to draw and which notation a line uses stay with each generator.
Nothing here reads the detector (``anonymizers``), so the corpus built with it stays
independent of what it evaluates.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

_ASCII_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss", "ı": "i", "đ": "d", "œ": "oe"}
)


def ascii_fold(text: str) -> str:
    """``Łukasz Wójcik`` -> ``Lukasz Wojcik``, as host names and mail local parts spell names."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    return "".join(c for c in decomposed if c.isascii())


@dataclass(frozen=True)
class MacForms:
    """One MAC address in every notation the data uses."""

    colon: str  # aa:bb:cc:dd:ee:ff
    colon_upper: str  # AA:BB:CC:DD:EE:FF
    dash: str  # AA-BB-CC-DD-EE-FF
    dot: str  # aabb.ccdd.eeff (Cisco)
    bare: str  # aabbccddeeff


def format_mac(octets: bytes) -> MacForms:
    hexes = octets.hex()
    pairs = [hexes[i : i + 2] for i in range(0, 12, 2)]
    return MacForms(
        colon=":".join(pairs),
        colon_upper=":".join(pairs).upper(),
        dash="-".join(pairs).upper(),
        dot=".".join(hexes[i : i + 4] for i in range(0, 12, 4)),
        bare=hexes,
    )


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass the Luhn check (as IMEIs do)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str(-total % 10)

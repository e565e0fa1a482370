"""Phone values read as numbers, region by region: one place for ``phonenumbers.parse``.

A phone written without its country code means a different number in each region, so
callers ask for every region's reading and keep the ones their purpose needs (possible,
valid, in national notation). Imports no Presidio: the driver uses it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import phonenumbers


def phone_readings(value: str, regions: Iterable[str]) -> Iterator[tuple[str, phonenumbers.PhoneNumber]]:
    """``(region, number)`` for each region, in order, whose reading of ``value`` parses."""
    for region in regions:
        try:
            yield region, phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue

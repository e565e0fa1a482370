"""Recognizer for GPS coordinates: labelled values, pairs, hemisphere and DMS notations.

A device's coordinates point at a home to within metres, so they never stay in free
text (the structured latitude/longitude columns are generalized to a grid elsewhere).
Recognized: labelled values (``lat=52.52 lon=13.40``, ``"lng": 13.4050``; only the
number, the label stays readable), unlabelled pairs with at least three decimals each
(``52.5200,13.4050``, ``(52.5200, 13.4050)``), map-link pairs (``geo:52.52,13.40``,
``?q=52.52,13.40``), hemisphere prefixes or suffixes (``N52.52 E13.40``,
``52.52°N 13.40°E``) and degrees-minutes-seconds. Single decimals such as sensor
readings (``21.5C``, ``1013 hPa``) never match: a number counts only with a label, a
partner or a hemisphere. Out-of-range values and the (0, 0) "no fix" default are dropped.
"""

from __future__ import annotations

import re

from anonymizers.recognizers._base import IotPatternRecognizer

_LABEL = r"\b(?:lat|latitude|lon|lng|long|longitude)"
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DEG = "(?:°|º|deg)?"


class GpsCoordinateRecognizer(IotPatternRecognizer):
    """Recognize latitude/longitude values and pairs in the notations devices log."""

    # What every pattern needs: a degree sign (DMS), a label (labelled value), or two
    # decimals at most 12 characters apart with neither digits nor dots between them (the
    # pairs: a comma, spaces, a hemisphere letter, "deg"). Timestamps, versions and
    # sensor readings hold one decimal, so most log lines no longer wake the recognizer.
    TRIGGER = r"\d°|lat|lon|lng|\d\.\d+[^\d.\n]{1,12}\d{1,3}\.\d"

    def validate_result(self, pattern_text: str) -> bool | None:
        """False for impossible values and the (0, 0) no-fix default; else keep the score."""
        numbers = [float(n) for n in _NUMBER.findall(pattern_text)]
        if len(numbers) == 1:
            ok = numbers[0] <= 180.0
        elif len(numbers) == 2:
            ok = numbers[0] <= 90.0 and numbers[1] <= 180.0 and any(numbers)
        elif len(numbers) == 6:  # degrees, minutes, seconds twice
            ok = numbers[0] <= 90 and numbers[3] <= 180 and all(n < 60 for n in numbers[1:3] + numbers[4:6])
        else:
            ok = False
        return None if ok else False

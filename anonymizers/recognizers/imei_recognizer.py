"""Recognizer for IMEI numbers (15 digits with a Luhn check digit).

Cellular gateways, trackers and phones log their IMEI, which identifies the handset for
its whole life. The 15 digits are 8 of type allocation code, 6 of serial and a Luhn
check digit; logs print them bare (``352099001761481``) or grouped
(``35-209900-176148-1``). The checksum rejects nine in ten random 15-digit numbers;
repeated-digit placeholders (``000000000000000``) are dropped too.
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import EntityRecognizer

from anonymizers.recognizers._base import IotPatternRecognizer


class ImeiRecognizer(IotPatternRecognizer):
    """Recognize IMEIs, bare or grouped, confirmed by their Luhn check digit."""

    TRIGGER = r"\d{2}[\- ]?\d{6}"
    REPLACEMENT_PAIRS: ClassVar[list[tuple[str, str]]] = [("-", ""), (" ", "")]

    def validate_result(self, pattern_text: str) -> bool:
        """Luhn checksum over the 15 digits."""
        digits = EntityRecognizer.sanitize_value(pattern_text, self.REPLACEMENT_PAIRS)
        return len(digits) == 15 and luhn_valid(digits)

    def invalidate_result(self, pattern_text: str) -> bool:
        """Repeated-digit placeholders are no device's IMEI."""
        digits = EntityRecognizer.sanitize_value(pattern_text, self.REPLACEMENT_PAIRS)
        return len(set(digits[:-1])) <= 1


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by IMEIs and payment cards."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0

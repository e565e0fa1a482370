"""Recognizer for this vendor's device serials: 16 uppercase hexadecimal characters.

A serial (``A1B2C3D4E5F60718``) identifies one device and through it one household,
so it is pseudonymized, not just masked, to keep joins across datasets possible. The
shape is case-sensitive: serials are printed upper-case, and lower-case 16-hex runs in
logs are far more often hashes or addresses. A bare run must mix letters and digits
(an all-digit run is a plain number); right after a serial key (``sn=``,
``serial:``) any 16-hex value in either case is taken. Hex literals such as ``0x1F3A``
or ``E0x00FF`` never match: the run must not be glued to other word characters.
"""

from __future__ import annotations

from anonymizers.recognizers._base import IotPatternRecognizer

_SERIAL_KEYS = (
    r"(?i:\b(?:serial(?:[_ \-]?(?:no|num|number))?|serialno|sn|s/n|device[_ \-]?serial|"
    r"dev[_ \-]?serial|hw[_ \-]?serial))"
)


class DeviceSerialRecognizer(IotPatternRecognizer):
    """Recognize 16-character upper-case hex device serials."""

    TRIGGER = r"[0-9a-f]{16}"

"""Recognizer for MAC addresses (EUI-48, and EUI-64 as Zigbee uses it) in every notation.

Devices, access points (BSSIDs) and phones seen by a hub are identified by hardware
addresses, which logs print as ``aa:bb:cc:dd:ee:ff``, ``AA-BB-CC-DD-EE-FF``, Cisco's
``aabb.ccdd.eeff``, macOS's ``0:1b:63:84:45:e6`` or bare ``aabbccddeeff``. The bare
form is the dangerous one: twelve hex digits are also hashes, counters and serial
fragments. It is accepted on its own only when it mixes letters and digits (a bare
all-digit or all-letter run is far more often a number or a word than a MAC), and in
any shape after a key that names a hardware address (``mac=``, ``bssid:``, ``hwaddr``).
"""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from anonymizers.recognizers._base import KEY_SEPARATOR_OR_SPACE, IotPatternRecognizer

_HEX = "[0-9A-F]"
# Keys that name a hardware address; `addr` alone is too vague (IP addresses).
_MAC_KEYS = (
    r"\b(?:mac|mac[_ \-]?addr(?:ess)?|macaddress|bssid|hwaddr|hw[_ ]addr|ether|"
    r"lladdr|station|sta|client[_ ]mac|wlan[_ ]mac|eth[_ ]mac|eui(?:-?48|-?64)?|ieee(?:[_ ]?addr(?:ess)?)?)"
)


class MacAddressRecognizer(IotPatternRecognizer):
    """Recognize MAC addresses in colon, dash, dot, single-digit and bare notations.

    Degenerate addresses that identify nobody (all zeros, broadcast, and Android's
    fixed ``02:00:00:00:00:00`` placeholder) are not reported.
    """

    ENTITY = "MAC_ADDRESS"
    PATTERNS: ClassVar[list[Pattern]] = [
        # Not inside a longer colon/dash run (that is IPv6 or EUI-64), same separator.
        Pattern(
            "MAC (colon or dash)",
            rf"(?<![\w]|{_HEX}[:\-]){_HEX}{{2}}([:\-]){_HEX}{{2}}(?:\1{_HEX}{{2}}){{4}}(?![\w]|[:\-]{_HEX})",
            0.9,
        ),
        # macOS and BSD drop leading zeros: 0:1b:63:84:45:e6.
        Pattern(
            "MAC (unpadded colon)",
            rf"(?<![\w:]){_HEX}{{1,2}}(?::{_HEX}{{1,2}}){{5}}(?![\w]|:{_HEX})",
            0.6,
        ),
        Pattern(
            "MAC (Cisco dotted)",
            rf"(?<![\w.]){_HEX}{{4}}\.{_HEX}{{4}}\.{_HEX}{{4}}(?![\w]|\.\w)",
            0.8,
        ),
        # Bare: needs both letters and digits to be told from numbers and words.
        Pattern(
            "MAC (bare, mixed)",
            rf"(?<![\w])(?={_HEX}{{0,11}}[A-F])(?={_HEX}{{0,11}}[0-9]){_HEX}{{12}}(?![\w])",
            0.55,
        ),
        # Any bare or separated shape right after a hardware-address key.
        Pattern(
            "MAC (bare, after key)",
            rf"{_MAC_KEYS}{KEY_SEPARATOR_OR_SPACE}\K{_HEX}{{12}}(?![\w])",
            0.85,
        ),
        # EUI-64, as Zigbee IEEE addresses: 00:15:8d:00:01:23:45:67. Scored above the
        # IPv6 reading of the same text so the hardware address wins.
        Pattern(
            "EUI-64 (colon)",
            rf"(?<![\w]|{_HEX}:){_HEX}{{2}}(?::{_HEX}{{2}}){{7}}(?![\w]|:{_HEX})",
            0.95,
        ),
        # zigbee2mqtt's 0x00158d0001a2b3c4; weak alone (kernel addresses look alike),
        # confirmed by context (ieee, zigbee, device, joined).
        Pattern("EUI-64 (0x)", rf"\b0x{_HEX}{{16}}\b", 0.4),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "mac",
        "bssid",
        "hwaddr",
        "ether",
        "lladdr",
        "station",
        "sta",
        "eui",
        "ieee",
        "zigbee",
        "device",
        "joined",
        "client",
        "associated",
    ]
    TRIGGER = r"[0-9a-f]{2}[:\-][0-9a-f]{2}|[0-9a-f]{4}\.[0-9a-f]{4}|[0-9a-f]{12}"

    _NOT_PERSONAL = frozenset({"000000000000", "ffffffffffff", "020000000000"})

    def invalidate_result(self, pattern_text: str) -> bool | None:
        """Drop addresses that identify no device."""
        digits = "".join(c for c in pattern_text.lower() if c in "0123456789abcdef")
        if pattern_text[:2].lower() == "0x":
            digits = digits[1:]  # the "0" of "0x"; "x" was never kept
        return digits in self._NOT_PERSONAL or set(digits) <= {"0"}

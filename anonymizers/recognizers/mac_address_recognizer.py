"""Recognizer for MAC addresses (EUI-48, and EUI-64 as Zigbee uses it) in every notation.

Devices, access points (BSSIDs) and phones seen by a hub are identified by hardware
addresses, which logs print as ``aa:bb:cc:dd:ee:ff``, ``AA-BB-CC-DD-EE-FF``, Cisco's
``aabb.ccdd.eeff``, macOS's ``0:1b:63:84:45:e6`` or bare ``aabbccddeeff``. The bare
form is the dangerous one: twelve hex digits are also hashes, counters and serial
fragments. It is accepted on its own only when it mixes letters and digits (a bare
all-digit or all-letter run is far more often a number or a word than a MAC), and in
any shape after a key that names a hardware address (``mac=``, ``bssid:``, ``hwaddr``).
Twelve hex digits that continue a longer hex run (a UUID's last group, a hash split
by dashes or dots) are no MAC. An IPv6 address whose interface id is built from the
MAC (EUI-64, ``fe80::1a2b:3cff:fe4d:5e6f``) is reported as that MAC: ``embedded_mac``
recovers it, so the scrubber gives it the pseudonym of the device's MAC. A DHCPv6
client id of the link-layer kinds (RFC 8415: DUID-LLT ``00:01:00:01:<time>:<MAC>``,
DUID-LL ``00:03:00:01:<MAC>``, hardware type 1, Ethernet) ends in the client's MAC,
which is replaced; the type and time stay. zigbee2mqtt prints IEEE (EUI-64) addresses
as ``0x`` and sixteen hex digits, which memory addresses and zero-padded numbers share:
the form counts without a context word only when its first octet is what IEEE assigns
to a company (unicast, universally administered: the two low bits clear) and its first
two octets are not zero (a padded number, a user-space pointer); kernel pointers
(``0xffff...``) and PIE/stack addresses (``0x55...``, ``0x7f...``) have the low bit set.
Matter's 64-bit fabric ids (``fabric id 0x...``) are chosen by the administrator, not
assigned by IEEE: that form after ``fabric id`` is no hardware address.
"""

from __future__ import annotations

import ipaddress
import re
from typing import ClassVar

from presidio_analyzer import Pattern

from anonymizers.recognizers._base import KEY_SEPARATOR_OR_SPACE, IotPatternRecognizer

_HEX = "[0-9A-F]"
# Keys that name a hardware address; `addr` alone is too vague (IP addresses).
_MAC_KEYS = (
    r"\b(?:mac|mac[_ \-]?addr(?:ess)?|macaddress|bssid|hwaddr|hw[_ ]addr|ether|"
    r"lladdr|station|sta|client[_ ]mac|wlan[_ ]mac|eth[_ ]mac|eui(?:-?48|-?64)?|ieee(?:[_ ]?addr(?:ess)?)?)"
)


# Matter (CHIP) logs a fabric's 64-bit id after these words; see the module docstring.
_FABRIC_ID_BEFORE = re.compile(r"\bfabric[ _]?id[ \t]*[:=]?[ \t]*$", re.IGNORECASE)


def embedded_mac(text: str) -> str | None:
    """The MAC in an IPv6 address with an EUI-64 interface id (``fe80::1a2b:3cff:fe4d:5e6f``
    gives ``18:2b:3c:4d:5e:6f``, the universal/local bit flipped back), else None."""
    if "ff:fe" not in text.lower():
        return None
    try:
        address = ipaddress.IPv6Address(text.split("%", 1)[0])
    except ValueError:
        return None
    interface_id = address.packed[8:]
    if interface_id[3:5] != b"\xff\xfe":
        return None
    mac = bytes((interface_id[0] ^ 0x02, *interface_id[1:3], *interface_id[5:]))
    return ":".join(f"{byte:02x}" for byte in mac)


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
        # Bare: needs both letters and digits to be told from numbers and words, and
        # must not continue a hex run (4cbd4a3e-...-1a2b3c4d5e6f, a UUID's tail).
        Pattern(
            "MAC (bare, mixed)",
            rf"(?<![\w]|{_HEX}[\-.:])(?={_HEX}{{0,11}}[A-F])(?={_HEX}{{0,11}}[0-9])"
            rf"{_HEX}{{12}}(?![\w]|[\-.:]{_HEX})",
            0.55,
        ),
        # Any bare or separated shape right after a hardware-address key.
        Pattern(
            "MAC (bare, after key)",
            rf"{_MAC_KEYS}{KEY_SEPARATOR_OR_SPACE}\K{_HEX}{{12}}(?![\w]|[\-.:]{_HEX})",
            0.85,
        ),
        # IPv6 with an EUI-64 interface id (xxXX:XXff:feXX:XXXX), which carries the
        # MAC (checked by ``embedded_mac``). Scored at the maximum, which the IPv6
        # reading only reaches with a context word ("inet6"): the tie goes to the MAC.
        Pattern(
            "MAC in IPv6 (EUI-64)",
            rf"(?<![\w:.])(?:{_HEX}{{0,4}}:){{2,6}}{_HEX}{{0,2}}ff:fe{_HEX}{{1,2}}:{_HEX}{{1,4}}"
            r"(?:%[0-9A-Z_.\-]{1,32})?(?![\w:]|\.\d)",
            1.0,
        ),
        # EUI-64, as Zigbee IEEE addresses: 00:15:8d:00:01:23:45:67. Scored above the
        # IPv6 reading of the same text so the hardware address wins.
        Pattern(
            "EUI-64 (colon)",
            rf"(?<![\w]|{_HEX}:){_HEX}{{2}}(?::{_HEX}{{2}}){{7}}(?![\w]|:{_HEX})",
            0.95,
        ),
        # zigbee2mqtt's 0x00158d0001a2b3c4. Memory addresses and padded numbers share the
        # shape: ``invalidate_result`` drops those whose first octets no IEEE company id
        # has (see the module docstring); context (ieee, zigbee, joined) raises the rest.
        Pattern("EUI-64 (0x)", rf"\b0x{_HEX}{{16}}\b", 0.6),
        # The MAC at the end of a DHCPv6 DUID-LLT (type 1, hardware type 1, four bytes
        # of time) or DUID-LL (type 3, hardware type 1).
        Pattern(
            "MAC in DHCPv6 DUID",
            rf"(?<![\w:])(?:00:01:00:01:(?:{_HEX}{{2}}:){{4}}|00:03:00:01:)\K"
            rf"{_HEX}{{2}}(?::{_HEX}{{2}}){{5}}(?![\w]|:{_HEX})",
            0.9,
        ),
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
    PATTERN_TRIGGERS: ClassVar[dict[str, str]] = {
        "MAC in IPv6 (EUI-64)": "ff:fe",
        "EUI-64 (0x)": "0x[0-9a-f]{16}",
        "MAC in DHCPv6 DUID": "00:0[13]:00:01:",
    }

    def reject_in_context(self, text: str, start: int, end: int) -> bool:
        """A Matter fabric id (``fabric id 0x...``) is no IEEE address."""
        if not text.startswith("0x", start):
            return False
        return _FABRIC_ID_BEFORE.search(text, max(0, start - 16), start) is not None

    _NOT_PERSONAL = frozenset({"000000000000", "ffffffffffff", "020000000000"})

    def invalidate_result(self, pattern_text: str) -> bool | None:
        """Drop addresses that identify no device, and EUI-64 IPv6 look-alikes that
        carry no MAC."""
        if ":" in pattern_text and any(len(group) > 2 for group in pattern_text.split(":")):
            mac = embedded_mac(pattern_text)
            return mac is None or self.invalidate_result(mac)
        digits = "".join(c for c in pattern_text.lower() if c in "0123456789abcdef")
        if pattern_text[:2].lower() == "0x":
            digits = digits[1:]  # the "0" of "0x"; "x" was never kept
            if int(digits[:2], 16) & 0x03 or digits[:4] == "0000":
                return True  # no company's EUI-64: a pointer or a padded number
        return digits in self._NOT_PERSONAL or set(digits) <= {"0"}

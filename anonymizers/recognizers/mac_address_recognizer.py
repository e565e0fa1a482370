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

from anonymizers.recognizers._base import IotPatternRecognizer

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

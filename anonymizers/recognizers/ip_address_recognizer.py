"""Recognizer for IPv4 and IPv6 addresses, including IPv4 written into host names.

Residential and mobile IP addresses locate and often identify a household. Besides the
dotted and colon forms (validated with :mod:`ipaddress`, so ``13:04:05`` or
``999.1.1.1`` never match), ISPs and clouds spell the address into reverse-DNS names:
``host-10-105-160-95.isp.net``, ``ip-10-0-0-12.ec2.internal``,
``10-0-0-5.dyn.example.com``, zero-padded (``dsl-082-083-227-067``), unseparated
(``061092085098.isp.example``), glued to a label (``d211-116-254-214``,
``ec2-52-80-34-196``, ``host129.206.196.21.example.com``), and inside ids (HDFS's
``BP-1347-10.190.173.170-14...``); only the address part is reported, the ISP domain stays.
Version strings are the classic false positive: ``8.12.3`` and ``4.1.7_0012`` never
have the shape, and a four-part ``1.2.3.4`` is vetoed when a version label sits right
before it (``firmware 1.2.3.4``, ``v1.2.3.4``), or an update word in a line about
firmware (``running firmware 7.57, update 1.0.5.17 available``). Addresses that identify nobody
(loopback, unspecified, broadcast, netmasks) are not reported.
"""

from __future__ import annotations

import ipaddress
from typing import ClassVar

import regex

from anonymizers.recognizers._base import IotPatternRecognizer

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_H16 = "[0-9A-F]{1,4}"
# Candidate IPv6: 2..7 "group:" (groups may be empty for "::"), then a group, an
# embedded IPv4, or nothing after "::". ipaddress decides; the regex only finds shapes.
_IPV6 = (
    rf"(?:(?:{_H16})?:){{2,7}}(?:{_IPV4}|{_H16}|(?<=::))"
    r"(?:%[0-9A-Z_.\-]{1,32})?"  # zone id: fe80::1%wlan0
)
_VERSION_LABEL = regex.compile(
    r"(?:\b(?:v|ver|version|firmware|fw|sw|software|build|release|rel|os|kernel|app|bios)"
    r"[\s:=_\-]{0,3}|\bv)$",
    regex.IGNORECASE,
)
# "update 1.0.5.17", "upgrade to 4.1.7.12": a version when the line is about firmware
# (``_FIRMWARE_LINE`` before it); a dynamic-DNS "update 10.0.0.5" is about an address.
_UPDATE_LABEL = regex.compile(
    r"\b(?:update|upgrade|updating|upgrading)(?:[ \t]+to)?[\s:=]{1,3}$", regex.IGNORECASE
)
_FIRMWARE_LINE = regex.compile(r"\b(?:firmware|fw|ota)\b", regex.IGNORECASE)
_NETMASK_OCTETS = frozenset({"0", "128", "192", "224", "240", "248", "252", "254", "255"})


class IpAddressRecognizer(IotPatternRecognizer):
    """Recognize IPv4/IPv6 addresses, also when embedded dash-separated in host names."""

    # A dotted or dashed quad, or a colon form ipaddress can accept: with "::", or eight
    # groups (seven colons). Times (13:04:05) and versions (4.1.7) are half of all log
    # lines and never get here. A mixed form (::ffff:1.2.3.4) holds a quad or "::".
    # The rarer host-name and id shapes, each searched only where its core occurs.
    PATTERN_TRIGGERS: ClassVar[dict[str, str]] = {
        "IPv4 in host name (unseparated)": r"\d{12}\.[a-z]",
        "IPv4 in host name (glued to label)": r"[a-z]\d{1,3}-\d",
        "IPv4 inside an id": r"\d-\d{1,3}\.\d",
    }
    TRIGGER = r"\d{1,3}[.\-]\d{1,3}[.\-]\d{1,3}[.\-]\d{1,3}|::|(?:[0-9a-f]{1,4}:){7}|\d{12}\.[a-z]"

    def validate_result(self, pattern_text: str) -> bool | None:
        """False for text that is no address; None (keep the pattern score) otherwise."""
        candidate = pattern_text
        if "-" in candidate and "." not in candidate and ":" not in candidate:
            # Dashed host-name form; its octets may be zero-padded (082-083-227-067).
            candidate = ".".join(str(int(octet)) for octet in candidate.split("-"))
        elif len(candidate) == 12 and candidate.isdigit():
            candidate = ".".join(str(int(candidate[i : i + 3])) for i in range(0, 12, 3))
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            return False
        return None if _identifies_someone(address, candidate) else False

    def reject_in_context(self, text: str, start: int, end: int) -> bool:
        """Veto dotted quads labelled as versions: ``firmware 1.2.3.4``, ``v2.0.0.1``, and
        ``update 1.2.3.4`` in a line about firmware (``running firmware 1.1, update 1.0.5.17``)."""
        if text[start:end].count(".") != 3:
            return False
        if _VERSION_LABEL.search(text, max(0, start - 12), start):
            return True
        line_start = text.rfind("\n", 0, start) + 1
        return bool(
            _UPDATE_LABEL.search(text, max(line_start, start - 16), start)
            and _FIRMWARE_LINE.search(text, line_start, start)
        )


def _identifies_someone(address: ipaddress.IPv4Address | ipaddress.IPv6Address, text: str) -> bool:
    if address.is_loopback or address.is_unspecified:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        octets = text.split(".")
        if all(o in _NETMASK_OCTETS for o in octets) and _is_contiguous_mask(address):
            return False  # 255.255.255.0 is configuration, not a host
    return True


def _is_contiguous_mask(address: ipaddress.IPv4Address) -> bool:
    bits = int(address)
    inverted = ~bits & 0xFFFFFFFF
    return bits != 0 and (inverted & (inverted + 1)) == 0

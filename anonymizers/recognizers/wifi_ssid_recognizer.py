"""Recognizer for Wi-Fi network names (SSIDs) written after their key or a lead-in.

Home SSIDs are chosen by people and often carry a family name, a street or a flat
number (``Schmidt-5G``, ``FRITZ!Box 7590 XY``), so they are identifiers of a household.
An SSID has no shape of its own (1-32 arbitrary bytes), so it is only recognized after
something that names it: a key (``SSID "…"``, ``ssid=…``, ``ESSID:"…"``), a Wi-Fi
lead-in (``wifi network '…'``, ``associated with '…'``) or ``connected to …``. Quoted
values are taken whole (spaces included); unquoted ones run to the next delimiter.
``connected to X`` on its own is weak (``connected to broker``) and needs Wi-Fi
context nearby (``wlan0``, ``wpa``, ``ssid``) to count. Two program formats name the
network without a key: ESP-IDF's station event (``wifi:connected with <ssid>, aid = 2,
channel 6``; the SSID runs to ``, aid =``, so it may hold spaces and commas), and a
controller's station line, where the quoted name after an access point and ``on`` is the
network it serves (``associated with AP 3c:07:54:c6:c3:91 on "HomeNet"``). Placeholders such as
``<unknown ssid>`` or ``off/any`` are not reported.
"""

from __future__ import annotations

import ipaddress
from typing import ClassVar

from presidio_analyzer import Pattern

from anonymizers.recognizers._base import KEY_VALUE_SEPARATOR, IotPatternRecognizer

_SSID_KEY = r"\b(?:e?ssid|network[_ ]?name|wifi[_ ]?name|ap[_ ]?name)"
# Lead-ins that name a Wi-Fi network; a quoted value after them is an SSID.
_WIFI_LEAD = (
    r"\b(?:(?:wi-?fi|wlan|wireless)(?:[ \t]+(?:network|ssid|ap|access[ \t]+point))?"
    r"|associat(?:ed|ing)[ \t]+(?:with|to)"
    r"|(?:re)?connect(?:ed|ing)[ \t]+to(?:[ \t]+(?:wi-?fi|wlan|network|ap))?)"
)
# Vaguer lead-ins (NetworkManager's "connection 'HomeNet'"): need Wi-Fi context.
_WEAK_LEAD = (
    r"\b(?:connection|network|access[ \t]+point|join(?:ed|ing)?(?:[ \t]+network)?"
    r"|found|sees?|saw|scann?(?:ed|ing)?)"
)
# Words that follow "connected to" / "SSID" but are not network names.
_NOT_AN_SSID = (
    r"(?!(?:the|a|an|is|was|not|none|null|of|for|from|to|on|in|and|or|with|server|broker|"
    r"cloud|host|mqtt|internet|wifi|wi-fi|wlan|network|ap|access|gateway|hub|bluetooth|ble|"
    r"device|port|bus|power|charger|usb|scan|list|changed|hidden|mismatch|found|filter|"
    r"count|length|len|any)\b)"
)
_QUOTES = (('"', '"'), ("'", "'"), ("\u201c", "\u201d"), ("\u2018", "\u2019"))


def _quoted(lead: str, name: str, score: float) -> Pattern:
    """The value between quotes after ``lead``; one regex for all quote styles."""
    values = "|".join(rf"{open_}\K[^{close}\r\n]{{1,32}}(?={close})" for open_, close in _QUOTES)
    return Pattern(name, rf"{lead}(?:{KEY_VALUE_SEPARATOR}|[ \t]{{0,3}})(?:{values})", score)


class WifiSsidRecognizer(IotPatternRecognizer):
    """Recognize SSIDs after a key, a Wi-Fi lead-in or ``connected to``."""

    ENTITY = "WIFI_SSID"
    PATTERNS: ClassVar[list[Pattern]] = [
        _quoted(_SSID_KEY, "SSID (quoted, after key)", 0.9),
        _quoted(_WIFI_LEAD, "SSID (quoted, after Wi-Fi lead-in)", 0.6),
        _quoted(_WEAK_LEAD, "SSID (quoted, after weak lead-in)", 0.4),
        # ssid=HomeNet / "ssid":"x" handled above; key=value ends at whitespace.
        Pattern(
            "SSID (unquoted, key=value)",
            rf"{_SSID_KEY}[ \t]{{0,3}}=[ \t]{{0,3}}\K(?![\"'<])[^\s\"',;|)\]}}>]{{1,32}}",
            0.85,
        ),
        # "SSID: My Home, BSSID: ..." (Android): runs to the next delimiter or key.
        Pattern(
            "SSID (unquoted, key: value)",
            rf"{_SSID_KEY}[ \t]{{0,3}}:[ \t]{{0,3}}\K(?![\"'<\s])[^,;|\r\n\"'<>]{{1,32}}?"
            r"(?=[ \t]*(?:[,;|)\]}\r\n]|$)|[ \t]+[\w\-]+[:=])",
            0.8,
        ),
        # "SSID HomeNet" / fallback for a long unquoted value: one token.
        Pattern(
            "SSID (one token after key)",
            rf"{_SSID_KEY}[ \t]{{0,3}}[:=]?[ \t]{{1,3}}\K{_NOT_AN_SSID}(?![\"'<])[^\s\"',;|)\]}}>]{{1,32}}",
            0.6,
        ),
        # ESP-IDF (esp_wifi): "wifi:connected with HomeNet, aid = 2, channel 6, BW20, bssid = ...".
        Pattern(
            "SSID (ESP-IDF connected with)",
            r"\bwifi:connected[ \t]+with[ \t]+\K[^\r\n]{1,32}?(?=, aid = \d)",
            0.9,
        ),
        # A controller's station line: the quoted network an access point (named by its
        # MAC) serves, "associated with AP 3c:07:54:c6:c3:91 on \"HomeNet\"".
        _quoted(r"\bAP[ \t]+[0-9a-f]{2}(?:[:\-.]?[0-9a-f]{2}){5}[ \t]+on", "SSID (quoted, AP on)", 0.6),
        # "wlan0: connected to HomeNet": weak, Wi-Fi context must confirm it.
        Pattern(
            "SSID (one token after connected to)",
            rf"\bconnected[ \t]+to[ \t]+\K{_NOT_AN_SSID}(?![\"'<\[(])[^\s\"',;|)\]}}>]{{1,32}}",
            0.35,
        ),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "ssid",
        "essid",
        "bssid",
        "wifi",
        "wi-fi",
        "wlan",
        "wpa",
        "wpa_supplicant",
        "supplicant",
        "wireless",
        "access point",
        "ap",
        "802.11",
    ]
    TRIGGER = (
        r"ssid|wi-?fi|wlan|wireless|connect|network|associat|join|access|name|found|see|saw|scan|"
        r"(?<![a-z])ap "
    )

    _PLACEHOLDERS = frozenset(
        {"<unknown ssid>", "unknown ssid", "<hidden>", "hidden", "off/any", "any", "none", "null", "n/a"}
    )

    def invalidate_result(self, pattern_text: str) -> bool:
        """Drop placeholders printed when there is no network, and IP addresses
        (``connected to 10.0.0.1``), which the IP recognizer reports as what they are."""
        value = pattern_text.strip().lower()
        if not value or value in self._PLACEHOLDERS:
            return True
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return False
        return True

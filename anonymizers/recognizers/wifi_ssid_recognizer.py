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

from anonymizers.recognizers._base import IotPatternRecognizer

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


# The value between quotes after a lead-in; one regex for all quote styles.
_QUOTED_VALUE = "|".join(rf"{open_}\K[^{close}\r\n]{{1,32}}(?={close})" for open_, close in _QUOTES)


class WifiSsidRecognizer(IotPatternRecognizer):
    """Recognize SSIDs after a key, a Wi-Fi lead-in or ``connected to``."""

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

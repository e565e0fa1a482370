"""Keyed pseudonyms: the same identifier gives the same token everywhere.

An identifier (account id, device serial, MAC, IP, e-mail, phone, username, SSID) is
normalized, prefixed with its kind for domain separation, and hashed with HMAC-SHA256
under a secret key. The token is a short kind prefix plus 20 hex digits (80 bits).

This is the Python form, used for free-text replacement inside Presidio operators
(``anonymizers.operators``) and by the library for resolving erasure requests on the
driver. Its native Spark twin for structured columns, ``privlake.pseudonym.pseudonym_column``,
builds on the constants here, and a test holds the two equal.
"""

from __future__ import annotations

import hashlib
import hmac
import re

TOKEN_PREFIX: dict[str, str] = {
    "account_id": "acct_",
    "device_serial": "dev_",
    "mac_address": "mac_",
    "ip_address": "ip_",
    "email": "email_",
    "phone": "tel_",
    "username": "user_",
    "ssid": "ssid_",
}
TOKEN_HEX_DIGITS = 20

# The entity type under which each identifier kind is found in text: the Spark job
# labels a record's deny values (and the erasure job its subjects' identifiers) with it.
ENTITY_TYPE_FOR_KIND: dict[str, str] = {
    "account_id": "ACCOUNT_ID",
    "device_serial": "DEVICE_SERIAL",
    "mac_address": "MAC_ADDRESS",
    "ip_address": "IP_ADDRESS",
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "username": "USERNAME",
    "ssid": "WIFI_SSID",
}


def normalize(value: str, kind: str) -> str:
    """The canonical form hashed for ``kind``: the Python twin of
    ``privlake.pseudonym._normalized_column``."""
    v = value.strip()
    if kind == "mac_address":
        return re.sub(r"[^0-9a-f]", "", v.lower())
    if kind in ("ip_address", "email", "username"):
        return v.lower()
    if kind == "phone":
        digits = re.sub(r"[^0-9]", "", v)
        return digits[2:] if v.startswith("00") else digits
    if kind == "device_serial":
        return v.upper()
    return v


def check_kind(kind: str) -> None:
    """Raise ValueError unless ``kind`` is an identifier kind (a key of ``TOKEN_PREFIX``)."""
    if kind not in TOKEN_PREFIX:
        raise ValueError(f"unknown identifier kind {kind!r}; expected one of {sorted(TOKEN_PREFIX)}")


def pseudonymize(value: str, kind: str, key: bytes) -> str:
    """HMAC-SHA256 pseudonym of ``value`` as an identifier of ``kind``."""
    check_kind(kind)
    message = f"{kind}:{normalize(value, kind)}".encode()
    digest = hmac.new(key, message, hashlib.sha256).hexdigest()
    return TOKEN_PREFIX[kind] + digest[:TOKEN_HEX_DIGITS]

"""Keyed pseudonyms: the same identifier gives the same token everywhere.

An identifier (account id, device serial, MAC, IP, e-mail, phone, username, SSID) is
normalized, prefixed with its kind for domain separation, and hashed with HMAC-SHA256
under a secret key. The token is a short kind prefix plus 20 hex digits (80 bits).

There are two implementations of the same function and a test that holds them equal:
``pseudonymize`` (Python, for free-text replacement inside Presidio operators and for
resolving erasure requests on the driver) and ``pseudonym_column`` (native Spark SQL
expressions, for structured columns: no Python UDF on that path). Spark has no HMAC
function, so the column form spells HMAC out of ``sha2``: H((K ^ opad) || H((K ^ ipad) || m)).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pyspark.sql import Column

IdentifierKind = Literal[
    "account_id", "device_serial", "mac_address", "ip_address", "email", "phone", "username", "ssid"
]

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
_BLOCK_SIZE = 64  # SHA-256 block size in bytes, as HMAC (RFC 2104) requires


@dataclass(frozen=True)
class PseudonymKey:
    """A secret key and its public id (recorded with every table so keys can rotate)."""

    key_id: str
    secret: bytes

    def __repr__(self) -> str:  # never print the secret
        return f"PseudonymKey(key_id={self.key_id!r})"


def normalize(value: str, kind: str) -> str:
    """The canonical form hashed for ``kind``: the Python twin of ``_normalized_column``."""
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


def pseudonymize(value: str, kind: str, key: bytes) -> str:
    """HMAC-SHA256 pseudonym of ``value`` as an identifier of ``kind``."""
    if kind not in TOKEN_PREFIX:
        raise ValueError(f"unknown identifier kind {kind!r}; expected one of {sorted(TOKEN_PREFIX)}")
    message = f"{kind}:{normalize(value, kind)}".encode()
    digest = hmac.new(key, message, hashlib.sha256).hexdigest()
    return TOKEN_PREFIX[kind] + digest[:TOKEN_HEX_DIGITS]


def _padded_key(key: bytes) -> bytes:
    if len(key) > _BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    return key.ljust(_BLOCK_SIZE, b"\0")


def _normalized_column(col: Column, kind: str) -> Column:
    """Native Spark normalization, equal to ``normalize`` (a test holds them equal).

    IPv6 is lower-cased but not re-compressed: Spark has no inet type, and both twins
    must agree byte for byte.
    """
    from pyspark.sql import functions as F

    v = F.trim(col)
    if kind == "mac_address":
        return F.regexp_replace(F.lower(v), "[^0-9a-f]", "")
    if kind in ("ip_address", "email", "username"):
        return F.lower(v)
    if kind == "phone":
        digits = F.regexp_replace(v, "[^0-9]", "")
        return F.when(v.startswith("00"), F.substring(digits, 3, 1 << 20)).otherwise(digits)
    if kind == "device_serial":
        return F.upper(v)
    return v


def hmac_hex_column(message: Column, key: bytes) -> Column:
    """Hex HMAC-SHA256 of ``message`` (a string or binary column) under ``key``, natively."""
    from pyspark.sql import functions as F

    padded = _padded_key(key)
    inner_pad = bytes(b ^ 0x36 for b in padded).hex()
    outer_pad = bytes(b ^ 0x5C for b in padded).hex()
    inner = F.unhex(F.sha2(F.concat(F.unhex(F.lit(inner_pad)), message.cast("binary")), 256))
    return F.sha2(F.concat(F.unhex(F.lit(outer_pad)), inner), 256)


def pseudonym_column(col: Column, kind: str, key: bytes) -> Column:
    """The Spark expression twin of ``pseudonymize``; null stays null."""
    from pyspark.sql import functions as F

    if kind not in TOKEN_PREFIX:
        raise ValueError(f"unknown identifier kind {kind!r}; expected one of {sorted(TOKEN_PREFIX)}")
    message = F.concat(F.lit(f"{kind}:"), _normalized_column(col, kind))
    digest = hmac_hex_column(message, key)
    token = F.concat(F.lit(TOKEN_PREFIX[kind]), F.substring(digest, 1, TOKEN_HEX_DIGITS))
    return F.when(col.isNull(), F.lit(None).cast("string")).otherwise(token)

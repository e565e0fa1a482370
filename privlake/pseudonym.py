"""Keyed pseudonyms as native Spark column expressions, for structured columns.

The keyed pseudonym itself (normalization, domain separation by kind, token format) is
``anonymizers.pseudonym``; ``pseudonym_column`` is its twin in Spark SQL (no Python UDF
on that path), and a test holds the two equal. Spark has no HMAC function, so the column
form spells HMAC out of ``sha2``: H((K ^ opad) || H((K ^ ipad) || m)). ``PseudonymKey``
is the pipeline's key with its public id.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from anonymizers.pseudonym import TOKEN_HEX_DIGITS, TOKEN_PREFIX, check_kind

if TYPE_CHECKING:
    from pyspark.sql import Column

_BLOCK_SIZE = 64  # SHA-256 block size in bytes, as HMAC (RFC 2104) requires


@dataclass(frozen=True)
class PseudonymKey:
    """A secret key and its public id (recorded with every table so keys can rotate)."""

    key_id: str
    secret: bytes

    def __repr__(self) -> str:  # never print the secret
        return f"PseudonymKey(key_id={self.key_id!r})"


def _padded_key(key: bytes) -> bytes:
    if len(key) > _BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    return key.ljust(_BLOCK_SIZE, b"\0")


def _normalized_column(col: Column, kind: str) -> Column:
    """Native Spark normalization, equal to ``anonymizers.pseudonym.normalize`` (a test
    holds them equal).

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
    """The Spark expression twin of ``anonymizers.pseudonym.pseudonymize``; null stays null."""
    from pyspark.sql import functions as F

    check_kind(kind)
    message = F.concat(F.lit(f"{kind}:"), _normalized_column(col, kind))
    digest = hmac_hex_column(message, key)
    token = F.concat(F.lit(TOKEN_PREFIX[kind]), F.substring(digest, 1, TOKEN_HEX_DIGITS))
    return F.when(col.isNull(), F.lit(None).cast("string")).otherwise(token)

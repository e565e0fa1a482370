"""Subject identifiers: kinds, normalization, keyed hashes and the patterns that find mentions.

A request names a subject by ``account_id``, ``email``, ``phone`` or ``device_serial``.
Values are normalized the way the pseudonymizer does (e-mail and serial case, MAC notation,
phone numbers to E.164 with ``phonenumbers``), so the keyed hash of a request's identifier
equals the pseudonym of the same value in silver. A mention of an identifier in free text
may use another notation (a MAC as ``AA-BB-..`` or ``aabb.ccdd.eeff``, a phone number in
national format), so ``mention_variants`` lists every notation and ``MentionPattern`` matches
them case-insensitively between non-alphanumeric boundaries, in Python (bytes and text) and as
a Java regex for Spark. Nothing here logs or prints a value.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import phonenumbers

from anonymizers.pseudonym import TOKEN_PREFIX, normalize, pseudonymize
from privlake.errors import BadInputError
from privlake.privacy import REQUEST_KINDS

RequestKind = Literal["account_id", "email", "phone", "device_serial"]
# A person's name has no pseudonym kind (it never reaches silver); its hash gets its own prefix.
PERSON_NAME = "person_name"
REDACTED = "[REDACTED]"
# Shorter notations would match inside unrelated text; they are not used for mentions.
MIN_MENTION_CHARS = 4
_BOUNDARY_BEFORE = "(?<![0-9A-Za-z])"
_BOUNDARY_AFTER = "(?![0-9A-Za-z])"
_PHONE_SEPARATORS = "[\\s./()-]{0,2}"


class IdentifierError(BadInputError):
    """A subject identifier in a request is malformed (the message names where, never the value)."""


def normalize_phone(value: str) -> str:
    """E.164 form of an international phone number (``+49...`` or ``0049...``)."""
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        raise ValueError("give the phone number in international format, starting with + or 00")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_identifier(kind: str, value: str) -> str:
    """The canonical form of a request identifier; ``ValueError`` (without the value) if invalid."""
    text = value.strip()
    if not text:
        raise ValueError("empty value")
    if kind == "phone":
        return normalize_phone(text)
    if kind == "email":
        if "@" not in text or text.startswith("@") or text.endswith("@"):
            raise ValueError("not an e-mail address")
        return text.lower()
    if kind == "device_serial":
        return text.upper()
    if kind == "account_id":
        return text
    raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(REQUEST_KINDS)}")


def keyed_hash(kind: str, value: str, key: bytes) -> str:
    """HMAC-SHA256 of the value: the silver pseudonym for pseudonym kinds, ``name_...`` for names."""
    if kind in TOKEN_PREFIX:
        return pseudonymize(value, kind, key)
    message = f"{kind}:{value.strip().lower()}".encode()
    return "name_" + hmac.new(key, message, hashlib.sha256).hexdigest()[:20]


def _mac_variants(value: str) -> list[str]:
    digits = normalize(value, "mac_address")
    if len(digits) != 12:
        return [value]
    pairs = [digits[i : i + 2] for i in range(0, 12, 2)]
    return [":".join(pairs), "-".join(pairs), ".".join(digits[i : i + 4] for i in range(0, 12, 4)), digits]


def _spaced_digits(digits: str) -> str:
    """Digits with any separators people type between them (spaces, dots, dashes, brackets)."""
    return _PHONE_SEPARATORS.join(digits)


def _phone_fragments(value: str) -> list[str]:
    """International (``+CC``/``00CC``) and national forms, whatever the spacing."""
    try:
        number = phonenumbers.parse(normalize_phone(value), None)
    except ValueError:
        return [re.escape(value)]
    national_significant = phonenumbers.national_significant_number(number)
    national = re.sub(
        r"[^0-9]", "", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    )
    trunk = (
        national[: len(national) - len(national_significant)]
        if national.endswith(national_significant)
        else ""
    )
    country = str(number.country_code)
    international = f"(?:\\+|00){_PHONE_SEPARATORS}{_spaced_digits(country)}{_PHONE_SEPARATORS}"
    fragments = [international + _spaced_digits(national_significant)]
    if trunk:
        fragments.append(_spaced_digits(trunk + national_significant))
    return fragments


def mention_fragments(kind: str, value: str) -> list[str]:
    """Regex fragments (valid in Python and Java) for every notation of ``value`` in text."""
    value = value.strip()
    if kind == "phone":
        return _phone_fragments(value)
    variants = _mac_variants(value) if kind == "mac_address" else [value]
    return [re.escape(v) for v in variants if len(v) >= MIN_MENTION_CHARS]


@dataclass(frozen=True)
class MentionPattern:
    """A case-insensitive alternation of a subject's identifiers, between non-alphanumerics.

    Fragments are ``re.escape``d literals (Python escapes only punctuation, which Java reads the
    same way) or the phone forms above, so one string serves Python and Spark (Java regex).
    """

    fragments: tuple[str, ...]

    @classmethod
    def of(cls, identifiers: Iterable[tuple[str, str]]) -> MentionPattern:
        """From (kind, value) pairs; longest fragment first so a long form wins over its prefix."""
        fragments = {f for kind, value in identifiers for f in mention_fragments(kind, value)}
        return cls(tuple(sorted(fragments, key=lambda f: (-len(f), f))))

    def __bool__(self) -> bool:
        return bool(self.fragments)

    def _body(self) -> str:
        return f"{_BOUNDARY_BEFORE}(?:{'|'.join(self.fragments) or '(?!)'}){_BOUNDARY_AFTER}"

    def text(self) -> re.Pattern[str]:
        return re.compile(self._body(), re.IGNORECASE)

    def binary(self) -> re.Pattern[bytes]:
        return re.compile(self._body().encode(), re.IGNORECASE)

    def java(self) -> str:
        """The same pattern for Spark's ``rlike`` and ``regexp_replace``."""
        return "(?iu)" + self._body()


def parse_subject_argument(text: str, where: str) -> tuple[str, str]:
    """``KIND=VALUE`` from the command line or a DAG form line; errors name ``where``, not the value."""
    kind, sep, value = text.partition("=")
    kind = kind.strip()
    if not sep:
        raise IdentifierError(f"{where}: expected KIND=VALUE with KIND one of {', '.join(REQUEST_KINDS)}")
    if kind not in REQUEST_KINDS:
        raise IdentifierError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(REQUEST_KINDS)}")
    return kind, value.strip()

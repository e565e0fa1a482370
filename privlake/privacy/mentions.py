"""Erased identifiers: what an erasure records so that ingest can redact later mentions of them.

The deny list (``privlake.privacy.denylist``) holds account pseudonyms, which screen a row by
its subject column but cannot recognise the subject's e-mail in someone else's message. So the
erasure also records, in ``privacy/erased_identifiers``, the keyed hashes (the silver tokens,
``privlake.pseudonym``) of every identifier the erased subjects hold *exclusively*: account id,
e-mail, phone, MACs, device serials, username, IPs, SSIDs and the person name. Shared values
(a neighbour's Wi-Fi, a shared IP) are never recorded: redacting them would damage other
subjects' rows. Phone numbers are recorded in E.164 (national notations resolved with the
configured ``deidentify.phone_regions``), so any written form can be matched.

Ingest works the other way round from the erasure's ``MentionPattern``, which searches text for
known raw values: ingest knows only hashes, so ``ErasedIdentifiers.hits`` finds *candidates* of
each kind in the text (e-mail addresses, MACs in every notation, IPv4 and IPv6, phone numbers
written with separators, words shaped like account ids, serials and usernames, runs of two or
three capitalized words for names), normalizes each the way the pseudonymizer does, hashes it
with the key and keeps the candidates whose hash is in the erased set. All of it is native Spark
(``regexp_extract_all``, higher-order functions, the HMAC spelled out of ``sha2``): no Python
UDF. Limits: an SSID is free-form and has no shape to find, so SSIDs are recorded but not
matched; names only as two or three capitalized words; a phone number is found as one run of
digits and separators (or that run without its last group of digits), not inside a longer run;
an IPv6 address only in the notation it was recorded in (not re-compressed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import phonenumbers

from anonymizers.phones import phone_readings
from anonymizers.pseudonym import TOKEN_HEX_DIGITS, pseudonymize
from privlake.config import PrivlakeConfig
from privlake.delta import ensure_table, table_exists, with_conflict_retry
from privlake.frames import json_frame
from privlake.privacy.identifiers import PERSON_NAME, REDACTED, keyed_hash, normalize_phone
from privlake.pseudonym import hmac_hex_column, pseudonym_column
from privlake.schema import table_schema

if TYPE_CHECKING:
    from pyspark.sql import Column, SparkSession
    from pyspark.sql.types import StructType

    from privlake.privacy.resolution import SubjectProfile

ERASED_IDENTIFIERS_TABLE = "erased_identifiers"

# Candidate shapes, Java regexes between non-alphanumeric boundaries. Matching is by hash, so a
# generous shape costs hashing, never a wrong redaction.
_EMAIL = (
    r"(?<![0-9A-Za-z._%+-])[0-9A-Za-z._%+-]+@[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*\.[A-Za-z]{2,}"
    r"(?![0-9A-Za-z])"
)
_MAC = (
    r"(?<![0-9A-Za-z])(?:[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"
    r"|[0-9A-Fa-f]{12})(?![0-9A-Za-z])"
)
_IP = (
    r"(?<![0-9A-Za-z.:])(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}|(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{1,4})"
    r"(?![0-9A-Za-z:]|\.[0-9])"
)
# Digits with at most two separators between them (spaces, dots, slashes, dashes, brackets).
_PHONE = r"(?<![0-9A-Za-z+])\+?\(?[0-9](?:[ ./()-]{0,2}[0-9]){6,17}(?![0-9A-Za-z])"
_PHONE_LAST_GROUP = r"[ ./()-]+[0-9]+$"
# Account ids, serials, usernames: a word that may hold dots, dashes and underscores.
_WORD = r"(?<![0-9A-Za-z._-])[0-9A-Za-z][0-9A-Za-z._-]{2,62}[0-9A-Za-z](?![0-9A-Za-z])"
# Two and three capitalized words, overlapping (a lookahead), as separate candidates.
_NAME_WORD = r"\p{Lu}[\p{L}'\-]*\p{Ll}[\p{L}'\-]*"
_NAMES = tuple(
    rf"(?<![\p{{L}}\p{{N}}])(?=({_NAME_WORD}(?: {_NAME_WORD}){{{n}}})(?![\p{{L}}\p{{N}}]))" for n in (1, 2)
)
WORD_KINDS = ("account_id", "device_serial", "username")


def erased_identifiers_schema() -> StructType:
    return table_schema(
        "kind STRING NOT NULL, token STRING NOT NULL, request_id STRING NOT NULL, added_at TIMESTAMP NOT NULL"
    )


def phone_numbers(value: str, regions: Sequence[str]) -> list[str]:
    """E.164 forms of a phone value: itself if international, else its valid reading per region."""
    try:
        return [normalize_phone(value)]
    except ValueError:
        pass
    return sorted(
        {
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            for _, number in phone_readings(value, regions)
            if phonenumbers.is_valid_number(number)
        }
    )


def identifier_tokens(
    profiles: Iterable[SubjectProfile], key: bytes, regions: Sequence[str]
) -> list[tuple[str, str]]:
    """(kind, keyed hash) of every exclusive identifier of the subjects: what ingest matches."""
    tokens = set()
    for profile in profiles:
        for kind, value in profile.exclusive():
            if kind == "phone":
                tokens |= {(kind, pseudonymize(n, kind, key)) for n in phone_numbers(value, regions)}
            tokens.add((kind, keyed_hash(kind, value, key)))
    return sorted(tokens)


def add_erased_identifiers(
    spark: SparkSession, config: PrivlakeConfig, tokens: Iterable[tuple[str, str]], request_id: str
) -> None:
    """Record the tokens (a MERGE on kind and token: a re-run, or another request, adds nothing twice)."""
    from delta.tables import DeltaTable

    path = config.table_path("privacy", ERASED_IDENTIFIERS_TABLE)
    schema = erased_identifiers_schema()
    ensure_table(spark, path, schema, stats_columns=["kind", "request_id"])
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = json_frame(spark, [(k, t, request_id, now) for k, t in sorted(set(tokens))], schema)

    def merge() -> None:
        (
            DeltaTable.forPath(spark, path)
            .alias("t")
            .merge(rows.alias("s"), "t.kind = s.kind AND t.token = s.token")
            .whenNotMatchedInsertAll()
            .execute()
        )

    with_conflict_retry(merge, f"add identifiers to privacy/{ERASED_IDENTIFIERS_TABLE}")


def _region_prefixes(regions: Sequence[str]) -> list[tuple[str, str]]:
    """(country code, national trunk prefix or '') of each region, once each."""
    out = set()
    for region in regions:
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region.upper())
        if meta is not None and meta.country_code is not None:
            out.add((str(meta.country_code), meta.national_prefix or ""))
    return sorted(out)


@dataclass(frozen=True)
class ErasedIdentifiers:
    """The erased set, read once per run: kind -> keyed hashes (small; matched as literal lists)."""

    tokens: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def load(cls, spark: SparkSession, config: PrivlakeConfig) -> ErasedIdentifiers:
        path = config.table_path("privacy", ERASED_IDENTIFIERS_TABLE)
        if not table_exists(spark, path):
            return cls(())
        rows = spark.read.format("delta").load(path).select("kind", "token").collect()
        return cls.of_pairs((r["kind"], r["token"]) for r in rows)

    @classmethod
    def of_pairs(cls, pairs: Iterable[tuple[str, str]]) -> ErasedIdentifiers:
        """From (kind, token) pairs, as ``identifier_tokens`` gives them."""
        by_kind: dict[str, set[str]] = {}
        for kind, token in pairs:
            by_kind.setdefault(kind, set()).add(token)
        return cls(tuple((k, tuple(sorted(v))) for k, v in sorted(by_kind.items())))

    @property
    def active(self) -> bool:
        return any(tokens for _, tokens in self.tokens)

    def of(self, kind: str) -> list[str]:
        return next((list(t) for k, t in self.tokens if k == kind), [])

    def _listed(self, kind: str, token: Column) -> Column:
        from pyspark.sql import functions as F

        return F.coalesce(token.isin(self.of(kind)), F.lit(False))

    def _phone_hit(self, candidate: Column, key: bytes, regions: Sequence[str]) -> Column:
        """International notations hash as they are; national ones once per region's country code."""
        from pyspark.sql import functions as F

        digits = F.regexp_replace(candidate, "[^0-9]", "")
        international = candidate.startswith("+") | digits.startswith("00")
        national = F.lit(False)
        for country, trunk in _region_prefixes(regions):
            number = digits
            if trunk:
                number = F.when(digits.startswith(trunk), F.substring(digits, len(trunk) + 1, 64)).otherwise(
                    digits
                )
            as_e164 = pseudonym_column(F.concat(F.lit(country), number), "phone", key)
            national = national | self._listed("phone", as_e164)
        as_written = self._listed("phone", pseudonym_column(candidate, "phone", key))
        return F.when(international, as_written).otherwise(national)

    def _name_hit(self, candidate: Column, key: bytes) -> Column:
        from pyspark.sql import functions as F

        message = F.concat(F.lit(f"{PERSON_NAME}:"), F.lower(F.trim(candidate)))
        digest = F.substring(hmac_hex_column(message, key), 1, TOKEN_HEX_DIGITS)
        return self._listed(PERSON_NAME, F.concat(F.lit("name_"), digest))

    def hits(self, text: Column, key: bytes, regions: Sequence[str]) -> Column:
        """The substrings of ``text`` that are mentions of erased identifiers, one per occurrence."""
        from pyspark.sql import functions as F

        def found(pattern: str, group: int = 0) -> Column:
            return F.regexp_extract_all(text, F.lit(pattern), F.lit(group))

        def kept(candidates: Column, hit: Callable[[Column], Column]) -> Column:
            return F.filter(candidates, hit)

        def listed_as(kind: str) -> Callable[[Column], Column]:
            # a closure, not a default argument: Spark reads a second parameter as the index
            return lambda c: self._listed(kind, pseudonym_column(c, kind, key))

        parts = []
        for kind, pattern in (("email", _EMAIL), ("mac_address", _MAC), ("ip_address", _IP)):
            if self.of(kind):
                parts.append(kept(found(pattern), listed_as(kind)))
        if self.of("phone"):
            runs = found(_PHONE)
            shorter = F.filter(
                F.transform(runs, lambda c: F.regexp_replace(c, _PHONE_LAST_GROUP, "")),
                lambda c: F.length(F.regexp_replace(c, "[^0-9]", "")) >= 7,
            )
            # a run and the same run without its last group cannot both be one number
            candidates = F.concat(runs, F.array_except(shorter, runs))
            parts.append(kept(candidates, lambda c: self._phone_hit(c, key, regions)))
        words = [k for k in WORD_KINDS if self.of(k)]
        if words:

            def word_hit(c: Column) -> Column:
                hit = F.lit(False)
                for kind in words:
                    hit = hit | self._listed(kind, pseudonym_column(c, kind, key))
                return hit

            parts.append(kept(found(_WORD), word_hit))
        if self.of(PERSON_NAME):
            for pattern in _NAMES:
                parts.append(kept(found(pattern, 1), lambda c: self._name_hit(c, key)))
        nothing = F.array().cast("array<string>")
        # a null text has no candidates: an empty array, never null (callers flatten these)
        return F.coalesce(F.concat(*parts), nothing) if parts else nothing


def redacted_text(text: Column, hits: Column) -> Column:
    """``text`` with every hit replaced by ``[REDACTED]``, longest first (an e-mail before the
    username inside it); unchanged, byte for byte, when there is no hit."""
    from pyspark.sql import functions as F

    longest_first = F.array_sort(F.array_distinct(hits), lambda a, b: F.length(b) - F.length(a))
    replaced = F.aggregate(longest_first, text, lambda acc, hit: F.replace(acc, hit, F.lit(REDACTED)))
    return F.when(hits.isNotNull() & (F.size(hits) > 0), replaced).otherwise(text)

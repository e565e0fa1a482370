"""Resolution: from the identifiers a request gives to the subjects they belong to, and from each
subject to every identifier it owns.

An e-mail, phone number or device serial resolves to the owning account through every
dataset that holds a column of that kind, in bronze and in raw rows isolated into
``restricted/`` (the accounts snapshot for e-mail and phone, device logs and usage history for
serials). Comparisons are by keyed pseudonym, so no raw value enters a Spark plan; phone
numbers also match national notations (digits ending in the national number, confirmed with
``phonenumbers`` against the row's country). An account id names its subject directly, even
when the lake holds nothing of it yet (it still goes on the deny list); any other identifier
that matches nothing is reported as unresolved, not an error.

A subject's identifiers are the values of its rows' identifier columns (devices, MACs, IPs,
SSIDs, e-mail, phone, username, display name). A value that other subjects' rows hold too (a
neighbour's Wi-Fi network, a shared IP) is *shared*: it goes with the subject's rows, but it
is not redacted from other subjects' text nor expected to vanish from the lake.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import phonenumbers

from anonymizers.pseudonym import TOKEN_PREFIX, pseudonymize
from privlake.columns import DT, PSEUDONYM_KEY_ID
from privlake.config import DatasetConfig, IpPrefix, PrivlakeConfig
from privlake.delta import table_exists
from privlake.privacy.identifiers import PERSON_NAME, keyed_hash
from privlake.privacy.manifest import SubjectIdentifier
from privlake.pseudonym import pseudonym_column

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

RAW_ZONES = ("bronze", "restricted")


@dataclass(frozen=True)
class RawTable:
    """A Delta table holding a dataset's raw values (bronze, or raw rows isolated into restricted)."""

    zone: str
    dataset: DatasetConfig
    path: str

    @property
    def label(self) -> str:
        return f"{self.zone}/{self.dataset.name}"


@dataclass
class IdentifierResolution:
    """How one given identifier resolved: hashes only (the raw owners stay in memory)."""

    kind: str
    identifier_hash: str
    subject_hashes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    owners: set[str] = field(default_factory=set, repr=False, compare=False)

    @property
    def resolved(self) -> bool:
        return bool(self.subject_hashes)


@dataclass
class SubjectProfile:
    """One subject (account) and every identifier value its rows hold, by kind."""

    account_id: str
    identifiers: dict[str, list[str]] = field(default_factory=dict)
    shared: dict[str, list[str]] = field(default_factory=dict)
    dates: dict[str, list[str]] = field(default_factory=dict)  # dataset -> ISO dates of its rows

    def exclusive(self) -> list[tuple[str, str]]:
        """(kind, value) pairs no other subject's rows hold: what must vanish from the lake."""
        return [
            (kind, value)
            for kind, values in sorted(self.identifiers.items())
            for value in values
            if value not in set(self.shared.get(kind, ()))
        ]

    def pseudonyms(self, key: bytes) -> list[str]:
        """Silver tokens of the exclusive identifiers (free text in silver may hold them)."""
        return sorted({pseudonymize(v, k, key) for k, v in self.exclusive() if k in TOKEN_PREFIX})


@dataclass
class Resolution:
    identifiers: list[IdentifierResolution]
    subjects: list[SubjectProfile]

    def subject_hashes(self, key: bytes) -> list[str]:
        return sorted(pseudonymize(s.account_id, "account_id", key) for s in self.subjects)

    def to_state(self) -> dict[str, Any]:
        return {
            "identifiers": [{k: v for k, v in vars(r).items() if k != "owners"} for r in self.identifiers],
            "subjects": [vars(s) for s in self.subjects],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Resolution:
        return cls(
            [IdentifierResolution(**r) for r in state["identifiers"]],
            [SubjectProfile(**s) for s in state["subjects"]],
        )


def identifier_columns(config: PrivlakeConfig, dataset: DatasetConfig) -> dict[str, str]:
    """Column -> identifier kind: identifiers, IP quasi-identifiers, and known person-name columns."""
    columns: dict[str, str] = {}
    for name, spec in dataset.columns.items():
        if spec.role == "identifier" and spec.kind:
            columns[name] = spec.kind
        elif spec.role == "quasi_identifier" and isinstance(spec.generalize, IpPrefix):
            columns[name] = "ip_address"
    known = config.deidentify.known_identifiers
    if known is not None and known.dataset == dataset.name:
        for name, entity in known.columns.items():
            if entity == "PERSON" and name not in columns:
                columns[name] = PERSON_NAME
    return columns


def subject_kind(dataset: DatasetConfig) -> str:
    return dataset.columns[dataset.subject].kind or "account_id"


def raw_tables(spark: SparkSession, config: PrivlakeConfig) -> list[RawTable]:
    """Bronze tables, and restricted tables holding raw rows (rows isolated from silver hold
    pseudonyms, recognisable by their key id column, and are matched by pseudonym instead)."""
    tables = []
    for name in sorted(config.datasets):
        for zone in RAW_ZONES:
            path = config.table_path(zone, name)
            if not table_exists(spark, path):
                continue
            if zone == "restricted" and PSEUDONYM_KEY_ID in spark.read.format("delta").load(path).columns:
                continue
            tables.append(RawTable(zone, config.datasets[name], path))
    return tables


def subject_token(df: DataFrame, dataset: DatasetConfig, key: bytes) -> Column:
    """The account pseudonym of each raw row."""
    from pyspark.sql import functions as F

    return pseudonym_column(F.col(dataset.subject), subject_kind(dataset), key)


def _as_values(df: DataFrame, column: str) -> Column:
    """A column's values as an array (array columns as they are), for one explode."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    if isinstance(df.schema[column].dataType, T.ArrayType):
        # null would make the row's flattened (kind, value) pairs null: all its identifiers lost
        return F.coalesce(F.col(column), F.array().cast(df.schema[column].dataType))
    return F.array(F.col(column))


def _kind_value_pairs(df: DataFrame, column: str, kind: str) -> Column:
    """The column's values as an array of (kind, value) structs."""
    from pyspark.sql import functions as F

    return F.transform(
        _as_values(df, column), lambda v: F.struct(F.lit(kind).alias("kind"), v.alias("value"))
    )


def _phone_owners(
    df: DataFrame, table: RawTable, column: str, wanted: str, regions: Iterable[str]
) -> set[str]:
    """Rows whose phone, in any notation, is the E.164 number ``wanted``."""
    from pyspark.sql import functions as F

    number = phonenumbers.parse(wanted, None)
    national = phonenumbers.national_significant_number(number)
    digits = F.regexp_replace(F.col(column), "[^0-9]", "")
    country = F.col("country_code") if "country_code" in df.columns else F.lit(None)
    candidates = (
        df.where(digits.endswith(national))
        .select(
            F.col(table.dataset.subject).alias("subject"), F.col(column).alias("phone"), country.alias("cc")
        )
        .distinct()
        .collect()
    )
    owners = set()
    for row in candidates:
        for region in [row["cc"], *regions]:
            try:
                parsed = phonenumbers.parse(row["phone"], region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == wanted:
                owners.add(str(row["subject"]))
                break
    return owners


def find_owners(
    spark: SparkSession,
    config: PrivlakeConfig,
    tables: list[RawTable],
    identifier: SubjectIdentifier,
    key: bytes,
) -> IdentifierResolution:
    """The subjects whose rows hold ``identifier`` (by keyed pseudonym), and where they were found."""
    from pyspark.sql import functions as F

    result = IdentifierResolution(identifier.kind, identifier.hashed(key))
    owners: set[str] = set()
    token = pseudonymize(identifier.value, identifier.kind, key)
    for table in tables:
        columns = [c for c, k in identifier_columns(config, table.dataset).items() if k == identifier.kind]
        if not columns:
            continue
        df = spark.read.format("delta").load(table.path)
        found: set[str] = set()
        for column in columns:
            if identifier.kind == "phone":
                found |= _phone_owners(df, table, column, identifier.value, config.deidentify.phone_regions)
                continue
            hit = F.exists(
                _as_values(df, column), lambda v: pseudonym_column(v, identifier.kind, key) == token
            )
            rows = df.where(hit).select(table.dataset.subject).distinct().collect()
            found |= {str(r[0]) for r in rows if r[0] is not None}
        if found:
            result.sources.append(table.label)
            owners |= found
    if identifier.kind == "account_id" and not owners:
        # An account id is the subject itself: nothing to erase yet, but late data must be denied.
        owners.add(identifier.value)
        result.sources.append("named directly (no rows in the lake)")
    result.owners = owners
    result.subject_hashes = sorted(pseudonymize(o, "account_id", key) for o in owners)
    result.sources.sort()
    return result


def profile_subjects(
    spark: SparkSession, config: PrivlakeConfig, tables: list[RawTable], accounts: set[str], key: bytes
) -> list[SubjectProfile]:
    """Every identifier value the subjects' raw rows hold, which of them other subjects hold too,
    and the dates of the subjects' rows per dataset (bronze, restricted and silver)."""
    from pyspark.sql import functions as F

    tokens = {pseudonymize(a, "account_id", key): a for a in accounts}
    profiles = {a: SubjectProfile(a) for a in accounts}
    found: dict[str, set[tuple[str, str]]] = {a: set() for a in accounts}
    dates: dict[str, dict[str, set[str]]] = {a: {} for a in accounts}
    seen_elsewhere: set[tuple[str, str]] = set()
    for table in tables:
        df = spark.read.format("delta").load(table.path)
        owner = subject_token(df, table.dataset, key)
        columns = identifier_columns(config, table.dataset)
        pairs = F.array(*[_kind_value_pairs(df, c, kind) for c, kind in columns.items()])
        exploded = df.select(
            owner.alias("owner"),
            F.col(DT).cast("string").alias(DT),
            F.explode(F.flatten(pairs)).alias("pair"),
        ).where(F.col("pair.value").isNotNull() & (F.trim(F.col("pair.value")) != ""))
        mine = exploded.where(F.col("owner").isin(list(tokens))).select(
            "owner", DT, "pair.kind", "pair.value"
        )
        rows = mine.distinct().collect()
        for r in rows:
            account = tokens[r["owner"]]
            found[account].add((r["kind"], r["value"]))
            dates[account].setdefault(table.dataset.name, set()).add(r[DT])
        values = sorted({r["value"] for r in rows})
        if values:
            others = exploded.where(~F.col("owner").isin(list(tokens)) & F.col("pair.value").isin(values))
            seen_elsewhere |= {
                (r["kind"], r["value"]) for r in others.select("pair.kind", "pair.value").distinct().collect()
            }
    for name, dataset in config.datasets.items():
        path = config.table_path("silver", name)
        if not table_exists(spark, path):
            continue
        silver = spark.read.format("delta").load(path)
        subject_days = silver.where(F.col(dataset.subject).isin(list(tokens))).select(dataset.subject, DT)
        for r in subject_days.distinct().collect():
            dates[tokens[r[0]]].setdefault(name, set()).add(str(r[1]))
    for account, profile in profiles.items():
        by_kind: dict[str, set[str]] = {"account_id": {account}}
        for kind, value in found[account]:
            by_kind.setdefault(kind, set()).add(value)
        profile.identifiers = {k: sorted(v) for k, v in sorted(by_kind.items())}
        profile.shared = {
            k: sorted(v for v in values if (k, v) in seen_elsewhere)
            for k, values in profile.identifiers.items()
            if any((k, v) in seen_elsewhere for v in values)
        }
        profile.dates = {d: sorted(v) for d, v in sorted(dates[account].items())}
    return [profiles[a] for a in sorted(accounts)]


def resolve(
    spark: SparkSession, config: PrivlakeConfig, identifiers: Iterable[SubjectIdentifier], key: bytes
) -> Resolution:
    """How each identifier resolved, and the profile of every subject they resolved to."""
    tables = raw_tables(spark, config)
    results = [find_owners(spark, config, tables, identifier, key) for identifier in identifiers]
    accounts = {owner for result in results for owner in result.owners}
    return Resolution(results, profile_subjects(spark, config, tables, accounts, key))


def dates_of(profiles: Iterable[SubjectProfile]) -> dict[str, list[dt.date]]:
    """Dataset -> sorted dates on which any of the subjects had rows."""
    out: dict[str, set[dt.date]] = {}
    for profile in profiles:
        for dataset, days in profile.dates.items():
            out.setdefault(dataset, set()).update(dt.date.fromisoformat(d) for d in days)
    return {d: sorted(v) for d, v in sorted(out.items())}


def describe_identifiers(profile: SubjectProfile, key: bytes) -> dict[str, Any]:
    """Counts per kind and the hash of the subject: what evidence may say about a profile."""
    return {
        "subject": pseudonymize(profile.account_id, "account_id", key),
        "identifiers": {k: len(v) for k, v in profile.identifiers.items()},
        "shared_with_other_subjects": {k: len(v) for k, v in profile.shared.items()},
        "identifier_hashes": sorted(
            keyed_hash(k, v, key) for k, vs in profile.identifiers.items() for v in vs
        ),
        "datasets": {d: len(v) for d, v in profile.dates.items()},
    }

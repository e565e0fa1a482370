"""The minors sweep: find children's accounts in the accounts snapshot and erase their data.

An account is a minor on the as-of date D while its youngest possible age is under its
country's threshold (``privlake.privacy.age_thresholds``): with only a birth year that is
``D.year - birth_year - 1``. An account with no birth year is counted, not swept. The latest
snapshot row of each account on or before D counts, from bronze and from raw rows isolated
into ``restricted/``.

Every minor whom no active legal hold names (the holds of the retention rules, by account
pseudonym) is erased through the erasure machinery (``privlake.privacy.erasure``): one
request per date, ``minors-YYYY-MM-DD``, with the ledger, the deny list, the verification
scan and the evidence of any erasure request. Before it starts, the accounts are written to
``privacy/minor_accounts`` (date, request id, account pseudonym and, for the account system
that terminates the account upstream, the account id): that table is also the request's list
of subjects, so a run killed half-way resumes with the same accounts even though erasing
removed them from the snapshot. A completed request is not run again: a second run on the
same date changes nothing. Counts (never values) go to ``privacy/runs`` (job ``minors``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from anonymizers.pseudonym import pseudonymize
from privlake.columns import DT
from privlake.config import DatasetConfig, PrivlakeConfig
from privlake.delta import ensure_table, insert_missing, table_exists
from privlake.errors import BadInputError, PrivlakeError
from privlake.frames import json_frame
from privlake.privacy import MINOR_ACCOUNTS_TABLE
from privlake.privacy.age_thresholds import AgeThresholds
from privlake.privacy.erasure import erase
from privlake.privacy.evidence import RequestResult
from privlake.privacy.ledger import request_history
from privlake.privacy.manifest import PrivacyRequest, SubjectIdentifier
from privlake.privacy.resolution import (
    IdentifierResolution,
    Resolution,
    profile_subjects,
    raw_tables,
    subject_kind,
    subject_token,
)
from privlake.pseudonym import PseudonymKey
from privlake.retention.rules import LegalHold
from privlake.runlog import RunRecord, record_run
from privlake.schema import table_schema

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.types import StructType

JOB = "minors"
BIRTH_YEAR, COUNTRY_CODE = "birth_year", "country_code"
REQUEST_PREFIX = "minors-"
SUBJECT_HASH, ACCOUNT_ID = "subject_hash", "account_id"


class MinorsSweepError(PrivlakeError):
    """The sweep cannot go on (e.g. its request is in the ledger but its accounts are not)."""


def sweep_request_id(as_of: dt.date) -> str:
    """One erasure request per date, the same id on every run of that date."""
    return f"{REQUEST_PREFIX}{as_of.isoformat()}"


def accounts_dataset(config: PrivlakeConfig) -> DatasetConfig:
    """The snapshot dataset naming accounts that has a birth year and a country code."""
    for name in sorted(config.datasets):
        dataset = config.datasets[name]
        if (
            dataset.snapshot
            and subject_kind(dataset) == "account_id"
            and {BIRTH_YEAR, COUNTRY_CODE} <= set(dataset.columns)
        ):
            return dataset
    raise BadInputError(
        f"no configured snapshot dataset names accounts with '{BIRTH_YEAR}' and '{COUNTRY_CODE}' "
        "columns: the minors sweep needs the accounts snapshot (see DATA_CONTRACT)"
    )


def threshold_column(country: Column, thresholds: AgeThresholds) -> Column:
    """Each row's age threshold from its country code (upper case, trimmed), else the default."""
    from pyspark.sql import functions as F

    by_country = thresholds.by_country()
    default = F.lit(thresholds.default_age)
    if not by_country:
        return default
    pairs = [F.lit(x) for code, age in sorted(by_country.items()) for x in (code, age)]
    return F.coalesce(F.element_at(F.create_map(*pairs), F.upper(F.trim(country))), default)


def is_minor(birth_year: Column, country: Column, thresholds: AgeThresholds, as_of: dt.date) -> Column:
    """Youngest possible age on ``as_of`` (``D.year - birth_year - 1``) under the threshold;
    false when the birth year is unknown."""
    from pyspark.sql import functions as F

    youngest = F.lit(as_of.year) - birth_year.cast("int") - F.lit(1)
    return F.coalesce(youngest < threshold_column(country, thresholds), F.lit(False))


def latest_accounts(
    spark: SparkSession, config: PrivlakeConfig, dataset: DatasetConfig, as_of: dt.date
) -> DataFrame | None:
    """Each account's latest snapshot row on or before ``as_of`` (bronze and raw rows isolated
    into restricted/): its id, country code and birth year."""
    import functools

    from pyspark.sql import DataFrame, Window
    from pyspark.sql import functions as F

    frames = [
        spark.read.format("delta")
        .load(table.path)
        .where(F.col(DT) <= F.lit(as_of))
        .select(F.col(dataset.subject).alias(ACCOUNT_ID), COUNTRY_CODE, BIRTH_YEAR, DT)
        for table in raw_tables(spark, config)
        if table.dataset.name == dataset.name
    ]
    if not frames:
        return None
    rows = functools.reduce(DataFrame.unionByName, frames).where(F.col(ACCOUNT_ID).isNotNull())
    # two rows of one date (bronze and restricted) that disagree: the younger one, since it is
    # the child the rule protects; the order only has to be the same on every run
    latest = Window.partitionBy(ACCOUNT_ID).orderBy(F.col(DT).desc(), F.col(BIRTH_YEAR).desc_nulls_last())
    return rows.withColumn("_n", F.row_number().over(latest)).where(F.col("_n") == 1).drop("_n")


@dataclass
class MinorScan:
    """What the snapshot says on the as-of date: counts, and the minors' account ids."""

    accounts_checked: int = 0
    unknown_birth_year: int = 0
    minors: list[str] = field(default_factory=list, repr=False)


def find_minors(
    spark: SparkSession,
    config: PrivlakeConfig,
    dataset: DatasetConfig,
    thresholds: AgeThresholds,
    as_of: dt.date,
) -> MinorScan:
    from pyspark.sql import functions as F

    accounts = latest_accounts(spark, config, dataset, as_of)
    if accounts is None:
        return MinorScan()
    minor = is_minor(F.col(BIRTH_YEAR), F.col(COUNTRY_CODE), thresholds, as_of)
    flagged = accounts.select(ACCOUNT_ID, minor.alias("minor"), F.col(BIRTH_YEAR).isNull().alias("unknown"))
    totals = flagged.agg(
        F.count(F.lit(1)).alias("checked"), F.count_if(F.col("unknown")).alias("unknown")
    ).first()
    minors = sorted(str(r[0]) for r in flagged.where(F.col("minor")).select(ACCOUNT_ID).collect())
    checked = int(totals["checked"]) if totals else 0
    unknown = int(totals["unknown"] or 0) if totals else 0
    return MinorScan(checked, unknown, minors)


def held_accounts(
    holds: Iterable[LegalHold], as_of: dt.date, accounts: Iterable[str], key: bytes
) -> list[str]:
    """The accounts an active legal hold names (by account pseudonym): their data stays."""
    named = {s for h in holds if h.is_active(as_of) for s in h.subjects}
    return sorted(a for a in accounts if pseudonymize(a, "account_id", key) in named)


# --- the hand-over to the account system ------------------------------------------------


def minor_accounts_schema() -> StructType:
    return table_schema(
        f"{DT} DATE NOT NULL, request_id STRING NOT NULL, {SUBJECT_HASH} STRING NOT NULL",
        f"{ACCOUNT_ID} STRING NOT NULL, recorded_at TIMESTAMP NOT NULL",
    )


def hand_over(
    spark: SparkSession,
    config: PrivlakeConfig,
    request_id: str,
    as_of: dt.date,
    accounts: Sequence[str],
    key: bytes,
) -> None:
    """Add the accounts to ``privacy/minor_accounts`` (a MERGE on request and pseudonym: a
    re-run adds nothing). The account id stays out of Delta's per-file statistics."""
    path = config.table_path("privacy", MINOR_ACCOUNTS_TABLE)
    schema = minor_accounts_schema()
    ensure_table(spark, path, schema, stats_columns=[DT, "request_id"])
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [(as_of, request_id, pseudonymize(a, "account_id", key), a, now) for a in accounts]
    insert_missing(
        spark,
        path,
        json_frame(spark, rows, schema),
        ["request_id", SUBJECT_HASH],
        what=f"hand accounts over in privacy/{MINOR_ACCOUNTS_TABLE}",
    )


def handed_over(spark: SparkSession, config: PrivlakeConfig, request_id: str) -> list[str]:
    """The account ids the request handed over (its subjects)."""
    from pyspark.sql import functions as F

    path = config.table_path("privacy", MINOR_ACCOUNTS_TABLE)
    if not table_exists(spark, path):
        return []
    df = spark.read.format("delta").load(path).where(F.col("request_id") == F.lit(request_id))
    return sorted(str(r[0]) for r in df.select(ACCOUNT_ID).collect())


def resolve_accounts(
    spark: SparkSession, config: PrivlakeConfig, identifiers: Iterable[SubjectIdentifier], key: bytes
) -> Resolution:
    """``privlake.privacy.resolution.resolve`` for requests naming account ids only, in one pass
    per table instead of one per account: an account id is its own subject."""
    from pyspark.sql import functions as F

    given = list(identifiers)
    if any(i.kind != "account_id" for i in given):
        raise MinorsSweepError("resolve_accounts resolves account ids only")
    accounts = sorted({i.value for i in given})
    tables = raw_tables(spark, config)
    tokens = {pseudonymize(a, "account_id", key): a for a in accounts}
    sources: dict[str, list[str]] = {a: [] for a in accounts}
    for table in tables:
        if subject_kind(table.dataset) != "account_id":
            continue
        df = spark.read.format("delta").load(table.path)
        owners = df.select(subject_token(df, table.dataset, key).alias("owner")).distinct()
        for row in owners.where(F.col("owner").isin(list(tokens))).collect():
            sources[tokens[row["owner"]]].append(table.label)
    results = []
    for account in accounts:
        token = pseudonymize(account, "account_id", key)
        found = sorted(sources[account]) or ["named directly (no rows in the lake)"]
        results.append(IdentifierResolution("account_id", token, [token], found, {account}))
    return Resolution(results, profile_subjects(spark, config, tables, set(accounts), key))


# --- the sweep --------------------------------------------------------------------------


@dataclass
class MinorsSweep:
    """What a sweep found and did: counts only (the erasure's evidence holds hashes)."""

    as_of: dt.date
    request_id: str
    dataset: str
    dry_run: bool = False
    accounts_checked: int = 0
    unknown_birth_year: int = 0
    minors_found: int = 0
    held: int = 0
    erased: int = 0  # accounts the date's request names (would name, in a dry run)
    erasure: RequestResult | None = None
    recorded: bool = False  # a run record was appended to privacy/runs

    @property
    def already_done(self) -> bool:
        return self.erasure is not None and self.erasure.already_done

    @property
    def rows_removed(self) -> int:
        return self.erasure.evidence.rows_removed if self.erasure else 0

    @property
    def rows_redacted(self) -> int:
        return self.erasure.evidence.rows_redacted if self.erasure else 0

    def counts(self) -> dict[str, int]:
        return {
            "minors_found": self.minors_found,
            "minors_held": self.held,
            "minors_erased": self.erased,
            "unknown_birth_year": self.unknown_birth_year,
            "rows_removed": self.rows_removed,
            "rows_redacted": self.rows_redacted,
        }


def sweep_minors(
    spark: SparkSession,
    config: PrivlakeConfig,
    thresholds: AgeThresholds,
    holds: Sequence[LegalHold],
    as_of: dt.date,
    key: PseudonymKey,
    dry_run: bool = False,
) -> MinorsSweep:
    """Find the minors of ``as_of`` and erase them (resuming or reporting the date's request
    when the ledger has it); with ``dry_run`` count what would happen and write nothing."""
    dataset = accounts_dataset(config)
    request_id = sweep_request_id(as_of)
    scan = find_minors(spark, config, dataset, thresholds, as_of)
    held = held_accounts(holds, as_of, scan.minors, key.secret)
    sweep = MinorsSweep(
        as_of,
        request_id,
        dataset.name,
        dry_run,
        scan.accounts_checked,
        scan.unknown_birth_year,
        len(scan.minors),
        len(held),
    )
    if request_history(spark, config, request_id):
        # The date's request was started: its accounts are the ones it handed over, whatever
        # the snapshot says now (erasing removed them from it).
        accounts = handed_over(spark, config, request_id)
        if not accounts:
            raise MinorsSweepError(
                f"request {request_id} is in the ledger but privacy/{MINOR_ACCOUNTS_TABLE} names none of "
                "its accounts; restore that table's rows of the request (Delta history) and run again"
            )
    else:
        accounts = [a for a in scan.minors if a not in set(held)]
        if accounts and not dry_run:
            hand_over(spark, config, request_id, as_of, accounts, key.secret)
            accounts = handed_over(spark, config, request_id)  # with a killed run's, if any
    sweep.erased = len(accounts)
    if accounts:
        request = PrivacyRequest(
            request_id=request_id,
            action="erase",
            subjects=tuple(SubjectIdentifier(kind="account_id", value=a) for a in accounts),
            dry_run=dry_run,
        )
        sweep.erasure = erase(spark, config, request, key, resolver=resolve_accounts)
    if not dry_run and not sweep.already_done:
        sweep.recorded = record_sweep(spark, config, sweep, dropped=len(set(accounts) & set(scan.minors)))
    return sweep


def record_sweep(spark: SparkSession, config: PrivlakeConfig, sweep: MinorsSweep, dropped: int) -> bool:
    """Append the sweep's counts to ``privacy/runs`` unless the date's latest minors record
    says the same (a re-run that found what the last one found adds no row)."""
    record = RunRecord(
        job=JOB,
        dataset=sweep.dataset,
        day=sweep.as_of,
        rows_in=sweep.accounts_checked,
        rows_out=sweep.accounts_checked - dropped,
        rows_dropped=dropped,
        entities=sweep.counts(),
    )
    record.check_balance()
    latest = latest_record(spark, config, sweep.as_of)
    if latest is not None and latest == (record.rows_in, record.rows_dropped, record.entities):
        return False
    record_run(spark, config, record)
    return True


def latest_record(
    spark: SparkSession, config: PrivlakeConfig, as_of: dt.date
) -> tuple[int, int, dict[str, int]] | None:
    """The latest minors run record of the date: rows in, rows dropped and its counts."""
    from pyspark.sql import functions as F

    path = config.table_path("privacy", "runs")
    if not table_exists(spark, path):
        return None
    row = (
        spark.read.format("delta")
        .load(path)
        .where((F.col("job") == F.lit(JOB)) & (F.col(DT) == F.lit(as_of)))
        .orderBy(F.col("finished_at").desc())
        .select("rows_in", "rows_dropped", "entities")
        .first()
    )
    if row is None:
        return None
    return int(row["rows_in"]), int(row["rows_dropped"]), dict(row["entities"] or {})

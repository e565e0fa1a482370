"""What a retention run works on and what it found: targets (one zone of one dataset, or a
gold/privacy table), per-partition plans, reports, and the planning of a Delta table.

Everything here reads; nothing writes. The cut-off is ``as_of`` minus the rule's window,
and ``as_of`` always comes from the caller (the DAG's logical date), never from the clock,
so a re-run or a backfill decides the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql import types as T

from privlake.columns import DT, LINE_NUMBER, PSEUDONYM_KEY_ID, SOURCE_FILE, STAGE
from privlake.delta import (
    deletion_vectors_pending,
    purgeable_commits,
    table_detail,
    table_exists,
    table_history,
)
from privlake.errors import PrivlakeError
from privlake.pseudonym import pseudonym_column
from privlake.retention.rules import (
    ALL,
    DATASET_ZONES,
    LegalHold,
    RetentionRule,
    RuleSet,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from privlake.config import DatasetConfig, PrivlakeConfig

EVIDENCE_TABLE = "retention_evidence"
# Zones whose tables hold personal data: their history is purged on every run, ruled or not,
# because erasure relies on the next retention run to purge what it deleted without --purge.
HISTORY_ZONES = ("bronze", "silver", "quarantine", "restricted")
UNRULED_ZONES = ("landing", "bronze", "silver", "quarantine")


class RetentionError(PrivlakeError):
    """A retention target could not be planned or executed."""


# --- what the job works on ---------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One zone of one dataset (or one gold/privacy table) and what applies to it on ``as_of``.

    ``rule`` is None for a personal-data table without a rule: only its history is purged.
    """

    zone: str
    name: str
    location: str
    rule: RetentionRule | None
    cutoff: dt.date | None
    dataset: DatasetConfig | None
    dataset_holds: tuple[LegalHold, ...] = ()
    subject_holds: tuple[LegalHold, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.zone}/{self.name}"


@dataclass(frozen=True)
class PartitionPlan:
    """Expired rows (files for landing) of one partition, and what holds keep of them."""

    partition: str
    expired: int
    held: int = 0
    held_by: tuple[str, ...] = ()
    rewrite: int = 0  # landing: held files that still lose the lines of unheld subjects

    @property
    def to_remove(self) -> int:
        return self.expired - self.held


class _Total:
    """A read-only count of a ``TargetReport``: one count of its partitions, added up."""

    def __init__(self, count: Callable[[PartitionPlan], int]) -> None:
        self.count = count

    def __get__(self, report: TargetReport, owner: type | None = None) -> int:
        return sum(self.count(p) for p in report.partitions)


@dataclass
class TargetReport:
    """The plan for a target and, unless a dry run, what was done."""

    target: Target
    unit: str = "rows"
    status: str = "planned"
    note: str = ""
    partitions: list[PartitionPlan] = field(default_factory=list)
    undated: int = 0
    partition_aligned: bool = False
    deletion_vectors: bool = False
    version_before: int | None = None
    version_after: int | None = None
    history_pending: int = 0  # commits whose removed files are due for VACUUM
    deletion_vectors_pending: bool = False
    removed: int = 0  # rows deleted (or isolated) / files deleted
    isolated: int = 0
    rewritten: int = 0
    object_versions_removed: int = 0
    history_files_purged: int = 0
    reorg: bool = False
    error: BaseException | None = None
    # landing: path -> "delete" | "rewrite", decided when planning
    file_actions: dict[str, str] = field(default_factory=dict, repr=False)

    expired = _Total(lambda p: p.expired)
    held = _Total(lambda p: p.held)
    to_remove = _Total(lambda p: p.to_remove)
    to_rewrite = _Total(lambda p: p.rewrite)

    @property
    def has_work(self) -> bool:
        pending = self.to_remove + self.to_rewrite + self.history_pending
        return pending > 0 or self.deletion_vectors_pending

    @property
    def holds_applied(self) -> list[str]:
        return sorted({h for p in self.partitions for h in p.held_by})


@dataclass
class RetentionReport:
    run_id: str
    as_of: dt.date
    dry_run: bool
    dataset: str | None
    history_retention_hours: int
    targets: list[TargetReport]
    unruled: list[str]
    evidence: str = ""  # what ``record_evidence`` did, for the printed report

    @property
    def nothing_to_do(self) -> bool:
        return not any(t.has_work for t in self.targets) and not self.errors

    @property
    def errors(self) -> list[TargetReport]:
        return [t for t in self.targets if t.error is not None]


class RetentionIncomplete(PrivlakeError):
    """Some targets failed; the others were executed and the evidence was written."""

    def __init__(self, message: str, report: RetentionReport) -> None:
        super().__init__(message)
        self.report = report


# --- targets -----------------------------------------------------------------------------


def retention_targets(
    config: PrivlakeConfig,
    rules: RuleSet,
    as_of: dt.date,
    dataset: str | None = None,
    gold_tables: Sequence[str] = (),
) -> list[Target]:
    """Every target of a run, in execution order: per dataset landing, bronze, silver,
    quarantine, restricted (isolation writes restricted, so it comes after its sources),
    then gold and privacy tables. ``gold_tables`` are the tables a ``table: '*'`` rule covers."""
    targets: list[Target] = []
    for name in sorted(config.datasets):
        if dataset is not None and name != dataset:
            continue
        for zone in DATASET_ZONES:
            rule = rules.rule_for(name, zone)
            if rule is None and zone not in HISTORY_ZONES:
                continue
            location = (
                f"{config.landing_root.rstrip('/')}/{name}"
                if zone == "landing"
                else config.table_path(zone, name)
            )
            targets.append(_target(zone, name, location, rule, rules, as_of, config.datasets[name]))
    for zone in ("gold", "privacy"):
        named = {r.target for r in rules.rules_in(zone) if r.target != ALL}
        names = sorted(named | (set(gold_tables) if zone == "gold" and has_wildcard(rules, zone) else set()))
        for name in names:
            if dataset is not None and name != dataset:
                continue
            rule = rules.rule_for(name, zone)
            targets.append(_target(zone, name, config.table_path(zone, name), rule, rules, as_of, None))
    if dataset is not None and not targets:
        raise RetentionError(
            f"--dataset {dataset!r} is neither a configured dataset ({', '.join(sorted(config.datasets))}) "
            "nor a gold or privacy table a rule names"
        )
    return targets


def has_wildcard(rules: RuleSet, zone: str) -> bool:
    return any(r.target == ALL for r in rules.rules_in(zone))


def _target(
    zone: str,
    name: str,
    location: str,
    rule: RetentionRule | None,
    rules: RuleSet,
    as_of: dt.date,
    dataset: DatasetConfig | None,
) -> Target:
    holds = rules.active_holds(name, zone, as_of) if rule is not None else []
    return Target(
        zone=zone,
        name=name,
        location=location,
        rule=rule,
        cutoff=rule.window.cutoff(as_of) if rule is not None else None,
        dataset=dataset,
        dataset_holds=tuple(h for h in holds if h.whole_dataset),
        # gold and privacy tables hold no subject column: subject holds cannot apply there
        subject_holds=tuple(h for h in holds if not h.whole_dataset and dataset is not None),
    )


def unruled_zones(config: PrivlakeConfig, rules: RuleSet, dataset: str | None = None) -> list[str]:
    """Dataset zones no rule covers: their records are kept indefinitely (a report warning)."""
    return [
        f"{zone}/{name}"
        for name in sorted(config.datasets)
        if dataset in (None, name)
        for zone in UNRULED_ZONES
        if rules.rule_for(name, zone) is None
    ]


def gold_tables(spark: SparkSession, config: PrivlakeConfig) -> list[str]:
    """Names of the tables under ``<warehouse>/gold`` (for a ``table: '*'`` gold rule)."""
    jvm: Any = spark.sparkContext._jvm
    root = jvm.org.apache.hadoop.fs.Path(f"{config.warehouse_root.rstrip('/')}/gold")
    fs = root.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(root):
        return []
    return sorted(str(s.getPath().getName()) for s in fs.listStatus(root) if s.isDirectory())


def row_key(target: Target) -> list[str]:
    """Columns that identify a row of the target's table (a quarantined line: where it came from)."""
    if target.zone == "quarantine":
        return [STAGE, SOURCE_FILE, LINE_NUMBER, DT]
    assert target.dataset is not None
    return [target.dataset.key, DT]


# --- row conditions ----------------------------------------------------------------------


def record_date(schema: T.StructType, column: str, qualifier: str = "") -> Column:
    """The date a record is dated by: a DATE as is, a timestamp's UTC date, or the UTC date
    of ISO-8601 text (null when the text is not a timestamp: such rows never expire)."""
    if column not in schema.fieldNames():
        raise RetentionError(f"no column {column!r} to date records by")
    col = F.col(f"{qualifier}{column}")
    data_type = schema[column].dataType
    if isinstance(data_type, T.DateType):
        return col
    if isinstance(data_type, T.TimestampType | T.TimestampNTZType):
        return F.to_date(col)
    if isinstance(data_type, T.StringType):
        return F.to_date(col.try_cast("timestamp"))
    raise RetentionError(
        f"column {column!r} has type {data_type.simpleString()}; a date column must be a date, "
        "a timestamp or ISO-8601 text"
    )


def expired_condition(target: Target, schema: T.StructType, qualifier: str = "") -> Column:
    """Rows dated before the cut-off (holds aside). It names a column and the cut-off only,
    so it may stand in a commit's recorded predicate."""
    assert target.rule is not None and target.cutoff is not None
    return record_date(schema, target.rule.date_column, qualifier) < F.lit(target.cutoff)


def subject_pseudonym(
    target: Target, columns: Sequence[str], key: Callable[[], bytes], qualifier: str = ""
) -> Column | None:
    """The account pseudonym of a row, comparable with the pseudonyms legal holds name.

    Silver (and rows isolated from silver) already hold it; bronze, quarantine (inside the
    raw line) and rows isolated from bronze hold the raw id, hashed here with the same key.
    """
    ds = target.dataset
    if ds is None:
        return None
    subject, kind = ds.subject, ds.columns[ds.subject].kind or "account_id"
    col = F.col(f"{qualifier}{subject}")
    if target.zone == "silver" or (target.zone == "restricted" and PSEUDONYM_KEY_ID in columns):
        return col
    if target.zone in ("bronze", "restricted"):
        return pseudonym_column(col, kind, key())
    if target.zone == "quarantine":
        # A line that is not valid JSON names no subject: only a dataset hold keeps it.
        raw = F.get_json_object(F.col(f"{qualifier}raw_line").cast("string"), f"$.{subject}")
        return pseudonym_column(raw, kind, key())
    return None


def hold_conditions(
    target: Target, columns: Sequence[str], key: Callable[[], bytes], qualifier: str = ""
) -> dict[str, Column]:
    """hold id -> 'this row belongs to a subject the hold names' (never null)."""
    if not target.subject_holds:
        return {}
    pseudonym = subject_pseudonym(target, columns, key, qualifier)
    if pseudonym is None:
        return {}
    return {h.id: F.coalesce(pseudonym.isin(list(h.subjects)), F.lit(False)) for h in target.subject_holds}


def removal_condition(
    target: Target, schema: T.StructType, key: Callable[[], bytes], qualifier: str = ""
) -> Column:
    """Rows the rule removes: dated before the cut-off and held by no subject hold."""
    expired = expired_condition(target, schema, qualifier)
    for held in hold_conditions(target, schema.fieldNames(), key, qualifier).values():
        expired = expired & ~held
    return expired


# --- planning a Delta table --------------------------------------------------------------


def plan_table(
    spark: SparkSession, target: Target, key: Callable[[], bytes], history_hours: int, now: dt.datetime
) -> TargetReport:
    """Count the expired and held rows per partition (one Spark job) and the commits whose
    removed files are due for purging."""
    report = TargetReport(target)
    if not table_exists(spark, target.location):
        report.status = "skipped"
        report.note = "no table yet"
        return report
    partition_columns, properties = table_detail(spark, target.location)
    report.deletion_vectors = properties.get("delta.enableDeletionVectors", "false").lower() == "true"
    history = table_history(spark, target.location)
    report.version_before = report.version_after = history[0].version
    report.history_pending = len(purgeable_commits(history, history_hours, now))
    report.deletion_vectors_pending = report.deletion_vectors and deletion_vectors_pending(history)
    if target.rule is None:
        report.note = "history purge only (no rule)"
        return report
    assert target.cutoff is not None
    df = spark.read.format("delta").load(target.location)
    date = record_date(df.schema, target.rule.date_column)
    report.partition_aligned = target.rule.date_column in partition_columns and isinstance(
        df.schema[target.rule.date_column].dataType, T.DateType
    )
    partition = F.col(DT) if DT in partition_columns else date
    holds = hold_conditions(target, df.columns, key)
    held_any = F.lit(False)
    for condition in holds.values():
        held_any = held_any | condition
    dated = F.col("_date").isNotNull()
    rows = df.select(
        partition.cast("string").alias("_partition"),
        date.alias("_date"),
        held_any.alias("_held"),
        *[c.alias(f"_held_{i}") for i, c in enumerate(holds.values())],
    ).where(~dated | (F.col("_date") < F.lit(target.cutoff)))
    counts = (
        rows.groupBy("_partition")
        .agg(
            F.count(F.when(dated, 1)).alias("expired"),
            F.count(F.when(dated & F.col("_held"), 1)).alias("held"),
            F.count(F.when(~dated, 1)).alias("undated"),
            *[F.count(F.when(dated & F.col(f"_held_{i}"), 1)).alias(f"by_{i}") for i in range(len(holds))],
        )
        .collect()
    )
    dataset_holds = tuple(h.id for h in target.dataset_holds)
    hold_ids = list(holds)
    for row in sorted(counts, key=lambda r: r["_partition"] or ""):
        report.undated += int(row["undated"])
        expired = int(row["expired"])
        if not expired:
            continue
        if dataset_holds:
            plan = PartitionPlan(row["_partition"], expired, expired, dataset_holds)
        else:
            held_by = tuple(h for i, h in enumerate(hold_ids) if row[f"by_{i}"])
            plan = PartitionPlan(row["_partition"], expired, int(row["held"]), held_by)
        report.partitions.append(plan)
    return report

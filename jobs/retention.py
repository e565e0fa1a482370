"""Retention: delete or isolate every record past its window, in every zone, and leave evidence.

The rules in ``retention_rules/*.yaml`` (``privlake.retention_rules``) give each dataset and
zone a window; the cut-off is ``as_of`` minus the window, and ``as_of`` always comes from the
caller (the DAG's logical date), never from the clock, so a re-run or a backfill decides the
same way. For every target the job plans first (per partition: rows or files past the
cut-off, and what active legal holds keep back), then, unless it is a dry run, executes:
landing files are deleted (every S3 version and delete marker too) or, where a subject hold
applies, rewritten to the held subjects' lines; Delta tables lose the expired rows with a
partition-aligned ``DELETE`` when the date is the ``dt`` partition and a row-level delete
otherwise; ``isolate`` copies rows into ``restricted/<dataset>`` (with ``isolated_at`` and
``isolated_by``) before deleting them from the source. Table history is then purged: ``REORG
... APPLY (PURGE)`` where deletion vectors are on, and ``VACUUM`` with the rules'
``history_retention_hours`` on every personal-data table, so removed files, deletion vectors
and change-data files stop holding expired rows. Every Delta commit the job makes carries the
run's tag in ``userMetadata``; every target gets an evidence row in ``privacy/retention_evidence``
(counts, table versions, rule, holds, as-of, dry-run flag, run id). A dry run writes nothing,
evidence included. A second run with the same ``as_of`` finds nothing to remove, commits
nothing to the data tables and says so; its "nothing to do" rows are recorded once, not again
by a third run that finds the same (``record_evidence``). Writes retry when a concurrent writer
commits first.

Run it as ``privlake retention --as-of YYYY-MM-DD [--dry-run] [--dataset D] [--rules PATH]``
or with spark-submit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pyspark.sql import Column, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T
from rich.console import Console
from rich.table import Table

from privlake.config import DatasetConfig, PrivlakeConfig, load_config
from privlake.console_errors import add_verbose_argument, run_main
from privlake.delta import (
    Moved,
    append,
    commit_tag,
    delete_selected,
    deletion_vectors_pending,
    ensure_table,
    move_selected,
    purgeable_commits,
    run_settings,
    same_schema,
    session_settings,
    table_detail,
    table_exists,
    table_history,
    with_conflict_retry,
)
from privlake.errors import PrivlakeError
from privlake.frames import json_frame
from privlake.landing import join_lines, line_record, split_lines
from privlake.pseudonym import pseudonym_column, pseudonymize
from privlake.retention.rules import (
    ALL,
    DATASET_ZONES,
    PSEUDONYM_KEY_ID_COLUMN,
    LegalHold,
    RetentionRule,
    RuleSet,
    load_rules,
)
from privlake.schema import non_personal_columns
from privlake.spark import get_spark
from privlake.storage import FileStore, StoredFile, file_store

EVIDENCE_TABLE = "retention_evidence"
RULES_ENV = "PRIVLAKE_RETENTION_RULES"
# Zones whose tables hold personal data: their history is purged on every run, ruled or not,
# because erasure relies on the next retention run to purge what it deleted without --purge.
HISTORY_ZONES = ("bronze", "silver", "quarantine", "restricted")
UNRULED_ZONES = ("landing", "bronze", "silver", "quarantine")


class RetentionError(PrivlakeError):
    """A retention target could not be planned or executed."""


class RetentionIncomplete(PrivlakeError):
    """Some targets failed; the others were executed and the evidence was written."""

    def __init__(self, message: str, report: RetentionReport) -> None:
        super().__init__(message)
        self.report = report


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

    @property
    def expired(self) -> int:
        return sum(p.expired for p in self.partitions)

    @property
    def held(self) -> int:
        return sum(p.held for p in self.partitions)

    @property
    def to_remove(self) -> int:
        return sum(p.to_remove for p in self.partitions)

    @property
    def to_rewrite(self) -> int:
        return sum(p.rewrite for p in self.partitions)

    @property
    def has_work(self) -> bool:
        return (
            self.to_remove > 0
            or self.to_rewrite > 0
            or self.history_pending > 0
            or self.deletion_vectors_pending
        )

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


# --- pure planning -----------------------------------------------------------------------


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
    if target.zone == "silver" or (target.zone == "restricted" and PSEUDONYM_KEY_ID_COLUMN in columns):
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
    assert target.rule is not None and target.cutoff is not None
    expired = record_date(schema, target.rule.date_column, qualifier) < F.lit(target.cutoff)
    for held in hold_conditions(target, schema.fieldNames(), key, qualifier).values():
        expired = expired & ~held
    return expired


def line_subjects(data: bytes, dataset: DatasetConfig, key: bytes) -> list[tuple[bytes, str | None]]:
    """Each non-empty line of a landing file (``privlake.landing``: split at LF only) with its
    subject's account pseudonym; None when the line is not a JSON object or names no subject
    (such a line belongs to no hold)."""
    subject, kind = dataset.subject, dataset.columns[dataset.subject].kind or "account_id"
    out: list[tuple[bytes, str | None]] = []
    for line in split_lines(data):
        if not line.strip():
            continue
        try:
            value = line_record(line).get(subject)
        except (ValueError, AttributeError):
            value = None
        out.append((line, pseudonymize(str(value), kind, key) if value is not None else None))
    return out


def decoded_landing_file(path: str, data: bytes) -> bytes:
    """The JSON Lines bytes of a landing file (``.gz`` files are decompressed)."""
    return gzip.decompress(data) if path.endswith(".gz") else data


def encoded_landing_file(path: str, lines: list[bytes]) -> bytes:
    """Landing-file bytes for ``lines``, compressed like the file at ``path`` (deterministic gzip).

    Every line ends with LF: a rewritten CRLF file becomes an LF file, the same lines."""
    data = join_lines(lines)
    return gzip.compress(data, mtime=0) if path.endswith(".gz") else data


# --- landing -----------------------------------------------------------------------------


def plan_landing(target: Target, store: FileStore, key: Callable[[], bytes]) -> TargetReport:
    """Files under ``<landing>/<dataset>/dt=.../`` dated before the cut-off.

    With a subject hold on the dataset, each expired file is read: a file holding a held
    subject's lines is kept and rewritten to those lines only (or left alone when it holds
    nothing else). Files outside a ``dt=`` folder are never dated, so never removed."""
    assert target.cutoff is not None and target.dataset is not None
    report = TargetReport(target, unit="files", partition_aligned=True)
    by_day: dict[dt.date, list[StoredFile]] = {}
    for file in store.list_files(target.location):
        if file.partition_date is None:
            report.undated += 1
        elif file.partition_date < target.cutoff:
            by_day.setdefault(file.partition_date, []).append(file)
    dataset_holds = tuple(h.id for h in target.dataset_holds)
    for day in sorted(by_day):
        files = by_day[day]
        if dataset_holds:
            report.partitions.append(PartitionPlan(day.isoformat(), len(files), len(files), dataset_holds))
            continue
        held_files, rewrite, held_by = 0, 0, set()
        for file in files:
            action = "delete"
            if target.subject_holds and file.current:
                data = decoded_landing_file(file.path, store.read_bytes(file.path))
                subjects = {s for _, s in line_subjects(data, target.dataset, key())}
                holding = [h.id for h in target.subject_holds if subjects & set(h.subjects)]
                if holding:
                    held_files += 1
                    held_by.update(holding)
                    # a held file is rewritten when it also holds other lines, or, on a
                    # versioned bucket, older versions that may hold anything
                    whole = subjects <= _held_subjects(target) and file.versions == 1
                    action = "keep" if whole else "rewrite"
                    rewrite += action == "rewrite"
            if action != "keep":
                report.file_actions[file.path] = action
        report.partitions.append(
            PartitionPlan(day.isoformat(), len(files), held_files, tuple(sorted(held_by)), rewrite)
        )
    return report


def _held_subjects(target: Target) -> frozenset[str]:
    return frozenset(s for h in target.subject_holds for s in h.subjects)


def execute_landing(report: TargetReport, store: FileStore, key: Callable[[], bytes]) -> None:
    """Delete the expired files (every S3 version) and rewrite the partly held ones."""
    target = report.target
    assert target.dataset is not None
    held = _held_subjects(target)
    for path, action in sorted(report.file_actions.items()):
        if action == "delete":
            removed = store.delete(path)
            report.removed += 1 if removed else 0
            report.object_versions_removed += removed
        else:
            data = decoded_landing_file(path, store.read_bytes(path))
            kept = [line for line, s in line_subjects(data, target.dataset, key()) if s in held]
            store.write_bytes(path, encoded_landing_file(path, kept))
            report.rewritten += 1


# --- Delta tables ------------------------------------------------------------------------


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
    partition = F.col("dt") if "dt" in partition_columns else date
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


def row_key(target: Target) -> list[str]:
    """Columns that identify a row of the target's table (a quarantined line: where it came from)."""
    if target.zone == "quarantine":
        return ["stage", "source_file", "line_number", "dt"]
    assert target.dataset is not None
    return [target.dataset.key, "dt"]


def delete_expired(spark: SparkSession, report: TargetReport, key: Callable[[], bytes]) -> int | None:
    """DELETE by date alone, or, when subject holds apply, MERGE against the rows to remove
    (``delete_selected``); the rows deleted, or None when only the history can say.

    Delta writes a DELETE's predicate, literals included, into the table history. A
    condition on held subjects would put their pseudonyms there, or, for raw zones, the
    hashing key's pads; a MERGE against rows selected by a read records only the join
    and the cut-off.
    """
    from delta.tables import DeltaTable

    target = report.target
    assert target.rule is not None and target.cutoff is not None
    table = DeltaTable.forPath(spark, target.location)
    schema = table.toDF().schema
    expired = record_date(schema, target.rule.date_column) < F.lit(target.cutoff)
    if not hold_conditions(target, schema.fieldNames(), key):
        with_conflict_retry(lambda: table.delete(expired), f"retention delete in {target.label}")
        return None
    doomed = spark.read.format("delta").load(target.location).where(removal_condition(target, schema, key))
    return delete_selected(
        spark,
        target.location,
        doomed,
        row_key(target),
        condition=record_date(schema, target.rule.date_column, "t.") < F.lit(target.cutoff),
        what=f"retention delete in {target.label}",
    )


def isolate_expired(
    spark: SparkSession,
    config: PrivlakeConfig,
    report: TargetReport,
    key: Callable[[], bytes],
    isolated_by: str,
    isolated_at: dt.datetime,
) -> Moved:
    """Move the expired rows into ``restricted/<dataset>`` (``move_selected``: copy, then
    delete exactly the copied rows, both idempotent MERGEs on the row key, so a run that
    stops between them completes when run again). Conditions name columns and the cut-off
    only (see ``delete_expired``)."""
    target = report.target
    assert target.dataset is not None and target.rule is not None and target.cutoff is not None
    source = spark.read.format("delta").load(target.location)
    partition_columns, _ = table_detail(spark, target.location)
    rows = (
        source.where(removal_condition(target, source.schema, key))
        .withColumn("isolated_at", F.lit(isolated_at).cast("timestamp"))
        .withColumn("isolated_by", F.lit(isolated_by))
    )
    restricted = config.table_path("restricted", target.dataset.name)
    stats = [c for c in [*non_personal_columns(target.dataset), "isolated_by"] if c in rows.columns]
    ensure_table(spark, restricted, rows.schema, partition_columns, stats_columns=stats)
    if not same_schema(spark, restricted, rows.schema):
        raise RetentionError(
            f"{target.label}: restricted/{target.dataset.name} holds rows of another shape than "
            f"{target.zone}/{target.dataset.name} (isolated from another zone, or the schema changed); "
            "isolate into it from one zone only"
        )
    return move_selected(
        spark,
        target.location,
        restricted,
        rows,
        row_key(target),
        source_condition=record_date(source.schema, target.rule.date_column, "t.") < F.lit(target.cutoff),
        what=f"retention isolate {target.label} into restricted/{target.dataset.name}",
    )


def purge_history(spark: SparkSession, report: TargetReport, hours: int, now: dt.datetime) -> None:
    """REORG ... APPLY (PURGE) where deletion vectors hide rows, then VACUUM when removed
    files are due; each only when needed, so a run with nothing to purge adds no commit."""
    path = report.target.location
    history = table_history(spark, path)
    if report.deletion_vectors and deletion_vectors_pending(history):
        # Rewrites the files that carry deletion vectors: the hidden rows leave the data files.
        with_conflict_retry(
            lambda: spark.sql(f"REORG TABLE delta.`{path}` APPLY (PURGE)").collect(),
            f"retention reorg {report.target.label}",
        )
        history = table_history(spark, path)
        report.reorg = history[0].operation == "REORG"
    if not purgeable_commits(history, hours, now):
        return
    with_conflict_retry(
        lambda: spark.sql(f"VACUUM delta.`{path}` RETAIN {hours} HOURS").collect(),
        f"retention vacuum {report.target.label}",
    )


def execute_table(
    spark: SparkSession,
    config: PrivlakeConfig,
    report: TargetReport,
    key: Callable[[], bytes],
    run_tag: str,
    history_hours: int,
    now: dt.datetime,
) -> None:
    target = report.target
    removing = report.to_remove > 0 and target.rule is not None
    deleted: int | None = None
    with commit_tag(spark, run_tag):
        if removing and target.rule is not None and target.rule.action == "isolate":
            moved = isolate_expired(spark, config, report, key, run_tag, now)
            report.isolated, deleted = moved.inserted, moved.deleted
        elif removing:
            deleted = delete_expired(spark, report, key)
        # Clock, not as-of: VACUUM's retention is about storage age (see purgeable_commits).
        purge_history(spark, report, history_hours, dt.datetime.now(dt.UTC))
    ours = [c for c in table_history(spark, target.location) if c.tag == run_tag]
    if removing and deleted is not None:
        report.removed = deleted
    elif removing:
        counted = [
            c.metrics["numDeletedRows"]
            for c in ours
            if c.operation == "DELETE" and "numDeletedRows" in c.metrics
        ]
        # a delete that only drops whole files may not count rows: the plan counted them
        report.removed = sum(counted) if counted else report.to_remove
    report.history_files_purged = sum(
        c.metrics.get("numDeletedFiles", 0) for c in ours if c.operation == "VACUUM END"
    )
    report.version_after = ours[0].version if ours else report.version_before


# --- evidence ----------------------------------------------------------------------------


def evidence_schema() -> T.StructType:
    return T.StructType(
        [
            T.StructField("run_id", T.StringType(), False),
            T.StructField("dt", T.DateType(), False),  # the as-of date
            T.StructField("dry_run", T.BooleanType(), False),
            T.StructField("zone", T.StringType(), False),
            T.StructField("dataset", T.StringType(), False),  # dataset, or gold/privacy table
            T.StructField("status", T.StringType(), False),
            T.StructField("rule_id", T.StringType(), True),
            T.StructField("action", T.StringType(), True),
            T.StructField("window", T.StringType(), True),
            T.StructField("legal_basis", T.StringType(), True),
            T.StructField("date_column", T.StringType(), True),
            T.StructField("cutoff", T.DateType(), True),
            T.StructField("unit", T.StringType(), False),
            T.StructField("partitions_expired", T.LongType(), False),
            T.StructField("expired", T.LongType(), False),
            T.StructField("held", T.LongType(), False),
            T.StructField("holds", T.ArrayType(T.StringType()), False),
            T.StructField("undated", T.LongType(), False),
            T.StructField("removed", T.LongType(), False),
            T.StructField("isolated", T.LongType(), False),
            T.StructField("rewritten", T.LongType(), False),
            T.StructField("object_versions_removed", T.LongType(), False),
            T.StructField("version_before", T.LongType(), True),
            T.StructField("version_after", T.LongType(), True),
            T.StructField("history_files_purged", T.LongType(), False),
            T.StructField("history_retention_hours", T.IntegerType(), False),
            T.StructField("deletion_vectors_purged", T.BooleanType(), False),
            T.StructField("recorded_at", T.TimestampType(), False),
        ]
    )


def evidence_rows(report: RetentionReport, recorded_at: dt.datetime) -> list[tuple[object, ...]]:
    """One row per target: counts, versions and labels, never a data value."""
    rows: list[tuple[object, ...]] = []
    for t in report.targets:
        rule = t.target.rule
        rows.append(
            (
                report.run_id,
                report.as_of,
                report.dry_run,
                t.target.zone,
                t.target.name,
                t.status,
                rule.id if rule else None,
                rule.action if rule else None,
                str(rule.window) if rule else None,
                rule.legal_basis if rule else None,
                rule.date_column if rule else None,
                t.target.cutoff,
                t.unit,
                len(t.partitions),
                t.expired,
                t.held,
                t.holds_applied,
                t.undated,
                t.removed,
                t.isolated,
                t.rewritten,
                t.object_versions_removed,
                t.version_before,
                t.version_after,
                t.history_files_purged,
                report.history_retention_hours,
                t.reorg,
                recorded_at.replace(tzinfo=None),
            )
        )
    return rows


def _findings(rows: Sequence[Sequence[object]]) -> list[tuple[object, ...]]:
    """Evidence rows without what differs between two runs that found the same (run id, time)."""
    return sorted((tuple(r[1:-1]) for r in rows), key=repr)


def record_evidence(spark: SparkSession, config: PrivlakeConfig, report: RetentionReport) -> None:
    """Append one evidence row per target, unless the run changed nothing and says nothing new.

    A dry run writes nothing (its printed plan is its output; a preview must not touch the
    lake). A run that found nothing to do is recorded, so that there is evidence retention
    was enforced for that as-of date, except when the latest run recorded for the same date
    found exactly the same: a retry or a second run then adds no duplicate rows."""
    if report.dry_run:
        report.evidence = "not recorded (dry run)"
        return
    path = config.table_path("privacy", EVIDENCE_TABLE)
    schema = evidence_schema()
    rows = evidence_rows(report, dt.datetime.now(dt.UTC))
    if report.nothing_to_do and table_exists(spark, path):
        recorded = spark.read.format("delta").load(path).where(F.col("dt") == F.lit(report.as_of))
        latest = recorded.orderBy(F.col("recorded_at").desc()).select("run_id").first()
        if latest is not None:
            last_run = recorded.where(F.col("run_id") == latest["run_id"]).collect()
            if _findings(last_run) == _findings(rows):
                report.evidence = f"not recorded: the same as run {latest['run_id'][:8]}"
                return
    ensure_table(spark, path, schema, ["dt"])
    append(json_frame(spark, rows, schema), path)
    report.evidence = f"recorded in privacy/{EVIDENCE_TABLE}"


# --- the job -----------------------------------------------------------------------------


def gold_tables(spark: SparkSession, config: PrivlakeConfig) -> list[str]:
    """Names of the tables under ``<warehouse>/gold`` (for a ``table: '*'`` gold rule)."""
    jvm: Any = spark.sparkContext._jvm
    root = jvm.org.apache.hadoop.fs.Path(f"{config.warehouse_root.rstrip('/')}/gold")
    fs = root.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(root):
        return []
    return sorted(str(s.getPath().getName()) for s in fs.listStatus(root) if s.isDirectory())


def _status(report: TargetReport, dry_run: bool) -> str:
    if report.error is not None:
        return "failed"
    if report.status == "skipped":
        return "skipped"
    if dry_run:
        return "planned" if report.has_work else "nothing to do"
    committed = report.version_after != report.version_before
    done = report.removed or report.rewritten or report.isolated or committed
    return "done" if done else "nothing to do"


def retention(
    spark: SparkSession,
    config: PrivlakeConfig,
    rules: RuleSet,
    as_of: dt.date,
    dry_run: bool = False,
    dataset: str | None = None,
) -> RetentionReport:
    """Plan and (unless ``dry_run``) enforce the rules as of ``as_of``; record the evidence.

    A target that fails does not stop the others (their deletions are a legal duty too): the
    evidence is written, then ``RetentionIncomplete`` names the failed targets."""
    from privlake.keys import pseudonym_key

    run_id = uuid.uuid4().hex
    run_tag = f"privlake-retention:{run_id}"
    started = dt.datetime.now(dt.UTC)
    hours = rules.history_retention_hours
    # Only bronze, quarantine and landing under a subject hold need the key; ask for it then.
    key = cache(lambda: pseudonym_key(config).secret)
    gold = gold_tables(spark, config) if has_wildcard(rules, "gold") else []
    targets = retention_targets(config, rules, as_of, dataset, gold)
    report = RetentionReport(
        run_id, as_of, dry_run, dataset, hours, [], unruled_zones(config, rules, dataset)
    )
    stores: dict[str, FileStore] = {}
    with session_settings(spark, run_settings(spark, config)):
        for target in targets:
            _plan_and_execute(spark, config, report, target, key, run_tag, started, stores)
    record_evidence(spark, config, report)
    if report.errors:
        failed = ", ".join(f"{t.target.label} ({t.note})" for t in report.errors)
        raise RetentionIncomplete(
            f"retention as of {as_of}: {len(report.errors)} target(s) failed: {failed}; the others "
            f"were enforced and the evidence is in privacy/{EVIDENCE_TABLE} (run {run_id})",
            report,
        ) from report.errors[0].error
    return report


def _plan_and_execute(
    spark: SparkSession,
    config: PrivlakeConfig,
    report: RetentionReport,
    target: Target,
    key: Callable[[], bytes],
    run_tag: str,
    started: dt.datetime,
    stores: dict[str, FileStore],
) -> None:
    hours = report.history_retention_hours
    target_report = TargetReport(target)
    try:
        if target.zone == "landing":
            if "landing" not in stores:
                stores["landing"] = file_store(config.landing_root, config.s3)
            store = stores["landing"]
            target_report = plan_landing(target, store, key)
            if not report.dry_run:
                execute_landing(target_report, store, key)
        else:
            target_report = plan_table(spark, target, key, hours, started)
            if not report.dry_run and target_report.status != "skipped":
                execute_table(spark, config, target_report, key, run_tag, hours, started)
    except Exception as exc:
        target_report.error, target_report.note = exc, _error_note(exc)
    target_report.status = _status(target_report, report.dry_run)
    report.targets.append(target_report)


def _error_note(exc: BaseException) -> str:
    # Our own errors never hold data values; others are named by class only, because a
    # Spark message can quote a predicate and the evidence table is kept for years.
    return str(exc).splitlines()[0] if isinstance(exc, PrivlakeError) else type(exc).__name__


# --- the plan as a table -------------------------------------------------------------------


def print_report(console: Console, report: RetentionReport) -> None:
    """The plan per dataset, zone and partition, then history purges; counts and labels only."""
    mode = "dry run, nothing changed" if report.dry_run else "executed"
    table = Table(
        title=f"retention as of {report.as_of} ({mode}; run {report.run_id[:8]})", title_justify="left"
    )
    table.add_column("zone")
    table.add_column("dataset")
    table.add_column("partition")
    table.add_column("rule: action, cut-off")
    table.add_column("expired", justify="right")
    table.add_column("held (by)")
    table.add_column("to remove" if report.dry_run else "removed", justify="right")
    table.add_column("status")
    for t in report.targets:
        rule = t.target.rule
        if rule is None or t.status == "skipped":
            continue  # listed below the table
        rule_cell = f"{rule.id}: {rule.action} before {t.target.cutoff} ({rule.window})"
        status = t.status + (f": {t.note}" if t.error is not None else "")
        if not t.partitions:
            table.add_row(t.target.zone, t.target.name, "-", rule_cell, "0", "-", "0", status)
            continue
        for p in t.partitions:
            held = f"{p.held:,} ({', '.join(p.held_by)})" if p.held else "-"
            if p.rewrite:
                held += f"; {p.rewrite} rewritten to held lines"
            table.add_row(
                t.target.zone,
                t.target.name,
                p.partition,
                rule_cell,
                f"{p.expired:,} {t.unit if p.expired != 1 else t.unit.rstrip('s')}",
                held,
                f"{p.to_remove:,}",
                status,
            )
    console.print(table)
    history = Table(
        title=f"table history (VACUUM keeps {report.history_retention_hours} h)", title_justify="left"
    )
    for column in ("zone", "table", "version before", "version after", "deletion vectors", "history"):
        history.add_column(column, justify="left" if column in ("zone", "table") else "right")
    for t in report.targets:
        if t.target.zone == "landing" or t.version_before is None:
            continue
        due = f"{t.history_pending} commit(s) due" if t.history_pending else "-"
        history.add_row(
            t.target.zone,
            t.target.name,
            str(t.version_before),
            str(t.version_after),
            _deletion_vector_state(t),
            due if report.dry_run else f"{t.history_files_purged:,} files purged",
        )
    if history.row_count:
        console.print(history)
    skipped = [t.target.label for t in report.targets if t.status == "skipped"]
    if skipped:
        console.print(f"skipped (no table yet): {', '.join(skipped)}")
    if report.unruled:
        console.print(f"[yellow]no retention rule (kept indefinitely):[/] {', '.join(report.unruled)}")
    if report.nothing_to_do:
        console.print(
            f"nothing to do as of {report.as_of}: every record past its window is already gone "
            "(or held), and table history holds nothing left to purge"
        )
    if report.evidence:
        console.print(f"evidence: {report.evidence}")


def _deletion_vector_state(t: TargetReport) -> str:
    if t.reorg:
        return "purged"
    if t.deletion_vectors_pending:
        return "to purge"
    return "on" if t.deletion_vectors else "off"


# --- command line ------------------------------------------------------------------------


def rules_path(explicit: str | None, config: PrivlakeConfig) -> Path:
    """``--rules`` wins, then ``PRIVLAKE_RETENTION_RULES``, then the config's ``retention_rules``."""
    return Path(explicit or os.environ.get(RULES_ENV) or config.retention_rules)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="retention", description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", required=True, type=dt.date.fromisoformat, dest="as_of")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    parser.add_argument("--dataset", default=None, help="only this dataset (or gold/privacy table)")
    parser.add_argument(
        "--rules", default=None, help=f"rules folder or file (default: ${RULES_ENV} or retention_rules/)"
    )
    parser.add_argument("--config", default=None)
    add_verbose_argument(parser)
    return parser.parse_args(argv)


def run_retention(
    console: Console,
    as_of: dt.date,
    dry_run: bool = False,
    dataset: str | None = None,
    rules: str | None = None,
    config_path: str | None = None,
) -> int:
    """What ``privlake retention`` and ``main`` do: load, run, print; 0 when every target succeeded."""
    config = load_config(config_path)
    rule_set = load_rules(rules_path(rules, config), config)
    spark = get_spark(config, app_name="privlake-retention")
    try:
        report = retention(spark, config, rule_set, as_of, dry_run=dry_run, dataset=dataset)
    except RetentionIncomplete as exc:
        print_report(console, exc.report)
        raise
    print_report(console, report)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    console = Console(highlight=False)
    return run_main(
        lambda a: run_retention(console, a.as_of, a.dry_run, a.dataset, a.rules, a.config),
        args,
        prog="retention",
    )


if __name__ == "__main__":
    sys.exit(main())

"""Delta table operations shared by every job: create with properties, replace a partition,
read operation metrics, retry on concurrent-writer conflicts, tag commits, read a
table's history (what a purge is due for), and delete or move selected rows with MERGEs
that keep their values out of the history (``delete_selected``, ``move_selected``).

Personal-data columns are kept out of Delta's per-file statistics
(``delta.dataSkippingStatsColumns``): min/max values in ``_delta_log`` are a copy of the
data that erasure and retention would otherwise have to chase through the log.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from pyspark.sql import functions as F

if TYPE_CHECKING:
    from delta.tables import DeltaMergeBuilder
    from pyspark.sql import Column, DataFrame, Row, SparkSession
    from pyspark.sql.types import StructType

    from privlake.config import PrivlakeConfig

T = TypeVar("T")
CONFLICT_RETRIES = 5
# A write's commit carries "privlake-write:<uuid>" as its userMetadata (no data, no names).
COMMIT_TAG_PREFIX = "privlake-write:"
RECENT_COMMITS = 20


def _is_conflict(exc: BaseException) -> bool:
    # delta-spark converts the JVM's conflict exceptions into these Python classes.
    # ProtocolChanged is what the losers get when writers race to create the same table
    # (the DAGs' mapped tasks all record their runs in one table): on retry it exists.
    from delta.exceptions import base

    conflicts = (
        base.DeltaConcurrentModificationException,
        base.ConcurrentWriteException,
        base.MetadataChangedException,
        base.ProtocolChangedException,
        base.ConcurrentAppendException,
        base.ConcurrentDeleteReadException,
        base.ConcurrentDeleteDeleteException,
        base.ConcurrentTransactionException,
    )
    return isinstance(exc, conflicts)


# What creating a table reports while another writer is creating it: its folder (or its
# empty _delta_log) is there, its first commit not yet. A real non-Delta folder fails the
# same way, after the retries.
HALF_CREATED_TABLE = frozenset({"DELTA_TABLE_NOT_FOUND", "DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION"})


def _is_creation_race(exc: BaseException) -> bool:
    """A conflict, or a table another writer is creating at this moment."""
    condition = getattr(exc, "getCondition", None)
    return _is_conflict(exc) or (callable(condition) and condition() in HALF_CREATED_TABLE)


def with_conflict_retry(
    action: Callable[[], T],
    what: str,
    retries: int = CONFLICT_RETRIES,
    retry_on: Callable[[BaseException], bool] = _is_conflict,
) -> T:
    """Run ``action``; when another writer committed first, back off and run it again.

    ``retry_on`` decides which errors are worth another attempt: by default Delta's write
    conflicts; ``ensure_table`` widens it to the errors of a table another writer is
    still creating. Any other error, or the last attempt's, is raised as it is.
    """
    for attempt in range(retries + 1):
        try:
            return action()
        except Exception as exc:
            if not retry_on(exc) or attempt == retries:
                raise
            time.sleep(min(8.0, 0.5 * 2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover


def table_exists(spark: SparkSession, path: str) -> bool:
    from delta.tables import DeltaTable

    return bool(DeltaTable.isDeltaTable(spark, path))


def ensure_table(
    spark: SparkSession,
    path: str,
    schema: StructType,
    partition_by: Iterable[str] = (),
    stats_columns: Iterable[str] | None = None,
    properties: dict[str, str] | None = None,
) -> None:
    """Create the Delta table at ``path`` if it does not exist yet."""
    from delta.tables import DeltaTable

    builder = DeltaTable.createIfNotExists(spark).location(path).addColumns(schema)
    partitions = list(partition_by)
    if partitions:
        builder = builder.partitionedBy(*partitions)
    props = dict(properties or {})
    if stats_columns is not None:
        props["delta.dataSkippingStatsColumns"] = ",".join(stats_columns)
    for key, value in props.items():
        builder = builder.property(key, value)
    with_conflict_retry(builder.execute, f"create {path}", retry_on=_is_creation_race)


def replace_partition(df: DataFrame, path: str, predicate: str) -> int:
    """Atomically replace the rows matching ``predicate`` with ``df`` (idempotent re-runs).

    Returns the rows this write committed, read from its own commit's metrics. The commit
    is found by a unique tag in its ``userMetadata``, so another writer's commits to the
    same table are never counted, and an empty write that committed nothing gives 0.
    """
    tag = f"{COMMIT_TAG_PREFIX}{uuid.uuid4()}"
    writer = (
        df.write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", predicate)
        .option("userMetadata", tag)
    )
    with_conflict_retry(lambda: writer.save(path), f"replace {predicate} in {path}")
    return rows_committed_with_tag(df.sparkSession, path, tag)


def rows_committed_with_tag(spark: SparkSession, path: str, tag: str) -> int:
    """Output rows of the WRITE commit whose ``userMetadata`` is ``tag`` (0 if none).

    The recent commits are read first (one small read); the whole history only when the
    tag is not among them and there are older ones (many writers, or nothing committed).
    """
    from delta.tables import DeltaTable

    table = DeltaTable.forPath(spark, path)

    def tagged(limit: int | None) -> tuple[list[Row], int]:
        history = table.history(limit) if limit else table.history()
        commits = history.select("operation", "userMetadata", "operationMetrics").collect()
        return [c for c in commits if c["userMetadata"] == tag and c["operation"] == "WRITE"], len(commits)

    mine, read = tagged(RECENT_COMMITS)
    if not mine and read >= RECENT_COMMITS:
        mine, _ = tagged(None)
    return sum(int((c["operationMetrics"] or {}).get("numOutputRows", 0)) for c in mine)


def append(df: DataFrame, path: str, merge_schema: bool = False) -> None:
    """Append ``df``; with ``merge_schema`` the table gains the columns it does not have yet."""
    writer = df.write.format("delta").mode("append").option("mergeSchema", str(merge_schema).lower())
    with_conflict_retry(lambda: writer.save(path), f"append to {path}")


def table_version(spark: SparkSession, path: str) -> int | None:
    if not table_exists(spark, path):
        return None
    from delta.tables import DeltaTable

    row = DeltaTable.forPath(spark, path).history(1).select("version").first()
    return int(row["version"]) if row else None


# --- session settings, commit tags and history ------------------------------------------

# Delta writes this session setting into the commitInfo of every commit it makes.
COMMIT_TAG_CONF = "spark.databricks.delta.commitInfo.userMetadata"
LISTING_PARALLELISM_CONF = "spark.sql.sources.parallelPartitionDiscovery.parallelism"
SNAPSHOT_PARTITIONS_CONF = "spark.databricks.delta.snapshotPartitions"
# Operation metrics that mean a commit left unreferenced files behind (data files, change
# data, replaced deletion vectors); MERGE names them with a "Target" infix.
REMOVAL_METRICS = (
    "numRemovedFiles",
    "numTargetFilesRemoved",
    "numAddedChangeFiles",
    "numTargetChangeFilesAdded",
    "numDeletionVectorsUpdated",
    "numDeletionVectorsRemoved",
    "numTargetDeletionVectorsUpdated",
    "numTargetDeletionVectorsRemoved",
)
RISKY_WITHOUT_METRICS = ("DELETE", "MERGE", "UPDATE", "OPTIMIZE", "REORG", "TRUNCATE", "REPLACE TABLE")
# ... and that it hid rows behind new deletion vectors, which only REORG ... PURGE removes.
DELETION_VECTOR_METRICS = (
    "numDeletionVectorsAdded",
    "numDeletionVectorsUpdated",
    "numTargetDeletionVectorsAdded",
    "numTargetDeletionVectorsUpdated",
)


@contextmanager
def session_settings(spark: SparkSession, settings: dict[str, str]) -> Iterator[None]:
    """Set Spark session settings for the block, then put the previous values back."""
    previous = {k: spark.conf.get(k, None) for k in settings}
    for name, value in settings.items():
        spark.conf.set(name, value)
    try:
        yield
    finally:
        for name, old in previous.items():
            if old is None:
                spark.conf.unset(name)
            else:
                spark.conf.set(name, old)


def commit_tag(spark: SparkSession, tag: str) -> AbstractContextManager[None]:
    """Tag every Delta commit made inside the block (auditors find them in the history)."""
    return session_settings(spark, {COMMIT_TAG_CONF: tag})


def run_settings(spark: SparkSession, config: PrivlakeConfig) -> dict[str, str]:
    """Sizing for many small tables, unless the configuration sets it: Spark's and Delta's
    defaults (10,000 listing tasks, 50 state partitions) make one VACUUM of a tiny table take
    tens of seconds on a laptop."""
    parallelism = str(max(2, spark.sparkContext.defaultParallelism))
    defaults = {LISTING_PARALLELISM_CONF: parallelism, SNAPSHOT_PARTITIONS_CONF: parallelism}
    return {k: v for k, v in defaults.items() if k not in config.spark.conf}


@dataclass(frozen=True)
class Commit:
    """One entry of a Delta table's history."""

    version: int
    millis: int
    operation: str
    parameters: dict[str, str]
    metrics: dict[str, int]
    tag: str | None

    @property
    def removes_files(self) -> bool:
        """Whether the commit left files (data, change data, deletion vectors) for VACUUM."""
        if self.metrics:
            return any(self.metrics.get(m, 0) > 0 for m in REMOVAL_METRICS)
        # history metrics switched off: assume the worst for commits that can remove files
        return self.parameters.get("mode") == "Overwrite" or self.operation in RISKY_WITHOUT_METRICS

    @property
    def adds_deletion_vectors(self) -> bool:
        return any(self.metrics.get(m, 0) > 0 for m in DELETION_VECTOR_METRICS)


def table_history(spark: SparkSession, path: str) -> list[Commit]:
    """The table's history, newest first (one small read of the log, no data)."""
    from delta.tables import DeltaTable

    rows = (
        DeltaTable.forPath(spark, path)
        .history()
        .select(
            "version",
            F.unix_millis("timestamp").alias("millis"),
            "operation",
            "operationParameters",
            "operationMetrics",
            "userMetadata",
        )
        .collect()
    )
    commits = [
        Commit(
            version=int(r["version"]),
            millis=int(r["millis"]),
            operation=str(r["operation"]),
            parameters={k: str(v) for k, v in (r["operationParameters"] or {}).items()},
            metrics={k: int(v) for k, v in (r["operationMetrics"] or {}).items() if str(v).isdigit()},
            tag=r["userMetadata"],
        )
        for r in rows
    ]
    return sorted(commits, key=lambda c: c.version, reverse=True)


def purgeable_commits(history: Sequence[Commit], hours: int, now: dt.datetime) -> list[Commit]:
    """Commits whose removed files a VACUUM with ``hours`` of retention would delete now.

    A completed VACUUM deleted what was removed more than its own retention before it
    started; what was removed later is still on storage, and is due once it is ``hours``
    old. Deciding from the history costs one log read, where ``VACUUM DRY RUN`` lists the
    whole table with a dozen Spark jobs, and it keeps a run with nothing due commit-free.
    """
    horizon = -1
    for end in history:
        if end.operation == "VACUUM END" and end.parameters.get("status") == "COMPLETED":
            start = next(
                (c for c in history if c.operation == "VACUUM START" and c.version < end.version), None
            )
            if start is not None:
                kept = start.parameters.get("specifiedRetentionMillis") or start.parameters.get(
                    "defaultRetentionMillis", "0"
                )
                horizon = start.millis - int(kept if kept.isdigit() else 0)
            break
    # Delta's VACUUM compares with the clock too: this is about storage, not the cut-off.
    due = int(now.timestamp() * 1000) - hours * 3_600_000
    return [
        c
        for c in history
        if c.removes_files and not c.operation.startswith("VACUUM") and horizon <= c.millis <= due
    ]


def deletion_vectors_pending(history: Sequence[Commit]) -> bool:
    """Whether a commit since the last REORG ... PURGE wrote deletion vectors."""
    for commit in history:  # newest first
        if commit.operation == "REORG":
            return False
        if commit.adds_deletion_vectors:
            return True
    return False


def table_detail(spark: SparkSession, path: str) -> tuple[list[str], dict[str, str]]:
    from delta.tables import DeltaTable

    row = DeltaTable.forPath(spark, path).detail().select("partitionColumns", "properties").first()
    assert row is not None
    return list(row["partitionColumns"] or []), dict(row["properties"] or {})


# --- MERGE-based delete and move of selected rows ------------------------------------------
#
# Why MERGE and not DELETE ... WHERE: Delta writes an operation's predicate, literals
# included, into the table history (``operationParameters``), and the history outlives the
# rows by years. A predicate naming the rows to remove (a subject's pseudonym, a raw id, a
# hashing key's pads) would keep them there. A MERGE against rows selected by a read records
# only its join condition (``t.`key` <=> s.`key```) and whatever ``condition`` the caller adds.
#
# The API (stable; erase, restrict, retention, ingest and the subject lists call it):
#   key_match(columns)                                       -> the join condition
#   insert_missing(spark, path, rows, key_columns, tag)      -> rows inserted
#   delete_selected(spark, path, selected, key_columns, tag) -> rows deleted
#   move_selected(spark, source, dest, rows, key_columns, tag) -> Moved(inserted, deleted)
#   same_schema(spark, path, schema)                         -> whether a table has that shape


def key_match(columns: Sequence[str]) -> str:
    """The MERGE condition "the table's row ``t`` has the key of the selected row ``s``":
    null-safe equality (``<=>``) on each column, so a null key part matches a null."""
    return " AND ".join(f"t.`{c}` <=> s.`{c}`" for c in columns)


@dataclass(frozen=True)
class Moved:
    """What ``move_selected`` did: rows the destination gained, rows the source lost."""

    inserted: int
    deleted: int


def _tagged(spark: SparkSession, tag: str | None) -> AbstractContextManager[None]:
    return commit_tag(spark, tag) if tag is not None else session_settings(spark, {})


def _merge(
    spark: SparkSession,
    path: str,
    source: DataFrame,
    condition: Column,
    clause: Callable[[DeltaMergeBuilder], DeltaMergeBuilder],
    tag: str | None,
    what: str,
) -> Row | None:
    """MERGE ``source`` (as ``s``) into the table at ``path`` (as ``t``) with one clause,
    under ``tag``, retried on conflicts; the commit's metrics row."""
    from delta.tables import DeltaTable

    def merge() -> DataFrame:
        builder = DeltaTable.forPath(spark, path).alias("t").merge(source.alias("s"), condition)
        return clause(builder).execute()

    with _tagged(spark, tag):
        return with_conflict_retry(merge, what).first()


def delete_selected(
    spark: SparkSession,
    path: str,
    selected: DataFrame,
    key_columns: Sequence[str],
    tag: str | None = None,
    *,
    condition: Column | str | None = None,
    what: str = "",
) -> int:
    """Delete from the Delta table at ``path`` the rows whose key ``selected`` holds; return
    how many rows the commit deleted (its ``num_deleted_rows`` metric; 0 when none matched).

    A MERGE ... WHEN MATCHED DELETE against the distinct ``key_columns`` of ``selected`` (a
    read of the rows to remove; it may hold other columns and repeated keys), because a
    DELETE's predicate, literals included, stays in the table history and the rows' values
    must not (see the comment above ``key_match``). ``condition`` narrows the match with a
    condition on the table's row, columns qualified with ``t.`` (``"t.isolated_by = 'x'"``,
    or a Column); it is recorded as written, so it names columns and non-personal constants
    (a cut-off date, a request id) only. ``tag`` becomes the commit's ``userMetadata``
    (``commit_tag``); None leaves whatever tag the session already sets. Retried when a
    concurrent writer commits first; re-running deletes nothing more.
    """
    keys = selected.select(*key_columns).distinct()
    match = F.expr(key_match(key_columns))
    if condition is not None:
        match = match & (F.expr(condition) if isinstance(condition, str) else condition)
    metrics = _merge(
        spark,
        path,
        keys,
        match,
        lambda merge: merge.whenMatchedDelete(),
        tag,
        what or f"delete selected rows from {path}",
    )
    return int(metrics["num_deleted_rows"] or 0) if metrics is not None else 0


def insert_missing(
    spark: SparkSession,
    path: str,
    rows: DataFrame,
    key_columns: Sequence[str],
    tag: str | None = None,
    *,
    what: str = "",
) -> int:
    """Insert into the Delta table at ``path`` the ``rows`` whose key it does not hold yet;
    return how many it inserted. A MERGE ... WHEN NOT MATCHED INSERT *, so a re-run inserts
    nothing again and the history records the join condition only (see ``delete_selected``
    for why that matters, and for ``tag``). The table must exist with ``rows``' columns
    (``ensure_table``; ``same_schema`` checks the shape)."""
    metrics = _merge(
        spark,
        path,
        rows,
        F.expr(key_match(key_columns)),
        lambda merge: merge.whenNotMatchedInsertAll(),
        tag,
        what or f"insert missing rows into {path}",
    )
    return int(metrics["num_inserted_rows"] or 0) if metrics is not None else 0


def move_selected(
    spark: SparkSession,
    source_path: str,
    dest_path: str,
    rows: DataFrame,
    key_columns: Sequence[str],
    tag: str | None = None,
    *,
    source_condition: Column | str | None = None,
    what: str = "",
) -> Moved:
    """Move ``rows`` (read from the table at ``source_path``, already in the destination's
    shape) into the table at ``dest_path``: insert the ones it lacks (``insert_missing``),
    then delete from the source exactly the selected rows the destination now holds
    (``delete_selected``, narrowed by ``source_condition`` on the source row ``t.``).

    Both steps are MERGEs on ``key_columns``, for the history's sake (see
    ``delete_selected``) and so that the move is idempotent: a run that stops between them
    completes when run again (the insert finds its rows there, the delete removes them), and
    a row that reaches the source after the copy is never deleted uncopied. Both commits
    carry ``tag``. The destination must exist with ``rows``' columns (``ensure_table``)."""
    label = what or f"move rows from {source_path} to {dest_path}"
    inserted = insert_missing(spark, dest_path, rows, key_columns, tag, what=f"{label}: insert")
    copied = rows.select(*key_columns).join(
        spark.read.format("delta").load(dest_path).select(*key_columns), on=list(key_columns), how="left_semi"
    )
    deleted = delete_selected(
        spark, source_path, copied, key_columns, tag, condition=source_condition, what=f"{label}: delete"
    )
    return Moved(inserted, deleted)


def same_schema(spark: SparkSession, path: str, schema: StructType) -> bool:
    """Whether the table at ``path`` has exactly these column names and types, in order
    (nullability aside): a move into it would otherwise fail or mix two shapes."""
    existing = spark.read.format("delta").load(path).schema
    return [(f.name, f.dataType) for f in existing] == [(f.name, f.dataType) for f in schema]

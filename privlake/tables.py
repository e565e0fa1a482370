"""Delta table operations shared by every job: create with properties, replace a partition,
read operation metrics, and retry on concurrent-writer conflicts.

Personal-data columns are kept out of Delta's per-file statistics
(``delta.dataSkippingStatsColumns``): min/max values in ``_delta_log`` are a copy of the
data that erasure and retention would otherwise have to chase through the log.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, Row, SparkSession
    from pyspark.sql.types import StructType

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

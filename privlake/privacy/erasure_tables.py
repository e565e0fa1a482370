"""Erasure in the Delta tables: the subjects' rows deleted, mentions in other rows redacted,
deletion vectors purged, and (``--purge``) history vacuumed.

Deletes and redactions are MERGEs against rows selected by a read, so Delta's history
records join conditions, never a value or a hash. Counts come from the request's own tagged
commits, so a resumed run reports what all its runs did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import PurePosixPath

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from privlake.config import PrivlakeConfig
from privlake.delta import (
    Commit,
    commit_tag,
    delete_selected,
    deletion_vectors_pending,
    key_match,
    session_settings,
    table_detail,
    table_exists,
    table_history,
    with_conflict_retry,
)
from privlake.privacy.evidence import TableEvidence
from privlake.privacy.identifiers import REDACTED, MentionPattern
from privlake.privacy.subjects import ErasureScope, holds_raw_values, rows_of_subjects, text_columns
from privlake.retention.plan import Target, gold_tables, row_key

RETENTION_CHECK_CONF = "spark.databricks.delta.retentionDurationCheck.enabled"
STATS_COLUMNS_PROPERTY = "delta.dataSkippingStatsColumns"


def _as_text(df: DataFrame, column: str) -> Column:
    if isinstance(df.schema[column].dataType, T.BinaryType):
        return F.col(column).cast("string")
    return F.col(column)


def mentioning_rows(df: DataFrame, columns: Sequence[str], pattern: MentionPattern) -> DataFrame:
    """Rows whose text columns mention the pattern."""
    regex = pattern.java()
    hit = F.lit(False)
    for column in columns:
        hit = hit | F.coalesce(_as_text(df, column).rlike(regex), F.lit(False))
    return df.where(hit)


def redacted_columns(df: DataFrame, columns: Sequence[str], pattern: MentionPattern) -> list[Column]:
    """Each text column with every mention replaced by ``[REDACTED]`` (binary stays binary)."""
    regex = pattern.java()
    out = []
    for column in columns:
        replaced = F.regexp_replace(_as_text(df, column), regex, REDACTED)
        if isinstance(df.schema[column].dataType, T.BinaryType):
            replaced = replaced.cast("binary")
        out.append(replaced.alias(column))
    return out


def _tagged_metric(history: Sequence[Commit], tag: str, operation: str, metric: str) -> int:
    return sum(c.metrics.get(metric, 0) for c in history if c.tag == tag and c.operation == operation)


def materialize_deletion_vectors(
    spark: SparkSession, path: str, label: str, properties: dict[str, str] | None = None
) -> bool:
    """REORG ... APPLY (PURGE) when deletion vectors hide rows: the rows leave the data files."""
    if properties is None:
        _, properties = table_detail(spark, path)
    if properties.get("delta.enableDeletionVectors", "false").lower() != "true":
        return False
    if not deletion_vectors_pending(table_history(spark, path)):
        return False
    with_conflict_retry(
        lambda: spark.sql(f"REORG TABLE delta.`{path}` APPLY (PURGE)").collect(), f"erasure reorg {label}"
    )
    return True


def _redact_mentions(
    spark: SparkSession, path: str, keys: list[str], texts: list[str], pattern: MentionPattern, label: str
) -> None:
    """Rewrite the text columns of the rows that mention the pattern, matched on the row key."""
    from delta.tables import DeltaTable

    current = spark.read.format("delta").load(path)
    changed = mentioning_rows(current, texts, pattern).select(
        *keys, *redacted_columns(current, texts, pattern)
    )
    if not changed.limit(1).count():
        return

    def redact() -> None:
        (
            DeltaTable.forPath(spark, path)
            .alias("t")
            .merge(changed.alias("s"), key_match(keys))
            .whenMatchedUpdate(set={c: f"s.`{c}`" for c in texts})
            .execute()
        )

    with_conflict_retry(redact, f"erasure redaction in {label}")


def erase_table(
    spark: SparkSession, target: Target, scope: ErasureScope, key: bytes, tag: str, dry_run: bool
) -> TableEvidence | None:
    """Delete the subjects' rows, then redact mentions in the other rows' text; counts come from
    the request's own tagged commits, so a resumed run reports what all its runs did."""
    if not table_exists(spark, target.location):
        return None
    path, label = target.location, f"{target.zone}/{target.name}"
    df = spark.read.format("delta").load(path)
    keys = row_key(target)
    texts = text_columns(target, df.schema)
    pattern = scope.raw if holds_raw_values(target, df.columns) else scope.tokens
    doomed = rows_of_subjects(df, target, scope.subjects, key).select(*keys).distinct()
    evidence = TableEvidence(zone=target.zone, dataset=target.name)
    evidence.version_before = table_history(spark, path)[0].version
    if dry_run:
        evidence.rows_removed = doomed.count()
        if pattern and texts:
            evidence.rows_redacted = mentioning_rows(df, texts, pattern).count()
        evidence.version_after = evidence.version_before
        return evidence
    if doomed.limit(1).count():
        delete_selected(spark, path, doomed, keys, f"{tag}:delete", what=f"erasure delete in {label}")
    if pattern and texts:
        with commit_tag(spark, f"{tag}:redact"):
            _redact_mentions(spark, path, keys, texts, pattern, label)
    with commit_tag(spark, f"{tag}:reorg"):
        _, properties = table_detail(spark, path)
        # personal columns must stay out of the per-file min/max statistics in _delta_log
        evidence.stats_exclude_personal_columns = STATS_COLUMNS_PROPERTY in properties
        evidence.deletion_vectors_purged = materialize_deletion_vectors(spark, path, label, properties)
    history = table_history(spark, path)
    evidence.rows_removed = _tagged_metric(history, f"{tag}:delete", "MERGE", "numTargetRowsDeleted")
    evidence.rows_redacted = _tagged_metric(history, f"{tag}:redact", "MERGE", "numTargetRowsUpdated")
    evidence.version_after = history[0].version
    return evidence


def purge_history(spark: SparkSession, paths: Sequence[str], tag: str) -> dict[str, int]:
    """VACUUM with zero retention (the safety check off for this call only): no earlier version's
    files, deletion vectors or change-data files survive. Returns files deleted per table."""
    purged = {}
    with session_settings(spark, {RETENTION_CHECK_CONF: "false"}), commit_tag(spark, f"{tag}:purge"):
        for path in paths:
            materialize_deletion_vectors(spark, path, path)
            with_conflict_retry(
                lambda path=path: spark.sql(f"VACUUM delta.`{path}` RETAIN 0 HOURS").collect(),  # type: ignore[misc]
                f"erasure vacuum {path}",
            )
            history = table_history(spark, path)
            purged[path] = _tagged_metric(history, f"{tag}:purge", "VACUUM END", "numDeletedFiles")
    return purged


def current_version_files(spark: SparkSession, config: PrivlakeConfig) -> Callable[[str], bool]:
    """A filter for the scan without --purge: files the current table versions reference, every
    ``_delta_log`` file, and every file outside a Delta table (earlier versions' files are
    history, which the next retention run purges)."""
    tables, live = [], set()
    for zone in ("bronze", "silver", "gold", "restricted", "quarantine"):
        names = gold_tables(spark, config) if zone == "gold" else sorted(config.datasets)
        for path in (config.table_path(zone, name) for name in names):
            if table_exists(spark, path):
                tables.append(path.rstrip("/") + "/")
                live |= {PurePosixPath(f).name for f in spark.read.format("delta").load(path).inputFiles()}

    def include(path: str) -> bool:
        inside = [t for t in tables if path.startswith(t)]
        return not inside or "/_delta_log/" in path or PurePosixPath(path).name in live

    return include

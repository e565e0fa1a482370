"""``privacy/republish``: dates whose published copies an erasure or restriction made stale.

When a request recomputes gold for a date (``privlake.privacy.subjects.recompute_gold``), the
copies already published hold the subject's contribution (and silver copies the subject's
rows). Each such date is marked here once per destination and table it went to, with the
request id; the next ``publish`` to that destination replaces those dates as well as its own
and marks them ``republished`` (or, with ``publish.republish: with_request``, the request
publishes them itself). The request's evidence lists the destinations and their state.
Marking is a MERGE on (date, table, destination, request), so a re-run adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from privlake import delta
from privlake.delta import ensure_table, table_exists, with_conflict_retry
from privlake.frames import json_frame
from privlake.privacy.evidence import PublishedCopyEvidence, read_evidence, write_evidence
from privlake.publish import REPUBLISH_TABLE
from privlake.schema import table_schema

if TYPE_CHECKING:
    from pyspark.sql import Column, SparkSession
    from pyspark.sql.types import StructType

    from privlake.config import PrivlakeConfig

PENDING, REPUBLISHED = "pending", "republished"
KEY = ["dt", "published_table", "destination", "request_id"]


@dataclass(frozen=True)
class RepublishMark:
    day: dt.date
    table: str  # gold/<name> or silver/<name>
    destination: str
    request_id: str
    state: str
    transfer_id: str | None = None


def republish_schema() -> StructType:
    return table_schema(
        "dt DATE NOT NULL, published_table STRING NOT NULL, destination STRING NOT NULL",
        "request_id STRING NOT NULL",
        "marked_at TIMESTAMP NOT NULL, state STRING NOT NULL, republished_at TIMESTAMP, transfer_id STRING",
    )


def _path(config: PrivlakeConfig) -> str:
    return config.table_path("privacy", REPUBLISH_TABLE)


def mark_for_republish(
    spark: SparkSession, config: PrivlakeConfig, days: Iterable[dt.date], request_id: str
) -> list[RepublishMark]:
    """Mark every (date, table) each destination received for republishing; returns the marks
    of the request (none without destinations)."""
    from privlake.aggregates import load_analytics
    from privlake.publish.targets import published_tables

    days = sorted(set(days))
    if not days or not config.publish.destinations:
        return []
    gold = sorted(load_analytics(config).tables)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [
        (day, table.label, name, request_id, now, PENDING, None, None)
        for name in sorted(config.publish.destinations)
        for table in published_tables(config, name, gold)
        for day in days
    ]
    schema = republish_schema()
    path = _path(config)
    ensure_table(spark, path, schema, partition_by=["destination"])
    delta.insert_missing(spark, path, json_frame(spark, rows, schema), KEY, what=f"mark {REPUBLISH_TABLE}")
    return marks_of_request(spark, config, request_id)


def pending_dates(spark: SparkSession, config: PrivlakeConfig, destination: str) -> dict[dt.date, list[str]]:
    """Dates still to be republished at ``destination``, each with the requests that marked it."""
    from pyspark.sql import functions as F

    path = _path(config)
    if not table_exists(spark, path):
        return {}
    rows = (
        spark.read.format("delta")
        .load(path)
        .where((F.col("destination") == destination) & (F.col("state") == PENDING))
        .select("dt", "request_id")
        .distinct()
        .collect()
    )
    pending: dict[dt.date, list[str]] = {}
    for row in rows:
        pending.setdefault(row["dt"], []).append(row["request_id"])
    return {day: sorted(requests) for day, requests in sorted(pending.items())}


def mark_republished(
    spark: SparkSession, config: PrivlakeConfig, destination: str, day: dt.date, transfer_id: str
) -> None:
    """The date's marks at ``destination`` are done: it now holds the recomputed copy."""
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    path = _path(config)
    if not table_exists(spark, path):
        return
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    # The condition names a destination and a date, never a subject: fine in Delta's history.
    condition = (
        (F.col("destination") == destination) & (F.col("dt") == F.lit(day)) & (F.col("state") == PENDING)
    )
    updates: dict[str, str | Column] = {
        "state": F.lit(REPUBLISHED),
        "republished_at": F.lit(now).cast("timestamp"),
        "transfer_id": F.lit(transfer_id),
    }
    with_conflict_retry(
        lambda: DeltaTable.forPath(spark, path).update(condition, updates), f"update {REPUBLISH_TABLE}"
    )


def marks_of_request(spark: SparkSession, config: PrivlakeConfig, request_id: str) -> list[RepublishMark]:
    from pyspark.sql import functions as F

    path = _path(config)
    if not table_exists(spark, path):
        return []
    rows = spark.read.format("delta").load(path).where(F.col("request_id") == request_id).collect()
    marks = [
        RepublishMark(
            r["dt"], r["published_table"], r["destination"], r["request_id"], r["state"], r["transfer_id"]
        )
        for r in rows
    ]
    return sorted(marks, key=lambda m: (m.destination, m.day, m.table))


def copies_evidence(marks: Sequence[RepublishMark]) -> list[PublishedCopyEvidence]:
    return [
        PublishedCopyEvidence(
            destination=m.destination, date=m.day, table=m.table, state=m.state, transfer_id=m.transfer_id
        )
        for m in marks
    ]


def refresh_request_evidence(spark: SparkSession, config: PrivlakeConfig, request_ids: Sequence[str]) -> None:
    """Bring the published copies' states in completed requests' evidence up to date."""
    for request_id in sorted(set(request_ids)):
        evidence = read_evidence(config, request_id)
        if evidence is None:
            continue  # still running: it records the states itself when it completes
        evidence.published_copies = copies_evidence(marks_of_request(spark, config, request_id))
        write_evidence(config, evidence)

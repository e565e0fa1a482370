"""``privacy/transfers``: one row per date a publish run sent, or tried to send, to a destination.

What crossed a border, and that it was checked first, is evidence the privacy team must be
able to show: the destination and its region, the tables with the local Delta version each
was read at, rows per table, the SHA-256 of every file written at the destination, the scan's
result and the status (``published``, or ``blocked`` naming the table and file that stopped
it). Names, versions, counts and hashes only; never a value of the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from privlake.delta import append, ensure_table
from privlake.frames import json_frame
from privlake.publish import TRANSFERS_TABLE
from privlake.schema import table_schema

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType

    from privlake.config import PrivlakeConfig

PUBLISHED, BLOCKED, FAILED = "published", "blocked", "failed"


@dataclass
class TransferRecord:
    """One date of one transfer; the run fills it in as it goes."""

    transfer_id: str
    destination: str
    region: str
    day: dt.date
    tables: list[str] = field(default_factory=list)
    table_versions: dict[str, int] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    file_hashes: dict[str, str] = field(default_factory=dict)  # destination file -> SHA-256
    files_scanned: int = 0
    scan_result: str = ""
    status: str = PUBLISHED
    # privacy requests whose recomputed gold this date carries (republish after erasure)
    republished_for: list[str] = field(default_factory=list)
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def transfers_schema() -> StructType:
    return table_schema(
        "transfer_id STRING NOT NULL, destination STRING NOT NULL, region STRING NOT NULL, dt DATE NOT NULL",
        "status STRING NOT NULL, tables ARRAY<STRING>, table_versions MAP<STRING, BIGINT>",
        "row_counts MAP<STRING, BIGINT>, file_hashes MAP<STRING, STRING>, files_scanned BIGINT NOT NULL",
        "scan_result STRING NOT NULL, republished_for ARRAY<STRING>",
        "started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL",
    )


def record_transfer(spark: SparkSession, config: PrivlakeConfig, record: TransferRecord) -> None:
    """Append the record to ``privacy/transfers`` (created on first use)."""
    path = config.table_path("privacy", TRANSFERS_TABLE)
    schema = transfers_schema()
    # names, versions, counts and hashes: nothing here is personal, all may be in statistics
    ensure_table(spark, path, schema, partition_by=["destination"])
    row = (
        record.transfer_id,
        record.destination,
        record.region,
        record.day,
        record.status,
        record.tables,
        record.table_versions,
        record.row_counts,
        record.file_hashes,
        record.files_scanned,
        record.scan_result,
        record.republished_for,
        record.started_at.replace(tzinfo=None),
        dt.datetime.now(dt.UTC).replace(tzinfo=None),
    )
    append(json_frame(spark, [row], schema), path)

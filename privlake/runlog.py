"""Run records: what every job read, wrote, quarantined and found, in ``privacy/runs``.

A record holds counts and labels only (reasons, column and entity-type names), never a
value from the data, so the privacy team can read it without seeing personal data.
``check_balance`` is the invariant every job enforces before it reports success:
rows in = rows out + rows quarantined + rows dropped (deny list) + rows isolated, and the
quarantined rows by reason add up to rows quarantined (a reason names only rows that went
to quarantine, never a dropped or isolated one).
``mentions_redacted`` (ingest: mentions of erased subjects replaced in the rows it wrote)
counts replacements inside rows, not rows, so it stays out of the balance.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from privlake.config import PrivlakeConfig
from privlake.delta import append, ensure_table
from privlake.errors import PrivlakeError
from privlake.frames import json_frame
from privlake.schema import table_schema

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType


class CountMismatchError(PrivlakeError):
    """Rows in and rows accounted for differ: something was lost or duplicated."""


@dataclass
class RunRecord:
    job: str
    dataset: str
    day: dt.date
    rows_in: int = 0
    rows_out: int = 0
    rows_quarantined: int = 0
    rows_dropped: int = 0
    rows_isolated: int = 0
    # mentions of erased subjects redacted in rows written (ingest); not a row count
    mentions_redacted: int = 0
    # ingest: screenings repeated because a subject list changed while the run committed
    rescreens: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    entities: dict[str, int] = field(default_factory=dict)
    key_id: str | None = None
    status: str = "succeeded"
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def check_balance(self) -> None:
        accounted = self.rows_out + self.rows_quarantined + self.rows_dropped + self.rows_isolated
        if accounted != self.rows_in:
            raise CountMismatchError(
                f"{self.job} {self.dataset} {self.day}: {self.rows_in} rows in but "
                f"{self.rows_out} written + {self.rows_quarantined} quarantined + "
                f"{self.rows_dropped} dropped + {self.rows_isolated} isolated = {accounted}"
            )
        by_reason = sum(self.reasons.values())
        if by_reason != self.rows_quarantined:
            raise CountMismatchError(
                f"{self.job} {self.dataset} {self.day}: {self.rows_quarantined} rows quarantined but "
                f"{by_reason} by reason ({', '.join(f'{r}: {n}' for r, n in sorted(self.reasons.items()))})"
            )


def runs_schema() -> StructType:
    return table_schema(
        "run_id STRING NOT NULL, job STRING NOT NULL, dataset STRING NOT NULL, dt DATE NOT NULL",
        "status STRING NOT NULL, rows_in BIGINT NOT NULL, rows_out BIGINT NOT NULL",
        "rows_quarantined BIGINT NOT NULL, rows_dropped BIGINT NOT NULL, rows_isolated BIGINT NOT NULL",
        "reasons MAP<STRING, BIGINT>, entities MAP<STRING, BIGINT>, key_id STRING",
        "started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL",
        # added later: older tables gain them on their next append (schema evolution), null before
        "mentions_redacted BIGINT, rescreens BIGINT",
    )


def record_run(spark: SparkSession, config: PrivlakeConfig, record: RunRecord) -> None:
    """Append the record to ``privacy/runs`` (the table is created on first use)."""
    path = config.table_path("privacy", "runs")
    schema = runs_schema()
    ensure_table(spark, path, schema, partition_by=["job"])
    row = (
        record.run_id,
        record.job,
        record.dataset,
        record.day,
        record.status,
        record.rows_in,
        record.rows_out,
        record.rows_quarantined,
        record.rows_dropped,
        record.rows_isolated,
        record.reasons,
        record.entities,
        record.key_id,
        record.started_at.replace(tzinfo=None),
        dt.datetime.now(dt.UTC).replace(tzinfo=None),
        record.mentions_redacted,
        record.rescreens,
    )
    append(json_frame(spark, [row], schema), path, merge_schema=True)

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
    from pyspark.sql import types as T

    return T.StructType(
        [
            T.StructField("run_id", T.StringType(), False),
            T.StructField("job", T.StringType(), False),
            T.StructField("dataset", T.StringType(), False),
            T.StructField("dt", T.DateType(), False),
            T.StructField("status", T.StringType(), False),
            T.StructField("rows_in", T.LongType(), False),
            T.StructField("rows_out", T.LongType(), False),
            T.StructField("rows_quarantined", T.LongType(), False),
            T.StructField("rows_dropped", T.LongType(), False),
            T.StructField("rows_isolated", T.LongType(), False),
            T.StructField("reasons", T.MapType(T.StringType(), T.LongType()), True),
            T.StructField("entities", T.MapType(T.StringType(), T.LongType()), True),
            T.StructField("key_id", T.StringType(), True),
            T.StructField("started_at", T.TimestampType(), False),
            T.StructField("finished_at", T.TimestampType(), False),
            # added later: older tables gain it on their next append (schema evolution), null before
            T.StructField("mentions_redacted", T.LongType(), True),
            T.StructField("rescreens", T.LongType(), True),
        ]
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

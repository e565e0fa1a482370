"""One dataset's day from landing to silver in one Spark application (``privlake run``).

The daily DAG used to submit two applications per dataset (ingest, then de-identify), each
paying a JVM start, package resolution, Delta log reads and, for de-identify, Presidio's
engine load before its first row. :func:`run_dataset_day` runs both steps in the session it
is given: the landing JSON is parsed once (by ingest), and de-identify reads the bronze
partition ingest has just committed, so every guarantee of the two steps holds unchanged
(row accounting, duplicate keys, deny list and restriction screening, fail-closed scrubbing,
run records, idempotent partition replace). ``privlake ingest`` and ``privlake deidentify``
stay: re-deriving silver from bronze after a policy change needs de-identify alone.

Snapshot datasets (accounts) go first (:func:`datasets_in_run_order`): their identifiers
are the deny lists of the others' free text.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from privlake.deidentification import deidentify
from privlake.ingestion import ingest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from privlake.config import DatasetConfig, PrivlakeConfig
    from privlake.pseudonym import PseudonymKey
    from privlake.runlog import RunRecord


def datasets_in_run_order(config: PrivlakeConfig) -> list[DatasetConfig]:
    """The configured datasets, snapshots first (stable otherwise: the configuration's order)."""
    return sorted(config.datasets.values(), key=lambda d: not d.snapshot)


def run_dataset_day(
    spark: SparkSession, config: PrivlakeConfig, dataset: str, day: dt.date, key: PseudonymKey
) -> list[RunRecord]:
    """Ingest ``dataset``'s landing files of ``day`` into bronze, then de-identify that
    partition into silver; the two balanced run records, in that order. A failing ingest
    raises before anything reaches silver."""
    ingested = ingest(spark, config, dataset, day)
    return [ingested, deidentify(spark, config, dataset, day, key)]

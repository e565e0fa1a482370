"""(a2) the same-zones baseline of issue 19: the floor for what privlake must do.

Per dataset, in the one session (application) the approach is given: landing JSON read
with the declared schema, written to a bronze table of privlake's layout
(``privlake.schema.bronze_schema``: the declared columns, ``_source_file``,
``_line_number``, partitioned by ``dt``, personal columns kept out of Delta's statistics),
then that bronze partition read back and written, untransformed, to a silver table with the
same partitioning and settings. Both writes go through privlake's own
``privlake.delta.ensure_table`` and ``replace_partition`` (``replaceWhere`` on the day,
the commit tagged and its row count read back), so the Delta work per write is privlake's.

What it leaves out is what privlake adds: line numbers (``_line_number`` holds a row
position, ``monotonically_increasing_id``, so the column exists with its type), type and
duplicate checks, quarantine, subject screening, pseudonyms, generalization, free-text
scrubbing and run records. Rows a NOT NULL column of bronze would refuse (malformed
lines, read as nulls) are dropped, not quarantined.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from bench.approaches import StepLog, read_landing
from privlake.columns import BRONZE_LINE_NUMBER, BRONZE_SOURCE_FILE, DT
from privlake.config import DatasetConfig, PrivlakeConfig
from privlake.delta import ensure_table, replace_partition
from privlake.schema import bronze_schema, non_personal_columns

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def landing_as_bronze(
    spark: SparkSession, config: PrivlakeConfig, dataset: DatasetConfig, day: dt.date
) -> DataFrame:
    """The day's landing lines in bronze's columns and order, without privlake's checks."""
    from pyspark.sql import functions as F

    rows = read_landing(spark, config, dataset, day)
    for name, spec in dataset.columns.items():
        if spec.required:
            rows = rows.where(F.col(name).isNotNull())
    rows = rows.select(
        *dataset.columns,
        F.col("_metadata.file_path").alias(BRONZE_SOURCE_FILE),
        F.monotonically_increasing_id().alias(BRONZE_LINE_NUMBER),
        F.lit(day).alias(DT),
    )
    return rows.select(*[field.name for field in bronze_schema(dataset).fields])


def copy_zone(spark: SparkSession, dataset: DatasetConfig, rows: DataFrame, path: str, day: dt.date) -> int:
    """``rows`` as the day's partition of the table at ``path`` (created in bronze's layout)."""
    ensure_table(spark, path, bronze_schema(dataset), [DT], stats_columns=non_personal_columns(dataset))
    return replace_partition(rows, path, f"{DT} = DATE'{day.isoformat()}'")


def same_zones_baseline(
    steps: StepLog,
    spark: SparkSession,
    config: PrivlakeConfig,
    day: dt.date,
    target: Path,
    datasets: list[str],
) -> None:
    """Landing to ``target/bronze/<dataset>``, then to ``target/silver/<dataset>``, for each
    of ``datasets`` in turn; a step per zone and dataset."""
    from pyspark.sql import functions as F

    for name in datasets:
        dataset = config.dataset(name)
        bronze, silver = str(target / "bronze" / name), str(target / "silver" / name)
        steps.timed(
            f"bronze {name}",
            copy_zone,
            spark,
            dataset,
            landing_as_bronze(spark, config, dataset, day),
            bronze,
            day,
        )

        def to_silver(bronze: str = bronze, silver: str = silver, dataset: DatasetConfig = dataset) -> int:
            rows = spark.read.format("delta").load(bronze).where(F.col(DT) == F.lit(day))
            return copy_zone(spark, dataset, rows, silver, day)

        steps.timed(f"silver {name}", to_silver)

"""Delta helpers under concurrent writers, as the DAGs' mapped tasks run them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pyspark.sql import SparkSession

from privlake.tables import append, ensure_table

WRITERS = 4


def test_writers_racing_to_create_and_append_to_a_new_table_all_land(
    spark: SparkSession, tmp_path: Path
) -> None:
    # Every job records its run in one table; on a fresh lake the day's mapped tasks race
    # to create it. The losers must retry, not fail the task.
    path = str(tmp_path / "runs")
    schema = "job string, n int"
    start = threading.Barrier(WRITERS)

    def writer(n: int) -> None:
        start.wait()
        ensure_table(spark, path, spark.createDataFrame([], schema).schema, ["job"])
        append(spark.createDataFrame([(f"job-{n}", n)], schema), path)

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(writer, range(WRITERS)))
    rows = spark.read.format("delta").load(path).collect()
    assert sorted(r.n for r in rows) == list(range(WRITERS))

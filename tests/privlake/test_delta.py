"""Delta helpers under concurrent writers, as the DAGs' mapped tasks run them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from privlake import delta as lake_delta
from privlake.delta import COMMIT_TAG_PREFIX, append, ensure_table, replace_partition

WRITERS = 4


def test_writers_racing_to_create_and_append_to_a_new_table_all_land(
    spark: SparkSession, tmp_path: Path
) -> None:
    # Every job records its run in one table; on a fresh lake the day's mapped tasks race
    # to create it. The losers must retry, not fail the task.
    # Losers see either a protocol change or a table whose first commit is not there yet.
    schema = "job string, n int"
    for race in range(3):  # the interleaving differs from race to race
        path = str(tmp_path / f"runs-{race}")
        start = threading.Barrier(WRITERS)

        def writer(n: int, path: str = path, start: threading.Barrier = start) -> None:
            start.wait()
            ensure_table(spark, path, spark.createDataFrame([], schema).schema, ["job"])
            append(spark.createDataFrame([(f"job-{n}", n)], schema), path)

        with ThreadPoolExecutor(WRITERS) as pool:
            list(pool.map(writer, range(WRITERS)))
        rows = spark.read.format("delta").load(path).collect()
        assert sorted(r.n for r in rows) == list(range(WRITERS)), f"race {race}"


def test_a_partition_replace_counts_only_its_own_commit_among_concurrent_writers(
    spark: SparkSession, tmp_path: Path
) -> None:
    path = str(tmp_path / "events")
    schema = "day string, n int"
    ensure_table(spark, path, spark.createDataFrame([], schema).schema, ["day"])
    sizes = {"a": 3, "b": 5, "c": 7, "d": 11}
    start = threading.Barrier(len(sizes))

    def writer(day: str) -> int:
        rows = spark.createDataFrame([(day, i) for i in range(sizes[day])], schema)
        start.wait()
        return replace_partition(rows, path, f"day = '{day}'")

    with ThreadPoolExecutor(len(sizes)) as pool:
        counted = dict(zip(sizes, pool.map(writer, sizes), strict=True))
    assert counted == sizes
    # A re-run with nothing to write commits a delete of the partition and counts 0 rows.
    assert replace_partition(spark.createDataFrame([], schema), path, "day = 'a'") == 0
    history = DeltaTable.forPath(spark, path).history().collect()
    writes = [h for h in history if h.operation == "WRITE"]
    assert len(writes) == len(sizes) + 1
    # The commit tag is a random id, nothing from the data.
    assert all(h.userMetadata.startswith(COMMIT_TAG_PREFIX) and len(h.userMetadata) == 51 for h in writes)


def test_a_commit_older_than_the_recent_history_is_still_found(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Other writers may commit many times between a write and its count.
    monkeypatch.setattr(lake_delta, "RECENT_COMMITS", 2)
    path = str(tmp_path / "events")
    schema = "day string, n int"
    rows = spark.createDataFrame([("a", 1), ("a", 2)], schema)
    rows.write.format("delta").option("userMetadata", "privlake-write:older").save(path)
    for day in ("b", "c", "d"):
        spark.createDataFrame([(day, 0)], schema).write.format("delta").mode("append").save(path)
    assert lake_delta.rows_committed_with_tag(spark, path, "privlake-write:older") == 2
    assert lake_delta.rows_committed_with_tag(spark, path, "privlake-write:never") == 0

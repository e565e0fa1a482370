"""The MERGE-based delete and move of selected rows (``privlake.delta``): counts from the
commit, idempotent re-runs, tags, and no selected value in the table history."""

from __future__ import annotations

import json
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from privlake.delta import delete_selected, ensure_table, move_selected, same_schema, table_history

SCHEMA = "id string, dt date, who string"
SECRET = "alice@example.org"


def _table(spark: SparkSession, path: str, rows: list[tuple[str, str, str]]) -> None:
    df = spark.createDataFrame(rows, "id string, dt string, who string").withColumn("dt", F.to_date("dt"))
    ensure_table(spark, path, df.schema, ["dt"])
    df.write.format("delta").mode("append").save(path)


def _history_text(spark: SparkSession, path: str) -> str:
    rows = DeltaTable.forPath(spark, path).history().select("operationParameters", "userMetadata")
    return json.dumps([r.asDict(recursive=True) for r in rows.collect()])


def test_delete_selected_deletes_the_selected_keys_counts_them_and_keeps_values_out_of_history(
    spark: SparkSession, tmp_path: Path
) -> None:
    path = str(tmp_path / "t")
    _table(
        spark, path, [("1", "2026-01-01", SECRET), ("2", "2026-01-01", "bob"), ("3", "2026-01-02", SECRET)]
    )
    selected = spark.read.format("delta").load(path).where(F.col("who") == SECRET)
    # the selection is read again at each attempt: materialize it as the callers' reads are
    keys = spark.createDataFrame(selected.select("id", "dt").collect(), selected.select("id", "dt").schema)
    deleted = delete_selected(
        spark, path, keys, ["id", "dt"], "privlake-test:del", condition="t.dt < DATE'2026-01-02'"
    )
    assert deleted == 1  # row 3 is selected but not before the cut-off condition
    left = sorted(r.id for r in spark.read.format("delta").load(path).collect())
    assert left == ["2", "3"]
    latest = table_history(spark, path)[0]
    assert (latest.operation, latest.tag) == ("MERGE", "privlake-test:del")
    assert SECRET not in _history_text(spark, path)
    # a re-run deletes nothing more
    assert delete_selected(spark, path, keys, ["id", "dt"], condition="t.dt < DATE'2026-01-02'") == 0


def test_move_selected_moves_once_and_completes_a_move_that_stopped_half_way(
    spark: SparkSession, tmp_path: Path
) -> None:
    source, dest = str(tmp_path / "source"), str(tmp_path / "dest")
    _table(
        spark, source, [("1", "2026-01-01", SECRET), ("2", "2026-01-01", "bob"), ("3", "2026-01-02", "eve")]
    )
    rows = spark.read.format("delta").load(source).where(F.col("id") != "3").withColumn("by", F.lit("test"))
    ensure_table(spark, dest, rows.schema, ["dt"])
    assert same_schema(spark, dest, rows.schema)
    assert not same_schema(spark, dest, spark.read.format("delta").load(source).schema)
    # a run that stopped after the copy: the destination already holds row 1
    rows.where(F.col("id") == "1").write.format("delta").mode("append").save(dest)
    moved = move_selected(spark, source, dest, rows, ["id", "dt"], "privlake-test:move")
    assert (moved.inserted, moved.deleted) == (1, 2)
    assert sorted(r.id for r in spark.read.format("delta").load(source).collect()) == ["3"]
    assert sorted(r.id for r in spark.read.format("delta").load(dest).collect()) == ["1", "2"]
    assert {c.tag for c in table_history(spark, source) if c.operation == "MERGE"} == {"privlake-test:move"}
    assert SECRET not in _history_text(spark, source) + _history_text(spark, dest)
    again = spark.read.format("delta").load(source).where(F.col("id") != "3").withColumn("by", F.lit("test"))
    assert move_selected(spark, source, dest, again, ["id", "dt"]) == type(moved)(0, 0)

"""``json_frame`` gives what ``createDataFrame`` gives, without a Python worker."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import functions as F
from pyspark.sql import types as T

from privlake.frames import json_frame
from privlake.runlog import runs_schema

LEDGER_LIKE = T.StructType(
    [
        T.StructField("request_id", T.StringType(), False),
        T.StructField("hashes", T.ArrayType(T.StringType()), True),
        T.StructField("purge", T.BooleanType(), True),
        T.StructField("score", T.DoubleType(), True),
    ]
)


def _run_row(reasons: dict[str, int] | None, entities: dict[str, int] | None) -> tuple[object, ...]:
    started = dt.datetime(2026, 11, 28, 3, 4, 5, 678901)
    return ("run-1", "ingest", "device_logs", dt.date(2026, 11, 28), "succeeded", 10, 7, 2, 1, 0,
            reasons, entities, None, started, started + dt.timedelta(seconds=90), 3, 1)  # fmt: skip


def test_rows_equal_create_data_frame_for_every_type_the_jobs_write(spark) -> None:  # type: ignore[no-untyped-def]
    runs = [_run_row({"wrong_type": 2, "nul_byte": 1}, {}), _run_row(None, {"message:IP_ADDRESS": 4})]
    ledger = [("r-1", ["a1", "b2"], True, 0.5), ("r-2", [], None, None), ("r-3", None, False, -1.25)]
    for rows, schema in ((runs, runs_schema()), (ledger, LEDGER_LIKE)):
        built = json_frame(spark, rows, schema)
        assert [(f.name, f.dataType) for f in built.schema] == [(f.name, f.dataType) for f in schema]
        # Timestamps apart (below): createDataFrame reads a naive one in the machine's zone.
        untimed = [f.name for f in schema if f.dataType != T.TimestampType()]
        expected = spark.createDataFrame(rows, schema).select(*untimed).collect()
        assert built.select(*untimed).collect() == expected


def test_naive_timestamps_are_read_in_the_session_time_zone(spark) -> None:  # type: ignore[no-untyped-def]
    """The jobs write UTC wall-clock times without a zone; privlake's sessions run in UTC."""
    row = _run_row(None, None)
    built = json_frame(spark, [row], runs_schema())
    shown = built.select(F.date_format("started_at", "yyyy-MM-dd'T'HH:mm:ss.SSSSSS").alias("t")).first()
    assert shown is not None and shown["t"] == row[13].isoformat()


def test_no_rows_is_an_empty_frame_with_the_schema(spark) -> None:  # type: ignore[no-untyped-def]
    built = json_frame(spark, [], LEDGER_LIKE)
    assert built.count() == 0
    assert [f.dataType for f in built.schema] == [f.dataType for f in LEDGER_LIKE]


def test_rows_never_reach_a_python_worker(spark) -> None:  # type: ignore[no-untyped-def]
    plan = json_frame(spark, [("r-1", ["a"], True, 1.0)], LEDGER_LIKE)._jdf.queryExecution().executedPlan()
    assert "ExistingRDD" not in plan.toString()  # createDataFrame's scan of pickled Python rows
    assert (
        "ExistingRDD"
        in spark.createDataFrame([("r-1", ["a"], True, 1.0)], LEDGER_LIKE)
        ._jdf.queryExecution()
        .executedPlan()
        .toString()
    )


def test_a_row_of_the_wrong_length_is_refused_by_its_index(spark) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="row 1 has 3 values for 4 columns"):
        json_frame(spark, [("r-1", [], True, 1.0), ("r-2", [], True)], LEDGER_LIKE)


def test_a_large_frame_is_one_literal_and_has_the_same_rows(spark) -> None:  # type: ignore[no-untyped-def]
    rows = [(f"r-{i}", [f"h{i}", 'x"y'], i % 2 == 0, i / 4) for i in range(5_000)]
    built = json_frame(spark, rows, LEDGER_LIKE)
    assert sorted(built.collect()) == sorted(spark.createDataFrame(rows, LEDGER_LIKE).collect())


@pytest.mark.parametrize(
    ("row", "column", "python_type"),
    [
        (("r-1", [], "yes", 1.0), "purge", "str"),  # from_json would read it as a silent null
        (("r-1", ["a", 7], True, 1.0), "hashes", "list"),
        (("r-1", [], True, "1.5"), "score", "str"),
        (("r-1", [], 1, 1.0), "purge", "int"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_by_row_and_column_never_shown(
    spark,  # type: ignore[no-untyped-def]
    row: tuple[object, ...],
    column: str,
    python_type: str,
) -> None:
    expected = f"row 1, column {column}: a {python_type} value does not fit"
    with pytest.raises(TypeError, match=expected) as raised:
        json_frame(spark, [("r-0", [], True, 0.0), row], LEDGER_LIKE)
    assert "yes" not in str(raised.value) and "1.5" not in str(raised.value)


def test_a_long_beyond_64_bits_is_refused(spark) -> None:  # type: ignore[no-untyped-def]
    schema = T.StructType([T.StructField("n", T.LongType())])
    with pytest.raises(TypeError, match="row 0, column n: a int value does not fit bigint"):
        json_frame(spark, [(2**63,)], schema)


def test_a_column_type_it_cannot_write_is_named(spark) -> None:  # type: ignore[no-untyped-def]
    int_keys = T.StructType([T.StructField("m", T.MapType(T.IntegerType(), T.LongType()))])
    with pytest.raises(TypeError, match="maps with string keys, not map<int,bigint>"):
        json_frame(spark, [({1: 2},)], int_keys)
    binary = T.StructType([T.StructField("b", T.BinaryType())])
    with pytest.raises(TypeError, match="does not write binary columns"):
        json_frame(spark, [(b"x",)], binary)

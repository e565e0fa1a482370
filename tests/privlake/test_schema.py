"""``table_schema``: Spark DDL gives the stored tables their exact fields, order and nullability."""

from __future__ import annotations

import pytest
from pyspark.sql import types as T

from privlake.runlog import runs_schema
from privlake.schema import RECORDED, table_schema


def test_ddl_keeps_order_types_and_not_null(spark) -> None:  # type: ignore[no-untyped-def]
    schema = table_schema(
        "`table` STRING NOT NULL, counts MAP<STRING, BIGINT>", "hashes ARRAY<STRING>", RECORDED
    )
    assert schema == T.StructType(
        [
            T.StructField("table", T.StringType(), False),
            T.StructField("counts", T.MapType(T.StringType(), T.LongType(), True), True),
            T.StructField("hashes", T.ArrayType(T.StringType(), True), True),
            T.StructField("run_id", T.StringType(), False),
            T.StructField("recorded_at", T.TimestampType(), False),
            T.StructField("dt", T.DateType(), False),
        ]
    )
    assert all(not f.metadata for f in schema)  # Delta compares metadata too


def test_a_single_type_is_not_a_table(spark) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="not a table schema"):
        table_schema("string")


def test_runs_schema_is_the_stored_one(spark) -> None:  # type: ignore[no-untyped-def]
    """``privacy/runs`` exists on users' lakes: its schema as Spark renders it, pinned."""
    assert runs_schema().toDDL() == (
        "run_id STRING NOT NULL,job STRING NOT NULL,dataset STRING NOT NULL,dt DATE NOT NULL,"
        "status STRING NOT NULL,rows_in BIGINT NOT NULL,rows_out BIGINT NOT NULL,"
        "rows_quarantined BIGINT NOT NULL,rows_dropped BIGINT NOT NULL,rows_isolated BIGINT NOT NULL,"
        "reasons MAP<STRING, BIGINT>,entities MAP<STRING, BIGINT>,key_id STRING,"
        "started_at TIMESTAMP NOT NULL,finished_at TIMESTAMP NOT NULL,"
        "mentions_redacted BIGINT,rescreens BIGINT"
    )

"""Small DataFrames from driver-side values, built in the JVM.

``spark.createDataFrame`` over a Python list pickles the rows and has a Python worker
unpickle them: the first call in a session starts Spark's Python daemon and a worker
(about 2.5 s on a 2-core machine), in jobs that otherwise run no Python on the
executors (ingest, aggregate, the run record of every job). ``json_frame`` hands the rows
to the JVM as one JSON text instead, parsed there with ``from_json`` and the schema, so no Python worker is
involved and the plan stays one literal however many rows there are.

Naive datetimes are read in the session time zone (UTC in privlake, ``privlake.spark``),
which is how the jobs mean them: every timestamp they write is UTC without its zone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import DataType, StructType


def _iso(value: dt.date) -> str:
    """``json.dumps``'s fallback: after ``_fits``, only dates and datetimes need one."""
    return value.isoformat()


def _fits(value: object, data_type: DataType) -> bool:
    """Whether ``value`` is a Python value of Spark type ``data_type`` (None always is)."""
    from pyspark.sql import types as T

    if value is None:
        return True
    if isinstance(data_type, T.ArrayType):
        return isinstance(value, list | tuple) and all(_fits(v, data_type.elementType) for v in value)
    if isinstance(data_type, T.MapType):
        if not isinstance(data_type.keyType, T.StringType):  # JSON object keys are strings
            raise TypeError(f"json_frame writes maps with string keys, not {data_type.simpleString()}")
        return isinstance(value, Mapping) and all(
            _fits(k, data_type.keyType) and _fits(v, data_type.valueType) for k, v in value.items()
        )
    if isinstance(data_type, T.BooleanType):
        return isinstance(value, bool)
    if isinstance(data_type, T.IntegerType | T.LongType):
        bits = 31 if isinstance(data_type, T.IntegerType) else 63
        return isinstance(value, int) and not isinstance(value, bool) and -(2**bits) <= value < 2**bits
    if isinstance(data_type, T.DoubleType):
        return isinstance(value, float | int) and not isinstance(value, bool)
    if isinstance(data_type, T.TimestampType):
        return isinstance(value, dt.datetime)
    if isinstance(data_type, T.DateType):
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if isinstance(data_type, T.StringType):
        return isinstance(value, str)
    raise TypeError(f"json_frame does not write {data_type.simpleString()} columns")


def json_frame(spark: SparkSession, rows: Sequence[Sequence[Any]], schema: StructType) -> DataFrame:
    """``rows`` (tuples in ``schema``'s field order) as a DataFrame with ``schema``'s names
    and types. Fields are nullable, whatever ``schema`` says; a Delta table's NOT NULL
    columns are still enforced when the frame is written.

    Every value is checked against its column's type first: ``from_json`` would otherwise
    turn a value it cannot read into a silent null. Errors name the row and the column,
    never the value.
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    fields = schema.fields
    for i, row in enumerate(rows):
        if len(row) != len(fields):
            raise ValueError(f"row {i} has {len(row)} values for {len(fields)} columns")
        for value, field in zip(row, fields, strict=True):
            if not _fits(value, field.dataType):
                raise TypeError(
                    f"row {i}, column {field.name}: a {type(value).__name__} value "
                    f"does not fit {field.dataType.simpleString()}"
                )
    text = json.dumps([dict(zip(schema.fieldNames(), row, strict=True)) for row in rows], default=_iso)
    # FAILFAST: anything the check above let through and from_json cannot read fails the job.
    parsed = F.from_json(F.lit(text), T.ArrayType(schema), {"mode": "FAILFAST"})
    return spark.range(1).select(F.inline(parsed))

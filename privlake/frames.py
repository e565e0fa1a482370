"""Small DataFrames from driver-side values, built in the JVM.

``spark.createDataFrame`` over a Python list pickles the rows and has a Python worker
unpickle them: the first call in a session starts Spark's Python daemon and a worker
(about 2.5 s on a 2-core machine), in jobs that otherwise run no Python on the executors
(ingest, the run record of every job). ``json_frame`` hands the rows to the JVM as one
JSON text instead, parsed there with ``from_json`` and the schema, so no Python worker is
involved and the plan stays one literal however many rows there are.

Naive datetimes are read in the session time zone (UTC in privlake, ``privlake.spark``),
which is how the jobs mean them: every timestamp they write is UTC without its zone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType


def _json_value(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"a {type(value).__name__} value cannot be written to a frame")


def json_frame(spark: SparkSession, rows: Sequence[Sequence[Any]], schema: StructType) -> DataFrame:
    """``rows`` (tuples in ``schema``'s field order) as a DataFrame with ``schema``'s names
    and types. Fields are nullable, whatever ``schema`` says; a Delta table's NOT NULL
    columns are still enforced when the frame is written."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    names = schema.fieldNames()
    for i, row in enumerate(rows):
        if len(row) != len(names):
            raise ValueError(f"row {i} has {len(row)} values for {len(names)} columns")
    text = json.dumps([dict(zip(names, row, strict=True)) for row in rows], default=_json_value)
    return spark.range(1).select(F.inline(F.from_json(F.lit(text), T.ArrayType(schema))))

"""Small DataFrames from driver-side values, built in the JVM.

``spark.createDataFrame`` over a Python list pickles the rows and has a Python worker
unpickle them: the first call in a session starts Spark's Python daemon and a worker
(about 2.5 s on a 2-core machine), in jobs that otherwise run no Python on the executors
(ingest, the run record of every job). ``literal_frame`` writes the same rows as literals
of one ``inline`` expression instead, so no Python worker is involved.

Meant for a handful to a few thousand rows (run records, ledger entries, line-number
offsets, subject hashes): the rows become part of the query plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.types import DataType, StructType


def literal(value: Any, data_type: DataType) -> Column:
    """``value`` as a Spark literal of ``data_type`` (lists and mappings element by element)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    if value is None:
        return F.lit(None).cast(data_type)
    if isinstance(data_type, T.ArrayType):
        return F.array(*(literal(v, data_type.elementType) for v in value)).cast(data_type)
    if isinstance(data_type, T.MapType):
        if not isinstance(value, Mapping):
            raise TypeError(f"a map column needs a mapping, got {type(value).__name__}")
        pairs = [
            part
            for k, v in value.items()
            for part in (literal(k, data_type.keyType), literal(v, data_type.valueType))
        ]
        return F.create_map(*pairs).cast(data_type)
    if isinstance(data_type, T.StructType):
        raise TypeError("nested struct columns are not supported by literal_frame")
    return F.lit(value).cast(data_type)


def literal_frame(spark: SparkSession, rows: Sequence[Sequence[Any]], schema: StructType) -> DataFrame:
    """``rows`` (tuples in ``schema``'s field order) as a DataFrame with ``schema``'s names
    and types. Fields are nullable, whatever ``schema`` says; a Delta table's NOT NULL
    columns are still enforced when the frame is written."""
    from pyspark.sql import functions as F

    fields = schema.fields
    for i, row in enumerate(rows):
        if len(row) != len(fields):
            raise ValueError(f"row {i} has {len(row)} values for {len(fields)} columns")
    if not rows:
        return spark.range(0).select(*(F.lit(None).cast(f.dataType).alias(f.name) for f in fields))
    structs = [
        F.struct(*(literal(v, f.dataType).alias(f.name) for v, f in zip(row, fields, strict=True)))
        for row in rows
    ]
    return spark.range(1).select(F.inline(F.array(*structs)))

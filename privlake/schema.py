"""Spark schemas: bronze derived from the dataset configuration (the one source of truth),
and the library's own tables (runs, quarantine, gold records, privacy ledgers) declared as
Spark DDL.

A table's DDL lists its columns in their stored order, ``NOT NULL`` where the column may not
be null: the same fields, types and nullability as the Delta table already on a lake, so a
schema written here must stay as it is (``privlake.delta.ensure_table`` compares them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from privlake.columns import BRONZE_LINE_NUMBER, BRONZE_SOURCE_FILE, DT
from privlake.config import ColumnSpec, DatasetConfig

if TYPE_CHECKING:
    from pyspark.sql.types import DataType, StructType

# Column types as Spark SQL type names, for variant_get and casts.
SQL_TYPE: dict[str, str] = {
    "string": "string",
    "long": "bigint",
    "int": "int",
    "double": "double",
    "boolean": "boolean",
    "array<string>": "array<string>",
}

# What schema_of_variant may report for a JSON value that fits each column type. JSON
# numbers without a fraction parse as integers or decimals; both are valid doubles.
ACCEPTED_JSON_TYPES: dict[str, tuple[str, ...]] = {
    "string": ("STRING",),
    "long": ("BIGINT", "INT", "SMALLINT", "TINYINT"),
    "int": ("BIGINT", "INT", "SMALLINT", "TINYINT"),
    "double": ("DOUBLE", "FLOAT", "BIGINT", "INT", "SMALLINT", "TINYINT", "DECIMAL"),
    "boolean": ("BOOLEAN",),
    "array<string>": ("ARRAY<STRING>", "ARRAY<VOID>"),
}

# The trailing columns of every record table written per run and date.
RECORDED = "run_id STRING NOT NULL, recorded_at TIMESTAMP NOT NULL, dt DATE NOT NULL"


def table_schema(*ddl: str) -> StructType:
    """The schema declared by Spark DDL column definitions (``name TYPE [NOT NULL]``,
    comma-separated; several arguments are joined in order). Needs an active Spark session,
    which parses the DDL."""
    from pyspark.sql.types import StructType

    schema = StructType.fromDDL(", ".join(ddl))
    if not isinstance(schema, StructType):  # a single type, e.g. "string": not a table
        raise TypeError(f"not a table schema: {ddl!r}")
    return schema


def spark_type(spec: ColumnSpec) -> DataType:
    from pyspark.sql.types import _parse_datatype_string

    return _parse_datatype_string(SQL_TYPE[spec.type])


def bronze_schema(dataset: DatasetConfig) -> StructType:
    """Raw values, typed, plus the landing date and where each row came from."""
    from pyspark.sql import types as T

    fields = [
        T.StructField(name, spark_type(spec), not spec.required) for name, spec in dataset.columns.items()
    ]
    fields += [
        T.StructField(BRONZE_SOURCE_FILE, T.StringType(), False),
        T.StructField(BRONZE_LINE_NUMBER, T.LongType(), False),
        T.StructField(DT, T.DateType(), False),
    ]
    return T.StructType(fields)


def non_personal_columns(dataset: DatasetConfig) -> list[str]:
    """Columns whose values may appear in Delta statistics: role ``keep``, of a type Delta
    can skip on (it rejects booleans and arrays there). Partition values are always in the log."""
    skippable = ("string", "long", "int", "double")
    kept = [n for n, s in dataset.columns.items() if s.role == "keep" and s.type in skippable]
    return kept

"""Re-identification risk of silver: the k-anonymity view of a set of quasi-identifiers.

Records that share the same values of the quasi-identifiers form an equivalence class; its
size is the number of distinct subjects in it (an event table holds many records per
subject, and it is subjects who are re-identified). A record is unique when its class has
one subject and at risk when its class has fewer than k; a subject is at risk when any of
their records is, since one record is enough to single them out. Alongside the shares this
computes the prosecutor-model risks that ARX reports: the highest (1 / smallest class) and
the average over records (mean of 1 / class size). Only counts leave this module, never a
value of the quasi-identifiers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from privlake.schema import RECORDED, table_schema

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

RISK_TABLE = "reidentification_risk"
CLASS_SUBJECTS = "_class_subjects"

# The columns risk_summary returns, in order (the stored table adds its labels and dt).
MEASURES = (
    "records",
    "subjects",
    "classes",
    "records_unique",
    "records_below_k",
    "subjects_unique",
    "subjects_below_k",
    "smallest_class",
    "highest_risk",
    "average_risk",
)


def with_class_size(records: DataFrame, columns: Sequence[str], subject: str) -> DataFrame:
    """Each record with the number of distinct subjects sharing its quasi-identifier values."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    window = Window.partitionBy(*[F.col(c) for c in columns])
    return records.where(F.col(subject).isNotNull()).withColumn(
        CLASS_SUBJECTS, F.size(F.collect_set(F.col(subject)).over(window))
    )


def risk_summary(records: DataFrame, columns: Sequence[str], subject: str, k: int) -> DataFrame:
    """One row of ``MEASURES`` for the records' quasi-identifier ``columns``."""
    from pyspark.sql import functions as F

    size = F.col(CLASS_SUBJECTS)
    sized = with_class_size(records, columns, subject)
    summary = sized.agg(
        F.count(F.lit(1)).alias("records"),
        F.count_distinct(subject).alias("subjects"),
        F.count_distinct(F.to_json(F.struct(*[F.col(c) for c in columns]))).alias("classes"),
        F.count_if(size == 1).alias("records_unique"),
        F.count_if(size < k).alias("records_below_k"),
        F.count_distinct(F.when(size == 1, F.col(subject))).alias("subjects_unique"),
        F.count_distinct(F.when(size < k, F.col(subject))).alias("subjects_below_k"),
        F.min(size).alias("smallest_class"),
        F.avg(1.0 / size).alias("average_risk"),
    )
    return summary.select(
        *[F.col(m) for m in MEASURES if m not in ("highest_risk", "average_risk")],
        (F.lit(1.0) / F.col("smallest_class")).alias("highest_risk"),
        F.col("average_risk"),
    )


def risk_schema() -> StructType:
    counts = [m for m in MEASURES if m not in ("highest_risk", "average_risk")]
    return table_schema(
        "qi_set STRING NOT NULL, dataset STRING NOT NULL, columns STRING NOT NULL, k INT NOT NULL",
        *(f"{m} BIGINT" for m in counts),
        "highest_risk DOUBLE, average_risk DOUBLE",
        RECORDED,
    )

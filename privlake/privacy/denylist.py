"""Subject lists in ``privacy/``: erased subjects (the deny list) and restricted subjects.

Both are Delta tables of account pseudonyms (keyed hashes, the silver tokens) with the
request that put them there. Ingest screens every new row against them: a row of an erased
subject is dropped (late-arriving data must not bring the subject back), a row of a
restricted subject goes straight to ``restricted/<dataset>``; de-identification skips
restricted subjects. Adding and removing are MERGEs on the hash, so a re-run changes
nothing, and their commits record the join condition only, never a hash.

A screen remembers the Delta version of each list it read (and reads the list at exactly
that version), so a job can ask at commit time whether a list changed since it screened
(``SubjectScreen.reloaded_if_changed``): that is how ingest closes its race with an erasure
or a restriction that lists a subject while the ingest runs (see ``jobs/ingest.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from privlake import delta
from privlake.columns import ISOLATED_AT, ISOLATED_BY
from privlake.config import DatasetConfig, PrivlakeConfig
from privlake.delta import ensure_table, table_exists
from privlake.frames import json_frame
from privlake.pseudonym import pseudonym_column
from privlake.schema import table_schema

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.types import StructType

DENY_LIST_TABLE = "erased_subjects"
RESTRICTIONS_TABLE = "restricted_subjects"
DENIED, RESTRICTED = "denied", "restricted"
# Rows routed into restricted/ by ingest (restriction requests write their request id).
INGEST_ROUTED_BY = "ingest:restricted-subject"
SUBJECT_HASH = "subject_hash"


def subject_list_schema() -> StructType:
    return table_schema(
        f"{SUBJECT_HASH} STRING NOT NULL, request_id STRING NOT NULL, added_at TIMESTAMP NOT NULL"
    )


def add_subjects(
    spark: SparkSession, config: PrivlakeConfig, table: str, hashes: Iterable[str], request_id: str
) -> None:
    """Put the subjects on the list (those already there keep their first request)."""
    path = config.table_path("privacy", table)
    schema = subject_list_schema()
    ensure_table(spark, path, schema, stats_columns=["request_id"])
    missing = sorted(set(hashes) - set(listed_subjects(spark, config, table)))
    if not missing:
        return  # no new version: an erasure erasing again does not make running ingests re-screen
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = json_frame(spark, [(h, request_id, now) for h in missing], schema)
    delta.insert_missing(spark, path, rows, [SUBJECT_HASH], what=f"add subjects to privacy/{table}")


def remove_subjects(spark: SparkSession, config: PrivlakeConfig, table: str, hashes: Iterable[str]) -> None:
    path = config.table_path("privacy", table)
    if not table_exists(spark, path):
        return
    from pyspark.sql import types as T

    hash_only = T.StructType([subject_list_schema()[SUBJECT_HASH]])
    rows = json_frame(spark, [(h,) for h in sorted(set(hashes))], hash_only)
    delta.delete_selected(spark, path, rows, [SUBJECT_HASH], what=f"remove subjects from privacy/{table}")


def list_version(spark: SparkSession, config: PrivlakeConfig, table: str) -> int | None:
    """The list's latest Delta version (None while the table does not exist)."""
    from delta.tables import DeltaTable

    path = config.table_path("privacy", table)
    if not table_exists(spark, path):
        return None
    latest = DeltaTable.forPath(spark, path).history(1).select("version").first()
    return None if latest is None else int(latest["version"])


def listed_subjects(
    spark: SparkSession, config: PrivlakeConfig, table: str, version: int | None = None
) -> list[str]:
    """The list's subject hashes: at ``version`` when given, else the latest version."""
    path = config.table_path("privacy", table)
    if not table_exists(spark, path):
        return []
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    return sorted(r[0] for r in reader.load(path).select(SUBJECT_HASH).collect())


@dataclass(frozen=True)
class SubjectScreen:
    """The deny list and the restriction list, read once per job run, with the versions read."""

    denied: tuple[str, ...]
    restricted: tuple[str, ...]
    # (deny list, restriction list) versions the hashes above were read at; None: no table yet
    versions: tuple[int | None, int | None] = (None, None)

    @classmethod
    def load(cls, spark: SparkSession, config: PrivlakeConfig) -> SubjectScreen:
        denied_at = list_version(spark, config, DENY_LIST_TABLE)
        restricted_at = list_version(spark, config, RESTRICTIONS_TABLE)
        return cls(
            tuple(listed_subjects(spark, config, DENY_LIST_TABLE, denied_at)),
            tuple(listed_subjects(spark, config, RESTRICTIONS_TABLE, restricted_at)),
            (denied_at, restricted_at),
        )

    def reloaded_if_changed(self, spark: SparkSession, config: PrivlakeConfig) -> SubjectScreen | None:
        """The lists as they are now when either has a newer version than this screen read;
        None when both are unchanged (a commit in between that changed no row counts too)."""
        now = (list_version(spark, config, DENY_LIST_TABLE), list_version(spark, config, RESTRICTIONS_TABLE))
        return None if now == self.versions else SubjectScreen.load(spark, config)

    @property
    def active(self) -> bool:
        return bool(self.denied or self.restricted)

    def state(self, subject: Column, kind: str, key: bytes) -> Column:
        """``denied``, ``restricted`` or null for a raw subject id (deny wins over restriction)."""
        from pyspark.sql import functions as F

        token = pseudonym_column(subject, kind, key)
        return F.when(token.isin(list(self.denied)), F.lit(DENIED)).when(
            token.isin(list(self.restricted)), F.lit(RESTRICTED)
        )


def subject_of_raw_line(raw_line: Column, dataset: DatasetConfig) -> Column:
    """The subject id a quarantined raw line names (null when it is not a JSON object naming one)."""
    from pyspark.sql import functions as F

    return F.get_json_object(raw_line.cast("string"), f"$.{dataset.subject}")


def isolated_rows(rows: DataFrame, isolated_by: str) -> DataFrame:
    """Bronze rows in the shape of ``restricted/<dataset>``: the retention job's isolation shape."""
    from pyspark.sql import functions as F

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return rows.withColumn(ISOLATED_AT, F.lit(now).cast("timestamp")).withColumn(
        ISOLATED_BY, F.lit(isolated_by)
    )


def insert_missing(
    rows: DataFrame, path: str, key_columns: list[str], partition_by: list[str], stats_columns: list[str]
) -> None:
    """Insert the rows whose key the table does not hold yet (idempotent; creates the table)."""
    from privlake.errors import PrivlakeError

    spark = rows.sparkSession
    ensure_table(spark, path, rows.schema, partition_by, stats_columns=stats_columns)
    if not delta.same_schema(spark, path, rows.schema):
        raise PrivlakeError(
            f"{path}: holds rows of another shape than the bronze rows being isolated (a retention rule "
            "isolates into it from silver?); restriction isolates bronze rows"
        )
    delta.insert_missing(spark, path, rows, key_columns, what=f"isolate into {path}")


def remove_isolated(rows: DataFrame, path: str, key_columns: list[str], isolated_by: str) -> None:
    """Delete the table's rows isolated by ``isolated_by`` whose key ``rows`` holds (a no-op
    when the table does not exist). The ``isolated_by`` label is a request id or a job's
    name, never a data value, so it may stand in the recorded condition."""
    from pyspark.sql import functions as F

    spark = rows.sparkSession
    if not table_exists(spark, path):
        return
    delta.delete_selected(
        spark,
        path,
        rows,
        key_columns,
        condition=F.col("t.isolated_by") == F.lit(isolated_by),
        what=f"take isolated rows back out of {path}",
    )

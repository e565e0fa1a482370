"""``privlake sql``: Spark SQL over the analyst zones, with every table registered by name.

Silver and gold tables are registered as ``silver.<dataset>`` and ``gold.<table>`` (external
Delta tables in databases created on the fly in the session catalog, whose own folder is a
throwaway temporary directory). Bronze, quarantine, restricted and privacy tables hold raw
personal data, quarantined raw lines or evidence: they are registered only with
``privileged=True``, and are dropped from the catalog otherwise. Reading a table by path
(``delta.`/warehouse/bronze/...```) is switched off (``spark.sql.runSQLOnFiles``), and only
read-only statements run (queries, SHOW, DESCRIBE, EXPLAIN), so an analyst can neither write
to silver nor switch the guard off with ``SET``.

This is a guard rail for people using the command, not an access-control system: whoever
can read the warehouse files can read every zone, so production access is granted per zone
on the storage (bucket policies, IAM roles). The same tables read without Spark with the
``deltalake`` and ``polars`` packages (see README, "Analytics").
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from privlake.config import PrivlakeConfig
from privlake.errors import PrivlakeError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from rich.console import Console

ANALYST_ZONES: tuple[str, ...] = ("silver", "gold")
PRIVILEGED_ZONES: tuple[str, ...] = ("bronze", "quarantine", "restricted", "privacy")
# Parsed statements that only read: Spark models SHOW and DESCRIBE as commands too.
READ_ONLY_COMMAND_PREFIXES = ("Show", "Describe", "Explain")
WRITE_STATEMENTS = frozenset({"InsertIntoStatement", "OverwriteByExpression", "AppendData"})


class QueryRefused(PrivlakeError):
    """The statement would write, change settings or reach a hidden zone."""


@dataclass(frozen=True)
class RegisteredTable:
    zone: str
    name: str
    location: str

    @property
    def qualified(self) -> str:
        return f"{self.zone}.{self.name}"


def zone_tables(spark: SparkSession, config: PrivlakeConfig, zone: str) -> list[RegisteredTable]:
    """The Delta tables under ``<warehouse>/<zone>`` (any file system Spark can list)."""
    from privlake.tables import table_exists

    jvm = spark.sparkContext._jvm
    assert jvm is not None
    root = jvm.org.apache.hadoop.fs.Path(f"{config.warehouse_root.rstrip('/')}/{zone}")
    fs = root.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(root):
        return []
    tables = []
    for status in sorted(fs.listStatus(root), key=lambda s: str(s.getPath().getName())):
        name = str(status.getPath().getName())
        location = config.table_path(zone, name)
        if status.isDirectory() and name.isidentifier() and table_exists(spark, location):
            tables.append(RegisteredTable(zone, name, location))
    return tables


def register_tables(
    spark: SparkSession, config: PrivlakeConfig, privileged: bool = False
) -> list[RegisteredTable]:
    """Register the visible zones' tables by name and unregister the hidden zones."""
    visible = ANALYST_ZONES + (PRIVILEGED_ZONES if privileged else ())
    for zone in PRIVILEGED_ZONES:
        if zone not in visible:
            # External tables: dropping them from the catalog leaves their files alone.
            spark.sql(f"DROP DATABASE IF EXISTS {zone} CASCADE")
    registered: list[RegisteredTable] = []
    for zone in visible:
        tables = zone_tables(spark, config, zone)
        if not tables:
            continue
        catalog_dir = Path(tempfile.mkdtemp(prefix=f"privlake-catalog-{zone}-"))
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {zone} LOCATION '{catalog_dir.as_uri()}'")
        for table in tables:
            spark.sql(f"CREATE TABLE IF NOT EXISTS {table.qualified} USING delta LOCATION '{table.location}'")
            registered.append(table)
    return registered


def check_read_only(spark: SparkSession, statement: str) -> None:
    """Refuse anything but a query, SHOW, DESCRIBE or EXPLAIN (parsed, not pattern-matched)."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    plan = spark._jsparkSession.sessionState().sqlParser().parsePlan(statement)
    while plan.getClass().getSimpleName() in ("UnresolvedWith", "WithCTE"):
        plan = plan.child()
    kind = str(plan.getClass().getSimpleName())
    command = jvm.java.lang.Class.forName("org.apache.spark.sql.catalyst.plans.logical.Command")
    is_command = bool(command.isInstance(plan)) and not kind.startswith(READ_ONLY_COMMAND_PREFIXES)
    if is_command or kind in WRITE_STATEMENTS:
        raise QueryRefused(
            f"privlake sql only runs queries (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN); this statement "
            f"is a {kind}. Writes go through the jobs (privlake ingest/deidentify/aggregate)."
        )


def analyst_session(spark: SparkSession, config: PrivlakeConfig, privileged: bool = False) -> SparkSession:
    """A session of ``spark`` (its own settings, the shared catalog) ready for analysts' SQL."""
    session = spark.newSession()
    session.conf.set("spark.sql.runSQLOnFiles", "false")
    register_tables(session, config, privileged=privileged)
    return session


def run_sql(
    spark: SparkSession, config: PrivlakeConfig, statement: str, privileged: bool = False
) -> DataFrame:
    """Run one read-only statement over the registered tables; returns its DataFrame."""
    session = analyst_session(spark, config, privileged)
    check_read_only(session, statement)
    return session.sql(statement)


def run_sql_command(
    console: Console, config: PrivlakeConfig, statement: str, privileged: bool = False, limit: int = 50
) -> int:
    """``privlake sql``: print the first ``limit`` rows, or say what is visible when a name is not."""
    from pyspark.errors import AnalysisException

    from privlake.report.console import print_rows
    from privlake.spark import get_spark

    spark = get_spark(config, app_name="privlake-sql")
    try:
        result = run_sql(spark, config, statement, privileged=privileged)
        rows = result.limit(limit + 1).collect()
    except AnalysisException as exc:
        message = str(exc).splitlines()[0]
        hidden = [z for z in PRIVILEGED_ZONES if f"`{z}`." in message and not privileged]
        hint = (
            f" {', '.join(hidden)} tables hold raw personal data and are only visible with --privileged."
            if hidden
            else " Visible tables: SHOW TABLES IN silver; SHOW TABLES IN gold."
        )
        raise QueryRefused(message + hint) from None
    print_rows(console, result.columns, rows[:limit])
    if len(rows) > limit:
        console.print(f"(first {limit} rows; use --limit N for more)")
    return 0

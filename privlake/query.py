"""``privlake sql``: Spark SQL over the analyst zones, with every table registered by name.

Silver and gold tables are registered as ``silver.<dataset>`` and ``gold.<table>`` (external
Delta tables in databases created on the fly in the session catalog; the folder Spark makes
for such a database exists only while it is created). Bronze, quarantine, restricted and
privacy tables hold raw personal data, quarantined raw lines or evidence: they are
registered only with ``privileged=True``, and are dropped from the catalog otherwise. Each
statement runs in the sandbox of ``privlake.sandbox``: queries, SHOW, DESCRIBE and EXPLAIN
of the registered tables only, no reads by path, no function that reaches the JVM, the
environment or the file system. The command itself needs no key: it drops the pseudonym key
from its environment before Spark starts, so the query JVM never holds it.

This is a guard rail for people using the command, not an access-control system: whoever
can read the warehouse files can read every zone, so production access is granted per zone
on the storage (bucket policies, IAM roles). The same tables read without Spark with the
``deltalake`` and ``polars`` packages (see README, "Analytics").
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from privlake.config import PrivlakeConfig
from privlake.sandbox import SANDBOX_CONF, QueryRefused, sandboxed

__all__ = ["QueryRefused", "register_tables", "run_sql", "run_sql_command"]

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from rich.console import Console

ANALYST_ZONES: tuple[str, ...] = ("silver", "gold")
PRIVILEGED_ZONES: tuple[str, ...] = ("bronze", "quarantine", "restricted", "privacy")


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
    from privlake.delta import table_exists

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
        # The database's own folder would hold only managed tables, which the sandbox never
        # creates: Spark makes it, and it is removed as soon as the database exists.
        with tempfile.TemporaryDirectory(prefix=f"privlake-catalog-{zone}-") as catalog_dir:
            location = (Path(catalog_dir) / zone).as_uri()
            spark.sql(f"CREATE DATABASE IF NOT EXISTS {zone} LOCATION '{location}'")
        for table in tables:
            spark.sql(f"CREATE TABLE IF NOT EXISTS {table.qualified} USING delta LOCATION '{table.location}'")
            registered.append(table)
    return registered


def analyst_session(spark: SparkSession) -> SparkSession:
    """A session of ``spark`` with the sandbox's settings (its own settings, the shared catalog)."""
    session = spark.newSession()
    for key, value in SANDBOX_CONF.items():
        session.conf.set(key, value)
    return session


def run_sql(
    spark: SparkSession, config: PrivlakeConfig, statement: str, privileged: bool = False
) -> DataFrame:
    """Run one sandboxed statement over the registered tables; returns its DataFrame."""
    session = analyst_session(spark)
    zones = ANALYST_ZONES + (PRIVILEGED_ZONES if privileged else ())
    hidden = () if privileged else PRIVILEGED_ZONES

    def register() -> list[str]:
        return [t.qualified for t in register_tables(session, config, privileged=privileged)]

    return sandboxed(session, statement, zones, register, hidden)


def run_sql_command(
    console: Console, config: PrivlakeConfig, statement: str, privileged: bool = False, limit: int = 50
) -> int:
    """``privlake sql``: print the first ``limit`` rows, or say what is visible when a name is not."""
    from pyspark.errors import AnalysisException

    from privlake.console.gold import print_rows
    from privlake.spark import get_spark

    # The query JVM inherits this environment when it starts: without the key there, no
    # statement can read it, whatever slips past the sandbox. The command needs no key.
    os.environ.pop(config.keys.pseudonym_key_env, None)
    spark = get_spark(config, app_name="privlake-sql")
    try:
        result = run_sql(spark, config, statement, privileged=privileged)
        rows = result.limit(limit + 1).collect()
    except AnalysisException as exc:
        # A wrong column or table name: Spark's first line says which; the rest is its stack.
        message = str(exc).splitlines()[0]
        raise QueryRefused(f"{message} Visible tables: SHOW TABLES IN silver; SHOW TABLES IN gold.") from None
    print_rows(console, result.columns, rows[:limit])
    if len(rows) > limit:
        console.print(f"(first {limit} rows; use --limit N for more)")
    return 0

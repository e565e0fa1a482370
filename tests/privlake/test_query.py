"""privlake sql: silver and gold by name, hidden zones stay hidden, only queries run (the
sandbox: no writes, no commands, no reads by path, no function that reaches the JVM, the
environment or the files), the command's JVM never holds the key and leaves no temporary
folder; and the pandas/polars path reads the same gold tables without Spark."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from privlake.query import QueryRefused, run_sql
from tests.conftest import run_python
from tests.jobs.test_aggregate import AnalyticsLake, _build_lake

KEY_ENV = "PRIVLAKE_PSEUDONYM_KEY"
GETENV = f"'java.lang.System', 'getenv', '{KEY_ENV}'"


@pytest.fixture(scope="module")
def lake(spark: SparkSession) -> AnalyticsLake:
    return _build_lake(spark)


def test_silver_and_gold_tables_are_queried_by_name(spark: SparkSession, lake: AnalyticsLake) -> None:
    gold = run_sql(
        spark,
        lake.config,
        "SELECT sum(events) AS events FROM gold.daily_device_activity WHERE dt = DATE'2026-11-28'",
    ).first()
    assert gold is not None and gold.events == 22
    joined = run_sql(
        spark,
        lake.config,
        "SELECT count(*) AS n FROM silver.usage_history u JOIN silver.accounts a USING (account_id) "
        "WHERE a.marketing_opt_in",
    ).first()
    assert joined is not None and joined.n == 12
    names = {r.namespace for r in run_sql(spark, lake.config, "SHOW DATABASES").collect()}
    assert {"silver", "gold"} <= names and not names & {"bronze", "quarantine", "restricted", "privacy"}


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM bronze.device_logs",
        "SELECT * FROM quarantine.device_logs",
        "SELECT * FROM privacy.runs",
        "SELECT * FROM delta.`{warehouse}/bronze/device_logs`",
        "SELECT * FROM parquet.`{warehouse}/bronze/device_logs`",
    ],
)
def test_raw_zones_are_not_visible_by_name_or_path(
    spark: SparkSession, lake: AnalyticsLake, statement: str
) -> None:
    with pytest.raises(QueryRefused, match=r"only visible with --privileged|no reads by path"):
        run_sql(spark, lake.config, statement.format(warehouse=lake.config.warehouse_root)).collect()


def test_the_privileged_flag_registers_the_raw_zones(spark: SparkSession, lake: AnalyticsLake) -> None:
    query = "SELECT count(*) AS n FROM bronze.device_logs"
    row = run_sql(spark, lake.config, query, privileged=True).first()
    assert row is not None and row.n == 1
    # the next analyst query does not inherit them
    with pytest.raises(QueryRefused, match="only visible with --privileged"):
        run_sql(spark, lake.config, query).collect()


def test_pandas_and_polars_read_the_same_gold_table_without_spark(
    spark: SparkSession, lake: AnalyticsLake
) -> None:
    import polars as pl
    from deltalake import DeltaTable

    path = lake.config.table_path("gold", "daily_device_activity")
    columns = ["device_model", "firmware_line", "country_code", "rollup_level", "events", "subjects"]
    by_spark = sorted(
        tuple(r) for r in lake.table(spark, "gold", "daily_device_activity").select(columns).collect()
    )
    frame = DeltaTable(path).to_pandas(filters=[("dt", "=", dt.date(2026, 11, 28))])
    by_pandas = sorted(tuple(r) for r in frame[columns].itertuples(index=False))
    by_polars = sorted(pl.read_delta(path).select(columns).iter_rows())
    assert by_spark == by_pandas == by_polars
    assert len(by_spark) == 2


def tree_digest(*roots: Path) -> dict[str, str]:
    """Every file and folder under ``roots`` with its content's hash: what a write would change."""
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        for root in roots
        for path in sorted(root.rglob("*"))
    }


@pytest.fixture()
def target(tmp_path: Path) -> Path:
    """A folder outside the warehouse that statements try to write to or load from."""
    folder = tmp_path / "target"
    folder.mkdir()
    (folder / "rows.json").write_text('{"account_id": "x"}\n')
    return folder


ALLOWED = [
    "SELECT a.country_code, count(*) AS n FROM silver.usage_history u JOIN silver.accounts a "
    "USING (account_id) GROUP BY 1 ORDER BY 1",
    "WITH opted AS (SELECT account_id FROM silver.accounts WHERE marketing_opt_in) "
    "SELECT count(*) FROM opted",
    "SELECT account_id, row_number() OVER (PARTITION BY dt ORDER BY account_id) AS n FROM silver.accounts",
    "SELECT * FROM gold.daily_device_activity WHERE device_model IN (SELECT device_model FROM "
    "gold.daily_device_activity) UNION ALL SELECT * FROM gold.daily_device_activity",
    "VALUES (1, 'a'), (2, 'b')",
    "SELECT explode(sequence(1, 3)) AS n",
    "SELECT transform(array(1, 2), x -> x * 2) AS doubled",
    "SHOW TABLES IN silver",
    "SHOW DATABASES",
    "DESCRIBE silver.accounts",
    "DESCRIBE TABLE EXTENDED gold.daily_usage",
    "SHOW COLUMNS IN silver.accounts",
    "EXPLAIN SELECT count(*) FROM silver.accounts",
    "DESCRIBE QUERY SELECT account_id FROM silver.accounts",
]


@pytest.mark.parametrize("statement", ALLOWED)
def test_analyst_queries_and_catalog_commands_run(
    spark: SparkSession, lake: AnalyticsLake, statement: str
) -> None:
    assert run_sql(spark, lake.config, statement).collect()


# Finding 1 and the other statement kinds of Spark SQL and Delta: (statement, part of the reason).
REFUSED_STATEMENTS = [
    ("INSERT OVERWRITE DIRECTORY '{target}/out' USING json SELECT * FROM silver.accounts", "DIRECTORY"),
    (
        "INSERT OVERWRITE DIRECTORY '{warehouse}/silver/accounts' USING json SELECT * FROM silver.accounts",
        "DIRECTORY",
    ),
    ("INSERT OVERWRITE LOCAL DIRECTORY '{target}/out' SELECT * FROM silver.accounts", "DIRECTORY"),
    ("INSERT INTO gold.daily_usage SELECT * FROM gold.daily_usage", "INSERT writes"),
    ("INSERT OVERWRITE silver.accounts SELECT * FROM silver.accounts", "INSERT writes"),
    ("WITH x AS (SELECT * FROM gold.daily_usage) INSERT INTO gold.daily_usage SELECT * FROM x", "INSERT"),
    ("EXPLAIN INSERT INTO gold.daily_usage SELECT * FROM gold.daily_usage", "INSERT writes"),
    ("CREATE TABLE default.copy AS SELECT * FROM silver.accounts", "CreateTableAsSelect"),
    ("CREATE TABLE default.t (x INT) USING delta LOCATION '{target}/t'", "CreateTable"),
    ("CREATE TEMPORARY VIEW raw USING parquet OPTIONS (path '{warehouse}/bronze/device_logs')", "View"),
    ("CREATE OR REPLACE TEMPORARY VIEW v AS SELECT * FROM silver.accounts", "View"),
    ("CREATE DATABASE scratch LOCATION '{target}/db'", "CreateNamespace"),
    ("CREATE TABLE silver.copy SHALLOW CLONE silver.accounts", "Clone"),
    ("ALTER TABLE silver.accounts ADD COLUMNS (x INT)", "AddColumns"),
    ("ALTER TABLE silver.accounts SET TBLPROPERTIES ('k' = 'v')", "SetTableProperties"),
    ("DROP TABLE silver.accounts", "DropTable"),
    ("DROP DATABASE silver CASCADE", "DropNamespace"),
    ("TRUNCATE TABLE silver.accounts", "TruncateTable"),
    ("DELETE FROM silver.usage_history", "DeleteFromTable"),
    ("UPDATE silver.accounts SET country_code = 'XX'", "UpdateTable"),
    (
        "MERGE INTO silver.accounts t USING silver.accounts s ON t.account_id = s.account_id "
        "WHEN MATCHED THEN DELETE",
        "MergeIntoTable",
    ),
    ("SET spark.sql.runSQLOnFiles=true", "SetCommand"),
    ("SET spark.sql.variable.substitute=true", "SetCommand"),
    ("SET", "SetCommand"),
    ("SET -v", "SetCommand"),
    ("RESET", "ResetCommand"),
    ("DECLARE VARIABLE v STRING", "CreateVariable"),
    ("SET VAR v = 'x'", "SetVariable"),
    ("CACHE TABLE silver.accounts", "CacheTable"),
    ("UNCACHE TABLE silver.accounts", "UncacheTable"),
    ("REFRESH TABLE silver.accounts", "RefreshTable"),
    ("CLEAR CACHE", "ClearCacheCommand"),
    ("ADD JAR '{target}/x.jar'", "AddJarsCommand"),
    ("ADD FILE '{target}/rows.json'", "AddFilesCommand"),
    ("ADD ARCHIVE '{target}/x.zip'", "AddArchivesCommand"),
    ("LOAD DATA LOCAL INPATH '{target}/rows.json' INTO TABLE silver.accounts", "LoadData"),
    ("MSCK REPAIR TABLE silver.accounts", "RepairTable"),
    ("ANALYZE TABLE silver.accounts COMPUTE STATISTICS", "AnalyzeTable"),
    ("USE bronze", "SetCatalogAndNamespace"),
    ("CREATE TEMPORARY FUNCTION env AS 'java.lang.System'", "CreateFunction"),
    ("CALL system.refresh()", "Call"),
    ("EXECUTE IMMEDIATE 'DROP TABLE silver.accounts'", "EXECUTE IMMEDIATE"),
    ("BEGIN DROP TABLE silver.accounts; END", "SQL scripts"),
    ("SELECT 1; DROP TABLE silver.accounts", "several statements"),
    ("OPTIMIZE silver.accounts", "OptimizeTableCommand"),
    ("VACUUM silver.accounts RETAIN 0 HOURS", "VacuumTableCommand"),
    ("RESTORE TABLE silver.accounts TO VERSION AS OF 0", "RestoreTableStatement"),
    ("REORG TABLE silver.accounts APPLY (PURGE)", "DeltaReorgTable"),
    ("CONVERT TO DELTA parquet.`{target}`", "ConvertToDeltaCommand"),
    ("GENERATE symlink_format_manifest FOR TABLE silver.accounts", "DeltaGenerateCommand"),
    ("DESCRIBE HISTORY silver.accounts", "DescribeDeltaHistory"),
    ("SELECT * FROM silver.accounts VERSION AS OF 0", "time travel"),
    ("SELECT * FROM silver.accounts WITH ('versionAsOf' = '0')", "read options"),
    ("SELECT * FROM table_changes('silver.accounts', 0)", "table function table_changes"),
    ("SELECT * FROM json.`{target}`", "no reads by path"),
    ("SELECT * FROM json.`{target}/line\nbreak`", "no reads by path"),
    ("DESCRIBE delta.`{warehouse}/bronze/device_logs`", "only visible with --privileged|no reads by path"),
]


@pytest.mark.parametrize(("statement", "reason"), REFUSED_STATEMENTS)
def test_every_other_statement_kind_is_refused_in_one_line_and_writes_nothing(
    spark: SparkSession, lake: AnalyticsLake, target: Path, statement: str, reason: str
) -> None:
    warehouse = Path(lake.config.warehouse_root)
    before = tree_digest(warehouse, target)
    sql = statement.format(warehouse=warehouse, target=target)
    with pytest.raises(QueryRefused, match=reason) as refused:
        run_sql(spark, lake.config, sql).collect()
    assert "\n" not in str(refused.value) and str(refused.value).startswith("privlake sql refused")
    assert tree_digest(warehouse, target) == before
    assert lake.table(spark, "silver", "accounts").count() > 0


# Finding 2: functions that reach the JVM, the environment or the files, however they are written.
REFUSED_FUNCTIONS = [
    f"SELECT reflect({GETENV}) AS k",
    f"SELECT java_method({GETENV}) AS k",
    f"SELECT try_reflect({GETENV}) AS k",
    f"SELECT REFLECT({GETENV}) AS k",
    f"SELECT IDENTIFIER('reflect')({GETENV}) AS k",
    f"SELECT k FROM (SELECT java_method({GETENV}) AS k) AS hidden",
    f"WITH k AS (SELECT reflect({GETENV}) AS k) SELECT * FROM k",
    f"SELECT transform(array(1), x -> reflect({GETENV})) AS k",
    f"SELECT account_id FROM silver.accounts ORDER BY reflect({GETENV})",
    f"SELECT country_code FROM silver.accounts GROUP BY 1 HAVING max(try_reflect({GETENV})) IS NOT NULL",
    f"SELECT account_id FROM silver.accounts WHERE EXISTS (SELECT java_method({GETENV}))",
    f"EXPLAIN SELECT reflect({GETENV})",
    "SELECT from_protobuf(CAST('x' AS BINARY), 'M', '/etc/passwd')",
    "SELECT current_user()",
]


@pytest.mark.parametrize("statement", REFUSED_FUNCTIONS)
def test_functions_that_reach_the_jvm_or_the_files_are_refused_however_nested(
    spark: SparkSession, lake: AnalyticsLake, statement: str
) -> None:
    with pytest.raises(QueryRefused, match="refused the function") as refused:
        run_sql(spark, lake.config, statement).collect()
    assert "\n" not in str(refused.value)
    assert os.environ[KEY_ENV] not in str(refused.value)


def test_variable_substitution_cannot_print_the_environment(spark: SparkSession, lake: AnalyticsLake) -> None:
    text = "${env:" + KEY_ENV + "}"
    row = run_sql(spark, lake.config, f"SELECT '{text}' AS k, '${{spark:spark.app.name}}' AS c").first()
    assert row is not None and (row.k, row.c) == (text, "${spark:spark.app.name}")


SQL_COMMAND_IN_A_FRESH_JVM = """
    import json, os, sys, tempfile
    from pathlib import Path

    from app.cli import main

    config, key_env = sys.argv[1], sys.argv[2]
    assert os.environ.get(key_env), "the test must start the command with the key set"
    getenv = "SELECT reflect('java.lang.System', 'getenv', '%s')" % key_env
    refused = main(["sql", "--config", config, getenv])
    allowed = main(["sql", "--config", config, "SELECT count(*) AS n FROM silver.accounts"])
    from pyspark.sql import SparkSession

    jvm = SparkSession.getActiveSession().sparkContext._jvm
    left = sorted(p.name for p in Path(tempfile.gettempdir()).glob("privlake-catalog-*"))
    print(json.dumps({"refused": refused, "allowed": allowed, "jvm_key": jvm.java.lang.System.getenv(key_env),
                      "catalog_folders": left}))
"""


def test_the_sql_command_runs_without_the_key_and_leaves_no_temporary_folder(
    lake: AnalyticsLake, tmp_path: Path
) -> None:
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(private_tmp), "COLUMNS": "400"}
    config = Path(lake.root) / "privlake.yaml"
    done = run_python(SQL_COMMAND_IN_A_FRESH_JVM, str(config), KEY_ENV, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"refused": 2, "allowed": 0, "jvm_key": None, "catalog_folders": []}
    assert "refused the function reflect" in done.stderr and env[KEY_ENV] not in done.stdout + done.stderr
    assert "\tat " not in done.stderr and "Traceback" not in done.stderr


def test_a_sql_function_wrapping_reflect_is_refused_by_the_analyzed_plan_check(
    spark: SparkSession, lake: AnalyticsLake
) -> None:
    # The parsed statement names only default.home(); reflect appears once Spark resolves it.
    spark.sql(f"CREATE OR REPLACE FUNCTION default.home() RETURNS STRING RETURN reflect({GETENV})")
    try:
        with pytest.raises(QueryRefused, match="refused the function CallMethodViaReflection"):
            run_sql(spark, lake.config, "SELECT default.home() AS k").collect()
    finally:
        spark.sql("DROP FUNCTION IF EXISTS default.home")


def test_xml_functions_do_not_resolve_external_entities(
    spark: SparkSession, lake: AnalyticsLake, tmp_path: Path
) -> None:
    secret = tmp_path / "entity.txt"
    secret.write_text("ENTITY-CONTENT")
    xml = f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "{secret.as_uri()}">]><a>&e;</a>'
    row = run_sql(
        spark, lake.config, f"SELECT xpath_string('{xml}', 'a') AS x, from_xml('{xml}', 'a string') AS s"
    )
    assert "ENTITY-CONTENT" not in str(row.first())

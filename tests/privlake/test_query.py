"""privlake sql: silver and gold by name, hidden zones stay hidden, only reads; and the
pandas/polars path reads the same gold tables without Spark."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.errors import AnalysisException
from pyspark.sql import SparkSession

from privlake.query import QueryRefused, run_sql
from tests.jobs.test_aggregate import AnalyticsLake, _build_lake


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
    with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_NOT_FOUND"):
        run_sql(spark, lake.config, statement.format(warehouse=lake.config.warehouse_root)).collect()


def test_the_privileged_flag_registers_the_raw_zones(spark: SparkSession, lake: AnalyticsLake) -> None:
    query = "SELECT count(*) AS n FROM bronze.device_logs"
    row = run_sql(spark, lake.config, query, privileged=True).first()
    assert row is not None and row.n == 1
    # the next analyst query does not inherit them
    with pytest.raises(AnalysisException):
        run_sql(spark, lake.config, query).collect()


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM silver.usage_history",
        "INSERT INTO gold.daily_usage SELECT * FROM gold.daily_usage",
        "WITH x AS (SELECT * FROM gold.daily_usage) INSERT INTO gold.daily_usage SELECT * FROM x",
        "DROP TABLE silver.accounts",
        "SET spark.sql.runSQLOnFiles=true",
        "CREATE TABLE default.copy AS SELECT * FROM silver.accounts",
    ],
)
def test_only_read_only_statements_run(spark: SparkSession, lake: AnalyticsLake, statement: str) -> None:
    with pytest.raises(QueryRefused, match="only runs queries"):
        run_sql(spark, lake.config, statement)
    assert lake.table(spark, "silver", "usage_history").count() == 16


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

"""Aggregate: k-anonymous gold tables from hand-built silver, consent, no identifiers, risk.

One small lake is built once (``analytics_lake``) and aggregated once with the shipped
``conf/aggregates.yaml`` (k = 10); the query and report tests reuse it.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from privlake.aggregates import ROLLED_UP, SUPPRESSION_TABLE, load_analytics
from privlake.config import ConfigError, DatasetConfig, PrivlakeConfig, TruncateTime, load_config
from privlake.gold import AggregateReport, aggregate, build_gold_table
from privlake.runlog import RunRecord, record_run
from privlake.schema import spark_type
from tests.conftest import bronze_frame, write_config

DAY = dt.date(2026, 11, 28)
K = 10
RAW_EMAIL = "zoe.mueller+hub@mail.example.de"


def silver_schema(dataset: DatasetConfig) -> T.StructType:
    """The silver schema the policy produces: pseudonyms are text, times are truncated."""
    fields = []
    for name, spec in dataset.columns.items():
        if spec.role == "drop":
            continue
        if spec.role == "identifier" and spec.type != "array<string>":
            data_type: T.DataType = T.StringType()
        elif isinstance(spec.generalize, TruncateTime):
            data_type = T.TimestampType()
        else:
            data_type = spark_type(spec)
        fields.append(T.StructField(name, data_type, True))
    fields += [
        T.StructField("dt", T.DateType(), False),
        T.StructField("pseudonym_key_id", T.StringType(), True),
    ]
    return T.StructType(fields)


def silver_frame(spark: SparkSession, dataset: DatasetConfig, rows: list[dict[str, Any]]) -> DataFrame:
    schema = silver_schema(dataset)
    defaults = {"dt": DAY, "pseudonym_key_id": "test-key-1"}
    return spark.createDataFrame([tuple({**defaults, **r}.get(f.name) for f in schema) for r in rows], schema)


def acct(group: str, i: int) -> str:
    return f"acct_{group}{i:02d}"


def device_log_rows() -> list[dict[str, Any]]:
    """Four finest groups (model, firmware line, country) of device_logs:
    A: 10 subjects, published as is; B: k-1 = 9 subjects, too small; C: 3 subjects, too
    small; B and C roll up to model level together (12 subjects); D: 4 subjects, suppressed."""
    groups = [
        ("A", 10, "lumi.gateway.agl001", "4.1.7_0012", "DE"),
        ("B", 9, "lumi.gateway.agl001", "4.2.0_0001", "DE"),
        ("C", 3, "lumi.gateway.agl001", "4.1.7_0012", "FR"),
        ("D", 4, "chuangmi.camera.ipc019", "1.0.3_0001", "SE"),
    ]
    rows = []
    for group, subjects, model, firmware, country in groups:
        for i in range(subjects):
            rows.append(
                {
                    "event_id": f"{group}-{i}",
                    "event_time": dt.datetime(2026, 11, 28, 10),
                    "account_id": acct(group, i),
                    "device_serial": f"dev_{group}{i:02d}",
                    "device_model": model,
                    "firmware": firmware,
                    "country_code": country,
                    "timezone": "Europe/Berlin",
                    "level": "ERROR" if i == 0 else "INFO",
                    "message": "heartbeat ok",
                }
            )
    return rows


def usage_rows() -> list[dict[str, Any]]:
    """One usage group (scene_run, ios, DE) of 16 subjects: 12 opted in (U00-U11, of whom
    U11 objected to marketing), 3 did not (N00-N02), 1 has no account row at all (X00)."""
    subjects = [acct("U", i) for i in range(12)] + [acct("N", i) for i in range(3)] + [acct("X", 0)]
    return [
        {
            "event_id": f"u-{s}",
            "event_time": dt.datetime(2026, 11, 28, 9),
            "account_id": s,
            "device_serial": f"dev_{s[5:]}",
            "action": "scene_run",
            "duration_ms": 1000 + 100 * i,
            "platform": "ios",
            "app_version": "7.14.0",
            "country_code": "DE",
        }
        for i, s in enumerate(subjects)
    ]


def account_rows() -> list[dict[str, Any]]:
    opted_in = [acct("U", i) for i in range(12)]
    others = [acct("N", i) for i in range(3)] + [
        acct(g, i) for g, n in (("A", 10), ("B", 9)) for i in range(n)
    ]
    return [
        {
            "account_id": s,
            "country_code": "DE",
            "created_at": dt.datetime(2024, 3, 1),
            "birth_year": 1985,
            "marketing_opt_in": s in opted_in,
            "is_installer": False,
        }
        for s in opted_in + others
    ]


@dataclass(frozen=True)
class AnalyticsLake:
    root: Path
    config: PrivlakeConfig
    report: AggregateReport

    def table(self, spark: SparkSession, zone: str, name: str) -> DataFrame:
        return spark.read.format("delta").load(self.config.table_path(zone, name))


def write_table(df: DataFrame, path: str) -> None:
    df.write.format("delta").mode("overwrite").partitionBy("dt").save(path)


@functools.cache
def _build_lake(spark: SparkSession) -> AnalyticsLake:
    root = Path(tempfile.mkdtemp(prefix="privlake-analytics-"))
    config = load_config(write_config(root))
    for name, rows in (
        ("device_logs", device_log_rows()),
        ("usage_history", usage_rows()),
        ("accounts", account_rows()),
    ):
        write_table(silver_frame(spark, config.dataset(name), rows), config.table_path("silver", name))
    # Objections: U11 objected to marketing (account pseudonym, purpose).
    objections = spark.createDataFrame([(acct("U", 11), "marketing")], "subject string, purpose string")
    objections.write.format("delta").save(config.table_path("privacy", "objections"))
    # Raw data the analysts must not see, and what the report reads besides gold.
    raw = {"event_id": "raw-1", "event_time": "2026-11-28T10:00:00Z", "account_id": "acc-raw-1"}
    bronze = bronze_frame(
        spark, "device_logs", [{**raw, "device_serial": "A1B2C3D4E5F60718", "message": RAW_EMAIL}]
    )
    write_table(bronze, config.table_path("bronze", "device_logs"))
    quarantine = spark.createDataFrame(
        [("device_logs", "ingest", "f.jsonl", 3, "invalid_json", "line 3", RAW_EMAIL.encode(), DAY)],
        "dataset string, stage string, source_file string, line_number long, reason string, "
        "detail string, raw_line binary, dt date",
    )
    write_table(quarantine, config.table_path("quarantine", "device_logs"))
    run = RunRecord(
        job="deidentify",
        dataset="device_logs",
        day=DAY,
        rows_in=26,
        rows_out=26,
        entities={"message:EMAIL_ADDRESS": 3, "message:IP_ADDRESS": 5, "message:MAC_ADDRESS": 2},
    )
    record_run(spark, config, run)
    return AnalyticsLake(root, config, aggregate(spark, config, DAY))


@pytest.fixture(scope="module")
def analytics_lake(spark: SparkSession) -> AnalyticsLake:
    return _build_lake(spark)


def gold_rows(spark: SparkSession, lake: AnalyticsLake, name: str) -> list[dict[str, Any]]:
    return [r.asDict() for r in lake.table(spark, "gold", name).where(F.col("dt") == DAY).collect()]


# --- k-anonymity -----------------------------------------------------------------------


def test_no_published_group_has_fewer_than_k_subjects(
    spark: SparkSession, analytics_lake: AnalyticsLake
) -> None:
    for name in load_analytics(analytics_lake.config).tables:
        for row in gold_rows(spark, analytics_lake, name):
            assert row["subjects"] >= K, (name, row)


def test_a_group_of_k_minus_one_subjects_never_appears(
    spark: SparkSession, analytics_lake: AnalyticsLake
) -> None:
    activity = gold_rows(spark, analytics_lake, "daily_device_activity")
    assert all(r["firmware_line"] != "4.2" for r in activity)  # group B: 9 subjects
    assert all(r["device_model"] != "chuangmi.camera.ipc019" for r in activity)  # group D: suppressed
    published = {
        (r["device_model"], r["firmware_line"], r["country_code"], r["rollup_level"]) for r in activity
    }
    assert ("lumi.gateway.agl001", "4.1", "DE", 0) in published  # group A: exactly k subjects


def test_small_groups_roll_up_to_the_coarser_grouping(
    spark: SparkSession, analytics_lake: AnalyticsLake
) -> None:
    activity = gold_rows(spark, analytics_lake, "daily_device_activity")
    rolled = [r for r in activity if r["rollup_level"] > 0]
    # B (9, DE) is too small at (model, country) too; with C (3, FR) it makes 12 at model level.
    assert [
        (
            r["device_model"],
            r["firmware_line"],
            r["country_code"],
            r["rollup_level"],
            r["subjects"],
            r["events"],
        )
        for r in rolled
    ] == [("lumi.gateway.agl001", ROLLED_UP, ROLLED_UP, 2, 12, 12)]
    assert sum(r["events"] for r in activity) == 10 + 12  # D's 4 events are suppressed
    assert sum(r["errors"] for r in activity) == 3  # one ERROR in each published finest group


def test_suppression_is_recorded_per_table_and_date(
    spark: SparkSession, analytics_lake: AnalyticsLake
) -> None:
    records = {r["table"]: r for r in analytics_lake.table(spark, "privacy", SUPPRESSION_TABLE).collect()}
    activity = records["daily_device_activity"]
    assert (activity.groups_in, activity.groups_below_k, activity.groups_rolled_up) == (4, 3, 2)
    assert (activity.groups_suppressed, activity.events_suppressed, activity.groups_published) == (1, 4, 2)
    assert activity.events_in == activity.events_source == 26
    assert set(records) == set(load_analytics(analytics_lake.config).tables)


def test_rerun_replaces_the_date_partition(spark: SparkSession, analytics_lake: AnalyticsLake) -> None:
    before = sorted(map(str, gold_rows(spark, analytics_lake, "daily_usage")))
    spec = load_analytics(analytics_lake.config)
    build_gold_table(spark, analytics_lake.config, spec, "daily_usage", DAY)
    assert sorted(map(str, gold_rows(spark, analytics_lake, "daily_usage"))) == before


# --- consent ---------------------------------------------------------------------------


def test_marketing_counts_only_consenting_subjects_who_did_not_object(
    spark: SparkSession, analytics_lake: AnalyticsLake
) -> None:
    usage = gold_rows(spark, analytics_lake, "daily_usage")  # product analytics: everyone
    assert [(r["action"], r["platform"], r["country_code"], r["subjects"]) for r in usage] == [
        ("scene_run", "ios", "DE", 16)
    ]
    reach = gold_rows(spark, analytics_lake, "marketing_reach")
    # 12 opted in, one of whom objected; no opt-in, and no account at all, count as no consent.
    assert [(r["country_code"], r["platform"], r["age_band"], r["subjects"]) for r in reach] == [
        ("DE", "ios", "1980-1989", 11)
    ]
    result = {r.table: r for r in analytics_lake.report.tables}["marketing_reach"]
    assert (result.subjects_excluded_consent, result.events_excluded_consent) == (5, 5)


# --- no identifiers --------------------------------------------------------------------


def test_gold_tables_hold_no_identifier_or_pseudonym(
    spark: SparkSession, analytics_lake: AnalyticsLake
) -> None:
    config = analytics_lake.config
    personal = {
        c
        for d in config.datasets.values()
        for c, s in d.columns.items()
        if s.role in ("identifier", "free_text")
    }
    silver_ids = {r["account_id"] for r in device_log_rows() + usage_rows()} | {
        r["device_serial"] for r in device_log_rows() + usage_rows()
    }
    for name in load_analytics(config).tables:
        gold = analytics_lake.table(spark, "gold", name)
        assert not personal & set(gold.columns), name
        values = {str(v) for row in gold.collect() for v in row}
        assert not values & silver_ids, name
        assert not any(v.startswith(("acct_", "dev_", "mac_", "ssid_")) for v in values), name


def test_a_table_grouping_by_an_identifier_is_rejected(tmp_path: Path) -> None:
    shipped = yaml.safe_load((Path(__file__).parents[2] / "conf" / "aggregates.yaml").read_text())
    shipped["tables"]["daily_usage"]["dimensions"]["who"] = {"column": "account_id"}
    aggregates = tmp_path / "aggregates.yaml"
    aggregates.write_text(yaml.safe_dump(shipped))
    config = load_config(write_config(tmp_path, analytics={"aggregates": str(aggregates)}))
    with pytest.raises(
        ConfigError, match=r"dimensions\.who: usage_history\.account_id has role 'identifier'"
    ):
        load_analytics(config)


def test_shipped_aggregates_validate_against_the_datasets() -> None:
    spec = load_analytics(load_config(Path(__file__).parents[2] / "conf" / "privlake.yaml"))
    assert {"daily_device_activity", "daily_usage", "firmware_adoption"} <= set(spec.tables)
    assert spec.k == K


# --- risk ------------------------------------------------------------------------------


def test_risk_of_every_declared_quasi_identifier_set_is_stored(
    spark: SparkSession, analytics_lake: AnalyticsLake
) -> None:
    risk = {r.qi_set: r for r in analytics_lake.table(spark, "privacy", "reidentification_risk").collect()}
    spec = load_analytics(analytics_lake.config)
    assert set(risk) == {qi.name for qi in spec.risk.quasi_identifier_sets}
    # every account shares (DE, 1985, 2024-03): one class of 34 subjects, nobody at risk
    accounts = risk["account_demographics"]
    assert (accounts.records, accounts.classes, accounts.records_below_k, accounts.subjects_below_k) == (
        34,
        1,
        0,
        0,
    )
    # no coordinates in the test rows: one class per country, DE (19 subjects), FR (3), SE (4)
    location = risk["device_location"]
    assert (location.classes, location.subjects_below_k, location.records_below_k) == (3, 7, 7)
    assert (location.subjects_unique, location.highest_risk) == (0, 1 / 3)

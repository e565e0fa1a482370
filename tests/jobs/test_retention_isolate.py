"""Retention's ``isolate`` action on real Delta tables: rows move into ``restricted/<dataset>``,
de-identification no longer sees them, and a second run moves nothing."""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import SparkSession

from privlake.config import load_config
from privlake.delta import table_version
from privlake.keys import pseudonym_key
from privlake.retention.execute import retention
from privlake.retention.rules import load_rules
from tests.conftest import write_config
from tests.jobs.retention_lake import (
    AS_OF,
    HELD_ACCOUNT,
    OLDER,
    held_pseudonym,
    target,
    write_bronze_accounts,
    write_rules,
)


def test_isolate_moves_rows_to_restricted_and_deidentify_no_longer_sees_them(
    spark: SparkSession, tmp_path: Path
) -> None:
    from privlake.deidentification import deidentify

    config = load_config(write_config(tmp_path))
    rules = load_rules(write_rules(tmp_path, accounts_action="isolate", audit=False), config)
    write_bronze_accounts(spark, config)
    bronze_path = config.table_path("bronze", "accounts")

    report = retention(spark, config, rules, AS_OF, dataset="accounts")
    accounts = target(report, "bronze/accounts")
    assert (accounts.isolated, accounts.removed, accounts.held) == (1, 1, 1)
    restricted = spark.read.format("delta").load(config.table_path("restricted", "accounts")).collect()
    assert [(r.account_id, r.dt) for r in restricted] == [("acc-audited-0001", OLDER)]
    assert restricted[0].isolated_by == f"privlake-retention:{report.run_id}"
    assert restricted[0].isolated_at is not None
    bronze = spark.read.format("delta").load(bronze_path)
    assert sorted(r.account_id for r in bronze.collect()) == sorted([HELD_ACCOUNT, "acc-fresh-0006"])

    # a later de-identification of the isolated day sees only the held subject's row
    record = deidentify(spark, config, "accounts", OLDER, pseudonym_key(config))
    assert record.rows_in == 1
    silver = spark.read.format("delta").load(config.table_path("silver", "accounts")).collect()
    assert [r.account_id for r in silver] == [held_pseudonym()]

    # isolation is idempotent: the second run copies and deletes nothing
    versions = [table_version(spark, config.table_path(z, "accounts")) for z in ("bronze", "restricted")]
    again = target(retention(spark, config, rules, AS_OF, dataset="accounts"), "bronze/accounts")
    assert (again.to_remove, again.isolated, again.status) == (0, 0, "nothing to do")
    assert [
        table_version(spark, config.table_path(z, "accounts")) for z in ("bronze", "restricted")
    ] == versions

"""The action abstraction: a new retention action is one class. A test-only action that
anonymizes in place (blanks the free text of expired silver rows, keeps the rows) is
registered here and runs through rule loading, planning, holds, execution and evidence
with no other change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from privlake.config import load_config
from privlake.delta import key_match, with_conflict_retry
from privlake.retention.actions import ACTIONS, RetentionAction, RunContext, register
from privlake.retention.evidence import EVIDENCE_TABLE
from privlake.retention.execute import retention
from privlake.retention.plan import TargetReport, removal_condition, row_key
from privlake.retention.rules import RetentionRuleError, load_rules
from tests.conftest import write_config
from tests.jobs.retention_lake import (
    AS_OF,
    held_pseudonym,
    target,
    write_bronze_logs,
    write_silver_logs,
)


class BlankMessage(RetentionAction):
    """Anonymize in place: an expired row keeps its counts and dates, loses its message."""

    name = "blank_message"
    zones = ("silver",)
    zone_note = "blanks the message of silver rows"

    def execute(self, run: RunContext, report: TargetReport) -> None:
        t = report.target
        rows = run.spark.read.format("delta").load(t.location)
        # selected by a read, changed by a MERGE: the held pseudonyms stay out of the history
        keys = rows.where(removal_condition(t, rows.schema, run.key)).select(*row_key(t)).distinct()

        def blank() -> int:
            merge = (
                DeltaTable.forPath(run.spark, t.location)
                .alias("t")
                .merge(keys.alias("s"), key_match(row_key(t)))
            )
            result = merge.whenMatchedUpdate(set={"message": F.lit(None).cast("string")}).execute().first()
            return int(result["num_updated_rows"]) if result else 0

        report.removed = with_conflict_retry(blank, f"blank messages in {t.label}")


RULES = """
history_retention_hours: 0
rules:
  - {{id: silver-logs, zone: silver, dataset: device_logs, date_column: event_time, window: {{days: 30}},
      action: {action}, legal_basis: test}}
holds:
  - {{id: court, reason: court order, datasets: [device_logs], subjects: [{held}], until: 2027-06-30}}
"""


def rules_file(folder: Path, action: str = "blank_message", zone: str = "silver") -> Path:
    path = folder / "rules.yaml"
    path.write_text(
        RULES.format(action=action, held=held_pseudonym()).replace("zone: silver", f"zone: {zone}")
    )
    return path


@pytest.fixture()
def blank_message() -> Iterator[None]:
    register(BlankMessage)
    yield
    del ACTIONS[BlankMessage.name]


def test_an_unregistered_action_is_refused_by_the_rules(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path))
    with pytest.raises(
        RetentionRuleError, match=re.escape("rules[0].action: Input should be 'delete' or 'isolate'")
    ):
        load_rules(rules_file(tmp_path), config)


def test_a_new_action_is_one_registered_class(
    spark: SparkSession, tmp_path: Path, blank_message: None
) -> None:
    config = load_config(write_config(tmp_path))
    with pytest.raises(
        RetentionRuleError, match=re.escape("action 'blank_message' blanks the message of silver rows")
    ):
        load_rules(rules_file(tmp_path, zone="bronze"), config)
    rules = load_rules(rules_file(tmp_path), config)
    write_silver_logs(spark, config, write_bronze_logs(spark, config))

    dry = target(
        retention(spark, config, rules, AS_OF, dry_run=True, dataset="device_logs"), "silver/device_logs"
    )
    assert (dry.expired, dry.held, dry.to_remove, dry.status) == (4, 2, 2, "planned")
    report = retention(spark, config, rules, AS_OF, dataset="device_logs")
    silver = target(report, "silver/device_logs")
    assert (silver.removed, silver.status) == (2, "done")
    rows = spark.read.format("delta").load(config.table_path("silver", "device_logs")).collect()
    blanked = sorted(r.event_id for r in rows if r.message is None)
    assert (len(rows), blanked) == (6, ["e1", "e3"])  # rows kept; held e2, e5 and fresh ones untouched
    evidence = spark.read.format("delta").load(config.table_path("privacy", EVIDENCE_TABLE))
    row = evidence.where((F.col("zone") == "silver") & (F.col("dataset") == "device_logs")).first()
    assert row is not None and (row.action, row.removed, row.holds) == ("blank_message", 2, ["court"])

"""Retention actions: what a rule does to the records past its window (``action:`` in a rule).

Each action is one class, registered under its name. For every target whose rule names it,
the executor (``privlake.retention.execute``) calls:

1. ``plan(run, target) -> TargetReport``: what the action would change, per partition
   (by default the expired and held rows of the Delta table, ``plan_table``); a dry run
   stops here.
2. ``execute(run, report)``, when the plan found something to change: change it and set the
   report's counts (``removed``, ``isolated``, ``rewritten``). For a Delta table the
   executor runs it inside the run's commit tag, then purges the table history (REORG,
   VACUUM) whatever the action, and reads the versions before and after.

Adding an action (``anonymize`` in place, say) is one class and one test: subclass
``RetentionAction``, set ``name`` and ``zones`` (where a rule may use it; ``zone_note`` says
why, for the rule-file error), write ``execute`` (and ``plan`` when the default count does
not fit), and decorate it with ``@register``. From then on rule files accept
``action: <name>`` in those zones (``RetentionRule`` checks names against ``ACTIONS``), and
the plan, the printed report and the evidence row (its ``action`` column) need nothing new.
The test runs a rule with the action on a small lake (``tests/jobs/test_retention_actions.py``
registers a test-only action the same way). Row conditions must keep data values out of the
table history: select the rows with a read and change them with ``privlake.delta``'s MERGE
helpers (``delete_selected``, ``move_selected``), or with a predicate that names columns and
the cut-off only (``expired_condition``).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, TypeVar

from pyspark.sql import functions as F

from privlake.columns import ISOLATED_AT, ISOLATED_BY
from privlake.delta import (
    Moved,
    delete_selected,
    ensure_table,
    move_selected,
    same_schema,
    table_detail,
    table_history,
    with_conflict_retry,
)
from privlake.retention.landing import execute_landing, plan_landing
from privlake.retention.plan import (
    RetentionError,
    Target,
    TargetReport,
    expired_condition,
    hold_conditions,
    plan_table,
    removal_condition,
    row_key,
)
from privlake.retention.rules import ACTIONS as RULE_ACTIONS
from privlake.retention.rules import DATASET_ZONES, ISOLATING_ZONES, TABLE_ZONES
from privlake.schema import non_personal_columns
from privlake.storage import FileStore, file_store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from privlake.config import PrivlakeConfig


@dataclass
class RunContext:
    """What every action of one run shares: the session, the lake, the key, the run's tag."""

    spark: SparkSession
    config: PrivlakeConfig
    key: Callable[[], bytes]  # the pseudonym key, read on first use (subject holds need it)
    tag: str  # every Delta commit of the run carries it in userMetadata
    started: dt.datetime
    history_hours: int
    _stores: dict[str, FileStore] = field(default_factory=dict, repr=False)

    def landing_store(self) -> FileStore:
        """The landing file store, opened once per run."""
        if "landing" not in self._stores:
            self._stores["landing"] = file_store(self.config.landing_root, self.config.s3)
        return self._stores["landing"]


class RetentionAction(ABC):
    """One ``action:`` of the rule files (see the module doc for the hooks and how to add one)."""

    name: ClassVar[str]
    zones: ClassVar[tuple[str, ...]]  # zones a rule with this action may name
    zone_note: ClassVar[str] = ""  # why only those zones (the rule-file error says it)

    def plan(self, run: RunContext, target: Target) -> TargetReport:
        """Count what the rule would change: the expired and held rows per partition."""
        return plan_table(run.spark, target, run.key, run.history_hours, run.started)

    @abstractmethod
    def execute(self, run: RunContext, report: TargetReport) -> None:
        """Change what ``plan`` counted and set the report's counts."""


# The one registry of actions (rule files are checked against it): it lives with the rules.
ACTIONS = RULE_ACTIONS
A = TypeVar("A", bound=type[RetentionAction])


def register(cls: A) -> A:
    """Class decorator: rules may name the action from now on."""
    ACTIONS[cls.name] = cls()
    return cls


def action_for(name: str) -> RetentionAction:
    action = ACTIONS[name]
    assert isinstance(action, RetentionAction), name
    return action


@register
class Delete(RetentionAction):
    """Delete expired landing files (rewriting held ones) or expired table rows."""

    name = "delete"
    zones = (*DATASET_ZONES, *TABLE_ZONES)

    def plan(self, run: RunContext, target: Target) -> TargetReport:
        if target.zone == "landing":
            return plan_landing(target, run.landing_store(), run.key)
        return super().plan(run, target)

    def execute(self, run: RunContext, report: TargetReport) -> None:
        if report.target.zone == "landing":
            execute_landing(report, run.landing_store(), run.key)
            return
        deleted = delete_expired(run.spark, report, run.key)
        if deleted is None:
            counted = [
                c.metrics["numDeletedRows"]
                for c in table_history(run.spark, report.target.location)
                if c.tag == run.tag and c.operation == "DELETE" and "numDeletedRows" in c.metrics
            ]
            # a delete that only drops whole files may not count rows: the plan counted them
            deleted = sum(counted) if counted else report.to_remove
        report.removed = deleted


@register
class Isolate(RetentionAction):
    """Move expired rows into ``restricted/<dataset>`` (with ``isolated_at``, ``isolated_by``)."""

    name = "isolate"
    zones = ISOLATING_ZONES
    zone_note = f"moves rows into restricted/ from {' or '.join(ISOLATING_ZONES)}"

    def execute(self, run: RunContext, report: TargetReport) -> None:
        moved = isolate_expired(run.spark, run.config, report, run.key, run.tag, run.started)
        report.isolated, report.removed = moved.inserted, moved.deleted


def delete_expired(spark: SparkSession, report: TargetReport, key: Callable[[], bytes]) -> int | None:
    """DELETE by date alone, or, when subject holds apply, a MERGE against the rows to remove
    (``delete_selected``); the rows deleted, or None when only the history can say.

    Delta writes a DELETE's predicate, literals included, into the table history. A
    condition on held subjects would put their pseudonyms there, or, for raw zones, the
    hashing key's pads; a MERGE against rows selected by a read records only the join and
    the cut-off.
    """
    from delta.tables import DeltaTable

    target = report.target
    table = DeltaTable.forPath(spark, target.location)
    schema = table.toDF().schema
    if not hold_conditions(target, schema.fieldNames(), key):
        expired = expired_condition(target, schema)
        with_conflict_retry(lambda: table.delete(expired), f"retention delete in {target.label}")
        return None
    doomed = spark.read.format("delta").load(target.location).where(removal_condition(target, schema, key))
    return delete_selected(
        spark,
        target.location,
        doomed,
        row_key(target),
        condition=expired_condition(target, schema, "t."),
        what=f"retention delete in {target.label}",
    )


def isolate_expired(
    spark: SparkSession,
    config: PrivlakeConfig,
    report: TargetReport,
    key: Callable[[], bytes],
    isolated_by: str,
    isolated_at: dt.datetime,
) -> Moved:
    """Move the expired rows into ``restricted/<dataset>`` (``move_selected``: copy, then
    delete exactly the copied rows, both idempotent MERGEs on the row key, so a run that
    stops between them completes when run again, and a row a concurrent job writes to the
    source after the copy is never deleted uncopied). Conditions name columns and the
    cut-off only (see ``delete_expired``)."""
    target = report.target
    assert target.dataset is not None
    source = spark.read.format("delta").load(target.location)
    partition_columns, _ = table_detail(spark, target.location)
    rows = (
        source.where(removal_condition(target, source.schema, key))
        .withColumn(ISOLATED_AT, F.lit(isolated_at).cast("timestamp"))
        .withColumn(ISOLATED_BY, F.lit(isolated_by))
    )
    restricted = config.table_path("restricted", target.dataset.name)
    stats = [c for c in [*non_personal_columns(target.dataset), ISOLATED_BY] if c in rows.columns]
    ensure_table(spark, restricted, rows.schema, partition_columns, stats_columns=stats)
    if not same_schema(spark, restricted, rows.schema):
        raise RetentionError(
            f"{target.label}: restricted/{target.dataset.name} holds rows of another shape than "
            f"{target.zone}/{target.dataset.name} (isolated from another zone, or the schema changed); "
            "isolate into it from one zone only"
        )
    return move_selected(
        spark,
        target.location,
        restricted,
        rows,
        row_key(target),
        source_condition=expired_condition(target, source.schema, "t."),
        what=f"retention isolate {target.label} into restricted/{target.dataset.name}",
    )

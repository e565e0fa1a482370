"""A small lake for the retention tests: rules with windows and holds, bronze, silver,
quarantine and landing data written directly (no ingest run), and report lookups."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from anonymizers.pseudonym import pseudonymize
from privlake.config import PrivlakeConfig, load_config
from privlake.delta import ensure_table, replace_partition
from privlake.keys import pseudonym_key
from privlake.policy import deidentify_columns
from privlake.retention.plan import RetentionReport, TargetReport
from privlake.schema import bronze_schema, non_personal_columns
from tests.conftest import CONFIG, bronze_frame

AS_OF = dt.date(2026, 12, 31)
OLD, OLDER, FRESH = dt.date(2026, 11, 30), dt.date(2026, 11, 1), dt.date(2026, 12, 15)
HELD_ACCOUNT = "acc-held-000001"


def held_pseudonym() -> str:
    """The held subject's pseudonym under the tests' key, as a privacy officer would give it."""
    return pseudonymize(HELD_ACCOUNT, "account_id", pseudonym_key(load_config(CONFIG)).secret)


RULES = """
history_retention_hours: 0
rules:
  - {{id: landing, zone: landing, dataset: "*", window: {{days: 7}}, action: delete, legal_basis: test}}
  - {{id: bronze-logs, zone: bronze, dataset: device_logs, window: {{days: 30}}, action: delete,
      legal_basis: test}}
  - {{id: bronze-accounts, zone: bronze, dataset: accounts, window: {{days: 30}}, action: {accounts_action},
      legal_basis: test}}
  - {{id: silver-logs, zone: silver, dataset: device_logs, date_column: event_time, window: {{days: 30}},
      action: delete, legal_basis: test}}
  - {{id: quarantine, zone: quarantine, dataset: "*", window: {{days: 30}}, action: delete,
      legal_basis: test}}
holds:
  - {{id: court, reason: court order, datasets: [device_logs, accounts], subjects: [{held}],
      until: 2027-06-30}}
  - {{id: lapsed, reason: an old audit, datasets: [device_logs], until: 2026-12-01}}
  {audit_hold}
"""
AUDIT_HOLD = "- {id: audit, reason: tax audit, datasets: [accounts], zones: [bronze], until: indefinite}"


def write_rules(folder: Path, accounts_action: str = "delete", audit: bool = True) -> Path:
    path = folder / "rules" / "test.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = RULES.format(
        held=held_pseudonym(), accounts_action=accounts_action, audit_hold=AUDIT_HOLD if audit else ""
    )
    path.write_text(text)
    return path


# --- building the lake with small direct writes ------------------------------------------


def log_event(
    event_id: str, account: str, day: dt.date, message: str, event_time: str | None = None
) -> dict[str, object]:
    return {
        "event_id": event_id,
        "event_time": event_time or f"{day}T10:00:00+00:00",
        "account_id": account,
        "device_serial": "A1B2C3D4E5F60718",
        "message": message,
        "_source_file": f"dt={day}/a.jsonl",
        "dt": day,
    }


LOG_EVENTS = [
    log_event("e1", "acc-expired-0001", OLDER, "EXPIRED-e1 reboot"),
    log_event("e2", HELD_ACCOUNT, OLDER, "held e2"),
    log_event("e3", "acc-expired-0003", OLD, "EXPIRED-e3 reboot"),
    # UTC 2026-12-01 01:30: in an expired dt partition, but its event date is not expired
    log_event("e4", "acc-late-0004", OLD, "late e4", "2026-11-30T23:30:00-02:00"),
    log_event("e5", HELD_ACCOUNT, OLD, "held e5"),
    log_event("e6", "acc-fresh-0006", FRESH, "fresh e6"),
]


def write_bronze_logs(spark: SparkSession, config: PrivlakeConfig) -> DataFrame:
    dataset = config.dataset("device_logs")
    path = config.table_path("bronze", "device_logs")
    ensure_table(spark, path, bronze_schema(dataset), ["dt"], stats_columns=non_personal_columns(dataset))
    bronze = bronze_frame(spark, "device_logs", LOG_EVENTS)
    bronze.write.format("delta").mode("append").save(path)
    # an ingest re-run of one day: the first version's files stay in the history
    replace_partition(bronze.where(F.col("dt") == F.lit(OLDER)), path, f"dt = DATE'{OLDER}'")
    return bronze


def write_silver_logs(spark: SparkSession, config: PrivlakeConfig, bronze: DataFrame) -> None:
    dataset = config.dataset("device_logs")
    key = pseudonym_key(config)
    silver = deidentify_columns(bronze.drop("_source_file", "_line_number"), dataset, key).withColumn(
        "pseudonym_key_id", F.lit(key.key_id)
    )
    path = config.table_path("silver", "device_logs")
    # deletion vectors and the change feed: both keep deleted rows until purged
    properties = {"delta.enableDeletionVectors": "true", "delta.enableChangeDataFeed": "true"}
    ensure_table(
        spark, path, silver.schema, ["dt"], stats_columns=non_personal_columns(dataset), properties=properties
    )
    silver.coalesce(1).write.format("delta").mode("append").save(path)


def write_bronze_accounts(spark: SparkSession, config: PrivlakeConfig) -> None:
    dataset = config.dataset("accounts")
    path = config.table_path("bronze", "accounts")
    ensure_table(spark, path, bronze_schema(dataset), ["dt"], stats_columns=non_personal_columns(dataset))
    rows = [
        {"account_id": "acc-audited-0001", "email": "audited@mail.example", "dt": OLDER},
        {"account_id": HELD_ACCOUNT, "email": "held@mail.example", "dt": OLDER},
        {"account_id": "acc-fresh-0006", "email": "fresh@mail.example", "dt": FRESH},
    ]
    bronze_frame(spark, "accounts", rows).write.format("delta").mode("append").save(path)


def write_quarantine_logs(spark: SparkSession, config: PrivlakeConfig) -> None:
    from privlake.ingestion import quarantine_schema

    path = config.table_path("quarantine", "device_logs")
    ensure_table(spark, path, quarantine_schema(), ["dt"], stats_columns=["dataset", "stage", "reason"])
    held_line = json.dumps({"event_id": "q1", "account_id": HELD_ACCOUNT, "shoe": 1}).encode()
    rows = [
        ("device_logs", "ingest", "a.jsonl", 1, "unknown_field", "fields: shoe", held_line, OLDER),
        (
            "device_logs",
            "ingest",
            "a.jsonl",
            2,
            "invalid_json",
            None,
            b'{"account_id": "acc-expired-q',
            OLDER,
        ),
        ("device_logs", "ingest", "b.jsonl", 1, "invalid_json", None, b"{fresh", FRESH),
    ]
    spark.createDataFrame(rows, quarantine_schema()).write.format("delta").mode("append").save(path)


def landing_line(account: str, event_id: str) -> bytes:
    return json.dumps({"event_id": event_id, "account_id": account, "message": "boot"}).encode()


def write_landing(root: Path, dataset: str, day: dt.date | None, name: str, lines: list[bytes]) -> Path:
    folder = root / dataset / (f"dt={day}" if day else "")
    folder.mkdir(parents=True, exist_ok=True)
    data = b"".join(line + b"\n" for line in lines)
    path = folder / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


def build_landing(root: Path) -> None:
    write_landing(
        root, "device_logs", dt.date(2026, 12, 20), "a.jsonl", [landing_line("acc-expired-l1", "l1")]
    )
    write_landing(
        root,
        "device_logs",
        dt.date(2026, 12, 20),
        "mixed.jsonl.gz",
        [landing_line("acc-expired-l2", "l2"), landing_line(HELD_ACCOUNT, "l3"), b"{not json"],
    )
    write_landing(
        root, "device_logs", dt.date(2026, 12, 23), "held.jsonl", [landing_line(HELD_ACCOUNT, "l4")]
    )
    write_landing(
        root, "device_logs", dt.date(2026, 12, 28), "fresh.jsonl", [landing_line("acc-fresh", "l5")]
    )
    write_landing(
        root, "accounts", dt.date(2026, 12, 1), "snapshot.jsonl", [landing_line("acc-expired-a", "a")]
    )
    write_landing(root, "accounts", None, "README.txt", [b"not a partition"])


# --- reading reports ------------------------------------------------------------------------


def target(report: RetentionReport, label: str) -> TargetReport:
    return next(t for t in report.targets if t.target.label == label)


def plan(report: RetentionReport, label: str) -> list[tuple[str, int, int, tuple[str, ...]]]:
    return [(p.partition, p.expired, p.held, p.held_by) for p in target(report, label).partitions]

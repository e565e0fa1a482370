"""Run the daily chain and an erasure in one Spark application and dump what it produced.

``python -m tests.chain_runner --config C --date D --erase KIND=VALUE --out dump.json``
runs, for date D, what the daily DAGs run (``privlake run`` of every dataset, snapshots
first; aggregate; retention as of D, the logical date), then an erasure request with purge
for the given subject. It writes a JSON dump of the result that does not depend on where the
lake lives: per table, its row count and a digest of its sorted rows (lineage columns that
hold a file path are left out), a digest of every landing file (by path under the landing
root), and the erasure's outcome.

The S3 end-to-end test runs it on S3 in a fresh JVM (S3A's jars must be on the classpath
when the JVM starts) and compares the dump with the session's local reference: the lake the
Airflow daily-chain run built (tests/conftest.py, ``daily_chain``), copied, with the same
erasure run on it (``erase_subject``) and dumped (``dump``) in the test's own session.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from privlake.config import PrivlakeConfig, load_config
from privlake.delta import table_exists
from privlake.keys import pseudonym_key
from privlake.pipeline import datasets_in_run_order, run_dataset_day
from privlake.privacy.age_thresholds import load_age_thresholds, thresholds_location
from privlake.privacy.erasure import erase
from privlake.privacy.manifest import build_request
from privlake.privacy.minors import sweep_minors
from privlake.retention.execute import retention
from privlake.retention.rules import load_rules
from privlake.spark import get_spark
from privlake.storage import file_store

# Columns that name the file a row came from: they differ between roots by design.
PATH_COLUMNS = {"_source_file", "source_file"}
# Columns that hold run timestamps.
TIME_COLUMNS = {"ingested_at", "quarantined_at", "deidentified_at", "aggregated_at", "computed_at"}


def table_digest(df: DataFrame) -> dict[str, object]:
    columns = sorted(c for c in df.columns if c not in PATH_COLUMNS | TIME_COLUMNS)
    rows = sorted(
        json.dumps(r.asDict(recursive=True), sort_keys=True, default=str)
        for r in df.select(*columns).collect()
    )
    return {
        "rows": len(rows),
        "columns": columns,
        "sha256": hashlib.sha256("\n".join(rows).encode()).hexdigest(),
    }


def timed(step: str, start: float) -> float:
    now = time.monotonic()
    print(f"chain: {step} done in {now - start:.1f} s", file=sys.stderr, flush=True)
    return now


def run_chain(spark: SparkSession, config: PrivlakeConfig, day: dt.date) -> None:
    """What the daily DAGs run for ``day``: deidentify (``privlake run`` of each dataset,
    snapshots first), aggregate, retention and the minors sweep as of ``day``."""
    from privlake.gold import aggregate

    key = pseudonym_key(config)
    start = time.monotonic()
    for dataset in datasets_in_run_order(config):
        run_dataset_day(spark, config, dataset.name, day, key)
        start = timed(f"run {dataset.name}", start)
    aggregate(spark, config, day)
    start = timed("aggregate", start)
    rules = load_rules(config.retention_rules, config)
    retention(spark, config, rules, day)
    start = timed("retention", start)
    thresholds = load_age_thresholds(thresholds_location(None, config))
    sweep_minors(spark, config, thresholds, rules.holds, day, key)
    timed("minors sweep", start)


def erase_subject(spark: SparkSession, config: PrivlakeConfig, subject: str) -> dict[str, object]:
    """Erase ``subject`` (KIND=VALUE) with purge; the outcome, in counts."""
    request = build_request("chain-erasure-1", "erase", [subject], purge=True)
    start = time.monotonic()
    evidence = erase(spark, config, request, pseudonym_key(config)).evidence
    timed("erase", start)
    assert evidence.scan is not None
    return {
        "state": evidence.state,
        "rows_removed": evidence.rows_removed,
        "rows_redacted": evidence.rows_redacted,
        "scan_passed": evidence.scan.passed,
    }


def dump(spark: SparkSession, config: PrivlakeConfig) -> dict[str, object]:
    tables: dict[str, object] = {}
    for zone in ("bronze", "silver", "quarantine", "gold"):
        names = list(config.datasets) if zone != "gold" else gold_names(spark, config)
        for name in sorted(names):
            path = config.table_path(zone, name)
            if table_exists(spark, path):
                tables[f"{zone}.{name}"] = table_digest(spark.read.format("delta").load(path))
    store = file_store(config.landing_root, config.s3)
    root = config.landing_root.rstrip("/") + "/"
    tables["landing"] = {
        f.path.removeprefix(root): hashlib.sha256(store.read_bytes(f.path)).hexdigest()
        for f in store.list_files(config.landing_root)
        if f.current
    }
    return tables


def gold_names(spark: SparkSession, config: PrivlakeConfig) -> list[str]:
    from privlake.retention.plan import gold_tables

    return gold_tables(spark, config)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--date", required=True, type=dt.date.fromisoformat)
    parser.add_argument("--erase", required=True, help="KIND=VALUE of the subject to erase")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    spark = get_spark(config, app_name="privlake-chain")
    run_chain(spark, config, args.date)
    erasure = erase_subject(spark, config, args.erase)
    result = {**dump(spark, config), "erasure": erasure}
    Path(args.out).write_text(json.dumps(result, indent=2, sort_keys=True))
    spark.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

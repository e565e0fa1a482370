"""Run the daily chain in one Spark application and dump what it produced, for comparison.

``python -m tests.chain_runner --config C --date D --out dump.json`` runs, for date D:
ingest and deidentify of every dataset, aggregate (gold), then retention as of D + 8 days
(landing files expire, tables stay). It writes a JSON dump of the result that does not
depend on where the lake lives: per table, its row count and a digest of its sorted rows
(lineage columns that hold a file path are left out), plus the landing files left.

The S3 end-to-end test runs it twice, once on the local filesystem and once on S3, in
fresh JVMs (S3A's jars must be on the classpath when the JVM starts), and compares.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from jobs.deidentify import deidentify
from jobs.ingest import ingest
from jobs.retention import retention
from privlake.config import PrivlakeConfig, load_config
from privlake.keys import pseudonym_key
from privlake.retention_rules import load_rules
from privlake.spark import get_spark
from privlake.storage import file_store
from privlake.tables import table_exists

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


def run_chain(spark: SparkSession, config: PrivlakeConfig, day: dt.date) -> None:
    key = pseudonym_key(config)
    snapshots_first = sorted(config.datasets.values(), key=lambda d: not d.snapshot)
    for dataset in snapshots_first:
        ingest(spark, config, dataset.name, day)
    for dataset in snapshots_first:
        deidentify(spark, config, dataset.name, day, key)
    if importlib.util.find_spec("jobs.aggregate") is not None:
        from jobs.aggregate import aggregate

        aggregate(spark, config, day)
    retention(spark, config, load_rules(config.retention_rules, config), day + dt.timedelta(days=8))


def dump(spark: SparkSession, config: PrivlakeConfig) -> dict[str, object]:
    tables: dict[str, object] = {}
    for zone in ("bronze", "silver", "quarantine", "gold"):
        names = list(config.datasets) if zone != "gold" else gold_names(spark, config)
        for name in sorted(names):
            path = config.table_path(zone, name)
            if table_exists(spark, path):
                tables[f"{zone}.{name}"] = table_digest(spark.read.format("delta").load(path))
    landing = file_store(config.landing_root, config.s3).list_files(config.landing_root)
    tables["landing_files"] = len(landing)
    return tables


def gold_names(spark: SparkSession, config: PrivlakeConfig) -> list[str]:
    from jobs.retention import gold_tables

    return gold_tables(spark, config)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--date", required=True, type=dt.date.fromisoformat)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    spark = get_spark(config, app_name="privlake-chain")
    run_chain(spark, config, args.date)
    Path(args.out).write_text(json.dumps(dump(spark, config), indent=2, sort_keys=True))
    spark.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

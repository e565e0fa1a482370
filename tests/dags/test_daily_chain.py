"""The daily chain as Airflow runs it: deidentify → aggregate → retention (and the minors
sweep), with dag.test().

Each task is a real spark-submit through the ``spark_default`` connection, on a migrated
SQLite metadata DB. This is what ``make demo-airflow`` runs (app.demo_airflow). The run
is the session's ``daily_chain`` (tests/conftest.py), which the S3 end-to-end test also uses
as its local reference.
"""

from __future__ import annotations

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from app.demo_airflow import DAILY_CHAIN
from privlake.aggregates import SUPPRESSION_TABLE
from privlake.config import load_config
from privlake.privacy.evidence import read_evidence
from privlake.privacy.minors import sweep_request_id
from privlake.retention.plan import EVIDENCE_TABLE
from tests.conftest import CHAIN_DAY, DailyChainRun


@pytest.mark.airflow
def test_daily_chain_runs_every_dag_and_produces_silver_gold_and_evidence(
    daily_chain: DailyChainRun, spark: SparkSession
) -> None:
    results, summary = daily_chain.results, daily_chain.summary
    assert [r.dag_id for r in results] == list(DAILY_CHAIN)
    for result in results:
        assert result.state == "success", result
        assert result.tasks and set(result.tasks.values()) == {"success"}, result
    # deidentify runs one `privlake run` per configured dataset, snapshots first
    runs = [t for t in results[0].tasks if t.startswith(("run_snapshot[", "run["))]
    assert len(runs) == len(summary.datasets)
    # retention sweeps minors after enforcing
    assert set(results[2].tasks) == {"enforce_retention", "sweep_minors"}, results[2]

    config = load_config(daily_chain.config)
    # the minors sweep (retention's second task) erased the day's children's accounts: their
    # silver rows are gone, as many as its evidence says
    sweep = read_evidence(config, sweep_request_id(CHAIN_DAY))  # the generated day has a child
    assert sweep is not None and sweep.scan is not None and sweep.scan.passed
    swept = {(t.zone, t.dataset): t.rows_removed for t in sweep.tables}
    assert swept.get(("silver", "accounts"), 0) > 0, swept
    for name, generated in summary.datasets.items():
        silver = spark.read.format("delta").load(config.table_path("silver", name))
        expected = generated.rows - swept.get(("silver", name), 0)
        assert silver.where(silver.dt == CHAIN_DAY).count() == expected, name
    gold = spark.read.format("delta").load(config.table_path("gold", "daily_device_activity"))
    assert gold.where(F.col("dt") == CHAIN_DAY).count() > 0  # 40 subjects: some groups reach k=10
    k_records = spark.read.format("delta").load(config.table_path("privacy", SUPPRESSION_TABLE))
    assert k_records.where(F.col("dt") == CHAIN_DAY).count() > 0
    evidence = spark.read.format("delta").load(config.table_path("privacy", EVIDENCE_TABLE))
    assert evidence.where((F.col("dt") == CHAIN_DAY) & ~F.col("dry_run")).count() > 0
    runs = spark.read.format("delta").load(config.table_path("privacy", "runs"))
    sweep_runs = runs.where((F.col("job") == "minors") & (F.col("dt") == CHAIN_DAY)).collect()
    assert len(sweep_runs) == 1 and sweep_runs[0].rows_in == summary.datasets["accounts"].rows, sweep_runs

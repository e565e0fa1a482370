"""Daily: each dataset from landing to silver (``privlake run``), snapshot datasets first."""

from __future__ import annotations

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import TriggerRule, dag, task

from privlake.orchestration import (
    BRONZE,
    DEFAULT_ARGS,
    MACROS,
    SILVER,
    START_DATE,
    job_application,
    spark_submit_defaults,
)

DOC = """
### privlake: ingest and de-identify (daily)

For the run's logical date `ds`, every configured dataset goes
`landing/<dataset>/dt=ds` → `bronze/<dataset>` (bad lines to quarantine) →
`silver/<dataset>` (pseudonyms, scrubbed free text, generalized quasi-identifiers), in one
Spark application per dataset (`privlake run`). Snapshot datasets (accounts) run first:
their identifiers are deny lists for the others' free text. Each run replaces the date's
partitions, so re-runs and backfills (`airflow dags backfill deidentify -s ... -e ...`) are
safe. Completing updates the `privlake_silver` asset, which schedules the `aggregate` DAG.
"""


@dag(
    dag_id="deidentify",
    schedule="@daily",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["privlake", "deidentify", "pii"],
    doc_md=DOC,
    user_defined_macros=MACROS,
)
def deidentify_dag() -> None:
    @task
    def snapshot_datasets(ds: str | None = None) -> list[list[str]]:
        """`privlake run` arguments per snapshot dataset (config read at run time)."""
        from privlake.orchestration import dataset_arguments

        return dataset_arguments(str(ds), snapshots=True)

    @task
    def event_datasets(ds: str | None = None) -> list[list[str]]:
        """`privlake run` arguments per other dataset (config read at run time)."""
        from privlake.orchestration import dataset_arguments

        return dataset_arguments(str(ds), snapshots=False)

    submit = spark_submit_defaults()
    snapshots = SparkSubmitOperator.partial(
        task_id="run_snapshot",
        application=job_application("run"),
        # Silver is complete (and `aggregate` may start) only when the other datasets ran too.
        outlets=[BRONZE],
        **submit,
    ).expand(application_args=snapshot_datasets())
    events = SparkSubmitOperator.partial(
        task_id="run",
        application=job_application("run"),
        outlets=[BRONZE, SILVER],
        # A configuration without snapshot datasets maps run_snapshot to nothing (skipped).
        trigger_rule=TriggerRule.NONE_FAILED,
        **submit,
    ).expand(application_args=event_datasets())
    snapshots >> events


deidentify_dag()

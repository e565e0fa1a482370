"""Daily: ingest each dataset's landing files into bronze, then de-identify them into silver."""

from __future__ import annotations

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import dag, task

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
`silver/<dataset>` (pseudonyms, scrubbed free text, generalized quasi-identifiers).
Snapshot datasets (accounts) are ingested first: their identifiers are deny lists for the
others' free text. Both steps replace the date's partition, so re-runs and backfills
(`airflow dags backfill deidentify -s ... -e ...`) are safe. Completing updates the
`privlake_silver` asset, which schedules the `aggregate` DAG.
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
    def datasets(ds: str | None = None) -> list[list[str]]:
        """spark-submit arguments per configured dataset (config read at run time, not parse time)."""
        from privlake.orchestration import dataset_names

        return [["--dataset", name, "--date", str(ds)] for name in dataset_names()]

    args = datasets()
    submit = spark_submit_defaults()
    ingest = SparkSubmitOperator.partial(
        task_id="ingest", application=job_application("ingest"), outlets=[BRONZE], **submit
    ).expand(application_args=args)
    deidentify = SparkSubmitOperator.partial(
        task_id="deidentify",
        application=job_application("deidentify"),
        outlets=[SILVER],
        **submit,
    ).expand(application_args=args)
    ingest >> deidentify


deidentify_dag()

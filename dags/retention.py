"""Daily: enforce the retention rules as of the run's logical date, in every zone, then sweep
children's accounts (``jobs/minors.py``) as of the same date."""

from __future__ import annotations

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import dag

from privlake.orchestration import (
    DEFAULT_ARGS,
    MACROS,
    START_DATE,
    job_application,
    spark_submit_defaults,
)

DOC = """
### privlake: retention (daily)

Applies `retention_rules/*.yaml` with the run's logical date as the as-of date (never
the wall clock): expired landing files are deleted (all S3 object versions included),
expired Delta rows deleted or isolated into `restricted/`, table history purged (REORG
PURGE, VACUUM), and one evidence row per dataset and zone appended to
`privacy/retention_evidence`. Legal holds in the rule files override the windows. A
second run for the same date finds nothing to do (and a run that finds what the last one
found adds no duplicate evidence). For a preview, which writes nothing, run
`privlake retention --as-of YYYY-MM-DD --dry-run`.

Then `sweep_minors` erases the data of every account under its country's age threshold
(`retention_rules/minors.yaml`) as of the same date, through the erasure machinery (request
`minors-YYYY-MM-DD`: deny list, every zone, verification scan, evidence), unless a legal
hold names the account, and hands the accounts to the account system in
`privacy/minor_accounts`. A second run for the same date changes nothing; a failed one
resumes. Preview: `privlake minors --as-of YYYY-MM-DD --dry-run`.
"""


@dag(
    dag_id="retention",
    schedule="@daily",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["privlake", "retention", "privacy"],
    doc_md=DOC,
    user_defined_macros=MACROS,
)
def retention_dag() -> None:
    enforce_retention = SparkSubmitOperator(
        task_id="enforce_retention",
        application=job_application("retention"),
        application_args=["--as-of", "{{ ds }}"],
        **spark_submit_defaults(),
    )
    sweep_minors = SparkSubmitOperator(
        task_id="sweep_minors",
        application=job_application("minors"),
        application_args=["--as-of", "{{ ds }}"],
        **spark_submit_defaults(),
    )
    enforce_retention >> sweep_minors


retention_dag()

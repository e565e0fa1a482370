"""Manual: an erasure request from the privacy team, run from the trigger form."""

from __future__ import annotations

from typing import Any

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import dag, task

from privlake.orchestration import (
    DEFAULT_ARGS,
    MACROS,
    START_DATE,
    form_field,
    job_application,
    privacy_request_params,
    spark_submit_defaults,
)

DOC = """
### privlake: erasure request (manual)

Trigger with the form: a **request id**, the subjects either as **subject lines**
(`KIND=VALUE`, kinds `account_id`, `email`, `phone` in international format,
`device_serial`) or as the path of a **manifest** (JSON or CSV), and whether to **purge**
table history now and whether this is a **dry run**. The task runs `jobs/erase.py`: it
resolves the subjects, erases their rows in landing, bronze, silver, quarantine and
restricted, redacts mentions of them in other rows, puts them on the deny list, recomputes
gold for their dates, purges history (with purge), scans every file to verify, and writes
evidence to `privacy/evidence/<request id>.{json,md}`. The request ledger makes retries and
re-triggers safe: a completed request is not run again, an interrupted one resumes.

**Airflow keeps run parameters in plain text** (metadata database, logs, the UI): in
production give a **manifest path** in the restricted zone, never identifiers in the form.
Subject lines are for tests and local use.
"""


@dag(
    dag_id="privacy_erasure",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["privlake", "privacy", "erasure"],
    doc_md=DOC,
    user_defined_macros=MACROS,
    params={
        **privacy_request_params(),
        "purge": form_field(
            False, type="boolean", title="Purge history", description="VACUUM table history now."
        ),
        "dry_run": form_field(False, type="boolean", title="Dry run", description="Resolve and count only."),
    },
)
def privacy_erasure_dag() -> None:
    @task
    def request_arguments(params: dict[str, Any] | None = None) -> list[list[str]]:
        """Validate the form (exactly one of manifest and subject lines) into the job's arguments."""
        from privlake.privacy.manifest import request_argv

        assert params is not None
        return [request_argv("erase", params)]

    SparkSubmitOperator.partial(
        task_id="erase",
        application=job_application("erase"),
        **spark_submit_defaults(),
    ).expand(application_args=request_arguments())


privacy_erasure_dag()

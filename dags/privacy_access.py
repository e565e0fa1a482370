"""Manual: a subject access request (export) from the privacy team, run from the trigger form."""

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
from privlake.privacy import EXPORT_FORMATS

DOC = """
### privlake: subject access request (manual)

Trigger with the form: a **request id**, the subjects either as **subject lines**
(`KIND=VALUE`, kinds `account_id`, `email`, `phone` in international format,
`device_serial`) or as the path of a **manifest** (JSON or CSV), the **format** of the
rows (JSON Lines, CSV or Parquet) and the **archive path** (a `.zip` in the restricted
zone). The task runs `jobs/export.py`: it resolves the subjects like an erasure, collects
their landing lines and bronze, restricted, quarantine and silver rows (other people's data
in free text redacted), and writes one archive with a file per dataset and zone,
`manifest.json` (checksums, row counts, keyed hashes) and `summary.html`. The archive is
AES-256 encrypted when the variable `keys.export_passphrase_env` names is set for the task.
Evidence goes to `privacy/evidence/<request id>.{json,md}`; a completed request is not run
again, an interrupted one resumes.

**Airflow keeps run parameters in plain text** (metadata database, logs, the UI): in
production give a **manifest path** in the restricted zone, never identifiers in the form.
"""


@dag(
    dag_id="privacy_access",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["privlake", "privacy", "access"],
    doc_md=DOC,
    user_defined_macros=MACROS,
    params={
        **privacy_request_params(),
        "format": form_field(
            "json",
            type="string",
            enum=list(EXPORT_FORMATS),
            title="Format",
            description="File format of the rows in the package: json (JSON Lines), csv or parquet.",
        ),
        "out": form_field(
            type="string",
            pattern=r"\.zip$",
            title="Archive path",
            description="Where the archive goes: a .zip path in the restricted zone (local or s3://).",
        ),
    },
)
def privacy_access_dag() -> None:
    @task
    def request_arguments(params: dict[str, Any] | None = None) -> list[list[str]]:
        """Validate the form (exactly one of manifest and subject lines) into the job's arguments."""
        from privlake.privacy.manifest import export_argv

        assert params is not None
        return [export_argv(params)]

    SparkSubmitOperator.partial(
        task_id="export",
        application=job_application("export"),
        **spark_submit_defaults(),
    ).expand(application_args=request_arguments())


privacy_access_dag()

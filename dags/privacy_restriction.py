"""Manual: restrict processing of subjects, or lift a restriction, from the trigger form."""

from __future__ import annotations

from typing import Any

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import dag, task

from privlake.orchestration import (
    DEFAULT_ARGS,
    MACROS,
    SPARK_CONN_ID,
    START_DATE,
    form_field,
    job_application,
    static_spark_conf,
)
from privlake.privacy import REQUEST_ID_PATTERN, SUBJECT_LINES_PATTERN

DOC = """
### privlake: restriction of processing (manual)

Trigger with a **request id**, the subjects (a **manifest** path, or **subject lines**
`KIND=VALUE`) and the **action**. `restrict` puts the subjects on
`privacy/restricted_subjects`, moves their bronze rows to `restricted/<dataset>` and
removes their silver rows; from then on ingest routes their new rows to `restricted/` and
de-identification skips them. `unrestrict` lifts it: the rows move back to bronze and their
dates are de-identified again. Evidence goes to `privacy/evidence/<request id>.{json,md}`.

**Airflow keeps run parameters in plain text**: in production give a manifest path in the
restricted zone, never identifiers in the form.
"""


@dag(
    dag_id="privacy_restriction",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["privlake", "privacy", "restriction"],
    doc_md=DOC,
    user_defined_macros=MACROS,
    params={
        "request_id": form_field(
            type="string",
            pattern=REQUEST_ID_PATTERN,
            title="Request id",
            description="The privacy team's id for this request (letters, digits, . _ -), one per request.",
        ),
        "action": form_field(
            "restrict",
            type="string",
            enum=["restrict", "unrestrict"],
            title="Action",
            description="restrict: isolate the subjects' data; unrestrict: lift the restriction.",
        ),
        "manifest": form_field(
            "",
            type="string",
            title="Manifest path",
            description="JSON or CSV file of subjects in the restricted zone (production).",
        ),
        "subjects": form_field(
            "",
            type="string",
            format="multiline",
            pattern=SUBJECT_LINES_PATTERN,
            title="Subject lines",
            description="One KIND=VALUE per line. Stored in plain text by Airflow: tests and local use only.",
        ),
    },
)
def privacy_restriction_dag() -> None:
    @task
    def request_arguments(params: dict[str, Any] | None = None) -> list[list[str]]:
        """Validate the form into the job's arguments."""
        from privlake.privacy.manifest import request_argv

        assert params is not None
        return [request_argv(params["action"], params)]

    SparkSubmitOperator.partial(
        task_id="restrict",
        conn_id=SPARK_CONN_ID,
        application=job_application("restrict"),
        packages="{{ privlake_packages() }}",
        conf=static_spark_conf(),
        verbose=False,
    ).expand(application_args=request_arguments())


privacy_restriction_dag()

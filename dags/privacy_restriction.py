"""Manual: restrict processing of subjects, or lift a restriction, from the trigger form."""

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
        **privacy_request_params(),
        "action": form_field(
            "restrict",
            type="string",
            enum=["restrict", "unrestrict"],
            title="Action",
            description="restrict: isolate the subjects' data; unrestrict: lift the restriction.",
        ),
    },
)
def privacy_restriction_dag() -> None:
    @task
    def request_job(params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Validate the form into the job (jobs/restrict.py or jobs/unrestrict.py) and its arguments."""
        from privlake.privacy.manifest import request_argv

        assert params is not None
        action = params["action"]
        return [{"application": job_application(action), "application_args": request_argv(action, params)}]

    SparkSubmitOperator.partial(task_id="restrict", **spark_submit_defaults()).expand_kwargs(request_job())


privacy_restriction_dag()

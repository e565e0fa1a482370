"""Manual: restrict processing of subjects, or lift a restriction, from the trigger form."""

from __future__ import annotations

from typing import Any, Literal

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


def _arguments(action: Literal["restrict", "unrestrict"], params: dict[str, Any] | None) -> list[list[str]]:
    from privlake.privacy.manifest import request_argv

    assert params is not None
    return [request_argv(action, params)] if params["action"] == action else []


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
    # One Spark task per action, each running its own job; the one the form did not ask for
    # gets no arguments to map over and is skipped.
    @task
    def restrict_arguments(params: dict[str, Any] | None = None) -> list[list[str]]:
        """Validate the form into jobs/restrict.py's arguments (none for an unrestrict form)."""
        return _arguments("restrict", params)

    @task
    def unrestrict_arguments(params: dict[str, Any] | None = None) -> list[list[str]]:
        """Validate the form into jobs/unrestrict.py's arguments (none for a restrict form)."""
        return _arguments("unrestrict", params)

    for action, arguments in (("restrict", restrict_arguments), ("unrestrict", unrestrict_arguments)):
        SparkSubmitOperator.partial(
            task_id=action,
            application=job_application(action),
            **spark_submit_defaults(),
        ).expand(application_args=arguments())


privacy_restriction_dag()

"""When gold changes: publish its dates to every destination in another region."""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import Param, dag, task

from privlake.orchestration import (
    DEFAULT_ARGS,
    GOLD,
    MACROS,
    START_DATE,
    job_application,
    publish_arguments,
    spark_submit_defaults,
)

DOC = """
### privlake: publish (on new gold data)

Scheduled on the `privlake_gold` asset that the `aggregate` DAG updates. For each destination
of the configuration's `publish.destinations` and each date whose gold changed, one mapped
`spark-submit` of `jobs/publish.py --date D --to NAME`: the destination's bucket is checked to
be in its declared region, every outgoing file is scanned for known subjects' identifiers and
structured personal data (a finding blocks the transfer and fails the task, naming table and
file), and the destination receives a plain Delta table per gold table (and granted silver
table) with partition `dt=D` replaced. Dates an erasure or restriction recomputed since the
last run go along. Every transfer is a row of `privacy/transfers`.

Triggered by hand (or by `dag.test()`), it publishes the `date` param when given, else the
run's logical date. With no destination configured, it submits nothing.
"""


@dag(
    dag_id="publish",
    schedule=[GOLD],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["privlake", "publish", "gold", "residency"],
    doc_md=DOC,
    user_defined_macros=MACROS,
    params={
        "date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="Date",
            description="Publish this date (YYYY-MM-DD) instead of the triggering runs' dates.",
        )
    },
)
def publish_dag() -> None:
    @task
    def destinations_and_dates(
        params: dict[str, Any] | None = None,
        logical_date: dt.datetime | None = None,
        triggering_asset_events: Any = None,
    ) -> list[list[str]]:
        """spark-submit arguments per configured destination and date."""
        date = params.get("date") if params else None
        return publish_arguments(date, logical_date, triggering_asset_events)

    SparkSubmitOperator.partial(
        task_id="publish",
        application=job_application("publish"),
        **spark_submit_defaults(),
    ).expand(application_args=destinations_and_dates())


publish_dag()

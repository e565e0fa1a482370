"""When silver changes: rebuild the k-anonymous gold tables and the risk report for its dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import Param, dag, task

from privlake.orchestration import (
    DATES_EXTRA,
    DEFAULT_ARGS,
    GOLD,
    MACROS,
    SILVER,
    START_DATE,
    dates_to_aggregate,
    job_application,
    spark_submit_defaults,
)

DOC = """
### privlake: aggregate (on new silver data)

Scheduled on the `privlake_silver` asset that the `deidentify` DAG updates. Each date whose
silver partition changed (the logical date of every `deidentify` run that triggered this
one, several when a backfill finished) becomes one `spark-submit` of `jobs/aggregate.py
--date D`: the gold tables of `conf/aggregates.yaml` are rebuilt from that partition with
k-anonymity (small groups rolled up or suppressed) and consent filtering, and the date's
re-identification risk of silver is recomputed. Each date's partitions are replaced, so
re-runs are safe. When every date is rebuilt, `gold_updated` updates the `privlake_gold`
asset and names the dates in the event (`extra["dates"]`): this run has no logical date of its
own, and the `publish` DAG it triggers publishes those dates.

Triggered by hand (or by `dag.test()`), it aggregates the `date` param when given, else the
run's logical date.
"""


@dag(
    dag_id="aggregate",
    schedule=[SILVER],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["privlake", "aggregate", "gold", "k-anonymity"],
    doc_md=DOC,
    user_defined_macros=MACROS,
    params={
        "date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="Date",
            description="Aggregate this date (YYYY-MM-DD) instead of the triggering runs' dates.",
        )
    },
)
def aggregate_dag() -> None:
    @task
    def silver_dates(
        params: dict[str, Any] | None = None,
        logical_date: dt.datetime | None = None,
        triggering_asset_events: Any = None,
    ) -> list[list[str]]:
        """spark-submit arguments per date: the param, else the logical date, else the
        logical dates of the deidentify runs whose silver updates triggered this run."""
        date = params.get("date") if params else None
        return [["--date", day] for day in dates_to_aggregate(date, logical_date, triggering_asset_events)]

    @task(outlets=[GOLD])
    def gold_updated(
        params: dict[str, Any] | None = None,
        logical_date: dt.datetime | None = None,
        triggering_asset_events: Any = None,
        outlet_events: Any = None,
    ) -> None:
        """Announce new gold with the dates it covers: the ones ``silver_dates`` found."""
        date = params.get("date") if params else None
        days = dates_to_aggregate(date, logical_date, triggering_asset_events)
        outlet_events[GOLD].extra = {DATES_EXTRA: days}

    submissions = SparkSubmitOperator.partial(
        task_id="aggregate",
        application=job_application("aggregate"),
        **spark_submit_defaults(),
    ).expand(application_args=silver_dates())
    submissions >> gold_updated()


aggregate_dag()

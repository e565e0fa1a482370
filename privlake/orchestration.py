"""What the DAGs need to submit privlake jobs, kept out of the DAG files.

DAG files import this module at parse time, so it stays light: no Spark, no Presidio, no
file or network I/O at import. Everything that reads the configuration (the dataset list,
the Maven packages) is called at task run time, from a task or a template macro.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from typing import Any

from airflow.sdk import Asset, Param

SPARK_CONN_ID = "spark_default"
DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": dt.timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": dt.timedelta(minutes=30),
}
START_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

BRONZE = Asset(name="privlake_bronze", uri="privlake://warehouse/bronze")
SILVER = Asset(name="privlake_silver", uri="privlake://warehouse/silver")
GOLD = Asset(name="privlake_gold", uri="privlake://warehouse/gold")


def form_field(default: Any = None, *, title: str, description: str, **schema: Any) -> Param:
    """A trigger-form field of a manual DAG: typed by its JSON schema, titled and described.

    Param keeps the description in the schema it serializes; giving it twice (argument and
    schema) makes the scheduler fail to deserialize the DAG."""
    spec = {**schema, "title": title}
    if default is None:
        return Param(description=description, schema=spec)
    return Param(default, description=description, schema=spec)


def privacy_request_params() -> dict[str, Param]:
    """The trigger-form fields both manual privacy DAGs share: the request id and the
    subjects, as a manifest path (production) or as subject lines (tests, local use)."""
    from privlake.privacy import REQUEST_ID_PATTERN, SUBJECT_LINES_PATTERN

    return {
        "request_id": form_field(
            type="string",
            pattern=REQUEST_ID_PATTERN,
            title="Request id",
            description="The privacy team's id for this request (letters, digits, . _ -), one per request.",
        ),
        "manifest": form_field(
            "",
            type="string",
            title="Manifest path",
            description="JSON or CSV file of subjects in the restricted zone (production). Leave empty "
            "when giving subject lines.",
        ),
        "subjects": form_field(
            "",
            type="string",
            format="multiline",
            pattern=SUBJECT_LINES_PATTERN,
            title="Subject lines",
            description="One KIND=VALUE per line (account_id, email, phone, device_serial). Stored in plain "
            "text by Airflow: for tests and local use only.",
        ),
    }


def job_application(job: str) -> str:
    """Path of ``jobs/<job>.py`` as installed (editable checkout or site-packages)."""
    spec = importlib.util.find_spec(f"jobs.{job}")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"privlake job {job!r} is not installed")
    return spec.origin


def static_spark_conf() -> dict[str, str]:
    """Settings that must be given to spark-submit (the JVM reads them at launch)."""
    from privlake.spark import BASE_CONF

    python = sys.executable
    return {**BASE_CONF, "spark.pyspark.python": python, "spark.pyspark.driver.python": python}


def spark_submit_defaults() -> dict[str, Any]:
    """SparkSubmitOperator settings every privlake task shares: the connection, the Maven
    packages (a macro, so the config is read at run time) and the launch-time settings."""
    return {
        "conn_id": SPARK_CONN_ID,
        "packages": "{{ privlake_packages() }}",
        "conf": static_spark_conf(),
        "verbose": False,
    }


def submit_packages() -> str:
    """Comma-separated Maven packages for ``--packages`` (a template macro: reads the config)."""
    from privlake.config import load_config
    from privlake.spark import submit_packages as packages

    return ",".join(packages(load_config()))


def dataset_arguments(day: str, *, snapshots: bool) -> list[list[str]]:
    """``privlake run`` arguments for each configured snapshot dataset (``snapshots=True``)
    or each other dataset, in the configuration's order (a task: reads the config)."""
    from privlake.config import load_config
    from privlake.pipeline import datasets_in_run_order

    return [
        ["--dataset", d.name, "--date", day]
        for d in datasets_in_run_order(load_config())
        if d.snapshot == snapshots
    ]


MACROS = {"privlake_packages": submit_packages}


# An asset event's ``extra`` key for the dates its update covers. A run the asset triggered
# has no logical date in Airflow 3, so a DAG that is itself asset-triggered (``aggregate``)
# names its dates here for the DAGs its asset triggers next (``publish``).
DATES_EXTRA = "dates"


def event_dates(event: Any) -> list[str]:
    """The dates an asset event's update covers: those its producer named in ``extra``, else
    the logical date of the run that produced it; none for an update from outside a DAG run."""
    named = (getattr(event, "extra", None) or {}).get(DATES_EXTRA)
    if named:
        return [dt.date.fromisoformat(str(day)).isoformat() for day in named]
    run = event.source_dag_run
    if run is not None and run.logical_date is not None:
        return [run.logical_date.date().isoformat()]
    return []


def dates_to_aggregate(
    date_param: str | None, logical_date: dt.datetime | None, triggering_asset_events: Any
) -> list[str]:
    """The dates (YYYY-MM-DD) an asset-scheduled run (``aggregate``, ``publish``) works on.

    The ``date`` param when given; else the run's logical date (a manual or test run);
    else, for a run an asset triggered (no logical date in Airflow 3), the dates of every
    triggering event (``event_dates``), once each.
    """
    if date_param:
        return [dt.date.fromisoformat(str(date_param)).isoformat()]
    if logical_date is not None:
        return [logical_date.date().isoformat()]
    days = {
        day
        for events in (triggering_asset_events or {}).values()
        for event in events
        for day in event_dates(event)
    }
    if not days:
        raise ValueError("no date to aggregate: trigger with the 'date' param or a logical date")
    return sorted(days)


def publish_arguments(
    date_param: str | None, logical_date: dt.datetime | None, triggering_asset_events: Any
) -> list[list[str]]:
    """``privlake publish`` arguments: one per configured destination and date (a task: reads
    the config). The dates are found as an ``aggregate`` run finds its own (the param, the
    logical date, or the logical dates of the runs whose gold updates triggered this one)."""
    from privlake.config import load_config

    try:
        days = dates_to_aggregate(date_param, logical_date, triggering_asset_events)
    except ValueError:
        raise ValueError("no date to publish: trigger with the 'date' param or a logical date") from None
    names = sorted(load_config().publish.destinations)
    return [["--date", day, "--to", name] for name in names for day in days]

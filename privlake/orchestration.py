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


def submit_packages() -> str:
    """Comma-separated Maven packages for ``--packages`` (a template macro: reads the config)."""
    from privlake.config import load_config
    from privlake.spark import submit_packages as packages

    return ",".join(packages(load_config()))


def dataset_names() -> list[str]:
    """Configured datasets, snapshots first: their identifiers feed the others' deny lists."""
    from privlake.config import load_config

    datasets = load_config().datasets.values()
    return [d.name for d in sorted(datasets, key=lambda d: not d.snapshot)]


MACROS = {"privlake_packages": submit_packages}

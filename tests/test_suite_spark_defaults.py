"""The suite's Spark settings for tiny tables (tests/conftest.py) reach the JVMs it starts:
the session's, and a spark-submit's, which the Airflow tests run for each task."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pyspark.sql import SparkSession

from tests.conftest import SUITE_SPARK_DEFAULTS


def test_the_session_runs_with_the_suite_settings(spark: SparkSession) -> None:
    assert {key: spark.conf.get(key) for key in SUITE_SPARK_DEFAULTS} == SUITE_SPARK_DEFAULTS


def test_spark_submit_reads_the_suite_settings() -> None:
    # spark-submit --verbose prints the properties it loaded, before it starts the application
    submit = Path(sys.executable).with_name("spark-submit")
    result = subprocess.run(
        [str(submit), "--verbose", "--master", "local[1]", "--class", "no.such.Main", "spark-internal"],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    loaded = result.stdout + result.stderr
    assert os.environ["SPARK_CONF_DIR"] in loaded, loaded[-2000:]
    for key, value in SUITE_SPARK_DEFAULTS.items():
        assert f"({key},{value})" in loaded, loaded[-2000:]

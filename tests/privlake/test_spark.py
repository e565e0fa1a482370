"""The session factory gives a working Delta session with privlake's settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pyspark.sql import SparkSession

from privlake.config import load_config
from privlake.spark import delta_package, submit_packages
from tests.conftest import CONFIG


def test_session_writes_and_reads_delta_with_history(spark: SparkSession, tmp_path: Path) -> None:
    path = str(tmp_path / "t")
    spark.range(3).write.format("delta").save(path)
    spark.range(5).write.format("delta").mode("overwrite").save(path)
    assert spark.read.format("delta").load(path).count() == 5
    assert spark.read.format("delta").option("versionAsOf", 0).load(path).count() == 3
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert os.environ["PYSPARK_PYTHON"] == sys.executable


def test_python_workers_run_this_interpreter(spark: SparkSession) -> None:
    def interpreter(_: object) -> str:
        import sys

        return sys.executable

    assert spark.sparkContext.parallelize([1, 2], 2).map(interpreter).distinct().collect() == [sys.executable]


def test_submit_packages_name_the_delta_jar() -> None:
    assert delta_package().startswith("io.delta:delta-spark_4.2_2.13:")
    assert submit_packages(load_config(CONFIG))[0] == delta_package()

"""The session factory gives a working Delta session with privlake's settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from privlake.config import PrivlakeConfig, load_config
from privlake.spark import HADOOP_AWS_PACKAGE, delta_package, spark_conf, submit_packages
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


def _on_s3(**s3: object) -> PrivlakeConfig:
    config = load_config(CONFIG)
    return config.model_copy(
        update={
            "landing_root": "s3://lake/landing",
            "warehouse_root": "s3a://lake/warehouse",
            "s3": config.s3.model_copy(update=s3),
        }
    )


def test_local_roots_need_no_s3a() -> None:
    config = load_config(CONFIG)
    assert HADOOP_AWS_PACKAGE not in submit_packages(config)
    assert not any(k.startswith("spark.hadoop.fs.s3") for k in spark_conf(config))


def test_s3_roots_bring_s3a_with_endpoint_and_credentials_from_the_named_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LAKE_KEY", "AKIDEXAMPLE")
    monkeypatch.setenv("LAKE_SECRET", "wJalrXUtnFEMI")
    config = _on_s3(
        endpoint_url="http://127.0.0.1:8333",
        path_style_access=True,
        region="eu-central-1",
        access_key_env="LAKE_KEY",
        secret_key_env="LAKE_SECRET",
    )
    assert submit_packages(config) == [delta_package(), HADOOP_AWS_PACKAGE]
    conf = spark_conf(config)
    assert conf["spark.hadoop.fs.s3.impl"] == "org.apache.hadoop.fs.s3a.S3AFileSystem"
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.0.1:8333"
    assert conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "false"
    assert conf["spark.hadoop.fs.s3a.path.style.access"] == "true"
    assert conf["spark.hadoop.fs.s3a.endpoint.region"] == "eu-central-1"
    assert conf["spark.hadoop.fs.s3a.access.key"] == "AKIDEXAMPLE"
    assert conf["spark.hadoop.fs.s3a.secret.key"] == "wJalrXUtnFEMI"


def test_without_credentials_s3a_uses_its_default_provider_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    conf = spark_conf(_on_s3())
    assert "spark.hadoop.fs.s3a.endpoint" not in conf  # AWS itself
    assert not any(k.endswith((".access.key", ".secret.key", "credentials.provider")) for k in conf)


def test_an_explicit_hadoop_aws_package_is_not_doubled() -> None:
    config = _on_s3()
    config = config.model_copy(
        update={
            "spark": config.spark.model_copy(update={"packages": ("org.apache.hadoop:hadoop-aws:3.5.0",)})
        }
    )
    assert submit_packages(config).count("org.apache.hadoop:hadoop-aws:3.5.0") == 1


def test_the_jvm_runs_the_throughput_garbage_collector(spark: SparkSession) -> None:
    management = spark.sparkContext._jvm.java.lang.management.ManagementFactory  # type: ignore[union-attr]
    collectors = {bean.getName() for bean in management.getGarbageCollectorMXBeans()}
    assert collectors == {"PS Scavenge", "PS MarkSweep"}

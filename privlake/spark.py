"""The one Spark session factory every job, test and benchmark uses.

Delta Lake's SQL extension and catalog are always on; its jars come from Maven Central
through ``spark.jars.packages`` (``configure_spark_with_delta_pip``) and are cached by Ivy.
Under ``spark-submit`` the JVM already exists, so packages must be passed on the command
line instead (``submit_packages`` gives the list the DAGs hand to SparkSubmitOperator);
the builder then only adds settings. Python workers run the same interpreter as the
driver, logs are quiet and the session time zone is UTC, so dates never depend on the
machine the job lands on.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from privlake.config import PrivlakeConfig, S3Config
from privlake.publish.targets import s3_destination_buckets
from privlake.residency import require_deployment_region
from privlake.storage import is_s3

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Hadoop's S3A connector must match the Hadoop client bundled in pyspark (3.5.0 in 4.2.0).
HADOOP_AWS_PACKAGE = "org.apache.hadoop:hadoop-aws:3.5.0"

BASE_CONF: dict[str, str] = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # Arrow batches feed Presidio; 2,000 rows keeps a batch's text well under 10 MB.
    "spark.sql.execution.arrow.maxRecordsPerBatch": "2000",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # Dynamic partition overwrite is never used: every write names its partition.
    "spark.databricks.delta.schema.autoMerge.enabled": "false",
    # Tests and demos shrink the history window; production keeps the 7-day safety check.
    "spark.databricks.delta.retentionDurationCheck.enabled": "false",
    # Batch jobs want throughput, not short pauses: Java's parallel collector instead of G1,
    # whose concurrent threads compete with the tasks for the cores: 13% less wall time for
    # a cold privlake run at make bench's size (bench/README.md, sixth round). JVM options
    # apply at launch; a config's own extraJavaOptions replace these.
    "spark.driver.extraJavaOptions": "-XX:+UseParallelGC",
    "spark.executor.extraJavaOptions": "-XX:+UseParallelGC",
}


def delta_package() -> str:
    """The Maven coordinate of the Delta jar matching the installed delta-spark."""
    from importlib.metadata import version

    import pyspark

    spark_minor = ".".join(pyspark.__version__.split(".")[:2])
    return f"io.delta:delta-spark_{spark_minor}_2.13:{version('delta_spark')}"


def uses_s3(config: PrivlakeConfig) -> bool:
    """Whether the landing or warehouse root, or a publish destination, is an S3 URI
    (s3://, s3a://, s3n://)."""
    roots = (
        config.landing_root,
        config.warehouse_root,
        *(d.root for d in config.publish.destinations.values()),
    )
    return any(is_s3(root) for root in roots)


def extra_packages(config: PrivlakeConfig) -> list[str]:
    """The config's packages, plus Hadoop's S3A connector when a root lives on S3."""
    packages = list(config.spark.packages)
    if uses_s3(config) and not any(p.startswith("org.apache.hadoop:hadoop-aws:") for p in packages):
        packages.append(HADOOP_AWS_PACKAGE)
    return packages


def submit_packages(config: PrivlakeConfig) -> list[str]:
    """Maven packages a ``spark-submit`` of a privlake job needs (``--packages``)."""
    return [delta_package(), *extra_packages(config)]


def s3a_conf(config: PrivlakeConfig) -> dict[str, str]:
    """Hadoop S3A settings from ``config.s3``; credentials from the environment variables it names.

    ``s3://`` and ``s3n://`` URIs are served by S3A too, so a landing root written for boto3
    (``s3://bucket/landing``) reads the same objects in Spark. Without credentials in the
    environment S3A falls back to its default provider chain (instance profile, web
    identity), which is what a cluster on AWS uses.
    """
    if not uses_s3(config):
        return {}
    conf = {
        "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3n.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        **_s3a_settings(config.s3, "spark.hadoop.fs.s3a."),
    }
    # A publish destination may be another endpoint, account or region than the lake: S3A's
    # per-bucket settings (fs.s3a.bucket.<bucket>.*) override the lake's for its bucket only.
    for bucket, s3 in s3_destination_buckets(config).items():
        conf.update(_s3a_settings(s3, f"spark.hadoop.fs.s3a.bucket.{bucket}."))
    return conf


def _s3a_settings(s3: S3Config, prefix: str) -> dict[str, str]:
    """S3A settings of one S3 section under ``prefix`` (global or one bucket's)."""
    conf = {
        f"{prefix}endpoint.region": s3.region,
        f"{prefix}path.style.access": str(s3.path_style_access).lower(),
    }
    if s3.endpoint_url:
        conf[f"{prefix}endpoint"] = s3.endpoint_url
        conf[f"{prefix}connection.ssl.enabled"] = str(s3.endpoint_url.startswith("https://")).lower()
    access_key = os.environ.get(s3.access_key_env)
    secret_key = os.environ.get(s3.secret_key_env)
    if access_key and secret_key:
        conf[f"{prefix}access.key"] = access_key
        conf[f"{prefix}secret.key"] = secret_key
        conf[f"{prefix}aws.credentials.provider"] = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
    return conf


def spark_conf(config: PrivlakeConfig) -> dict[str, str]:
    """Every Spark setting privlake applies: base, then S3A, then the config's own."""
    conf = dict(BASE_CONF)
    conf["spark.sql.shuffle.partitions"] = str(config.spark.shuffle_partitions)
    conf.update(s3a_conf(config))
    conf.update(config.spark.conf)
    return conf


def get_spark(config: PrivlakeConfig, app_name: str | None = None) -> SparkSession:
    """A Delta-enabled SparkSession (reused if one is already running in this process).

    Every job that touches the lake starts here, so the residency check is here too, before
    the JVM: a deployment whose buckets are in another region (or whose residency table is
    invalid) stops with a bad-configuration error and no Spark is started
    (``privlake.residency.require_deployment_region``; cached, so a second session asks no
    bucket again)."""
    require_deployment_region(config)
    # Workers must import the same packages as the driver (presidio, privlake, ...).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from delta.pip_utils import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name or config.spark.app_name)
    if not _running_under_spark_submit():
        builder = builder.master(config.spark.master)
    for key, value in spark_conf(config).items():
        builder = builder.config(key, value)
    if not _running_under_spark_submit():
        builder = configure_spark_with_delta_pip(builder, extra_packages=extra_packages(config))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _running_under_spark_submit() -> bool:
    # spark-submit launches Python with the gateway already open.
    return "PYSPARK_GATEWAY_PORT" in os.environ

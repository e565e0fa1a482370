"""Build step of docker/Dockerfile: fill the image's Ivy cache with the jobs' Spark packages.

DAG tasks run ``spark-submit --packages <delta>,<hadoop-aws>``; Ivy resolves those from its
cache (``spark.jars.ivy`` in SPARK_CONF_DIR/spark-defaults.conf) before it asks Maven
Central, so resolving them once here lets containers start without Maven access. The
package list is privlake's own (``privlake.spark.submit_packages`` over the config in
PRIVLAKE_CONFIG), the one the DAGs pass, so the cache cannot miss a package the jobs ask for.

A local Delta-enabled session made by ``privlake.spark.get_spark`` does the resolution, then
proves the jars work: it writes and reads a Delta table and loads the S3A file system class.
Before that it checks the layout the stack relies on (Java, SPARK_HOME, the Python the
executors run), so a changed base image fails the build instead of the first DAG run.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def check_layout() -> None:
    """Fail the build when the image does not look the way compose.yaml expects."""
    problems = []
    java = Path(os.environ.get("JAVA_HOME", "")) / "bin" / "java"
    if not java.is_file():
        problems.append(f"JAVA_HOME does not hold a java binary ({java})")
    spark_class = Path(os.environ.get("SPARK_HOME", "")) / "bin" / "spark-class"
    if not spark_class.is_file():
        problems.append(f"SPARK_HOME does not hold pyspark's launcher ({spark_class})")
    # DAG tasks hand sys.executable to spark-submit as spark.pyspark.python; the worker
    # (same image) must have the interpreter at that path.
    if os.environ.get("PYSPARK_PYTHON") != sys.executable:
        problems.append(f"PYSPARK_PYTHON={os.environ.get('PYSPARK_PYTHON')!r} is not {sys.executable!r}")
    if problems:
        sys.exit("image layout check failed:\n  " + "\n  ".join(problems))


def main() -> int:
    check_layout()

    from privlake.config import load_config
    from privlake.spark import get_spark, submit_packages

    config = load_config()
    packages = submit_packages(config)
    print(f"resolving {', '.join(packages)} from {config.source}", flush=True)
    # Build time has no cluster: a one-core local session resolves the same packages.
    local = config.model_copy(update={"spark": config.spark.model_copy(update={"master": "local[1]"})})
    spark = get_spark(local, app_name="privlake-image-build")
    try:
        jars = [j for j in spark.sparkContext.getConf().get("spark.jars", "").split(",") if j]
        print(f"{len(jars)} jars cached under {spark.sparkContext.getConf().get('spark.jars.ivy', '~')}")
        with tempfile.TemporaryDirectory() as tmp:
            table = f"{tmp}/probe"
            spark.range(3).write.format("delta").save(table)
            rows = spark.read.format("delta").load(table).count()
            if rows != 3:
                sys.exit(f"Delta round trip read {rows} rows, expected 3")
        loader = spark.sparkContext._jvm.java.lang.Thread.currentThread().getContextClassLoader()  # type: ignore[union-attr]
        loader.loadClass("org.apache.hadoop.fs.s3a.S3AFileSystem")
    finally:
        spark.stop()
    print("Delta and S3A load from the Ivy cache")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

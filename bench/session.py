"""Spark sessions of ``make bench``: each approach in a JVM of its own, timed by ``measure``.

Each session starts a fresh JVM and fresh Python workers, so neither compiled code nor
loaded engines carry over from one approach to the next; a session may first run the same
untimed warm-up as every other (``bench.approaches.warm_up``). ``measure`` runs an approach
with the clock and the process-tree sampler on.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from bench.approaches import StepLog, warm_up
from bench.process_tree import ProcessTreeSampler
from bench.report import ApproachResult
from privlake.config import PrivlakeConfig, load_config

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from privlake.pseudonym import PseudonymKey

DAY = dt.date(2026, 11, 28)
# Used only when the configured key variable is unset: benchmark pseudonyms need not be secret.
FIXED_BENCH_KEY = "bench-key-not-secret-0123456789abcdef"
FIXED_BENCH_KEY_ID = "bench-fixed"


def bench_config(root: Path, master: str) -> PrivlakeConfig:
    """The shipped configuration with its lake under ``root`` and the given Spark master."""
    os.environ["PRIVLAKE_LANDING_ROOT"] = str(root / "landing")
    os.environ["PRIVLAKE_WAREHOUSE_ROOT"] = str(root / "warehouse")
    config = load_config(None)
    return config.model_copy(update={"spark": config.spark.model_copy(update={"master": master})})


@contextmanager
def spark_session(
    config: PrivlakeConfig, app_name: str, warm_up_dir: Path | None = None
) -> Iterator[SparkSession]:
    """A session in a JVM of its own, so each approach starts with fresh Python workers and
    nothing compiled by the approaches before it.

    With ``warm_up_dir``, the session first reads a landing dataset and writes it to Delta
    there, untimed: every timed approach gets the same warm-up, so none is charged for the
    JVM's class loading and JIT of the JSON reader and the Delta writer that all share.
    """
    from privlake.spark import get_spark

    spark = get_spark(config, app_name=app_name)
    jvm = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()  # type: ignore[union-attr]
    try:
        if warm_up_dir is not None:
            warm_up(spark, config, DAY, warm_up_dir)
        yield spark
    finally:
        spark.stop()
        stop_jvm()
        # The next session must start a JVM of its own: a run whose JVM outlived its session
        # would charge each approach for the ones before it, so it is no measurement.
        if psutil.pid_exists(jvm) and psutil.Process(jvm).status() != psutil.STATUS_ZOMBIE:
            raise RuntimeError(f"the JVM of bench session {app_name!r} (pid {jvm}) outlived it")


def stop_jvm() -> None:
    """End the JVM behind the stopped session, so the next session launches a new one.

    PySpark keeps its gateway JVM for the life of the Python process and reuses it for
    every later session: without this, the scaled run would reuse the code the JVM compiled
    for the run at N, and each approach the warm-up of the ones before it. The JVM exits
    when its standard input closes.
    """
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    if gateway is None:
        return
    gateway.shutdown()
    process = getattr(gateway, "proc", None)
    if process is not None and process.stdin is not None:
        process.stdin.close()
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    SparkContext._gateway = None
    SparkContext._jvm = None


def measure(name: str, rows: int, action: Callable[[StepLog], None]) -> ApproachResult:
    """Run ``action`` (the approach, recording its steps) with the clock and the process-tree
    sampler on."""
    print(f"[bench] {name}: {rows:,} rows ...", flush=True)
    with ProcessTreeSampler() as sampler:
        log = StepLog(sampler.cpu_by_role)
        started = time.perf_counter()
        action(log)
        seconds = time.perf_counter() - started
    result = ApproachResult(name, rows, seconds, sampler.result, log.steps)
    print(f"[bench] {name}: {seconds:.1f} s, {result.rows_per_second:,.0f} rows/s", flush=True)
    return result


def failure_summary(exc: BaseException) -> str:
    """The failing step and error class; never the message, which may quote data."""
    step = next(
        (
            n.removeprefix("bench step: ")
            for n in getattr(exc, "__notes__", ())
            if n.startswith("bench step: ")
        ),
        "?",
    )
    cause = "OutOfMemoryError (Java heap space)" if "OutOfMemoryError" in str(exc) else type(exc).__name__
    return f"{step}: {cause}"


def pseudonym_key(config: PrivlakeConfig) -> PseudonymKey:
    from privlake.keys import pseudonym_key

    if not os.environ.get(config.keys.pseudonym_key_env):
        os.environ[config.keys.pseudonym_key_env] = FIXED_BENCH_KEY
        os.environ[config.keys.pseudonym_key_id_env] = FIXED_BENCH_KEY_ID
    return pseudonym_key(config)


def environment(config: PrivlakeConfig) -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "spark_master": config.spark.master,
        "shuffle_partitions": config.spark.shuffle_partitions,
        "python": platform.python_version(),
        "pyspark": version("pyspark"),
        "delta_spark": version("delta_spark"),
        "presidio_analyzer": version("presidio_analyzer"),
        "spacy_model": config.deidentify.spacy_model,
        "platform": platform.platform(),
    }

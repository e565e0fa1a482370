"""``make bench``: privlake against Presidio's Spark sample and a plain copy, on this machine.

    python -m bench.bench [--rows N] [--sample S] [--scale K] [--quick] [--accounts A]
                          [--seed S] [--workdir DIR] [--out DIR] [--date YYYY-MM-DD]

Generates one day of sample data (N device_logs rows, N/2 usage_history rows, one
accounts snapshot) and, each in a fresh local Spark session and JVM (``local[2]`` by
default) so neither Python workers nor compiled code carry over from one approach to the
next, times:

(a) copy: landing JSON to Delta, no transformation (the floor);
(b) Presidio's Spark sample (a pandas UDF calling ``analyze`` and ``anonymize`` per row,
    default recognizers, the configured spaCy model) on the free-text columns of a
    deterministic sample of S rows: at tens of rows per second per core, all N rows
    would take hours;
(c) privlake: ``ingest`` and ``deidentify`` of every dataset;
and, unless ``--quick``, (c) again on a day K times larger, to show how cost grows.

For each it records wall time, rows per second, and the peak RSS of the Python workers;
for (b) and (c) the share of planted free-text values that survive (from the generator's
ground truth; (c) both on (b)'s sample rows and on all rows). Results go to
``<out>/<date>.json`` and ``<out>/<date>.md``; the markdown is also printed. No personal
value is ever printed: only counts. Timing targets are reported, not asserted; the run's
plumbing is (``bench/checks.py``): a run whose results fail a check exits 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from bench.approaches import (
    StepLog,
    copy_baseline,
    presidio_reference,
    privlake_pipeline,
    sample_sizes,
    warm_up,
    write_sample,
)
from bench.checks import check_files
from bench.process_tree import ProcessTreeSampler
from bench.report import COPY, PRESIDIO, PRIVLAKE, PRIVLAKE_SCALED, ApproachResult, BenchReport
from bench.survival import free_text_fields, free_text_rows, free_text_truth, survival
from bench.workdir import fresh_workdir
from privlake.config import PrivlakeConfig, load_config
from privlake.evaluate import score
from privlake.generator import DEVICE_LOGS, USAGE_HISTORY, GenerationSummary, generate_day

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from privlake.pseudonym import PseudonymKey

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORKDIR = REPO / "work" / "bench"
DEFAULT_OUT = REPO / "bench" / "results"
DAY = dt.date(2026, 11, 28)
# Used only when the configured key variable is unset: benchmark pseudonyms need not be secret.
FIXED_BENCH_KEY = "bench-key-not-secret-0123456789abcdef"
FIXED_BENCH_KEY_ID = "bench-fixed"
MEASURED = (DEVICE_LOGS, USAGE_HISTORY)  # the datasets whose rows are counted


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="device_logs rows N (usage_history: N/2)")
    parser.add_argument("--sample", type=int, default=3_000, help="rows the Presidio sample approach scrubs")
    parser.add_argument("--scale", type=int, default=4, help="(c) also runs on scale x N rows")
    parser.add_argument("--quick", action="store_true", help="skip the scaled run (for a smoke test)")
    parser.add_argument("--accounts", type=int, default=None, help="default: N/100, at least 20")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--master", default="local[2]", help="Spark master (the targets assume local[2])")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="wiped and recreated")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where <date>.json and .md go")
    parser.add_argument("--date", default=None, help="results file name (default: today, UTC)")
    args = parser.parse_args(argv)
    if args.rows < 10 or args.sample < 1 or args.scale < 1:
        parser.error("--rows must be at least 10, --sample and --scale at least 1")
    return args


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


def generate(root: Path, rows: int, accounts: int, seed: int, truth: bool = True) -> GenerationSummary:
    summary = generate_day(
        root / "landing", DAY, accounts=accounts, rows=rows, seed=seed, truth_dir=root / "truth"
    )
    if not truth:  # the scaled run is not scored; its truth would only fill the disk
        shutil.rmtree(root / "truth")
    return summary


def measured_rows(summary: GenerationSummary) -> dict[str, int]:
    return {name: summary.rows[name] for name in MEASURED}


def run(args: argparse.Namespace) -> BenchReport:
    """Every approach in turn; the results files are rewritten after each one, so a run that
    is stopped early (the scaled run is long) still leaves what it measured."""
    # Python workers import bench.presidio_sample; they inherit PYTHONPATH from the JVM.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    workdir = fresh_workdir(args.workdir, "bench.bench")
    accounts = args.accounts or max(20, args.rows // 100)
    base = workdir / "n"
    config = bench_config(base, args.master)
    key = _pseudonym_key(config)
    score_day = partial(score, config=config, key=key, day=DAY)

    print(f"[bench] generating {args.rows:,} device_logs rows, {accounts:,} accounts", flush=True)
    summary = generate(base, args.rows, accounts, args.seed)
    rows = measured_rows(summary)
    sizes = sample_sizes(rows, args.sample)
    workload = {
        "device_logs_rows": rows[DEVICE_LOGS],
        "usage_history_rows": rows[USAGE_HISTORY],
        "accounts": accounts,
        "seed": args.seed,
        "presidio_sample_rows": sum(sizes.values()),
        "presidio_sample_by_dataset": sizes,
        "scale": args.scale,
        "quick": args.quick,
    }
    report = BenchReport(
        args.date or dt.datetime.now(dt.UTC).date().isoformat(),
        workload,
        _environment(config),
        {},
        args.scale,
    )
    results = report.results

    with spark_session(config, "bench-copy", base / "warm-up") as spark:
        results[COPY] = measure(
            COPY, sum(rows.values()), lambda steps: copy_baseline(steps, spark, config, DAY, base / "copy")
        )
    report.write(args.out)

    with spark_session(config, "bench-sample") as spark:
        sample_keys = write_sample(spark, config, DAY, sizes, base / "sample")

    truth = free_text_truth(summary.truth_path, config)
    with spark_session(config, "bench-presidio", base / "warm-up") as spark:
        reference = measure(
            PRESIDIO,
            sum(sizes.values()),
            lambda steps: presidio_reference(
                steps, spark, config, list(sizes), base / "sample", base / "presidio"
            ),
        )
        reference.survival = survival(
            truth, _tables(spark, config, base / "presidio"), score_day, only_rows=sample_keys
        )
        reference.notes.append(
            f"a deterministic sample of {sum(sizes.values()):,} rows "
            f"({', '.join(f'{n} {s:,}' for n, s in sizes.items())}); engines load once per worker, "
            "inside the timed steps"
        )
        results[PRESIDIO] = reference
    report.write(args.out)

    with spark_session(config, "bench-privlake", base / "warm-up") as spark:
        ours = measure(
            PRIVLAKE, sum(rows.values()), lambda steps: privlake_pipeline(steps, spark, config, DAY, key)
        )
        silver = _tables(spark, config, None)
        ours.survival = survival(truth, silver, score_day)
        ours.survival_on_sample = survival(truth, silver, score_day, only_rows=sample_keys)
        results[PRIVLAKE] = ours
    del truth, silver
    report.write(args.out)

    if not args.quick:
        scaled_root = workdir / f"n{args.scale}"
        scaled_config = bench_config(scaled_root, args.master)
        print(f"[bench] generating {args.scale}x N for the scaled run", flush=True)
        scaled_rows = measured_rows(
            generate(scaled_root, args.rows * args.scale, accounts * args.scale, args.seed, truth=False)
        )
        try:
            with spark_session(scaled_config, "bench-privlake-scaled", scaled_root / "warm-up") as spark:
                results[PRIVLAKE_SCALED] = measure(
                    PRIVLAKE_SCALED,
                    sum(scaled_rows.values()),
                    lambda steps: privlake_pipeline(steps, spark, scaled_config, DAY, key),
                )
        except Exception as exc:  # a failure at scale is a finding: record it, keep the rest
            report.failures[PRIVLAKE_SCALED] = failure_summary(exc)
            print(f"[bench] {PRIVLAKE_SCALED} failed: {report.failures[PRIVLAKE_SCALED]}", flush=True)
        report.write(args.out)
    return report


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


def _tables(
    spark: SparkSession, config: PrivlakeConfig, root: Path | None
) -> dict[str, list[dict[str, list[str]]]]:
    """Key and free-text columns of each dataset's output: silver when ``root`` is None."""
    from pyspark.sql import functions as F

    tables = {}
    for name, columns in free_text_fields(config).items():
        dataset = config.dataset(name)
        if root is None:
            df = (
                spark.read.format("delta")
                .load(config.table_path("silver", name))
                .where(F.col("dt") == F.lit(DAY))
            )
        else:
            if not (root / name).exists():
                continue
            df = spark.read.format("delta").load(str(root / name))
        tables[name] = free_text_rows(df, dataset.key, columns)
    return tables


def _pseudonym_key(config: PrivlakeConfig) -> PseudonymKey:
    from privlake.keys import pseudonym_key

    if not os.environ.get(config.keys.pseudonym_key_env):
        os.environ[config.keys.pseudonym_key_env] = FIXED_BENCH_KEY
        os.environ[config.keys.pseudonym_key_id_env] = FIXED_BENCH_KEY_ID
    return pseudonym_key(config)


def _environment(config: PrivlakeConfig) -> dict[str, object]:
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


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    report = run(args)
    json_path, md_path = report.write(args.out)
    print(report.markdown())
    print(f"[bench] wrote {json_path} and {md_path}")
    found = check_files(json_path, md_path)
    for problem in found:
        print(f"[bench] check failed: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

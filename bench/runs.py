"""One corpus's part of ``make bench``: its day at N, its small day, at K x N and at 16 x N.

At N: (a) the copy, (a2) the same zones, (b) Presidio's sample and (c) privlake, each in
a session and JVM of its own after the same untimed warm-up; (b) and (c) are scored for
surviving planted free text against the corpus's truth. At K x N (unless ``--quick``):
(a2), (b) on a sample K times larger, and (c), for the marginal figures. At 16 x N (only
with ``--huge``): (c). The small day (independent corpus only): one dataset-day of device
logs, cold (a fresh JVM, no warm-up), (b) on all its rows (or a sample, extrapolated)
and (c) ``run_dataset_day``; the accounts it needs first are run untimed before.

A failure of a run past N is a finding: it is recorded (step and error class, never the
message) and the rest goes on. The caller's ``save`` rewrites the results after each
session, so a run stopped early keeps what it measured.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.approaches import (
    StepLog,
    copy_baseline,
    presidio_reference,
    privlake_pipeline,
    sample_sizes,
    write_sample,
)
from bench.corpus import INDEPENDENT, CorpusDay, build_corpus_day
from bench.eval import pipeline_order
from bench.names import (
    COPY,
    PRESIDIO,
    PRESIDIO_SCALED,
    PRIVLAKE,
    PRIVLAKE_HUGE,
    PRIVLAKE_SCALED,
    SAME_ZONES,
    SAME_ZONES_SCALED,
    SMALL_PRESIDIO,
    SMALL_PRIVLAKE,
)
from bench.report import ApproachResult, CorpusReport
from bench.same_zones import same_zones_baseline
from bench.session import DAY, bench_config, failure_summary, measure, spark_session
from bench.survival import free_text_fields, free_text_rows, free_text_truth, survival
from privlake.config import PrivlakeConfig
from privlake.evaluate import score
from privlake.generator import DEVICE_LOGS
from privlake.pipeline import datasets_in_run_order

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from privlake.pseudonym import PseudonymKey


@dataclass(frozen=True)
class Plan:
    """What one ``make bench`` run measures (the command line, checked)."""

    rows: int
    sample: int
    scale: int
    quick: bool
    huge: int  # 0: no run at 16 x N
    accounts: int | None
    seed: int
    master: str
    small_day_rows: int
    small_day_sample: int  # 0: (b) on all of the small day's rows

    def accounts_for(self, rows: int) -> int:
        return self.accounts * rows // self.rows if self.accounts else max(20, rows // 100)


Save = Callable[[], None]


def run_corpus(
    name: str, plan: Plan, root: Path, key: PseudonymKey, corpus: CorpusReport, save: Save
) -> None:
    """Every run of ``plan`` on corpus ``name``, its results into ``corpus``."""
    base = root / "n"
    config = bench_config(base, plan.master)
    print(f"[bench] {name}: building {plan.rows:,} device_logs rows", flush=True)
    day = build_corpus_day(name, base, DAY, plan.rows, plan.accounts_for(plan.rows), plan.seed)
    sizes = sample_sizes(day.rows, plan.sample)
    corpus.workload.update(_workload(day, plan, sizes))
    if not plan.huge:
        corpus.skipped[PRIVLAKE_HUGE] = "--huge not given"
    at_n(corpus, config, base, day, sizes, key, save)
    if name == INDEPENDENT:  # before the long scaled runs: a run stopped early still has it
        try:
            small_day(corpus, plan, root.parent / "small-day", key, save)
        except Exception as exc:  # building or preparing the small day: a finding too
            for approach in (SMALL_PRESIDIO, SMALL_PRIVLAKE):
                if approach not in corpus.results:
                    corpus.failures[approach] = failure_summary(exc)
    if plan.quick:
        corpus.skipped.update({n: "--quick" for n in (SAME_ZONES_SCALED, PRESIDIO_SCALED, PRIVLAKE_SCALED)})
    else:
        scaled(corpus, plan, root, key, save)
    if plan.huge:
        huge(corpus, plan, root, key, save)
    save()


def _workload(day: CorpusDay, plan: Plan, sizes: dict[str, int]) -> dict[str, Any]:
    return {
        "device_logs_rows": day.rows[DEVICE_LOGS],
        "usage_history_rows": day.measured_rows - day.rows[DEVICE_LOGS],
        "accounts": day.accounts,
        "seed": plan.seed,
        "presidio_sample_rows": sum(sizes.values()),
        "presidio_sample_by_dataset": sizes,
        "scale": plan.scale,
        "quick": plan.quick,
        "huge": plan.huge,
    }


def at_n(
    corpus: CorpusReport,
    config: PrivlakeConfig,
    root: Path,
    day: CorpusDay,
    sizes: dict[str, int],
    key: PseudonymKey,
    save: Save,
) -> None:
    results, rows, order = corpus.results, day.measured_rows, pipeline_order(config)
    tag = f"bench-{corpus.corpus}"
    with spark_session(config, f"{tag}-copy", root / "warm-up") as spark:
        results[COPY] = measure(COPY, rows, lambda s: copy_baseline(s, spark, config, DAY, root / "copy"))
        sample_keys = write_sample(spark, config, DAY, sizes, root / "sample")  # untimed
    save()
    with spark_session(config, f"{tag}-same-zones", root / "warm-up") as spark:
        results[SAME_ZONES] = measure(
            SAME_ZONES, rows, lambda s: same_zones_baseline(s, spark, config, DAY, root / "same-zones", order)
        )
    save()
    assert day.truth_path is not None
    truth = free_text_truth(day.truth_path, config)
    scorer = partial(score, config=config, key=key, day=DAY)
    with spark_session(config, f"{tag}-presidio", root / "warm-up") as spark:
        reference = measure(
            PRESIDIO,
            sum(sizes.values()),
            lambda s: presidio_reference(s, spark, config, list(sizes), root / "sample", root / "presidio"),
        )
        reference.survival = survival(truth, _tables(spark, config, root / "presidio"), scorer, sample_keys)
        reference.notes.append(
            f"a deterministic sample of {sum(sizes.values()):,} rows "
            f"({', '.join(f'{n} {s:,}' for n, s in sizes.items())}); engines load once per worker, "
            "inside the timed steps"
        )
        results[PRESIDIO] = reference
    save()
    with spark_session(config, f"{tag}-privlake", root / "warm-up") as spark:
        ours = measure(PRIVLAKE, rows, lambda s: privlake_pipeline(s, spark, config, DAY, key))
        silver = _tables(spark, config, None)
        ours.survival = survival(truth, silver, scorer)
        ours.survival_on_sample = survival(truth, silver, scorer, only_rows=sample_keys)
        results[PRIVLAKE] = ours
    save()


def _attempt(corpus: CorpusReport, name: str, run: Callable[[], ApproachResult]) -> None:
    """``run`` as approach ``name``; a failure is recorded as a finding, the bench goes on."""
    try:
        corpus.results[name] = run()
    except Exception as exc:
        corpus.failures[name] = failure_summary(exc)
        print(f"[bench] {name} failed: {corpus.failures[name]}", flush=True)


def scaled(corpus: CorpusReport, plan: Plan, root: Path, key: PseudonymKey, save: Save) -> None:
    """(a2), (b) on a sample ``scale`` times larger, and (c), on a day ``scale`` times larger."""
    big = root / f"n{plan.scale}"
    config = bench_config(big, plan.master)
    rows = plan.rows * plan.scale
    print(f"[bench] {corpus.corpus}: building {rows:,} device_logs rows ({plan.scale}x N)", flush=True)
    day = build_corpus_day(corpus.corpus, big, DAY, rows, plan.accounts_for(rows), plan.seed, truth=False)
    sizes = sample_sizes(day.rows, plan.sample * plan.scale)
    corpus.workload["scaled_rows"] = day.measured_rows
    corpus.workload["scaled_presidio_sample_rows"] = sum(sizes.values())
    order, tag = pipeline_order(config), f"bench-{corpus.corpus}-x{plan.scale}"

    def floor() -> ApproachResult:
        with spark_session(config, f"{tag}-same-zones", big / "warm-up") as spark:
            target = big / "same-zones"
            result = measure(
                SAME_ZONES_SCALED,
                day.measured_rows,
                lambda s: same_zones_baseline(s, spark, config, DAY, target, order),
            )
            write_sample(spark, config, DAY, sizes, big / "sample")  # untimed
            return result

    def reference() -> ApproachResult:
        with spark_session(config, f"{tag}-presidio", big / "warm-up") as spark:
            return measure(
                PRESIDIO_SCALED,
                sum(sizes.values()),
                lambda s: presidio_reference(s, spark, config, list(sizes), big / "sample", big / "presidio"),
            )

    def ours() -> ApproachResult:
        with spark_session(config, f"{tag}-privlake", big / "warm-up") as spark:
            return measure(
                PRIVLAKE_SCALED, day.measured_rows, lambda s: privlake_pipeline(s, spark, config, DAY, key)
            )

    _attempt(corpus, SAME_ZONES_SCALED, floor)
    save()
    if SAME_ZONES_SCALED in corpus.failures:
        corpus.skipped[PRESIDIO_SCALED] = "its sample is written in the failed (a2) session"
    else:
        _attempt(corpus, PRESIDIO_SCALED, reference)
    save()
    _attempt(corpus, PRIVLAKE_SCALED, ours)
    save()
    shutil.rmtree(big, ignore_errors=True)


def huge(corpus: CorpusReport, plan: Plan, root: Path, key: PseudonymKey, save: Save) -> None:
    """(c) on a day ``plan.huge`` times N, with the default configuration."""
    big = root / f"n{plan.huge}"
    config = bench_config(big, plan.master)
    rows = plan.rows * plan.huge
    print(f"[bench] {corpus.corpus}: building {rows:,} device_logs rows ({plan.huge}x N)", flush=True)
    day = build_corpus_day(corpus.corpus, big, DAY, rows, plan.accounts_for(rows), plan.seed, truth=False)
    corpus.workload["huge_rows"] = day.measured_rows

    def ours() -> ApproachResult:
        with spark_session(config, f"bench-{corpus.corpus}-x{plan.huge}", big / "warm-up") as spark:
            return measure(
                PRIVLAKE_HUGE, day.measured_rows, lambda s: privlake_pipeline(s, spark, config, DAY, key)
            )

    _attempt(corpus, PRIVLAKE_HUGE, ours)
    save()
    shutil.rmtree(big, ignore_errors=True)


def small_day(corpus: CorpusReport, plan: Plan, root: Path, key: PseudonymKey, save: Save) -> None:
    """One dataset-day of device logs, cold: (b) on all rows (or its first rows) against (c).

    Two sessions, each a fresh JVM without warm-up. The accounts snapshot the device logs'
    run needs is run untimed in (b)'s session, after (b) was measured."""
    config = bench_config(root, plan.master)
    rows = plan.small_day_rows
    print(f"[bench] small day: building {rows:,} independent device_logs rows", flush=True)
    day = build_corpus_day(INDEPENDENT, root, DAY, rows, plan.accounts_for(rows), plan.seed, truth=False)
    logs = day.rows[DEVICE_LOGS]
    sample = min(plan.small_day_sample or logs, logs)
    corpus.workload["small_day_device_logs_rows"] = logs
    corpus.workload["small_day_presidio_rows"] = sample
    sample_root = root / "sample"
    first_lines(Path(config.landing_path(DEVICE_LOGS, DAY.isoformat())), sample_root / DEVICE_LOGS, sample)
    snapshots = [d.name for d in datasets_in_run_order(config) if d.snapshot]

    def reference() -> ApproachResult:
        started = time.perf_counter()
        with spark_session(config, "bench-small-day-presidio") as spark:
            start_up = time.perf_counter() - started
            try:
                result = measure(
                    SMALL_PRESIDIO,
                    sample,
                    lambda s: presidio_reference(
                        s, spark, config, [DEVICE_LOGS], sample_root, root / "presidio"
                    ),
                )
            finally:  # untimed: what (c)'s day needs first
                privlake_pipeline(StepLog(dict), spark, config, DAY, key, snapshots)
        return _cold(result, start_up)

    def ours() -> ApproachResult:
        started = time.perf_counter()
        with spark_session(config, "bench-small-day-privlake") as spark:
            start_up = time.perf_counter() - started
            result = measure(
                SMALL_PRIVLAKE, logs, lambda s: privlake_pipeline(s, spark, config, DAY, key, [DEVICE_LOGS])
            )
        return _cold(result, start_up)

    _attempt(corpus, SMALL_PRESIDIO, reference)
    save()
    _attempt(corpus, SMALL_PRIVLAKE, ours)
    save()
    shutil.rmtree(root, ignore_errors=True)


def _cold(result: ApproachResult, start_up: float) -> ApproachResult:
    result.notes.append(
        f"a fresh JVM and Python workers, no warm-up; session start-up {start_up:.1f} s, not counted"
    )
    return result


def first_lines(landing: Path, target: Path, count: int) -> None:
    """The first ``count`` lines of the landing files under ``landing`` (in name order), in
    one file under ``target``: the small day's input for (b), all of it or its head."""
    target.mkdir(parents=True, exist_ok=True)
    left = count
    with (target / "part-0000.jsonl").open("w", encoding="utf-8", newline="\n") as out:
        for path in sorted(landing.glob("*.jsonl")):
            with path.open(encoding="utf-8", newline="\n") as lines:
                for line in lines:
                    if left == 0:
                        return
                    out.write(line)
                    left -= 1


def _tables(
    spark: SparkSession, config: PrivlakeConfig, root: Path | None
) -> dict[str, list[dict[str, list[str]]]]:
    """Key and free-text columns of each dataset's output: silver when ``root`` is None."""
    from pyspark.sql import functions as F

    tables = {}
    for name, columns in free_text_fields(config).items():
        dataset = config.dataset(name)
        if root is None:
            path = config.table_path("silver", name)
            df = spark.read.format("delta").load(path).where(F.col("dt") == F.lit(DAY))
        else:
            if not (root / name).exists():
                continue
            df = spark.read.format("delta").load(str(root / name))
        tables[name] = free_text_rows(df, dataset.key, columns)
    return tables

"""The ways of getting one day of landing data into tables that ``make bench`` times.

* ``copy_baseline`` (a): landing JSON read with the declared schema and written to one
  Delta table as it is: no validation, no quarantine, no de-identification. The
  historical control.
* ``same_zones_baseline`` (a2): the zones privlake writes, with nothing privlake does in
  between: landing JSON to a bronze table of privlake's layout, then bronze to a silver
  table untransformed, per dataset (``bench.same_zones``). The floor of issue 19.
* ``presidio_reference`` (b): Presidio's Spark sample (``bench.presidio_sample``) over the
  free-text columns of a deterministic sample of the rows, written to Delta.
* ``privlake_pipeline`` (c): ``privlake.pipeline.run_dataset_day`` for every dataset,
  snapshots first, as the daily DAG runs it (one task per dataset); its ingest and
  de-identify are recorded as two steps (``steps_of_run``).

Each records its steps in the caller's ``StepLog``; the caller owns the Spark session and
the clock around it, so session start-up is never counted.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from bench.eval import pipeline_order
from privlake.config import DatasetConfig, PrivlakeConfig

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

    from privlake.pseudonym import PseudonymKey

CpuReading = Callable[[], dict[str, float]]
T = TypeVar("T")


@dataclass(frozen=True)
class Step:
    """One timed step: wall seconds and CPU seconds per process role (``bench.process_tree``)."""

    name: str
    seconds: float
    cpu_by_role: dict[str, float]


class StepLog:
    """The timed steps of one approach, in order.

    ``cpu`` reads the process tree's CPU seconds per role (a running
    ``ProcessTreeSampler.cpu_by_role``); each step records the difference across it.
    """

    def __init__(self, cpu: CpuReading) -> None:
        self._cpu = cpu
        self.steps: list[Step] = []

    def timed(self, name: str, action: Callable[..., T], *args: object) -> T:
        """Run ``action(*args)``, record it as step ``name``, return what it returned."""
        cpu_before = self._cpu()
        started = time.perf_counter()
        try:
            result = action(*args)
        except Exception as exc:
            exc.add_note(f"bench step: {name}")
            raise
        seconds = time.perf_counter() - started
        cpu_after = self._cpu()
        cpu = {role: cpu_after[role] - cpu_before[role] for role in cpu_after}
        self.steps.append(Step(name, seconds, cpu))
        return result


def landing_schema(dataset: DatasetConfig) -> StructType:
    """The dataset's declared columns, typed: what a landing line holds when it is valid."""
    from pyspark.sql import types as T

    from privlake.schema import spark_type

    return T.StructType([T.StructField(n, spark_type(s), True) for n, s in dataset.columns.items()])


def read_landing(
    spark: SparkSession, config: PrivlakeConfig, dataset: DatasetConfig, day: dt.date
) -> DataFrame:
    return spark.read.schema(landing_schema(dataset)).json(config.landing_path(dataset.name, day.isoformat()))


def free_text_columns(dataset: DatasetConfig) -> tuple[str, ...]:
    return tuple(name for name, spec in dataset.columns.items() if spec.role == "free_text")


def warm_up(spark: SparkSession, config: PrivlakeConfig, day: dt.date, scratch: Path) -> None:
    """Read a landing dataset and write Delta once, untimed: the first approach otherwise
    pays the JVM's class loading and JIT for every approach after it."""
    name = pipeline_order(config)[0]
    read_landing(spark, config, config.dataset(name), day).write.format("delta").mode("overwrite").save(
        str(scratch)
    )


# --- (a) copy baseline -------------------------------------------------------------------------


def copy_baseline(
    steps: StepLog, spark: SparkSession, config: PrivlakeConfig, day: dt.date, target: Path
) -> None:
    """Landing JSON of every dataset to a Delta table under ``target``, untransformed."""
    for name in pipeline_order(config):
        dataset = config.dataset(name)
        writer = read_landing(spark, config, dataset, day).write.format("delta").mode("overwrite")
        steps.timed(f"copy {name}", writer.save, str(target / name))


# --- (b) Presidio's Spark sample ---------------------------------------------------------------


def sample_sizes(rows: dict[str, int], sample: int) -> dict[str, int]:
    """``sample`` rows split across datasets in proportion to their row counts."""
    total = sum(rows.values())
    sizes = {name: round(sample * count / total) for name, count in rows.items()} if total else {}
    return {name: min(size, rows[name]) for name, size in sizes.items()}


def write_sample(
    spark: SparkSession, config: PrivlakeConfig, day: dt.date, sizes: dict[str, int], target: Path
) -> dict[str, list[str]]:
    """The first rows of each dataset by a hash of their key, saved as JSON under ``target``.

    Deterministic (same data, same sample) and spread over the whole day. Returns the
    sampled keys per dataset, for scoring.
    """
    from pyspark.sql import functions as F

    keys: dict[str, list[str]] = {}
    for name, size in sizes.items():
        dataset = config.dataset(name)
        sample = (
            read_landing(spark, config, dataset, day)
            .where(F.col(dataset.key).isNotNull())
            .dropDuplicates([dataset.key])
            .orderBy(F.xxhash64(dataset.key), dataset.key)
            .limit(size)
        )
        sample.write.mode("overwrite").json(str(target / name))
        keys[name] = [row[0] for row in spark.read.json(str(target / name)).select(dataset.key).collect()]
    return keys


def presidio_reference(
    steps: StepLog,
    spark: SparkSession,
    config: PrivlakeConfig,
    datasets: Sequence[str],
    sample_root: Path,
    target: Path,
) -> None:
    """Presidio's sample UDF over each sampled dataset's free-text columns, into Delta.

    The sample is one small file; it is spread over all cores first, as a job that wants
    its cores busy would, so the reference is not held back by a single partition.
    """
    from bench.presidio_sample import anonymize_free_text

    cores = spark.sparkContext.defaultParallelism
    for name in datasets:
        dataset = config.dataset(name)
        rows = (
            spark.read.schema(landing_schema(dataset))
            .json(str(sample_root / name))
            .repartition(cores)
            .transform(anonymize_free_text, free_text_columns(dataset), config.deidentify.spacy_model)
        )
        writer = rows.write.format("delta").mode("overwrite")
        steps.timed(f"presidio sample {name}", writer.save, str(target / name))


# --- (c) privlake ------------------------------------------------------------------------------


@contextmanager
def steps_of_run(steps: StepLog, pipeline: ModuleType) -> Iterator[None]:
    """While the block runs, ``pipeline``'s calls to ``ingest`` and ``deidentify`` are each
    recorded as a step (``ingest <dataset>``, ``deidentify <dataset>``): the fused run is
    called as it is, and its CPU is still split by step and by role."""
    ingest, deidentify = pipeline.ingest, pipeline.deidentify

    def timed_ingest(spark: Any, config: Any, name: str, *args: Any) -> Any:
        return steps.timed(f"ingest {name}", ingest, spark, config, name, *args)

    def timed_deidentify(spark: Any, config: Any, name: str, *args: Any) -> Any:
        return steps.timed(f"deidentify {name}", deidentify, spark, config, name, *args)

    pipeline.ingest, pipeline.deidentify = timed_ingest, timed_deidentify  # type: ignore[attr-defined]
    try:
        yield
    finally:
        pipeline.ingest, pipeline.deidentify = ingest, deidentify  # type: ignore[attr-defined]


def privlake_pipeline(
    steps: StepLog,
    spark: SparkSession,
    config: PrivlakeConfig,
    day: dt.date,
    key: PseudonymKey,
    datasets: Sequence[str] | None = None,
) -> None:
    """``run_dataset_day`` of every dataset (or of ``datasets``), snapshots first, as the
    daily DAG runs them."""
    from privlake import pipeline

    names = datasets or [d.name for d in pipeline.datasets_in_run_order(config)]
    with steps_of_run(steps, pipeline):
        for name in names:
            pipeline.run_dataset_day(spark, config, name, day, key)

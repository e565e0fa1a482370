"""Shared fixtures: one local SparkSession for the whole run, per-test lake roots, and lakes
that cost Spark jobs to build, built once per session (``daily_chain``) and copied by the
tests that change them (``copy_lake``)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from filelock import FileLock

# A helper module that test modules both import and load as a plugin (its session lake):
# registered before either, so pytest rewrites its asserts and does not warn.
pytest.register_assert_rewrite("tests.jobs.publish_lake")

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from app.demo_airflow import DagRunResult
    from privlake.generator import GenerationSummary

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "conf" / "privlake.yaml"
CHAIN_DAY = dt.date(2026, 11, 28)

# Airflow reads its configuration when first imported: point it at a throwaway home
# (SQLite metadata DB) and at this repository's dags/ before any test imports it. xdist
# workers inherit the controller's environment, so each takes a home of its own below it:
# two workers running dag.test() on one SQLite file break each other's DAG runs.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="privlake-airflow-"))
if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["AIRFLOW_HOME"] = str(Path(os.environ["AIRFLOW_HOME"]) / worker)
    Path(os.environ["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
os.environ.setdefault("AIRFLOW_CONN_SPARK_DEFAULT", '{"conn_type": "spark", "host": "local[2]"}')
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # spark-submit, weed
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
# Every JVM of the suite (the session's, each spark-submit's) lives seconds to minutes on
# tables of a few rows: the C2 compiler's threads then cost CPU that never pays back.
# Stopping at C1 took 20% off the CPU of test_restrict.py and test_retention.py (measured
# with the process tree's CPU, issue 22); production jobs keep the full JIT.
os.environ.setdefault("JDK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1")
# For the same reason, every JVM of the suite evaluates its queries interpreted: a test query
# reads a few rows, and generating and compiling its code (Janino, then the JIT) costs more
# than running it. Results are the same either way: Spark falls back to the interpreter
# whenever code generation fails. In three paired runs of a warm session's generate, ingest,
# de-identify and erase sequence (10 accounts, 90 log rows), code generation off took 5-12%
# less wall time than Spark's defaults, and the erasure's many small queries 8-39% less (issue
# 22; two of the pairs also had adaptive planning off, which alone did no better and is kept
# on). spark-defaults.conf in SPARK_CONF_DIR reaches the session's JVM and every
# spark-submit of the Airflow tests (tests/test_suite_spark_defaults.py); the xdist workers
# inherit the controller's folder, which PRIVLAKE_SUITE_SPARK_CONF_DIR marks as made.
SUITE_SPARK_DEFAULTS = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


def _suite_spark_conf_dir() -> str:
    """A copy of the user's SPARK_CONF_DIR (their log4j2 and defaults stay in force) with the
    suite's settings appended to spark-defaults.conf, where the last value of a key wins."""
    folder = Path(tempfile.mkdtemp(prefix="privlake-spark-conf-"))
    if (own := os.environ.get("SPARK_CONF_DIR")) and Path(own).is_dir():
        shutil.copytree(own, folder, dirs_exist_ok=True)
    defaults = folder / "spark-defaults.conf"
    kept = defaults.read_text() if defaults.exists() else ""
    added = "".join(f"{key} {value}\n" for key, value in SUITE_SPARK_DEFAULTS.items())
    defaults.write_text(f"{kept}\n{added}")
    return str(folder)


_made = os.environ.get("PRIVLAKE_SUITE_SPARK_CONF_DIR")
if _made is None or _made != os.environ.get("SPARK_CONF_DIR"):
    os.environ["SPARK_CONF_DIR"] = os.environ["PRIVLAKE_SUITE_SPARK_CONF_DIR"] = _suite_spark_conf_dir()

# Tests never use the real key: a fixed one makes pseudonyms reproducible across runs.
os.environ.setdefault("PRIVLAKE_PSEUDONYM_KEY", "test-key-not-secret-0123456789abcdef")
os.environ.setdefault("PRIVLAKE_PSEUDONYM_KEY_ID", "test-key-1")


def run_python(
    script: str, *args: str, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter from the repository root, for what must not
    touch the test process: which modules get imported, the GC's state, the JVM."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_config(tmp: Path, **overrides: object) -> Path:
    """A copy of the shipped config with its roots under ``tmp`` and top-level overrides."""
    raw = yaml.safe_load(CONFIG.read_text())
    raw["landing_root"] = str(tmp / "landing")
    raw["warehouse_root"] = str(tmp / "warehouse")
    raw["retention_rules"] = str(REPO / "retention_rules")
    raw["datasets"] = [str(CONFIG.parent / d) if isinstance(d, str) else d for d in raw["datasets"]]
    if "analytics" in raw:  # the shipped aggregates file, wherever the copy lives
        aggregates = str(CONFIG.parent / raw["analytics"]["aggregates"])
        raw["analytics"] = {**raw["analytics"], "aggregates": aggregates}
    if "residency" in raw:  # and the shipped residency table
        raw["residency"] = str(CONFIG.parent / raw["residency"])
    raw.update(overrides)
    path = tmp / "privlake.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


# Session builds, each with the xdist group of the tests that use it (`make test` runs
# `pytest -n N --dist loadgroup`): a group runs in one worker, so each build is made once.
# A test that uses two takes the first group listed: the S3 end-to-end test compares with the
# daily chain's lake, and the S3 publish test publishes the publish lake. The other S3 tests
# start a SeaweedFS server of their own in their worker (tests/s3_server.py).
SHARED_BUILDS = {"daily_chain": "daily-chain", "publish_lake": "publish", "s3_server": "s3"}


# tryfirst: xdist's worker turns each test's xdist_group mark into its node id's "@group"
# suffix in this same hook, so the marks must be on before its turn (tests/test_grouping.py).
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group the tests for xdist's ``loadgroup``. The tests of a shared session build join
    its group; a test that uses a module-scoped fixture (a lake its module builds once) stays
    with its module; any other test goes to whichever worker is free.

    The groups are handed out in the order of the items (`make test` passes
    ``--no-loadscope-reorder``; xdist would otherwise sort them by their number of tests):
    the shared builds first, the module lakes next, single tests last, so that no worker
    takes a long group when the other is nearly done. Without xdist (``pytest -p no:xdist``)
    the order is pytest's own."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    groups = {item.nodeid: _xdist_group(item) for item in items}
    for item in items:
        if group := groups[item.nodeid]:
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: _schedule_rank(groups[item.nodeid]))


def _schedule_rank(group: str | None) -> int:
    """0, 1, 2 for the shared builds in SHARED_BUILDS' order, 3 for a module's lake, 4 else."""
    builds = list(SHARED_BUILDS.values())
    if group in builds:
        return builds.index(group)
    return len(builds) if group else len(builds) + 1


def _xdist_group(item: pytest.Item) -> str | None:
    for fixture, group in SHARED_BUILDS.items():
        if fixture in getattr(item, "fixturenames", ()):
            return group
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.values() if info else ()
    if any(d.scope in ("package", "module", "class") for defs in definitions for d in defs):
        return item.nodeid.split("::", 1)[0]
    return None


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """One local session (and JVM) for every in-process test, sized for tiny tables: two
    cores, two shuffle partitions, no UI (privlake.spark), and Delta's small-table settings
    (privlake.delta.run_settings: its defaults of 50 snapshot partitions and 10,000 listing
    tasks dominate tables of a few rows). The shipped config's driver-memory cap is left out:
    test tables are small and the machine is shared."""
    from privlake.config import load_config
    from privlake.delta import run_settings
    from privlake.spark import get_spark

    shipped = load_config(CONFIG)
    settings = shipped.spark.model_copy(update={"master": "local[2]", "shuffle_partitions": 2, "conf": {}})
    config = shipped.model_copy(update={"spark": settings})
    # Ivy resolves the Delta package into ~/.ivy2 when a JVM starts: xdist workers take turns,
    # so two of them never download the same jar into the cache at once.
    with FileLock(Path.home() / ".ivy2.privlake-tests.lock"):
        session = get_spark(config, app_name="privlake-tests")
    for key, value in run_settings(session, config).items():
        session.conf.set(key, value)
    yield session
    session.stop()


@pytest.fixture()
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh landing + warehouse under tmp_path, and its config file in PRIVLAKE_CONFIG."""
    monkeypatch.delenv("PRIVLAKE_LANDING_ROOT", raising=False)
    monkeypatch.delenv("PRIVLAKE_WAREHOUSE_ROOT", raising=False)
    path = write_config(tmp_path)
    monkeypatch.setenv("PRIVLAKE_CONFIG", str(path))
    yield tmp_path


def bronze_frame(spark, dataset_name: str, rows: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    """A DataFrame with the bronze schema of a shipped dataset; missing fields are null."""
    import datetime as dt

    from privlake.config import load_config
    from privlake.schema import bronze_schema

    schema = bronze_schema(load_config(CONFIG).dataset(dataset_name))
    defaults = {"_source_file": "test.jsonl", "_line_number": 1, "dt": dt.date(2026, 11, 28)}
    data = [tuple({**defaults, **row}.get(f.name) for f in schema.fields) for row in rows]
    return spark.createDataFrame(data, schema)


@pytest.fixture(scope="session")
def airflow_db() -> str:
    """A migrated SQLite Airflow metadata DB in the session's AIRFLOW_HOME."""
    subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )
    return os.environ["AIRFLOW_HOME"]


def copy_lake(source: Path, target: Path, **overrides: object) -> Path:
    """A copy of the lake under ``source`` (landing and warehouse) at ``target``, and its config.

    Delta tables hold relative file paths, so a copied folder is the same table: a test that
    changes a lake built once per session works on its own copy, for the price of a file copy
    instead of the Spark jobs that built it."""
    for folder in ("landing", "warehouse"):
        if (source / folder).exists():
            shutil.copytree(source / folder, target / folder)
    return write_config(target, **overrides)


@dataclass(frozen=True)
class DailyChainRun:
    """One generated day run through the daily DAGs by Airflow (``daily_chain``)."""

    root: Path  # landing/ and warehouse/ after the chain; read it, or copy it with copy_lake
    config: Path
    generated: Path  # the landing folder as generated, before any job touched it
    summary: GenerationSummary
    results: list[DagRunResult]


@pytest.fixture(scope="session")
def daily_chain(
    airflow_db: str, spark: SparkSession, tmp_path_factory: pytest.TempPathFactory
) -> DailyChainRun:
    """The day ``CHAIN_DAY`` (40 accounts, 400 log rows) through the daily chain as Airflow runs
    it: deidentify -> aggregate -> retention with dag.test(), each task a real spark-submit.

    Built once per session: the daily-chain test checks the DAG runs and their tables, and the
    S3 end-to-end test uses the lake as its local reference (the same day through the same jobs
    on S3 must give the same tables), instead of each running the chain locally itself.

    It starts the session's JVM first (``spark``): that JVM resolves the Delta package into
    the Ivy cache under the workers' lock, so the chain's spark-submits only read it."""
    from app.demo_airflow import run_daily_chain
    from privlake.generator import generate_day

    root = tmp_path_factory.mktemp("daily-chain")
    summary = generate_day(root / "landing", CHAIN_DAY, accounts=40, rows=400, seed=11)
    generated = tmp_path_factory.mktemp("daily-chain-landing") / "landing"
    shutil.copytree(root / "landing", generated)
    config = write_config(root)
    with pytest.MonkeyPatch.context() as mp:
        # the spark-submit tasks inherit this process's environment
        mp.delenv("PRIVLAKE_LANDING_ROOT", raising=False)
        mp.delenv("PRIVLAKE_WAREHOUSE_ROOT", raising=False)
        mp.setenv("PRIVLAKE_CONFIG", str(config))
        results = run_daily_chain(CHAIN_DAY)
    return DailyChainRun(root, config, generated, summary, results)

"""Shared fixtures: one local SparkSession for the whole run, and per-test lake roots."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "conf" / "privlake.yaml"

# Airflow reads its configuration when first imported: point it at a throwaway home
# (SQLite metadata DB) and at this repository's dags/ before any test imports it.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="privlake-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
os.environ.setdefault("AIRFLOW_CONN_SPARK_DEFAULT", '{"conn_type": "spark", "host": "local[2]"}')
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # spark-submit, weed
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
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
    raw.update(overrides)
    path = tmp / "privlake.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def spark():  # type: ignore[no-untyped-def]
    from privlake.config import load_config
    from privlake.spark import get_spark

    config = load_config(CONFIG).model_copy(
        update={
            "spark": load_config(CONFIG).spark.model_copy(
                update={
                    "master": "local[2]",
                    "shuffle_partitions": 2,
                    # Delta's defaults (50 snapshot partitions, 10,000 listing tasks) dominate tiny tables.
                    "conf": {
                        "spark.databricks.delta.snapshotPartitions": "2",
                        "spark.sql.sources.parallelPartitionDiscovery.parallelism": "2",
                    },
                }
            )
        }
    )
    session = get_spark(config, app_name="privlake-tests")
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

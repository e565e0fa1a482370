"""Every DAG imports cleanly, documents itself, retries, and does no I/O at parse time."""

from __future__ import annotations

import ast
import builtins
import datetime as dt
import importlib
import inspect
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

DAG_FILES = sorted((REPO / "dags").glob("*.py"))


@pytest.fixture(scope="module")
def dagbag():  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags"))


def test_dags_import_without_errors(dagbag) -> None:  # type: ignore[no-untyped-def]
    assert dagbag.import_errors == {}
    assert len(dagbag.dags) == len(DAG_FILES)  # one @dag per file


def test_every_dag_has_tags_owner_retries_docs(dagbag) -> None:  # type: ignore[no-untyped-def]
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags and "privlake" in dag.tags, dag_id
        assert dag.doc_md and len(dag.doc_md) > 100, dag_id
        for t in dag.tasks:
            assert t.retries >= 1, f"{dag_id}.{t.task_id}"
            assert t.owner == "data-platform", f"{dag_id}.{t.task_id}"


def test_spark_tasks_use_the_spark_default_connection(dagbag) -> None:  # type: ignore[no-untyped-def]
    spark_tasks = [t for d in dagbag.dags.values() for t in d.tasks if t.task_type == "SparkSubmitOperator"]
    assert spark_tasks
    for t in spark_tasks:
        conn = t.partial_kwargs["conn_id"] if hasattr(t, "partial_kwargs") else t._conn_id
        assert conn == "spark_default", t.task_id


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_no_file_io_at_parse_time(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import privlake.orchestration  # noqa: F401  (its own imports are allowed to read files)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{path.name} opens a file at parse time: {args[:1]}")

    monkeypatch.setattr(builtins, "open", forbidden)
    monkeypatch.setattr(Path, "read_text", forbidden)
    runpy.run_path(str(path), run_name="dag_parse_check")


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dags_use_the_task_sdk_only(path: Path) -> None:
    """Airflow 3: DAG files import ``airflow.sdk`` and provider operators, never core internals."""
    tree = ast.parse(path.read_text())
    modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    airflow = [m for m in modules if m == "airflow" or m.startswith("airflow.")]
    assert airflow, path.name
    for module in airflow:
        assert module == "airflow.sdk" or module.startswith("airflow.providers."), f"{path.name}: {module}"


def test_dags_pass_ruffs_airflow_rules() -> None:
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run(
        [str(ruff), "check", "--preview", "--select", "AIR", "--no-cache", str(REPO / "dags")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_manual_dags_have_typed_titled_params(dagbag) -> None:  # type: ignore[no-untyped-def]
    manual = {dag_id: dag for dag_id, dag in dagbag.dags.items() if dag.schedule is None}
    assert {"privacy_erasure", "privacy_restriction", "privacy_access"} <= set(manual)
    for dag_id, dag in manual.items():
        assert dag.params, dag_id
        for name in dag.params:
            param = dag.params.get_param(name)
            assert param.schema.get("type"), f"{dag_id}.{name}"
            assert param.schema.get("title") and param.description, f"{dag_id}.{name}"


def test_dags_survive_serialization(dagbag) -> None:  # type: ignore[no-untyped-def]
    """The scheduler and API server only see serialized DAGs: every DAG must round-trip."""
    from airflow.serialization.serialized_objects import DagSerialization

    for dag_id, dag in dagbag.dags.items():
        restored = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
        assert restored.dag_id == dag_id
        assert set(restored.params.keys()) == set(dag.params.keys()), dag_id


DAY = "2026-11-28"
# What a run hands the tasks that compute spark-submit arguments; each gets the names it asks for.
RUN_CONTEXT: dict[str, Any] = {
    "ds": DAY,
    "logical_date": dt.datetime(2026, 11, 28, tzinfo=dt.UTC),
    "triggering_asset_events": None,
    "params": {
        "date": None,
        "request_id": "req-1",
        "manifest": "",
        "subjects": "account_id=acc-1",
        "action": "restrict",
        "purge": False,
        "dry_run": False,
        "format": "csv",
        "out": "/restricted/exports/req-1.zip",
    },
}


def submitted_arguments(task: Any) -> list[list[str]]:
    """The argument lists a Spark task submits: static ones rendered, mapped ones computed by
    calling the upstream task that returns them."""
    if not hasattr(task, "expand_input"):
        return [[str(a).replace("{{ ds }}", DAY) for a in task.application_args]]
    lists: list[list[str]] = []
    for upstream in task.expand_input.value.values():
        compute = upstream.operator.python_callable
        wanted = inspect.signature(compute).parameters
        lists += compute(**{k: v for k, v in RUN_CONTEXT.items() if k in wanted})
    return lists


def test_spark_tasks_submit_the_flags_a_person_types(dagbag) -> None:  # type: ignore[no-untyped-def]
    """Each Spark task runs ``jobs/<job>.py`` with arguments that the job's parser accepts,
    which is the parser ``privlake <job>`` is built from (``privlake.entry``)."""
    from privlake import entry

    checked = set()
    for dag in dagbag.dags.values():
        for task in (t for t in dag.tasks if t.task_type == "SparkSubmitOperator"):
            kwargs = getattr(task, "partial_kwargs", None)
            application = Path(kwargs["application"] if kwargs else task.application)
            assert application.parent == REPO / "jobs", application
            job = importlib.import_module(f"jobs.{application.stem}")
            parser = entry.job_parser(job)
            for argv in submitted_arguments(task):
                try:
                    parser.parse_args(argv)
                except SystemExit:
                    pytest.fail(f"{dag.dag_id}.{task.task_id} submits {argv}, which privlake rejects")
            checked.add(application.stem)
    assert {"run", "aggregate", "retention", "erase", "export", "publish"} <= checked

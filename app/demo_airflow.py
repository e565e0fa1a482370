"""``make demo-airflow``: the demo through Airflow itself, DAG by DAG, with ``dag.test()``.

A data engineer sees the DAGs work, not only the command line: one generated day goes
through the daily chain as Airflow runs it (``deidentify`` → ``aggregate`` → ``retention``,
each task a real ``spark-submit`` through the ``spark_default`` connection), with a SQLite
metadata DB in the work folder and no service to start. Each DAG's run state and task
states are printed; the run fails if any DAG run fails.

The same function drives the daily-chain test (tests/dags/test_daily_chain.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from privlake.console import console as shared_console

REPO = Path(__file__).resolve().parents[1]
DAILY_CHAIN = ("deidentify", "aggregate", "retention")


@dataclass(frozen=True)
class DagRunResult:
    dag_id: str
    state: str
    tasks: dict[str, str]  # task id (with map index) -> state


def airflow_environment(airflow_home: Path, spark_master: str = "local[*]") -> dict[str, str]:
    """Environment for an embedded Airflow: SQLite in ``airflow_home``, this repo's DAGs."""
    return {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_SPARK_DEFAULT": f'{{"conn_type": "spark", "host": "{spark_master}"}}',
        # spark-submit and the Python workers come from this interpreter's environment.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYSPARK_PYTHON": sys.executable,
    }


def migrate_metadata_db() -> None:
    """Create or upgrade the SQLite metadata DB (``airflow db migrate``), quietly."""
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, env=os.environ.copy())


def run_dag(dag_id: str, day: dt.date, conf: dict[str, object] | None = None) -> DagRunResult:
    """Run one DAG of ``dags/`` for the logical date ``day`` with ``dag.test()``."""
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(REPO / "dags" / f"{dag_id}.py")).get_dag(dag_id)
    if dag is None:
        raise LookupError(f"dags/{dag_id}.py defines no DAG {dag_id!r}")
    logical = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    run = dag.test(logical_date=logical, run_conf=conf)
    tasks = {
        ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]": str(ti.state)
        for ti in run.get_task_instances()
    }
    return DagRunResult(dag_id, str(run.state), tasks)


def run_daily_chain(day: dt.date, dag_ids: Sequence[str] = DAILY_CHAIN) -> list[DagRunResult]:
    """Run the daily DAGs in the order their assets and schedules chain them."""
    results = []
    for dag_id in dag_ids:
        result = run_dag(dag_id, day)
        results.append(result)
        if result.state != "success":
            break
    return results


def results_table(results: Sequence[DagRunResult]) -> Table:
    table = Table(title="Airflow runs (dag.test)", title_justify="left")
    table.add_column("DAG")
    table.add_column("run")
    table.add_column("tasks")
    for r in results:
        tasks = ", ".join(f"{task} {state}" for task, state in sorted(r.tasks.items()))
        table.add_row(r.dag_id, r.state, tasks)
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="demo-airflow", description=__doc__)
    parser.add_argument("--workdir", default="work-airflow")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2026, 11, 28))
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--accounts", type=int, default=100)
    args = parser.parse_args(argv)
    console = shared_console()

    workdir = Path(args.workdir).resolve()
    os.environ.update(airflow_environment(workdir / "airflow"))
    os.environ["PRIVLAKE_LANDING_ROOT"] = str(workdir / "landing")
    os.environ["PRIVLAKE_WAREHOUSE_ROOT"] = str(workdir / "warehouse")
    (workdir / "airflow").mkdir(parents=True, exist_ok=True)

    from privlake.config import load_config
    from privlake.generator import generate_day
    from privlake.keys import ensure_demo_key

    config = load_config()
    if ensure_demo_key(config, workdir / ".pseudonym-key"):
        console.print(f"[yellow]{config.keys.pseudonym_key_env} is not set: using a local demo key[/]")
    console.print(f"generating {args.date} under {workdir / 'landing'}")
    generate_day(
        workdir / "landing",
        args.date,
        accounts=args.accounts,
        rows=args.rows,
        truth_dir=workdir / "ground_truth",
    )
    console.print(f"migrating the Airflow metadata DB in {workdir / 'airflow'}")
    migrate_metadata_db()
    results = run_daily_chain(args.date)
    console.print(results_table(results))
    console.print(f"warehouse: {workdir / 'warehouse'}")
    failed = [r.dag_id for r in results if r.state != "success"]
    if failed or len(results) < len(DAILY_CHAIN):
        console.print(
            f"[red]DAG runs failed: {', '.join(failed)}; task logs under {workdir / 'airflow' / 'logs'}[/]"
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

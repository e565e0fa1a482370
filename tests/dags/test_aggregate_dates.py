"""Which dates an ``aggregate`` run rebuilds: the param, the logical date, or the dates of
the ``deidentify`` runs whose silver updates triggered it (an asset-triggered run)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from privlake.orchestration import dates_to_aggregate


def silver_event(day: str | None) -> Any:
    """An asset event as Airflow hands it to a task: the source run and its logical date."""
    if day is None:
        return SimpleNamespace(source_dag_run=None)
    logical = dt.datetime.fromisoformat(f"{day}T00:00:00+00:00")
    return SimpleNamespace(source_dag_run=SimpleNamespace(logical_date=logical))


def test_a_backfill_that_triggered_one_run_aggregates_each_of_its_dates_once() -> None:
    events = {
        "privlake_silver": [
            silver_event("2026-11-28"),
            silver_event("2026-11-26"),
            silver_event("2026-11-28"),
            silver_event(None),  # an update from outside a DAG run names no date
        ]
    }
    assert dates_to_aggregate(None, None, events) == ["2026-11-26", "2026-11-28"]


def test_the_date_param_wins_over_the_logical_date_and_the_events() -> None:
    events = {"privlake_silver": [silver_event("2026-11-28")]}
    logical = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
    assert dates_to_aggregate("2026-11-01", logical, events) == ["2026-11-01"]
    assert dates_to_aggregate(None, logical, events) == ["2026-11-29"]


def test_no_date_anywhere_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no date to aggregate"):
        dates_to_aggregate(None, None, {"privlake_silver": [silver_event(None)]})
    with pytest.raises(ValueError, match="no date to aggregate"):
        dates_to_aggregate(None, None, None)


def test_a_date_param_that_is_no_date_is_refused() -> None:
    with pytest.raises(ValueError):
        dates_to_aggregate("28/11/2026", None, None)


def test_the_dag_task_submits_one_job_per_triggering_date() -> None:
    from airflow.dag_processing.dagbag import DagBag

    from tests.conftest import REPO

    dag = DagBag(dag_folder=str(REPO / "dags" / "aggregate.py")).dags["aggregate"]
    task: Any = dag.get_task("silver_dates")
    events = {"privlake_silver": [silver_event("2026-11-28"), silver_event("2026-11-27")]}
    arguments = task.python_callable(params={"date": None}, logical_date=None, triggering_asset_events=events)
    assert arguments == [["--date", "2026-11-27"], ["--date", "2026-11-28"]]


def gold_event(days: list[str]) -> Any:
    """A gold update from an asset-triggered ``aggregate`` run: no logical date, dates in extra."""
    return SimpleNamespace(source_dag_run=SimpleNamespace(logical_date=None), extra={"dates": days})


def test_an_event_that_names_its_dates_gives_those_dates() -> None:
    events = {"privlake_gold": [gold_event(["2026-11-28", "2026-11-27"]), gold_event(["2026-11-28"])]}
    assert dates_to_aggregate(None, None, events) == ["2026-11-27", "2026-11-28"]
    with pytest.raises(ValueError, match="no date to aggregate"):
        dates_to_aggregate(None, None, {"privlake_gold": [gold_event([])]})


def test_the_gold_update_names_the_dates_it_rebuilt() -> None:
    """The run that rebuilt gold was itself asset-triggered: without the dates in the event,
    the publish run it triggers would have no date to publish."""
    from collections import defaultdict

    from airflow.dag_processing.dagbag import DagBag

    from tests.conftest import REPO

    dag = DagBag(dag_folder=str(REPO / "dags" / "aggregate.py")).dags["aggregate"]
    task: Any = dag.get_task("gold_updated")
    assert [o.name for o in task.outlets] == ["privlake_gold"]
    assert {t.task_id for t in task.upstream_list} == {"aggregate"}
    outlet_events: Any = defaultdict(SimpleNamespace)
    silver = {"privlake_silver": [silver_event("2026-11-28"), silver_event("2026-11-27")]}
    task.python_callable(
        params={"date": None}, logical_date=None, triggering_asset_events=silver, outlet_events=outlet_events
    )
    (announced,) = outlet_events.values()
    gold = {"privlake_gold": [gold_event(announced.extra["dates"])]}
    assert dates_to_aggregate(None, None, gold) == ["2026-11-27", "2026-11-28"]

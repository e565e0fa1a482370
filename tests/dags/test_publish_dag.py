"""The ``publish`` DAG: scheduled on new gold, one mapped spark-submit per configured
destination and date, each with flags ``privlake publish`` accepts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from jobs import publish as publish_job
from privlake import entry
from tests.conftest import REPO, write_config
from tests.dags.test_aggregate_dates import gold_event, silver_event


@pytest.fixture(scope="module")
def publish_dag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags" / "publish.py"))
    assert bag.import_errors == {}
    return bag.dags["publish"]


def test_it_runs_on_new_gold_with_a_mapped_publish_task(publish_dag: Any) -> None:
    assert "privlake_gold" in str(publish_dag.timetable.asset_condition)
    task = publish_dag.get_task("publish")
    assert task.partial_kwargs["application"] == str(REPO / "jobs" / "publish.py")
    assert task.partial_kwargs["conn_id"] == "spark_default"
    assert [t.task_id for t in task.upstream_list] == ["destinations_and_dates"]


def test_one_submission_per_destination_and_date(
    publish_dag: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    destinations = {
        "us_analytics": {"root": "s3://analytics-us/privlake", "region": "us-east-1"},
        "cn_analytics": {"root": str(tmp_path / "cn"), "region": "cn-north-1"},
    }
    monkeypatch.setenv("PRIVLAKE_CONFIG", str(write_config(tmp_path, publish={"destinations": destinations})))
    compute = publish_dag.get_task("destinations_and_dates").python_callable
    events = {"privlake_gold": [silver_event("2026-11-28"), silver_event("2026-11-27")]}

    arguments = compute(params={"date": None}, logical_date=None, triggering_asset_events=events)

    assert arguments == [
        ["--date", "2026-11-27", "--to", "cn_analytics"],
        ["--date", "2026-11-28", "--to", "cn_analytics"],
        ["--date", "2026-11-27", "--to", "us_analytics"],
        ["--date", "2026-11-28", "--to", "us_analytics"],
    ]
    parser = entry.job_parser(publish_job)
    for argv in arguments:
        parser.parse_args(argv)  # what a person types
    # the usual trigger: gold from an asset-triggered aggregate run, which names its dates
    from_aggregate = {"privlake_gold": [gold_event(["2026-11-28"])]}
    assert compute(params={"date": None}, logical_date=None, triggering_asset_events=from_aggregate) == [
        ["--date", "2026-11-28", "--to", "cn_analytics"],
        ["--date", "2026-11-28", "--to", "us_analytics"],
    ]
    by_param = compute(params={"date": "2026-11-01"}, logical_date=dt.datetime(2026, 11, 29, tzinfo=dt.UTC))
    assert by_param == [
        ["--date", "2026-11-01", "--to", "cn_analytics"],
        ["--date", "2026-11-01", "--to", "us_analytics"],
    ]


def test_no_destination_submits_nothing(
    publish_dag: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRIVLAKE_CONFIG", str(write_config(tmp_path)))
    compute = publish_dag.get_task("destinations_and_dates").python_callable
    assert compute(params={"date": "2026-11-28"}) == []

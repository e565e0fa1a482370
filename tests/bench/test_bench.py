"""The bench's checks (bench/checks.py) and its failure report, without running the benchmark.

The benchmark itself runs in ``make bench`` and ``make bench-quick`` (300 rows, the former
test of this module), which exit 1 when a run's results fail a check; whether each approach's
session ran in a JVM of its own is checked by every run (``bench.bench.spark_session``).
Here: the checks pass a well-formed run, name what is wrong in a broken one, and make
``python -m bench.bench`` fail.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench.approaches import Step
from bench.checks import problems
from bench.process_tree import ProcessTreeUsage
from bench.report import COPY, PRESIDIO, PRIVLAKE, PRIVLAKE_SCALED, ApproachResult, BenchReport
from bench.survival import Survival

WORKLOAD = {
    "device_logs_rows": 300,
    "usage_history_rows": 150,
    "accounts": 20,
    "seed": 7,
    "presidio_sample_rows": 50,
    "presidio_sample_by_dataset": {"device_logs": 34, "usage_history": 16},
    "scale": 4,
    "quick": True,
}
ENVIRONMENT = {"spark_master": "local[2]", "cpus": 2}


def cpu(jvm: float, workers: float = 0.0) -> dict[str, float]:
    return {"driver": 0.5, "jvm": jvm, "python_workers": workers, "other": 0.0}


def approach(
    name: str, rows: int, steps: list[Step], workers_mib: float, survival: Survival | None = None
) -> ApproachResult:
    total = {role: sum(s.cpu_by_role[role] for s in steps) + 0.25 for role in steps[0].cpu_by_role}
    usage = ProcessTreeUsage(workers_mib, workers_mib / 2, 2 if workers_mib else 0, total)
    return ApproachResult(name, rows, 2.0 * len(steps), usage, steps, survival)


def quick_report() -> BenchReport:
    """What a quick run at 300 rows writes, figures made up but shaped as measured."""
    copy_steps = [Step(f"copy {n}", 1.0, cpu(1.5)) for n in ("device_logs", "usage_history")]
    sample_steps = [
        Step(f"presidio sample {n}", 5.0, cpu(1.0, 8.0)) for n in ("device_logs", "usage_history")
    ]
    ours_steps = [Step(f"ingest {n}", 1.0, cpu(2.0)) for n in ("accounts", "device_logs", "usage_history")]
    ours_steps += [
        Step(f"deidentify {n}", 2.0, cpu(2.0, 3.0)) for n in ("accounts", "device_logs", "usage_history")
    ]
    reference = approach(PRESIDIO, 50, sample_steps, 900.0, Survival(50, 40, 12, 30, 20))
    reference.notes.append("a deterministic sample of 50 rows (device_logs 34, usage_history 16)")
    ours = approach(PRIVLAKE, 450, ours_steps, 600.0, Survival(450, 300, 1, 200, 199))
    ours.survival_on_sample = Survival(50, 40, 0, 30, 30)
    results = {COPY: approach(COPY, 450, copy_steps, 0.0), PRESIDIO: reference, PRIVLAKE: ours}
    return BenchReport("test-run", dict(WORKLOAD), ENVIRONMENT, results, 4)


def test_a_well_formed_quick_run_passes_the_checks() -> None:
    report = quick_report()
    assert problems(report.as_dict(), report.markdown()) == []


def test_a_full_run_with_a_failed_scaled_run_passes_the_checks() -> None:
    # a failure at scale is a finding (reported as a missed target), not broken plumbing
    report = quick_report()
    report.workload["quick"] = False
    report.failures[PRIVLAKE_SCALED] = "ingest device_logs: OutOfMemoryError (Java heap space)"
    assert problems(report.as_dict(), report.markdown()) == []


def _python_workers_in_the_copy(r: dict[str, Any]) -> None:
    r["approaches"][COPY]["step_cpu_seconds"]["copy device_logs"]["python_workers"] = 0.5


def _python_workers_in_ingest(r: dict[str, Any]) -> None:
    r["approaches"][PRIVLAKE]["step_cpu_seconds"]["ingest accounts"]["python_workers"] = 0.5


def _steps_use_more_cpu_than_the_approach(r: dict[str, Any]) -> None:
    r["approaches"][PRIVLAKE]["cpu_seconds"] = 1.0


def _privlake_skipped_a_dataset(r: dict[str, Any]) -> None:
    r["approaches"][PRIVLAKE]["rows"] = 300


def _the_sample_was_not_scored(r: dict[str, Any]) -> None:
    r["approaches"][PRESIDIO]["free_text_survival"]["planted"] = 0


def _an_approach_is_missing(r: dict[str, Any]) -> None:
    del r["approaches"][PRESIDIO]


def _an_approach_failed(r: dict[str, Any]) -> None:
    r["failures"][PRIVLAKE] = "deidentify device_logs: PythonException"


def _a_figure_is_missing(r: dict[str, Any]) -> None:
    del r["approaches"][COPY]["worker_memory_mib"]


def _a_raw_value_in_a_note(r: dict[str, Any]) -> None:
    r["approaches"][PRIVLAKE]["notes"].append("row of anna@example.com")


BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "python workers in the copy": (_python_workers_in_the_copy, f"{COPY}, copy device_logs: Python workers"),
    "python workers in ingest": (_python_workers_in_ingest, f"{PRIVLAKE}, ingest accounts: Python workers"),
    "cpu does not add up": (_steps_use_more_cpu_than_the_approach, "CPU by role adds up"),
    "rows short of the workload": (_privlake_skipped_a_dataset, "300 rows, the workload has 450"),
    "sample not scored": (_the_sample_was_not_scored, "no planted value"),
    "approach missing": (_an_approach_is_missing, "approaches ["),
    "approach failed": (_an_approach_failed, "failed approaches"),
    "figure missing": (_a_figure_is_missing, f"{COPY}: keys"),
    "raw value": (_a_raw_value_in_a_note, "the JSON holds '@'"),
}


@pytest.mark.parametrize("broken", BROKEN, ids=list(BROKEN))
def test_a_broken_run_fails_a_check_that_names_it(broken: str) -> None:
    report = quick_report()
    results = copy.deepcopy(report.as_dict())
    breaks, expected = BROKEN[broken]
    breaks(results)
    found = problems(results, report.markdown())
    assert any(expected in p for p in found), found
    assert not any("anna@" in p for p in found)  # a problem names fields and figures, never values


def test_a_raw_value_in_the_markdown_fails_the_checks() -> None:
    report = quick_report()
    found = problems(report.as_dict(), report.markdown() + "\n| acc-0000000001 |\n")
    assert found == ["the markdown holds 'acc-': a raw value may have leaked"]


@pytest.mark.parametrize("well_formed", [True, False], ids=["passes", "fails"])
def test_bench_exits_1_when_its_results_fail_a_check(
    well_formed: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bench.bench

    report = quick_report()
    if not well_formed:
        report.results[PRIVLAKE].steps[0] = Step("ingest accounts", 1.0, cpu(2.0, 0.5))
    monkeypatch.setattr(bench.bench, "run", lambda args: report)
    assert bench.bench.main(["--quick", f"--out={tmp_path}", "--date=test-run"]) == (0 if well_formed else 1)
    assert (tmp_path / "test-run.json").exists() and (tmp_path / "test-run.md").exists()
    errors = capsys.readouterr().err
    assert ("check failed" in errors) is not well_formed


def test_a_failed_scaled_run_is_reported_as_a_missed_target_without_its_message() -> None:
    from bench.bench import failure_summary

    error = RuntimeError("row 17: anna@example.com broke it")
    error.add_note("bench step: ingest device_logs")
    summary = failure_summary(error)
    assert summary == "ingest device_logs: RuntimeError"

    workload = {
        "device_logs_rows": 10,
        "usage_history_rows": 5,
        "accounts": 2,
        "seed": 7,
        "presidio_sample_rows": 3,
    }
    report = BenchReport(
        "d", workload, {"spark_master": "local[2]", "cpus": 2}, {}, 4, {PRIVLAKE_SCALED: summary}
    )
    scaled = next(t for t in report.targets() if t.name.startswith("rows/s at"))
    assert scaled.met is False and "ingest device_logs" in scaled.measured
    assert report.as_dict()["failures"] == {PRIVLAKE_SCALED: summary}
    assert "@" not in report.markdown()

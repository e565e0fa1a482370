"""``python -m bench.bench --quick`` runs end to end on a tiny day and writes well-formed results.

Timing targets are the benchmark's business, not the tests': on a shared machine they
would make the suite flaky. This checks the plumbing: every approach ran, every figure
is there, survival is scored from the ground truth, and nothing raw reaches the output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, run_python

APPROACH_KEYS = {
    "rows",
    "seconds",
    "rows_per_second",
    "cpu_seconds",
    "cpu_seconds_by_role",
    "rows_per_cpu_second",
    "worker_memory_mib",
    "steps",
    "step_cpu_seconds",
    "free_text_survival",
    "free_text_survival_on_sample",
    "notes",
}


def test_quick_bench_writes_results_json_and_markdown(tmp_path: Path) -> None:
    out = tmp_path / "results"
    command = [
        sys.executable,
        "-m",
        "bench.bench",
        "--quick",
        "--rows=300",
        "--sample=50",
        f"--workdir={tmp_path / 'work'}",
        f"--out={out}",
        "--date=test-run",
    ]
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    env.pop("PRIVLAKE_CONFIG", None)
    run = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]

    results = json.loads((out / "test-run.json").read_text())
    assert set(results) == {"date", "workload", "environment", "approaches", "failures", "ratios", "targets"}
    assert results["failures"] == {}
    assert set(results["approaches"]) == {"copy_baseline", "presidio_sample", "privlake"}
    for name, approach in results["approaches"].items():
        assert set(approach) == APPROACH_KEYS, name
        assert approach["rows"] > 0 and approach["seconds"] > 0 and approach["rows_per_second"] > 0
        assert approach["cpu_seconds"] > 0 and approach["rows_per_cpu_second"] > 0
    assert results["approaches"]["copy_baseline"]["rows"] == 450  # 300 device_logs + 150 usage_history
    assert results["workload"]["presidio_sample_rows"] == 50
    assert results["approaches"]["presidio_sample"]["rows"] == 50

    # Both scrubbing approaches are scored against the planted values; the copy is not.
    assert results["approaches"]["copy_baseline"]["free_text_survival"] is None
    reference = results["approaches"]["presidio_sample"]["free_text_survival"]
    ours = results["approaches"]["privlake"]["free_text_survival"]
    on_sample = results["approaches"]["privlake"]["free_text_survival_on_sample"]
    assert reference["planted"] > 0 and ours["planted"] > reference["planted"]
    assert on_sample["planted"] == reference["planted"]  # the same rows, the same planted values
    assert 0 <= ours["share"] <= 1

    # CPU is split by process role, per approach and per step, and the parts add up.
    for name, approach in results["approaches"].items():
        by_role = approach["cpu_seconds_by_role"]
        assert set(by_role) == {"driver", "jvm", "python_workers", "other"}, name
        assert sum(by_role.values()) == pytest.approx(approach["cpu_seconds"], abs=0.01), name
        assert set(approach["step_cpu_seconds"]) == set(approach["steps"]), name
        for step, cpu in approach["step_cpu_seconds"].items():
            assert cpu["jvm"] > 0, (name, step)
        steps_cpu = sum(sum(cpu.values()) for cpu in approach["step_cpu_seconds"].values())
        assert steps_cpu <= approach["cpu_seconds"] + 0.05, name
    # Which side does the work: the copy and privlake's ingest never start a Python worker
    # (validation is native Spark); privlake's free text and Presidio's sample run in them.
    copy_steps = results["approaches"]["copy_baseline"]["step_cpu_seconds"]
    assert all(cpu["python_workers"] == 0 for cpu in copy_steps.values())
    ours_steps = results["approaches"]["privlake"]["step_cpu_seconds"]
    assert all(cpu["python_workers"] == 0 for step, cpu in ours_steps.items() if step.startswith("ingest "))
    assert ours_steps["deidentify device_logs"]["python_workers"] > 0
    assert results["approaches"]["presidio_sample"]["cpu_seconds_by_role"]["python_workers"] > 0

    # Python workers ran for both Presidio approaches and were measured.
    for name in ("presidio_sample", "privlake"):
        memory = results["approaches"][name]["worker_memory_mib"]
        assert memory["peak_total"] >= memory["peak_process"] > 0, name

    ratios = results["ratios"]
    assert ratios["throughput_privlake_over_presidio"] > 0
    assert ratios["wall_privlake_over_copy"] > 0
    assert ratios["throughput_scaled_over_base"] is None  # quick mode skips the scaled run
    assert {t["name"] for t in results["targets"]} >= {"throughput (c) / (b)", "wall time (c) / (a)"}
    scaled = next(t for t in results["targets"] if t["name"].startswith("rows/s at"))
    assert scaled["met"] is None

    markdown = (out / "test-run.md").read_text()
    assert "(b) Presidio Spark sample" in markdown and "| target |" in markdown
    assert "deterministic sample of 50 rows" in markdown
    assert "deidentify device_logs:" in markdown and "Python workers" in markdown
    # Counts only: no account id, e-mail or address from the generated day.
    assert "acc-" not in markdown and "@" not in markdown


def test_a_failed_scaled_run_is_reported_as_a_missed_target_without_its_message() -> None:
    from bench.bench import failure_summary
    from bench.report import PRIVLAKE_SCALED, BenchReport

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


def test_each_bench_session_runs_in_a_jvm_of_its_own(tmp_path: Path) -> None:
    # A process of its own: stopping the JVM must not touch the test session's.
    script = """
import os, sys
from pathlib import Path
from bench.bench import bench_config, spark_session

def jvm_pid(spark):
    return spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()

config = bench_config(Path(sys.argv[1]), "local[1]")
with spark_session(config, "first") as spark:
    first = jvm_pid(spark)
alive_after = os.path.exists(f"/proc/{first}")
with spark_session(config, "second") as spark:
    second = jvm_pid(spark)
print(first != second, alive_after)
"""
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    env.pop("PRIVLAKE_CONFIG", None)
    run = run_python(script, str(tmp_path), timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.split()[-2:] == ["True", "False"], run.stdout

"""What every ``make bench`` run must show, whatever the machine: its checks, not its targets.

Timing targets are reported, never checked (on a shared machine they would fail at random).
These check the plumbing of a run from the files it wrote: every approach ran, every figure
is there, survival is scored from the ground truth, CPU is split by process role and the
parts add up, and no raw value reaches the output. ``python -m bench.bench`` runs them after
writing its results and exits 1 when one fails; ``make bench-quick`` is the small run (300
rows) that used to be a test of the suite (issue 22: the suite runs no benchmark).

``problems`` returns messages, not raw values: a message names a field and a figure only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import COPY, PRESIDIO, PRIVLAKE, PRIVLAKE_SCALED

TOP_KEYS = {"date", "workload", "environment", "approaches", "failures", "ratios", "targets"}
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
ROLES = {"driver", "jvm", "python_workers", "other"}
# Shapes of the generator's personal values that must never appear in the output: account
# ids and e-mail addresses (the output holds counts, ratios and step names only).
RAW_MARKERS = ("acc-", "@")


class _Checks:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def that(self, condition: bool, problem: str) -> bool:
        if not condition:
            self.problems.append(problem)
        return condition

    def guarded(self, what: str, check: Callable[[], None]) -> None:
        """Run ``check``; a missing key or a wrong type in the results is a problem, not a crash."""
        try:
            check()
        except (KeyError, TypeError, AttributeError, StopIteration) as exc:
            self.problems.append(f"{what}: malformed results ({type(exc).__name__}: {exc})")


def problems(results: dict[str, Any], markdown: str) -> list[str]:
    """Everything wrong with one run's results (``<date>.json`` loaded) and markdown."""
    c = _Checks()
    if not c.that(set(results) == TOP_KEYS, f"top-level keys {sorted(results)} != {sorted(TOP_KEYS)}"):
        return c.problems
    c.guarded("approaches", lambda: _approaches(c, results))
    c.guarded("survival", lambda: _survival(c, results))
    c.guarded("cpu", lambda: _cpu(c, results))
    c.guarded("ratios and targets", lambda: _ratios(c, results))
    c.guarded("markdown", lambda: _markdown(c, results, markdown))
    text = json.dumps(results)
    for marker in RAW_MARKERS:
        c.that(marker not in markdown, f"the markdown holds {marker!r}: a raw value may have leaked")
        c.that(marker not in text, f"the JSON holds {marker!r}: a raw value may have leaked")
    return c.problems


def _expected_approaches(results: dict[str, Any]) -> set[str]:
    expected = {COPY, PRESIDIO, PRIVLAKE}
    if not results["workload"]["quick"] and PRIVLAKE_SCALED not in results["failures"]:
        expected.add(PRIVLAKE_SCALED)
    return expected


def _approaches(c: _Checks, results: dict[str, Any]) -> None:
    workload, approaches, failures = results["workload"], results["approaches"], results["failures"]
    # A failure at scale is a finding the report records as a missed target; any other is a bug.
    c.that(set(failures) <= {PRIVLAKE_SCALED}, f"failed approaches: {sorted(failures)}")
    c.that(not (workload["quick"] and failures), "a quick run has failures")
    expected = _expected_approaches(results)
    c.that(set(approaches) == expected, f"approaches {sorted(approaches)} != {sorted(expected)}")
    for name, approach in approaches.items():
        if not c.that(set(approach) == APPROACH_KEYS, f"{name}: keys {sorted(approach)}"):
            continue
        for figure in ("rows", "seconds", "rows_per_second", "cpu_seconds", "rows_per_cpu_second"):
            c.that(approach[figure] > 0, f"{name}: {figure} is {approach[figure]}")
    measured = workload["device_logs_rows"] + workload["usage_history_rows"]
    for name in (COPY, PRIVLAKE):
        if name in approaches:
            rows = approaches[name]["rows"]
            c.that(rows == measured, f"{name}: {rows} rows, the workload has {measured}")
    if PRESIDIO in approaches:
        rows, sample = approaches[PRESIDIO]["rows"], workload["presidio_sample_rows"]
        c.that(rows == sample, f"{PRESIDIO}: {rows} rows, the sample has {sample}")
    # Python workers ran for both Presidio approaches and were measured.
    for name in (PRESIDIO, PRIVLAKE):
        if name in approaches:
            memory = approaches[name]["worker_memory_mib"]
            c.that(
                memory["peak_total"] >= memory["peak_process"] > 0,
                f"{name}: worker memory {memory['peak_total']} / {memory['peak_process']} MiB",
            )


def _survival(c: _Checks, results: dict[str, Any]) -> None:
    """Both scrubbing approaches are scored against the planted values; the copy is not."""
    approaches = results["approaches"]
    c.that(approaches[COPY]["free_text_survival"] is None, "the copy is scored for survival")
    reference = approaches[PRESIDIO]["free_text_survival"]
    ours = approaches[PRIVLAKE]["free_text_survival"]
    on_sample = approaches[PRIVLAKE]["free_text_survival_on_sample"]
    c.that(reference["planted"] > 0, "no planted value in the Presidio sample's rows")
    c.that(ours["planted"] > reference["planted"], "privlake is scored on no more rows than the sample")
    c.that(
        on_sample["planted"] == reference["planted"],
        f"privlake on the sample rows counts {on_sample['planted']} planted values, the reference "
        f"{reference['planted']}",
    )
    c.that(0 <= ours["share"] <= 1, f"privlake survival share {ours['share']}")


def _cpu(c: _Checks, results: dict[str, Any]) -> None:
    """CPU is split by process role, per approach and per step, and the parts add up; the
    copy and privlake's ingest never start a Python worker (validation is native Spark),
    privlake's free text and Presidio's sample run in them."""
    approaches = results["approaches"]
    for name, approach in approaches.items():
        by_role = approach["cpu_seconds_by_role"]
        c.that(set(by_role) == ROLES, f"{name}: CPU roles {sorted(by_role)}")
        total = sum(by_role.values())
        c.that(
            math.isclose(total, approach["cpu_seconds"], abs_tol=0.01),
            f"{name}: CPU by role adds up to {total:.2f} s, not {approach['cpu_seconds']:.2f} s",
        )
        steps = approach["step_cpu_seconds"]
        c.that(set(steps) == set(approach["steps"]), f"{name}: CPU per step names other steps")
        for step, cpu in steps.items():
            c.that(cpu["jvm"] > 0, f"{name}, {step}: no JVM CPU")
        steps_cpu = sum(sum(cpu.values()) for cpu in steps.values())
        c.that(
            steps_cpu <= approach["cpu_seconds"] + 0.05,
            f"{name}: steps use {steps_cpu:.2f} CPU s, the approach {approach['cpu_seconds']:.2f}",
        )
    for step, cpu in approaches[COPY]["step_cpu_seconds"].items():
        c.that(cpu["python_workers"] == 0, f"{COPY}, {step}: Python workers ran")
    ours = approaches[PRIVLAKE]["step_cpu_seconds"]
    for step, cpu in ours.items():
        if step.startswith("ingest "):
            c.that(cpu["python_workers"] == 0, f"{PRIVLAKE}, {step}: Python workers ran")
    c.that(
        ours["deidentify device_logs"]["python_workers"] > 0, "privlake's free text ran in no Python worker"
    )
    c.that(
        approaches[PRESIDIO]["cpu_seconds_by_role"]["python_workers"] > 0,
        "Presidio's sample ran in no Python worker",
    )


def _ratios(c: _Checks, results: dict[str, Any]) -> None:
    ratios, quick = results["ratios"], results["workload"]["quick"]
    for ratio in ("throughput_privlake_over_presidio", "wall_privlake_over_copy"):
        c.that((ratios[ratio] or 0) > 0, f"ratio {ratio} is {ratios[ratio]}")
    names = {t["name"] for t in results["targets"]}
    c.that(
        names >= {"throughput (c) / (b)", "wall time (c) / (a)"},
        f"targets {sorted(names)} lack the two ratios",
    )
    scaled = next(t for t in results["targets"] if t["name"].startswith("rows/s at"))
    scaled_ran = PRIVLAKE_SCALED in results["approaches"]
    if quick or not scaled_ran:
        c.that(ratios["throughput_scaled_over_base"] is None, "a scaled ratio without a scaled run")
    else:
        c.that((ratios["throughput_scaled_over_base"] or 0) > 0, "the scaled run has no ratio")
    if quick:
        c.that(scaled["met"] is None, "a quick run judges the scaled target")
    else:
        c.that(isinstance(scaled["met"], bool), "a full run leaves the scaled target unjudged")


def _markdown(c: _Checks, results: dict[str, Any], markdown: str) -> None:
    sample = results["workload"]["presidio_sample_rows"]
    for expected in (
        "(b) Presidio Spark sample",
        "| target |",
        f"deterministic sample of {sample:,} rows",
        "deidentify device_logs:",
        "Python workers",
    ):
        c.that(expected in markdown, f"the markdown lacks {expected!r}")


def check_files(json_path: Path, md_path: Path) -> list[str]:
    """``problems`` of the results files one run wrote."""
    results = json.loads(json_path.read_text(encoding="utf-8"))
    return problems(results, md_path.read_text(encoding="utf-8"))

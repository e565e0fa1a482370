"""What every ``make bench`` run must show, whatever the machine: its checks, not its targets.

Timing targets are reported, never checked (on a shared machine they would fail at random).
These check the plumbing of a run from the files it wrote: on every corpus every approach
ran (the copy, the same-zones floor, Presidio's sample, privlake's fused run; at K x N
unless quick; the small day on the independent corpus), every figure is there, survival is
scored from the ground truth, CPU is split by process role and the parts add up, privlake's
run was timed per step (ingest and de-identify of every dataset), every row of issue 19's
targets table is there for every corpus with a value or the reason it has none, and no raw
value reaches the output. ``python -m bench.bench`` runs them after writing its results and
exits 1 when one fails; ``make bench-quick`` is the small run.

``problems`` returns messages, not raw values: a message names a field and a figure only.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.names import (
    AT_N,
    COPY,
    PRESIDIO,
    PRESIDIO_SCALED,
    PRIVLAKE,
    PRIVLAKE_HUGE,
    PRIVLAKE_RUNS,
    PRIVLAKE_SCALED,
    SAME_ZONES,
    SAME_ZONES_SCALED,
    SCALED,
    SCRUBBING,
    SMALL_DAY,
    SMALL_PRESIDIO,
    SMALL_PRIVLAKE,
)
from bench.targets import TARGET_COUNT

TOP_KEYS = {"date", "environment", "scale", "huge", "corpora", "targets"}
CORPUS_KEYS = {"workload", "approaches", "failures", "skipped", "ratios"}
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
# Shapes of personal values that must never appear in the output: account ids and e-mail
# addresses (the output holds counts, ratios and step names only).
RAW_MARKERS = ("acc-", "@")
# Approaches that run no Python worker: the copies (validation-free JVM work).
NO_PYTHON = (COPY, SAME_ZONES, SAME_ZONES_SCALED)
# Python worker CPU an ingest step may show: idle workers of an earlier de-identify ticking.
IDLE_WORKER_CPU, IDLE_WORKER_SHARE = 0.5, 0.02
# A verdict without a value says why (or that the target is defined elsewhere / reported only).
UNVALUED = ("not measured", "n/a", "no: failed")


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
    c.that(bool(results["corpora"]), "no corpus was measured")
    for name, corpus in results["corpora"].items():
        if not c.that(set(corpus) == CORPUS_KEYS, f"{name}: keys {sorted(corpus)}"):
            continue
        c.guarded(f"{name}: approaches", lambda n=name, r=corpus: _approaches(c, n, r))  # type: ignore[misc]
        c.guarded(f"{name}: survival", lambda n=name, r=corpus: _survival(c, n, r))  # type: ignore[misc]
        c.guarded(f"{name}: cpu", lambda n=name, r=corpus: _cpu(c, n, r))  # type: ignore[misc]
    c.guarded("targets", lambda: _targets(c, results))
    c.guarded("markdown", lambda: _markdown(c, results, markdown))
    text = json.dumps(results)
    for marker in RAW_MARKERS:
        c.that(marker not in markdown, f"the markdown holds {marker!r}: a raw value may have leaked")
        c.that(marker not in text, f"the JSON holds {marker!r}: a raw value may have leaked")
    return c.problems


def expected_approaches(corpus: str, results: dict[str, Any]) -> set[str]:
    """What a corpus must have measured: everything its workload asked for that did not fail."""
    workload, failures = results["workload"], results["failures"]
    expected = set(AT_N)
    if not workload["quick"]:
        expected |= set(SCALED)
    if workload["huge"]:
        expected.add(PRIVLAKE_HUGE)
    if corpus == "independent":
        expected |= set(SMALL_DAY)
    return expected - set(failures) - set(results["skipped"])


def _approaches(c: _Checks, corpus: str, results: dict[str, Any]) -> None:
    workload, approaches, failures = results["workload"], results["approaches"], results["failures"]
    # A failure past N is a finding the targets table reports; a failure at N is a bug.
    c.that(not set(failures) & set(AT_N), f"{corpus}: failed approaches at N: {sorted(failures)}")
    c.that(not (workload["quick"] and failures), f"{corpus}: a quick run has failures")
    expected = expected_approaches(corpus, results)
    c.that(set(approaches) == expected, f"{corpus}: approaches {sorted(approaches)} != {sorted(expected)}")
    for name, approach in approaches.items():
        if not c.that(set(approach) == APPROACH_KEYS, f"{corpus}, {name}: keys {sorted(approach)}"):
            continue
        for figure in ("rows", "seconds", "rows_per_second", "cpu_seconds", "rows_per_cpu_second"):
            c.that(approach[figure] > 0, f"{corpus}, {name}: {figure} is {approach[figure]}")
    rows_of = {
        **dict.fromkeys(
            (COPY, SAME_ZONES, PRIVLAKE), workload["device_logs_rows"] + workload["usage_history_rows"]
        ),
        PRESIDIO: workload["presidio_sample_rows"],
        SAME_ZONES_SCALED: workload.get("scaled_rows"),
        PRIVLAKE_SCALED: workload.get("scaled_rows"),
        PRESIDIO_SCALED: workload.get("scaled_presidio_sample_rows"),
        PRIVLAKE_HUGE: workload.get("huge_rows"),
        SMALL_PRESIDIO: workload.get("small_day_presidio_rows"),
        SMALL_PRIVLAKE: workload.get("small_day_device_logs_rows"),
    }
    for name, approach in approaches.items():
        c.that(
            approach["rows"] == rows_of.get(name),
            f"{corpus}, {name}: {approach['rows']} rows, the workload has {rows_of.get(name)}",
        )
    for name in SCRUBBING:  # Python workers ran and were measured
        if name in approaches:
            memory = approaches[name]["worker_memory_mib"]
            c.that(
                memory["peak_total"] >= memory["peak_process"] > 0,
                f"{corpus}, {name}: worker memory {memory['peak_total']} / {memory['peak_process']} MiB",
            )


def _survival(c: _Checks, corpus: str, results: dict[str, Any]) -> None:
    """Both scrubbing approaches at N are scored against the planted values; nothing else is."""
    approaches = results["approaches"]
    for name, approach in approaches.items():
        if name not in (PRESIDIO, PRIVLAKE):
            c.that(approach["free_text_survival"] is None, f"{corpus}, {name} is scored for survival")
    reference = approaches[PRESIDIO]["free_text_survival"]
    ours = approaches[PRIVLAKE]["free_text_survival"]
    on_sample = approaches[PRIVLAKE]["free_text_survival_on_sample"]
    c.that(reference["planted"] > 0, f"{corpus}: no planted value in the Presidio sample's rows")
    c.that(
        ours["planted"] > reference["planted"],
        f"{corpus}: privlake is scored on no more rows than the sample",
    )
    c.that(
        on_sample["planted"] == reference["planted"],
        f"{corpus}: privlake on the sample rows counts {on_sample['planted']} planted values, the reference "
        f"{reference['planted']}",
    )
    c.that(0 <= ours["share"] <= 1, f"{corpus}: privlake survival share {ours['share']}")


def _cpu(c: _Checks, corpus: str, results: dict[str, Any]) -> None:
    """CPU is split by role, per approach and per step, and the parts add up; the copies and
    privlake's ingest never start a Python worker, privlake's free text runs in them; every
    privlake run was timed per step, ingest and de-identify of each dataset it ran."""
    approaches = results["approaches"]
    for name, approach in approaches.items():
        where = f"{corpus}, {name}"
        by_role = approach["cpu_seconds_by_role"]
        c.that(set(by_role) == ROLES, f"{where}: CPU roles {sorted(by_role)}")
        total = sum(by_role.values())
        c.that(
            math.isclose(total, approach["cpu_seconds"], abs_tol=0.01),
            f"{where}: CPU by role adds up to {total:.2f} s, not {approach['cpu_seconds']:.2f} s",
        )
        steps = approach["step_cpu_seconds"]
        c.that(bool(steps), f"{where}: no step was timed")
        c.that(set(steps) == set(approach["steps"]), f"{where}: CPU per step names other steps")
        for step, cpu in steps.items():
            c.that(cpu["jvm"] > 0, f"{where}, {step}: no JVM CPU")
            if name in NO_PYTHON:
                c.that(cpu["python_workers"] == 0, f"{where}, {step}: Python workers ran")
            elif name in PRIVLAKE_RUNS and step.startswith("ingest "):
                # The fused run ingests after an earlier dataset's de-identify: its idle
                # workers may still tick; ingest itself runs none.
                idle = max(IDLE_WORKER_CPU, IDLE_WORKER_SHARE * sum(cpu.values()))
                c.that(cpu["python_workers"] <= idle, f"{where}, {step}: Python workers ran")
        steps_cpu = sum(sum(cpu.values()) for cpu in steps.values())
        c.that(
            steps_cpu <= approach["cpu_seconds"] + 0.05,
            f"{where}: steps use {steps_cpu:.2f} CPU s, the approach {approach['cpu_seconds']:.2f}",
        )
        if name in PRIVLAKE_RUNS:
            ingested = {s.removeprefix("ingest ") for s in steps if s.startswith("ingest ")}
            scrubbed = {s.removeprefix("deidentify ") for s in steps if s.startswith("deidentify ")}
            c.that(
                bool(ingested) and ingested == scrubbed,
                f"{where}: run_dataset_day not timed per step (ingest {sorted(ingested)}, "
                f"deidentify {sorted(scrubbed)})",
            )
            scrub = steps.get("deidentify device_logs", {})
            c.that(
                scrub.get("python_workers", 0) > 0, f"{where}: privlake's free text ran in no Python worker"
            )
    for name in (PRESIDIO, SMALL_PRESIDIO):
        if name in approaches:
            python = approaches[name]["cpu_seconds_by_role"]["python_workers"]
            c.that(python > 0, f"{corpus}, {name}: Presidio's sample ran in no Python worker")


def _targets(c: _Checks, results: dict[str, Any]) -> None:
    """Every row of issue 19's table, for every corpus, with a value or the reason it has none;
    the rows that need only the runs at N have a value on every corpus."""
    targets, corpora = results["targets"], set(results["corpora"])
    c.that(len(targets) == TARGET_COUNT, f"{len(targets)} targets, issue 19 has {TARGET_COUNT}")
    for target in targets:
        name = target["name"]
        c.that(set(target["by_corpus"]) == corpora, f"target {name!r}: corpora {sorted(target['by_corpus'])}")
        c.that(target["met"] in (True, False, None), f"target {name!r}: met is {target['met']!r}")
        for corpus, verdict in target["by_corpus"].items():
            valued = verdict["value"] is not None
            c.that(
                valued or verdict["measured"].startswith(UNVALUED) or "reported" in verdict["measured"],
                f"target {name!r}, {corpus}: no value and no reason",
            )
            c.that(
                valued or verdict["met"] is None or verdict["measured"].startswith("no: failed"),
                f"target {name!r}, {corpus}: judged without a value",
            )
    for target in targets:
        if target["name"].startswith("marginal"):
            for corpus, verdict in target["by_corpus"].items():
                runs = results["corpora"][corpus]
                ran = not set(runs["failures"]) | set(runs["skipped"]) & {*AT_N, *SCALED}
                complete = not runs["workload"]["quick"] and ran
                c.that(
                    verdict["value"] is not None or not complete or "did not grow" in verdict["measured"],
                    f"target {target['name']!r}, {corpus}: not measured in a complete run",
                )
        if target["name"].startswith("wall time at N"):
            for corpus, verdict in target["by_corpus"].items():
                c.that(verdict["value"] is not None, f"{corpus}: wall time at N (c) / (a2) not measured")
        if target["name"].startswith("small day") and "independent" in corpora:
            small = target["by_corpus"]["independent"]
            c.that(
                small["value"] is not None or any(w in small["measured"] for w in ("failed", "not run")),
                "independent: the small day was not measured, and no reason is given",
            )


def _markdown(c: _Checks, results: dict[str, Any], markdown: str) -> None:
    c.that("| target | wanted |" in markdown, "the markdown lacks the targets table")
    for target in results["targets"]:
        c.that(f"| {target['name']} |" in markdown, f"the markdown lacks the target {target['name']!r}")
    for name, corpus in results["corpora"].items():
        sample = corpus["workload"]["presidio_sample_rows"]
        for expected in (
            f"## corpus: {name}",
            "(a2) same zones",
            "(b) Presidio Spark sample",
            f"deterministic sample of {sample:,} rows",
            "deidentify device_logs:",
            "Python workers",
        ):
            c.that(expected in markdown, f"the markdown lacks {expected!r}")


def check_files(json_path: Path, md_path: Path) -> list[str]:
    """``problems`` of the results files one run wrote."""
    results = json.loads(json_path.read_text(encoding="utf-8"))
    return problems(results, md_path.read_text(encoding="utf-8"))


def write_and_check(report: Any, out: Path) -> int:
    """Write a run's results files, check them, print what failed; the command's exit code."""
    json_path, md_path = report.write(out)
    print(f"[bench] wrote {json_path} and {md_path}")
    found = check_files(json_path, md_path)
    for problem in found:
        print(f"[bench] check failed: {problem}", file=sys.stderr)
    return 1 if found else 0

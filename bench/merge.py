"""Results files of ``make bench`` read back, and runs on separate corpora merged into one report.

    python -m bench.merge RESULTS.json [RESULTS.json ...] --out DIR --date NAME [--unfinished WHY]

Each ``--corpus`` run writes its own ``<date>.json``; this reads them back into a
``BenchReport`` (every figure the targets need is in the JSON), takes each corpus from the
file that measured it, and writes one ``<date>.json`` and ``.md`` with the targets table
over all of them, then runs the checks on what it wrote (exit 1 when one fails). The runs
must share the scale and the Spark master. ``--unfinished WHY``: a run was stopped before
it ended (the results are rewritten after each session); every approach it had still to
run is recorded as not run, with ``WHY``, so the targets say "not measured" and why.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.approaches import Step
from bench.checks import expected_approaches, write_and_check
from bench.process_tree import ProcessTreeUsage
from bench.report import ApproachResult, BenchReport, CorpusReport
from bench.survival import Survival


def survival_from(data: dict[str, Any] | None) -> Survival | None:
    if data is None:
        return None
    return Survival(data["planted"], data["survived"], data["lookalikes"], data["intact"], rows=data["rows"])


def approach_from(name: str, data: dict[str, Any]) -> ApproachResult:
    memory = data["worker_memory_mib"]
    usage = ProcessTreeUsage(
        memory["peak_total"],
        memory["peak_process"],
        memory["peak_processes"],
        dict(data["cpu_seconds_by_role"]),
    )
    steps = [
        Step(step, seconds, dict(data["step_cpu_seconds"][step])) for step, seconds in data["steps"].items()
    ]
    return ApproachResult(
        name,
        data["rows"],
        data["seconds"],
        usage,
        steps,
        survival_from(data["free_text_survival"]),
        survival_from(data["free_text_survival_on_sample"]),
        list(data["notes"]),
    )


def corpus_from(name: str, data: dict[str, Any]) -> CorpusReport:
    results = {approach: approach_from(approach, d) for approach, d in data["approaches"].items()}
    return CorpusReport(name, dict(data["workload"]), results, dict(data["failures"]), dict(data["skipped"]))


def report_from(data: dict[str, Any]) -> BenchReport:
    report = BenchReport(data["date"], dict(data["environment"]), data["scale"], data["huge"])
    report.corpora = {name: corpus_from(name, c) for name, c in data["corpora"].items()}
    return report


def merged(reports: Sequence[BenchReport], date: str) -> BenchReport:
    """One report with every corpus of ``reports`` (a corpus measured twice: the later file's)."""
    first = reports[0]
    for other in reports[1:]:
        same = (other.scale, other.huge, other.environment["spark_master"])
        if same != (first.scale, first.huge, first.environment["spark_master"]):
            raise SystemExit("the runs differ in scale, 16x N or Spark master: not one bench")
    report = BenchReport(date, dict(first.environment), first.scale, first.huge)
    for other in reports:
        report.corpora.update(other.corpora)
    return report


def mark_unfinished(report: BenchReport, why: str) -> None:
    """Approaches a stopped run had still to run, recorded as not run because of ``why``."""
    for corpus in report.corpora.values():
        shape = {"workload": corpus.workload, "failures": corpus.failures, "skipped": corpus.skipped}
        for name in sorted(expected_approaches(corpus.corpus, shape) - set(corpus.results)):
            corpus.skipped[name] = why


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.merge", description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path, help="<date>.json files of make bench runs")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--date", required=True, help="name of the merged files")
    parser.add_argument("--unfinished", default=None, metavar="WHY", help="the runs were stopped early: why")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    reports = [report_from(json.loads(path.read_text(encoding="utf-8"))) for path in args.results]
    report = merged(reports, args.date)
    if args.unfinished:
        mark_unfinished(report, args.unfinished)
    return write_and_check(report, args.out)


if __name__ == "__main__":
    sys.exit(main())

"""``make bench``: privlake against Presidio's Spark sample and two copies, on two corpora.

    python -m bench.bench [--rows N] [--sample S] [--scale K] [--quick] [--huge]
                          [--corpus generator|independent|both] [--small-day-rows R]
                          [--small-day-sample S] [--accounts A] [--seed S] [--master M]
                          [--workdir DIR] [--out DIR] [--date NAME]

On each corpus (``bench.corpus``: the generator's day and ``bench/corpora``'s independent
one), one day of N device_logs rows and N/2 usage_history rows and, each in a fresh local
Spark session and JVM (``local[2]`` by default) so neither Python workers nor compiled
code carry over from one approach to the next, times:

(a)  copy: landing JSON to one Delta table, no transformation (the historical control);
(a2) same zones: landing to bronze to silver in privlake's table layout and Delta
     settings, untransformed (the floor of issue 19);
(b)  Presidio's Spark sample (a pandas UDF calling ``analyze`` and ``anonymize`` per row)
     on the free-text columns of a deterministic sample of S rows;
(c)  privlake: ``run_dataset_day`` of every dataset, snapshots first, as the DAG runs it;

then, unless ``--quick``, (a2), (b) on K x S rows and (c) on a day K times larger (the
marginal figures); with ``--huge``, (c) at 16 x N; and on the independent corpus a small
day of R device-log rows, cold, (b) against (c). The targets of issue 19 are reported per
corpus (``bench.targets``). Results go to ``<out>/<date>.json`` and ``.md``; the markdown
is also printed. Only counts are written, never a value from the data. Timing targets are
reported, not asserted; the run's plumbing is (``bench/checks.py``): exit 1 on a failed check.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.checks import write_and_check
from bench.corpus import CORPORA
from bench.report import BenchReport, CorpusReport
from bench.runs import Plan, run_corpus
from bench.session import bench_config, environment, failure_summary, pseudonym_key
from bench.targets import SMALL_DAY_ROWS
from bench.workdir import fresh_workdir

__all__ = ["failure_summary", "main", "parse_args", "run"]

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORKDIR = REPO / "work" / "bench"
DEFAULT_OUT = REPO / "bench" / "results"
HUGE_SCALE = 16


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="device_logs rows N (usage_history: N/2)")
    parser.add_argument(
        "--sample", type=int, default=3_000, help="rows the Presidio sample approach scrubs at N"
    )
    parser.add_argument("--scale", type=int, default=4, help="the marginal figures run at scale x N")
    parser.add_argument("--quick", action="store_true", help="no scaled run; the small day at N rows at most")
    parser.add_argument(
        "--huge", action="store_true", help=f"(c) also at {HUGE_SCALE}x N (off: reported as not run)"
    )
    parser.add_argument("--corpus", choices=[*CORPORA, "both"], default="both")
    parser.add_argument(
        "--small-day-rows", type=int, default=SMALL_DAY_ROWS, help="device-log rows of the small day"
    )
    parser.add_argument(
        "--small-day-sample",
        type=int,
        default=0,
        help="(b) on this many small-day rows, extrapolated (0: all)",
    )
    parser.add_argument("--accounts", type=int, default=None, help="at N; default: N/100, at least 20")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--master", default="local[2]", help="Spark master (the targets assume local[2])")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="wiped and recreated")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where <date>.json and .md go")
    parser.add_argument("--date", default=None, help="results file name (default: today, UTC)")
    args = parser.parse_args(argv)
    if args.rows < 10 or args.sample < 1 or args.scale < 2 or args.small_day_rows < 10:
        parser.error("--rows and --small-day-rows must be at least 10, --sample 1, --scale 2")
    if args.accounts is not None and args.accounts < 20:
        parser.error("--accounts must be at least 20 (the independent corpus needs one per locale)")
    return args


def plan_of(args: argparse.Namespace) -> Plan:
    small_day_rows = min(args.small_day_rows, args.rows) if args.quick else args.small_day_rows
    return Plan(
        rows=args.rows,
        sample=args.sample,
        scale=args.scale,
        quick=args.quick,
        huge=HUGE_SCALE if args.huge else 0,
        accounts=args.accounts,
        seed=args.seed,
        master=args.master,
        small_day_rows=small_day_rows,
        small_day_sample=args.small_day_sample,
    )


def run(args: argparse.Namespace) -> BenchReport:
    """Every corpus in turn; the results files are rewritten after each session, so a run
    that is stopped early still leaves what it measured."""
    # Python workers import bench.presidio_sample; they inherit PYTHONPATH from the JVM.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    workdir = fresh_workdir(args.workdir, "bench.bench")
    plan = plan_of(args)
    config = bench_config(workdir, args.master)
    key = pseudonym_key(config)
    report = BenchReport(
        args.date or dt.datetime.now(dt.UTC).date().isoformat(),
        environment(config),
        args.scale,
        HUGE_SCALE,
    )

    def save() -> None:
        report.write(args.out)

    for name in CORPORA if args.corpus == "both" else (args.corpus,):
        corpus = report.corpora[name] = CorpusReport(name, {})
        run_corpus(name, plan, workdir / name, key, corpus, save)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    report = run(args)
    print(report.markdown())
    return write_and_check(report, args.out)


if __name__ == "__main__":
    sys.exit(main())

"""The ``privlake`` command: one command line for a person and for a DAG task.

Each job of ``jobs/`` is one subcommand, built from the job's own declaration
(``privlake.entry.add_job_command``: its ``HELP``, ``add_arguments`` and ``run``), so
``privlake ingest ...`` and ``spark-submit jobs/ingest.py ...`` take the same flags and
fail the same way. ``generate``, ``sql``, ``report`` and ``demo`` are commands of this
application only (no Spark application of their own). Every failure ends with
``privlake.console_errors``' few lines (what and where, what to do) and exit code 1, or 2
for bad input or configuration; stacks only with ``--verbose``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from jobs import aggregate, deidentify, erase, ingest, minors, publish, restrict, retention, unrestrict
from jobs import export as export_job
from jobs import run as run_job
from privlake import entry
from privlake.config import load_config
from privlake.console import console
from privlake.console_errors import run_main

Handler = Callable[[argparse.Namespace], int]

# Every job module, in the order ``privlake --help`` lists them.
JOBS = (
    run_job,
    ingest,
    deidentify,
    aggregate,
    publish,
    retention,
    minors,
    erase,
    restrict,
    unrestrict,
    export_job,
)


def cmd_generate(args: argparse.Namespace) -> int:
    from privlake.generator import generate_day

    summary = generate_day(
        Path(args.out),
        args.date,
        accounts=args.accounts,
        rows=args.rows,
        seed=args.seed,
        truth_dir=Path(args.truth) if args.truth else None,
        bad_lines=not args.no_bad_lines,
    )
    console().print(f"generated sample data for {args.date} under {args.out}")
    console().print(summary)
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    from privlake.query import run_sql_command

    config = load_config(args.config)
    return run_sql_command(console(), config, args.statement, privileged=args.privileged, limit=args.limit)


def cmd_report(args: argparse.Namespace) -> int:
    from privlake.report import default_report_path, write_report
    from privlake.spark import get_spark

    config = load_config(args.config)
    spark = get_spark(config, app_name="privlake-report")
    out = write_report(
        spark, config, args.date, Path(args.out) if args.out else default_report_path(args.date)
    )
    console().print(f"report for {args.date}: {out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import run_demo

    return run_demo(
        console(), Path(args.workdir), args.date, args.config, rows=args.rows, accounts=args.accounts
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="privlake", description="Batch PII de-identification and retention for an IoT data lake."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("generate", help="write deterministic sample landing data")
    p.add_argument("--out", required=True, help="landing root to write into")
    p.add_argument("--date", required=True, type=entry.date_argument)
    p.add_argument("--accounts", type=int, default=200)
    p.add_argument("--rows", type=int, default=5000, help="device_logs rows (usage_history gets half)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--truth", default=None, help="ground-truth folder (default: <out>/../ground_truth)")
    p.add_argument("--no-bad-lines", action="store_true", help="do not plant malformed lines")
    entry.add_common_arguments(p)
    p.set_defaults(handler=cmd_generate)

    for job in JOBS:
        entry.add_job_command(sub, job)

    p = sub.add_parser("sql", help="run a Spark SQL query over silver.* and gold.* tables")
    p.add_argument("statement", help='e.g. "SELECT * FROM gold.daily_usage LIMIT 10"')
    p.add_argument(
        "--privileged",
        action="store_true",
        help="also register bronze, quarantine, restricted and privacy tables (raw personal data)",
    )
    p.add_argument("--limit", type=int, default=50, help="rows to print (default 50)")
    entry.add_common_arguments(p)
    p.set_defaults(handler=cmd_sql)

    p = sub.add_parser("report", help="write the self-contained HTML report of a date")
    p.add_argument("--date", required=True, type=entry.date_argument)
    p.add_argument("--out", default=None, help="HTML file (default reports/privlake-report-DATE.html)")
    entry.add_common_arguments(p)
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("demo", help="run the whole pipeline locally on generated data")
    p.add_argument("--workdir", default="work", help="folder for landing, warehouse and reports")
    p.add_argument("--date", type=entry.date_argument, default=dt.date(2026, 11, 28))
    p.add_argument("--rows", type=int, default=5000)
    p.add_argument("--accounts", type=int, default=200)
    entry.add_common_arguments(p)
    p.set_defaults(handler=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    handler: Handler = args.handler
    return run_main(handler, args, prog=f"privlake {args.command}")


if __name__ == "__main__":
    sys.exit(main())

"""The ``privlake`` command: one command line for a person and for a DAG task.

Each subcommand parses typed arguments, loads the configuration and calls a job's entry
function; the jobs themselves live in ``jobs/`` and also run under ``spark-submit``.
Every failure ends with ``privlake.console_errors``' few lines (what and where, what to do)
and exit code 1, or 2 for bad input or configuration; stacks only with ``--verbose``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console

from privlake.config import load_config
from privlake.console_errors import add_verbose_argument, run_main
from privlake.privacy.manifest import add_request_arguments

console = Console(stderr=False, highlight=False)

Handler = Callable[[argparse.Namespace], int]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def cmd_generate(args: argparse.Namespace) -> int:
    from privlake.generate import generate_day

    summary = generate_day(
        Path(args.out),
        args.date,
        accounts=args.accounts,
        rows=args.rows,
        seed=args.seed,
        truth_dir=Path(args.truth) if args.truth else None,
        bad_lines=not args.no_bad_lines,
    )
    console.print(f"generated sample data for {args.date} under {args.out}")
    console.print(summary)
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from jobs.ingest import ingest
    from privlake.report_console import print_run_records
    from privlake.spark import get_spark

    config = load_config(args.config)
    spark = get_spark(config, app_name=f"privlake-ingest-{args.dataset}")
    record = ingest(spark, config, args.dataset, args.date)
    print_run_records(console, [record])
    return 0


def cmd_deidentify(args: argparse.Namespace) -> int:
    from jobs.deidentify import deidentify
    from privlake.keys import pseudonym_key
    from privlake.report_console import print_entity_counts, print_run_records
    from privlake.spark import get_spark

    config = load_config(args.config)
    key = pseudonym_key(config)
    spark = get_spark(config, app_name=f"privlake-deidentify-{args.dataset}")
    record = deidentify(spark, config, args.dataset, args.date, key)
    print_run_records(console, [record])
    print_entity_counts(console, [record])
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from jobs.retention import run_retention

    return run_retention(
        console,
        args.as_of,
        dry_run=args.dry_run,
        dataset=args.dataset,
        rules=args.rules,
        config_path=args.config,
    )


def cmd_erase(args: argparse.Namespace) -> int:
    from jobs import erase

    return erase.run(args)


def cmd_restrict(args: argparse.Namespace) -> int:
    from jobs import restrict, unrestrict

    return (restrict if args.command == "restrict" else unrestrict).run(args)


def cmd_aggregate(args: argparse.Namespace) -> int:
    from jobs.aggregate import aggregate
    from privlake.report.console import print_gold_tables, print_risk
    from privlake.spark import get_spark

    config = load_config(args.config)
    spark = get_spark(config, app_name="privlake-aggregate")
    report = aggregate(spark, config, args.date)
    print_gold_tables(console, report.tables)
    print_risk(console, report.risk)
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    from privlake.query import run_sql_command

    config = load_config(args.config)
    return run_sql_command(console, config, args.statement, privileged=args.privileged, limit=args.limit)


def cmd_report(args: argparse.Namespace) -> int:
    from privlake.report import default_report_path, write_report
    from privlake.spark import get_spark

    config = load_config(args.config)
    spark = get_spark(config, app_name="privlake-report")
    out = write_report(
        spark, config, args.date, Path(args.out) if args.out else default_report_path(args.date)
    )
    console.print(f"report for {args.date}: {out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from privlake.demo import run_demo

    return run_demo(
        console, Path(args.workdir), args.date, args.config, rows=args.rows, accounts=args.accounts
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="privlake", description="Batch PII de-identification and retention for an IoT data lake."
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", default=None, help="configuration file (default: $PRIVLAKE_CONFIG or conf/privlake.yaml)"
    )
    add_verbose_argument(common)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("generate", parents=[common], help="write deterministic sample landing data")
    p.add_argument("--out", required=True, help="landing root to write into")
    p.add_argument("--date", required=True, type=_date)
    p.add_argument("--accounts", type=int, default=200)
    p.add_argument("--rows", type=int, default=5000, help="device_logs rows (usage_history gets half)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--truth", default=None, help="ground-truth folder (default: <out>/../ground_truth)")
    p.add_argument("--no-bad-lines", action="store_true", help="do not plant malformed lines")
    p.set_defaults(handler=cmd_generate)

    p = sub.add_parser("ingest", parents=[common], help="landing JSON Lines -> bronze Delta table")
    p.add_argument("--dataset", required=True)
    p.add_argument("--date", required=True, type=_date)
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser("deidentify", parents=[common], help="bronze -> de-identified silver Delta table")
    p.add_argument("--dataset", required=True)
    p.add_argument("--date", required=True, type=_date)
    p.set_defaults(handler=cmd_deidentify)

    p = sub.add_parser(
        "retention", parents=[common], help="delete or isolate records past their retention window"
    )
    p.add_argument(
        "--as-of", required=True, type=_date, dest="as_of", help="cut-offs count back from this date"
    )
    p.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    p.add_argument("--dataset", default=None, help="only this dataset (or gold/privacy table)")
    p.add_argument(
        "--rules",
        default=None,
        help="rules folder or file (default: $PRIVLAKE_RETENTION_RULES or retention_rules/)",
    )
    p.set_defaults(handler=cmd_retention)

    p = sub.add_parser(
        "erase", parents=[common], help="erase subjects everywhere, purge history, verify, leave evidence"
    )
    add_request_arguments(p)
    p.add_argument("--purge", action="store_true", help="purge table history now (VACUUM RETAIN 0 HOURS)")
    p.add_argument("--dry-run", action="store_true", help="resolve and count, change nothing")
    p.set_defaults(handler=cmd_erase)

    for action, text in (
        ("restrict", "isolate subjects from processing"),
        ("unrestrict", "lift a restriction"),
    ):
        p = sub.add_parser(action, parents=[common], help=text)
        add_request_arguments(p)
        p.set_defaults(handler=cmd_restrict)

    p = sub.add_parser(
        "aggregate", parents=[common], help="silver -> k-anonymous gold tables and the risk report"
    )
    p.add_argument("--date", required=True, type=_date)
    p.set_defaults(handler=cmd_aggregate)

    p = sub.add_parser("sql", parents=[common], help="run a Spark SQL query over silver.* and gold.* tables")
    p.add_argument("statement", help='e.g. "SELECT * FROM gold.daily_usage LIMIT 10"')
    p.add_argument(
        "--privileged",
        action="store_true",
        help="also register bronze, quarantine, restricted and privacy tables (raw personal data)",
    )
    p.add_argument("--limit", type=int, default=50, help="rows to print (default 50)")
    p.set_defaults(handler=cmd_sql)

    p = sub.add_parser("report", parents=[common], help="write the self-contained HTML report of a date")
    p.add_argument("--date", required=True, type=_date)
    p.add_argument("--out", default=None, help="HTML file (default reports/privlake-report-DATE.html)")
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("demo", parents=[common], help="run the whole pipeline locally on generated data")
    p.add_argument("--workdir", default="work", help="folder for landing, warehouse and reports")
    p.add_argument("--date", type=_date, default=dt.date(2026, 11, 28))
    p.add_argument("--rows", type=int, default=5000)
    p.add_argument("--accounts", type=int, default=200)
    p.set_defaults(handler=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    handler: Handler = args.handler
    return run_main(handler, args, prog=f"privlake {args.command}")


if __name__ == "__main__":
    sys.exit(main())

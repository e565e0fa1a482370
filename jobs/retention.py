"""Retention: delete or isolate every record past its window, in every zone, and leave evidence.

The rules in ``retention_rules/*.yaml`` (``privlake.retention.rules``) give each dataset and
zone a window, an action and a legal basis; ``--as-of`` (the DAG's logical date, never the
clock) fixes the cut-offs. The run plans every target, then, unless ``--dry-run``, executes
each rule's action (``privlake.retention.actions``: delete, or isolate into
``restricted/<dataset>``), purges table history, and records one evidence row per target in
``privacy/retention_evidence`` (``privlake.retention.execute`` and ``.evidence``).

Run it as ``privlake retention --as-of YYYY-MM-DD [--dry-run] [--dataset D] [--rules PATH]``
or with ``spark-submit jobs/retention.py`` and the same flags.
"""

from __future__ import annotations

import argparse
import sys

from privlake import entry
from privlake.config import load_config
from privlake.console.retention import print_report
from privlake.retention.execute import retention
from privlake.retention.plan import RetentionIncomplete
from privlake.retention.rules import RULES_ENV, load_rules, rules_location
from privlake.spark import get_spark

HELP = "delete or isolate records past their retention window"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        required=True,
        type=entry.date_argument,
        dest="as_of",
        help="cut-offs count back from this date",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    parser.add_argument("--dataset", default=None, help="only this dataset (or gold/privacy table)")
    parser.add_argument(
        "--rules", default=None, help=f"rules folder or file (default: ${RULES_ENV} or retention_rules/)"
    )


def run(args: argparse.Namespace) -> int:
    """Load the configuration and rules, run, print the plan or what was done; 0 when every
    target succeeded (a failed target raises ``RetentionIncomplete`` after the report)."""
    config = load_config(args.config)
    rules = load_rules(rules_location(args.rules, config), config)
    spark = get_spark(config, app_name="privlake-retention")
    try:
        report = retention(spark, config, rules, args.as_of, dry_run=args.dry_run, dataset=args.dataset)
    except RetentionIncomplete as exc:
        print_report(exc.report)
        raise
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(entry.main(sys.modules[__name__]))

"""Aggregate: one date of silver into the k-anonymous gold tables, plus the risk report.

Every table of ``conf/aggregates.yaml`` is rebuilt for the date (consent applied, groups
of fewer than k subjects rolled up or suppressed), what was suppressed is recorded, and
the re-identification risk of silver is measured. The work is ``privlake.gold``.

Run it as ``privlake aggregate --date YYYY-MM-DD``, or with the same flags as
``spark-submit jobs/aggregate.py --date YYYY-MM-DD``.
"""

from __future__ import annotations

import argparse
import sys

from privlake import entry

HELP = "silver -> k-anonymous gold tables and the risk report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, type=entry.date_argument, help="silver date YYYY-MM-DD")


def run(args: argparse.Namespace) -> int:
    # Imported here: ``privlake --help`` lists every job without loading Spark.
    from privlake.console import console
    from privlake.console.gold import print_gold_tables, print_risk
    from privlake.gold import aggregate

    config, spark = entry.open_session(args, "aggregate")
    report = aggregate(spark, config, args.date)
    print_gold_tables(console(), report.tables)
    print_risk(console(), report.risk)
    return 0


if __name__ == "__main__":
    sys.exit(entry.main(sys.modules[__name__]))

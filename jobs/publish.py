"""Publish: one date of the de-identified tables a destination may receive, to that destination.

The destination (``--to NAME``, declared under ``publish.destinations`` in the configuration:
root, region, gold tables and silver tables with their legal basis) must be a bucket in its
declared region; every outgoing file is scanned for known subjects' identifiers and
structured personal data first, and a finding blocks the transfer. The destination receives
a plain Delta table per table with partition ``dt=D`` replaced, plus every date an erasure
or restriction marked for republishing; each transfer is a row of ``privacy/transfers``.
The work is ``privlake.publish``.

Run it as ``privlake publish --date D --to NAME`` or ``spark-submit jobs/publish.py`` with
the same flags.
"""

from __future__ import annotations

import argparse
import sys

from privlake import entry

HELP = "publish a date's gold (and granted silver) to a destination in another region"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, type=entry.date_argument, help="date to publish YYYY-MM-DD")
    parser.add_argument("--to", required=True, help="a destination of the configuration's publish section")


def run(args: argparse.Namespace) -> int:
    # Imported here: ``privlake --help`` lists every job without loading Spark.
    from privlake.config import load_config
    from privlake.console import console
    from privlake.console.publish import print_transfer
    from privlake.keys import pseudonym_key
    from privlake.publish.targets import check_destination_region, destination
    from privlake.publish.transfer import publish

    config = load_config(args.config)
    # an unknown destination, or one whose bucket is not in its region, fails before Spark starts
    destination(config, args.to)
    check_destination_region(config, args.to)
    key = pseudonym_key(config)
    config, spark = entry.open_session(args, "publish")
    print_transfer(console(), publish(spark, config, args.to, [args.date], key.secret))
    return 0


if __name__ == "__main__":
    sys.exit(entry.main(sys.modules[__name__]))

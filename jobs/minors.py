"""Sweep children's accounts: erase the data of every account under its country's age threshold.

The thresholds are data (``retention_rules/minors.yaml``: 16 in the EU and EEA, 14 in the
US, a default elsewhere). An account whose youngest possible age on ``--as-of`` is under its
threshold is erased like an erasure request named ``minors-YYYY-MM-DD`` (deny list, every
zone, verification scan, evidence), unless a legal hold of the retention rules names it,
and handed to the account system in ``privacy/minor_accounts``; counts go to
``privacy/runs`` (``privlake.privacy.minors``). ``--dry-run`` counts and changes nothing.

Run it as ``privlake minors --as-of YYYY-MM-DD [--dry-run]`` or with
``spark-submit jobs/minors.py`` and the same flags.
"""

from __future__ import annotations

import argparse
import sys

from privlake import entry

HELP = "erase the data of children's accounts (under their country's age threshold)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        required=True,
        type=entry.date_argument,
        dest="as_of",
        help="ages count on this date (the DAG passes its logical date)",
    )
    parser.add_argument("--dry-run", action="store_true", help="count the minors, change nothing")
    parser.add_argument(
        "--thresholds",
        default=None,
        help="age thresholds file (default: minors.yaml next to the retention rules)",
    )


def run(args: argparse.Namespace) -> int:
    """Configuration, thresholds, rules (for their legal holds) and key first, so a bad file
    fails (exit 2) before Spark starts; then the sweep and its counts."""
    from privlake.config import load_config
    from privlake.console.minors import print_sweep
    from privlake.keys import pseudonym_key
    from privlake.privacy.age_thresholds import load_age_thresholds, thresholds_location
    from privlake.privacy.minors import sweep_minors
    from privlake.retention.rules import load_rules, rules_location
    from privlake.spark import get_spark

    config = load_config(args.config)
    thresholds = load_age_thresholds(thresholds_location(args.thresholds, config))
    holds = load_rules(rules_location(None, config), config).holds
    key = pseudonym_key(config)
    spark = get_spark(config, app_name="privlake-minors")
    print_sweep(sweep_minors(spark, config, thresholds, holds, args.as_of, key, dry_run=args.dry_run))
    return 0


if __name__ == "__main__":
    sys.exit(entry.main(sys.modules[__name__]))

"""Ingest: landing JSON Lines for one (dataset, date) into the bronze Delta table.

Every landing line ends in exactly one place: a bronze row, the quarantine table with a
reason, or (erased and restricted subjects) dropped or isolated; the counts must balance.
A re-run replaces the date's partition. The work is ``privlake.ingestion``.

Run it as ``privlake ingest --dataset D --date YYYY-MM-DD``, or with the same flags as
``spark-submit jobs/ingest.py --dataset D --date YYYY-MM-DD``.
"""

from __future__ import annotations

import argparse
import sys

from privlake import entry

HELP = "landing JSON Lines -> bronze Delta table"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    entry.add_dataset_date_arguments(parser, "landing")


def run(args: argparse.Namespace) -> int:
    # Imported here: ``privlake --help`` lists every job without loading Spark.
    from privlake.console import console
    from privlake.console.runs import print_run_records
    from privlake.ingestion import ingest

    config, spark = entry.open_session(args, f"ingest-{args.dataset}")
    print_run_records(console(), [ingest(spark, config, args.dataset, args.date)])
    return 0


if __name__ == "__main__":
    sys.exit(entry.main(sys.modules[__name__]))

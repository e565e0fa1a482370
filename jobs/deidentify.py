"""De-identify: one (dataset, date) of bronze into the silver Delta table.

The dataset's policy drives it: free text through Presidio, identifiers to keyed
pseudonyms, quasi-identifiers generalized, dropped columns gone; rows that fail go to
quarantine, rows of restricted subjects are skipped. A re-run replaces the date's
partition. The work is ``privlake.deidentification``.

Run it as ``privlake deidentify --dataset D --date YYYY-MM-DD``, or with the same flags as
``spark-submit jobs/deidentify.py --dataset D --date YYYY-MM-DD``.
"""

from __future__ import annotations

import argparse
import sys

from privlake import entry

HELP = "bronze -> de-identified silver Delta table"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    entry.add_dataset_date_arguments(parser, "bronze")


def run(args: argparse.Namespace) -> int:
    # Imported here: ``privlake --help`` lists every job without loading Spark or Presidio.
    from privlake.console import console
    from privlake.console.runs import print_entity_counts, print_run_records
    from privlake.deidentification import deidentify
    from privlake.keys import pseudonym_key

    config, spark = entry.open_session(args, f"deidentify-{args.dataset}")
    records = [deidentify(spark, config, args.dataset, args.date, pseudonym_key(config))]
    print_run_records(console(), records)
    print_entity_counts(console(), records)
    return 0


if __name__ == "__main__":
    sys.exit(entry.main(sys.modules[__name__]))

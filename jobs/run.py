"""Run: one (dataset, date) from landing to silver in one Spark application.

Ingest (landing JSON Lines → bronze, bad lines to quarantine), then de-identify that
partition (bronze → silver), in one session: one JVM start, one engine load, the landing
files parsed once. The daily DAG runs this job, one task per dataset, snapshots first. The
work is ``privlake.pipeline``; ``privlake ingest`` and ``privlake deidentify`` run the two
steps alone (re-deriving silver after a policy change).

Run it as ``privlake run --dataset D --date YYYY-MM-DD``, or with the same flags as
``spark-submit jobs/run.py --dataset D --date YYYY-MM-DD``.
"""

from __future__ import annotations

import argparse
import sys

from privlake import entry

HELP = "landing JSON Lines -> bronze -> de-identified silver, in one application"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    entry.add_dataset_date_arguments(parser, "landing")


def run(args: argparse.Namespace) -> int:
    # Imported here: ``privlake --help`` lists every job without loading Spark or Presidio.
    from privlake.console import console
    from privlake.console.runs import print_entity_counts, print_run_records
    from privlake.keys import pseudonym_key
    from privlake.pipeline import run_dataset_day

    config, spark = entry.open_session(args, f"run-{args.dataset}")
    records = run_dataset_day(spark, config, args.dataset, args.date, pseudonym_key(config))
    print_run_records(console(), records)
    print_entity_counts(console(), [r for r in records if r.job == "deidentify"])
    return 0


if __name__ == "__main__":
    sys.exit(entry.main(sys.modules[__name__]))

"""Erase subjects everywhere: resolve, erase in every zone, purge, verify, leave evidence.

A privacy team's erasure request (``--subject KIND=VALUE ...`` or ``--manifest PATH``) is
resolved to accounts and every identifier they own, erased from landing, bronze, restricted,
quarantine and silver (mentions in other rows redacted), gold recomputed, history purged with
``--purge``, and every file scanned for what is left; the ledger makes a re-run resume and a
completed request a no-op (``privlake.privacy.erasure``). Evidence: ``privacy/evidence/``.

Run it as ``privlake erase ...`` or ``spark-submit jobs/erase.py ...`` (the same flags).
"""

from __future__ import annotations

import argparse
import sys

from privlake import entry
from privlake.privacy.erasure import erase
from privlake.privacy.manifest import add_request_arguments
from privlake.privacy.request_run import job_run

HELP = "erase subjects everywhere, purge history, verify, leave evidence"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_request_arguments(parser)
    parser.add_argument(
        "--purge", action="store_true", help="purge table history now (VACUUM RETAIN 0 HOURS)"
    )
    parser.add_argument("--dry-run", action="store_true", help="resolve and count, change nothing")


run = job_run("erase", erase)

if __name__ == "__main__":
    sys.exit(entry.main(sys.modules[__name__]))

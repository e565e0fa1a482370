"""Lift a restriction of processing: the subjects' isolated rows return and are processed again.

The subjects (``--subject KIND=VALUE ...`` or ``--manifest PATH``) come off
``privacy/restricted_subjects``; the rows a restriction (or ingest, for a restricted subject)
isolated move back to bronze, their dates are de-identified again and gold is recomputed
(``privlake.privacy.restriction``). Rows retention isolated stay where they are.

Run it as ``privlake unrestrict ...`` or ``spark-submit jobs/unrestrict.py ...`` (the same flags).
"""

from __future__ import annotations

import sys

from privlake import entry
from privlake.privacy import restriction
from privlake.privacy.manifest import add_request_arguments as add_arguments
from privlake.privacy.request_run import job_run

HELP = "lift a restriction"
__all__ = ["HELP", "add_arguments", "run"]
run = job_run("unrestrict", restriction.unrestrict)

if __name__ == "__main__":
    sys.exit(entry.main(sys.modules[__name__]))

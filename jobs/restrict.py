"""Restrict processing of subjects: isolate their rows from further processing.

The subjects (``--subject KIND=VALUE ...`` or ``--manifest PATH``) go on
``privacy/restricted_subjects``, their bronze rows move to ``restricted/<dataset>``, their
silver rows are removed and gold is recomputed; ingest then routes their new rows to
``restricted/`` and deidentify skips them (``privlake.privacy.restriction``). ``unrestrict``
lifts it.

Run it as ``privlake restrict ...`` or ``spark-submit jobs/restrict.py ...`` (the same flags).
"""

from __future__ import annotations

import sys

from privlake import entry
from privlake.privacy.manifest import add_request_arguments as add_arguments
from privlake.privacy.request_run import job_run
from privlake.privacy.restriction import restrict

HELP = "isolate subjects from processing"
__all__ = ["HELP", "add_arguments", "run"]
run = job_run("restrict", restrict)

if __name__ == "__main__":
    sys.exit(entry.main(sys.modules[__name__]))

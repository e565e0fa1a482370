"""Export everything held about subjects: one archive for a subject access request.

The subjects (``--subject KIND=VALUE ...`` or ``--manifest PATH``) are resolved like an
erasure's; their landing lines and bronze, restricted, quarantine and silver rows, other
people's data in free text redacted, go into one zip at ``--out`` (AES-256 when
``keys.export_passphrase_env`` names a set variable), one file per dataset and zone in
``--format``, with ``manifest.json`` and ``summary.html`` (``privlake.privacy.export``).
Evidence: ``privacy/evidence/``.

Run it as ``privlake export ...`` or ``spark-submit jobs/export.py ...`` (the same flags).
"""

from __future__ import annotations

import argparse
import sys

from privlake import entry
from privlake.privacy.export_package import FORMATS, check_archive_path
from privlake.privacy.manifest import add_request_arguments
from privlake.privacy.request_run import open_request

HELP = "export everything held about subjects into one archive (access request)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_request_arguments(parser)
    parser.add_argument(
        "--format", choices=FORMATS, default="json", help="file format of the rows (default json)"
    )
    parser.add_argument("--out", required=True, help="archive path (.zip) in a restricted location")


def run(args: argparse.Namespace) -> int:
    """Carry out the export request the arguments name; 0 when done."""
    from privlake.config import load_config
    from privlake.console import console
    from privlake.console.privacy import print_evidence
    from privlake.privacy.export import export
    from privlake.privacy.export_package import export_passphrase

    config = load_config(args.config)  # bad input fails before Spark starts
    check_archive_path(args.out)
    export_passphrase(config)
    print_evidence(console(), export(*open_request(args, "export"), args.format, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(entry.main(sys.modules[__name__]))

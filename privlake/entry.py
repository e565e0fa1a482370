"""One entry convention for every job: the same flags, exit codes and messages from the
``privlake`` command and from ``spark-submit jobs/<job>.py``.

A job module (``jobs/<name>.py``) declares itself once:

- ``HELP``: one line for ``privlake --help``;
- ``add_arguments(parser)``: its own flags (``--config`` and ``--verbose`` are added here);
- ``run(args) -> int``: the work, 0 when done.

and ends with::

    if __name__ == "__main__":
        sys.exit(entry.main(sys.modules[__name__]))

The command line (``app/cli.py``) builds one subcommand per job from the same three names
(:func:`add_job_command`), so a DAG task and a person type the same flags. Failures go
through :func:`privlake.console_errors.run_main`: a few lines naming what and where, exit
code 1 (failed) or 2 (bad input or configuration), the stack only with ``--verbose``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Protocol, cast

from privlake.console_errors import add_verbose_argument, run_main

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from privlake.config import PrivlakeConfig

CONFIG_HELP = "configuration file (default: $PRIVLAKE_CONFIG or conf/privlake.yaml)"


class Job(Protocol):
    """What a job module provides (checked structurally: a module is not a class)."""

    __name__: str
    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def date_argument(text: str) -> dt.date:
    """``type=`` for a ``YYYY-MM-DD`` flag, with argparse's usage error (exit 2) otherwise."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def add_dataset_date_arguments(parser: argparse.ArgumentParser, zone: str) -> None:
    """``--dataset`` and ``--date``: the partition a per-dataset job (ingest, deidentify) reads
    from ``zone``."""
    parser.add_argument("--dataset", required=True, help="a dataset of the configuration")
    parser.add_argument("--date", required=True, type=date_argument, help=f"{zone} date YYYY-MM-DD")


def open_session(args: argparse.Namespace, app: str) -> tuple[PrivlakeConfig, SparkSession]:
    """The configuration ``--config`` names and a Spark session called ``privlake-<app>``: how
    every Spark job starts. Imported here, not at the top: ``privlake --help`` loads no Spark."""
    from privlake.config import load_config
    from privlake.spark import get_spark

    config = load_config(args.config)
    return config, get_spark(config, app_name=f"privlake-{app}")


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """``--config`` and ``--verbose``: every command takes them."""
    parser.add_argument("--config", default=None, help=CONFIG_HELP)
    add_verbose_argument(parser)


def job_name(job: Job | ModuleType) -> str:
    """The command's name: the module's last part (``jobs.ingest`` -> ``ingest``), also when
    spark-submit runs the file as ``__main__`` (then the file name says it)."""
    name = job.__name__.rsplit(".", 1)[-1]
    if name == "__main__":
        path = getattr(job, "__file__", None) or sys.argv[0]
        name = path.rsplit("/", 1)[-1].removesuffix(".py")
    return name


def _description(job: Job) -> str:
    doc = getattr(job, "__doc__", None) or job.HELP
    return doc.strip().splitlines()[0]


def job_parser(job: Job | ModuleType) -> argparse.ArgumentParser:
    """The parser ``spark-submit jobs/<job>.py`` uses; the CLI's subcommand has the same flags."""
    declared = cast(Job, job)
    parser = argparse.ArgumentParser(prog=f"privlake {job_name(job)}", description=_description(declared))
    declared.add_arguments(parser)
    add_common_arguments(parser)
    return parser


def add_job_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], job: Job | ModuleType
) -> argparse.ArgumentParser:
    """Add ``job`` as a subcommand of the ``privlake`` command."""
    declared = cast(Job, job)
    name = job_name(job)
    parser = commands.add_parser(name, help=declared.HELP, description=_description(declared))
    declared.add_arguments(parser)
    add_common_arguments(parser)
    parser.set_defaults(handler=declared.run)
    return parser


def main(job: Job | ModuleType, argv: Sequence[str] | None = None) -> int:
    """Entry of ``spark-submit jobs/<job>.py ...``: parse, run, report failures, exit code."""
    declared = cast(Job, job)
    parser = job_parser(job)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return run_main(declared.run, args, prog=parser.prog)

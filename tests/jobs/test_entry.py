"""Every job behaves the same from the ``privlake`` command and from spark-submit.

For each job of ``app.cli.JOBS`` the same arguments go to ``privlake <job> ...`` (the
installed console script a person types) and to ``python jobs/<job>.py ...``, which is the
program ``spark-submit jobs/<job>.py ...`` runs on the driver (spark-submit itself only adds
a JVM launch of a few seconds, and none of these cases reaches Spark). Both must give the
same exit code and the same text for a missing required flag (2, argparse's usage error), a
bad configuration file (2, ``privlake.console_errors``' short message) and ``--help``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from app.cli import JOBS
from privlake import entry
from tests.conftest import REPO, write_config

PRIVLAKE = Path(sys.executable).with_name("privlake")
DAY = "2026-11-28"
ENV = {**os.environ, "COLUMNS": "100", "PRIVLAKE_LOG_FILE": ""}  # argparse wraps help at COLUMNS


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, env=ENV, capture_output=True, text=True, timeout=120)


def same_outcome(job: ModuleType, *args: str) -> subprocess.CompletedProcess[str]:
    """Run both ways; the exit code, standard output and standard error must be equal."""
    application = Path(str(job.__file__)).relative_to(REPO)  # jobs/<job>.py
    cli = run([str(PRIVLAKE), entry.job_name(job), *args])
    submitted = run([sys.executable, str(application), *args])
    assert (cli.returncode, cli.stdout, cli.stderr) == (
        submitted.returncode,
        submitted.stdout,
        submitted.stderr,
    ), f"privlake {entry.job_name(job)} and jobs/{entry.job_name(job)}.py differ"
    return cli


def sample_value(action: argparse.Action) -> list[str]:
    """A value the parser accepts for ``action`` (a flag takes none)."""
    if action.nargs == 0:
        return []
    if action.choices:
        return [str(next(iter(action.choices)))]
    return [DAY if action.type is entry.date_argument else "x"]


def required_argv(job: ModuleType) -> list[str]:
    """The job's required flags, each with a value it accepts (``--config`` is optional)."""
    argv: list[str] = []
    for action in entry.job_parser(job)._actions:
        if action.required and action.option_strings:
            argv += [action.option_strings[0], *sample_value(action)]
    return argv


JOB_PARAMS = [pytest.param(job, id=entry.job_name(job)) for job in JOBS]


@pytest.mark.parametrize("job", JOB_PARAMS)
def test_a_missing_required_flag_is_the_same_usage_error(job: ModuleType) -> None:
    argv = required_argv(job)
    assert argv, f"{entry.job_name(job)} has no required flag to leave out"
    flag = argv[0]
    result = same_outcome(job, *without(argv, flag))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"usage: privlake {entry.job_name(job)} ")
    assert f"the following arguments are required: {flag}" in result.stderr


def without(argv: list[str], flag: str) -> list[str]:
    """``argv`` without ``flag`` and its value."""
    at = argv.index(flag)
    takes_value = at + 1 < len(argv) and not argv[at + 1].startswith("--")
    return argv[:at] + argv[at + 1 + takes_value :]


@pytest.mark.parametrize("job", JOB_PARAMS)
def test_a_bad_configuration_file_is_the_same_short_message(job: ModuleType, tmp_path: Path) -> None:
    config = write_config(tmp_path)
    config.write_text(yaml.safe_dump({**yaml.safe_load(config.read_text()), "no_such_key": 1}))
    result = same_outcome(job, *required_argv(job), "--config", str(config))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 3 and lines[0].startswith(f"privlake {entry.job_name(job)} failed: "), lines
    assert "no_such_key" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("job", JOB_PARAMS)
def test_help_lists_the_same_flags(job: ModuleType) -> None:
    result = same_outcome(job, "--help")
    assert result.returncode == 0, result.stderr
    declared = {option for action in entry.job_parser(job)._actions for option in action.option_strings}
    assert {"--config", "--verbose", "--help"} <= declared
    listed = {word.strip(",[]") for word in result.stdout.split() if word.startswith(("-", "[-"))}
    assert declared <= listed, declared - listed

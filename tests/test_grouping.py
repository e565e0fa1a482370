"""The suite's xdist grouping holds: tests that share a module's lake run in one worker.

When it does not, nothing fails: each worker builds every shared lake itself and the suite
only gets slower (pytest 9.2 with pytest-xdist 3.8 silently dropped every group, and so did
a grouping hook that ran after xdist's own)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import REPO

MODULE = """
import os
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def built_once():
    return "lake"


@pytest.mark.parametrize("n", range(6))
def test_uses_the_module_lake(built_once, n):
    out = Path(os.environ["GROUPING_OUT"]) / f"{n}"
    out.write_text(os.environ["PYTEST_XDIST_WORKER"])
"""


def test_tests_of_one_module_lake_run_in_one_worker(tmp_path: Path) -> None:
    project = tmp_path / "project"
    out = tmp_path / "out"
    project.mkdir()
    out.mkdir()
    # the suite's own hook, in a project of one module with a module-scoped fixture
    hook = "from tests.conftest import pytest_collection_modifyitems  # noqa: F401\n"
    (project / "conftest.py").write_text(hook)
    (project / "test_module_lake.py").write_text(textwrap.dedent(MODULE))
    env = {**os.environ, "PYTHONPATH": str(REPO), "GROUPING_OUT": str(out)}
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider", "-q"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    workers = {path.read_text() for path in out.iterdir()}
    assert len(list(out.iterdir())) == 6
    assert len(workers) == 1, f"one module's tests ran in {sorted(workers)}"

"""The README's Layout section names what the tree holds: every top-level folder, every module
and package of ``privlake/``, and nothing that is not there."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.conftest import REPO

CODE = re.compile(r"`([^`]+)`")


def layout_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Layout")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def column(section: str, header: str, index: int) -> set[str]:
    """The code names in column ``index`` (1-based) of the table whose header starts with ``header``."""
    lines = section.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith(f"| {header}"))
    names: set[str] = set()
    for line in lines[top + 2 :]:
        if not line.startswith("|"):
            break
        names.update(CODE.findall(line.split("|")[index]))
    return names


def tracked_top_level_folders() -> set[str]:
    files = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return {f"{path.split('/')[0]}/" for path in files if "/" in path and not path.startswith(".")}


def library_entries() -> set[str]:
    root = REPO / "privlake"
    modules = {p.name for p in root.glob("*.py") if p.name != "__init__.py"}
    packages = {f"{p.name}/" for p in root.iterdir() if (p / "__init__.py").is_file()}
    return modules | packages


def test_every_top_level_folder_is_in_the_layout() -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    section = layout_section()
    listed = column(section, "layer", 2) | column(section, "other folder", 1)
    assert listed == tracked_top_level_folders()


def test_every_library_module_is_in_the_layout() -> None:
    listed = column(layout_section(), "`privlake/` module", 1)
    assert listed == library_entries()

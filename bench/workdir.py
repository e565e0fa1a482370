"""Work folders of the benchmark tools: wiped at the start of a run, but only their own."""

from __future__ import annotations

import shutil
from pathlib import Path


def fresh_workdir(path: Path, tool: str) -> Path:
    """``path`` emptied for ``python -m <tool>``.

    A folder is only wiped when it is empty or holds the marker a run of the same tool left
    (``.privlake-<last part of tool>``), so a mistyped ``--workdir`` never deletes someone's data.
    """
    path = path.resolve()
    marker = f".privlake-{tool.rsplit('.', 1)[-1]}"
    if path.exists():
        if any(path.iterdir()) and not (path / marker).exists():
            raise SystemExit(f"{path} is not empty and was not made by {tool}; pick another --workdir")
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / marker).write_text(f"made by python -m {tool}; wiped on the next run\n")
    return path

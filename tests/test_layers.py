"""The import graph follows the layers: applications (``app/``, ``dags/``) above ``jobs/``
above the library ``privlake/`` above ``anonymizers/``, each importing only downward.

The graph is read with the standard library's ``ast``: every ``import`` and ``from ...
import`` anywhere in a file (inside functions and ``TYPE_CHECKING`` blocks too: a lazy
import is still a dependency) and ``importlib.import_module("literal")``. Only edges between
modules of these five folders count.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

# Higher imports lower, never the other way. app and dags are both applications: neither
# imports the other.
LAYERS = {"app": 3, "dags": 3, "jobs": 2, "privlake": 1, "anonymizers": 0}

Edge = tuple[str, str]  # (importing module, imported module)


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path) -> dict[str, Path]:
    """Every module of the layered folders under ``root``, by dotted name."""
    found: dict[str, Path] = {}
    for top in LAYERS:
        for path in sorted((root / top).rglob("*.py")):
            found[module_name(root, path)] = path
    return found


def imported_names(tree: ast.AST, name: str, is_package: bool) -> Iterator[str]:
    """Dotted names a module imports (``from a import b`` yields ``a.b``; resolved later)."""
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value


def _is_import_module(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id == "import_module"
    )


def resolve(name: str, known: dict[str, Path]) -> str | None:
    """The longest known module ``name`` starts with (``privlake.gold.aggregate`` ->
    ``privlake.gold``), or None for a module outside the layered folders."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def import_graph(root: Path) -> set[Edge]:
    known = modules(root)
    edges: set[Edge] = set()
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for imported in imported_names(tree, name, path.name == "__init__.py"):
            target = resolve(imported, known)
            # A package's own __init__ runs before its submodules: not an edge of the graph.
            if target is not None and target != name and not name.startswith(f"{target}."):
                edges.add((name, target))
    return edges


def top(module: str) -> str:
    return module.split(".")[0]


def upward_edges(edges: set[Edge]) -> list[Edge]:
    """Edges to a higher layer, or between the two applications."""
    return sorted(
        (a, b)
        for a, b in edges
        if LAYERS[top(b)] > LAYERS[top(a)] or (LAYERS[top(b)] == LAYERS[top(a)] and top(a) != top(b))
    )


def job_to_job_edges(edges: set[Edge]) -> list[Edge]:
    return sorted((a, b) for a, b in edges if top(a) == "jobs" and top(b) == "jobs" and b != "jobs")


def circles(edges: set[Edge]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    graph: dict[str, list[str]] = {}
    for a, b in sorted(edges):
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(graph[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return sorted(found)


@pytest.fixture(scope="module")
def edges() -> set[Edge]:
    return import_graph(REPO)


def test_the_graph_is_read(edges: set[Edge]) -> None:
    """The reader sees top-level, lazy and relative imports of the real tree (else the
    checks below would pass on an empty graph)."""
    assert ("jobs.ingest", "privlake.entry") in edges  # top level
    assert ("jobs.ingest", "privlake.ingestion") in edges  # inside run()
    assert ("app.cli", "jobs.aggregate") in edges  # from jobs import aggregate
    assert len({a for a, _ in edges}) > 50


def test_no_import_from_a_lower_layer_to_a_higher_one(edges: set[Edge]) -> None:
    upward = upward_edges(edges)
    assert not upward, "imports against the layers:\n" + "\n".join(f"  {a} -> {b}" for a, b in upward)


def test_no_job_imports_another_job(edges: set[Edge]) -> None:
    shared = job_to_job_edges(edges)
    assert not shared, "jobs importing jobs (move what they share into privlake/):\n" + "\n".join(
        f"  {a} -> {b}" for a, b in shared
    )


def test_no_import_circle(edges: set[Edge]) -> None:
    found = circles(edges)
    assert not found, "import circles:\n" + "\n".join("  " + " <-> ".join(c) for c in found)


def test_the_checks_find_what_they_forbid(tmp_path: Path) -> None:
    """A small tree with one of each fault: a lazy upward import, a job importing a job via
    import_module, a relative import closing a circle."""
    files = {
        "app/__init__.py": "",
        "app/cli.py": "import jobs.a\n",
        "dags/d.py": "from app import cli\n",
        "jobs/__init__.py": "",
        "jobs/a.py": "import importlib\nmod = importlib.import_module('jobs.b')\n",
        "jobs/b.py": "from privlake import lib\n",
        "privlake/__init__.py": "",
        "privlake/lib.py": "def f():\n    from jobs.b import x\n    from .other import y\n",
        "privlake/other.py": "from privlake.lib import f\n",
        "anonymizers/__init__.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = import_graph(tmp_path)
    assert upward_edges(found) == [("dags.d", "app"), ("dags.d", "app.cli"), ("privlake.lib", "jobs.b")]
    assert job_to_job_edges(found) == [("jobs.a", "jobs.b")]
    assert circles(found) == [["jobs.b", "privlake.lib", "privlake.other"]]

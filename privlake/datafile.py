"""Data files: YAML read with ``yaml.safe_load`` and validated by a pydantic model.

Configuration, aggregates, retention rules, age thresholds and the generator's profiles are
all read this way, and all fail the same way: the file, then one line per problem with the
key path (``rules[2].keep.days``) and pydantic's message, which names the constraint and
never the offending value (a data file may hold an identifier, e.g. in a legal hold).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

Model = TypeVar("Model", bound=BaseModel)


def key_path(loc: Iterable[int | str], *, branches: Iterable[str] = ()) -> str:
    """``('rules', 2, 'keep')`` as ``rules[2].keep``, without pydantic's names for validators
    (``function-after[...]``) and for the union ``branches`` a model declares (e.g. ``date``)."""
    skip = set(branches)
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not (part.startswith(("function-", "literal[")) or part in skip):
            out += f".{part}" if out else part
    return out


def plain_message(err: ErrorDetails) -> str:
    """pydantic's message without the ``Value error, `` a model validator's message carries."""
    return str(err["msg"]).removeprefix("Value error, ")


def problem_lines(
    exc: ValidationError,
    *,
    prefix: tuple[str | int, ...] = (),
    branches: Iterable[str] = (),
    message: Callable[[ErrorDetails], str] = plain_message,
) -> list[str]:
    """One ``key.path: problem`` line per error, each once (a union reports once per branch)."""
    lines: list[str] = []
    for err in exc.errors():
        where = key_path((*prefix, *err["loc"]), branches=branches) or "(top level)"
        line = f"{where}: {message(err)}"
        if line not in lines:
            lines.append(line)
    return lines


def invalid_file(source: Path | str, what: str, problems: Iterable[str]) -> str:
    """The message of an invalid data file: ``<file>: invalid <what>``, one problem a line."""
    return "\n".join([f"{source}: invalid {what}", *(f"  {p}" for p in problems)])


def read_yaml(source: Path, error: type[Exception], *, not_found: str | None = None) -> Any:
    """The parsed document; a missing file or bad YAML raises ``error`` naming ``source``."""
    try:
        with source.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise error(f"{source}: {not_found or 'file not found'}") from None
    except yaml.YAMLError as exc:
        # The line and the problem, not PyYAML's whole message: that quotes the source line.
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        raise error(f"{source}: not valid YAML{where}" + (f": {problem}" if problem else "")) from None


def load_model(
    source: Path,
    model: type[Model],
    error: type[Exception],
    *,
    what: str,
    not_found: str | None = None,
    branches: Iterable[str] = (),
    message: Callable[[ErrorDetails], str] = plain_message,
) -> Model:
    """``source`` read and validated as ``model``; every failure raises ``error``, whose
    message is ``<file>: invalid <what>`` and then one indented line per problem."""
    raw = read_yaml(source, error, not_found=not_found)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = problem_lines(exc, branches=branches, message=message)
        raise error(invalid_file(source, what, problems)) from None

"""What the jobs print on a terminal: one rich console, and one module of printers per
kind of result (runs, gold tables, retention, privacy requests).

Printers take a result object and print counts, names and pseudonyms, never a raw value.
"""

from __future__ import annotations

from functools import cache

from rich.console import Console


@cache
def console() -> Console:
    """The process's console on standard output (no syntax highlighting of numbers or paths)."""
    return Console(highlight=False)

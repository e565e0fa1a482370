"""What ``make setup`` promises about the installed environment."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import pytest

# What every Spark Python worker (the scrubber), spark-submit driver and Airflow task
# imports when it starts: each is a new interpreter.
WORKER_AND_TASK_MODULES = (
    "presidio_analyzer.analyzer_engine",
    "spacy.language",
    "phonenumbers.phonenumberutil",
    "pydantic.main",
    "pyspark.sql.dataframe",
    "airflow.sdk",
)


@pytest.mark.parametrize("name", WORKER_AND_TASK_MODULES)
def test_dependencies_are_installed_with_their_bytecode(name: str) -> None:
    """Without it a new interpreter compiles them from source whenever it may not write
    ``__pycache__`` (PYTHONDONTWRITEBYTECODE, a read-only image): about 2 s more to import
    Airflow, 0.7 s more per Spark Python worker."""
    source = importlib.import_module(name).__file__
    assert source is not None
    cached = Path(importlib.util.cache_from_source(source))
    assert cached.is_file(), f"{name}: no bytecode at {cached}; run `make setup`"
    assert cached.stat().st_mtime >= Path(source).stat().st_mtime, f"{name}: bytecode older than its source"

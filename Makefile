# privlake — run `make help` for the list of targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
UV_VERSION := 0.13.9
export PYSPARK_PYTHON := $(abspath $(BIN)/python)
export SPARK_LOCAL_IP ?= 127.0.0.1

.DEFAULT_GOAL := help
.PHONY: help setup lock demo demo-airflow test eval lint docker-lint format clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# Bytecode is compiled here (uv does not by default): every Spark Python worker,
# spark-submit and Airflow task is a new interpreter, and where PYTHONDONTWRITEBYTECODE is
# set or site-packages is read-only each would otherwise compile Presidio, spaCy, pydantic
# and Airflow from source again (bench/README.md, seventh round). compileall skips what is
# already compiled, so it also brings an existing .venv up to date.
$(STAMP): pyproject.toml requirements.lock Makefile
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11) on PATH, or run make PYTHON=/path/to/python3.11"; exit 1; }
	@command -v java >/dev/null || { echo "need a JDK 17 (java on PATH) for Spark"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "uv==$(UV_VERSION)"
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q -j 0 "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" \
		app privlake anonymizers jobs
	touch $(STAMP)

setup: $(STAMP) ## create .venv and install the pinned dependencies (fast when up to date)

lock: ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

demo: setup ## run the whole pipeline locally on generated sample data (work/)
	$(BIN)/privlake demo --workdir work

demo-airflow: setup ## the daily DAGs through Airflow itself (dag.test, SQLite, spark-submit) on work-airflow/
	$(BIN)/python -m app.demo_airflow --workdir work-airflow

test: setup ## run the test suite
	$(BIN)/pytest

eval: setup ## evaluation suite on two corpora (generator, bench/corpora): ingest -> deidentify, score silver against the ground truth
	$(BIN)/python -m bench.eval

bench: setup ## benchmark: copy vs Presidio's Spark sample vs privlake (200k rows; writes bench/results/)
	$(BIN)/python -m bench.bench

lint: setup ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff check --preview --select AIR dags/   # Airflow 3 migration rules (AIR3xx), preview ones too
	$(BIN)/ruff format --check .
	$(BIN)/mypy

docker-lint: setup ## lint the docker/ stack: hadolint and the Compose Specification schema
	$(BIN)/hadolint docker/Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker/compose.yaml

format: setup ## apply ruff's formatter and safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean: ## remove the demo work folder and caches (keeps .venv)
	rm -rf work work-airflow .pytest_cache .mypy_cache .ruff_cache

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
.PHONY: help setup lock demo demo-airflow test eval bench bench-quick lint docker-lint format clean

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

# Two xdist workers. tests/conftest.py keeps each shared build's tests (the Airflow daily
# chain, the publish lake, the S3 server) and each module's lake in one worker, and hands the
# groups out heaviest first (--no-loadscope-reorder keeps that order). TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
test: setup ## run the test suite (TEST_WORKERS=N: N xdist workers)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

eval: setup ## evaluation suite on two corpora (generator, bench/corpora): ingest -> deidentify, score silver against the ground truth
	$(BIN)/python -m bench.eval

# Both bench targets fail when a run's results fail bench/checks.py (every approach ran and
# was measured, CPU adds up, no raw value in the output); timing targets are reported only.
bench: setup ## benchmark on two corpora: copy, same zones, Presidio's Spark sample, privlake (200k rows; bench/results/), then its checks
	$(BIN)/python -m bench.bench

bench-quick: setup ## the benchmark's plumbing on 300 rows in a few minutes (work/bench-quick/), with the same checks
	$(BIN)/python -m bench.bench --quick --rows=300 --sample=50 --workdir=work/bench-quick \
		--out=work/bench-quick/results --date=quick

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

"""Every command fails in a few readable lines, with no stack and no data value, and the
right exit code; the stacks are there with --verbose or in PRIVLAKE_LOG_FILE."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import yaml
from py4j.protocol import Py4JNetworkError
from pyspark.errors import PySparkRuntimeError
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from privlake.config import ConfigError
from privlake.console_errors import describe_failure, format_failure
from privlake.errors import PrivlakeError
from privlake.keys import MissingKeyError
from tests.conftest import REPO, write_config

DAY = "2026-11-28"
# A personal value a failure could quote; it must never reach the message.
RAW = "zoe.mueller@mail.example.de"
MAX_LINES = 3


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """A command in a fresh interpreter, as a person or spark-submit would start it."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_short(stderr: str, first_line: str) -> None:
    lines = stderr.strip().splitlines()
    assert 1 <= len(lines) <= MAX_LINES, stderr[-3000:]
    assert lines[0].startswith(first_line), stderr[-3000:]
    assert "Traceback" not in stderr and "at org.apache" not in stderr and RAW not in stderr


# --- the format, without Spark ---------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "expected", "exit_code"),
    [
        (PrivlakeError("device_logs 2026-11-28: counts do not add up"), "counts do not add up", 1),
        (ConfigError("conf/x.yaml: invalid configuration\n  spark.master: required"), "spark.master", 2),
        (MissingKeyError("the pseudonym key is not set"), "not set", 2),
        (
            FileNotFoundError(2, "No such file or directory", "/lake/landing/a.jsonl"),
            "/lake/landing/a.jsonl",
            1,
        ),
        (EOFError("Compressed file ended before the end-of-stream marker was reached"), "truncated", 1),
        (zlib.error("Error -3 while decompressing data: invalid block type"), "truncated or corrupt", 1),
        (gzip.BadGzipFile(f"Not a gzipped file (b'{RAW[:2]}')"), "truncated or corrupt", 1),
        (ValueError(f"invalid literal for int(): {RAW!r}"), "unexpected ValueError", 1),
        (KeyError(RAW), "unexpected KeyError", 1),
        (PySparkRuntimeError(errorClass="JAVA_GATEWAY_EXITED", messageParameters={}), "could not start", 1),
        (Py4JNetworkError(f"Answer from Java side is empty {RAW}"), "JVM stopped answering", 1),
    ],
)
def test_a_failure_is_a_few_lines_without_values(exc: BaseException, expected: str, exit_code: int) -> None:
    failure = describe_failure(exc)
    text = format_failure("privlake ingest", failure, log_file=None, verbose=False)
    assert failure.exit_code == exit_code
    assert text.startswith("privlake ingest failed: ") and expected in text
    assert RAW not in text and RAW[:2] + "'" not in text
    assert len(text.splitlines()) <= MAX_LINES


def test_spark_failures_are_named_by_condition_never_by_the_quoted_value(spark: SparkSession) -> None:
    """A cast error quotes the value and a Python worker's traceback whatever it raised."""
    with pytest.raises(Exception) as cast_error:
        spark.createDataFrame([(RAW,)], "email string").select(F.col("email").cast("int")).collect()
    assert RAW in str(cast_error.value)  # what Spark itself would have printed

    def fail(batches):  # type: ignore[no-untyped-def]
        for batch in batches:
            raise ValueError(f"cannot parse {batch['email'][0]}")
        yield from ()

    with pytest.raises(Exception) as worker_error:
        spark.createDataFrame([(RAW,)], "email string").mapInPandas(fail, "email string").collect()
    assert RAW in str(worker_error.value)

    cast = format_failure("privlake sql", describe_failure(cast_error.value), None, False)
    worker = format_failure("privlake deidentify", describe_failure(worker_error.value), None, False)
    assert "CAST_INVALID_INPUT" in cast and "ValueError" in worker
    for text in (cast, worker):
        assert RAW not in text and "\tat " not in text and len(text.splitlines()) <= MAX_LINES


# --- the commands, as a person and spark-submit run them -------------------------------


def landing_file(tmp_path: Path, damage: str) -> Path:
    rows = "".join(json.dumps({"event_id": f"e{i}", "account_id": "acc-1"}) + "\n" for i in range(500))
    data = bytearray(gzip.compress(rows.encode()))
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:  # the CRC-32 in the gzip trailer no longer matches the data
        data[-8] ^= 0xFF
    folder = tmp_path / "landing" / "usage_history" / f"dt={DAY}"
    folder.mkdir(parents=True)
    path = folder / "part-0001.jsonl.gz"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("damage", ["truncated", "bad_crc"])
def test_ingest_of_a_damaged_gzip_names_the_file_in_a_few_lines(tmp_path: Path, damage: str) -> None:
    path = landing_file(tmp_path, damage)
    config = write_config(tmp_path)
    ingest = (
        "-m",
        "app.cli",
        "ingest",
        "--dataset",
        "usage_history",
        "--date",
        DAY,
        "--config",
        str(config),
    )
    problem = "is truncated" if damage == "truncated" else "is corrupt"
    if damage == "truncated":
        # By default the stacks go to the log file only.
        log = tmp_path / "privlake.log"
        result = run(*ingest, env={"PRIVLAKE_LOG_FILE": str(log)})
        assert result.returncode == 1, result.stderr[-3000:]
        assert_short(result.stderr, f"privlake ingest failed: the file {path} {problem}")
        assert str(log) in result.stderr
        assert "Traceback" in log.read_text() and "at org.apache" in log.read_text()
    else:
        # With --verbose they come first, and the short message is still the last lines.
        result = run(*ingest, "--verbose")
        assert result.returncode == 1, result.stderr[-3000:]
        assert "Traceback" in result.stderr and "at org.apache" in result.stderr
        lines = result.stderr.strip().splitlines()
        assert f"privlake ingest failed: the file {path} {problem}" in "\n".join(lines[-MAX_LINES:])
    assert not (tmp_path / "warehouse" / "bronze").exists()


BAD_CONFIG = {"no_such_key": 1}
SHORT_KEY = {"PRIVLAKE_PSEUDONYM_KEY": "short-key"}


@pytest.mark.parametrize(
    ("command", "first_line", "bad_config", "env", "expected"),
    [
        (
            ["-m", "app.cli", "retention", "--as-of", DAY],
            "privlake retention failed: ",
            True,
            {},
            "no_such_key",
        ),
        (["jobs/retention.py", "--as-of", DAY], "retention failed: ", True, {}, "no_such_key"),
        (
            ["-m", "app.cli", "deidentify", "--dataset", "accounts", "--date", DAY],
            "privlake deidentify failed: ",
            False,
            SHORT_KEY,
            "shorter than 16 bytes (9 given)",
        ),
    ],
    ids=["cli-config", "spark-submit-config", "short-key"],
)
def test_bad_configuration_or_key_exits_2(
    tmp_path: Path, command: list[str], first_line: str, bad_config: bool, env: dict[str, str], expected: str
) -> None:
    """Bad input fails before Spark starts: exit 2, the same few lines from the CLI and the job."""
    config = write_config(tmp_path)
    if bad_config:
        config.write_text(yaml.safe_dump({**yaml.safe_load(config.read_text()), **BAD_CONFIG}))
    result = run(*command, "--config", str(config), env=env, timeout=120)
    assert result.returncode == 2, result.stderr[-3000:]
    assert_short(result.stderr, first_line)
    assert expected in result.stderr
    assert SHORT_KEY["PRIVLAKE_PSEUDONYM_KEY"] not in result.stderr


def test_aggregate_without_silver_fails_in_one_line(tmp_path: Path) -> None:
    result = run("jobs/aggregate.py", "--date", DAY, "--config", str(write_config(tmp_path)))
    assert result.returncode == 1, result.stderr[-3000:]
    assert_short(result.stderr, "privlake aggregate failed: no silver table for ")
    assert len(result.stderr.strip().splitlines()) == 1

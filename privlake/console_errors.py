"""How every command reports a failure: a few lines for the person, the stacks to a debug log.

Every entry point (``privlake`` and each ``jobs/*.py`` under ``spark-submit``) runs its work
through ``run_main``, which turns any exception into ``describe_failure``'s short message:
what failed and where on the first line, what to do on the next, and an exit code (1 failed,
2 bad input or configuration, 130 interrupted). Python tracebacks, Java stacks, Spark's own
log and everything the JVM prints while it starts go to the debug stream instead: the
terminal with ``--verbose`` (or ``PRIVLAKE_VERBOSE=1``), the file named by
``PRIVLAKE_LOG_FILE`` (appended), otherwise nowhere. The JVM inherits the process's standard
error when pyspark starts it, so the debug stream is file descriptor 2 itself for the whole
command, and the short message goes to a copy of the original one.

A Spark message can quote data: a cast error quotes the value, a JSON error the line, a
Python worker's traceback whatever it printed. So a Spark failure is described only by its
error condition, the class names of its causes and the message parameters that name a
place (a path, a table, a column), never by its message text. Our own ``PrivlakeError``
messages are written never to hold a data value and are printed as they are.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from privlake.errors import PrivlakeError

LOG_FILE_ENV = "PRIVLAKE_LOG_FILE"
VERBOSE_ENV = "PRIVLAKE_VERBOSE"

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

# Spark message parameters that name a place, never a value: kept in the message. Others
# (``value``, ``expression``, ``sqlExpr``, ``badRecord``...) can quote data and are dropped.
PLACE_PARAMETERS = (
    "path",
    "relationName",
    "tableName",
    "objectName",
    "columnName",
    "fieldName",
    "schemaName",
)
MAX_PARAMETER_CHARS = 300

# What is wrong with a file Spark cannot read, from its root cause: first by the fixed texts
# of the decompressors (Hadoop's gzip codec, java.util.zip; compared, never printed), then by
# the cause's Java class.
TRUNCATED = "is truncated (it ends in the middle of its compressed data)"
CORRUPT = "is corrupt (its checksum or compressed data is wrong)"
UNREADABLE_FILE_TEXTS = {
    "unexpected end of input stream": TRUNCATED,
    "unexpected end of zlib input stream": TRUNCATED,
    "gzip stream crc failure": CORRUPT,
    "stored gzip size doesn't match decompressed size": CORRUPT,
    "corrupt gzip trailer": CORRUPT,
    "not a gzip file": "is not gzip data although its name ends in .gz",
}
UNREADABLE_FILE_CLASSES = {
    "java.io.EOFException": TRUNCATED,
    "java.util.zip.ZipException": CORRUPT,
    "java.util.zip.DataFormatException": CORRUPT,
}

# The top-level packages whose frames say where in privlake a failure happened.
OWN_PACKAGES = ("privlake", "jobs", "anonymizers")

Handler = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Failure:
    """A failure as the person sees it: what and where, what to do, and the exit code."""

    what: str
    todo: str = ""
    exit_code: int = EXIT_FAILED
    # Whether the stack is worth pointing to (our own errors say all there is to say).
    has_details: bool = True


# --- describing an exception ------------------------------------------------------------


def describe_failure(exc: BaseException) -> Failure:
    """The short, value-free description of ``exc``."""
    if isinstance(exc, PrivlakeError):
        # An empty message would leave the person with nothing: name the class at least.
        return Failure(str(exc).strip() or type(exc).__name__, exit_code=exc.exit_code, has_details=False)
    if isinstance(exc, KeyboardInterrupt):
        return Failure("interrupted", exit_code=EXIT_INTERRUPTED, has_details=False)
    spark = _describe_spark_failure(exc)
    if spark is not None:
        return spark
    if isinstance(exc, EOFError) or _is_zlib(exc):
        filename = getattr(exc, "filename", None)
        where = f" {filename}" if filename else ""
        return Failure(
            f"a compressed file{where} is truncated or corrupt ({_qualified(exc)})",
            "replace it with a good copy (or move it away) and run again",
        )
    if isinstance(exc, OSError) and exc.errno is not None:
        # strerror is the system's text ("No such file or directory"): no data in it.
        where = f": {exc.filename}" if exc.filename else ""
        return Failure(
            f"{exc.strerror}{where} ({type(exc).__name__})",
            "check that the path exists and that this user may read and write it",
        )
    return Failure(
        f"unexpected {_qualified(exc)}{_code_location(exc)}",
        "probably a bug: report it with the stack",
    )


def _code_location(exc: BaseException) -> str:
    """`` in jobs/x.py:12``: the innermost frame of privlake's own code (or the innermost)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if any(f"{os.sep}{top}{os.sep}" in f.filename for top in OWN_PACKAGES)]
    if not frames:
        return ""
    frame = (ours or frames)[-1]
    parts = frame.filename.split(os.sep)
    tops = [i for i, part in enumerate(parts) if part in OWN_PACKAGES]
    name = "/".join(parts[tops[-1] :]) if tops else parts[-1]
    return f" in {name}:{frame.lineno}"


def _is_zlib(exc: BaseException) -> bool:
    return type(exc).__module__ in ("zlib", "gzip")


def _qualified(exc: BaseException) -> str:
    module = type(exc).__module__
    name = type(exc).__qualname__
    return name if module in ("builtins", "__main__") else f"{module}.{name}"


def _describe_spark_failure(exc: BaseException) -> Failure | None:
    """A Spark or py4j exception, by error condition, cause classes and place parameters."""
    # Only look at the classes of modules already imported: a failure before Spark started
    # must not pay for importing it.
    py4j_protocol = sys.modules.get("py4j.protocol")
    pyspark_errors = sys.modules.get("pyspark.errors")
    if pyspark_errors is not None and isinstance(exc, pyspark_errors.PythonException):
        return Failure(
            f"a Python task on a Spark worker failed with {_python_worker_error(_worker_traceback(exc))}",
            "run again with --verbose to see the worker's traceback",
        )
    java: Any = None
    condition: str | None = None
    parameters: dict[str, str] = {}
    if pyspark_errors is not None and isinstance(exc, pyspark_errors.PySparkException):
        java = getattr(exc, "_origin", None)
        condition, parameters = _condition_of(exc)
    elif py4j_protocol is not None and isinstance(exc, py4j_protocol.Py4JJavaError):
        java = exc.java_exception
    elif py4j_protocol is not None and isinstance(exc, py4j_protocol.Py4JError):
        return Failure(
            f"Spark's JVM stopped answering ({type(exc).__name__}); it may have run out of memory or "
            "been killed",
            "run again with --verbose to see the JVM's log; give the driver more memory "
            "(spark.driver.memory) if it ran out",
        )
    else:
        return None
    causes = _java_causes(java)
    for cause in causes:
        if condition is None and cause.condition:
            condition, parameters = cause.condition, cause.parameters
    if condition is not None and condition.startswith("JAVA_GATEWAY_EXITED"):
        return Failure(
            "Spark could not start: its Java process exited before it was ready",
            "check that a JDK 17 or newer is installed (java -version, JAVA_HOME); "
            "run again with --verbose to see what Java printed",
        )
    places = {k: _short(v) for k, v in parameters.items() if k in PLACE_PARAMETERS}
    root = causes[-1].java_class if causes else None
    if condition is not None and condition.startswith("FAILED_READ_FILE") and "path" in places:
        problem = _unreadable_file_problem(causes[-1] if causes else None, condition)
        return Failure(
            f"the file {places['path']} {problem}",
            "replace it with a good copy, or move it out of the folder the command reads, and run again",
        )
    if condition is not None and condition.startswith("PATH_NOT_FOUND") and "path" in places:
        return Failure(f"no such path: {places['path']}", "check the configured roots and the date")
    if any(c.java_class == "java.lang.OutOfMemoryError" for c in causes):
        return Failure(
            f"Spark ran out of memory{_code_location(exc)}",
            "give it more (spark.driver.memory, spark.executor.memory under spark.conf in the "
            "configuration) or more shuffle partitions, and run again",
        )
    named = "".join(f"; {k} {v}" for k, v in places.items())
    kind = condition or (causes[0].java_class if causes else type(exc).__name__)
    caused = f", caused by {root}" if root and root != kind and len(causes) > 1 else ""
    return Failure(
        f"Spark failed: {kind}{caused}{named}{_code_location(exc)}",
        "run again with --verbose to see Spark's message and stack (they may quote data values)",
    )


@dataclass(frozen=True)
class _JavaCause:
    java_class: str
    condition: str | None
    parameters: dict[str, str]
    # Compared with known fixed texts only: a message can quote data.
    message: str = field(default="", repr=False)


def _unreadable_file_problem(root: _JavaCause | None, condition: str) -> str:
    if root is None:
        return f"cannot be read ({condition})"
    text = root.message.strip().lower()
    for known, problem in UNREADABLE_FILE_TEXTS.items():
        if text.startswith(known):
            return problem
    return UNREADABLE_FILE_CLASSES.get(root.java_class, f"cannot be read ({root.java_class})")


def _java_causes(java: Any, limit: int = 12) -> list[_JavaCause]:
    """The Java exception and its causes, outermost first (empty if the JVM cannot say)."""
    causes: list[_JavaCause] = []
    try:
        from pyspark import SparkContext

        gateway = SparkContext._gateway
        while java is not None and len(causes) < limit:
            condition, parameters = None, {}
            if gateway is not None and java.getClass() is not None:
                from py4j.java_gateway import is_instance_of

                if is_instance_of(gateway, java, "org.apache.spark.SparkThrowable"):
                    condition = java.getCondition()
                    parameters = dict(java.getMessageParameters() or {})
            message = str(java.getMessage() or "")
            causes.append(_JavaCause(str(java.getClass().getName()), condition, parameters, message))
            java = java.getCause()
    except Exception:  # the JVM may be gone: describe what we have
        pass
    return causes


def _condition_of(exc: Any) -> tuple[str | None, dict[str, str]]:
    try:
        condition, parameters = exc.getCondition(), exc.getMessageParameters()
    except Exception:  # e.g. the JVM is gone: describe what we have
        return None, {}
    return (
        condition if isinstance(condition, str) else None,
        {str(k): str(v) for k, v in parameters.items()} if isinstance(parameters, dict) else {},
    )


def _worker_traceback(exc: BaseException) -> str:
    # Read only to find the exception's class name: the text itself is never printed.
    return str(getattr(exc, "_desc", "") or "")


def _python_worker_error(traceback_text: str) -> str:
    """The class of the exception a Python worker raised, from its traceback's last line."""
    names = re.findall(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))\b", traceback_text, re.M)
    return names[-1] if names else "an error"


def _short(value: object) -> str:
    text = str(value).removeprefix("file://").replace("\n", " ")
    return text if len(text) <= MAX_PARAMETER_CHARS else text[:MAX_PARAMETER_CHARS] + "..."


# --- printing it --------------------------------------------------------------------------


def format_failure(prog: str, failure: Failure, log_file: str | None, verbose: bool) -> str:
    """The lines the person reads (without a trailing newline)."""
    lines = [f"{prog} failed: {failure.what}"]
    if failure.todo:
        lines.append(f"  what to do: {failure.todo}")
    if failure.has_details and not verbose:
        where = (
            f"in {log_file}"
            if log_file
            else f"with --verbose (or {LOG_FILE_ENV}=FILE to keep them in a file)"
        )
        lines.append(f"  the stack and Spark's log are {where}")
    return "\n".join(lines)


def add_verbose_argument(parser: argparse.ArgumentParser) -> None:
    """``--verbose``: the stacks and Spark's log on standard error (default: hidden)."""
    parser.add_argument(
        "--verbose",
        action="store_true",
        help=f"print Spark's log and, on failure, the full stack (default: ${LOG_FILE_ENV} or hidden)",
    )


def wants_verbose(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "verbose", False)) or os.environ.get(VERBOSE_ENV, "") not in ("", "0")


@contextmanager
def debug_stream(verbose: bool) -> Iterator[TextIO]:
    """Point standard error (the file descriptor, so the JVM inherits it) at the debug log;
    yields a stream on the original standard error for the messages a person reads."""
    if verbose:
        yield sys.stderr
        return
    log_file = os.environ.get(LOG_FILE_ENV) or os.devnull
    sys.stderr.flush()
    try:
        saved_fd = os.dup(2)
    except OSError:  # no standard error to redirect (closed): nothing to keep clean either
        yield sys.stderr
        return
    try:
        log_fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError as exc:
        print(f"cannot write {LOG_FILE_ENV} {log_file} ({exc.strerror}): no stacks kept", file=sys.stderr)
        log_fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    terminal = open(saved_fd, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    try:
        yield terminal
    finally:
        terminal.flush()
        sys.stderr.flush()
        os.dup2(saved_fd, 2)
        terminal.close()
        os.close(saved_fd)


def run_main(handler: Handler, args: argparse.Namespace, prog: str) -> int:
    """Run a command's ``handler``; on failure print the short message and return its exit code."""
    verbose = wants_verbose(args)
    log_file = None if verbose else os.environ.get(LOG_FILE_ENV) or None
    with debug_stream(verbose) as terminal:
        if log_file:
            print(f"--- {prog} {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}", file=sys.stderr)
        try:
            return handler(args)
        except (Exception, KeyboardInterrupt) as exc:
            try:
                failure = describe_failure(exc)
            except Exception:  # the person must get a message whatever happened
                failure = Failure(f"unexpected {_qualified(exc)}", "probably a bug: report it with the stack")
            traceback.print_exception(exc, file=sys.stderr)
            sys.stderr.flush()
            print(format_failure(prog, failure, log_file, verbose), file=terminal, flush=True)
            return failure.exit_code

"""Errors a user can act on. Their messages name what and where, never a data value.

``privlake.console_errors`` prints them as they are (no traceback) and exits with their
``exit_code``: 1 when a run failed, 2 (``BadInputError``) when the configuration, the
environment or the request given is wrong and nothing was attempted.
"""


class PrivlakeError(Exception):
    """Base class: the command line prints the message and exits non-zero, no traceback."""

    exit_code = 1


class BadInputError(PrivlakeError):
    """The configuration, the environment or the arguments are wrong: exit code 2."""

    exit_code = 2


def error_note(exc: BaseException) -> str:
    """A failure as a ledger or evidence table keeps it: our errors' first line (they never hold
    data values), anything else by class only, because a Spark message can quote a predicate or
    a plan and those tables are kept for years."""
    return str(exc).splitlines()[0] if isinstance(exc, PrivlakeError) else type(exc).__name__

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

"""Errors a user can act on. Their messages name what and where, never a data value."""


class PrivlakeError(Exception):
    """Base class: the command line prints the message and exits non-zero, no traceback."""

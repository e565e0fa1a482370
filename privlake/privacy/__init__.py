"""Erasure and restriction requests: intake, ledger, resolution, deny list, verification, evidence.

The modules here are the pieces ``jobs/erase.py`` and ``jobs/restrict.py`` put together.
Every fact they store or print about a data subject is a keyed hash (HMAC-SHA256 under
the pseudonym key, the same tokens silver holds); raw identifiers only ever live in the
driver's memory and, between the steps of one request, in an encrypted work file.
"""

# Light constants the DAG files' Params forms use at parse time (no heavy import here).
REQUEST_KINDS: tuple[str, ...] = ("account_id", "email", "phone", "device_serial")
# File formats of a subject access package (``privlake export --format``).
EXPORT_FORMATS: tuple[str, ...] = ("json", "csv", "parquet")
REQUEST_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$"
# The minors sweep's hand-over to the account system: account pseudonyms and, by design, the
# raw account ids the account system terminates (privlake.privacy.minors). The verification
# scan leaves this one table out; a retention rule bounds how long it keeps them.
MINOR_ACCOUNTS_TABLE = "minor_accounts"
# The DAG form's subject lines: KIND=VALUE, one per line (blank lines and # comments allowed).
SUBJECT_LINES_PATTERN = (
    r"^(?:[ \t]*(?:#[^\n]*|(?:account_id|email|phone|device_serial)=[^\n]+)?[ \t]*(?:\r?\n|$))*$"
)

"""Erasure and restriction requests: intake, ledger, resolution, deny list, verification, evidence.

The modules here are the pieces ``jobs/erase.py`` and ``jobs/restrict.py`` put together.
Every fact they store or print about a data subject is a keyed hash (HMAC-SHA256 under
the pseudonym key, the same tokens silver holds); raw identifiers only ever live in the
driver's memory and, between the steps of one request, in an encrypted work file.
"""

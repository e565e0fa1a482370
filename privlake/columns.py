"""Column names that more than one module reads or writes: one spelling each.

A table's schema declares its columns (``privlake.schema``: bronze from the dataset config,
the library's own tables as Spark DDL); code that selects, filters or adds one of the
columns below by name uses the constant, so a column written by one module and read by
another (ingest and deidentify, retention and erasure) cannot drift apart by a typo.
Names used by a single module stay in it.
"""

from __future__ import annotations

# The date partition of every table: the landing date in bronze, silver and quarantine, the
# run's date in the records and gold tables.
DT = "dt"

# Bronze lineage: the landing file and 1-based line each row came from.
BRONZE_SOURCE_FILE = "_source_file"
BRONZE_LINE_NUMBER = "_line_number"
LINEAGE_COLUMNS = (BRONZE_SOURCE_FILE, BRONZE_LINE_NUMBER)

# Quarantine (privacy/quarantine): where a rejected line or row came from, and its bytes.
STAGE = "stage"  # ingest or deidentify
SOURCE_FILE = "source_file"
LINE_NUMBER = "line_number"
RAW_LINE = "raw_line"

# Silver and restricted rows: the id of the pseudonym key that made their pseudonyms
# (erasure and restriction resolve a subject with that key, retention re-keys by it).
PSEUDONYM_KEY_ID = "pseudonym_key_id"

# Restricted rows: when and by what (request id, retention rule, ingest) they were isolated.
ISOLATED_AT = "isolated_at"
ISOLATED_BY = "isolated_by"

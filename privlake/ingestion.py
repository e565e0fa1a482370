"""Ingestion: landing JSON Lines for one (dataset, date) into the bronze Delta table.

Every landing line ends in exactly one place: a bronze row, or the restricted quarantine
table with a reason, its source file and line number. A line ends at LF only, a CRLF's CR
is not part of it (``privlake.landing``, shared with erasure, retention and verification).
Validation is native Spark (the variant type) so nothing crosses into Python: data residency
(a row whose country is pinned to another region, ``privlake.residency``, is quarantined as
``wrong_region`` without its raw line), invalid UTF-8, NUL bytes, oversize lines, invalid JSON,
unknown fields (schema drift), missing required fields, wrong types, and repeated keys (the
first line wins, the others are quarantined).
Rows of subjects on the deny list (erased) are dropped, and rows of restricted subjects go
straight to ``restricted/<dataset>`` (``privlake.privacy.denylist``). Mentions of erased
subjects' identifiers in any other row it writes (string columns of bronze and restricted
rows, raw lines of quarantined ones) become ``[REDACTED]``: candidates found in the text are
hashed natively and matched against ``privacy/erased_identifiers``
(``privlake.privacy.mentions``), and counted as ``mentions_redacted``. A re-run replaces the
date's partition, so ingest is idempotent; the run fails unless
lines read = rows written + lines quarantined + rows dropped + rows isolated.

No race with an erasure: the erasure puts the subject on the deny list first and erases
after; ingest screens (reading each list at a known Delta version), writes, and then checks
the lists' versions. Either the check sees the erasure's deny-list commit, and ingest screens
again with the new list and rewrites what it wrote (bronze partition, quarantine, rows it
isolated); or the deny-list commit came after the check, hence after ingest's writes, so the
erasure's erase step reads the tables with the rows in them and removes them. Between a
write and its re-screen the rows are briefly in bronze: an erasure verifying then finds them
and erases again (the erase job). The same holds for the restriction list. A run re-screens
at most ``SCREENINGS`` times (counted as ``rescreens`` in ``privacy/runs``); when the lists
still change, it withdraws what it wrote (writes that carry no row cannot race) and fails.

Lines are parsed once, on every core even when the day is one gzip file, and kept (spilling
to disk) for one counting pass and the writes; line numbers and repeated keys come from
small tables joined back, never from a sort of all lines.

The job is ``jobs/ingest.py`` (``privlake ingest --dataset D --date YYYY-MM-DD``, or the
same flags with spark-submit); this module is the library it calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Row, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from privlake.columns import (
    BRONZE_LINE_NUMBER,
    BRONZE_SOURCE_FILE,
    DT,
    ISOLATED_BY,
    LINE_NUMBER,
    RAW_LINE,
    SOURCE_FILE,
    STAGE,
)
from privlake.config import DatasetConfig, PrivlakeConfig
from privlake.delta import ensure_table, replace_partition
from privlake.errors import PrivlakeError
from privlake.frames import json_frame
from privlake.keys import pseudonym_key
from privlake.landing import LINE_SEPARATOR, line_content
from privlake.privacy.denylist import (
    DENIED,
    INGEST_ROUTED_BY,
    RESTRICTED,
    SubjectScreen,
    insert_missing,
    isolated_rows,
    remove_isolated,
    subject_of_raw_line,
)
from privlake.privacy.mentions import ErasedIdentifiers, redacted_text
from privlake.privacy.resolution import identifier_columns
from privlake.residency import COUNTRY_COLUMN, residency_table
from privlake.runlog import RunRecord, record_run
from privlake.schema import ACCEPTED_JSON_TYPES, SQL_TYPE, bronze_schema, non_personal_columns, table_schema

LANDING_GLOB = "*.{jsonl,jsonl.gz}"
# The raw line's column; a name no dataset column can take (datasets may have "value").
RAW = "_raw_line"
SUBJECT_STATE = "_subject_state"
MENTIONS = "_mentions_redacted"  # per line: mentions of erased subjects redacted in what is written
MENTION_HITS = "_mention_hits"
# Screenings per run: the first, then one more each time a subject list had changed by the
# time the writes committed. Requests come a few a day; a list changing under every one of
# these means a burst of them, and the run withdraws its writes and asks to be run again.
SCREENINGS = 3

# Checked in this order; a line gets the first reason that applies.
#
# wrong_region comes first: a line of a country pinned to another region must not be stored
# by this deployment in any form, and every other reason keeps the raw line in quarantine.
# So a pinned line that is also bad in another way (a wrong type, an unknown field, even
# bytes that are not UTF-8) is still routed, as long as its country can be read: from the
# parsed JSON object, or, for a line that does not parse as one (bad bytes, oversize,
# invalid JSON), from a ``"country_code": "XX"`` member written in its text. A line whose
# country cannot be read at all (no such member, or not a string) cannot be routed and gets
# its other reason. Only the row's own country counts: a device log row of an account whose
# account country is pinned elsewhere, but whose own country_code is not, is ingested.
REASONS = (
    "wrong_region",
    "invalid_utf8",
    "nul_byte",
    "oversize_line",
    "invalid_json",
    "unknown_field",
    "missing_required_field",
    "wrong_type",
    "duplicate_key",
)


class LandingDataError(PrivlakeError):
    """The landing data cannot be ingested as configured (nothing was written)."""


class SubjectListsChanged(PrivlakeError):
    """A subject list changed after every screening; what the run wrote was withdrawn."""


# Quarantine columns whose values Delta may keep in its statistics (labels, no data).
QUARANTINE_STATS = ["dataset", STAGE, "reason"]


def quarantine_schema() -> T.StructType:
    return table_schema(
        "dataset STRING NOT NULL, stage STRING NOT NULL, source_file STRING, line_number BIGINT",
        "reason STRING NOT NULL, detail STRING, raw_line BINARY, dt DATE NOT NULL",
    )


# --- pure transforms -------------------------------------------------------------------


def read_landing_lines(spark: SparkSession, path: str) -> DataFrame:
    """Every line of the landing files with its source file and where it was read.

    A line is what ``privlake.landing`` says: split at LF only (a bare CR is part of the
    line), a CRLF's CR removed, as erasure and retention read the same files.
    ``block_start`` is the start of the file split the line was read in (a large plain file
    is split across tasks; a gzip file is one split) and ``read_order`` increases line by
    line within a split: ``number_lines`` turns the two into line numbers. A scan of fewer
    partitions than the cluster has cores (one gzip file is one) is spread over all of them,
    so that parsing and classification run in parallel.
    """
    scan = (
        spark.read.format("text")
        .option("pathGlobFilter", LANDING_GLOB)
        .option("lineSep", LINE_SEPARATOR)  # the default also splits at a bare CR
        .load(path)
        .select(
            line_content(F.col("value")).alias(RAW),
            F.col("_metadata.file_path").alias(SOURCE_FILE),
            F.col("_metadata.file_block_start").alias("block_start"),
            F.monotonically_increasing_id().alias("read_order"),  # in the scan: before any shuffle
        )
    )
    cores = spark.sparkContext.defaultParallelism
    if scan.rdd.getNumPartitions() >= cores:
        return scan
    # By a hash, not round robin: round robin gives a retried task other rows unless sorted.
    partitions = max(cores, int(spark.conf.get("spark.sql.shuffle.partitions") or cores))
    return scan.repartition(partitions, SOURCE_FILE, "read_order")


def line_offsets(lines: DataFrame) -> DataFrame:
    """A tiny table (collected), one row per (file, split), to number the lines of ``lines`` with.

    ``first_read`` is the split's first ``read_order``, ``lines_before`` the lines of the
    file's earlier splits and ``index_before`` the lines of all earlier (file, split)s.
    """
    blocks = (
        lines.groupBy(SOURCE_FILE, "block_start")
        .agg(F.min("read_order").alias("first_read"), F.count(F.lit(1)).alias("lines"))
        .orderBy(SOURCE_FILE, "block_start")
        .collect()
    )
    rows = []
    index_before = file_start = 0
    for i, block in enumerate(blocks):
        if i > 0 and block[SOURCE_FILE] != blocks[i - 1][SOURCE_FILE]:
            file_start = index_before
        lines_before = index_before - file_start
        rows.append(
            (block[SOURCE_FILE], block["block_start"], block["first_read"], lines_before, index_before)
        )
        index_before += block["lines"]
    counts = ("block_start", "first_read", "lines_before", "index_before")
    schema = T.StructType(
        [T.StructField(SOURCE_FILE, T.StringType()), *(T.StructField(n, T.LongType()) for n in counts)]
    )
    return json_frame(lines.sparkSession, rows, schema)


def number_lines(lines: DataFrame, offsets: DataFrame) -> DataFrame:
    """Replace (block_start, read_order) by ``line_number``, 1-based in the file, and
    ``line_index``, the line's 0-based place in (source_file, line_number) order."""
    in_block = F.col("read_order") - F.col("first_read")
    return (
        lines.join(F.broadcast(offsets), [SOURCE_FILE, "block_start"])
        .withColumn(LINE_NUMBER, F.col("lines_before") + in_block + 1)
        .withColumn("line_index", F.col("index_before") + in_block)
        .drop("block_start", "read_order", "first_read", "lines_before", "index_before")
    )


def _field(parsed: Column, name: str) -> Column:
    return F.variant_get(parsed, f"$.{name}", "variant")


def _present(parsed: Column, name: str) -> Column:
    value = _field(parsed, name)
    return value.isNotNull() & ~F.is_variant_null(value)


def _json_type_fits(parsed: Column, name: str, column_type: str) -> Column:
    json_type = F.schema_of_variant(_field(parsed, name))
    accepted = ACCEPTED_JSON_TYPES[column_type]
    fits = F.lit(False)
    for t in accepted:
        fits = fits | (json_type == t) | json_type.startswith(f"{t}(")
    if column_type == "int":  # a JSON integer that does not fit in 32 bits is a wrong type
        fits = fits & F.try_variant_get(parsed, f"$.{name}", "int").isNotNull()
    return fits


def _names_where(conditions: dict[str, Column]) -> Column:
    """Comma-separated names whose condition holds (schema names only, never values)."""
    flagged = [F.when(cond, F.lit(name)) for name, cond in conditions.items()]
    return F.concat_ws(",", *flagged) if flagged else F.lit("")


# A country member in a line's text, for lines that do not parse (see REASONS).
COUNTRY_IN_TEXT = rf'"{COUNTRY_COLUMN}"\s*:\s*"([A-Za-z]{{2}})"'


def pinned_countries(parsed: Column, is_object: Column, pinned_away: Mapping[str, tuple[str, ...]]) -> Column:
    """The line's country codes (upper case) that ``pinned_away`` holds: the parsed object's
    ``country_code``, or every ``country_code`` member in the text of a line that does not
    parse as an object. Empty for a line this deployment may store."""
    pins = F.create_map(*[F.lit(x) for country in sorted(pinned_away) for x in (country, country)])
    from_object = F.array(F.try_variant_get(parsed, f"$.{COUNTRY_COLUMN}", "string"))
    from_text = F.regexp_extract_all(F.col(RAW), F.lit(COUNTRY_IN_TEXT), 1)
    countries = F.when(parsed.isNotNull() & is_object, from_object).otherwise(from_text)
    normalized = F.transform(countries, lambda c: F.upper(F.trim(c)))
    return F.filter(normalized, lambda c: c.isNotNull() & F.map_contains_key(pins, c))


def residency_detail(pinned: Column, pinned_away: Mapping[str, tuple[str, ...]]) -> Column:
    """``country_code DE pinned to eu-central-1``: the country and its regions, nothing else of
    the line."""
    regions = F.create_map(
        *[F.lit(x) for country in sorted(pinned_away) for x in (country, ", ".join(pinned_away[country]))]
    )
    first = F.element_at(pinned, 1)
    return F.concat(F.lit(f"{COUNTRY_COLUMN} "), first, F.lit(" pinned to "), F.element_at(regions, first))


def classify_lines(
    lines: DataFrame,
    dataset: DatasetConfig,
    max_line_bytes: int,
    pinned_away: Mapping[str, tuple[str, ...]],
) -> DataFrame:
    """Add ``reason`` (null for a good line), ``detail`` and the typed columns.

    ``pinned_away``: countries this deployment must not store, with the regions they are
    pinned to (``ResidencyTable.pinned_away_from``); empty for a dataset without a country."""
    parsed = F.col("_parsed")
    keys = F.col("_keys")  # top-level keys; null for any line that is not a JSON object
    columns = dataset.columns
    known = F.array(*[F.lit(c) for c in columns])
    unknown = F.array_join(F.array_sort(F.array_except(keys, known)), ",")
    missing = _names_where({n: ~_present(parsed, n) for n, s in columns.items() if s.required})
    wrong = _names_where(
        {n: _present(parsed, n) & ~_json_type_fits(parsed, n, s.type) for n, s in columns.items()}
    )
    # The keys are needed anyway; the type of the whole parsed line costs a walk of all of it.
    is_object = keys.isNotNull()
    if pinned_away:
        pinned = pinned_countries(parsed, is_object, pinned_away)
        routed = F.size("_pinned") > 0
        pinned_detail = residency_detail(F.col("_pinned"), pinned_away)
    else:  # nothing is pinned elsewhere (the EU deployment): no lookups in the plan
        pinned = F.array().cast("array<string>")
        routed = F.lit(False)
        pinned_detail = F.lit(None).cast("string")
    reason = (
        F.when(routed, "wrong_region")
        .when(~F.is_valid_utf8(RAW), "invalid_utf8")
        .when(F.instr(RAW, "\u0000") > 0, "nul_byte")
        .when(F.octet_length(RAW) > max_line_bytes, "oversize_line")
        .when(parsed.isNull() | ~is_object, "invalid_json")
        .when(F.col("_unknown") != "", "unknown_field")
        .when(F.col("_missing") != "", "missing_required_field")
        .when(F.col("_wrong") != "", "wrong_type")
    )
    detail = (
        F.when(F.col("reason") == "wrong_region", pinned_detail)
        .when(F.col("reason") == "unknown_field", F.concat(F.lit("fields: "), "_unknown"))
        .when(F.col("reason") == "missing_required_field", F.concat(F.lit("fields: "), "_missing"))
        .when(F.col("reason") == "wrong_type", F.concat(F.lit("fields: "), "_wrong"))
        .when(F.col("reason") == "oversize_line", F.concat(F.lit("bytes: "), F.octet_length(RAW)))
    )
    # Only lines that pass the byte-level checks are parsed at all.
    byte_level_ok = F.is_valid_utf8(RAW) & (F.instr(RAW, "\u0000") == 0)
    byte_level_ok = byte_level_ok & (F.octet_length(RAW) <= max_line_bytes)
    typed = [F.try_variant_get(parsed, f"$.{n}", SQL_TYPE[s.type]).alias(n) for n, s in columns.items()]
    return (
        lines.withColumn("_parsed", F.when(byte_level_ok, F.try_parse_json(RAW)))
        .withColumn("_keys", F.json_object_keys(RAW))
        .withColumn("_unknown", unknown)
        .withColumn("_missing", missing)
        .withColumn("_wrong", wrong)
        .withColumn("_pinned", pinned)
        .withColumn("reason", reason)
        .withColumn("detail", detail)
        .select(RAW, SOURCE_FILE, "block_start", "read_order", "reason", "detail", *typed)
    )


def repeated_keys(numbered: DataFrame, key: str) -> DataFrame:
    """Keys of more than one good line, with the ``line_index`` of their first line."""
    return (
        numbered.where(F.col("reason").isNull())
        .groupBy(key)
        .agg(F.count(F.lit(1)).alias("_lines"), F.min("line_index").alias("_first"))
        .where(F.col("_lines") > 1)
        .select(F.col(key).alias("_repeated_key"), "_first")
    )


def mark_duplicate_keys(numbered: DataFrame, repeated: DataFrame, key: str) -> DataFrame:
    """Among good lines, the first occurrence of a key wins; later ones are duplicates.

    First by (source_file, line_number), which is ``line_index`` order; ``repeated`` is
    ``repeated_keys(numbered, key)``. Null keys are one key, as in a group by.
    """
    later = F.col("reason").isNull() & (F.col("line_index") > F.col("_first"))
    # The detail first: once ``reason`` is set, ``later`` no longer holds for the line.
    return (
        numbered.join(repeated, F.col(key).eqNullSafe(F.col("_repeated_key")), "left")
        .withColumn("detail", F.when(later, F.lit(f"key column: {key}")).otherwise(F.col("detail")))
        .withColumn("reason", F.when(later, F.lit("duplicate_key")).otherwise(F.col("reason")))
        .drop("_repeated_key", "_first")
    )


def bronze_rows(classified: DataFrame, dataset: DatasetConfig, day: dt.date) -> DataFrame:
    return classified.where(F.col("reason").isNull()).select(
        *dataset.columns,
        F.col(SOURCE_FILE).alias(BRONZE_SOURCE_FILE),
        F.col(LINE_NUMBER).alias(BRONZE_LINE_NUMBER),
        F.lit(day).alias(DT),
    )


def quarantine_rows(classified: DataFrame, dataset: DatasetConfig, day: dt.date) -> DataFrame:
    """Quarantined lines with their raw bytes, but for ``wrong_region``: that line belongs in
    another region's deployment and stays only in landing, whose short window deletes it."""
    raw_line = F.when(F.col("reason") != "wrong_region", F.col(RAW).cast("binary"))
    return classified.where(F.col("reason").isNotNull()).select(
        F.lit(dataset.name).alias("dataset"),
        F.lit("ingest").alias(STAGE),
        SOURCE_FILE,
        LINE_NUMBER,
        "reason",
        "detail",
        raw_line.alias(RAW_LINE),
        F.lit(day).alias(DT),
    )


def screen_subjects(
    classified: DataFrame, dataset: DatasetConfig, screen: SubjectScreen, key: bytes
) -> DataFrame:
    """Mark rows of erased subjects ``denied`` and good rows of restricted subjects ``restricted``.

    A bad line of an erased subject (a JSON object naming it) is denied too: quarantine would
    otherwise keep its raw line. Bad lines of restricted subjects stay in quarantine.
    """
    if not screen.active:
        return classified.withColumn(SUBJECT_STATE, F.lit(None).cast("string"))
    kind = dataset.columns[dataset.subject].kind or "account_id"
    raw_subject = subject_of_raw_line(F.col(RAW), dataset)
    quarantined_state = F.when(screen.state(raw_subject, kind, key) == DENIED, F.lit(DENIED))
    state = F.when(F.col("reason").isNull(), screen.state(F.col(dataset.subject), kind, key)).otherwise(
        quarantined_state
    )
    return classified.withColumn(SUBJECT_STATE, state)


def mention_columns(config: PrivlakeConfig, dataset: DatasetConfig) -> list[str]:
    """String columns that can mention someone else: all but the row's own identifiers (its
    subject, identifier and IP columns, its person name), which belong to the row's subject."""
    own = identifier_columns(config, dataset)
    return [n for n, s in dataset.columns.items() if s.type in ("string", "array<string>") and n not in own]


def _redacted_element(hits: Column) -> Callable[[Column, Column], Column]:
    """For ``transform`` over an array column: element ``j`` redacted with its hits ``hits[j]``."""
    return lambda value, j: redacted_text(value, F.try_element_at(hits, (j + 1).cast("int")))


def redact_mentions(
    classified: DataFrame,
    config: PrivlakeConfig,
    dataset: DatasetConfig,
    erased: ErasedIdentifiers,
    key: bytes,
) -> DataFrame:
    """Replace mentions of erased subjects' identifiers by ``[REDACTED]`` in what is written:
    the typed text columns of good rows (bronze and restricted), the raw line of quarantined
    ones; ``MENTIONS`` counts them per row. Denied rows are not written, so not scanned. An
    empty erased set leaves the plan as it is."""
    if not erased.active:
        return classified
    regions = config.deidentify.phone_regions
    state = F.col(SUBJECT_STATE)
    written = state.isNull() | (state != DENIED)
    good = F.col("reason").isNull()
    targets = [(RAW, written & ~good), *((c, written & good) for c in mention_columns(config, dataset))]
    nothing = F.array().cast("array<string>")
    # Every target as an array of texts (a string column is one), in one array: the (large)
    # candidate-and-hash expression then appears once in the plan, not once per column.
    arrays = [
        F.col(c) if isinstance(classified.schema[c].dataType, T.ArrayType) else F.array(F.col(c))
        for c, _ in targets
    ]
    texts = F.array(
        *[F.when(applies, a).otherwise(nothing) for a, (_, applies) in zip(arrays, targets, strict=True)]
    )
    hits = F.transform(texts, lambda values: F.transform(values, lambda v: erased.hits(v, key, regions)))
    out = classified.withColumn(MENTION_HITS, hits)
    for i, (column, _) in enumerate(targets):
        mine = F.try_element_at(F.col(MENTION_HITS), F.lit(i + 1))
        if isinstance(classified.schema[column].dataType, T.ArrayType):
            redacted = F.transform(F.col(column), _redacted_element(mine))
        else:
            redacted = redacted_text(F.col(column), F.try_element_at(mine, F.lit(1)))
        out = out.withColumn(column, redacted)
    mentions = F.size(F.flatten(F.flatten(F.col(MENTION_HITS)))).cast("long")
    return out.withColumn(MENTIONS, mentions).drop(MENTION_HITS)


def count_lines(classified: DataFrame, erased: ErasedIdentifiers) -> list[Row]:
    """The one counting pass: lines by reason and subject state (and mentions redacted, when any
    subject was erased: the same pass, no extra read)."""
    grouped = classified.groupBy("reason", SUBJECT_STATE)
    if not erased.active:
        return grouped.count().collect()
    return grouped.agg(F.count(F.lit(1)).alias("count"), F.sum(MENTIONS).alias(MENTIONS)).collect()


# --- the job -----------------------------------------------------------------------------


def tally_lines(classified: DataFrame, erased: ErasedIdentifiers, record: RunRecord) -> None:
    """The one counting pass (``count_lines``) into the run record: lines by subject state, the
    quarantined ones by reason (a denied line's reason is not a quarantined reason: the reasons
    add up to the lines quarantined), and mentions redacted in what is written."""
    counts = count_lines(classified, erased)
    record.rows_in = sum(int(r["count"]) for r in counts)
    reasons: dict[str, int] = {}
    for r in counts:
        if r["reason"] is not None and r[SUBJECT_STATE] != DENIED:
            reasons[r["reason"]] = reasons.get(r["reason"], 0) + int(r["count"])
    record.reasons = reasons
    record.rows_dropped = sum(int(r["count"]) for r in counts if r[SUBJECT_STATE] == DENIED)
    record.rows_isolated = sum(int(r["count"]) for r in counts if r[SUBJECT_STATE] == RESTRICTED)
    if erased.active:
        written = [r for r in counts if r[SUBJECT_STATE] != DENIED]
        record.mentions_redacted = sum(int(r[MENTIONS] or 0) for r in written)


def write_screened(
    spark: SparkSession,
    config: PrivlakeConfig,
    dataset: DatasetConfig,
    day: dt.date,
    classified: DataFrame,
    record: RunRecord,
) -> None:
    """Commit one screening's rows: the date's bronze partition and ingest quarantine replaced,
    restricted subjects' rows inserted into ``restricted/``. After a re-screen, rows an earlier
    screening of this run isolated whose subject is no longer restricted (erased since, or
    unrestricted) are taken back out of ``restricted/``."""
    bronze_path = config.table_path("bronze", dataset.name)
    quarantine_path = config.table_path("quarantine", dataset.name)
    restricted_path = config.table_path("restricted", dataset.name)
    ensure_table(
        spark, bronze_path, bronze_schema(dataset), [DT], stats_columns=non_personal_columns(dataset)
    )
    ensure_table(spark, quarantine_path, quarantine_schema(), [DT], stats_columns=QUARANTINE_STATS)
    predicate = f"dt = DATE'{day.isoformat()}'"
    state = F.col(SUBJECT_STATE)
    # Rows written and quarantined come from the writes' own commits, not from counts.
    record.rows_out = replace_partition(
        bronze_rows(classified.where(state.isNull()), dataset, day), bronze_path, predicate
    )
    record.rows_quarantined = replace_partition(
        quarantine_rows(classified.where(state.isNull() | (state != DENIED)), dataset, day),
        quarantine_path,
        f"{predicate} AND stage = 'ingest'",
    )
    if record.rows_isolated:
        insert_missing(
            isolated_rows(bronze_rows(classified.where(state == RESTRICTED), dataset, day), INGEST_ROUTED_BY),
            restricted_path,
            [dataset.key, DT],
            [DT],
            [*non_personal_columns(dataset), ISOLATED_BY],
        )
    if record.rescreens:
        not_isolated = classified.where(F.col("reason").isNull() & (state.isNull() | (state != RESTRICTED)))
        remove_isolated(
            bronze_rows(not_isolated, dataset, day), restricted_path, [dataset.key, DT], INGEST_ROUTED_BY
        )


def withdraw(
    spark: SparkSession, config: PrivlakeConfig, dataset: DatasetConfig, day: dt.date, classified: DataFrame
) -> None:
    """Take back everything this run wrote (the lists kept changing under it): the date's bronze
    partition and ingest quarantine emptied, the rows it isolated removed. Writes no row at all,
    so it cannot race with an erasure."""
    predicate = f"dt = DATE'{day.isoformat()}'"
    nothing = classified.limit(0)
    replace_partition(
        bronze_rows(nothing, dataset, day), config.table_path("bronze", dataset.name), predicate
    )
    replace_partition(
        quarantine_rows(nothing, dataset, day),
        config.table_path("quarantine", dataset.name),
        f"{predicate} AND stage = 'ingest'",
    )
    remove_isolated(
        bronze_rows(classified.where(F.col("reason").isNull()), dataset, day),
        config.table_path("restricted", dataset.name),
        [dataset.key, DT],
        INGEST_ROUTED_BY,
    )


def ingest(
    spark: SparkSession,
    config: PrivlakeConfig,
    dataset_name: str,
    day: dt.date,
    before_commit: Callable[[int], None] | None = None,
) -> RunRecord:
    """Ingest one (dataset, date); returns the balanced run record (also stored).

    ``before_commit`` is called with the screening's number (1, 2, ...) after the lines were
    screened and counted and before that screening's writes: a seam for tests that change a
    subject list at the worst moment. The lists' versions are checked after the writes; when
    either changed, the run screens again with the new lists and writes again (at most
    ``SCREENINGS`` screenings, then everything it wrote is withdrawn and the run fails).
    """
    dataset = config.dataset(dataset_name)
    landing = config.landing_path(dataset.name, day.isoformat())
    record = RunRecord(job="ingest", dataset=dataset.name, day=day)
    try:
        lines = read_landing_lines(spark, landing)
    except Exception as exc:
        if "PATH_NOT_FOUND" in str(exc) or "does not exist" in str(exc):
            raise LandingDataError(
                f"{dataset.name} {day}: no landing folder at {landing}; "
                "check landing_root and the date, or run `privlake generate`"
            ) from None
        raise
    screen = SubjectScreen.load(spark, config)
    erased = ErasedIdentifiers.load(spark, config)
    pinned_away = (
        residency_table(config).pinned_away_from(config.region) if COUNTRY_COLUMN in dataset.columns else {}
    )
    # Parsing is the costly part: done once, kept (spilling to disk rather than failing when
    # a partition outgrows memory); everything below reads narrow columns of it.
    parsed = classify_lines(lines, dataset, config.ingest.max_line_bytes, pinned_away).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    repeated: DataFrame | None = None
    try:
        numbered = number_lines(parsed, line_offsets(parsed))
        # Kept too: once the count below has computed it, Spark knows its real (small) size
        # and the writes broadcast it instead of shuffling every column by key.
        repeated = repeated_keys(numbered, dataset.key).persist()
        marked = mark_duplicate_keys(numbered, repeated, dataset.key)
        for screening in range(1, SCREENINGS + 1):
            key = pseudonym_key(config).secret if screen.active or erased.active else b""
            classified = marked.transform(screen_subjects, dataset, screen, key).transform(
                redact_mentions, config, dataset, erased, key
            )
            tally_lines(classified, erased, record)
            if screening == 1:
                check_lines(classified, record, dataset, day, landing, config)
            if before_commit is not None:
                before_commit(screening)
            write_screened(spark, config, dataset, day, classified, record)
            # The writes committed: a list that changed since the screen was read may have
            # listed a subject whose rows they hold (see the module docstring). The erasure
            # records the subject's identifiers before it erases, so they are read again too.
            changed = screen.reloaded_if_changed(spark, config)
            if changed is None:
                break
            screen = changed
            erased = ErasedIdentifiers.load(spark, config)
            if screening == SCREENINGS:
                withdraw(spark, config, dataset, day, classified)
                raise SubjectListsChanged(
                    f"{dataset.name} {day}: the deny list or the restriction list changed after each of "
                    f"{SCREENINGS} screenings (privacy requests arriving while the run committed); "
                    "nothing of this run was kept: run the ingest again"
                )
            record.rescreens += 1
    finally:
        if repeated is not None:
            repeated.unpersist()
        parsed.unpersist()
    record.check_balance()
    record_run(spark, config, record)
    return record


def check_lines(
    classified: DataFrame,
    record: RunRecord,
    dataset: DatasetConfig,
    day: dt.date,
    landing: str,
    config: PrivlakeConfig,
) -> None:
    """Refuse the run before anything is written: no line at all, or undeclared fields when
    the configuration rejects them."""
    if record.rows_in == 0:
        raise LandingDataError(f"{dataset.name} {day}: no {LANDING_GLOB} lines under {landing}")
    unknown = record.reasons.get("unknown_field")
    if unknown and config.ingest.on_unknown_fields == "reject":
        first = classified.where(F.col("reason") == "unknown_field").orderBy("line_index")
        row = first.select(SOURCE_FILE, LINE_NUMBER, "detail").first()
        assert row is not None
        raise LandingDataError(
            f"{dataset.name} {day}: {unknown} lines have fields the dataset does not "
            f"declare (first: {row['source_file']} line {row['line_number']}, {row['detail']}); "
            "declare them in the dataset's YAML with a role, or set ingest.on_unknown_fields: quarantine"
        )

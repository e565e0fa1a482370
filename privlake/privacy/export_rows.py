"""The rows of a subject access export: every row of the subjects in every zone that holds
their personal data, with other people's data in free text redacted (GDPR Art. 15(4)).

Rows are found the way erasure finds them (``privlake.privacy.subjects``): by account pseudonym
in bronze, restricted, quarantine (the subject named inside the raw line) and silver, and in
landing by the subject field of each JSON line. A subject's rows are few, so they are
collected to the driver and written from there (``privlake.privacy.export_package``).

Free text in raw zones (landing lines, bronze, rows isolated from bronze, quarantined raw
lines) goes through the same scrubber as de-identification (``anonymizers``' TextScrubber),
with every account's identifiers as known identifiers; what it finds stays as written when it
is one of the subjects' own identifiers (``OwnIdentifiers``), and everything else (another
account's e-mail, a guest's first name, a neighbour's phone) becomes a typed token such as
``<EMAIL_ADDRESS>``. Silver text is already scrubbed; pseudonyms in it that are not the
subjects' own are redacted.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from anonymizers.pseudonym import TOKEN_HEX_DIGITS, TOKEN_PREFIX, pseudonymize
from privlake.columns import RAW_LINE
from privlake.config import DatasetConfig, PrivlakeConfig
from privlake.delta import table_exists
from privlake.landing import line_record, split_lines
from privlake.privacy.identifiers import REDACTED, MentionPattern
from privlake.privacy.resolution import SubjectProfile
from privlake.privacy.subjects import TABLE_ZONES, dataset_target, holds_raw_values, rows_of_subjects
from privlake.retention.landing import decoded_landing_file
from privlake.storage import file_store

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.types import StructType

    from anonymizers.scrubber import TextScrubber
    from anonymizers.settings import ScrubSettings

# Landing lines are exported as where they came from and the line itself.
LANDING_COLUMNS = (("source_file", "string"), ("line_number", "bigint"), ("line", "string"))
_TOKEN = re.compile(
    rf"(?<![0-9A-Za-z])(?:{'|'.join(re.escape(p) for p in sorted(set(TOKEN_PREFIX.values())))})"
    rf"[0-9a-f]{{{TOKEN_HEX_DIGITS}}}(?![0-9A-Za-z])"
)
# Shorter found texts are not compared with the subject's values (a two-letter word would
# match inside anything).
_MIN_KEPT_CHARS = 3


@dataclass
class ExportedTable:
    """One dataset in one zone: its exported columns (name, Spark type) and the subject's rows."""

    zone: str
    dataset: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]
    schema: StructType | None = field(default=None, repr=False)  # Spark's, for typed formats


class OwnIdentifiers:
    """Whether a text the scrubber found is one of the subjects' own identifiers: any notation of
    one of their values (MAC notations, phone formats), or a word of one (a first name of the
    display name, the name in their own Wi-Fi network's name)."""

    def __init__(self, profiles: Iterable[SubjectProfile]) -> None:
        pairs = [
            (kind, value) for p in profiles for kind, values in p.identifiers.items() for value in values
        ]
        self._pattern = MentionPattern.of(pairs).text()
        self._values = sorted(
            {value.casefold() for _, value in pairs if len(value.strip()) >= _MIN_KEPT_CHARS}
        )

    def __call__(self, found: str, entity_type: str = "") -> bool:
        if self._pattern.fullmatch(found.strip()):
            return True
        folded = found.strip().casefold()
        if len(folded) < _MIN_KEPT_CHARS:
            return False
        word = re.compile(rf"(?<!\w){re.escape(folded)}(?!\w)")
        return any(word.search(value) for value in self._values)


def own_tokens(profiles: Iterable[SubjectProfile], key: bytes) -> frozenset[str]:
    """The silver pseudonyms of every identifier the subjects hold (shared ones too)."""
    return frozenset(
        pseudonymize(value, kind, key)
        for p in profiles
        for kind, values in p.identifiers.items()
        if kind in TOKEN_PREFIX
        for value in values
    )


class OthersRedactor:
    """Redacts other people's data in the subjects' free text, counting the values it changed."""

    def __init__(
        self,
        config: PrivlakeConfig,
        profiles: Sequence[SubjectProfile],
        key: bytes,
        known: Sequence[tuple[str, str]],
    ) -> None:
        self.config, self.key, self.known = config, key, tuple(known)
        self.keep = OwnIdentifiers(profiles)
        self.tokens = own_tokens(profiles, key)
        self.values_redacted = 0
        self._scrubbers: dict[ScrubSettings, TextScrubber] = {}

    def settings(self, ner: bool = False, labels: bool = False) -> ScrubSettings:
        """De-identification's settings for a column, but every finding a typed token: another
        person's serial or MAC is redacted, not turned into their pseudonym."""
        from privlake.freetext import scrub_settings

        return scrub_settings(self.config, ner=ner, labels=labels, pseudonymize_entities=())

    def _scrubber(self, settings: ScrubSettings) -> TextScrubber:
        if settings not in self._scrubbers:
            from anonymizers.scrubber import TextScrubber

            scrubber = TextScrubber(settings, self.key)  # its own: the known list is this export's
            scrubber.set_known_identifiers(self.known)
            self._scrubbers[settings] = scrubber
        return self._scrubbers[settings]

    def raw_texts(self, texts: Sequence[str | None], settings: ScrubSettings) -> list[str | None]:
        results = self._scrubber(settings).scrub_keeping(texts, self.keep)
        out = [r.text for r in results]
        self.values_redacted += sum(a != b for a, b in zip(texts, out, strict=True))
        return out

    def silver_texts(self, texts: Sequence[str | None]) -> list[str | None]:
        def redact(match: re.Match[str]) -> str:
            return match.group(0) if match.group(0) in self.tokens else REDACTED

        out = [None if t is None else _TOKEN.sub(redact, t) for t in texts]
        self.values_redacted += sum(a != b for a, b in zip(texts, out, strict=True))
        return out


def _exportable(df: DataFrame, column: str) -> Column:
    """A column as the package holds it: bytes as text, timestamps as ISO-8601 UTC text."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    data_type = df.schema[column].dataType
    if isinstance(data_type, T.BinaryType):
        return F.col(column).cast("string").alias(column)
    if isinstance(data_type, T.TimestampType | T.TimestampNTZType):
        return F.date_format(F.col(column), "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").alias(column)
    return F.col(column)


def _plain(value: Any) -> Any:
    """A collected value as plain Python (Spark rows as dicts)."""
    if hasattr(value, "asDict"):
        return {k: _plain(v) for k, v in value.asDict().items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _free_text(dataset: DatasetConfig) -> dict[str, tuple[bool, bool]]:
    """Free-text column -> (ner, label), as the dataset's policy declares them."""
    return {n: (s.ner, s.label) for n, s in dataset.columns.items() if s.role == "free_text"}


def _redact_column(
    rows: list[dict[str, Any]], column: str, redactor: OthersRedactor, settings: ScrubSettings | None
) -> None:
    texts = [r.get(column) if isinstance(r.get(column), str) else None for r in rows]
    clean = redactor.silver_texts(texts) if settings is None else redactor.raw_texts(texts, settings)
    for row, before, after in zip(rows, texts, clean, strict=True):
        if before is not None:
            row[column] = after


def table_export(
    spark: SparkSession,
    config: PrivlakeConfig,
    dataset: DatasetConfig,
    zone: str,
    subjects: Sequence[str],
    redactor: OthersRedactor,
) -> ExportedTable | None:
    """The subjects' rows of one dataset's table in ``zone`` (None when there is no table)."""
    target = dataset_target(config, zone, dataset)
    if not table_exists(spark, target.location):
        return None
    df = spark.read.format("delta").load(target.location)
    mine = rows_of_subjects(df, target, subjects, redactor.key)
    mine = mine.select(*[_exportable(mine, c) for c in mine.columns])
    rows = [_plain(r.asDict()) for r in mine.collect()]
    if zone == "quarantine":
        _redact_column(rows, RAW_LINE, redactor, redactor.settings())
    else:
        raw = holds_raw_values(target, df.columns)
        for column, (ner, label) in _free_text(dataset).items():
            if column in df.columns:
                _redact_column(rows, column, redactor, redactor.settings(ner, label) if raw else None)
    columns = [(f.name, f.dataType.simpleString()) for f in mine.schema.fields]
    return ExportedTable(zone, dataset.name, columns, rows, mine.schema)


def landing_export(
    config: PrivlakeConfig, dataset: DatasetConfig, subjects: Sequence[str], redactor: OthersRedactor
) -> ExportedTable:
    """The subjects' lines in the dataset's landing files, free-text and undeclared fields
    redacted; a line that is not a JSON object naming its subject belongs to nobody and is not
    exported."""
    store = file_store(config.landing_root, config.s3)
    wanted, kind = set(subjects), dataset.columns[dataset.subject].kind or "account_id"
    found: list[tuple[str, int, dict[str, Any]]] = []
    for file in store.list_files(f"{config.landing_root.rstrip('/')}/{dataset.name}"):
        if not file.current:
            continue
        data = decoded_landing_file(file.path, store.read_bytes(file.path))
        for number, line in enumerate(split_lines(data), start=1):
            try:
                record = line_record(line)
                owner = record.get(dataset.subject)
            except (ValueError, AttributeError):
                continue
            if owner is not None and pseudonymize(str(owner), kind, redactor.key) in wanted:
                found.append((file.path, number, record))
    records = [r for _, _, r in found]
    for column, (ner, label) in _free_text(dataset).items():
        _redact_column(records, column, redactor, redactor.settings(ner, label))
    # fields the schema does not declare (drift: ingest quarantines such lines) can hold anything
    undeclared = sorted({name for r in records for name in r} - set(dataset.columns))
    for column in undeclared:
        _redact_column(records, column, redactor, redactor.settings())
    rows = [
        {"source_file": path, "line_number": number, "line": json.dumps(record, ensure_ascii=False)}
        for path, number, record in found
    ]
    return ExportedTable("landing", dataset.name, [*LANDING_COLUMNS], rows)


def subject_tables(
    spark: SparkSession,
    config: PrivlakeConfig,
    subjects: Sequence[str],
    redactor: OthersRedactor,
) -> list[ExportedTable]:
    """Every dataset in every zone that holds rows of the subjects (landing first, then the
    tables in ``TABLE_ZONES`` order); tables without their rows are left out."""
    out: list[ExportedTable] = []
    if not subjects:
        return out
    for name in sorted(config.datasets):
        dataset = config.datasets[name]
        tables: list[ExportedTable | None] = [landing_export(config, dataset, subjects, redactor)]
        tables += [table_export(spark, config, dataset, zone, subjects, redactor) for zone in TABLE_ZONES]
        out += [t for t in tables if t is not None and t.rows]
    return out


def known_identifiers(spark: SparkSession, config: PrivlakeConfig) -> list[tuple[str, str]]:
    """Every account's identifiers in the latest snapshot: the scrubber's known identifiers."""
    from privlake.deidentification import known_subject_identifiers

    return known_subject_identifiers(spark, config, dt.date.max)

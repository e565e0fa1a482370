"""Score silver tables against the generator's ground truth: what survived, what was kept.

``evaluate`` takes the planted records of one day (``privlake.generator.load_truth``) and
the silver tables de-identification wrote for it, and decides for every record:

* a personal value (kind ``pii``) **survives** when it still occurs in the silver row of
  its dataset and row key: in any column or array element, case-insensitively, on word
  boundaries (so "Li" is not found inside "Lisbon", and "10.0.0.5" not inside
  "10.0.0.50"). Snapshot rows whose key is itself an identifier (accounts) are found by
  the key's pseudonym. Values planted in a structured identifier, quasi-identifier or
  dropped column are also searched in every string of every silver table of the day: a
  raw IP must appear nowhere in silver, not only not in its own row.
* a look-alike (kind ``lookalike``: firmware versions, timestamps, readings, ...) is
  **intact** when its exact text is still in the same row's same field.

The report holds counts only (per entity type and per ``dataset.field``), never a value.
On request it keeps a few survivor examples as masked shapes (letters ``x``/``X``, digits
``9``; typed tokens and pseudonyms left readable) so that recognizers can be fixed.
``floors_met`` lists the floors a report violates; the evaluation suite (``make eval``,
``bench/eval.py``) and the tests assert there are none.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ahocorasick

from anonymizers.pseudonym import pseudonymize
from privlake.columns import DT
from privlake.config import PrivlakeConfig
from privlake.pseudonym import PseudonymKey

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# Roles whose planted values must not survive anywhere in silver.
STRUCTURED_ROLES = ("identifier", "quasi_identifier", "drop")
FREE_TEXT_ROLE = "free_text"

# The floors of the evaluation suite (issue 3, item 10; tightened by issue 18), held on
# every corpus: the generator's and the independently written one in bench/corpora/.
ZERO_SURVIVOR_ENTITIES = (
    "EMAIL_ADDRESS",
    "IP_ADDRESS",
    "MAC_ADDRESS",
    "IMEI",
    "PHONE_NUMBER",
    "DEVICE_SERIAL",
)
MAX_FREE_TEXT_SURVIVAL = 0.005
MAX_PERSON_SURVIVAL = 0.02
MIN_LOOKALIKES_INTACT = 0.995

# Shorter values cannot be tested meaningfully (one kanji is a name, one letter is not).
MIN_TESTABLE_CHARS = {"cjk": 1, "other": 2}

_SEPARATOR = "\n"  # between the strings of a row or table: never part of a match
_TOKEN = re.compile(r"<[A-Z][A-Z_]*>|\b(?:acct|dev|mac|ip|email|tel|user|ssid)_[0-9a-f]{20}\b", re.IGNORECASE)


# --- matching ------------------------------------------------------------------------------


def _is_cjk(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af" or "\uff66" <= char <= "\uff9f"


def _is_word_char(char: str) -> bool:
    # Scripts written without spaces (Han, kana, Hangul) have no word boundaries: "花子の部屋"
    # holds the name "花子".
    return (char.isalnum() or char == "_") and not _is_cjk(char)


def fold(text: str) -> str:
    """The form both sides are compared in: NFC, lower case."""
    return unicodedata.normalize("NFC", text).lower()


def _bounded(haystack: str, start: int, end: int, genitive: bool) -> bool:
    """True unless the match at [start, end) is glued onto a longer word.

    With ``genitive`` a trailing "s" is allowed ("Annas Zimmer", "Svens rum",
    "Annas-iPhone"): German and Nordic possessives, which would otherwise hide a name.
    """
    if start > 0 and _is_word_char(haystack[start]) and _is_word_char(haystack[start - 1]):
        return False
    if end < len(haystack) and _is_word_char(haystack[end - 1]) and _is_word_char(haystack[end]):
        after = end + 1
        return (
            genitive
            and haystack[end] == "s"
            and (after == len(haystack) or not _is_word_char(haystack[after]))
        )
    return True


def find_value(value: str, text: str, genitive: bool = False) -> int:
    """Where ``value`` occurs in ``text`` (case-insensitive, word-bounded), or -1."""
    needle, haystack = fold(value.strip()), fold(text)
    if not needle:
        return -1
    start = haystack.find(needle)
    while start != -1:
        if _bounded(haystack, start, start + len(needle), genitive):
            return start
        start = haystack.find(needle, start + 1)
    return -1


def occurs(value: str, text: str, genitive: bool = False) -> bool:
    """True when ``value`` occurs in ``text``, case-insensitively and on word boundaries."""
    return find_value(value, text, genitive) >= 0


def testable(value: str) -> bool:
    """False for values too short to search for (a single Latin letter)."""
    v = value.strip()
    if not v:
        return False
    kind = "cjk" if any(_is_cjk(c) for c in v) else "other"
    return len(v) >= MIN_TESTABLE_CHARS[kind]


def masked(value: str) -> str:
    """The shape of a text: letters become x/X, digits 9, everything else stays."""
    text = re.sub(r"[^\W\d_]", lambda m: "X" if m.group().isupper() else "x", value)
    return re.sub(r"\d", "9", text)


def masked_context(text: str, start: int, end: int, width: int = 60) -> str:
    """``text`` around [start, end) with the match in «», masked except typed tokens and
    pseudonyms (which hold no personal data and show what was already replaced)."""
    lo, hi = max(0, start - width), min(len(text), end + width)

    def shape(piece: str) -> str:
        out, last = [], 0
        for m in _TOKEN.finditer(piece):
            out += [masked(piece[last : m.start()]), m.group()]
            last = m.end()
        return "".join([*out, masked(piece[last:])])

    match = f"«{masked(text[start:end])}»" if end > start else ""
    return "".join(
        [
            "…" if lo else "",
            shape(text[lo:start]),
            match,
            shape(text[end:hi]),
            "…" if hi < len(text) else "",
        ]
    ).replace(_SEPARATOR, " | ")


class GlobalIndex:
    """All strings of the silver tables of a day, searchable for many values in one pass."""

    def __init__(self, segments: Iterable[tuple[str, str]]) -> None:
        """``segments``: (``dataset.column``, text) pairs."""
        pieces: list[str] = []
        self._starts: list[int] = []
        self._labels: list[str] = []
        offset = 0
        for label, text in segments:
            folded = fold(text)
            self._starts.append(offset)
            self._labels.append(label)
            pieces.append(folded)
            offset += len(folded) + len(_SEPARATOR)
        self.text = _SEPARATOR.join(pieces)

    def segment_at(self, position: int) -> tuple[str, str, int]:
        """The label, (folded) string and start offset of the segment holding ``position``."""
        index = bisect.bisect_right(self._starts, position) - 1
        start = self._starts[index]
        end = self.text.find(_SEPARATOR, start)
        return self._labels[index], self.text[start : len(self.text) if end < 0 else end], start

    def find_all(self, values: Iterable[tuple[str, bool]]) -> dict[str, int]:
        """For each (value, genitive) found somewhere on word boundaries: its first position."""
        automaton = ahocorasick.Automaton()
        wanted: dict[str, tuple[str, bool]] = {}
        for value, genitive in values:
            needle = fold(value.strip())
            if needle:
                previous = wanted.get(needle)
                wanted[needle] = (value, genitive or (previous is not None and previous[1]))
        if not wanted:
            return {}
        for needle in wanted:
            automaton.add_word(needle, needle)
        automaton.make_automaton()
        found: dict[str, int] = {}
        for last, needle in automaton.iter(self.text):
            value, genitive = wanted[needle]
            start = last - len(needle) + 1
            if value not in found and _bounded(self.text, start, last + 1, genitive):
                found[value] = start
        return found


# --- the report -----------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts for one group of truth records."""

    planted: int = 0  # personal values planted
    survived: int = 0
    lookalikes: int = 0  # look-alikes planted
    intact: int = 0

    def add(self, other: Tally) -> None:
        self.planted += other.planted
        self.survived += other.survived
        self.lookalikes += other.lookalikes
        self.intact += other.intact

    @property
    def survival(self) -> float | None:
        """Share of planted personal values that survive (None when none was planted)."""
        return self.survived / self.planted if self.planted else None

    @property
    def intact_share(self) -> float | None:
        return self.intact / self.lookalikes if self.lookalikes else None


@dataclass(frozen=True)
class Survivor:
    """A masked example of a surviving value (or a look-alike that was changed)."""

    entity_type: str
    field: str  # dataset.field it was planted in
    found_in: str  # dataset.column it survives in ("" for a changed look-alike)
    shape: str  # the value, masked
    context: str  # the silver text around it, masked


@dataclass
class EvaluationReport:
    """Per entity type and per ``dataset.field``: planted, survived, look-alikes kept."""

    day: dt.date
    by_entity: dict[str, Tally] = field(default_factory=dict)
    by_field: dict[str, Tally] = field(default_factory=dict)
    by_locale: dict[str, Tally] = field(default_factory=dict)  # when the truth names a locale
    field_roles: dict[str, str] = field(default_factory=dict)
    rows_missing: int = 0  # truth rows absent from silver (quarantined or lost)
    untestable: int = 0  # truth values too short to search for (not counted)
    survivors: list[Survivor] = field(default_factory=list)

    def _total(self, roles: Sequence[str] | None) -> Tally:
        total = Tally()
        for name, tally in self.by_field.items():
            if roles is None or self.field_roles.get(name) in roles:
                total.add(tally)
        return total

    @property
    def free_text(self) -> Tally:
        return self._total((FREE_TEXT_ROLE,))

    @property
    def structured(self) -> Tally:
        return self._total(STRUCTURED_ROLES)

    @property
    def overall(self) -> Tally:
        return self._total(None)


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share:.2%}"


def entity_floor(entity_type: str) -> str:
    """The floor an entity type is held to, as text (free-text share applies to the rest)."""
    if entity_type in ZERO_SURVIVOR_ENTITIES:
        return "0 survive"
    if entity_type == "PERSON":
        return f"≤ {MAX_PERSON_SURVIVAL:.0%} survive"
    return f"columns 0; free text ≤ {MAX_FREE_TEXT_SURVIVAL:.1%} (all)"


def floors_met(report: EvaluationReport) -> list[str]:
    """The floors ``report`` violates (an empty list when every floor is met)."""
    violations: list[str] = []
    if report.overall.planted == 0:
        violations.append("nothing planted: the ground truth has no personal values for this day")
    for name, tally in sorted(report.by_field.items()):
        if report.field_roles.get(name) in STRUCTURED_ROLES and tally.survived:
            violations.append(
                f"structured {report.field_roles[name]} column {name}: {tally.survived} of "
                f"{tally.planted} planted values survive in silver (floor: 0)"
            )
    free_text = report.free_text
    if free_text.survival is not None and free_text.survival > MAX_FREE_TEXT_SURVIVAL:
        violations.append(
            f"free text: {free_text.survived} of {free_text.planted} planted values survive "
            f"({_pct(free_text.survival)}; floor: ≤ {MAX_FREE_TEXT_SURVIVAL:.1%})"
        )
    for entity in ZERO_SURVIVOR_ENTITIES:
        counts = report.by_entity.get(entity)
        if counts is not None and counts.survived:
            violations.append(
                f"{entity}: {counts.survived} of {counts.planted} planted values survive (floor: 0)"
            )
    person = report.by_entity.get("PERSON")
    if person is not None and person.survival is not None and person.survival > MAX_PERSON_SURVIVAL:
        violations.append(
            f"PERSON: {person.survived} of {person.planted} planted values survive "
            f"({_pct(person.survival)}; floor: ≤ {MAX_PERSON_SURVIVAL:.0%})"
        )
    overall = report.overall
    if overall.intact_share is not None and overall.intact_share < MIN_LOOKALIKES_INTACT:
        violations.append(
            f"look-alikes: {overall.intact} of {overall.lookalikes} intact "
            f"({_pct(overall.intact_share)}; floor: ≥ {MIN_LOOKALIKES_INTACT:.1%})"
        )
    return violations


# --- silver ----------------------------------------------------------------------------------

Row = dict[str, list[str]]  # column -> its strings (an array column gives one per element)


def _string_arrays(df: DataFrame) -> DataFrame:
    """Every column as array<string>: scalars cast, arrays element-wise, structs as JSON."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    columns = []
    for f in df.schema.fields:
        col = F.col(f"`{f.name}`")
        if isinstance(f.dataType, T.ArrayType) and not isinstance(
            f.dataType.elementType, T.StructType | T.MapType | T.ArrayType
        ):
            columns.append(col.cast("array<string>").alias(f.name))
        elif isinstance(f.dataType, T.StructType | T.MapType | T.ArrayType):
            columns.append(F.array(F.to_json(col)).alias(f.name))
        else:
            columns.append(F.array(col.cast("string")).alias(f.name))
    return df.select(*columns)


def silver_rows(spark: SparkSession, config: PrivlakeConfig, day: dt.date) -> dict[str, list[Row]]:
    """The day's silver rows of every dataset that has a silver table, as strings."""
    from pyspark.sql import functions as F

    from privlake.delta import table_exists

    tables: dict[str, list[Row]] = {}
    for name in config.datasets:
        path = config.table_path("silver", name)
        if not table_exists(spark, path):
            continue
        df = spark.read.format("delta").load(path).where(F.col(DT) == F.lit(day))
        tables[name] = [
            {c: [v for v in (values or []) if v is not None] for c, values in row.asDict().items()}
            for row in _string_arrays(df).toLocalIterator()
        ]
    return tables


def _row_text(row: Row, columns: Iterable[str] | None = None) -> tuple[str, list[tuple[int, str]]]:
    """The row's strings joined, and where each column starts (to name where a match is)."""
    pieces: list[str] = []
    starts: list[tuple[int, str]] = []
    offset = 0
    for column in row if columns is None else columns:
        for value in row.get(column, []):
            starts.append((offset, column))
            pieces.append(value)
            offset += len(value) + len(_SEPARATOR)
    return _SEPARATOR.join(pieces), starts


def _segment_at(row: Row, starts: list[tuple[int, str]], position: int) -> tuple[str, str, int]:
    """The column, string and start offset of the row string holding ``position``."""
    index = max(bisect.bisect_right([s for s, _ in starts], position) - 1, 0)
    offset, column = starts[index]
    # the strings of one column follow each other: count which one this is
    nth = sum(1 for s, c in starts[:index] if c == column)
    return column, row[column][nth], offset


def _masked_match(segment: str, start: int, value: str) -> str:
    """The masked context of a match found in the folded form of ``segment``."""
    shown = segment if len(fold(segment)) == len(segment) else fold(segment)
    return masked_context(shown, start, start + len(fold(value.strip())))


# --- scoring ---------------------------------------------------------------------------------


def score(
    truth: Iterable[Mapping[str, Any]],
    tables: Mapping[str, Sequence[Row]],
    config: PrivlakeConfig,
    key: PseudonymKey,
    day: dt.date,
    examples: int = 0,
) -> EvaluationReport:
    """Score ``truth`` against silver ``tables`` (dataset -> rows of strings); no Spark here.

    ``examples`` > 0 keeps up to that many masked survivor examples per entity type.
    """
    report = EvaluationReport(day=day)
    # Rows by the key silver holds: the row key itself, or its pseudonym when it is an identifier.
    by_key: dict[str, dict[str, Row]] = {}
    key_kinds: dict[str, str | None] = {}
    for name, rows in tables.items():
        dataset = config.dataset(name)
        spec = dataset.columns[dataset.key]
        key_kinds[name] = spec.kind if spec.role == "identifier" else None
        by_key[name] = {value: row for row in rows for value in row.get(dataset.key, [])[:1]}
    records = [r for r in truth if r.get("value") is not None]

    def role_of(record: Mapping[str, Any]) -> str:
        dataset = config.datasets.get(record["dataset"])
        spec = dataset.columns.get(record["field"]) if dataset else None
        return spec.role if spec else "unknown"

    # One pass over all silver strings for every structured value.
    segments = (
        (f"{name}.{column}", value)
        for name, rows in tables.items()
        for row in rows
        for column, values in row.items()
        for value in values
    )
    index = GlobalIndex(segments)
    structured_values = {
        (r["value"], r["entity_type"] == "PERSON")
        for r in records
        if r["kind"] == "pii" and role_of(r) in STRUCTURED_ROLES and testable(r["value"])
    }
    found_globally = index.find_all(structured_values)

    missing_rows: set[tuple[str, str]] = set()
    kept_examples: dict[str, int] = {}

    def keep_example(record: Mapping[str, Any], found_in: str, context: str) -> None:
        entity = record["entity_type"]
        if kept_examples.get(entity, 0) < examples:
            kept_examples[entity] = kept_examples.get(entity, 0) + 1
            report.survivors.append(
                Survivor(
                    entity,
                    f"{record['dataset']}.{record['field']}",
                    found_in,
                    masked(record["value"]),
                    context,
                )
            )

    for record in records:
        name, column, value = record["dataset"], record["field"], str(record["value"])
        field_name = f"{name}.{column}"
        role = role_of(record)
        report.field_roles[field_name] = role
        if not testable(value):
            report.untestable += 1
            continue
        tallies = [
            report.by_entity.setdefault(record["entity_type"], Tally()),
            report.by_field.setdefault(field_name, Tally()),
        ]
        if record.get("locale"):
            tallies.append(report.by_locale.setdefault(str(record["locale"]), Tally()))
        row_key = str(record["event_id"])
        kind = key_kinds.get(name)
        if kind is not None:
            row_key = pseudonymize(row_key, kind, key.secret)
        row = by_key.get(name, {}).get(row_key)
        if row is None:
            missing_rows.add((name, row_key))
        if record["kind"] == "pii":
            hit = False
            genitive = record["entity_type"] == "PERSON"
            if row is not None:
                text, starts = _row_text(row)
                position = find_value(value, text, genitive)
                if position >= 0:
                    hit = True
                    if examples:
                        found_in, segment, offset = _segment_at(row, starts, position)
                        context = _masked_match(segment, position - offset, value)
                        keep_example(record, f"{name}.{found_in}", context)
            if not hit and role in STRUCTURED_ROLES and value in found_globally:
                hit = True
                if examples:
                    position = found_globally[value]
                    label, segment, offset = index.segment_at(position)
                    keep_example(record, label, _masked_match(segment, position - offset, value))
            for tally in tallies:
                tally.planted += 1
                tally.survived += hit
        else:
            intact = row is not None and any(
                unicodedata.normalize("NFC", value) in unicodedata.normalize("NFC", v)
                for v in row.get(column, [])
            )
            for tally in tallies:
                tally.lookalikes += 1
                tally.intact += intact
            if not intact and examples and row is not None:
                text, _ = _row_text(row, [column])
                keep_example(record, "", masked_context(text, 0, 0, width=120))
    report.rows_missing = len(missing_rows)
    return report


def evaluate(
    spark: SparkSession,
    config: PrivlakeConfig,
    truth: list[dict[str, Any]],
    day: dt.date,
    key: PseudonymKey | None = None,
    examples: int = 0,
) -> EvaluationReport:
    """Score the day's silver tables against ``truth`` (``load_truth``); counts only.

    ``key`` defaults to the configured pseudonym key (needed to find snapshot rows whose
    key is pseudonymized); ``examples`` > 0 keeps masked survivor examples for debugging.
    """
    if key is None:
        from privlake.keys import pseudonym_key

        key = pseudonym_key(config)
    return score(truth, silver_rows(spark, config, day), config, key, day, examples)

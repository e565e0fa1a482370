"""The scan every outgoing file passes before a transfer: nothing identifying may leave.

Two checks, each the one the project already trusts for it rather than a third scanner:

- the **known-subject deny list**: every identifier of the latest accounts snapshot (e-mail,
  phone in any notation, user name, account id, display name: the free-text step's known
  identifiers) and the pseudonyms of erased subjects (``privacy/erased_subjects``), matched by
  the erasure verification's file reader (``privlake.privacy.verify.count_matches``: Parquet
  decoded, every string and binary value searched);
- the **structured-entity scanner** of the free-text step (``anonymizers.scrubber``'s analyzer,
  the de-identification settings, no NER): e-mail addresses, phone numbers, IP and MAC
  addresses, IMEIs, IMSIs and device serials in any string value of the file.

A finding names the table, the file and what kind of value matched, never the value: a
report, a log line or the transfers table must not become the leak it prevents.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from privlake.privacy.identifiers import MentionPattern
from privlake.privacy.verify import count_matches

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from anonymizers.scrubber import TextScrubber
    from privlake.config import PrivlakeConfig

KNOWN_SUBJECT, ERASED_SUBJECT = "known subject identifier", "erased subject pseudonym"
# What the structured scanner may report in a de-identified table: shapes that are personal
# data wherever they stand. Names and free-form labels are left to de-identification (a gold
# dimension such as a room type is not a person), so a label never blocks a transfer.
STRUCTURED_ENTITIES = frozenset(
    {"EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS", "MAC_ADDRESS", "IMEI", "IMSI", "DEVICE_SERIAL"}
)
_SCAN_BATCH = 2000


@dataclass(frozen=True)
class OutgoingFinding:
    table: str  # e.g. gold/daily_device_activity
    file: str  # the staged file's name within the table's partition
    what: str  # KNOWN_SUBJECT, ERASED_SUBJECT or an entity type
    matches: int

    def describe(self) -> str:
        return f"{self.table} file {self.file}: {self.matches} {self.what} match(es)"


def _known_pattern(pairs: list[tuple[str, str]]) -> MentionPattern:
    """Known identifiers (value, entity type) as the verification's mention pattern: a phone
    number in every notation, anything else as written (case-insensitive, on word boundaries)."""
    return MentionPattern.of(
        ("phone" if entity == "PHONE_NUMBER" else "text", value) for value, entity in pairs
    )


def _string_values(data: bytes) -> Iterator[str]:
    """Every string and binary value of a Parquet file, as the verification scan decodes them."""
    import pyarrow.parquet as pq

    from privlake.privacy.verify import leaf_values

    table = pq.read_table(io.BytesIO(data))
    for column in table.columns:
        for value in leaf_values(column):
            yield value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class OutgoingScanner:
    """Scans staged files; built once per transfer (the accounts snapshot is read once)."""

    def __init__(self, known: MentionPattern, erased: MentionPattern, scrubber: TextScrubber) -> None:
        self.known, self.erased, self.scrubber = known, erased, scrubber

    @classmethod
    def for_deployment(cls, spark: SparkSession, config: PrivlakeConfig, key: bytes) -> OutgoingScanner:
        from anonymizers.scrubber import TextScrubber
        from privlake.deidentification import known_subject_identifiers
        from privlake.freetext import scrub_settings
        from privlake.privacy.denylist import DENY_LIST_TABLE, listed_subjects

        known = _known_pattern(known_subject_identifiers(spark, config, dt.date.max))
        erased = MentionPattern(tuple(re.escape(h) for h in listed_subjects(spark, config, DENY_LIST_TABLE)))
        # household first names are for user-typed labels; a gold dimension is not one
        settings = replace(scrub_settings(config, ner=False, labels=False), household_names=False)
        return cls(known, erased, TextScrubber(settings, key))

    def scan_file(self, table: str, name: str, data: bytes) -> list[OutgoingFinding]:
        """Findings in one staged file (Parquet); none for a clean file."""
        findings = [
            OutgoingFinding(table, name, what, found)
            for what, pattern in ((KNOWN_SUBJECT, self.known), (ERASED_SUBJECT, self.erased))
            if (found := count_matches(name, data, pattern))
        ]
        entities = self._structured_entities(data)
        findings += [OutgoingFinding(table, name, e, n) for e, n in sorted(entities.items())]
        return findings

    def _structured_entities(self, data: bytes) -> dict[str, int]:
        counts: dict[str, int] = {}
        batch: list[str | None] = []

        def flush() -> None:
            for result in self.scrubber.scrub(batch):
                for entity, n in result.entities.items():
                    if entity in STRUCTURED_ENTITIES:
                        counts[entity] = counts.get(entity, 0) + n
            batch.clear()

        for value in dict.fromkeys(_string_values(data)):  # each distinct value once
            batch.append(value)
            if len(batch) >= _SCAN_BATCH:
                flush()
        flush()
        return counts


def describe_findings(findings: list[OutgoingFinding]) -> str:
    return "; ".join(f.describe() for f in findings)


def findings_summary(findings: list[OutgoingFinding]) -> list[dict[str, Any]]:
    """The findings as the transfers table keeps them (names and counts only)."""
    return [{"table": f.table, "file": f.file, "what": f.what, "matches": f.matches} for f in findings]

"""Where a privacy request's subjects are in the lake, for erasure and restriction alike.

A dataset has a table per zone; a row belongs to a subject by its account pseudonym (raw
zones hash the raw id with the same key); free text elsewhere may mention the subject's
identifiers (raw values in bronze, quarantine and rows isolated from bronze, pseudonyms in
silver). Gold holds k-anonymous aggregates without identifiers: it is recomputed for the
subjects' dates, never edited by hand.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from privlake.columns import PSEUDONYM_KEY_ID, RAW_LINE
from privlake.config import DatasetConfig, PrivlakeConfig
from privlake.privacy.identifiers import MentionPattern
from privlake.privacy.resolution import Resolution
from privlake.retention.plan import Target, gold_tables, subject_pseudonym

# The zones with a table per dataset that can hold a subject's rows (landing is files).
TABLE_ZONES = ("bronze", "restricted", "quarantine", "silver")


@dataclass(frozen=True)
class ErasureScope:
    """The subjects' account pseudonyms and the patterns their mentions match (raw and tokens)."""

    subjects: tuple[str, ...]
    raw: MentionPattern
    tokens: MentionPattern

    @classmethod
    def of(cls, resolution: Resolution, key: bytes) -> ErasureScope:
        profiles = resolution.subjects
        exclusive = [pair for p in profiles for pair in p.exclusive()]
        tokens = sorted({t for p in profiles for t in p.pseudonyms(key)})
        return cls(
            subjects=tuple(resolution.subject_hashes(key)),
            raw=MentionPattern.of(exclusive),
            tokens=MentionPattern(tuple(re.escape(t) for t in tokens)),
        )


def dataset_target(config: PrivlakeConfig, zone: str, dataset: DatasetConfig) -> Target:
    """A dataset's table in a zone, in the shape the retention helpers take (no rule)."""
    return Target(zone, dataset.name, config.table_path(zone, dataset.name), None, None, dataset)


def holds_raw_values(target: Target, columns: Sequence[str]) -> bool:
    """Bronze, quarantine and rows isolated from bronze hold raw values; silver holds tokens."""
    if target.zone == "restricted":
        return PSEUDONYM_KEY_ID not in columns
    return target.zone in ("bronze", "quarantine")


def text_columns(target: Target, schema: T.StructType) -> list[str]:
    """Where other subjects' rows may mention the subject: free text, or a quarantined raw line."""
    if target.zone == "quarantine":
        return [RAW_LINE]
    assert target.dataset is not None
    return [
        n for n, s in target.dataset.columns.items() if s.role == "free_text" and n in schema.fieldNames()
    ]


def rows_of_subjects(df: DataFrame, target: Target, subjects: Sequence[str], key: bytes) -> DataFrame:
    """The table's rows that belong to the subjects (by account pseudonym)."""
    owner = subject_pseudonym(target, df.columns, lambda: key)
    if owner is None:
        return df.limit(0)
    return df.where(F.coalesce(owner.isin(list(subjects)), F.lit(False)))


def recompute_gold(spark: SparkSession, config: PrivlakeConfig, days: Sequence[dt.date]) -> str:
    """Gold holds k-anonymous aggregates without identifiers: rebuilding the subjects' dates from
    the erased (or restricted) silver removes their contribution, including where it kept a group
    at k."""
    if not gold_tables(spark, config):
        return "no gold tables yet: nothing to recompute"
    from privlake.gold import aggregate  # imported when needed: it loads the analytics layer

    for day in days:
        aggregate(spark, config, day)
    return f"recomputed from the erased silver tables for {len(days)} date(s)"

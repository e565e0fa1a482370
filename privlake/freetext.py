"""Free-text columns through Presidio, in Arrow batches on the Python workers.

``scrub_free_text`` is a ``mapInPandas`` step: each worker builds one scrubber per column
setting (lazily, cached for the life of the worker process), loads the known-subject deny
list into it once, and scrubs whole batches. The row's own identifier values (serial, MAC,
IP, SSIDs: the policy's ``deny_columns``) travel with it as a record-aware deny list.

Fail closed: if scrubbing a batch raises, its rows are retried one by one; a row that still
fails is flagged with the error class (never its text) in ``_scrub_error`` and the job
routes it to quarantine. Flagged rows keep their original text only so the quarantine
holds the record; the job filters them out before anything is written to silver.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from privlake.config import DatasetConfig, IpPrefix, PrivlakeConfig

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame

    from anonymizers.scrubber import ScrubSettings, TextScrubber

SCRUB_ERROR = "_scrub_error"
ENTITIES = "_entities"


@dataclass(frozen=True)
class FreeTextPlan:
    """Everything a worker needs, pickled into the mapInPandas closure once per task."""

    columns: tuple[tuple[str, ScrubSettings, tuple[str, ...]], ...]  # name, settings, deny columns
    deny_types: dict[str, str]  # deny column -> entity type its values are replaced as
    key: bytes
    known_identifiers: tuple[tuple[str, str], ...]

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(self.key)
        for value, entity in self.known_identifiers:
            digest.update(f"{entity}\0{value}\0".encode())
        return digest.hexdigest()


# entity type of an identifier kind, for record-aware deny lists
ENTITY_OF_KIND = {
    "device_serial": "DEVICE_SERIAL",
    "mac_address": "MAC_ADDRESS",
    "ip_address": "IP_ADDRESS",
    "ssid": "WIFI_SSID",
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "username": "USERNAME",
    "account_id": "ACCOUNT_ID",
}


def free_text_plan(
    config: PrivlakeConfig, dataset: DatasetConfig, key: bytes, known: Iterable[tuple[str, str]]
) -> FreeTextPlan:
    from anonymizers.scrubber import ScrubSettings

    settings = config.deidentify
    columns = []
    deny_types: dict[str, str] = {}
    for name, spec in dataset.columns.items():
        if spec.role != "free_text":
            continue
        scrub = ScrubSettings(
            ner=spec.ner,
            spacy_model=settings.spacy_model,
            score_threshold=settings.score_threshold,
            phone_regions=settings.phone_regions,
            max_text_chars=settings.max_text_chars,
        )
        columns.append((name, scrub, spec.deny_columns))
        for deny in spec.deny_columns:
            deny_spec = dataset.columns[deny]
            if deny_spec.kind in ENTITY_OF_KIND:
                deny_types[deny] = ENTITY_OF_KIND[deny_spec.kind]
            elif isinstance(deny_spec.generalize, IpPrefix):
                deny_types[deny] = "IP_ADDRESS"
            else:
                deny_types[deny] = "IDENTIFIER"
    return FreeTextPlan(tuple(columns), deny_types, key, tuple(sorted(set(known))))


_SCRUBBERS: dict[tuple[Any, str], TextScrubber] = {}


def _scrubber(settings: ScrubSettings, plan: FreeTextPlan) -> TextScrubber:
    """One scrubber per (settings, key + deny list) for the life of the worker process."""
    from anonymizers.scrubber import get_scrubber

    cache_key = (settings, plan.fingerprint)
    if cache_key not in _SCRUBBERS:
        scrubber = get_scrubber(settings, plan.key)
        scrubber.set_known_identifiers(plan.known_identifiers)
        _SCRUBBERS[cache_key] = scrubber
    return _SCRUBBERS[cache_key]


def _deny_values(value: Any, deny_type: str) -> list[tuple[str, str]]:
    """One deny column's value in one row as (value, entity type) pairs."""
    if value is None:
        return []
    if isinstance(value, str):
        return [(value, deny_type)] if value.strip() else []
    if isinstance(value, float):  # pandas hands a missing value as NaN
        return []
    # arrays arrive as numpy arrays or lists
    return [(v, deny_type) for v in value if isinstance(v, str) and v.strip()]


def _record_deny_lists(
    pdf: pd.DataFrame, deny_columns: Sequence[str], deny_types: dict[str, str]
) -> list[list[tuple[str, str]]]:
    """Each row's deny list, built column by column: one ``tolist`` per column instead of
    a pandas lookup per row and column (which cost more than the scrubbing of most rows)."""
    deny: list[list[tuple[str, str]]] = [[] for _ in range(len(pdf))]
    for column in deny_columns:
        deny_type = deny_types[column]
        for row, value in zip(deny, pdf[column].tolist(), strict=True):
            row.extend(_deny_values(value, deny_type))
    return deny


def scrub_batches(plan: FreeTextPlan, batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The mapInPandas body: scrub each free-text column, flag failures, count entities."""
    for pdf in batches:
        n = len(pdf)
        errors: list[str | None] = [None] * n
        entities: list[dict[str, int]] = [{} for _ in range(n)]
        for name, settings, deny_columns in plan.columns:
            texts = pdf[name].tolist()
            deny = _record_deny_lists(pdf, deny_columns, plan.deny_types)
            try:
                results = _scrubber(settings, plan).scrub(texts, deny)
            except Exception:
                results = []
                for i in range(n):
                    try:
                        results.extend(_scrubber(settings, plan).scrub([texts[i]], [deny[i]]))
                    except Exception as exc:  # fail closed: flag, never guess
                        errors[i] = errors[i] or f"{name}: {type(exc).__name__}"
                        results.append(None)  # type: ignore[arg-type]
            scrubbed = list(texts)
            for i, result in enumerate(results):
                if result is None:
                    continue
                scrubbed[i] = result.text
                for entity, count in result.entities.items():
                    label = f"{name}:{entity}"
                    entities[i][label] = entities[i].get(label, 0) + count
            pdf[name] = scrubbed
        pdf[SCRUB_ERROR] = errors
        pdf[ENTITIES] = entities
        yield pdf


def scrub_free_text(df: DataFrame, plan: FreeTextPlan) -> DataFrame:
    """Add ``_scrub_error`` and ``_entities``; free-text columns come back scrubbed."""
    from pyspark.sql import types as T

    if not plan.columns:
        from pyspark.sql import functions as F

        return df.withColumn(SCRUB_ERROR, F.lit(None).cast("string")).withColumn(
            ENTITIES, F.create_map().cast("map<string,int>")
        )
    schema = T.StructType(
        [
            *df.schema.fields,
            T.StructField(SCRUB_ERROR, T.StringType(), True),
            T.StructField(ENTITIES, T.MapType(T.StringType(), T.IntegerType()), True),
        ]
    )
    return df.mapInPandas(lambda batches: scrub_batches(plan, batches), schema)

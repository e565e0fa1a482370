"""Free-text columns through Presidio, in Arrow batches on the Python workers.

``scrub_free_text`` is an Arrow UDF over the free-text columns and the row's deny columns
only (the rest of the row never leaves the JVM): each worker builds one scrubber per
column setting (lazily, cached for the life of the worker process), loads the
known-subject deny list into it once, and scrubs whole batches. The row's own identifier values (serial, MAC,
IP, SSIDs: the policy's ``deny_columns``) travel with it as a record-aware deny list.

Fail closed: if scrubbing a batch raises, its rows are retried one by one; a row that still
fails is flagged with the error class (never its text) in ``_scrub_error`` and the job
routes it to quarantine. Flagged rows keep their original text only so the quarantine
holds the record; the job filters them out before anything is written to silver.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from anonymizers.pseudonym import ENTITY_TYPE_FOR_KIND
from privlake.config import DatasetConfig, IpPrefix, PrivlakeConfig

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

    from anonymizers.scrubber import ScrubResult, TextScrubber
    from anonymizers.settings import ScrubSettings

SCRUB_ERROR = "_scrub_error"
ENTITIES = "_entities"


@dataclass(frozen=True)
class FreeTextPlan:
    """Everything a worker needs, pickled into the Arrow UDF's closure once per task."""

    columns: tuple[tuple[str, ScrubSettings, tuple[str, ...]], ...]  # name, settings, deny columns
    deny_types: dict[str, str]  # deny column -> entity type its values are replaced as
    # Never in a repr: an error message or a log line must not show the key or the values.
    key: bytes = field(repr=False)
    known_identifiers: tuple[tuple[str, str], ...] = field(repr=False)

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(self.key)
        for value, entity in self.known_identifiers:
            digest.update(f"{entity}\0{value}\0".encode())
        return digest.hexdigest()


def scrub_settings(config: PrivlakeConfig, *, ner: bool, labels: bool, **overrides: Any) -> ScrubSettings:
    """The scrubber's settings for one free-text column, from the ``deidentify`` section of the
    configuration (``overrides``: fields the caller sets otherwise, e.g. the export's)."""
    from anonymizers.settings import ScrubSettings

    d = config.deidentify
    return ScrubSettings(
        ner=ner,
        labels=labels,
        household_names=d.household_names,
        spacy_model=d.spacy_model,
        score_threshold=d.score_threshold,
        phone_regions=d.phone_regions,
        max_text_chars=d.max_text_chars,
        optional_entities=d.optional_entities,
        **overrides,
    )


def free_text_plan(
    config: PrivlakeConfig, dataset: DatasetConfig, key: bytes, known: Iterable[tuple[str, str]]
) -> FreeTextPlan:
    columns = []
    deny_types: dict[str, str] = {}
    for name, spec in dataset.columns.items():
        if spec.role != "free_text":
            continue
        columns.append((name, scrub_settings(config, ner=spec.ner, labels=spec.label), spec.deny_columns))
        for deny in spec.deny_columns:
            deny_spec = dataset.columns[deny]
            if deny_spec.kind in ENTITY_TYPE_FOR_KIND:
                deny_types[deny] = ENTITY_TYPE_FOR_KIND[deny_spec.kind]
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
        _tune_worker_gc()
    return _SCRUBBERS[cache_key]


# Young-generation collections every 10,000 container allocations instead of 700: a batch
# allocates tens of thousands of short-lived findings and tuples, which reference counting
# frees; collecting every 700 found almost nothing (7% of the scrub UDF's CPU on device logs).
WORKER_GC_THRESHOLD = (10_000, 10, 10)


def _tune_worker_gc() -> None:
    """Keep the cyclic garbage collector off the engines a worker has just built.

    Presidio, spaCy and the deny-list automaton live as long as the worker, yet every full
    collection walked all of them again. With Python's defaults the collector took about a
    sixth of the scrubbing CPU on device logs; freezing took back 10% and the threshold
    above another 7% (bench/README.md, sixth round). Everything alive now is frozen (still
    freed by reference counting; a collection first clears the cycles built so far, so
    none is kept for good), and young collections run less often.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLD)


def _deny_values(value: Any, deny_type: str) -> list[tuple[str, str]]:
    """One deny column's value in one row as (value, entity type) pairs."""
    if value is None:
        return []
    if isinstance(value, str):
        return [(value, deny_type)] if value.strip() else []
    # arrays (a device's Wi-Fi networks) arrive as lists
    return [(v, deny_type) for v in value if isinstance(v, str) and v.strip()]


def _record_deny_lists(
    columns: dict[str, list[Any]], deny_columns: Sequence[str], deny_types: dict[str, str], rows: int
) -> list[list[tuple[str, str]]]:
    """Each row's deny list, built column by column from whole-column Python lists (one
    conversion per column, not a lookup per row and column)."""
    deny: list[list[tuple[str, str]]] = [[] for _ in range(rows)]
    for column in deny_columns:
        deny_type = deny_types[column]
        for row, value in zip(deny, columns[column], strict=True):
            row.extend(_deny_values(value, deny_type))
    return deny


def _scrub_column(
    plan: FreeTextPlan,
    name: str,
    settings: ScrubSettings,
    texts: list[str | None],
    deny: list[list[tuple[str, str]]],
    errors: list[str | None],
    entities: list[dict[str, int]],
) -> list[str | None]:
    """One column of one batch scrubbed; a batch that fails is retried row by row and a
    row that still fails keeps its text, flagged in ``errors`` (fail closed)."""
    try:
        results: list[ScrubResult | None] = list(_scrubber(settings, plan).scrub(texts, deny))
    except Exception:
        results = []
        for i, text in enumerate(texts):
            try:
                results.extend(_scrubber(settings, plan).scrub([text], [deny[i]]))
            except Exception as exc:  # fail closed: flag, never guess
                errors[i] = errors[i] or f"{name}: {type(exc).__name__}"
                results.append(None)
    scrubbed = list(texts)
    for i, result in enumerate(results):
        if result is None:
            continue
        scrubbed[i] = result.text
        for entity, count in result.entities.items():
            label = f"{name}:{entity}"
            entities[i][label] = entities[i].get(label, 0) + count
    return scrubbed


def scrub_arrays(plan: FreeTextPlan, inputs: Sequence[str], *arrays: pa.Array) -> pa.StructArray:
    """The Arrow UDF body: ``arrays`` are the columns named in ``inputs`` (free text and deny
    columns) for one batch; returns the scrubbed texts, ``_scrub_error`` and ``_entities``."""
    import pyarrow as pa

    columns = {name: array.to_pylist() for name, array in zip(inputs, arrays, strict=True)}
    rows = len(arrays[0]) if arrays else 0
    errors: list[str | None] = [None] * rows
    entities: list[dict[str, int]] = [{} for _ in range(rows)]
    outputs = []
    for name, settings, deny_columns in plan.columns:
        deny = _record_deny_lists(columns, deny_columns, plan.deny_types, rows)
        outputs.append(_scrub_column(plan, name, settings, columns[name], deny, errors, entities))
    return pa.StructArray.from_arrays(
        [
            *(pa.array(texts, pa.string()) for texts in outputs),
            pa.array(errors, pa.string()),
            pa.array([list(e.items()) for e in entities], pa.map_(pa.string(), pa.int32())),
        ],
        names=[*(name for name, _, _ in plan.columns), SCRUB_ERROR, ENTITIES],
    )


def scrub_free_text(df: DataFrame, plan: FreeTextPlan) -> DataFrame:
    """Add ``_scrub_error`` and ``_entities``; free-text columns come back scrubbed.

    Only the free-text and deny columns cross into Python (an Arrow UDF returning one
    struct), not the whole row: the other columns never leave the JVM.
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    if not plan.columns:
        return df.withColumn(SCRUB_ERROR, F.lit(None).cast("string")).withColumn(
            ENTITIES, F.create_map().cast("map<string,int>")
        )
    texts = [name for name, _, _ in plan.columns]
    inputs = list(dict.fromkeys([*texts, *(d for _, _, deny in plan.columns for d in deny)]))
    result_type = T.StructType(
        [
            *(T.StructField(name, T.StringType(), True) for name in texts),
            T.StructField(SCRUB_ERROR, T.StringType(), True),
            T.StructField(ENTITIES, T.MapType(T.StringType(), T.IntegerType()), True),
        ]
    )

    def scrub_batch(*arrays: pa.Array) -> pa.StructArray:
        return scrub_arrays(plan, inputs, *arrays)

    # Non-deterministic only so the optimizer never inlines the call once per struct field.
    scrub = F.arrow_udf(scrub_batch, result_type, F.ArrowUDFType.SCALAR).asNondeterministic()
    result = "_free_text_result"
    return df.withColumn(result, scrub(*inputs)).select(
        *(F.col(f"{result}.{c}").alias(c) if c in texts else F.col(c) for c in df.columns),
        F.col(f"{result}.{SCRUB_ERROR}").alias(SCRUB_ERROR),
        F.col(f"{result}.{ENTITIES}").alias(ENTITIES),
    )

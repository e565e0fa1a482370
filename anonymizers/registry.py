"""The recognizer registry (``recognizers.yaml``): which recognizers run, in which order.

One YAML list in the style of Presidio's recognizer registry, read and validated here;
``anonymizers.engine.build_registry`` instantiates it. This module imports no Presidio
(classes are named by dotted path and imported only when built), so the driver-side
settings can learn the optional entities from the same list without paying for Presidio.
"""

from __future__ import annotations

import builtins
import functools
import importlib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

RECOGNIZERS_YAML = Path(__file__).with_name("recognizers.yaml")


class RecognizerEntry(BaseModel):
    """One recognizer of the registry; the keys are described in ``recognizers.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    type: Literal["code", "predefined", "custom"]
    class_name: str | None = None
    supported_entity: str | None = None
    supported_entities: tuple[str, ...] | None = None
    enabled: bool = True
    ner: bool = False
    arguments: dict[str, str] = {}
    trigger: str | None = None
    trigger_in_original_text: str | None = None
    ignore_case: bool = True
    # Presidio's PatternRecognizer.from_dict keys, for `custom` and `code` entries.
    supported_language: str = "en"
    patterns: tuple[dict[str, Any], ...] | None = None
    context: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RecognizerEntry:
        if (self.supported_entity is None) == (self.supported_entities is None):
            raise ValueError(f"{self.name}: give one of 'supported_entity' and 'supported_entities'")
        if self.type == "custom":
            if self.class_name is not None or not self.patterns:
                raise ValueError(f"{self.name}: a custom recognizer has patterns and no class_name")
        elif self.class_name is None:
            raise ValueError(f"{self.name}: a {self.type} recognizer has a class_name")
        elif self.type == "predefined" and (self.patterns is not None or self.context is not None):
            raise ValueError(f"{self.name}: a predefined recognizer has Presidio's patterns, not ours")
        elif self.type == "code" and (not self.patterns or self.supported_entity is None):
            raise ValueError(f"{self.name}: a code recognizer declares its patterns and supported_entity")
        if self.type != "code" and not self.ignore_case:
            raise ValueError(f"{self.name}: only a code recognizer sets ignore_case")
        if self.type == "code" and (self.trigger or self.trigger_in_original_text):
            raise ValueError(f"{self.name}: a code recognizer declares its triggers on the class")
        return self

    @property
    def entities(self) -> tuple[str, ...]:
        """The entity types it finds."""
        return self.supported_entities or (str(self.supported_entity),)

    def load_class(self) -> builtins.type[Any]:
        """The recognizer class named by ``class_name`` (code and predefined entries)."""
        module, _, attribute = str(self.class_name).rpartition(".")
        found = getattr(importlib.import_module(module), attribute, None)
        if not isinstance(found, type):
            raise ValueError(f"{self.name}: class_name {self.class_name!r} names no class")
        return found

    def presidio_dict(self) -> dict[str, Any]:
        """A custom entry as ``PatternRecognizer.from_dict`` takes it (our keys left out)."""
        keys = ("name", "supported_language", "supported_entity", "patterns", "context")
        document = self.model_dump(include=set(keys), exclude_none=True)
        document["patterns"] = [dict(pattern) for pattern in document["patterns"]]
        if "context" in document:
            document["context"] = list(document["context"])
        return document


class RecognizerRegistryFile(BaseModel):
    """The whole file: the recognizers in registration order, and the entity types' ranks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    recognizers: tuple[RecognizerEntry, ...]
    entity_priority: tuple[str, ...]

    @model_validator(mode="after")
    def _consistent(self) -> RecognizerRegistryFile:
        names = [entry.name for entry in self.recognizers]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"recognizer names must be unique; repeated: {repeated}")
        if len(set(self.entity_priority)) != len(self.entity_priority):
            raise ValueError("entity_priority names an entity type twice")
        unranked = sorted(
            {e for entry in self.recognizers for e in entry.entities} - set(self.entity_priority)
        )
        if unranked:
            raise ValueError(f"entity_priority lacks the entity types {unranked}")
        return self


@functools.cache
def load_registry_file(path: Path = RECOGNIZERS_YAML) -> RecognizerRegistryFile:
    """The whole registry file, validated."""
    with path.open(encoding="utf-8") as stream:
        document = yaml.safe_load(stream)
    try:
        return RecognizerRegistryFile.model_validate(document)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def load_registry(path: Path = RECOGNIZERS_YAML) -> tuple[RecognizerEntry, ...]:
    """The registry's entries, in order."""
    return load_registry_file(path).recognizers


def entity_priority(path: Path = RECOGNIZERS_YAML) -> tuple[str, ...]:
    """Entity types, most specific first (the tie-break between equal findings)."""
    return load_registry_file(path).entity_priority


def optional_entities(path: Path = RECOGNIZERS_YAML) -> tuple[str, ...]:
    """Entities of the recognizers that are off (``enabled: false``) unless switched on."""
    return tuple(sorted({e for entry in load_registry(path) if not entry.enabled for e in entry.entities}))

"""Presidio anonymizer operators: ``keyed_pseudonym``, HMAC-SHA256 tokens that join.

An identifier found in free text (a serial, a MAC, an account id) is replaced by the
same token its structured column gets, so analysts can join a log line to the device
table without ever seeing the identifier. The token comes from
``anonymizers.pseudonym.pseudonymize`` (one source of truth for normalization, domain
separation by kind and token format), keyed with the pipeline's secret. Presidio's own
``hash`` operator is unfit: since 2.2.361 it salts every value randomly unless given a
salt, and a salt is not a key (plain SHA-256 of a guessable value can be brute-forced).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import InvalidParamError, OperatorConfig
from presidio_anonymizer.operators import Operator, OperatorType

from anonymizers.pseudonym import TOKEN_PREFIX, pseudonymize

# Below this, an HMAC key is guessable; the pipeline's keys are 32 random bytes.
MIN_KEY_BYTES = 16


class KeyedPseudonym(Operator):
    """Replace the entity with ``pseudonymize(text, kind, key)``: stable, keyed, joinable.

    Params: ``kind`` (one of ``anonymizers.pseudonym.TOKEN_PREFIX``) and ``key`` (bytes).
    """

    KIND = "kind"
    KEY = "key"

    def operate(self, text: str, params: dict[str, Any] | None = None) -> str:
        """The keyed pseudonym of ``text`` as an identifier of ``params['kind']``."""
        params = params or {}
        return pseudonymize(text, params[self.KIND], params[self.KEY])

    def validate(self, params: dict[str, Any] | None = None) -> None:
        """Check kind and key without ever echoing the key."""
        params = params or {}
        kind = params.get(self.KIND)
        if kind not in TOKEN_PREFIX:
            raise InvalidParamError(
                f"keyed_pseudonym: 'kind' must be one of {sorted(TOKEN_PREFIX)}, got {kind!r}"
            )
        key = params.get(self.KEY)
        if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
            raise InvalidParamError(f"keyed_pseudonym: 'key' must be bytes of at least {MIN_KEY_BYTES} bytes")

    def operator_name(self) -> str:
        """Name used in ``OperatorConfig``."""
        return "keyed_pseudonym"

    def operator_type(self) -> OperatorType:
        """An anonymizing (one-way) operator."""
        return OperatorType.Anonymize


def build_anonymizer() -> AnonymizerEngine:
    """A Presidio ``AnonymizerEngine`` that knows ``keyed_pseudonym``."""
    engine = AnonymizerEngine()
    engine.add_anonymizer(KeyedPseudonym)
    return engine


def operator_configs(pseudonymize_entities: Mapping[str, str], key: bytes) -> dict[str, OperatorConfig]:
    """Operators for ``AnonymizerEngine.anonymize``: keyed pseudonyms for the mapped
    entity types, ``<ENTITY_TYPE>`` tokens for everything else (Presidio's default)."""
    configs = {
        entity: OperatorConfig("keyed_pseudonym", {KeyedPseudonym.KIND: kind, KeyedPseudonym.KEY: key})
        for entity, kind in pseudonymize_entities.items()
    }
    configs["DEFAULT"] = OperatorConfig("replace")
    return configs

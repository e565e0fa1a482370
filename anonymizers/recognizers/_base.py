"""Shared machinery for the IoT recognizers: a PatternRecognizer with a trigger and a veto.

Every recognizer here is a Presidio ``PatternRecognizer`` (patterns, context words and
entity declared in its entry of ``anonymizers/recognizers.yaml``, as Presidio's YAML
recognizers are; ``validate_result`` for checksums) plus two things Presidio lacks:
``TRIGGER``, a cheap regex that must occur somewhere in the lower-cased text for any of
the recognizer's patterns to match (the scrubber uses it to skip recognizers, and
Presidio altogether, for text that cannot hold the entity), and ``reject_in_context``, a
veto that sees the text around a match (``validate_result`` only sees the match, which
cannot tell ``firmware 1.2.3.4`` from an address). Patterns are compiled by the ``regex``
module, as Presidio does; values after a key are matched as ``key\\K value`` so that
only the value is reported (``\\K`` is far cheaper than a variable-length look-behind,
which the engine would try at every position of every line).

``FastPatternMixin`` replaces Presidio's pattern loop, which timestamps and logs every
pattern on every text, with one that does the same validation with less overhead and
fails closed: a regex that times out raises instead of being skipped with a warning.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from typing import Any, ClassVar, TypedDict, cast

import regex
from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts

from anonymizers.registry import RECOGNIZERS_YAML, RecognizerEntry, load_registry

# A key and its value separator in logs, JSON and query strings: `key=`, `key: `,
# `"key": "`, `key = '`. The key is context, not part of the finding.
KEY_VALUE_SEPARATOR = r"""["']?[ \t]{0,3}[:=][ \t]{0,3}["']?"""
# As above, or the key followed by plain spaces (`SSID HomeNet`, `serial A1B2...`).
KEY_SEPARATOR_OR_SPACE = rf"(?:{KEY_VALUE_SEPARATOR}|[ \t]{{1,3}})"

DEFAULT_REGEX_FLAGS = regex.DOTALL | regex.MULTILINE | regex.IGNORECASE
# For the entries with `ignore_case: false` (capitals are the signal).
CASE_SENSITIVE_REGEX_FLAGS = regex.DOTALL | regex.MULTILINE
# Same default as Presidio's REGEX_TIMEOUT_SECONDS; our patterns finish in microseconds.
REGEX_TIMEOUT_SECONDS = float(os.environ.get("REGEX_TIMEOUT_SECONDS", 60))


# Anchors this short (in ASCII letters) match only at the start of a word in a
# ``literal_trigger``: "hi" or "by" anywhere would fire on most lines ("this", "nearby").
SHORT_ANCHOR_CHARS = 3


def literal_trigger(anchors: Iterable[str]) -> str:
    """A ``TRIGGER`` regex that finds any of ``anchors`` (lower-case literals), built for speed.

    Python's ``re`` tries the branches of an alternation one by one at every position,
    unless every branch starts with a literal character: then it first skips to the
    positions holding one of those characters. So the anchors are grouped by their first
    character, and the word-start test of short ASCII anchors (``SHORT_ANCHOR_CHARS``)
    comes after that character (``(?<!\\w.)``) instead of as a leading ``\\b``, which
    would cost that skip (ten times slower on a hundred anchors).
    """
    groups: dict[str, set[str]] = {}
    for anchor in anchors:
        if not anchor or anchor != anchor.lower():
            raise ValueError(f"trigger anchors must be non-empty and lower-case: {anchor!r}")
        at_word_start = anchor.isascii() and anchor[0].isalpha() and len(anchor) <= SHORT_ANCHOR_CHARS
        word_start = r"(?<!\w.)" if at_word_start else ""
        groups.setdefault(anchor[0], set()).add(word_start + re.escape(anchor[1:]))
    branches = []
    for first, tails in sorted(groups.items()):
        ordered = sorted(tails, key=lambda tail: (-len(tail), tail))
        branches.append(re.escape(first) + (f"(?:{'|'.join(ordered)})" if ordered != [""] else ""))
    return "|".join(branches)


def _compiled(pattern: Pattern, flags: int | None) -> Any:
    """``pattern`` compiled with ``flags``, cached on the Pattern as Presidio does."""
    cache = cast(Any, pattern)  # Presidio's compile cache on Pattern, typed as None
    if cache.compiled_regex is None or cache.compiled_with_flags != flags:
        cache.compiled_regex = regex.compile(pattern.regex, flags=flags or 0)
        cache.compiled_with_flags = flags
    return cache.compiled_regex


def _overrides(recognizer: EntityRecognizer, method: str, base: type = PatternRecognizer) -> bool:
    """Whether ``recognizer``'s class replaces ``base``'s no-op ``method``: calling the
    no-op for every match costs a Python call and decides nothing."""
    return getattr(type(recognizer), method) is not getattr(base, method)


class FastPatternMixin(PatternRecognizer):
    """Presidio's pattern matching semantics without its per-pattern overhead.

    Same rules as ``PatternRecognizer``: ``validate_result`` True sets the score to 1,
    False drops the match, ``invalidate_result`` True drops it; then ``reject_in_context``
    may veto it. A regex timeout raises (fail closed) instead of skipping the pattern.
    Triggers (see the module docstring) are regex sources, None when unknown.
    """

    # Presidio assigns these in __init__ without annotations; declared for type checkers.
    patterns: list[Pattern]
    name: str
    trigger: str | None = None
    trigger_in_original_text: str | None = None
    # Per pattern name: a trigger of that pattern alone (a regex searched with ``re`` in
    # the lower-cased text, like TRIGGER). A rare pattern in a recognizer whose trigger
    # fires often (EUI-64 in IPv6 among MAC lines) then costs one cheap search instead
    # of a pass of the pattern, with its timeout bookkeeping, over every line.
    PATTERN_TRIGGERS: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Compiled now rather than on the first text: the first batch of every worker
        # would otherwise pay for it (the name patterns take a good part of a second).
        for pattern in self.patterns:
            _compiled(pattern, self.global_regex_flags)
        unknown = set(self.PATTERN_TRIGGERS) - {pattern.name for pattern in self.patterns}
        if unknown:
            raise ValueError(f"PATTERN_TRIGGERS names patterns that do not exist: {sorted(unknown)}")
        self._gates = [
            re.compile(self.PATTERN_TRIGGERS[p.name]).search if p.name in self.PATTERN_TRIGGERS else None
            for p in self.patterns
        ]
        # Which per-match hooks this class really has, decided once per recognizer.
        self._validates = _overrides(self, "validate_result")
        self._invalidates = _overrides(self, "invalidate_result")
        self._vetoes = _overrides(self, "reject_in_context", FastPatternMixin)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """All validated pattern matches in ``text`` (see ``find``)."""
        return self.find(text, regex_flags or self.global_regex_flags)

    def find(self, text: str, flags: int | None) -> list[RecognizerResult]:
        """All validated pattern matches in ``text``, the patterns compiled with ``flags``."""
        validates, invalidates, vetoes = self._validates, self._invalidates, self._vetoes
        results = []
        folded = text.lower() if self.PATTERN_TRIGGERS else text
        for pattern, gate in zip(self.patterns, self._gates, strict=True):
            if gate is not None and gate(folded) is None:
                continue
            for match in _compiled(pattern, flags).finditer(text, timeout=REGEX_TIMEOUT_SECONDS):
                start, end = match.span()
                if start == end:
                    continue
                matched = text[start:end]
                score = pattern.score
                validation = self.validate_result(matched) if validates else None
                if validation is not None:
                    score = EntityRecognizer.MAX_SCORE if validation else EntityRecognizer.MIN_SCORE
                if invalidates and self.invalidate_result(matched):
                    score = EntityRecognizer.MIN_SCORE
                if score <= EntityRecognizer.MIN_SCORE or (
                    vetoes and self.reject_in_context(text, start, end)
                ):
                    continue
                results.append(self._pattern_result(pattern, start, end, score, validation))
        return EntityRecognizer.remove_duplicates(results) if len(results) > 1 else results

    def _pattern_result(
        self, pattern: Pattern, start: int, end: int, score: float, validation: bool | None
    ) -> RecognizerResult:
        return RecognizerResult(
            entity_type=self.supported_entities[0],
            start=start,
            end=end,
            score=score,
            analysis_explanation=AnalysisExplanation(
                recognizer=self.name,
                original_score=pattern.score,
                pattern_name=pattern.name,
                pattern=pattern.regex,
                validation_result=bool(validation),
            ),
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )

    def reject_in_context(self, text: str, start: int, end: int) -> bool:
        """True when the text around ``text[start:end]`` shows it is not this entity."""
        return False


class YamlPatternRecognizer(FastPatternMixin):
    """A recognizer declared in ``recognizers.yaml``: Presidio's ``PatternRecognizer``
    built by ``from_dict``, matched with the fast loop."""


class RecognizerOptions(TypedDict, total=False):
    """``IotPatternRecognizer``'s constructor arguments, for subclasses that add their own
    and pass these on (``**options: Unpack[RecognizerOptions]``)."""

    patterns: list[Pattern] | None
    context: list[str] | None
    supported_language: str
    supported_entity: str | None
    name: str | None


class IotPatternRecognizer(FastPatternMixin):
    """Base of the code recognizers: patterns, context and entity from the class's entry in
    ``recognizers.yaml``; triggers on the class; the class itself holds
    only the code that validates, vetoes or reshapes candidates."""

    # A necessary condition for any pattern to match, searched (case-sensitively) in the
    # lower-cased text with the standard `re` module, faster than `regex` for this.
    TRIGGER: ClassVar[str] = ""
    # For recognizers that need capitals: a trigger searched in the text as written. With
    # TRIGGER as well, both must occur (see anonymizers.engine.EntityPrefilter).
    TRIGGER_IN_ORIGINAL_TEXT: ClassVar[str] = ""

    def __init__(
        self,
        patterns: list[Pattern] | None = None,
        context: list[str] | None = None,
        supported_language: str = "en",
        supported_entity: str | None = None,
        name: str | None = None,
    ) -> None:
        registered, entry = _registered(type(self))
        # Fresh objects: Presidio caches compiled regexes on Pattern objects and appends to
        # the list for deny lists, so instances must share nothing.
        source = patterns if patterns is not None else entry_patterns(registered, entry)
        super().__init__(
            supported_entity=supported_entity or entry.supported_entity,
            patterns=[Pattern(p.name, p.regex, p.score) for p in source],
            context=list(context if context is not None else entry.context or ()),
            supported_language=supported_language,
            name=cast(str, name),  # Presidio defaults a missing name to the class name
            global_regex_flags=DEFAULT_REGEX_FLAGS if entry.ignore_case else CASE_SENSITIVE_REGEX_FLAGS,
        )
        self.trigger = self.TRIGGER or None
        self.trigger_in_original_text = self.TRIGGER_IN_ORIGINAL_TEXT or None


# ``${NAME}`` in a code recognizer's regex (recognizers.yaml): the module constant
# ``_NAME`` (or ``NAME``) of its class's module, or of this one (the key separators), a
# regex piece that several patterns share or that is built from a word list.
_FRAGMENT = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


def _registered(cls: type) -> tuple[type, RecognizerEntry]:
    """The class of ``cls``'s lineage that ``recognizers.yaml`` names, and its entry (a
    subclass, as tests write, takes its parent's)."""
    entries = {entry.class_name: entry for entry in load_registry() if entry.type == "code"}
    for klass in cls.__mro__:
        entry = entries.get(f"{klass.__module__}.{klass.__qualname__}")
        if entry is not None:
            return klass, entry
    raise ValueError(f"{cls.__name__} has no code entry in {RECOGNIZERS_YAML.name}")


def entry_patterns(registered: type, entry: RecognizerEntry) -> list[Pattern]:
    """The entry's patterns, each ``${NAME}`` replaced by the constant of ``registered``'s module."""
    constants = {**globals(), **vars(sys.modules[registered.__module__])}

    def fragment(match: re.Match[str]) -> str:
        for key in (f"_{match.group(1)}", match.group(1)):
            if isinstance(constants.get(key), str):
                return cast(str, constants[key])
        raise ValueError(f"{entry.name}: no regex constant {match.group(0)} in {registered.__module__}")

    return [
        Pattern(str(p["name"]), _FRAGMENT.sub(fragment, str(p["regex"])), float(p["score"]))
        for p in entry.patterns or ()
    ]

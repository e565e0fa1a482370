"""Free-text scrubber: what the Spark job calls once per Arrow batch of its free-text UDF.

``TextScrubber.scrub`` takes a batch of texts (log lines, user-chosen names) and returns
each with its personal data replaced: identifiers the analysts join on (serials, MACs,
account ids by default) by the keyed pseudonym their structured column gets, everything
else by a typed token such as ``<EMAIL_ADDRESS>``. Findings come from four sources,
merged before one right-to-left replacement pass: the record's own identifier values
(exact, case-insensitive: its serial, MAC, SSIDs, IP, e-mail), a global automaton of
known subject identifiers (all accounts' e-mails, phones, user names, display names, the
names in their inflected forms; ``anonymizers.matching``), first names of people with no
account where the context shows a person (``anonymizers.name_context``), and Presidio
with the IoT recognizers (plus spaCy NER when the column asks for it).
Templated device logs repeat, and most lines hold nothing Presidio can find, so the
scrubber caches results by text, runs Presidio only on recognizers whose cheap trigger
occurs in the text (none at all for most lines), deduplicates within a batch and batches
NER through ``nlp.pipe``. Errors propagate, so the job quarantines the row (fail closed),
but their messages never carry the text: only its position, length and the failing step.
One ``TextScrubber`` per Python worker process comes from ``get_scrubber``.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from spacy.tokens import Doc
from spacy.vocab import Vocab

from anonymizers.engine import (
    LANGUAGE,
    NER_ENTITIES,
    EntityPrefilter,
    ScrubAnalyzerEngine,
    build_analyzer,
    load_allow_list,
)
from anonymizers.matching import (
    EXACT_MATCH_SCORE,
    MIN_IDENTIFIER_CHARS,
    RANK,
    Finding,
    KnownIdentifierMatcher,
    fold,
    household_matcher,
    is_missing,
    on_word_boundaries,
)
from anonymizers.name_context import is_ambiguous, is_person
from anonymizers.operators import MIN_KEY_BYTES, KeyedPseudonym
from anonymizers.recognizers.mac_address_recognizer import embedded_mac
from anonymizers.settings import ScrubSettings

_WORD = re.compile(r"[^\W\d_]+")
# Texts longer than this are not cached: templated lines are short, and long texts
# (stack traces, documents) rarely repeat and would crowd the cache.
CACHE_MAX_TEXT_CHARS = 2048
DEFAULT_CACHE_ENTRIES = 20_000
# Longest entity a chunk boundary must not cut (e-mails are at most 254 characters).
MAX_CHUNK_OVERLAP = 256
# Texts per spaCy minibatch. Room and scene names are a few tokens each, so larger
# batches amortise the per-batch cost: 256 took 15% less CPU than 64 on generated room
# and scene names, with identical entities (each text is tagged on its own).
NER_BATCH_SIZE = 256


@dataclass
class ScrubResult:
    """A scrubbed text (None stays None) and how many entities of each type it held."""

    text: str | None
    entities: dict[str, int] = field(default_factory=dict)


class ScrubError(RuntimeError):
    """De-identification of a text failed. The message never holds the text itself."""


@dataclass(frozen=True)
class _CacheEntry:
    findings: tuple[Finding, ...]
    text: str
    entities: dict[str, int]


def _mac_variants(value: str) -> frozenset[str]:
    """A MAC in every notation logs use, so a record's MAC is found however it is printed."""
    digits = "".join(c for c in value.lower() if c in "0123456789abcdef")
    if len(digits) != 12:
        return frozenset((value,))
    pairs = [digits[i : i + 2] for i in range(0, 12, 2)]
    return frozenset(
        {
            value,
            ":".join(pairs),
            "-".join(pairs),
            ".".join(digits[i : i + 4] for i in range(0, 12, 4)),
            digits,
        }
    )


@functools.lru_cache(maxsize=16384)
def _record_needles(value: str, entity_type: str) -> tuple[str, ...]:
    """The folded forms of one record identifier that ``_record_findings`` looks for.

    Cached: a device's serial, MAC, IP and networks come with every one of its log lines,
    and folding them (and spelling out a MAC's notations) per line was a tenth of the
    scrubber's time."""
    stripped = value.strip()
    if len(stripped) < MIN_IDENTIFIER_CHARS:
        return ()
    variants = _mac_variants(stripped) if entity_type == "MAC_ADDRESS" else (stripped,)
    return tuple(fold(variant) for variant in variants)


@functools.lru_cache(maxsize=8)
def _shared_engine(
    ner: bool, spacy_model: str, phone_regions: tuple[str, ...], optional_entities: tuple[str, ...] = ()
) -> tuple[ScrubAnalyzerEngine, EntityPrefilter]:
    """One analyzer per engine configuration per process: columns that differ only in
    threshold or pseudonym mapping share it (and the spaCy model it loaded)."""
    analyzer = build_analyzer(
        ner=ner, spacy_model=spacy_model, phone_regions=phone_regions, optional_entities=optional_entities
    )
    return analyzer, EntityPrefilter.for_analyzer(analyzer)


def _failure(
    step: str, exc: BaseException, index: int | None = None, length: int | None = None
) -> ScrubError:
    """A ScrubError naming where it failed, never what it was scrubbing."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    subject = f"text #{index} ({length} chars)" if index is not None else "a batch of texts"
    return ScrubError(f"de-identification failed for {subject} in {step}: {type(exc).__name__}{where}")


class TextScrubber:
    """Scrubs batches of texts for one column's settings; one instance per worker process.

    Not thread-safe (a Python worker runs one Arrow batch at a time).
    """

    def __init__(
        self, settings: ScrubSettings, key: bytes, *, cache_entries: int = DEFAULT_CACHE_ENTRIES
    ) -> None:
        if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
            raise ValueError(f"the pseudonym key must be bytes of at least {MIN_KEY_BYTES} bytes")
        self.settings = settings
        self._key = key
        self._analyzer, self._prefilter = _shared_engine(
            settings.ner, settings.spacy_model, settings.phone_regions, settings.optional_entities
        )
        self._allowed = load_allow_list()
        self._pseudonym_kinds = dict(settings.pseudonymize_entities)
        self._operator = KeyedPseudonym()
        self._household = household_matcher() if settings.household_names else None
        self._known = KnownIdentifierMatcher(())
        self._known_version: str | None = None
        self._cache: OrderedDict[str, _CacheEntry] = OrderedDict()
        self._cache_entries = cache_entries
        self._overlap = min(MAX_CHUNK_OVERLAP, settings.max_text_chars // 4)
        # Patterns need no NLP output; one empty artifact serves every text without NER.
        self._empty_artifacts = NlpArtifacts(
            entities=[],
            tokens=Doc(Vocab(), words=[]),
            tokens_indices=[],
            lemmas=[],
            nlp_engine=self._analyzer.nlp_engine,
            language=LANGUAGE,
            scores=[],
        )

    def __repr__(self) -> str:  # never show the key
        return f"TextScrubber({self.settings!r}, known_identifiers={self._known.size})"

    @property
    def analyzer(self) -> ScrubAnalyzerEngine:
        """The Presidio analyzer this scrubber runs (shared per engine configuration)."""
        return self._analyzer

    def set_known_identifiers(self, pairs: Iterable[tuple[str, str]], version: str | None = None) -> None:
        """Replace the global deny list of known subject identifiers (value, entity type).

        With a ``version`` (e.g. the snapshot date of the accounts table), a call with the
        version already loaded is a no-op, so the job may call it for every batch.
        """
        if version is not None and version == self._known_version:
            return
        self._known = KnownIdentifierMatcher(pairs, self.settings.phone_regions)
        self._known_version = version
        self._cache.clear()  # cached findings were computed without these identifiers

    def scrub(
        self,
        texts: Sequence[str | None],
        deny_values: Sequence[Sequence[tuple[str, str]]] | None = None,
    ) -> list[ScrubResult]:
        """Scrub ``texts``; ``deny_values[i]`` are (value, entity type) pairs of record i."""
        texts = list(texts)
        denies = list(deny_values) if deny_values is not None else None
        if denies is not None and len(denies) != len(texts):
            raise ValueError(f"deny_values has {len(denies)} entries for {len(texts)} texts; they must align")
        results: list[ScrubResult | None] = [None] * len(texts)
        pending: list[tuple[int, str, list[Finding]]] = []
        for index, text in enumerate(texts):
            if is_missing(text):
                results[index] = ScrubResult(None, {})
                continue
            if not isinstance(text, str):
                raise TypeError(f"texts[{index}] is {type(text).__name__}; expected str or None")
            try:
                pairs = denies[index] if denies is not None else None
                # len(), not truthiness: the job may hand numpy arrays.
                record = self._record_findings(text, pairs) if pairs is not None and len(pairs) else []
            except Exception as exc:
                raise _failure("record deny list", exc, index, len(text)) from None
            cached = self._cache.get(text)
            if cached is None:
                pending.append((index, text, record))
                continue
            self._cache.move_to_end(text)
            if record:
                results[index] = self._render(text, cached.findings + tuple(record))
            else:
                results[index] = ScrubResult(cached.text, dict(cached.entities))

        # Identical texts within a batch are analysed once.
        first_index: dict[str, int] = {}
        for index, text, _ in pending:
            first_index.setdefault(text, index)
        analysed = self._analyse(first_index)
        for index, text, record in pending:
            findings = analysed[text]
            plain = self._render(text, findings)
            if len(text) <= CACHE_MAX_TEXT_CHARS and text not in self._cache:
                self._cache[text] = _CacheEntry(findings, plain.text or "", dict(plain.entities))
                if len(self._cache) > self._cache_entries:
                    self._cache.popitem(last=False)
            results[index] = self._render(text, findings + tuple(record)) if record else plain
        return [r if r is not None else ScrubResult(None, {}) for r in results]

    def scrub_keeping(
        self, texts: Sequence[str | None], keep: Callable[[str, str], bool]
    ) -> list[ScrubResult]:
        """Scrub ``texts`` but leave as written every finding ``keep(found text, entity type)``
        accepts: a subject access export keeps the subject's own identifiers and replaces other
        people's (GDPR Art. 15(4)). Not cached: it runs on one subject's rows, once."""
        unique: dict[str, int] = {}
        for index, text in enumerate(texts):
            if is_missing(text):
                continue
            if not isinstance(text, str):
                raise TypeError(f"texts[{index}] is {type(text).__name__}; expected str or None")
            unique.setdefault(text, index)
        analysed = self._analyse(unique)
        results = []
        for text in texts:
            if text is None or is_missing(text):
                results.append(ScrubResult(None, {}))
                continue
            found = [f for f in analysed[text] if not keep(text[f.start : f.end], f.entity_type)]
            results.append(self._render(text, found))
        return results

    # --- finding -----------------------------------------------------------------

    def _record_findings(self, text: str, pairs: Sequence[tuple[str, str]]) -> list[Finding]:
        folded: str | None = None
        found: list[Finding] = []
        for value, entity_type in pairs:
            if is_missing(value):
                continue
            needles = _record_needles(str(value), entity_type)
            if not needles:
                continue
            if folded is None:
                folded = fold(text)
            for needle in needles:
                position = folded.find(needle)
                while position != -1:
                    end = position + len(needle)
                    if on_word_boundaries(text, position, end):
                        found.append(Finding(position, end, entity_type, EXACT_MATCH_SCORE))
                    position = folded.find(needle, position + 1)
        return found

    def _analyse(self, first_index: dict[str, int]) -> dict[str, tuple[Finding, ...]]:
        """Findings of the known-identifier automaton and Presidio for each unique text."""
        findings: dict[str, list[Finding]] = {}
        jobs: list[tuple[str, int, str, list[str]]] = []  # text, chunk offset, chunk, entities
        for text, index in first_index.items():
            try:
                folded = fold(text)
                findings[text] = self._known.find(text, folded, self.settings.labels)
                if self._household is not None:
                    findings[text].extend(self._household.find(text, folded, self.settings.labels))
                for offset, chunk in self._chunks(text):
                    # A chunk is folded on its own (lower() of a slice may differ at its
                    # edges, e.g. a final sigma); the usual single chunk is the text.
                    chunk_folded = folded if chunk is text else fold(chunk)
                    entities = self._prefilter.candidate_entities(chunk, chunk_folded)
                    if entities:
                        jobs.append((text, offset, chunk, entities))
            except Exception as exc:
                raise _failure("known identifiers", exc, index, len(text)) from None

        artifacts = self._ner_artifacts(jobs)
        threshold = self.settings.score_threshold
        for job_number, (text, offset, chunk, entities) in enumerate(jobs):
            try:
                results = self._analyzer.analyze_selected(
                    chunk, entities, threshold, artifacts.get(job_number, self._empty_artifacts)
                )
            except Exception as exc:
                raise _failure("Presidio analysis", exc, first_index[text], len(text)) from None
            for r in results:
                kept = self._kept(chunk, r) if r.end > r.start else None
                if kept is not None:
                    findings[text].append(Finding(kept[0] + offset, kept[1] + offset, r.entity_type, r.score))
        return {text: tuple(found) for text, found in findings.items()}

    def _kept(self, text: str, result: RecognizerResult) -> tuple[int, int] | None:
        """The part of a Presidio finding to replace, or None for none of it.

        The app's room and scene vocabulary is never replaced. spaCy NER on a short label
        takes most capitalised words for names: its finding loses the ordinary words at
        its edges (the room vocabulary, everyday nouns and stop words) that
        ``name_context.is_person`` does not take for a person, so "Kinderzimmer Hannchen"
        keeps "Hannchen" and "Sol de tarde" or "Aurora" keep nothing. (The phrase
        recognizers' names come with their own evidence.)
        """
        start, end = result.start, result.end
        if text[start:end].casefold() in self._allowed:
            return None
        metadata = result.recognition_metadata or {}
        if metadata.get(RecognizerResult.RECOGNIZER_NAME_KEY) != SpacyRecognizer.__name__:
            return start, end
        span = (0, len(text)) if self.settings.labels else None
        words = [(m.start() + start, m.end() + start) for m in _WORD.finditer(text[start:end])]

        def ordinary(word: tuple[int, int]) -> bool:
            folded = text[word[0] : word[1]].casefold()
            return is_ambiguous(folded) and not is_person(text, word[0], word[1], folded, span, known=True)

        count = len(words)
        while words and ordinary(words[0]):
            words.pop(0)
        while words and ordinary(words[-1]):
            words.pop()
        if not words or (len(words) < count and not any(text[a].isupper() for a, _ in words)):
            return None  # nothing left, or only lower-case words ("Sol de tarde")
        return words[0][0], words[-1][1]

    def _ner_artifacts(self, jobs: list[tuple[str, int, str, list[str]]]) -> dict[int, NlpArtifacts]:
        """spaCy output for the chunks that may hold names, computed with ``nlp.pipe``."""
        if not self.settings.ner:
            return {}
        wanted = [n for n, (_, _, _, entities) in enumerate(jobs) if any(e in NER_ENTITIES for e in entities)]
        if not wanted:
            return {}
        try:
            processed = self._analyzer.nlp_engine.process_batch(
                [jobs[n][2] for n in wanted], language=LANGUAGE, batch_size=NER_BATCH_SIZE
            )
            return {n: artifacts for n, (_, artifacts) in zip(wanted, processed, strict=True)}
        except Exception as exc:
            raise _failure("spaCy NER", exc) from None

    def _chunks(self, text: str) -> list[tuple[int, str]]:
        """``text`` cut into overlapping pieces of at most ``max_text_chars``.

        Consecutive chunks overlap by ``self._overlap`` characters, so an entity no
        longer than that lies whole in at least one chunk; cuts prefer whitespace.
        """
        size = self.settings.max_text_chars
        if len(text) <= size:
            return [(0, text)]
        chunks = []
        start = 0
        while True:
            end = min(len(text), start + size)
            if end < len(text):
                cut = max(
                    text.rfind(" ", end - self._overlap, end), text.rfind("\n", end - self._overlap, end)
                )
                if cut > start + self._overlap:
                    end = cut
            chunks.append((start, text[start:end]))
            if end >= len(text):
                return chunks
            start = end - self._overlap

    # --- replacing ---------------------------------------------------------------

    def _render(self, text: str, findings: Sequence[Finding]) -> ScrubResult:
        """Replace every cluster of overlapping findings, right to left, in one pass.

        Overlapping findings form one cluster whose whole extent is replaced (a partial
        overlap never leaves half an identifier behind). The cluster's entity type and
        pseudonym come from its best finding: highest score, then longest, then the
        more specific type (``ENTITY_PRIORITY``).
        """
        if not findings:
            return ScrubResult(text, {})
        clusters: list[tuple[int, int, Finding]] = []
        ordered = sorted(findings, key=lambda f: (f.start, -f.end))
        cluster_start, cluster_end, best = ordered[0].start, ordered[0].end, ordered[0]
        for finding in ordered[1:]:
            if finding.start < cluster_end:
                cluster_end = max(cluster_end, finding.end)
                if _preference(finding) > _preference(best):
                    best = finding
            else:
                clusters.append((cluster_start, cluster_end, best))
                cluster_start, cluster_end, best = finding.start, finding.end, finding
        clusters.append((cluster_start, cluster_end, best))

        pieces: list[str] = []
        counts: dict[str, int] = {}
        tail = len(text)
        for start, end, winner in reversed(clusters):
            pieces.append(text[end:tail])
            pieces.append(self._replacement(text[winner.start : winner.end], winner.entity_type))
            counts[winner.entity_type] = counts.get(winner.entity_type, 0) + 1
            tail = start
        pieces.append(text[:tail])
        return ScrubResult("".join(reversed(pieces)), counts)

    def _replacement(self, value: str, entity_type: str) -> str:
        kind = self._pseudonym_kinds.get(entity_type)
        if kind is None:
            return f"<{entity_type}>"
        if entity_type == "MAC_ADDRESS":
            # An IPv6 address built from a MAC (EUI-64) joins the device's MAC pseudonym.
            value = embedded_mac(value) or value
        return self._operator.operate(value, {KeyedPseudonym.KIND: kind, KeyedPseudonym.KEY: self._key})


def _preference(finding: Finding) -> tuple[float, int, int]:
    return (finding.score, finding.end - finding.start, -RANK.get(finding.entity_type, len(RANK)))


_SCRUBBERS: dict[tuple[ScrubSettings, bytes], TextScrubber] = {}
_SCRUBBERS_LOCK = threading.Lock()


def get_scrubber(settings: ScrubSettings, key: bytes) -> TextScrubber:
    """The process-wide ``TextScrubber`` for ``settings`` and ``key``, built on first use.

    Spark reuses Python workers across batches and tasks, so the analyzer (and spaCy
    model) load once per worker, not once per batch. The cache is keyed by a digest of
    the key, so a rotated key gets a fresh scrubber.
    """
    cache_key = (settings, hashlib.sha256(key).digest())
    with _SCRUBBERS_LOCK:
        scrubber = _SCRUBBERS.get(cache_key)
        if scrubber is None:
            scrubber = TextScrubber(settings, key)
            _SCRUBBERS[cache_key] = scrubber
        return scrubber

"""Recognizer for phone numbers in national and international formats (``phonenumbers``).

Users type phone numbers into device names, automations (SMS alerts) and support
notes. Google's ``phonenumbers`` knows every region's numbering plan, but its
``PhoneNumberMatcher`` costs tens of microseconds per region and text, far too much to
run over every log line in eleven regions. So a cheap regex first finds candidates,
digit runs with phone punctuation holding 7 to 15 digits, and drops shapes that are
something else: ISO dates and times (``2026-11-28``), dotted versions and addresses
(``8.12.3``, ``10.0.0.1``), digits glued to words or to dotted/dashed runs (firmware
``4.1.7_0012``, ``host-10-0-0-5``). Only then does ``PhoneNumberMatcher`` (leniency
VALID) run on the candidate, region by region until one accepts it. International
numbers (``+49 30 1234567``, ``0044 20 7946 0958``) score highest; national numbers
need phone punctuation (``030 1234567``, ``(415) 555-0134``); a bare digit run such
as ``0301234567`` is only checked after a phone word (``tel``, ``call``, ``sms``),
since bare runs are mostly counters and timestamps.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import ClassVar

import phonenumbers
import regex
from phonenumbers import Leniency, PhoneNumberMatcher
from presidio_analyzer import AnalysisExplanation, Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from anonymizers.recognizers._base import IotPatternRecognizer
from anonymizers.settings import DEFAULT_PHONE_REGIONS

_ISO_DATE = regex.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)|^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}$")
# Versions and IPv4 (8.12.3, 10.0.0.1): three or more dotted groups of digits.
_DOTTED_GROUPS = r"\d{1,4}(?:\.\d{1,4}){2,}"
# A dotted run, or a decimal such as a kernel uptime (12345.678901), is no phone number.
_DOTTED_RUN = regex.compile(rf"^{_DOTTED_GROUPS}$|^\d+\.\d+$")
# A dotted run glued by a space to the digits after it ("192.168.1.20 22", an address and
# its port): only what follows it is checked. Without this, every region rejects the
# whole run in turn.
_LEADING_DOTTED_RUN = regex.compile(rf"{_DOTTED_GROUPS}[ \t]+")
_PHONE_WORDS = regex.compile(
    r"(?<![a-z])(?:tel|phone|mobile|mobil|cell|handy|call|calling|sms|text|fax|whatsapp|signal|"
    r"contact|number|nr|no|msisdn|caller|dial(?:ed|ing)?)(?![a-z])[^\n]{0,12}$",
    regex.IGNORECASE,
)


class PhoneRecognizer(IotPatternRecognizer):
    """Recognize phone numbers with ``phonenumbers.PhoneNumberMatcher`` over regex candidates.

    :param regions: ISO 3166 regions whose national formats are accepted, in order of
        preference (the first region that accepts a candidate wins).
    """

    ENTITY = "PHONE_NUMBER"
    # The candidate shapes, strongest first. Atomic groups stop the regex engine from
    # backtracking into a shorter candidate when the full run is glued to a word.
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "Phone (international)",
            r"(?:(?<=\btel:)|(?<![\w+.\-/:]))"
            r"(?>(?:\+|\b00)[1-9](?:[\d().\-/]|[ \t](?=[\d(]))*\d)(?![\w]|[.\-:/]\d)",
            0.75,
        ),
        Pattern(
            "Phone (national, punctuated)",
            r"(?:(?<=\btel:)|(?<![\w+.\-/:]))"
            r"(?>(?:\(\d|\d)(?:[\d().\-/]|[ \t](?=[\d(]))*\d)(?![\w]|[.\-:/]\d)",
            0.6,
        ),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "tel",
        "phone",
        "mobile",
        "cell",
        "call",
        "sms",
        "fax",
        "whatsapp",
        "contact",
        "number",
        "msisdn",
    ]
    TRIGGER = r"\d[\d().\-/ \t]{5,}\d"

    def __init__(
        self,
        regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
        patterns: list[Pattern] | None = None,
        context: list[str] | None = None,
        supported_language: str = "en",
        supported_entity: str | None = None,
        name: str | None = None,
    ) -> None:
        unknown = [r for r in regions if r not in phonenumbers.SUPPORTED_REGIONS]
        if unknown or not regions:
            raise ValueError(
                f"phone regions must be ISO 3166 codes phonenumbers knows; got unknown {unknown}"
            )
        self.regions = tuple(regions)
        super().__init__(patterns, context, supported_language, supported_entity, name)
        self._compiled = [(p, regex.compile(p.regex, self.REGEX_FLAGS)) for p in self.patterns]

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Candidates by regex, confirmed and delimited by ``PhoneNumberMatcher``."""
        results: list[RecognizerResult] = []
        taken: list[tuple[int, int]] = []
        for pattern, compiled in self._compiled:
            for match in compiled.finditer(text):
                start, end = match.span()
                if any(s < end and start < e for s, e in taken):
                    continue  # an international candidate already covers this run
                candidate = match.group()
                if candidate[0] == "(" and ")" not in candidate:
                    # "(6422344 bytes)": the parenthesis belongs to the text, not the number.
                    candidate, start = candidate[1:], start + 1
                dotted = _LEADING_DOTTED_RUN.match(candidate)
                if dotted:
                    candidate, start = candidate[dotted.end() :], start + dotted.end()
                if not self._is_candidate(text, start, candidate):
                    continue
                for number_start, number_end in self._phone_spans(candidate):
                    taken.append((start + number_start, start + number_end))
                    results.append(self._result(start + number_start, start + number_end, pattern))
        return results

    def validate_result(self, pattern_text: str) -> bool | None:
        """True when some configured region's numbering plan accepts the whole text."""
        return any(s == 0 and e == len(pattern_text) for s, e in self._phone_spans(pattern_text))

    def _is_candidate(self, text: str, start: int, candidate: str) -> bool:
        digits = sum(c.isdigit() for c in candidate)
        if not 7 <= digits <= 17:  # E.164 allows 15, plus a "00" exit code
            return False
        if _ISO_DATE.search(candidate) or _DOTTED_RUN.match(candidate):
            return False
        punctuated = candidate[0] in "+(" or candidate.startswith("00") or not candidate.isdigit()
        # A bare digit run is a phone number only after a phone word.
        return punctuated or bool(_PHONE_WORDS.search(text, max(0, start - 40), start))

    def _phone_spans(self, candidate: str) -> tuple[tuple[int, int], ...]:
        # International numbers carry their country; any region parses them.
        return phone_spans(candidate, self.regions[:1] if candidate[0] == "+" else self.regions)

    def _result(self, start: int, end: int, pattern: Pattern) -> RecognizerResult:
        return RecognizerResult(
            entity_type=self.supported_entities[0],
            start=start,
            end=end,
            score=pattern.score,
            analysis_explanation=AnalysisExplanation(
                recognizer=self.name,
                original_score=pattern.score,
                pattern_name=pattern.name,
                textual_explanation=f"Detected by `{self.name}` using phonenumbers ({pattern.name})",
            ),
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )


@functools.lru_cache(maxsize=8192)
def phone_spans(candidate: str, regions: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """Spans of the phone numbers in ``candidate`` under the first of ``regions`` that finds any.

    Cached: ``PhoneNumberMatcher`` costs tens of microseconds per region, and a user's
    number comes back in every log line that mentions it (SMS alerts, contact updates).
    """
    for region in regions:
        spans = tuple(
            (m.start, m.end) for m in PhoneNumberMatcher(candidate, region, leniency=Leniency.VALID)
        )
        if spans:
            return spans
    return ()

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

Validity alone is not enough: some region's plan accepts almost any run of 8 to 12
digits, so HDFS timestamps (``081109 203615 148``), pid/tid pairs and IRQ lists
(``3 4 5 6 7 9 10``) would pass. Without a phone word nearby a number must also be
written as people write numbers (``plausibly_grouped``): its separators sit between
country code, trunk prefix, area/operator code and subscriber number, and the
subscriber number is either unbroken or grouped as the region's plan groups it.

People also write numbers in ways the plan's format does not spell out, and these
notations are accepted as well (``well_written``):

- a valid number in three or more groups of two to five digits (``0151 649 35466``,
  ``07504 802 264``, ``652 228 728``): how people chunk a number to read it out, starting
  with the trunk prefix or the national format's first group. IRQ lists have one-digit
  groups, pid/tid pairs and HDFS timestamps two groups or six digits;
- a valid *mobile* number written bare with its trunk prefix (``0738101935``,
  ``09064633032``): a single leading zero, ten or eleven digits. Counters are not
  zero-padded to one zero, and epoch seconds do not start with one;
- the international notation (``+33639738618``, ``+1 (212) 197-7265``, ``0034 750 426 230``
  with separators): a ``+`` or ``00`` and a country code mark a phone number whether or
  not today's plan allocates the block (plans change, and the metadata lags), so a
  number of a possible length for its country counts;
- a national number of a possible length that is not valid, when written exactly in
  its region's national notation (``07 24 87 39 49``, ``303-170-1292``): the same digits
  in the same groups as ``phonenumbers`` formats them, starting with the trunk prefix
  where the region has one, in three or more groups.

Dotted notation (``07.21.89.37.87``, ``206.548.0184``) is a candidate when every group
has at least two digits and the run is no IPv4 address (versions such as ``1.0.5.17``
have one-digit groups, or too few digits).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple, Unpack

import phonenumbers
import regex
from phonenumbers import Leniency, PhoneNumber, PhoneNumberFormat, PhoneNumberMatcher
from presidio_analyzer import AnalysisExplanation, Pattern, RecognizerResult

from anonymizers.phones import phone_readings
from anonymizers.recognizers._base import IotPatternRecognizer, RecognizerOptions
from anonymizers.settings import DEFAULT_PHONE_REGIONS

_ISO_DATE = regex.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)|^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}$")
# Versions and IPv4 (8.12.3, 10.0.0.1): three or more dotted groups of digits.
_DOTTED_GROUPS = r"\d{1,4}(?:\.\d{1,4}){2,}"
# A dotted run, or a decimal such as a kernel uptime (12345.678901), is no phone number,
# unless written as dotted phone numbers are: every group two digits or more, and not
# four groups of at most three digits (an IPv4 address).
_DOTTED_RUN = regex.compile(rf"^{_DOTTED_GROUPS}$|^\d+\.\d+$")
_DOTTED_PHONE = regex.compile(r"^\d{2,5}(?:\.\d{2,5}){2,4}$")
_IPV4_SHAPE = regex.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
# A bare national mobile number with its trunk prefix (see the module docstring).
_BARE_TRUNK_NUMBER = regex.compile(r"^0[1-9]\d{8,9}$")
_MOBILE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE})
# A dotted run glued by a space to the digits after it ("192.168.1.20 22", an address and
# its port): only what follows it is checked. Without this, every region rejects the
# whole run in turn.
_LEADING_DOTTED_RUN = regex.compile(rf"{_DOTTED_GROUPS}[ \t]+")
_DIGIT_GROUP = regex.compile(r"\d+")
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

    TRIGGER = r"\d[\d().\-/ \t]{5,}\d"

    def __init__(
        self, regions: Sequence[str] = DEFAULT_PHONE_REGIONS, **options: Unpack[RecognizerOptions]
    ) -> None:
        unknown = [r for r in regions if r not in phonenumbers.SUPPORTED_REGIONS]
        if unknown or not regions:
            raise ValueError(
                f"phone regions must be ISO 3166 codes phonenumbers knows; got unknown {unknown}"
            )
        self.regions = tuple(regions)
        super().__init__(**options)
        self._compiled = [(p, regex.compile(p.regex, self.global_regex_flags)) for p in self.patterns]

    def find(self, text: str, flags: int | None) -> list[RecognizerResult]:
        """Candidates by regex (compiled once with the registry's flags), confirmed and
        delimited by ``PhoneNumberMatcher``."""
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
                if not self._is_candidate(candidate):
                    continue
                # A phone word before the number vouches for any valid number; without
                # one, the number must be written like one (see the module docstring),
                # so a bare digit run is not even looked up.
                vouched = bool(_PHONE_WORDS.search(text, max(0, start - 40), start))
                if (
                    not vouched
                    and candidate.isdigit()
                    and not candidate.startswith("00")
                    and not _BARE_TRUNK_NUMBER.match(candidate)
                ):
                    continue
                spans = self._phone_spans(candidate)
                for number_start, number_end in spans.valid if vouched else spans.well_written:
                    taken.append((start + number_start, start + number_end))
                    results.append(self._result(start + number_start, start + number_end, pattern))
        return results

    def validate_result(self, pattern_text: str) -> bool | None:
        """True when some configured region's numbering plan accepts the whole text."""
        return any(s == 0 and e == len(pattern_text) for s, e in self._phone_spans(pattern_text).valid)

    @staticmethod
    def _is_candidate(candidate: str) -> bool:
        digits = sum(c.isdigit() for c in candidate)
        if not 7 <= digits <= 17:  # E.164 allows 15, plus a "00" exit code
            return False
        if _ISO_DATE.search(candidate):
            return False
        if _DOTTED_RUN.match(candidate):
            return bool(_DOTTED_PHONE.match(candidate)) and not _IPV4_SHAPE.match(candidate)
        return True

    def _phone_spans(self, candidate: str) -> PhoneSpans:
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


class PhoneSpans(NamedTuple):
    """Phone numbers in a candidate: ``valid`` under the first region that finds any;
    ``well_written``, those of the first region whose numbers are also written as phone
    numbers are (``plausibly_grouped``, and not a bare digit run)."""

    valid: tuple[tuple[int, int], ...]
    well_written: tuple[tuple[int, int], ...]


@functools.lru_cache(maxsize=8192)
def phone_spans(candidate: str, regions: tuple[str, ...]) -> PhoneSpans:
    """The phone numbers in ``candidate`` (see ``PhoneSpans``) under ``regions``, in order.

    Cached per candidate: ``PhoneNumberMatcher`` costs tens of microseconds per region,
    and a user's number comes back in every log line that mentions it (SMS alerts,
    contact updates).
    """
    valid: tuple[tuple[int, int], ...] = ()
    for region in regions:
        matches = list(PhoneNumberMatcher(candidate, region, leniency=Leniency.VALID))
        if not matches:
            continue
        spans = tuple((m.start, m.end) for m in matches)
        valid = valid or spans
        well_written = tuple((m.start, m.end) for m in matches if _written_as_phone(m.raw_string, m.number))
        if well_written:
            return PhoneSpans(valid, well_written)
    whole = ((0, len(candidate)),)
    if _in_phone_notation(candidate, regions):
        return PhoneSpans(whole, whole)
    return PhoneSpans(valid, ())


def _written_as_phone(raw: str, number: PhoneNumber) -> bool:
    """Punctuated (or international) and grouped as people group numbers
    (``plausibly_grouped`` or chunked for reading), or a bare mobile number with its
    trunk prefix; other bare national digit runs are phone numbers only next to a phone
    word."""
    international = raw[0] == "+" or raw.startswith("00")
    if raw.isdigit() and not international:
        return bool(_BARE_TRUNK_NUMBER.match(raw)) and phonenumbers.number_type(number) in _MOBILE_TYPES
    return plausibly_grouped(raw, number) or _chunked_for_reading(raw, number, international)


def _chunked_for_reading(raw: str, number: PhoneNumber, international: bool) -> bool:
    """Three or more groups of two to five digits (``0151 649 35466``), starting as a
    dialled number starts: an international prefix, the trunk prefix, or the first
    group of the national format (``652 228 728`` as ``652 22 87 28``), so that lists of
    4-digit numbers (``3512 4512 5512``) that some plan accepts stay."""
    groups = _DIGIT_GROUP.findall(raw)
    if len(groups) < 3 or not all(2 <= len(group) <= 5 for group in groups):
        return False
    if international or raw[0] == "0":
        return True
    national = _DIGIT_GROUP.findall(phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
    return bool(national) and national[0] == groups[0]


def _in_phone_notation(candidate: str, regions: tuple[str, ...]) -> bool:
    """A number no plan calls valid, written in phone notation (see the module docstring):
    international with a possible length for its country, or exactly as its region's
    national format writes it."""
    international = candidate[0] == "+" or (candidate.startswith("00") and not candidate.isdigit())
    groups = _DIGIT_GROUP.findall(candidate)
    if not international and len(groups) < 3:
        return False
    for region, number in phone_readings(candidate, regions[:1] if international else regions):
        if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
            continue
        if international:
            return True
        trunk = phonenumbers.ndd_prefix_for_region(region, True) or ""
        national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
        if _DIGIT_GROUP.findall(national) == groups and (trunk == "1" or candidate.startswith(trunk)):
            return True
    return False


def _boundaries(written: str) -> tuple[set[int], int]:
    """Where ``written`` separates its digit groups, counted in digits from its end,
    and its number of digits."""
    groups = [len(group) for group in _DIGIT_GROUP.findall(written)]
    total = sum(groups)
    cuts, seen = set(), 0
    for size in reversed(groups[1:]):
        seen += size
        cuts.add(seen)
    return cuts, total


def plausibly_grouped(raw: str, number: PhoneNumber) -> bool:
    """Whether ``raw``, a valid number, groups its digits as people write ``number``.

    Positions are counted in digits from the end, where every notation of a number
    agrees. The separators before the subscriber number may fall after the country
    code, the trunk prefix or within the area/operator code (``+49 (0)30 1234567``,
    ``0151 23456789``); the subscriber number is unbroken or grouped exactly as the
    national or international format groups it (``(415) 555-0134``, ``06 12 34 56 78``).
    """
    cuts, _ = _boundaries(raw)
    if not cuts:
        return True
    national_significant = phonenumbers.national_significant_number(number)
    subscriber = len(national_significant) - phonenumbers.length_of_national_destination_code(number)
    heads = {subscriber, len(national_significant)}
    subscriber_groupings = []
    for fmt in (PhoneNumberFormat.NATIONAL, PhoneNumberFormat.INTERNATIONAL):
        format_cuts, format_total = _boundaries(phonenumbers.format_number(number, fmt))
        heads.update(cut for cut in format_cuts if cut >= subscriber)
        heads.add(format_total)
        subscriber_groupings.append({cut for cut in format_cuts if cut < subscriber})
    subscriber_cuts = {cut for cut in cuts if cut < subscriber}
    # Between country code and subscriber number any grouping goes: people split an
    # operator prefix as they learned it (0151 23456789, where the plan says 01512).
    heads.update(range(subscriber, len(national_significant) + 1))
    return (cuts - subscriber_cuts) <= heads and (
        not subscriber_cuts or subscriber_cuts in subscriber_groupings
    )

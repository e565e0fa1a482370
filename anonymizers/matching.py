"""Exact matching of known values and names: one Aho-Corasick pass over a text.

``KnownIdentifierMatcher`` holds every known subject identifier (all accounts' e-mails,
phones, user names, display names) and the stems of their names in every form of
``inflections.yaml``; ``HouseholdNameMatcher`` holds the first names of the name list,
and is only run over the parts of a text a user typed (``names.user_authored_spans``).
Both report ``Finding``s for the scrubber to merge with Presidio's.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

import ahocorasick
import phonenumbers

from anonymizers.name_context import (
    has_japanese,
    is_ambiguous,
    is_person,
    japanese_names,
    user_authored_spans,
)
from anonymizers.names import MAX_ENDING_CHARS, NameForms, first_names, name_forms
from anonymizers.phones import phone_readings
from anonymizers.registry import entity_priority

# Tie-break between findings of equal score and length on the same text: the more
# specific (and joinable) type names the replacement (the registry's `entity_priority`,
# recognizers.yaml). Unknown types rank last.
ENTITY_PRIORITY: tuple[str, ...] = entity_priority()
RANK = {entity: rank for rank, entity in enumerate(ENTITY_PRIORITY)}
EXACT_MATCH_SCORE = 1.0
# A first name from the name list with evidence of a person: just above the score
# threshold and below every recognizer, so that a more specific finding over the same
# text (an owner's device host name) names the replacement.
HOUSEHOLD_NAME_SCORE = 0.55

# Values shorter than this are not matched as exact identifiers: a one- or two-letter
# SSID or name identifies nobody, and would replace every occurrence of "ab" in a text.
MIN_IDENTIFIER_CHARS = 3
# A known phone is found by its national significant number in any digit run that ends
# with it, after nothing, a trunk 0, or its country code (with + or 00).
MIN_PHONE_DIGITS = 6
_PHONE_RUN = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d .\-/()]{4,20}\d(?!\w)")


class Finding(NamedTuple):
    """One entity found in a text: its span, type and score."""

    start: int
    end: int
    entity_type: str
    score: float


def _plain_letters() -> dict[int, str]:
    """Latin letters with diacritics -> the letter without them, one character for one."""
    table = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if base != char and base.isascii() and base.isalpha():
            table[code] = base
    table.update({ord("ı"): "i", ord("ł"): "l", ord("ø"): "o", ord("đ"): "d"})
    return table


# Used on folded text, so lengths (and offsets) never change.
PLAIN_LETTERS = _plain_letters()


def fold(text: str) -> str:
    """Lower-case ``text`` without changing its length (so offsets stay valid)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters lower-case to two ("İ" -> "i̇"); keep those as they are.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def is_word_char(char: str) -> bool:
    # Scripts written without spaces (Han, kana) have no word boundaries to respect:
    # "小林の部屋" must match "小林".
    return (char.isalnum() or char == "_") and not ("\u2e80" <= char <= "\u9fff")


def on_word_boundaries(text: str, start: int, end: int) -> bool:
    """True unless the match glues onto a word: "bob" in "bobcat" or "10.0.0.5" in "10.0.0.50"."""
    if start > 0 and is_word_char(text[start]) and is_word_char(text[start - 1]):
        return False
    return not (end < len(text) and is_word_char(text[end - 1]) and is_word_char(text[end]))


def is_missing(value: object) -> bool:
    """None, NaN and pandas' NA all mean "no text" (callers holding pandas data may hand any of them)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


class _Entry(NamedTuple):
    """What the automaton knows of one folded key (a value, or a name's stem)."""

    length: int
    entity_type: str
    needs_capital: bool
    alone: bool  # the key is a form on its own (not only a stem that needs an ending)
    endings: frozenset[str]  # endings the key may carry glued on ("s": Marias; "ii": Marii)


_NO_ENDINGS: frozenset[str] = frozenset()


class KnownIdentifierMatcher:
    """Exact, case-insensitive, word-bounded search for many identifiers and names at once.

    One Aho-Corasick automaton (``pyahocorasick``) over the folded values finds all of
    them in one pass over the text, however many there are (100k accounts' e-mails,
    phones, user names and display names): one regex per value would be quadratic.
    A PERSON display name is also known by its parts ("Anna Schmidt" -> "Anna",
    "Schmidt"), since logs and room names mostly use one of them, and each part in the
    forms of ``anonymizers/inflections.yaml`` ("Marias", "Marii", "Petrův"): the automaton
    holds the part's stems, and a match may run on into one of the stem's endings.
    Single-word PERSON values only match capitalised (in cased scripts), since their
    lower-case forms are ordinary words in logs (``max=100``, ``will retry``).
    """

    def __init__(self, pairs: Iterable[tuple[str, str]], phone_regions: Sequence[str] = ("DE",)) -> None:
        self._automaton = ahocorasick.Automaton()
        forms = name_forms()
        entries: dict[str, _Entry] = {}
        self._phones: dict[str, str] = {}  # national significant number -> country calling code
        for value, entity_type in pairs:
            if is_missing(value):
                continue
            if entity_type == "PHONE_NUMBER":
                self._add_phone(str(value), phone_regions)
            for known in self._known_forms(str(value).strip(), entity_type):
                _add_name(entries, known, entity_type, forms)
        for key, entry in entries.items():
            self._automaton.add_word(key, entry)
        self._phone_lengths = sorted({len(nsn) for nsn in self._phones}, reverse=True)
        self.size = len(entries) + len(self._phones)
        if entries:
            self._automaton.make_automaton()

    def _add_phone(self, value: str, regions: Sequence[str]) -> None:
        """Remember a known phone by its digits, so it is found however it is written."""
        # The first (preferred) region's reading only.
        for _, number in phone_readings(value, regions[:1]):
            if phonenumbers.is_possible_number(number):
                nsn = phonenumbers.national_significant_number(number)
                if len(nsn) >= MIN_PHONE_DIGITS:
                    self._phones[nsn] = str(number.country_code)

    def _phone_findings(self, text: str) -> list[Finding]:
        """Known phones in any notation: "+49 1524 4024264", "01524/4024264", "(0)1524-40 24 264"."""
        found = []
        for match in _PHONE_RUN.finditer(text):
            digits = "".join(c for c in match.group() if c.isdigit())
            for length in self._phone_lengths:
                nsn = digits[-length:]
                code = self._phones.get(nsn)
                if code is not None and digits[:-length] in ("", "0", code, "00" + code, code + "0"):
                    found.append(Finding(match.start(), match.end(), "PHONE_NUMBER", EXACT_MATCH_SCORE))
                    break
        return found

    @staticmethod
    def _known_forms(value: str, entity_type: str) -> list[str]:
        forms = [value] if len(value) >= MIN_IDENTIFIER_CHARS else []
        if entity_type == "PERSON" and " " in value:
            for part in value.split():
                part = part.strip(".,")
                # Names in scripts without case (小林) are short; two characters suffice.
                shortest = MIN_IDENTIFIER_CHARS if part.lower() != part.upper() else 2
                if len(part) >= shortest:
                    forms.append(part)
        return forms

    def find(self, text: str, folded: str, labels: bool = False) -> list[Finding]:
        """Every known identifier in ``text`` (``folded`` is ``fold(text)``).

        A lone name part that is also an ordinary word ("Rose", "Will", "Sol") is taken
        only where ``names.is_person`` sees a person: "Lichterkette Rose" and "for Rose"
        stay, "Rose's lamp" and "Oma Rose" do not. A full display name always counts.
        ``labels``: the whole text is a label a user typed.
        """
        if not self.size:
            return []
        found = self._phone_findings(text) if self._phones else []
        spans = _LazySpans(text, labels)
        for start, end, entry, _ in _forms_in(self._automaton, text, folded, 0, len(text)):
            surface = folded[start:end]
            if (
                entry.needs_capital
                and is_ambiguous(surface)
                and not is_person(text, start, end, surface, spans.around(start, end), known=True)
            ):
                continue
            found.append(Finding(start, end, entry.entity_type, EXACT_MATCH_SCORE))
        return found


class _LazySpans:
    """The user-authored spans of a text, found on first use (most texts never need them)."""

    def __init__(self, text: str, labels: bool) -> None:
        self._text = text
        self._spans: list[tuple[int, int]] | None = [(0, len(text))] if labels else None

    def all(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = user_authored_spans(self._text)
        return self._spans

    def around(self, start: int, end: int) -> tuple[int, int] | None:
        return next((s for s in self.all() if s[0] <= start and end <= s[1]), None)


class HouseholdNameMatcher:
    """First names of people with no account, in their inflected forms.

    Built once per process from the name list (``names.first_names``). A candidate counts
    when ``names.is_person`` sees evidence of a person, which it asks less of
    inside the parts of a text a user typed.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._automaton = ahocorasick.Automaton()
        forms = name_forms()
        entries: dict[str, _Entry] = {}
        for name in names:
            _add_name(entries, name, "PERSON", forms, plain=True)
        for key, entry in entries.items():
            self._automaton.add_word(key, entry)
        self.size = len(entries)
        if entries:
            self._automaton.make_automaton()

    def find(self, text: str, folded: str, labels: bool = False) -> list[Finding]:
        """First names in ``text`` that ``names.is_person`` accepts. A listed name
        needs less evidence in the parts of the text a user typed: all of it when ``labels``
        (a room or scene name column), else ``names.user_authored_spans``."""
        if not self.size:
            return []
        found = []
        spans = _LazySpans(text, labels)
        # Matched without accents, so that "Elodie" finds "Élodie" and "Cicek" finds "Çiçek".
        plain = folded.translate(PLAIN_LETTERS)
        for start, end, entry, inflected in _forms_in(self._automaton, text, plain, 0, len(text)):
            surface, stem = folded[start:end], folded[start : start + entry.length]
            span = spans.around(start, end)
            if is_person(text, start, end, surface, span, inflected=inflected, stem=stem):
                found.append(Finding(start, end, "PERSON", HOUSEHOLD_NAME_SCORE))
        if has_japanese(text):
            found.extend(
                Finding(start, end, "PERSON", HOUSEHOLD_NAME_SCORE)
                for start, end in japanese_names(text, spans.all())
            )
        return found


@functools.lru_cache(maxsize=1)
def household_matcher() -> HouseholdNameMatcher:
    """The process-wide matcher of the name list (about a second to build, built once)."""
    return HouseholdNameMatcher(first_names())


def _forms_in(
    automaton: ahocorasick.Automaton, text: str, folded: str, begin: int, stop: int
) -> Iterator[tuple[int, int, _Entry, bool]]:
    """(start, end, entry, inflected) of every word-bounded form in ``text[begin:stop]``.

    A key glued on the right to more letters counts when those letters are one of its
    endings ("Maria" + "s"); then the match runs to the end of the ending.
    """
    for last, entry in automaton.iter(folded, begin, stop):
        start, end = last - entry.length + 1, last + 1
        if entry.needs_capital and not text[start].isupper():
            continue
        if start > 0 and is_word_char(text[start]) and is_word_char(text[start - 1]):
            continue
        inflected = False
        if end < stop and is_word_char(text[end - 1]) and is_word_char(text[end]):
            if not entry.endings:
                continue
            tail = end
            while tail < stop and is_word_char(text[tail]) and tail - end <= MAX_ENDING_CHARS:
                tail += 1
            if folded[end:tail] not in entry.endings:
                continue
            end, inflected = tail, True
        elif not entry.alone:
            continue
        yield start, end, entry, inflected


def _add_name(
    entries: dict[str, _Entry], value: str, entity_type: str, forms: NameForms, plain: bool = False
) -> None:
    """Add ``value`` (one word of a PERSON value: with its stems and endings) to ``entries``;
    ``plain``: keys and endings without accents (``PLAIN_LETTERS``)."""
    folded = fold(value)
    needs_capital = entity_type == "PERSON" and " " not in value and value[0] != folded[0]
    if entity_type == "PERSON" and " " not in value:
        stems = forms.stems(folded)
    else:
        stems = [(folded, True, _NO_ENDINGS)]
    for stem, alone, endings in stems:
        if plain:
            stem = stem.translate(PLAIN_LETTERS)
            endings = frozenset(e.translate(PLAIN_LETTERS) for e in endings)
        new = _Entry(len(stem), entity_type, needs_capital, alone, endings)
        existing = entries.get(stem)
        entries[stem] = new if existing is None else _merged(existing, new)


def _merged(existing: _Entry, new: _Entry) -> _Entry:
    """One entry for a key known twice: the more specific type; the forms of both are kept."""
    outranked = _outranks(existing.entity_type, existing.needs_capital, new.entity_type, new.needs_capital)
    keep = existing if outranked else new
    return keep._replace(alone=existing.alone or new.alone, endings=existing.endings | new.endings)


def _outranks(known_type: str, known_needs_capital: bool, entity_type: str, needs_capital: bool) -> bool:
    """Whether a value already in the automaton should keep its entry over a new one."""
    if known_needs_capital != needs_capital:
        return not known_needs_capital  # the looser (always matching) entry wins
    return RANK.get(known_type, len(RANK)) <= RANK.get(entity_type, len(RANK))

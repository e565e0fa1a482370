"""Whether a name found in a text names a person there: where users write names, and the
evidence around a name (``is_person``).

``names.py`` says which words are names (the name list, the inflections) and which are
also ordinary words; this module reads the context. User-authored spans (quoted and
bracketed strings, path and MQTT topic segments, label values) hold names; elsewhere a
name needs evidence: a possessive, a title or greeting before it, a presence word after
it, a device host name around it, a person key before its label. Japanese given names,
which no list here holds, are found by their grammar (``japanese_names``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from anonymizers.names import (
    COMMON_NAME_FREQUENCY,
    common_nouns,
    load_household_names,
    name_frequencies,
    stop_words,
)

_WORDS = re.compile(r"[^\W_]+")


@functools.lru_cache(maxsize=1)
def _label_patterns() -> tuple[re.Pattern[str], ...]:
    """One pattern per kind of user-authored span; spans of different kinds may nest."""
    keys = "|".join(sorted((re.escape(k) for k in load_household_names().label_keys), key=len, reverse=True))
    quoted = (
        r"\"([^\"\n]{1,120})\"|“([^”\n]{1,120})”|„([^“”\n]{1,120})[“”]|«([^»\n]{1,120})»|「([^」\n]{1,120})」"
        # single quotes may hold apostrophes inside a word ('Murat'ın kamerası')
        r"|(?<!\w)'((?:[^'\n]|'(?=\w)){1,120})'(?!\w)"
    )
    # brackets around a label, not around key=value pairs: "(Radiador de Pilar)"
    bracketed = r"\(([^()=:\n]{1,80})\)|\[([^\[\]=:\n]{1,80})\]"
    # MQTT topics and file paths: a segment between slashes (spaces allowed: folder names
    # users chose), or the last segment of a path.
    part = r"[^/\s\"'<>{}()\[\],;=]{1,60}"
    segment = rf"(?<=/)({part}(?: {part}){{0,4}})(?=/)|(?<=/)({part})"
    # A label key's unquoted value runs to a delimiter or to the next `key=`.
    keyed = (
        rf"\b(?:{keys})[\"']?[ \t]{{0,3}}[:=][ \t]{{0,3}}"
        r"(?![\"“„«「])'?([^,;&|(){}\[\]<>\n\"']{1,120}?)'?"
        r"(?=[ \t]*(?:[,;&|(){}\[\]<>\n\"]|$|[ \t][\w.-]+[:=]))"
    )
    return tuple(re.compile(pattern, re.IGNORECASE) for pattern in (quoted, bracketed, segment, keyed))


def user_authored_spans(text: str) -> list[tuple[int, int]]:
    """Where a log line holds text a user typed: quoted and bracketed strings, path and topic
    segments, and the values of label keys; innermost first, so that the span around a
    name is the label itself ("'Summer mode'" inside "(notify --text 'Summer mode')")."""
    spans = []
    for pattern in _label_patterns():
        for match in pattern.finditer(text):
            group = next(g for g in range(1, (match.lastindex or 0) + 1) if match.group(g) is not None)
            spans.append((match.start(group), match.end(group)))
    return sorted(spans, key=lambda span: span[1] - span[0])


def _word_before(text: str, start: int, floor: int) -> str:
    end = start
    while end > floor and not text[end - 1].isalnum():
        end -= 1
    begin = end
    while begin > floor and (text[begin - 1].isalnum() or text[begin - 1] in "'’"):
        begin -= 1
    return text[begin:end].lower()


def _words_before(text: str, start: int) -> str:
    """The two words before ``start`` ("welcome home", "buenas noches")."""
    return " ".join(w.lower() for w in _WORDS.findall(text, max(0, start - 40), start)[-2:])


def _titled_phrase(text: str, start: int) -> bool:
    """ "Luce di Serena", "Cámara de Pilar": a capitalised word, a person word, then the name:
    the shape of a label even where no quote or key marks it."""
    words = _WORDS.findall(text, max(0, start - 80), start)
    return len(words) >= 2 and words[-2][:1].isupper()


_HOST_NAME_CHARS = re.compile(r"[\w.-]*")


def _in_device_host_name(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is one part of a host name that names a device
    ("iPhone-de-Mercedes", "Galaxy-A54-Ayse", "Tatsuya-no-iPhone")."""
    if not (start > 0 and text[start - 1] in "-_") and not (end < len(text) and text[end] in "-_"):
        return False
    begin = start
    while begin > 0 and (text[begin - 1].isalnum() or text[begin - 1] in "-_"):
        begin -= 1
    stop = _HOST_NAME_CHARS.match(text, end)
    host = text[begin : stop.end() if stop else end].lower()
    return any(part in _words("device_words") for part in re.split(r"[-_.]", host))


def _words_after(text: str, end: int) -> set[str]:
    """The next word after ``end`` and the next two ("home"; "a casa")."""
    words = _WORDS.findall(text, end, min(len(text), end + 40))[:2]
    if not words or (end < len(text) and text[end].isalnum()):
        return set()
    folded = [w.lower() for w in words]
    return {folded[0], " ".join(folded)}


def _possessive_after(text: str, end: int) -> bool:
    """A possessive or case ending after an apostrophe: "Summer's", "James'", "Çiçek'in"."""
    if end >= len(text) or text[end] not in "'’":
        return False
    tail = end + 1
    while tail < len(text) and tail - end <= 4 and text[tail].isalpha():
        tail += 1
    if tail < len(text) and text[tail].isalpha():
        return False  # a longer word after the apostrophe
    # A bare apostrophe is a possessive only after s, x or z ("James'"); otherwise it is
    # more likely a closing quote ('Kamera').
    return tail > end + 1 or text[end - 1] in "sxzSXZ"


def _at_start(text: str, start: int, span: tuple[int, int] | None) -> bool:
    """Whether ``start`` begins its span (or, outside one, its text or sentence)."""
    floor = span[0] if span else 0
    before = text[floor:start].rstrip()
    return not before or (span is None and before[-1] in ".:;!?")


def is_person(
    text: str,
    start: int,
    end: int,
    folded_name: str,
    span: tuple[int, int] | None,
    *,
    inflected: bool = False,
    stem: str | None = None,
    known: bool = False,
) -> bool:
    """Whether the capitalised name at ``text[start:end]`` names a person here.

    ``span`` is the user-authored span holding it (a label), None elsewhere in a log line;
    ``inflected``: the name carries an ending of its ``stem``; ``known``: it is an account
    holder's name, not a name from the list.

    * A brand (``not_names``) never is; the evidence of ``_person_around`` (a possessive,
      a title or greeting before it, a presence word after it, a device's host name around
      it, a person key before its label) always makes it one.
    * A name that is also an ordinary word needs more: a function word ("Will", "Sara",
      "Hans") when it opens its span or sentence ("Will it rain"; not "Lampe Hans",
      "Mias Kamera") or is a rare name ("OpenWrt One"); an everyday noun ("Summer", "Luce",
      "Pilar") unless a person word or a thing's name stands before it inside a label
      ("Radiador de Pilar", "Lampe Clara"; not "Luce soggiorno", "enabled for Ruby").
    * Otherwise an account holder's name always is; a listed first name is in a label
      (unless it is a rare name), after a person word ("für Tobias", "di Elena") or a
      thing's name ("Lampe Finn"), or in an inflected form that is no other name
      ("Marias"; "Ann" + "a" is just "Anna").
    """
    if not known and (folded_name in _words("not_names") or folded_name in _words("person_titles")):
        return False  # "Philips", "Oma" (an account holder may be called Ring or Philips)
    before = _word_before(text, start, span[0] if span else 0)
    if _person_around(text, start, end, span, before) or _words_before(text, start) in _words(
        "person_titles"
    ):
        return True
    at_start = _at_start(text, start, span)
    thing_before = before in _things()
    thing_after = at_start and bool(_words_after(text, end) & _things())  # "Mia desk light"
    if folded_name in stop_words():
        # An account holder's name is a name whatever the list says ("Diez", a surname).
        common = known or (
            name_frequencies().get(stem if inflected and stem else folded_name, 0) >= COMMON_NAME_FREQUENCY
        )
        if not common or (at_start and not inflected and not thing_after):
            return False  # "Will it rain", "OpenWrt One"; not "Lampe Hans", "Mias Kamera"
    inside_label = span is not None and not at_start
    if folded_name in common_nouns() and not (
        (inside_label and (before in _words("person_words_before") or thing_before))
        or (span is not None and thing_after)
        or (before in _words("person_words_before") and _titled_phrase(text, start))
    ):
        return False
    if known:
        return True
    inflected = inflected and folded_name not in name_frequencies()
    # A thing's name before it is evidence too ("Lampe Finn", "Kinderzimmer Ethan"); a rare
    # name ("Beet" in "Erika im Beet") is not a name just for being in a label.
    evident = inflected or before in _words("person_words_before") or thing_before
    return evident or (span is not None and name_frequencies().get(folded_name, 0) > 1)


def _person_around(text: str, start: int, end: int, span: tuple[int, int] | None, before: str) -> bool:
    """Evidence of a person around a name, whatever the name is."""
    if _possessive_after(text, end) or before in _words("person_titles"):
        return True  # "Jacob's", "Çiçek'in"; "Oma Rose", "Buenas noches Alba"
    if _words_after(text, end) & _words("person_words_after"):
        return True  # "Mia home", "Serena a casa"
    if _in_device_host_name(text, start, end):
        return True  # "iPhone-de-Mercedes"
    # The key or topic word before a label that is just a name: "by":"Serena", presence/Olive
    return span is not None and span[0] == start and _word_before(text, span[0], 0) in _words("person_keys")


# Japanese: given names are written in kanji (or hiragana) and are in no name list here, so
# a run of one to three kanji (two to four hiragana) counts as a name only with grammar
# around it: an honorific after it (さん, くん, ちゃん, 様), a presence word (帰宅, 外出), a
# greeting before it (おやすみ, おはよう), the possessive の when the name begins a word
# ("to 和也のエアコン"), a whole label ("home/presence/理恵"), or the evidence any name has
# (``_person_around``). Room and household words (寝室, 玄関, 子供) are not names.
_CJK = "\u3040-\u30ff\u3400-\u9fff"
_JAPANESE_NAME = re.compile(
    rf"(?<![{_CJK}])(?P<name>[\u3400-\u9fff]{{1,3}}|[\u3040-\u309f]{{2,4}})"
    rf"(?=(?P<after>さん|くん|ちゃん|様|君|帰宅|外出|の)|[^{_CJK}]|$)"
)
_JAPANESE_CHAR = re.compile("[\u3040-\u30ff\u3400-\u9fff]")
_JAPANESE_GREETINGS = ("おやすみ", "おはよう", "ようこそ", "お帰り", "おかえり")
_GREETED_NAME = re.compile(
    rf"(?:{'|'.join(_JAPANESE_GREETINGS)})(?P<name>[\u3400-\u9fff]{{1,3}})(?![\u3400-\u9fff])"
)


def has_japanese(text: str) -> bool:
    return _JAPANESE_CHAR.search(text) is not None


def japanese_names(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Where ``text`` holds a Japanese given name, by the grammar around it (see above)."""
    found = []
    for match in _JAPANESE_NAME.finditer(text):
        start, end = match.span("name")
        name, after = match.group("name"), match.group("after")
        if name in common_nouns():
            continue
        greeted = any(text[:start].endswith(greeting) for greeting in _JAPANESE_GREETINGS)
        span = next((s for s in spans if s[0] <= start and end <= s[1]), None)
        token_start = start == 0 or not text[start - 1].isalnum()
        label = span is not None and span[0] == start and span[1] == end
        around = _person_around(text, start, end, span, _word_before(text, start, 0))
        if (after is not None and (after != "の" or token_start)) or greeted or label or around:
            found.append((start, end))
    found.extend(
        m.span("name") for m in _GREETED_NAME.finditer(text) if m.group("name") not in common_nouns()
    )
    return found


def is_ambiguous(folded_name: str) -> bool:
    """A name that is also an ordinary word, so that ``is_person`` must see its context."""
    return folded_name in common_nouns() or folded_name in stop_words() or folded_name in _words("not_names")


@functools.lru_cache(maxsize=1)
def _things() -> frozenset[str]:
    """Room, furniture and device nouns (the YAML's ``thing_words``)."""
    return _words("thing_words")


@functools.lru_cache(maxsize=8)
def _words(field: str) -> frozenset[str]:
    """One word list of ``household_names.yaml``, folded."""
    return frozenset(w.lower() for w in getattr(load_household_names(), field))

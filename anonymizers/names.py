"""People's names in the forms users write them: inflections, and first names of people with no account.

Two tables, both data reviewed like the retention rules:

* ``inflections.yaml``: per language, the endings a name takes ("Marias Wohnzimmer",
  "Pokój Marii", "Petrův pokoj"). ``NameForms.stems`` turns a name into the stems the
  scrubber's Aho-Corasick automaton holds, each with the endings it may carry, so one
  pass over a text finds a name in all its forms without a pattern per name.
* ``household_names.yaml``: where the first names of household members, guests and carers
  come from (a first-name dictionary shipped in a PyPI package), which of them are also
  ordinary words and so need evidence of a person, the words before a name that are such
  evidence, and the keys whose values are labels a user typed.

These people are in no table, so their names are only looked for where people write
names: ``user_authored_spans`` (a whole label column such as ``room_name``; in a log line
the quoted strings and the values of label keys such as ``scene=`` or ``"friendly_name":``).
``is_person`` decides, from the context, whether a name found there names someone.
"""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
import re
from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

INFLECTIONS_YAML = Path(__file__).with_name("inflections.yaml")
HOUSEHOLD_NAMES_YAML = Path(__file__).with_name("household_names.yaml")
ALLOW_LIST_YAML = Path(__file__).with_name("allow_list.yaml")

# The languages whose stop words count as ordinary words (spaCy ships the lists; no model).
STOP_WORD_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "tr", "sv", "da", "nb")
# Longest ending a stem may carry (Czech "kovo", Turkish "nın"): bounds the scan after a stem.
MAX_ENDING_CHARS = 6
# A name that is also a function word ("Hans", "Mia", "Per") counts inside a label only when
# it is at least this common as a name (the list's scale: 1 rare ... 13 very common).
COMMON_NAME_FREQUENCY = 5
_WORDS = re.compile(r"[^\W_]+")
_VOWELS = frozenset("aeiouyàáâãäåæèéêëěìíîïòóôõöøùúûüůýÿąęėįųıœ")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InflectionRule(_Strict):
    """Endings that replace the end of a name: Polish ``a`` -> ``i`` turns Maria into Marii."""

    after: str = Field(min_length=1)  # "consonant", "vowel", or the ending the name must have
    strip: str = ""
    add: tuple[str, ...] = Field(min_length=1)

    @field_validator("strip")
    @classmethod
    def _strip_is_lower(cls, value: str) -> str:
        if value != value.lower():
            raise ValueError(f"strip must be lower case, got {value!r}")
        return value

    def applies_to(self, folded_name: str) -> bool:
        if not folded_name.endswith(self.strip) or len(folded_name) - len(self.strip) < 2:
            return False
        last = folded_name[-1]
        if self.after == "consonant":
            return last.isalpha() and last not in _VOWELS
        if self.after == "vowel":
            return last in _VOWELS
        return folded_name.endswith(self.after)


class LocaleInflections(_Strict):
    """One language's name forms, with the grammars they come from and checked examples."""

    language: str
    sources: tuple[str, ...] = Field(min_length=1)
    suffixes: tuple[str, ...] = ()
    rules: tuple[InflectionRule, ...] = ()
    separated: tuple[str, ...] = ()
    examples: tuple[tuple[str, str], ...] = Field(min_length=1)


class InflectionTable(_Strict):
    locales: dict[str, LocaleInflections] = Field(min_length=1)


class NameListSource(_Strict):
    package: str
    file: str
    min_frequency: int = Field(ge=1, le=13)
    countries: tuple[str, ...] = Field(min_length=1)
    min_chars: int = Field(ge=2)


class HouseholdNames(_Strict):
    name_list: NameListSource
    ordinary_words: tuple[str, ...]
    person_words_before: tuple[str, ...]
    person_titles: tuple[str, ...]
    person_words_after: tuple[str, ...]
    person_keys: tuple[str, ...]
    device_words: tuple[str, ...]
    not_names: tuple[str, ...]
    label_keys: tuple[str, ...] = Field(min_length=1)


def _load_yaml(path: Path) -> object:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@functools.lru_cache(maxsize=4)
def load_inflections(path: Path = INFLECTIONS_YAML) -> InflectionTable:
    return InflectionTable.model_validate(_load_yaml(path))


@functools.lru_cache(maxsize=4)
def load_household_names(path: Path = HOUSEHOLD_NAMES_YAML) -> HouseholdNames:
    return HouseholdNames.model_validate(_load_yaml(path))


class NameForms:
    """A name's stems with their endings, for every language of the inflection table at once.

    All languages apply to every name: a label is not tagged with its language, and a
    Polish user may name a room after a German guest. ``stems`` gives (folded stem,
    whether the stem alone is a form, the endings it may carry).
    """

    def __init__(self, table: InflectionTable) -> None:
        self._suffixes = frozenset(s for locale in table.locales.values() for s in locale.suffixes)
        self._rules = tuple(rule for locale in table.locales.values() for rule in locale.rules)
        self._shared: dict[frozenset[str], frozenset[str]] = {}

    def stems(self, folded_name: str) -> list[tuple[str, bool, frozenset[str]]]:
        by_stem: dict[str, tuple[bool, set[str]]] = {folded_name: (True, set(self._suffixes))}
        for rule in self._rules:
            if not rule.applies_to(folded_name):
                continue
            stem = folded_name[: len(folded_name) - len(rule.strip)] if rule.strip else folded_name
            alone, endings = by_stem.get(stem, (False, set()))
            by_stem[stem] = (alone or "" in rule.add, endings | {e for e in rule.add if e})
        return [(stem, alone, self._interned(endings)) for stem, (alone, endings) in by_stem.items()]

    def _interned(self, endings: set[str]) -> frozenset[str]:
        # Thousands of names share a handful of ending sets: keep one object per set.
        key = frozenset(endings)
        return self._shared.setdefault(key, key)


@functools.lru_cache(maxsize=1)
def name_forms() -> NameForms:
    return NameForms(load_inflections())


# --- the first-name list -------------------------------------------------------------------

# The dictionary's country columns, in file order (from the file's own header).
_NAM_DICT_COUNTRIES = (
    "great_britain",
    "ireland",
    "usa",
    "italy",
    "malta",
    "portugal",
    "spain",
    "france",
    "belgium",
    "luxembourg",
    "the_netherlands",
    "east_frisia",
    "germany",
    "austria",
    "swiss",
    "iceland",
    "denmark",
    "norway",
    "sweden",
    "finland",
    "estonia",
    "latvia",
    "lithuania",
    "poland",
    "czech_republic",
    "slovakia",
    "hungary",
    "romania",
    "bulgaria",
    "bosnia_and_herzegovina",
    "croatia",
    "kosovo",
    "macedonia",
    "montenegro",
    "serbia",
    "slovenia",
    "albania",
    "greece",
    "russia",
    "belarus",
    "moldova",
    "ukraine",
    "armenia",
    "azerbaijan",
    "georgia",
    "kazakhstan_uzbekistan",
    "turkey",
    "arabia_persia",
    "israel",
    "china",
    "india_sri_lanka",
    "japan",
    "korea",
    "vietnam",
    "other_countries",
)
_SORT_COLUMN = 29  # "+" or "-": how a name with umlauts was sorted (names end before it)
_FIRST_COLUMN = 30  # frequencies (one hex digit per country) start here
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:-[^\W\d_]+)?$")


def _frequency(char: str) -> int:
    return int(char, 16) if char in "123456789ABCDEF" else 0


@functools.lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """First names of the list as written (capitalised), filtered by the YAML's thresholds."""
    return frozenset(_read_name_list())


@functools.lru_cache(maxsize=1)
def name_frequencies() -> dict[str, int]:
    """Folded first name -> its highest frequency (1 rare ... 13 very common) in the markets.

    The lists' names come as written; keys here are lower-case, so look names up folded.
    """
    return {name.lower(): frequency for name, frequency in _read_name_list().items()}


@functools.lru_cache(maxsize=1)
def _read_name_list() -> dict[str, int]:
    source = load_household_names().name_list
    unknown = [c for c in source.countries if c not in _NAM_DICT_COUNTRIES]
    if unknown:
        raise ValueError(f"{HOUSEHOLD_NAMES_YAML.name}: unknown countries {unknown}")
    columns = [_FIRST_COLUMN + _NAM_DICT_COUNTRIES.index(c) for c in source.countries]
    path = importlib.resources.files(source.package).joinpath(source.file)
    names: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line[:1] in "#=" or len(line) <= _FIRST_COLUMN or line[_SORT_COLUMN] == "+":
                continue  # comments, equivalences, and the second copy of names with umlauts
            name = line[3:_SORT_COLUMN].strip()
            if len(name) < source.min_chars or not _NAME_CHARS.match(name):
                continue  # "+" joins of Asian names, abbreviations, several words
            frequency = max(_frequency(line[c]) for c in columns if c < len(line))
            if frequency >= source.min_frequency:
                names[name] = max(frequency, names.get(name, 0))
    if not names:
        raise ValueError(f"no first names read from {source.package}/{source.file}")
    return names


def _stop_words(language: str) -> set[str]:
    """spaCy's stop words of ``language``, read from its ``stop_words.py`` alone.

    Importing ``spacy.lang.<language>`` would first run the language package, which
    compiles its tokenizer's regexes: about three seconds for thirteen languages, paid by
    every Spark Python worker. The stop-word modules import nothing, so they are loaded
    on their own.
    """
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("spacy is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / language / "stop_words.py"
    module_spec = importlib.util.spec_from_file_location(f"_privlake_stop_words_{language}", path)
    if module_spec is None or module_spec.loader is None:
        raise ModuleNotFoundError(f"no spaCy stop words for {language!r} at {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return set(module.STOP_WORDS)


@functools.lru_cache(maxsize=1)
def common_nouns() -> frozenset[str]:
    """Folded first names that are also everyday nouns, adjectives or verbs ("summer",
    "rose", "luce", "kamera"): the YAML's ``ordinary_words`` and the app's room and scene
    vocabulary (``allow_list.yaml``)."""
    words = {w.lower() for w in load_household_names().ordinary_words}
    allowed = _load_yaml(ALLOW_LIST_YAML)
    if not isinstance(allowed, dict) or not isinstance(allowed.get("words"), list):
        raise ValueError(f"{ALLOW_LIST_YAML.name}: expected a 'words' list")
    words.update(w.lower() for phrase in allowed["words"] for w in str(phrase).split())
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Folded function words of the vendor's languages ("will", "hans", "per", "sara")."""
    return frozenset(w.lower() for language in STOP_WORD_LANGUAGES for w in _stop_words(language))


def ordinary_words() -> frozenset[str]:
    return common_nouns() | stop_words()


# --- where people write names ---------------------------------------------------------------


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
    return any(part in _device_words() for part in re.split(r"[-_.]", host))


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
    * Otherwise an account holder's name always is; a listed first name is in a label,
      after a person word ("für Tobias", "di Elena") or a thing's name ("Lampe Finn"), or
      in an inflected form that is no other name ("Marias"; "Ann" + "a" is just "Anna").
    """
    if folded_name in _not_names() or folded_name in _person_titles():
        return False  # "Philips", "Oma"
    before = _word_before(text, start, span[0] if span else 0)
    if _person_around(text, start, end, span, before):
        return True
    at_start = _at_start(text, start, span)
    if folded_name in stop_words():
        common = (
            name_frequencies().get(stem if inflected and stem else folded_name, 0) >= COMMON_NAME_FREQUENCY
        )
        if not common or (at_start and not inflected):
            return False  # "Will it rain", "OpenWrt One"; not "Lampe Hans", "Mias Kamera"
    inside_label = span is not None and not at_start
    if folded_name in common_nouns() and not (
        (inside_label and (before in _person_words() or before in common_nouns()))
        or (before in _person_words() and _titled_phrase(text, start))
    ):
        return False
    if known:
        return True
    inflected = inflected and folded_name not in _folded_first_names()
    return inflected or before in _person_words() or before in common_nouns() or span is not None


def _person_around(text: str, start: int, end: int, span: tuple[int, int] | None, before: str) -> bool:
    """Evidence of a person around a name, whatever the name is."""
    if _possessive_after(text, end) or before in _person_titles():
        return True  # "Jacob's", "Çiçek'in"; "Oma Rose", "Buenas noches Alba"
    if _words_after(text, end) & _after_words():
        return True  # "Mia home", "Serena a casa"
    if _in_device_host_name(text, start, end):
        return True  # "iPhone-de-Mercedes"
    # The key or topic word before a label that is just a name: "by":"Serena", presence/Olive
    return span is not None and span[0] == start and _word_before(text, span[0], 0) in _person_keys()


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


def is_listed_name(word: str) -> bool:
    """Whether ``word`` (as written) is a first name of the list."""
    return word.lower() in name_frequencies()


def is_ambiguous(folded_name: str) -> bool:
    """A name that is also an ordinary word, so that ``is_person`` must see its context."""
    return folded_name in common_nouns() or folded_name in stop_words() or folded_name in _not_names()


@functools.lru_cache(maxsize=1)
def _folded_first_names() -> frozenset[str]:
    return frozenset(name.lower() for name in first_names())


@functools.lru_cache(maxsize=1)
def _not_names() -> frozenset[str]:
    return frozenset(w.lower() for w in load_household_names().not_names)


@functools.lru_cache(maxsize=1)
def _person_titles() -> frozenset[str]:
    return frozenset(w.lower() for w in load_household_names().person_titles)


@functools.lru_cache(maxsize=1)
def _device_words() -> frozenset[str]:
    return frozenset(w.lower() for w in load_household_names().device_words)


@functools.lru_cache(maxsize=1)
def _after_words() -> frozenset[str]:
    return frozenset(w.lower() for w in load_household_names().person_words_after)


@functools.lru_cache(maxsize=1)
def _person_keys() -> frozenset[str]:
    return frozenset(w.lower() for w in load_household_names().person_keys)


@functools.lru_cache(maxsize=1)
def _person_words() -> frozenset[str]:
    return frozenset(w.lower() for w in load_household_names().person_words_before)

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

Which of these words name a person where they are found is ``name_context``'s question.
"""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
import re
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
    thing_words: tuple[str, ...]
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
def room_words() -> frozenset[str]:
    """The words of the app's room and scene vocabulary (``allow_list.yaml``), folded."""
    allowed = _load_yaml(ALLOW_LIST_YAML)
    if not isinstance(allowed, dict) or not isinstance(allowed.get("words"), list):
        raise ValueError(f"{ALLOW_LIST_YAML.name}: expected a 'words' list")
    return frozenset(w.lower() for phrase in allowed["words"] for w in str(phrase).split())


@functools.lru_cache(maxsize=1)
def common_nouns() -> frozenset[str]:
    """Folded first names that are also everyday nouns, adjectives or verbs ("summer",
    "rose", "luce", "kamera"): the YAML's ``ordinary_words`` and the room vocabulary."""
    return frozenset(w.lower() for w in load_household_names().ordinary_words) | room_words()


@functools.lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Folded function words of the vendor's languages ("will", "hans", "per", "sara")."""
    return frozenset(w.lower() for language in STOP_WORD_LANGUAGES for w in _stop_words(language))


def ordinary_words() -> frozenset[str]:
    return common_nouns() | stop_words()


def is_listed_name(word: str) -> bool:
    """Whether ``word`` (as written) is a first name of the list."""
    return word.lower() in name_frequencies()

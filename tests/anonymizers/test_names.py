"""People's names in the forms users write them (issue 18, items 1 and 2).

Account holders' own names are found in the inflected forms of ``inflections.yaml``
("Marias Wohnzimmer", "Pokój Marii", "Petrův pokoj"); first names of people with no
account come from the name list and count only inside text a user typed, with evidence
when the name is also an ordinary word. Everything here runs the real scrubber.
"""

from __future__ import annotations

import pytest

from anonymizers.matching import KnownIdentifierMatcher, fold, household_matcher
from anonymizers.name_context import user_authored_spans
from anonymizers.names import (
    NameForms,
    first_names,
    load_household_names,
    load_inflections,
    ordinary_words,
)
from anonymizers.scrubber import ScrubSettings, TextScrubber
from tests.anonymizers.conftest import TEST_KEY

ACCOUNT_HOLDERS = [
    ("Maria Schmidt", "PERSON"),
    ("Jan Kowalski", "PERSON"),
    ("Petr Dvořák", "PERSON"),
    ("Jana Nováková", "PERSON"),
    ("Zosia Nowak", "PERSON"),
    ("Ayşe Yılmaz", "PERSON"),
    ("Sven Lindqvist", "PERSON"),
    ("Marek Wiśniewski", "PERSON"),
    ("Anne de Vries", "PERSON"),
    ("Mette Hansen", "PERSON"),
]


@pytest.fixture(scope="module")
def log_scrubber() -> TextScrubber:
    scrubber = TextScrubber(ScrubSettings(), TEST_KEY)
    scrubber.set_known_identifiers(ACCOUNT_HOLDERS, version="names-test")
    return scrubber


@pytest.fixture(scope="module")
def label_scrubber() -> TextScrubber:
    scrubber = TextScrubber(ScrubSettings(labels=True), TEST_KEY)
    scrubber.set_known_identifiers(ACCOUNT_HOLDERS, version="names-test")
    return scrubber


def scrubbed(scrubber: TextScrubber, text: str) -> str:
    result = scrubber.scrub([text])[0].text
    assert result is not None
    return result


# --- the inflection table --------------------------------------------------------------------


def test_every_locale_cites_its_sources_and_its_examples_are_found() -> None:
    table = load_inflections()
    assert {"en", "de", "nl", "sv", "da", "pl", "cs", "tr", "fr", "es", "it", "pt"} <= set(table.locales)
    for code, locale in table.locales.items():
        assert locale.sources, code
        for base, form in locale.examples:
            matcher = KnownIdentifierMatcher([(f"{base} Testperson", "PERSON")])
            text = f"Licht {form} Zimmer"
            found = matcher.find(text, fold(text))
            assert found, f"{code}: {form!r} is not found as a form of {base!r}"
            start = text.index(form.split()[-1].lstrip("d'’"))
            assert any(f.start == start for f in found), f"{code}: {form!r} found at the wrong place"


def test_stems_carry_the_endings_of_their_rules() -> None:
    forms = NameForms(load_inflections())
    stems = {stem: (alone, endings) for stem, alone, endings in forms.stems("maria")}
    assert stems["maria"][0] and "s" in stems["maria"][1]  # Marias (de, nl, sv, da)
    assert not stems.get("mar", (False, frozenset()))[1]  # no rule strips "ia"
    assert "i" in stems["mari"][1] and "ą" in stems["mari"][1]  # Marii, Marią (pl)
    petr = {stem: endings for stem, _, endings in forms.stems("petr")}
    assert "ův" in petr["petr"] and "ře" in petr["pet"]  # Petrův, Petře (cs)


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("Marias Wohnzimmer", "Marias"),  # German genitive, no apostrophe
        ("Maria's bedroom", "Maria"),
        ("Pokój Marii", "Marii"),  # Polish genitive
        ("Prezent dla Jana", "Jana"),
        ("Biurko Marka", "Marka"),  # Marek -> Marka
        ("Sypialnia Zosi", "Zosi"),
        ("Petrův pokoj", "Petrův"),  # Czech possessive adjective
        ("Světlo pro Petra", "Petra"),
        ("Pokoj Jany", "Jany"),
        ("Ayşe'nin odası", "Ayşe"),  # Turkish, with and without the apostrophe
        ("Ayşenin lambası", "Ayşenin"),
        ("Svens rum", "Svens"),
        ("Annes kamer", "Annes"),
        ("Mettes værelse", "Mettes"),
        ("Chambre de Maria", "Maria"),
        ("Schmidts Garten", "Schmidts"),  # last names inflect too
    ],
)
def test_an_account_holders_name_is_found_in_its_inflected_forms(
    log_scrubber: TextScrubber, label: str, name: str
) -> None:
    result = scrubbed(log_scrubber, label)
    assert name not in result
    assert "<PERSON>" in result


@pytest.mark.parametrize(
    "text",
    [
        "jana pokoj",  # lower case: a word, not a name (Jana is also Czech for "of Jan")
        "Mariachi band playlist",  # a longer word that starts with a name
        "Janowiec castle tour",  # ending not in the table ("owiec")
        "Svensson called",  # not an ending: another name
    ],
)
def test_a_name_glued_to_something_that_is_not_an_ending_stays(log_scrubber: TextScrubber, text: str) -> None:
    assert scrubbed(log_scrubber, text) == text


# --- household names: where and with what evidence -------------------------------------------


def test_the_name_list_is_the_packaged_dictionary_filtered_by_frequency() -> None:
    names = first_names()
    assert 5_000 < len(names) < 45_000
    assert {"Tobias", "Ingrid", "Małgorzata", "Emile", "Giulia", "Mehmet"} <= names
    assert all(len(name) >= load_household_names().name_list.min_chars for name in names)


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ('scene "Abend mit Tobias" activated', "Tobias"),
        ("zigbee2mqtt: friendly_name: Ingrids Lampe, linkquality=87", "Ingrids"),
        ('{"friendly_name": "Lampe Giulia", "state": "ON"}', "Giulia"),
        ("automation note=call Mehmet when door opens", "Mehmet"),
        ("room=Pokój Małgorzaty temperature=21.5", "Małgorzaty"),
        ("rule “Goodnight Emile” saved", "Emile"),
    ],
)
def test_a_household_name_in_a_quoted_or_keyed_label_of_a_log_line_is_replaced(
    log_scrubber: TextScrubber, line: str, name: str
) -> None:
    result = scrubbed(log_scrubber, line)
    assert name not in result
    assert "<PERSON>" in result


@pytest.mark.parametrize(
    "line",
    [
        "Tobias Bridge firmware 2.1.4 started",  # outside any label: a component name
        "Giulia scheduler: 4 jobs queued",
        "device Ingrid-7 joined the network",
    ],
)
def test_a_listed_first_name_outside_user_authored_text_stays(log_scrubber: TextScrubber, line: str) -> None:
    assert scrubbed(log_scrubber, line) == line


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Tobias room", "<PERSON> room"),
        ("Oma Helga", "Oma <PERSON>"),
        ("Movie time with Emma", "Movie time with <PERSON>"),
        ("Summer's room", "<PERSON>'s room"),  # an ordinary word with a possessive: a name
        ("Nightlight for grandma May", "Nightlight for grandma <PERSON>"),  # ... or after a title
        ("Lights for May", "Lights for <PERSON>"),  # ... or after a person word inside a label
        ("May lights", "May lights"),  # ... but not at its start
        ("Lampe für Tobias", "Lampe für <PERSON>"),  # ... but is for a name that is no word
        ("Roses Zimmer", "<PERSON> Zimmer"),
        # ordinary words that are also first names, with no evidence of a person
        ("Summer mode", "Summer mode"),
        ("Rose gold lamp", "Rose gold lamp"),
        ("Mark all as read", "Mark all as read"),
        ("Will it rain", "Will it rain"),
        ("Sunny morning", "Sunny morning"),
        ("May schedule", "May schedule"),
        ("Bill reminder", "Bill reminder"),
        # brands and room words
        ("Philips Hue bulb", "Philips Hue bulb"),
        ("Eve Energy plug", "Eve Energy plug"),
        ("Living Room", "Living Room"),
        ("Good Night", "Good Night"),
    ],
)
def test_household_names_in_labels_need_evidence_when_they_are_ordinary_words(
    label_scrubber: TextScrubber, label: str, expected: str
) -> None:
    assert scrubbed(label_scrubber, label) == expected


def test_ordinary_words_include_the_stop_words_of_the_vendors_languages() -> None:
    words = ordinary_words()
    assert {"will", "may", "summer", "rose", "mark", "bill", "pat"} <= words
    assert {"und", "dla", "için", "och"} <= words  # spaCy stop words, no model needed


def test_household_names_can_be_switched_off() -> None:
    scrubber = TextScrubber(ScrubSettings(labels=True, household_names=False), TEST_KEY)
    assert scrubbed(scrubber, "Tobias room") == "Tobias room"


def test_user_authored_spans_are_quoted_strings_and_label_values() -> None:
    line = 'scene="Movie night" by app, note=call Anna, friendly_name: Marias Lampe level=3 id="x-1"'
    spans = [line[start:end] for start, end in user_authored_spans(line)]
    assert sorted(spans) == sorted(["Movie night", "call Anna", "Marias Lampe", "x-1"])
    nested = "CMD (/usr/local/bin/notify --text 'Summer mode')"
    around = [nested[a:b] for a, b in user_authored_spans(nested) if a <= nested.index("Summer") < b]
    assert around[0] == "Summer mode"  # the innermost span first


def test_every_form_is_a_key_of_one_automaton() -> None:
    """Inflected forms are automaton keys (a stem and its endings), never a pattern per name."""
    matcher = KnownIdentifierMatcher([("Maria Schmidt", "PERSON")])
    # "maria schmidt", "maria", "schmidt", and the stem "mari" of the Polish/Czech rules
    assert matcher.size == 4
    text = "Pokój Marii, Marias Zimmer, Maria's lamp, Schmidts Garten"
    assert [text[f.start : f.end] for f in matcher.find(text, fold(text))] == [
        "Marii",
        "Marias",
        "Maria",
        "Schmidts",
    ]
    assert household_matcher().size >= len(first_names())


# --- evidence around a name ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ('mqtt: publish home/Cocina/state {"state":"on","by":"Serena"}', "Serena"),  # a person key
        ('mqtt: home/presence/Olive payload {"home":true}', "Olive"),  # a presence topic
        ("geofence: Tobias left home radius 150m", "Tobias"),  # a presence word after it
        ("scene=Mia home", "Mia"),
        ("scene=Serena a casa", "Serena"),  # two words after it
        ("Client iPhone-de-Mercedes disconnected.", "Mercedes"),  # a device's host name
        ("lease 1795849825 192.168.2.214 Galaxy-A54-Ayse *", "Ayse"),
        ("Server startup complete. Host name is PC-Antoine.local.", "Antoine"),
        ("avahi: Host name is Sofia-dator.local.", "Sofia"),  # "computer" in Swedish
        ('D/HomeApp(3769): rename 3D49 -> "Çiçek için ışık"', "Çiçek"),  # a Turkish postposition
        ("renamed 0x00158d000c71b5ca to Luce di Serena", "Serena"),  # a label-shaped phrase
        ("scene=Buenas noches Alba", "Alba"),  # a greeting before it
        ("scene=Lampe d'Élodie", "Élodie"),  # an elided article; matched without accents
        ("scene=Stanza Rosa", "Rosa"),  # a thing's name before an ordinary-word name
        ("scene=Mia desk lamp", "Mia"),  # ... or after one that opens a label
        ("host Galaxy-A54-Cicek joined", "Cicek"),  # ... and the other way round
    ],
)
def test_evidence_around_a_household_name(log_scrubber: TextScrubber, line: str, name: str) -> None:
    result = scrubbed(log_scrubber, line)
    assert name not in result
    assert "<PERSON>" in result


@pytest.mark.parametrize(
    "label",
    [
        "OpenWrt One",  # a function word that is only a rare name
        "Sol de tarde",  # spaCy's name made only of ordinary words
        "Lampada viola",
    ],
)
def test_labels_made_of_ordinary_words_stay(label: str) -> None:
    scrubber = TextScrubber(ScrubSettings(labels=True, ner=True), TEST_KEY)
    assert scrubbed(scrubber, label) == label


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("おやすみ颯太", "おやすみ<PERSON>"),  # a greeting
        ("颯太くんの部屋", "<PERSON>くんの部屋"),  # an honorific
        ("Successfully renamed to 和也のエアコン", "Successfully renamed to <PERSON>のエアコン"),
        ("geofence: 美穂 left home radius 150m", "geofence: <PERSON> left home radius 150m"),
        ("玄関のライト", "玄関のライト"),  # a room word is no name
        ("電池の残量 20%", "電池の残量 20%"),
    ],
)
def test_japanese_given_names_by_their_grammar(log_scrubber: TextScrubber, text: str, expected: str) -> None:
    assert scrubbed(log_scrubber, text) == expected

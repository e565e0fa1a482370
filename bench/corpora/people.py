"""People and their names: the forms a first name takes in labels, host names, mail and user names."""

from __future__ import annotations

import random
import re
import string
import unicodedata
from dataclasses import dataclass

from bench.corpora.identifiers import hexes
from bench.corpora.model import PLACEHOLDER, Locale

_VOWELS = "aeiouyäöüıéèêëàâáíóúůýěåøæœ"
_ASCII_EXTRA = {"ł": "l", "Ł": "L", "ß": "ss", "ı": "i", "İ": "I", "ø": "o", "Ø": "O", "æ": "ae", "œ": "oe"}


def inflect(locale: Locale, case: str, name: str, gender: str) -> tuple[str, str]:
    """The name in ``case`` of ``locale`` as written in a label, and the name as it appears in
    that: without an elided article before it (``d'Hélène``) or a possessive after an
    apostrophe (``Anna's``, ``Ayşe'nin``, ``James'``)."""
    spec = locale.cases[case]
    if name in spec.exceptions:
        form = spec.exceptions[name]
        return form, value_of(form)
    lower = name.lower()
    for rule in spec.rules:
        if rule.gender is not None and rule.gender != gender:
            continue
        if rule.ends_with and not any(lower.endswith(e) for e in rule.ends_with):
            continue
        if rule.starts_with and not any(lower.startswith(s) for s in rule.starts_with):
            continue
        stem = name[: len(name) - rule.cut] if rule.cut else name
        add = rule.add
        if rule.harmony:
            last = next((c for c in reversed(lower) if c in rule.harmony), "")
            add = add.replace("{v}", rule.harmony.get(last, ""))
        add = add.replace("{b}", rule.buffer if lower[-1:] in _VOWELS else "")
        return rule.prefix + stem + add, value_of(stem + add)
    raise ValueError(f"{locale.locale}: no {case} rule applies to a {gender} name")


def value_of(form: str) -> str:
    """A name form up to its first apostrophe (the possessive after it is not part of the name)."""
    return form.replace("’", "'").split("'", 1)[0]


def to_ascii(locale: Locale, name: str) -> str:
    if name in locale.romaji:
        return locale.romaji[name]
    text = "".join(_ASCII_EXTRA.get(c, c) for c in name)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c) and c.isascii())


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    gender: str
    locale: Locale  # whose name list it came from (a carer may come from another country)


def new_person(
    rng: random.Random, locale: Locale, last: str | None = None, gender: str | None = None
) -> Person:
    g = gender or rng.choice(["female", "male"])
    names = locale.first_names["female" if g == "female" else "male"]
    return Person(rng.choice(names), last or rng.choice(locale.last_names), g, locale)


def display_name(person: Person) -> str:
    if person.locale.name_order == "family_given":
        return f"{person.last} {person.first}"
    return f"{person.first} {person.last}"


def new_email(rng: random.Random, p: Person, domain_locale: Locale) -> str:
    first, last = _ascii_word(p.locale, p.first), _ascii_word(p.locale, p.last)
    local = rng.choice(
        [
            f"{first}.{last}",
            f"{first}{last[:1]}{rng.randint(1, 99)}",
            f"{first[:1]}{last}",
            f"{first}_{last}",
            f"{first}{rng.randint(70, 99)}",
        ]
    )
    return f"{local}@{rng.choice(domain_locale.email_domains)}"


def new_username(rng: random.Random, p: Person) -> str:
    first, last = _ascii_word(p.locale, p.first), _ascii_word(p.locale, p.last)
    return rng.choice(
        [
            f"{first}.{last}",
            f"{first[:1]}{last}",
            f"{first}{rng.randint(1, 99)}",
            f"{first}_{last[:1]}",
            f"{last}{first[:1]}",
        ]
    )


def _ascii_word(locale: Locale, name: str) -> str:
    """A name as it goes into an e-mail address or a user name: ASCII, lower case, no spaces."""
    return re.sub(r"[^a-z0-9]", "", to_ascii(locale, name).lower())


def substitute(text: str, values: dict[str, str]) -> str:
    return string.Template(text).substitute(values)


def name_forms(locale: Locale, person: Person) -> dict[str, tuple[str, str]]:
    """Every placeholder a template may use for ``person``: (text written, name as it appears)."""
    forms = {"name": (person.first, person.first)}
    for case in locale.cases:
        forms[case] = inflect(locale, case, person.first, person.gender)
    host = to_ascii(person.locale, person.first)
    forms["host"] = (host, host)
    forms["host_s"] = (host + "s", host + "s")
    return forms


def _named(template: str) -> str | None:
    """The one name placeholder of a label template (``None`` when it names nobody)."""
    names = [p for p in PLACEHOLDER.findall(template) if p not in ("family", "hex4")]
    return names[0] if names else None


def fill_named(
    rng: random.Random, locale: Locale, template: str, person: Person | None
) -> tuple[str, str | None]:
    """A label, SSID or host name from its template, and the name as it appears in it."""
    values = {
        "family": person.last if person else rng.choice(locale.last_names),
        "hex4": hexes(rng, 4).upper(),
    }
    slot = _named(template)
    if slot is None:
        return substitute(template, values), None
    if person is None:
        raise ValueError("a named template needs a person")
    forms = name_forms(locale, person)
    values.update({k: written for k, (written, _value) in forms.items()})
    return substitute(template, values), forms[slot][1]

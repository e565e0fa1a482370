"""An independent evaluation corpus: one day of landing files plus the truth of what was planted.

The day is built from the YAML in this folder (log-line templates modelled on real formats in
``templates/``, twelve locales with names, phone formats and the inflection rules their
speakers type labels with in ``locales/``, device models and app actions in
``catalogue.yaml``) and from the data contract (``conf/datasets/*.yaml``). It was written
without looking at the detector, so recall measured on it is not recall on phrases the
detector was tuned on. ``build_day`` writes ``<landing>/<dataset>/dt=D/part-0000.jsonl`` for
``accounts``, ``device_logs`` and ``usage_history`` and ``<truth>/dt=D/planted.jsonl``: one
record per planted personal value (``kind`` ``pii``) or look-alike that must stay intact
(``kind`` ``lookalike``), in the format ``privlake.evaluate`` reads. Same seed, same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import string
import sys
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from privlake.evaluate import occurs

HERE = Path(__file__).resolve().parent

PERSONAL_TYPES = (
    "PERSON",
    "USERNAME",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "IP_ADDRESS",
    "MAC_ADDRESS",
    "IMEI",
    "DEVICE_SERIAL",
    "WIFI_SSID",
    "GPS_COORDINATE",
    "ACCOUNT_ID",
    "DEVICE_NAME",
)
LOOKALIKE_TYPES = (
    "TIMESTAMP",
    "UUID",
    "REQUEST_ID",
    "PID",
    "PORT",
    "FIRMWARE_VERSION",
    "APP_VERSION",
    "MODEL_NAME",
    "HEX_ID",
    "VERSION",
    "ORDINARY_WORD",
)
# Composite slots: what a user typed (a room, device or scene label) or what a device calls
# itself on the network. Their truth is the name inside them (PERSON), the ordinary word
# (ORDINARY_WORD) or a vendor-default host name (DEVICE_NAME); a label without either
# plants nothing.
COMPOSITE_TYPES = ("USER_LABEL", "HOSTNAME")
SlotType = Literal[
    "PERSON",
    "USERNAME",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "IP_ADDRESS",
    "MAC_ADDRESS",
    "IMEI",
    "DEVICE_SERIAL",
    "WIFI_SSID",
    "GPS_COORDINATE",
    "ACCOUNT_ID",
    "TIMESTAMP",
    "UUID",
    "REQUEST_ID",
    "PID",
    "PORT",
    "FIRMWARE_VERSION",
    "APP_VERSION",
    "MODEL_NAME",
    "HEX_ID",
    "VERSION",
    "ORDINARY_WORD",
    "USER_LABEL",
    "HOSTNAME",
]
DATASETS = ("accounts", "device_logs", "usage_history")
_PLACEHOLDER = re.compile(r"\$\{([a-z_][a-z0-9_]*)\}")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- templates ---------------------------------------------------------------------------------


class Slot(Strict):
    """A typed hole in a template. ``form`` picks how the value is written (see ``SLOT_FORMS``);
    ``same_as`` writes another slot's value in another form (the IP in a host name and the IP);
    ``values`` lists the texts a look-alike slot takes."""

    type: SlotType
    form: str = "default"
    same_as: str | None = None
    values: list[str] = []


class LogTemplate(Strict):
    id: str
    level: Literal["DEBUG", "INFO", "WARN", "ERROR"]
    text: str
    slots: dict[str, Slot | SlotType] = {}
    weight: Annotated[float, Field(gt=0)] = 1.0

    @model_validator(mode="after")
    def _slots_match_text(self) -> LogTemplate:
        used = set(_PLACEHOLDER.findall(self.text))
        declared = set(self.slots)
        if used != declared:
            raise ValueError(f"template {self.id}: placeholders {sorted(used)} != slots {sorted(declared)}")
        for name, slot in self.slots.items():
            spec = slot_spec(slot)
            if spec.same_as is not None and spec.same_as not in self.slots:
                raise ValueError(f"template {self.id}: slot {name} same_as an unknown slot")
            if spec.form not in SLOT_FORMS.get(spec.type, ("default",)):
                raise ValueError(f"template {self.id}: slot {name}: unknown form {spec.form} of {spec.type}")
        return self


class TemplateFamily(Strict):
    family: str
    description: str
    references: list[str]  # where the real format is documented
    templates: list[LogTemplate]


def slot_spec(slot: Slot | SlotType) -> Slot:
    return slot if isinstance(slot, Slot) else Slot(type=slot)


# --- locales -----------------------------------------------------------------------------------


class InflectionRule(Strict):
    """``prefix + name[:-cut] + add``, for names matching every condition given. In ``add``,
    ``{v}`` is the vowel ``harmony`` maps the name's last vowel to and ``{b}`` is ``buffer``
    when the name ends in a vowel (Turkish); nothing otherwise."""

    gender: Literal["female", "male"] | None = None
    ends_with: list[str] = []
    starts_with: list[str] = []
    cut: Annotated[int, Field(ge=0)] = 0
    add: str = ""
    prefix: str = ""
    harmony: dict[str, str] = {}
    buffer: str = ""


class Case(Strict):
    rules: list[InflectionRule]  # the first that matches applies
    exceptions: dict[str, str] = {}  # name -> form, for the irregular


class PhoneSpec(Strict):
    """National significant numbers ``prefix`` + digits, ``length`` digits in all, written in
    each of ``formats`` (a ``#`` is the next digit of the number; the rest is literal)."""

    prefixes: list[str]
    length: int
    formats: list[str]

    @model_validator(mode="after")
    def _formats_fit(self) -> PhoneSpec:
        for f in self.formats:
            if f.count("#") != self.length:
                raise ValueError(f"phone format {f!r} has {f.count('#')} digits, not {self.length}")
        return self


class Labels(Strict):
    """Label templates as users of the language type them. ``${name}`` is the first name as
    it is, ``${<case>}`` the name in that case of ``cases``; each template names at most one
    person. ``plain`` labels name nobody; ``ordinary`` ones hold a word that is also a first
    name but is used in its ordinary sense (a look-alike)."""

    room: list[str]
    device: list[str]
    scene: list[str]
    plain_room: list[str]
    plain_device: list[str]
    plain_scene: list[str]
    ordinary: list[str]


class Locale(Strict):
    locale: str
    country_code: str
    timezones: list[str]
    mcc: str
    mnc: list[str]
    # (latitude, longitude, altitude) of a few towns; homes are scattered around them
    towns: list[tuple[float, float, float]]
    name_order: Literal["given_family", "family_given"] = "given_family"
    first_names: dict[Literal["female", "male"], list[str]]
    last_names: list[str]
    romaji: dict[str, str] = {}  # ja_JP: how the names are written in ASCII
    phone: PhoneSpec
    email_domains: list[str]
    cases: dict[str, Case]
    labels: Labels
    ssids: list[str]  # Wi-Fi names: ${name}/${<case>}/${family} or none; ${hex4} a router's suffix
    hostnames: list[str]  # device host names: ${host} the ASCII name, ${host_s} with a genitive s

    @model_validator(mode="after")
    def _checks(self) -> Locale:
        known = {"name", "family", "hex4", "host", "host_s", *self.cases}
        for group in (*self._label_lists(), self.ssids, self.hostnames):
            for text in group:
                unknown = set(_PLACEHOLDER.findall(text)) - known
                if unknown:
                    raise ValueError(f"{self.locale}: {text!r} uses unknown placeholders {sorted(unknown)}")
        if self.name_order == "family_given":
            missing = [n for n in self.all_first_names() + self.last_names if n not in self.romaji]
            if missing:
                raise ValueError(f"{self.locale}: {len(missing)} names without romaji")
        return self

    def _label_lists(self) -> list[list[str]]:
        lb = self.labels
        return [lb.room, lb.device, lb.scene, lb.plain_room, lb.plain_device, lb.plain_scene, lb.ordinary]

    def all_first_names(self) -> list[str]:
        return [*self.first_names["female"], *self.first_names["male"]]


class DeviceModel(Strict):
    model: str
    firmware: list[str]
    os_version: str
    cpu_info: str
    memory_mb: int
    sd_card_mb: int = 0  # 0: no SD card slot (sd_card_free_mb stays null)
    cellular: bool = False


class UsageAction(Strict):
    action: str
    scene_name: Literal["scene", "room", "device"] | None = None
    room_name: Literal["scene", "room", "device"] | None = None
    values: list[str | None] = [None]
    duration_ms: tuple[int, int] | None = None
    weight: float = 1.0


class Catalogue(Strict):
    devices: list[DeviceModel]
    apps: list[tuple[str, str]]  # (platform, app version)
    usage_actions: list[UsageAction]
    ordinary_en: list[str]  # English phrases with a first name used as an ordinary word


# Ways a slot's value may be written, by slot type.
SLOT_FORMS: dict[str, tuple[str, ...]] = {
    "PERSON": ("default", "full"),
    "USERNAME": ("default",),
    "EMAIL_ADDRESS": ("default", "urlencoded"),
    "PHONE_NUMBER": ("default",),
    "IP_ADDRESS": (
        "default",
        "lan",
        "public",
        "ipv6",
        "eui64",
        "ec2",
        "comcast",
        "rdns",
        "dsl_padded",
        "dashed",
    ),
    "MAC_ADDRESS": ("default", "device", "bssid", "ieee64"),
    "IMEI": ("default",),
    "DEVICE_SERIAL": ("default", "device", "lower"),
    "WIFI_SSID": ("default",),
    "GPS_COORDINATE": ("default", "json", "keyed"),
    "ACCOUNT_ID": ("default",),
    "TIMESTAMP": ("default", "iso", "syslog", "uptime", "epoch", "epoch_ms", "z2m"),
    "UUID": ("default",),
    "REQUEST_ID": ("default", "decimal", "amzn", "hex16"),
    "PID": ("default",),
    "PORT": ("default", "ephemeral"),
    "FIRMWARE_VERSION": ("default",),
    "APP_VERSION": ("default",),
    "MODEL_NAME": ("default",),
    "HEX_ID": ("default", "chip24", "blk", "memaddr", "android", "node64"),
    "VERSION": ("default",),
    "ORDINARY_WORD": ("default",),
    "USER_LABEL": ("room", "device", "scene"),
    "HOSTNAME": ("default",),
}


def _load_yaml(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: 20x faster
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


@cache
def load_families(root: Path = HERE) -> tuple[TemplateFamily, ...]:
    return tuple(TemplateFamily(**_load_yaml(p)) for p in sorted((root / "templates").glob("*.yaml")))


@cache
def load_locales(root: Path = HERE) -> tuple[Locale, ...]:
    return tuple(Locale(**_load_yaml(p)) for p in sorted((root / "locales").glob("*.yaml")))


@cache
def load_catalogue(root: Path = HERE) -> Catalogue:
    return Catalogue(**_load_yaml(root / "catalogue.yaml"))


# --- names and their forms ---------------------------------------------------------------------

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


# --- the household model -----------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    gender: str
    locale: Locale  # whose name list it came from (a carer may come from another country)


@dataclass
class Device:
    serial: str
    mac: bytes
    model: DeviceModel
    firmware: str


@dataclass
class Household:
    account_id: str
    locale: Locale
    holder: Person
    display_name: str
    email: str
    phone: str
    username: str
    members: list[Person]  # partner, children: not account holders
    visitors: list[Person]  # guests, carers, cleaners
    devices: list[Device]
    home_ip: str
    home_ip6_prefix: str
    ssid: str
    ssid_person: str | None
    neighbour_ssids: list[str]
    lat: float
    lon: float
    alt: float
    timezone: str
    mnc: str
    emails: dict[str, str] = field(default_factory=dict)  # first name -> e-mail
    phones: dict[str, str] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Planted:
    entity_type: str
    value: str
    kind: str  # "pii" or "lookalike"


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _group(rng: random.Random) -> str:
    """A 16-bit group of an IPv6 address as written (no leading zeros)."""
    return f"{rng.getrandbits(16):x}"


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _fill(pattern: str, digits: str) -> str:
    it = iter(digits)
    return "".join(next(it) if c == "#" else c for c in pattern)


def render_phone(rng: random.Random, locale: Locale, nsn: str) -> str:
    return _fill(rng.choice(locale.phone.formats), nsn)


def new_nsn(rng: random.Random, locale: Locale) -> str:
    prefix = rng.choice(locale.phone.prefixes)
    return prefix + _digits(rng, locale.phone.length - len(prefix))


def public_ipv4(rng: random.Random) -> str:
    reserved = {0, 10, 100, 127, 169, 172, 192, 198, 203}
    first = rng.choice([o for o in range(2, 224) if o not in reserved])
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def lan_ipv4(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return f"192.168.{rng.choice([0, 1, 1, 2, 178, 188])}.{rng.randint(2, 254)}"
    return f"10.0.{rng.randint(0, 3)}.{rng.randint(2, 254)}"


# Vendor OUIs of the kinds of devices a home network has (Espressif, Xiaomi, Apple, Samsung,
# Raspberry Pi, AVM, TP-Link, Ubiquiti, Google, Amazon).
OUIS = (
    "240ac4",
    "a4cf12",
    "54ef44",
    "7811dc",
    "f0b429",
    "3c0754",
    "ac3c0b",
    "dca632",
    "b827eb",
    "3810d5",
    "c4e984",
    "50c7bf",
    "788a20",
    "f4f5d8",
    "44650d",
)


def new_mac(rng: random.Random, randomized: bool = False) -> bytes:
    if randomized:  # a phone's private Wi-Fi address: locally administered bit set
        first = (rng.randint(0, 255) & 0xFC) | 0x02
        return bytes([first, *(rng.randint(0, 255) for _ in range(5))])
    return bytes.fromhex(rng.choice(OUIS)) + bytes(rng.randint(0, 255) for _ in range(3))


def mac_text(rng: random.Random, mac: bytes) -> str:
    h = mac.hex()
    pairs = [h[i : i + 2] for i in range(0, 12, 2)]
    notation = rng.randrange(6)
    if notation == 0:
        return ":".join(pairs)
    if notation == 1:
        return ":".join(pairs).upper()
    if notation == 2:
        return "-".join(pairs).upper()
    if notation == 3:
        return f"{h[0:4]}.{h[4:8]}.{h[8:12]}"
    if notation == 4:
        return h.upper()
    return "-".join(pairs)


def eui64_suffix(mac: bytes) -> str:
    """The interface id SLAAC derives from a MAC (RFC 4291 appendix A): U/L bit flipped, ff:fe
    in the middle."""
    b = bytes([mac[0] ^ 0x02, mac[1], mac[2], 0xFF, 0xFE, mac[3], mac[4], mac[5]])
    groups = [f"{(b[i] << 8) | b[i + 1]:x}" for i in range(0, 8, 2)]
    return ":".join(groups)


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def new_imei(rng: random.Random) -> str:
    body = rng.choice(["35", "86", "01", "35"]) + _digits(rng, 12)
    return body + luhn_digit(body)


def new_serial(rng: random.Random) -> str:
    return _hex(rng, 16).upper()


def new_account_id(rng: random.Random) -> str:
    return "usr-" + "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(12))


# --- building a household ----------------------------------------------------------------------


def _person(rng: random.Random, locale: Locale, last: str | None = None, gender: str | None = None) -> Person:
    g = gender or rng.choice(["female", "male"])
    names = locale.first_names["female" if g == "female" else "male"]
    return Person(rng.choice(names), last or rng.choice(locale.last_names), g, locale)


def display_name(person: Person) -> str:
    if person.locale.name_order == "family_given":
        return f"{person.last} {person.first}"
    return f"{person.first} {person.last}"


def _email(rng: random.Random, p: Person, domain_locale: Locale) -> str:
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


def _username(rng: random.Random, p: Person) -> str:
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


def _subst(text: str, values: dict[str, str]) -> str:
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
    names = [p for p in _PLACEHOLDER.findall(template) if p not in ("family", "hex4")]
    return names[0] if names else None


def fill_named(
    rng: random.Random, locale: Locale, template: str, person: Person | None
) -> tuple[str, str | None]:
    """A label, SSID or host name from its template, and the name as it appears in it."""
    values = {
        "family": person.last if person else rng.choice(locale.last_names),
        "hex4": _hex(rng, 4).upper(),
    }
    slot = _named(template)
    if slot is None:
        return _subst(template, values), None
    if person is None:
        raise ValueError("a named template needs a person")
    forms = name_forms(locale, person)
    values.update({k: written for k, (written, _value) in forms.items()})
    return _subst(template, values), forms[slot][1]


def new_household(
    rng: random.Random, locale: Locale, all_locales: tuple[Locale, ...], catalogue: Catalogue, taken: set[str]
) -> Household:
    holder = _person(rng, locale)
    members = []
    if rng.random() < 0.75:  # partner, often with the same family name
        partner_last = holder.last if rng.random() < 0.6 else None
        members.append(_person(rng, locale, partner_last, "male" if holder.gender == "female" else "female"))
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        members.append(_person(rng, locale, holder.last))
    latin = [lc for lc in all_locales if lc.name_order == "given_family"]
    visitors = []
    for _ in range(rng.choice([0, 1, 1, 2])):
        origin = locale if locale.name_order == "family_given" or rng.random() < 0.7 else rng.choice(latin)
        visitors.append(_person(rng, origin))
    while True:
        account_id = new_account_id(rng)
        if account_id not in taken:
            taken.add(account_id)
            break
    devices = []
    for _ in range(rng.randint(2, 6)):
        model = rng.choice(catalogue.devices)
        devices.append(Device(new_serial(rng), new_mac(rng), model, rng.choice(model.firmware)))
    ssid_template = rng.choice(locale.ssids)
    ssid_person = holder if rng.random() < 0.6 else rng.choice([holder, *members])
    ssid, ssid_name = fill_named(rng, locale, ssid_template, ssid_person)
    neighbour_ssids = []
    for _ in range(rng.randint(0, 4)):
        text, _name = fill_named(rng, locale, rng.choice(locale.ssids), _person(rng, locale))
        neighbour_ssids.append(text)
    town = rng.choice(locale.towns)
    tz = rng.choice(locale.timezones)
    hh = Household(
        account_id=account_id,
        locale=locale,
        holder=holder,
        display_name=display_name(holder),
        email="",
        phone="",
        username="",
        members=members,
        visitors=visitors,
        devices=devices,
        home_ip=public_ipv4(rng),
        home_ip6_prefix=f"2a02:{_group(rng)}:{_group(rng)}:{_hex(rng, 2)}00",
        ssid=ssid,
        ssid_person=ssid_name,
        neighbour_ssids=neighbour_ssids,
        lat=round(town[0] + rng.uniform(-0.08, 0.08), 6),
        lon=round(town[1] + rng.uniform(-0.12, 0.12), 6),
        alt=round(town[2] + rng.uniform(-15, 40), 1),
        timezone=tz,
        mnc=rng.choice(locale.mnc),
    )
    for p in [holder, *members, *visitors]:
        hh.emails.setdefault(p.first, _email(rng, p, p.locale))
        hh.phones.setdefault(p.first, render_phone(rng, p.locale, new_nsn(rng, p.locale)))
        hh.usernames.setdefault(p.first, _username(rng, p))
    hh.email, hh.phone, hh.username = (
        hh.emails[holder.first],
        hh.phones[holder.first],
        hh.usernames[holder.first],
    )
    return hh


# --- rendering slots ---------------------------------------------------------------------------


@dataclass
class RowContext:
    rng: random.Random
    hh: Household
    device: Device
    day: dt.date
    catalogue: Catalogue


def _someone(ctx: RowContext, holder_share: float = 0.4) -> Person:
    r = ctx.rng.random()
    hh = ctx.hh
    if r < holder_share or not (hh.members or hh.visitors):
        return hh.holder
    if r < 0.85 and hh.members:
        return ctx.rng.choice(hh.members)
    return ctx.rng.choice(hh.visitors or hh.members)


def user_label(ctx: RowContext, category: str) -> tuple[str, list[Planted]]:
    """A label the user typed: mostly with a name in it (the holder's own, a household member's,
    a visitor's), sometimes a plain one, sometimes one with an ordinary word that is a name too."""
    rng, locale, lb = ctx.rng, ctx.hh.locale, ctx.hh.locale.labels
    r = rng.random()
    if r < 0.12:
        plain = {"room": lb.plain_room, "device": lb.plain_device, "scene": lb.plain_scene}[category]
        return rng.choice(plain), []
    if r < 0.22:
        text = rng.choice(lb.ordinary)
        return text, [Planted("ORDINARY_WORD", text, "lookalike")]
    named = {"room": lb.room, "device": lb.device, "scene": lb.scene}[category]
    text, name = fill_named(rng, locale, rng.choice(named), _someone(ctx))
    return text, ([Planted("PERSON", name, "pii")] if name else [])


def hostname(ctx: RowContext) -> tuple[str, list[Planted]]:
    rng = ctx.rng
    if rng.random() < 0.65:
        text, name = fill_named(rng, ctx.hh.locale, rng.choice(ctx.hh.locale.hostnames), _someone(ctx, 0.5))
        return text, ([Planted("PERSON", name, "pii")] if name else [])
    # Vendor-default host names are per-device identifiers, planted as personal values (a
    # review after the first scoring; they were look-alikes at first): Android's DHCP name
    # carries the device's ANDROID_ID, an ESP chip's name the last three bytes of its MAC
    # (it would re-link the MAC's pseudonym), Windows' DESKTOP- name is random per machine.
    kind = rng.randrange(4)
    if kind == 0:
        hexid = _hex(rng, 16)
        return f"android-{hexid}", [Planted("DEVICE_NAME", f"android-{hexid}", "pii")]
    if kind == 1:
        chip = _hex(rng, 6).upper()
        return f"ESP_{chip}", [Planted("DEVICE_NAME", f"ESP_{chip}", "pii")]
    if kind == 2:
        tag = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(7))
        return f"DESKTOP-{tag}", [Planted("DEVICE_NAME", f"DESKTOP-{tag}", "pii")]
    return rng.choice(["Chromecast", "LGwebOSTV", "SonosZP", "raspberrypi", "HomePod", "Shelly1PM"]), []


def _ipv4_form(rng: random.Random, ip: str, form: str) -> tuple[str, str]:
    """(text written, the value as it appears in it)."""
    o = ip.split(".")
    if form == "ec2":
        dashed = "-".join(o)
        region = rng.choice(["ec2.internal", "eu-central-1.compute.internal", "eu-west-1.compute.internal"])
        return f"ip-{dashed}.{region}", dashed
    if form == "comcast":
        dashed = "-".join(o)
        return f"c-{dashed}.hsd1.{rng.choice(['ca', 'ma', 'il', 'wa', 'co'])}.comcast.net", dashed
    if form == "rdns":
        rev = ".".join(reversed(o))
        return f"{rev}.in-addr.arpa", rev
    if form == "dsl_padded":
        padded = "-".join(f"{int(x):03d}" for x in o)
        return (
            f"dsl-{padded}.dyn.{rng.choice(['versanet.de', 'telecomitalia.it', 'orange.fr', 'kpn.net'])}",
            padded,
        )
    if form == "dashed":
        dashed = "-".join(o)
        kind = rng.choice(["host", "static", "customer"])
        domain = rng.choice(["static.isp.example.net", "ttnet.com.tr", "upcpoland.pl"])
        return f"{kind}-{dashed}.{domain}", dashed
    return ip, ip


def render_slot(ctx: RowContext, spec: Slot, same: str | None) -> tuple[str, list[Planted]]:
    """The text of one slot and what it plants. ``same`` is the underlying value of the slot
    named in ``same_as`` (already rendered)."""
    rng, hh, t, form = ctx.rng, ctx.hh, spec.type, spec.form
    if t == "PERSON":
        p = _someone(ctx)
        if form == "full":
            text = display_name(p)
            return text, [Planted("PERSON", text, "pii")]
        return p.first, [Planted("PERSON", p.first, "pii")]
    if t == "USERNAME":
        v = hh.usernames[_someone(ctx, 0.6).first]
        return v, [Planted(t, v, "pii")]
    if t == "EMAIL_ADDRESS":
        v = hh.emails[_someone(ctx, 0.6).first]
        if form == "urlencoded":
            v = v.replace("@", "%40")
        return v, [Planted(t, v, "pii")]
    if t == "PHONE_NUMBER":
        p = _someone(ctx, 0.5)
        v = render_phone(rng, p.locale, re.sub(r"\D", "", hh.phones[p.first])[-p.locale.phone.length :])
        return v, [Planted(t, v, "pii")]
    if t == "IP_ADDRESS":
        if form == "eui64":
            v = f"fe80::{eui64_suffix(ctx.device.mac)}"
            return v, [Planted(t, v, "pii")]
        if form == "ipv6":
            # SLAAC: from a MAC (EUI-64) or a random privacy address (RFC 8981)
            iid = (
                eui64_suffix(new_mac(rng)) if rng.random() < 0.5 else ":".join(_group(rng) for _ in range(4))
            )
            v = f"{hh.home_ip6_prefix}:{iid}"
            return v, [Planted(t, v, "pii")]
        if same is not None:
            ip = same
        elif form == "lan":
            ip = lan_ipv4(rng)
        elif form in ("public", "comcast", "dsl_padded", "dashed", "rdns") or rng.random() < 0.5:
            ip = hh.home_ip if rng.random() < 0.4 else public_ipv4(rng)
        elif form == "ec2":
            ip = f"172.31.{rng.randint(0, 63)}.{rng.randint(1, 254)}"
        else:
            ip = lan_ipv4(rng)
        text, value = _ipv4_form(rng, ip, form)
        return text, [Planted(t, value, "pii")]
    if t == "MAC_ADDRESS":
        if form == "ieee64":
            oui = rng.choice(["00158d000", "000b57fff", "84fd27fff", "00124b00"])  # Xiaomi, IKEA, TI
            v = "0x" + oui + _hex(rng, 16 - len(oui))
            return v, [Planted(t, v, "pii")]
        mac = ctx.device.mac if form == "device" else new_mac(rng, randomized=rng.random() < 0.4)
        v = mac_text(rng, mac) if form != "bssid" else ":".join(f"{b:02x}" for b in mac)
        return v, [Planted(t, v, "pii")]
    if t == "IMEI":
        v = new_imei(rng)
        return v, [Planted(t, v, "pii")]
    if t == "DEVICE_SERIAL":
        v = ctx.device.serial if form == "device" else rng.choice(hh.devices).serial
        if form == "lower":
            v = v.lower()
        return v, [Planted(t, v, "pii")]
    if t == "WIFI_SSID":
        v = hh.ssid if rng.random() < 0.7 or not hh.neighbour_ssids else rng.choice(hh.neighbour_ssids)
        return v, [Planted(t, v, "pii")]
    if t == "GPS_COORDINATE":
        lat, lon = (
            round(hh.lat + rng.uniform(-0.0005, 0.0005), 6),
            round(hh.lon + rng.uniform(-0.0005, 0.0005), 6),
        )
        if form == "json":
            v = f'"lat":{lat},"lon":{lon}'
        elif form == "keyed":
            v = f"lat={lat} lon={lon}"
        else:
            v = f"{lat},{lon}" if rng.random() < 0.5 else f"{lat}, {lon}"
        return v, [Planted(t, v, "pii")]
    if t == "ACCOUNT_ID":
        return hh.account_id, [Planted(t, hh.account_id, "pii")]
    if t == "USER_LABEL":
        return user_label(ctx, form)
    if t == "HOSTNAME":
        return hostname(ctx)
    v = lookalike(ctx, spec)
    return v, [Planted(t, v, "lookalike")]


def lookalike(ctx: RowContext, spec: Slot) -> str:
    rng, t, form = ctx.rng, spec.type, spec.form
    if spec.values:
        return rng.choice(spec.values)
    if t == "TIMESTAMP":
        moment = dt.datetime.combine(ctx.day, dt.time(0), dt.UTC) + dt.timedelta(seconds=rng.randrange(86400))
        if form == "syslog":
            return moment.strftime("%b %d %H:%M:%S").replace(" 0", "  ", 1)
        if form == "uptime":
            return f"{rng.randint(1, 999999)}.{_digits(rng, 6)}"
        if form == "epoch":
            return str(int(moment.timestamp()))
        if form == "epoch_ms":
            return str(int(moment.timestamp()) * 1000 + rng.randrange(1000))
        if form == "z2m":
            return moment.strftime("%Y-%m-%d %H:%M:%S")
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rng.randrange(1000):03d}Z"
    if t == "UUID":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if t == "REQUEST_ID":
        if form == "decimal":
            return str(rng.randint(10**9, 4 * 10**9))
        if form == "amzn":
            return f"1-{_hex(rng, 8)}-{_hex(rng, 24)}"
        if form == "hex16":
            return "req_" + _hex(rng, 16)
        return "".join(rng.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(26))  # a ULID
    if t == "PID":
        return str(rng.randint(2, 65000))
    if t == "PORT":
        return str(
            rng.randint(32768, 60999)
            if form == "ephemeral"
            else rng.choice([22, 443, 1883, 8883, 8123, 5683])
        )
    if t == "FIRMWARE_VERSION":
        return rng.choice(ctx.device.model.firmware)
    if t == "APP_VERSION":
        return rng.choice(ctx.catalogue.apps)[1]
    if t == "MODEL_NAME":
        return ctx.device.model.model
    if t == "HEX_ID":
        if form == "chip24":
            return _hex(rng, 24)
        if form == "blk":
            return f"blk_{rng.choice(['-', ''])}{rng.randint(10**17, 9 * 10**18)}"
        if form == "memaddr":
            return "0x7f" + _hex(rng, 10)
        if form == "node64":
            return "0x" + _hex(rng, 16).upper()
        return _hex(rng, 8)
    if t == "VERSION":
        return rng.choice(
            ["OpenSSH_9.2p1", "dnsmasq-2.89", "hostapd v2.10", "6.1.0-18-arm64", "OpenSSL 3.0.13"]
        )
    if t == "ORDINARY_WORD":
        return rng.choice(ctx.catalogue.ordinary_en)
    raise ValueError(f"no generator for slot type {t}")


def render_template(ctx: RowContext, template: LogTemplate) -> tuple[str, list[Planted]]:
    texts: dict[str, str] = {}
    underlying: dict[str, str] = {}
    planted: list[Planted] = []
    specs = {n: slot_spec(s) for n, s in template.slots.items()}
    order = sorted(specs, key=lambda n: specs[n].same_as is not None)  # referenced slots first
    for name in order:
        spec = specs[name]
        same = underlying.get(spec.same_as) if spec.same_as else None
        text, plants = render_slot(ctx, spec, same)
        texts[name] = text
        if spec.type == "IP_ADDRESS" and spec.form not in ("eui64", "ipv6"):
            underlying[name] = _underlying_ipv4(text, plants[0].value, spec.form)
        planted += plants
    return _subst(template.text, texts), planted


def _underlying_ipv4(text: str, value: str, form: str) -> str:
    if form == "rdns":
        return ".".join(reversed(value.split(".")))
    if form in ("ec2", "comcast", "dashed", "dsl_padded"):
        return ".".join(str(int(x)) for x in value.split("-"))
    return value


# --- rows --------------------------------------------------------------------------------------


@cache
def _day_offset(day: dt.date, tz: str) -> dt.timedelta:
    """The zone's UTC offset at noon of ``day``, used all day: on a DST switch day the early hours
    carry the later offset, which still writes the right instant."""
    noon = dt.datetime.combine(day, dt.time(12), dt.UTC)
    return noon.astimezone(ZoneInfo(tz)).utcoffset() or dt.timedelta(0)


def _event_time(rng: random.Random, day: dt.date, tz: str) -> str:
    """An instant of ``day`` (UTC) written in the home's zone, whose local date is ``day`` too."""
    offset = _day_offset(day, tz)
    off_s = int(offset.total_seconds())
    lo, hi = max(0, -off_s), min(86400, 86400 - off_s)
    start = dt.datetime.combine(day, dt.time(0), dt.UTC)
    moment = start + dt.timedelta(seconds=rng.randrange(lo, hi), milliseconds=rng.randrange(1000))
    return moment.astimezone(dt.timezone(offset)).isoformat(timespec="milliseconds")


def _event_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def account_row(rng: random.Random, hh: Household, day: dt.date) -> dict[str, Any]:
    created = dt.datetime.combine(day, dt.time(0), dt.UTC) - dt.timedelta(
        days=rng.randint(1, 2500), seconds=rng.randrange(86400)
    )
    return {
        "account_id": hh.account_id,
        "email": hh.email,
        "phone": hh.phone,
        "username": hh.username,
        "display_name": hh.display_name,
        "country_code": hh.locale.country_code,
        "created_at": created.isoformat(timespec="seconds"),
        "is_installer": rng.random() < 0.04,
        "marketing_opt_in": rng.random() < 0.35,
        "birth_year": rng.randint(1940, 2006),
    }


def account_truth(hh: Household) -> list[Planted]:
    return [
        Planted("ACCOUNT_ID", hh.account_id, "pii"),
        Planted("EMAIL_ADDRESS", hh.email, "pii"),
        Planted("PHONE_NUMBER", hh.phone, "pii"),
        Planted("USERNAME", hh.username, "pii"),
        Planted("PERSON", hh.display_name, "pii"),
    ]


_ACCOUNT_FIELDS = {
    "ACCOUNT_ID": "account_id",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "USERNAME": "username",
    "PERSON": "display_name",
}


def device_row(ctx: RowContext, template: LogTemplate) -> tuple[dict[str, Any], list[tuple[str, Planted]]]:
    rng, hh, dev = ctx.rng, ctx.hh, ctx.device
    message, planted = render_template(ctx, template)
    ip = (
        hh.home_ip
        if rng.random() < 0.6
        else (lan_ipv4(rng) if rng.random() < 0.7 else f"{hh.home_ip6_prefix}:{eui64_suffix(dev.mac)}")
    )
    mac = mac_text(rng, dev.mac)
    wifi = (
        [hh.ssid, *rng.sample(hh.neighbour_ssids, k=rng.randint(0, len(hh.neighbour_ssids)))]
        if rng.random() < 0.7
        else []
    )
    located = rng.random() < 0.6
    row: dict[str, Any] = {
        "event_id": _event_id(rng),
        "event_time": _event_time(rng, ctx.day, hh.timezone),
        "account_id": hh.account_id,
        "device_serial": dev.serial,
        "device_model": dev.model.model,
        "firmware": dev.firmware,
        "ip_address": ip,
        "mac_address": mac,
        "wifi_networks": wifi,
        "latitude": round(hh.lat + rng.uniform(-0.0003, 0.0003), 6) if located else None,
        "longitude": round(hh.lon + rng.uniform(-0.0003, 0.0003), 6) if located else None,
        "altitude": hh.alt if located and rng.random() < 0.5 else None,
        "timezone": hh.timezone,
        "country_code": hh.locale.country_code,
        "mcc": hh.locale.mcc if dev.model.cellular else None,
        "mnc": hh.mnc if dev.model.cellular else None,
        "cpu_info": dev.model.cpu_info,
        "memory_mb": dev.model.memory_mb,
        "sd_card_free_mb": rng.randint(0, dev.model.sd_card_mb) if dev.model.sd_card_mb else None,
        "os_version": dev.model.os_version,
        "level": template.level,
        "message": message,
    }
    truth = [
        ("account_id", Planted("ACCOUNT_ID", hh.account_id, "pii")),
        ("device_serial", Planted("DEVICE_SERIAL", dev.serial, "pii")),
        ("mac_address", Planted("MAC_ADDRESS", mac, "pii")),
        ("ip_address", Planted("IP_ADDRESS", ip, "pii")),
        *(("wifi_networks", Planted("WIFI_SSID", s, "pii")) for s in dict.fromkeys(wifi)),
        *(("message", p) for p in planted),
    ]
    return row, truth


def usage_row(ctx: RowContext, action: UsageAction) -> tuple[dict[str, Any], list[tuple[str, Planted]]]:
    rng, hh = ctx.rng, ctx.hh
    platform, app_version = rng.choice(ctx.catalogue.apps)
    mobile = rng.random() < 0.35
    client_ip = (
        (
            public_ipv4(rng)
            if rng.random() < 0.7
            else f"2a0{rng.randint(1, 9)}:{_hex(rng, 4).lstrip('0') or '0'}:{_hex(rng, 3)}::{_hex(rng, 3)}"
        )
        if mobile
        else hh.home_ip
    )
    truth: list[tuple[str, Planted]] = [("account_id", Planted("ACCOUNT_ID", hh.account_id, "pii"))]
    labels: dict[str, str | None] = {}
    for fld, category in (("scene_name", action.scene_name), ("room_name", action.room_name)):
        if category is None:
            labels[fld] = None
            continue
        text, plants = user_label(ctx, category)
        labels[fld] = text
        truth += [(fld, p) for p in plants]
    with_device = rng.random() < 0.8
    row: dict[str, Any] = {
        "event_id": _event_id(rng),
        "event_time": _event_time(rng, ctx.day, hh.timezone),
        "account_id": hh.account_id,
        "device_serial": ctx.device.serial if with_device else None,
        "action": action.action,
        "scene_name": labels["scene_name"],
        "room_name": labels["room_name"],
        "value": rng.choice(action.values),
        "duration_ms": rng.randint(*action.duration_ms) if action.duration_ms else None,
        "client_ip": client_ip,
        "app_version": app_version,
        "platform": platform,
        "country_code": hh.locale.country_code,
    }
    if with_device:
        truth.append(("device_serial", Planted("DEVICE_SERIAL", ctx.device.serial, "pii")))
    truth.append(("client_ip", Planted("IP_ADDRESS", client_ip, "pii")))
    return row, truth


# --- the day -----------------------------------------------------------------------------------


def _weighted(rng: random.Random, items: list[Any], weight: Callable[[Any], float]) -> Any:
    return rng.choices(items, weights=[weight(i) for i in items], k=1)[0]


def _check_present(dataset: str, key: str, row: dict[str, Any], fld: str, p: Planted, template: str) -> None:
    cell = row[fld]
    texts = cell if isinstance(cell, list) else [cell]
    if not any(isinstance(t, str) and occurs(p.value, t) for t in texts):
        # names the place, never the value
        raise ValueError(
            f"{dataset} row {key}: planted {p.entity_type} not found word-bounded in {fld} ({template})"
        )


def build_day(
    landing_root: Path,
    truth_dir: Path,
    day: dt.date,
    *,
    accounts: int = 300,
    device_events: int = 20_000,
    usage_events: int = 10_000,
    seed: int = 11,
) -> dict[str, Any]:
    """Write one day of landing files and its ground truth; return counts (rows per dataset,
    planted values per dataset, kind, entity type, locale and template family)."""
    locales = load_locales()
    families = load_families()
    catalogue = load_catalogue()
    if accounts < len(locales):
        raise ValueError(f"need at least {len(locales)} accounts, one per locale")
    rng = random.Random(seed)
    taken: set[str] = set()
    households = [
        new_household(rng, locales[i % len(locales)], locales, catalogue, taken) for i in range(accounts)
    ]

    stamp = f"dt={day.isoformat()}"
    outputs = {name: landing_root / name / stamp / "part-0000.jsonl" for name in DATASETS}
    for path in outputs.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    truth_path = truth_dir / stamp / "planted.jsonl"
    truth_path.parent.mkdir(parents=True, exist_ok=True)

    counts: dict[str, Counter[str]] = {
        k: Counter() for k in ("rows", "dataset", "kind", "entity_type", "locale", "family")
    }

    def dump(obj: dict[str, Any]) -> str:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"

    with truth_path.open("w", encoding="utf-8", newline="\n") as truth_out:

        def plant(dataset: str, key: str, hh: Household, fld: str, p: Planted, family: str) -> None:
            truth_out.write(
                dump(
                    {
                        "dataset": dataset,
                        "event_id": key,
                        "account_id": hh.account_id,
                        "field": fld,
                        "entity_type": p.entity_type,
                        "value": p.value,
                        "kind": p.kind,
                        "locale": hh.locale.locale,
                    }
                )
            )
            counts["dataset"][dataset] += 1
            counts["kind"][p.kind] += 1
            counts["entity_type"][f"{p.entity_type} ({p.kind})"] += 1
            counts["locale"][hh.locale.locale] += 1
            if fld in ("message", "scene_name", "room_name"):
                counts["family"][family] += 1

        with outputs["accounts"].open("w", encoding="utf-8", newline="\n") as out:
            for hh in households:
                row = account_row(rng, hh, day)
                out.write(dump(row))
                counts["rows"]["accounts"] += 1
                for p in account_truth(hh):
                    plant("accounts", hh.account_id, hh, _ACCOUNT_FIELDS[p.entity_type], p, "accounts")

        with outputs["device_logs"].open("w", encoding="utf-8", newline="\n") as out:
            for i in range(device_events):
                family = families[i % len(families)]  # every family, evenly
                template = _weighted(rng, family.templates, lambda t: t.weight)
                hh = rng.choice(households)
                ctx = RowContext(rng, hh, rng.choice(hh.devices), day, catalogue)
                row, truth = device_row(ctx, template)
                out.write(dump(row))
                counts["rows"]["device_logs"] += 1
                for fld, p in truth:
                    _check_present("device_logs", row["event_id"], row, fld, p, template.id)
                    plant("device_logs", row["event_id"], hh, fld, p, family.family)

        with outputs["usage_history"].open("w", encoding="utf-8", newline="\n") as out:
            for _ in range(usage_events):
                action = _weighted(rng, catalogue.usage_actions, lambda a: a.weight)
                hh = rng.choice(households)
                ctx = RowContext(rng, hh, rng.choice(hh.devices), day, catalogue)
                row, truth = usage_row(ctx, action)
                out.write(dump(row))
                counts["rows"]["usage_history"] += 1
                for fld, p in truth:
                    _check_present("usage_history", row["event_id"], row, fld, p, action.action)
                    plant("usage_history", row["event_id"], hh, fld, p, "usage_labels")

    return {name: dict(sorted(c.items())) for name, c in counts.items()}


def iter_truth(truth_dir: Path, day: dt.date) -> Iterator[dict[str, Any]]:
    with (truth_dir / f"dt={day.isoformat()}" / "planted.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--date", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--device-events", type=int, default=20_000)
    parser.add_argument("--usage-events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = build_day(
        args.landing,
        args.truth,
        args.date,
        accounts=args.accounts,
        device_events=args.device_events,
        usage_events=args.usage_events,
        seed=args.seed,
    )
    json.dump({**counts, "seconds": round(time.perf_counter() - started, 2)}, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Deterministic sample landing data for one day, with the ground truth of what was planted.

``generate_day`` writes the three sample datasets of DATA_CONTRACT.md (device_logs,
usage_history, accounts) as JSON Lines under ``<out>/<dataset>/dt=YYYY-MM-DD/`` and, next
to them, the answer key the pipeline is scored against: every personal-data value planted
in a structured field or inside free text (with the subject it identifies), every
non-personal look-alike that de-identification must leave alone, and every malformed
line injected to exercise quarantine. The subjects (accounts, their households, devices,
phones and networks) depend only on the seed, so the same people appear day after day;
the events depend on the seed and the day. All randomness flows from seeded
``random.Random`` and ``faker.Faker`` instances and gzip headers carry no timestamp, so
the same arguments always give byte-identical files. Speed comes from building each
subject's identifiers once, in every notation the logs use, and filling precompiled
line templates per row.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from itertools import accumulate
from pathlib import Path
from string import Formatter
from typing import Any, Literal, Protocol, TextIO
from zoneinfo import ZoneInfo

import phonenumbers
from faker import Faker

DEVICE_LOGS = "device_logs"
USAGE_HISTORY = "usage_history"
ACCOUNTS = "accounts"
DATASETS = (DEVICE_LOGS, USAGE_HISTORY, ACCOUNTS)
PART_STEM = "part-00000"

# The ingest default (conf: ingest.max_line_bytes); an oversize line must exceed it.
MAX_LINE_BYTES = 65536

MALFORMED_REASONS = (
    "invalid_json",
    "missing_required_field",
    "wrong_type",
    "unknown_field",
    "invalid_utf8",
    "nul_byte",
    "oversize_line",
)
DUPLICATE_REASON = "duplicate_key"
BAD_LINES_PER_ROW = 1 / 1000

Kind = Literal["pii", "lookalike"]
PII_ENTITY_TYPES = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "IP_ADDRESS",
    "MAC_ADDRESS",
    "IMEI",
    "DEVICE_SERIAL",
    "WIFI_SSID",
    "GPS_COORDINATE",
    "USERNAME",
    "PERSON",
    # The structured account_id column: the subject key itself.
    "ACCOUNT_ID",
)
LOOKALIKE_ENTITY_TYPES = (
    "FIRMWARE_VERSION",
    "TIMESTAMP",
    "HEX_CODE",
    "SENSOR_READING",
    "MODEL_NAME",
    "APP_VERSION",
)


# --- summary ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetSummary:
    """What was written for one dataset: ``rows`` valid rows plus ``bad_lines`` bad ones."""

    dataset: str
    path: Path
    rows: int
    bad_lines: int
    planted: int


@dataclass(frozen=True)
class GenerationSummary:
    """The files of one generated day and how much each holds."""

    day: dt.date
    datasets: dict[str, DatasetSummary]
    truth_path: Path
    bad_lines_path: Path

    @property
    def rows(self) -> dict[str, int]:
        return {name: ds.rows for name, ds in self.datasets.items()}

    @property
    def files(self) -> dict[str, Path]:
        return {name: ds.path for name, ds in self.datasets.items()}


# --- countries --------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    name: str
    latitude: float
    longitude: float
    altitude: float
    timezone: str


@dataclass(frozen=True)
class LocaleProfile:
    """Everything country-specific about a subject: names, phones, networks, places."""

    locale: str
    country_code: str
    language: str
    weight: int
    cities: tuple[City, ...]
    mcc: str
    mnc: str
    email_domains: tuple[str, ...]
    ipv4_first_octets: tuple[int, ...]
    ipv6_prefixes: tuple[str, ...]
    isp_domains: tuple[str, ...]
    # ISP router default SSIDs; {hex} and {num} are filled per household.
    default_ssids: tuple[str, ...]


LOCALES: tuple[LocaleProfile, ...] = (
    LocaleProfile(
        locale="de_DE",
        country_code="DE",
        language="de",
        weight=6,
        cities=(
            City("Berlin", 52.5200, 13.4050, 34, "Europe/Berlin"),
            City("München", 48.1374, 11.5755, 519, "Europe/Berlin"),
            City("Hamburg", 53.5511, 9.9937, 6, "Europe/Berlin"),
        ),
        mcc="262",
        mnc="01",
        email_domains=("mail.example.de", "example.de", "posteo.example.net", "web.example.de"),
        ipv4_first_octets=(79, 84, 87, 91, 93),
        ipv6_prefixes=("2003:e5", "2a02:810d", "2a01:c22"),
        isp_domains=("dip0.t-ipconnect.example.de", "dyn.kabel.example.de"),
        default_ssids=("FRITZ!Box 7590 {hex}", "Vodafone-{hex}", "WLAN-{num}", "o2-WLAN{hex}"),
    ),
    LocaleProfile(
        locale="en_US",
        country_code="US",
        language="en",
        weight=5,
        cities=(
            City("San Francisco", 37.7749, -122.4194, 16, "America/Los_Angeles"),
            City("New York", 40.7128, -74.0060, 10, "America/New_York"),
            City("Austin", 30.2672, -97.7431, 149, "America/Chicago"),
        ),
        mcc="310",
        mnc="260",
        email_domains=("example.com", "mail.example.com", "inbox.example.net", "example.org"),
        ipv4_first_octets=(24, 73, 98, 67, 71),
        ipv6_prefixes=("2601:646", "2600:1700", "2603:8000"),
        isp_domains=("res.isp.example.net", "hsd1.ca.comcast.example.net"),
        default_ssids=("NETGEAR{num}", "xfinity-{hex}", "ATT{hex}", "Linksys{num}"),
    ),
    LocaleProfile(
        locale="en_GB",
        country_code="GB",
        language="en",
        weight=3,
        cities=(
            City("London", 51.5074, -0.1278, 11, "Europe/London"),
            City("Manchester", 53.4808, -2.2426, 38, "Europe/London"),
        ),
        mcc="234",
        mnc="15",
        email_domains=("example.co.uk", "mail.example.co.uk", "example.org"),
        ipv4_first_octets=(81, 86, 90, 109),
        ipv6_prefixes=("2a00:23c4", "2a02:c7f"),
        isp_domains=("cable.virgin.example.co.uk", "range86.bt.example.com"),
        default_ssids=("BT-{hex}", "SKY{hex}", "VM{num}"),
    ),
    LocaleProfile(
        locale="fr_FR",
        country_code="FR",
        language="fr",
        weight=4,
        cities=(
            City("Paris", 48.8566, 2.3522, 35, "Europe/Paris"),
            City("Lyon", 45.7640, 4.8357, 173, "Europe/Paris"),
        ),
        mcc="208",
        mnc="01",
        email_domains=("example.fr", "mail.example.fr", "orange.example.fr"),
        ipv4_first_octets=(82, 86, 90, 92),
        ipv6_prefixes=("2a01:cb00", "2a01:e0a"),
        isp_domains=("abo.wanadoo.example.fr", "fbx.proxad.example.net"),
        default_ssids=("Livebox-{hex}", "Freebox-{hex}", "SFR_{hex}"),
    ),
    LocaleProfile(
        locale="es_ES",
        country_code="ES",
        language="es",
        weight=3,
        cities=(
            City("Madrid", 40.4168, -3.7038, 667, "Europe/Madrid"),
            City("Barcelona", 41.3874, 2.1686, 12, "Europe/Madrid"),
        ),
        mcc="214",
        mnc="07",
        email_domains=("example.es", "correo.example.es", "example.com"),
        ipv4_first_octets=(79, 83, 88, 95),
        ipv6_prefixes=("2a0c:5a80", "2a02:9130"),
        isp_domains=("dynamic.isp.example.es", "red-88.static.example.es"),
        default_ssids=("MOVISTAR_{hex}", "MiFibra-{hex}", "vodafone{hex}"),
    ),
    LocaleProfile(
        locale="pl_PL",
        country_code="PL",
        language="pl",
        weight=3,
        cities=(
            City("Warszawa", 52.2297, 21.0122, 100, "Europe/Warsaw"),
            City("Kraków", 50.0647, 19.9450, 219, "Europe/Warsaw"),
        ),
        mcc="260",
        mnc="02",
        email_domains=("example.pl", "poczta.example.pl", "o2.example.pl"),
        ipv4_first_octets=(31, 37, 46, 83),
        ipv6_prefixes=("2a02:a31a", "2a01:110f"),
        isp_domains=("dynamic.chello.example.pl", "neoplus.adsl.example.pl"),
        default_ssids=("UPC{num}", "Orange_Swiatlowod_{hex}", "PLAY_{hex}"),
    ),
    LocaleProfile(
        locale="sv_SE",
        country_code="SE",
        language="sv",
        weight=2,
        cities=(
            City("Stockholm", 59.3293, 18.0686, 28, "Europe/Stockholm"),
            City("Göteborg", 57.7089, 11.9746, 12, "Europe/Stockholm"),
        ),
        mcc="240",
        mnc="01",
        email_domains=("example.se", "mail.example.se", "telia.example.com"),
        ipv4_first_octets=(78, 81, 90, 213),
        ipv6_prefixes=("2001:9b1", "2a02:aa1"),
        isp_domains=("customer.telia.example.com", "bredband.example.se"),
        default_ssids=("Telia-{hex}", "COMHEM_{hex}", "Tele2_{num}"),
    ),
    LocaleProfile(
        locale="da_DK",
        country_code="DK",
        language="da",
        weight=2,
        cities=(
            City("København", 55.6761, 12.5683, 14, "Europe/Copenhagen"),
            City("Aarhus", 56.1629, 10.2039, 62, "Europe/Copenhagen"),
        ),
        mcc="238",
        mnc="01",
        email_domains=("example.dk", "post.example.dk", "mail.example.dk"),
        ipv4_first_octets=(80, 87, 93, 188),
        ipv6_prefixes=("2a05:f6c7", "2001:878"),
        isp_domains=("dynamic.yousee.example.dk", "cust.tele.example.dk"),
        default_ssids=("YouSee-{hex}", "Telia-{hex}", "TDC-{num}"),
    ),
    LocaleProfile(
        locale="tr_TR",
        country_code="TR",
        language="tr",
        weight=3,
        cities=(
            City("İstanbul", 41.0082, 28.9784, 39, "Europe/Istanbul"),
            City("Ankara", 39.9334, 32.8597, 938, "Europe/Istanbul"),
        ),
        mcc="286",
        mnc="01",
        email_domains=("example.com.tr", "posta.example.com.tr", "example.com"),
        ipv4_first_octets=(78, 85, 88, 176),
        ipv6_prefixes=("2a02:e0", "2a00:1d38"),
        isp_domains=("dynamic.ttnet.example.com.tr", "static.turkcell.example.com.tr"),
        default_ssids=("TurkTelekom_{hex}", "SUPERONLINE_{hex}", "TP-Link_{hex}"),
    ),
    LocaleProfile(
        locale="ja_JP",
        country_code="JP",
        language="ja",
        weight=3,
        cities=(
            City("東京", 35.6762, 139.6503, 40, "Asia/Tokyo"),
            City("大阪", 34.6937, 135.5023, 12, "Asia/Tokyo"),
        ),
        mcc="440",
        mnc="10",
        email_domains=("example.jp", "mail.example.ne.jp", "docomo.example.ne.jp"),
        ipv4_first_octets=(60, 118, 126, 153),
        ipv6_prefixes=("2400:4050", "240b:11"),
        isp_domains=("ap.nuro.example.jp", "ocn.example.ne.jp"),
        default_ssids=("aterm-{hex}-g", "Buffalo-G-{hex}", "elecom2g-{hex}"),
    ),
)

# Names that break naive ASCII assumptions; every 25th account gets one so that even a
# small sample holds them.
CURATED_NAMES: tuple[tuple[str, str, str], ...] = (
    ("de_DE", "Zoë", "Müller"),
    ("pl_PL", "Łukasz", "Wójcik"),
    ("da_DK", "Søren", "Østergaard"),
    ("tr_TR", "Çağla", "Öztürk"),
    ("es_ES", "José Ángel", "Núñez"),
    ("fr_FR", "Anaïs", "Lefèvre"),
    ("sv_SE", "Björn", "Åström"),
    ("en_GB", "Siobhán", "O'Brien"),
)
CURATED_EVERY = 25


# --- subjects and devices -----------------------------------------------------------------


@dataclass(frozen=True)
class PhoneForms:
    """One phone number in every notation the data uses."""

    e164: str
    international: str
    national: str
    dashed: str  # RFC 3966 body, as after "tel:"


@dataclass(frozen=True)
class MacForms:
    """One MAC address in every notation the data uses."""

    colon: str  # aa:bb:cc:dd:ee:ff
    colon_upper: str  # AA:BB:CC:DD:EE:FF
    dash: str  # AA-BB-CC-DD-EE-FF
    dot: str  # aabb.ccdd.eeff (Cisco)
    bare: str  # aabbccddeeff


@dataclass(frozen=True)
class Ssid:
    name: str
    owner: str  # account id of the household whose network it is


@dataclass(frozen=True)
class DeviceModel:
    model: str
    category: Literal["hub", "sensor", "camera", "light", "lock"]
    cpu_info: str
    memory_mb: int
    os_version: str
    oui: str  # vendor prefix of the MAC


DEVICE_MODELS: tuple[DeviceModel, ...] = (
    DeviceModel(
        "lumi.gateway.agl001", "hub", "ARMv7 Processor rev 5 (v7l)", 256, "Linux 4.9.118", "54:ef:44"
    ),
    DeviceModel("lumi.gateway.mgl03", "hub", "ARMv7 Processor rev 5 (v7l)", 128, "Linux 4.4.198", "04:cf:8c"),
    DeviceModel("lumi.sensor_ht.agl02", "sensor", "Telink TLSR8258", 1, "Zigbee 3.0 stack", "a4:c1:38"),
    DeviceModel("lumi.motion.agl04", "sensor", "Telink TLSR8258", 1, "Zigbee 3.0 stack", "a4:c1:38"),
    DeviceModel("chuangmi.camera.ipc019", "camera", "Ingenic T31", 128, "Linux 3.10.14", "78:8b:2a"),
    DeviceModel("lumi.camera.gwagl02", "camera", "Ingenic T31X", 128, "Linux 3.10.14", "54:ef:44"),
    DeviceModel("yeelink.light.color4", "light", "ESP32-D0WD", 4, "FreeRTOS V10.4.3", "24:0a:c4"),
    DeviceModel("lumi.lock.acn02", "lock", "nRF52840", 1, "Zephyr 3.2", "f4:b8:5e"),
)
PHONE_OUIS = ("f0:18:98", "8c:f5:a3", "3c:06:30", "a8:9c:ed")
ROUTER_OUIS = ("3c:a6:2f", "c8:0e:14", "50:c7:bf", "e0:28:6d")


@dataclass(frozen=True)
class Device:
    serial: str
    model: DeviceModel
    firmware: str
    mac: MacForms
    mac_field: str  # the notation this device reports in its mac_address field
    ip_address: str | None  # zigbee sensors talk through a hub and have none
    wifi_networks: tuple[Ssid, ...]
    location: tuple[float, float, float] | None  # latitude, longitude, altitude
    cellular: bool  # an LTE camera reports mcc/mnc
    sd_card_mb: int | None


@dataclass
class Subject:
    """An account holder: identity, household, phone, home network and devices."""

    index: int
    account_id: str
    profile: LocaleProfile
    city: City
    first_name: str
    last_name: str
    display_name: str
    host_first: str  # the first name as it survives in a DHCP host name (ASCII)
    household: tuple[str, ...]  # first names of the people living with the subject
    username: str
    email: str
    mobile: PhoneForms
    landline: PhoneForms
    phone_field: str | None
    created_at: str
    is_installer: bool
    marketing_opt_in: bool
    birth_year: int
    home: tuple[float, float]
    public_ip: str
    public_ipv6: str
    mobile_ip: str
    lan_prefix: str
    phone_lan_ip: str
    phone_mac: MacForms
    router_mac: MacForms
    imei: str
    home_ssid: str
    hotspot_ssid: str
    app_version: str
    platform: str
    activity: float
    devices: list[Device] = field(default_factory=list)
    neighbour_ssids: list[Ssid] = field(default_factory=list)

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.city.timezone)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@cache
def _faker(locale: str) -> Faker:
    # Building a Faker costs ~60 ms; reseeding is cheap, so keep one per locale.
    return Faker(locale)


_ASCII_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss", "ı": "i", "đ": "d", "œ": "oe"}
)


def ascii_fold(text: str) -> str:
    """``Łukasz Wójcik`` -> ``Lukasz Wojcik``, as host names and mail local parts spell names."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    return "".join(c for c in decomposed if c.isascii())


def _slug(text: str) -> str:
    return "".join(c for c in ascii_fold(text).lower() if c.isalnum())


def format_mac(octets: bytes) -> MacForms:
    hexes = octets.hex()
    pairs = [hexes[i : i + 2] for i in range(0, 12, 2)]
    return MacForms(
        colon=":".join(pairs),
        colon_upper=":".join(pairs).upper(),
        dash="-".join(pairs).upper(),
        dot=".".join(hexes[i : i + 4] for i in range(0, 12, 4)),
        bare=hexes,
    )


def _random_mac(rng: random.Random, oui: str) -> MacForms:
    return format_mac(bytes.fromhex(oui.replace(":", "")) + rng.randbytes(3))


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass the Luhn check (as IMEIs do)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str(-total % 10)


def _random_imei(rng: random.Random) -> str:
    body = "35" + "".join(str(rng.randrange(10)) for _ in range(12))  # TAC "35...": GSMA-allocated
    return body + luhn_check_digit(body)


def _valid_phone(rng: random.Random, region: str, number_type: int) -> phonenumbers.PhoneNumber:
    """A random number that libphonenumber accepts as valid for the region and type."""
    example = phonenumbers.example_number_for_type(region, number_type)
    if example is None:  # every region in LOCALES has examples; a new one might not
        raise ValueError(f"libphonenumber has no example number of type {number_type} for {region}")
    digits = str(example.national_number)
    keep = max(2, len(digits) - 7)  # keep the operator / area prefix, vary the subscriber part
    for _ in range(100):
        tail = "".join(str(rng.randrange(10)) for _ in range(len(digits) - keep))
        number = phonenumbers.PhoneNumber(
            country_code=example.country_code, national_number=int(digits[:keep] + tail)
        )
        if phonenumbers.is_valid_number(number):
            return number
    return example


def _phone_forms(number: phonenumbers.PhoneNumber) -> PhoneForms:
    fmt = phonenumbers.PhoneNumberFormat
    return PhoneForms(
        e164=phonenumbers.format_number(number, fmt.E164),
        international=phonenumbers.format_number(number, fmt.INTERNATIONAL),
        national=phonenumbers.format_number(number, fmt.NATIONAL),
        dashed=phonenumbers.format_number(number, fmt.RFC3966).removeprefix("tel:"),
    )


def _random_public_ipv4(rng: random.Random, profile: LocaleProfile) -> str:
    first = rng.choice(profile.ipv4_first_octets)
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def _random_ipv6(rng: random.Random, prefix: str) -> str:
    groups = prefix.split(":")
    groups += [f"{rng.randrange(1, 0x10000):x}" for _ in range(8 - len(groups))]
    return ":".join(groups)


@dataclass(frozen=True)
class PersonName:
    """A name as written natively and as it survives in ASCII-only places (mail, host names)."""

    first: str
    last: str
    display: str
    first_ascii: str
    last_ascii: str


def _curated_name(index: int, seed: int) -> tuple[str, str, str] | None:
    if index % CURATED_EVERY:
        return None
    return CURATED_NAMES[(index // CURATED_EVERY + seed) % len(CURATED_NAMES)]


def _person_name(rng: random.Random, locale: str, curated: tuple[str, str, str] | None) -> PersonName:
    if curated is not None:
        _, first, last = curated
        return PersonName(first, last, f"{first} {last}", ascii_fold(first.split()[0]), ascii_fold(last))
    fake = _faker(locale)
    fake.seed_instance(rng.getrandbits(32))
    if locale == "ja_JP":
        # Kanji for display, the romanization for everything typed on a Latin keyboard.
        first, _, first_roman = fake.first_name_pair()
        last, _, last_roman = fake.last_name_pair()
        return PersonName(first, last, f"{last} {first}", first_roman, last_roman)
    first, last = fake.first_name(), fake.last_name()
    return PersonName(
        first, last, f"{first} {last}", ascii_fold(first.split()[0]).replace("'", ""), ascii_fold(last)
    )


def _household(rng: random.Random, profile: LocaleProfile) -> tuple[str, ...]:
    fake = _faker(profile.locale)
    fake.seed_instance(rng.getrandbits(32))
    size = rng.choice((0, 1, 1, 2, 2, 3))
    if profile.locale == "ja_JP":
        return tuple(fake.first_name_pair()[0] for _ in range(size))
    return tuple(fake.first_name() for _ in range(size))


def _username(rng: random.Random, name: PersonName, birth_year: int) -> str:
    f, lst = _slug(name.first_ascii) or "user", _slug(name.last_ascii) or "home"
    forms = (
        f"{f}_{lst[0]}",
        f"{f}.{lst}{birth_year % 100:02d}",
        f"{f[0]}{lst}",
        f"{f}{birth_year}",
        f"{lst}_{f[:3]}",
    )
    return rng.choice(forms)


def _email(rng: random.Random, name: PersonName, profile: LocaleProfile) -> str:
    f, lst = _slug(name.first_ascii) or "user", _slug(name.last_ascii) or "home"
    local = rng.choice(
        (
            f"{f}.{lst}",
            f"{f}.{lst[0]}+{rng.choice(('hub', 'smarthome', 'iot', 'home'))}",
            f"{f[0]}{lst}{rng.randrange(10, 99)}",
            f"{f}_{lst}",
            f"{lst}.{f}+alerts",
        )
    )
    return f"{local}@{rng.choice(profile.email_domains)}"


def _unique(candidate: str, taken: set[str], another: Callable[[], str]) -> str:
    """``candidate``, or the first value of ``another()`` that nobody has taken yet."""
    # Membership only: the set's iteration order (hash-seed dependent) is never used.
    while candidate in taken:
        candidate = another()
    taken.add(candidate)
    return candidate


def _with_number(rng: random.Random, value: str) -> str:
    """``anna_k`` -> ``anna_k42``; for an e-mail the number goes before the @."""
    local, at, domain = value.partition("@")
    return f"{local}{rng.randrange(10, 100)}{at}{domain}"


def _account_id(rng: random.Random) -> str:
    return f"acc-{rng.randrange(10**10):010d}"


def _serial(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016X}"


def _home_ssid(rng: random.Random, name: PersonName, profile: LocaleProfile) -> str:
    if rng.random() < 0.6:  # many people rename the network after themselves
        pattern = rng.choice(
            (
                "FRITZ!Box {last}",
                "{first}'s WiFi",
                "{first}’s Network",
                "{last} Home",
                "WLAN {last}",
                "{last}-Gast",
            )
        )
        return pattern.format(first=name.first.split()[0], last=name.last)
    pattern = rng.choice(profile.default_ssids)
    return pattern.format(hex=f"{rng.getrandbits(16):04X}", num=f"{rng.randrange(10**6):06d}")


def _hotspot_ssid(rng: random.Random, first: str) -> str:
    pattern = rng.choice(
        ("{first}'s iPhone", "{first}’s iPhone", "Galaxy S23 {first}", "{first}s Pixel", "iPhone de {first}")
    )
    return pattern.format(first=first.split()[0])


def build_subject(seed: int, index: int, taken: dict[str, set[str]]) -> Subject:
    """Account ``index`` for ``seed``; independent of the day and of later accounts."""
    rng = random.Random(f"privlake:{seed}:account:{index}")
    curated = _curated_name(index, seed)
    if curated is not None:
        profile = next(p for p in LOCALES if p.locale == curated[0])
    else:
        profile = rng.choices(LOCALES, weights=[p.weight for p in LOCALES])[0]
    city = rng.choice(profile.cities)
    name = _person_name(rng, profile.locale, curated)
    birth_year = rng.randint(2008, 2013) if rng.random() < 0.05 else rng.randint(1940, 2005)
    lan_prefix = rng.choice(("192.168.178", "192.168.1", "192.168.0", "10.0.0", "192.168.2"))
    mobile = _phone_forms(_valid_phone(rng, profile.country_code, phonenumbers.PhoneNumberType.MOBILE))
    created = dt.datetime(2016, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(9 * 365 * 86400))
    ipv6_prefix = rng.choice(profile.ipv6_prefixes)
    username, email = _username(rng, name, birth_year), _email(rng, name, profile)
    return Subject(
        index=index,
        account_id=_unique(_account_id(rng), taken["account_id"], lambda: _account_id(rng)),
        profile=profile,
        city=city,
        first_name=name.first,
        last_name=name.last,
        display_name=name.display,
        host_first=name.first_ascii,
        household=_household(rng, profile),
        username=_unique(username, taken["username"], lambda: _with_number(rng, username)),
        email=_unique(email, taken["email"], lambda: _with_number(rng, email)),
        mobile=mobile,
        landline=_phone_forms(
            _valid_phone(rng, profile.country_code, phonenumbers.PhoneNumberType.FIXED_LINE)
        ),
        # Phone-less sign-ups exist; the rest register in whatever format they typed.
        phone_field=None
        if rng.random() < 0.08
        else rng.choice((mobile.e164, mobile.international, mobile.national)),
        created_at=created.astimezone(_zone(city.timezone)).isoformat(timespec="seconds"),
        is_installer=rng.random() < 0.05,
        marketing_opt_in=rng.random() < 0.4,
        birth_year=birth_year,
        home=(
            round(city.latitude + rng.uniform(-0.08, 0.08), 6),
            round(city.longitude + rng.uniform(-0.08, 0.08), 6),
        ),
        public_ip=_random_public_ipv4(rng, profile),
        public_ipv6=_random_ipv6(rng, ipv6_prefix),
        mobile_ip=_random_public_ipv4(rng, profile),
        lan_prefix=lan_prefix,
        phone_lan_ip=f"{lan_prefix}.{rng.randrange(20, 60)}",
        phone_mac=_random_mac(rng, rng.choice(PHONE_OUIS)),
        router_mac=_random_mac(rng, rng.choice(ROUTER_OUIS)),
        imei=_random_imei(rng),
        home_ssid=_home_ssid(rng, name, profile),
        hotspot_ssid=_hotspot_ssid(rng, name.first),
        app_version=f"{rng.randint(7, 9)}.{rng.randint(0, 15)}.{rng.randint(0, 9)}",
        platform=rng.choice(("android", "ios", "ios", "android", "web")),
        activity=rng.lognormvariate(0, 1),  # a few households are far chattier than most
    )


def _firmware(rng: random.Random) -> str:
    return f"{rng.randint(1, 4)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}_{rng.randint(1, 200):04d}"


def _build_devices(subject: Subject, seed: int, taken_serials: set[str]) -> list[Device]:
    rng = random.Random(f"privlake:{seed}:devices:{subject.index}")
    devices = []
    for host_number in rng.sample(range(60, 250), rng.randint(1, 4)):
        model = rng.choice(DEVICE_MODELS)
        serial = _unique(_serial(rng), taken_serials, lambda: _serial(rng))
        mac = _random_mac(rng, model.oui)
        on_wifi = model.category != "sensor"
        if not on_wifi:
            ip = None
        elif rng.random() < 0.2:
            ip = _random_ipv6(rng, ":".join(subject.public_ipv6.split(":")[:4]))
        else:
            ip = f"{subject.lan_prefix}.{host_number}"
        lat, lon = subject.home
        devices.append(
            Device(
                serial=serial,
                model=model,
                firmware=_firmware(rng),
                mac=mac,
                mac_field=getattr(mac, rng.choice(("colon", "dash", "dot", "bare", "colon_upper"))),
                ip_address=ip,
                wifi_networks=(),  # filled once the neighbours are known
                location=(lat, lon, float(round(subject.city.altitude + rng.uniform(-5, 25), 1)))
                if model.category in ("hub", "camera")
                else None,
                cellular=model.category == "camera" and rng.random() < 0.3,
                sd_card_mb=rng.randrange(200, 30000) if model.category == "camera" else None,
            )
        )
    return devices


def _link_neighbours(subjects: Sequence[Subject], seed: int) -> None:
    """Wi-Fi scans see the home network and a few networks of same-country neighbours."""
    rng = random.Random(f"privlake:{seed}:neighbours:{len(subjects)}")
    by_country: dict[str, list[Subject]] = {}
    for subject in subjects:
        by_country.setdefault(subject.profile.country_code, []).append(subject)
    for subject in subjects:
        others = [s for s in by_country[subject.profile.country_code] if s is not subject]
        chosen = rng.sample(others, min(len(others), rng.randint(0, 3)))
        subject.neighbour_ssids = [Ssid(s.home_ssid, s.account_id) for s in chosen]
        home = Ssid(subject.home_ssid, subject.account_id)
        subject.devices = [
            _with_networks(device, (home, *subject.neighbour_ssids)) if device.ip_address else device
            for device in subject.devices
        ]


def _with_networks(device: Device, networks: tuple[Ssid, ...]) -> Device:
    return replace(device, wifi_networks=networks)


def build_subjects(seed: int, accounts: int) -> list[Subject]:
    """All account holders for a seed, the same on every day."""
    taken: dict[str, set[str]] = {"account_id": set(), "username": set(), "email": set(), "serial": set()}
    subjects = [build_subject(seed, i, taken) for i in range(accounts)]
    for subject in subjects:
        subject.devices = _build_devices(subject, seed, taken["serial"])
    _link_neighbours(subjects, seed)
    return subjects


# --- line templates ---------------------------------------------------------------------


class LineContext:
    """What a template can draw on for one row: its subject, device, a peer and the rng."""

    __slots__ = ("day_text", "device", "peer", "rng", "subject")

    def __init__(
        self, rng: random.Random, subject: Subject, device: Device, peer: Subject, day_text: str
    ) -> None:
        self.rng = rng
        self.subject = subject
        self.device = device
        self.peer = peer
        self.day_text = day_text


Render = Callable[[LineContext], tuple[str, str | None]]  # (text, account id it identifies)


@dataclass(frozen=True)
class Slot:
    """A placeholder in a template; with an entity type, what fills it is ground truth."""

    entity_type: str | None
    kind: Kind | None
    render: Render


def _own(value: Callable[[LineContext], str]) -> Render:
    return lambda c: (value(c), c.subject.account_id)


def _peers(value: Callable[[LineContext], str]) -> Render:
    return lambda c: (value(c), c.peer.account_id)


def _nobody(value: Callable[[LineContext], str]) -> Render:
    return lambda c: (value(c), None)


def _pii(entity_type: str, render: Render) -> Slot:
    return Slot(entity_type, "pii", render)


def _lookalike(entity_type: str, value: Callable[[LineContext], str]) -> Slot:
    return Slot(entity_type, "lookalike", _nobody(value))


def _filler(value: Callable[[LineContext], str]) -> Slot:
    return Slot(None, None, _nobody(value))


def _member_name(c: LineContext) -> str:
    household = c.subject.household
    return household[c.rng.randrange(len(household))] if household else c.subject.first_name


def _neighbour_ssid(c: LineContext) -> tuple[str, str | None]:
    neighbours = c.subject.neighbour_ssids
    if not neighbours:
        return c.peer.home_ssid, c.peer.account_id
    ssid = neighbours[c.rng.randrange(len(neighbours))]
    return ssid.name, ssid.owner


def _device_ip(c: LineContext) -> str:
    return c.device.ip_address or c.subject.phone_lan_ip


def _other_serial(c: LineContext) -> str:
    devices = c.subject.devices
    return devices[c.rng.randrange(len(devices))].serial


def _iso_timestamp(c: LineContext) -> str:
    r = c.rng.randrange(86400)
    return f"{c.day_text}T{r // 3600:02d}:{r // 60 % 60:02d}:{r % 60:02d}Z"


GENERIC_ROOMS = ("living room", "kitchen", "hallway", "garage", "bedroom", "nursery", "garden", "office")

SLOTS: dict[str, Slot] = {
    # personal data of the row's subject
    "username": _pii("USERNAME", _own(lambda c: c.subject.username)),
    "email": _pii("EMAIL_ADDRESS", _own(lambda c: c.subject.email)),
    "first_name": _pii("PERSON", _own(lambda c: c.subject.first_name)),
    "last_name": _pii("PERSON", _own(lambda c: c.subject.last_name)),
    "full_name": _pii("PERSON", _own(lambda c: c.subject.display_name)),
    "member_name": _pii("PERSON", _own(_member_name)),
    "host_first": _pii("PERSON", _own(lambda c: c.subject.host_first)),
    "phone_intl": _pii("PHONE_NUMBER", _own(lambda c: c.subject.mobile.international)),
    "phone_e164": _pii("PHONE_NUMBER", _own(lambda c: c.subject.mobile.e164)),
    "phone_national": _pii("PHONE_NUMBER", _own(lambda c: c.subject.mobile.national)),
    "phone_dashed": _pii("PHONE_NUMBER", _own(lambda c: c.subject.mobile.dashed)),
    "landline_national": _pii("PHONE_NUMBER", _own(lambda c: c.subject.landline.national)),
    "landline_intl": _pii("PHONE_NUMBER", _own(lambda c: c.subject.landline.international)),
    "device_ip": _pii("IP_ADDRESS", _own(_device_ip)),
    "phone_ip": _pii("IP_ADDRESS", _own(lambda c: c.subject.phone_lan_ip)),
    "public_ip": _pii("IP_ADDRESS", _own(lambda c: c.subject.public_ip)),
    "public_ip_dashed": _pii("IP_ADDRESS", _own(lambda c: c.subject.public_ip.replace(".", "-"))),
    "ipv6": _pii("IP_ADDRESS", _own(lambda c: c.subject.public_ipv6)),
    "mac_colon": _pii("MAC_ADDRESS", _own(lambda c: c.device.mac.colon)),
    "mac_dash": _pii("MAC_ADDRESS", _own(lambda c: c.device.mac.dash)),
    "mac_dot": _pii("MAC_ADDRESS", _own(lambda c: c.device.mac.dot)),
    "mac_bare": _pii("MAC_ADDRESS", _own(lambda c: c.device.mac.bare)),
    "phone_mac": _pii("MAC_ADDRESS", _own(lambda c: c.subject.phone_mac.colon)),
    "router_mac": _pii("MAC_ADDRESS", _own(lambda c: c.subject.router_mac.colon)),
    "router_mac_upper": _pii("MAC_ADDRESS", _own(lambda c: c.subject.router_mac.colon_upper)),
    "imei": _pii("IMEI", _own(lambda c: c.subject.imei)),
    "serial": _pii("DEVICE_SERIAL", _own(lambda c: c.device.serial)),
    "other_serial": _pii("DEVICE_SERIAL", _own(_other_serial)),
    "home_ssid": _pii("WIFI_SSID", _own(lambda c: c.subject.home_ssid)),
    "hotspot_ssid": _pii("WIFI_SSID", _own(lambda c: c.subject.hotspot_ssid)),
    "neighbour_ssid": _pii("WIFI_SSID", _neighbour_ssid),
    # Four decimals is ~10 m: a home, not a district.
    "lat4": _pii("GPS_COORDINATE", _own(lambda c: f"{c.subject.home[0]:.4f}")),
    "lon4": _pii("GPS_COORDINATE", _own(lambda c: f"{c.subject.home[1]:.4f}")),
    "lat6": _pii("GPS_COORDINATE", _own(lambda c: f"{c.subject.home[0]:.6f}")),
    "lon6": _pii("GPS_COORDINATE", _own(lambda c: f"{c.subject.home[1]:.6f}")),
    # another account's personal data, as when a device is shared with family elsewhere
    "peer_email": _pii("EMAIL_ADDRESS", _peers(lambda c: c.peer.email)),
    "peer_name": _pii("PERSON", _peers(lambda c: c.peer.display_name)),
    "peer_first": _pii("PERSON", _peers(lambda c: c.peer.first_name)),
    "peer_phone": _pii("PHONE_NUMBER", _peers(lambda c: c.peer.mobile.international)),
    # non-personal values that look like personal data to a careless recognizer
    "firmware": _lookalike("FIRMWARE_VERSION", lambda c: c.device.firmware),
    "new_firmware": _lookalike("FIRMWARE_VERSION", lambda c: _firmware(c.rng)),
    "iso_ts": _lookalike("TIMESTAMP", _iso_timestamp),
    "hex_code": _lookalike("HEX_CODE", lambda c: f"0x{c.rng.getrandbits(16):04X}"),
    "err_code": _lookalike("HEX_CODE", lambda c: f"E0x{c.rng.getrandbits(16):04X}"),
    "temp": _lookalike("SENSOR_READING", lambda c: f"{c.rng.uniform(17, 26):.1f}C"),
    "humidity": _lookalike("SENSOR_READING", lambda c: f"{c.rng.randrange(30, 70)}%"),
    "pressure": _lookalike("SENSOR_READING", lambda c: f"{c.rng.randrange(985, 1035)} hPa"),
    "voltage": _lookalike("SENSOR_READING", lambda c: f"{c.rng.uniform(2.7, 3.2):.2f}V"),
    "model": _lookalike("MODEL_NAME", lambda c: c.device.model.model),
    "app_version": _lookalike("APP_VERSION", lambda c: c.subject.app_version),
    # plain filler: neither personal nor a tricky look-alike
    "port": _filler(lambda c: str(c.rng.randrange(32768, 61000))),
    "pid": _filler(lambda c: str(c.rng.randrange(200, 9000))),
    "ms": _filler(lambda c: str(c.rng.randrange(5, 900))),
    "secs": _filler(lambda c: str(c.rng.choice((5, 10, 30, 60)))),
    "uptime": _filler(lambda c: str(c.rng.randrange(60, 2_000_000))),
    "bytes": _filler(lambda c: str(c.rng.randrange(300_000, 9_000_000))),
    "battery": _filler(lambda c: str(c.rng.randrange(5, 101))),
    "rssi": _filler(lambda c: str(-c.rng.randrange(35, 90))),
    "channel": _filler(lambda c: str(c.rng.choice((1, 6, 11, 36, 44, 100)))),
    "lux": _filler(lambda c: str(c.rng.randrange(0, 900))),
    "room": _filler(lambda c: GENERIC_ROOMS[c.rng.randrange(len(GENERIC_ROOMS))]),
    "mcc": _filler(lambda c: c.subject.profile.mcc),
    "mnc": _filler(lambda c: c.subject.profile.mnc),
    "isp_domain": _filler(lambda c: c.subject.profile.isp_domains[0]),
}


@dataclass(frozen=True)
class LineTemplate:
    """A line shape, ``{slot}`` placeholders compiled once into literal/slot pairs."""

    text: str
    weight: int
    level: str
    parts: tuple[tuple[str, Slot | None], ...]

    @classmethod
    def compile(cls, text: str, weight: int = 1, level: str = "INFO") -> LineTemplate:
        parts = tuple(
            (literal, SLOTS[name] if name else None) for literal, name, _, _ in Formatter().parse(text)
        )
        return cls(text, weight, level, parts)

    @property
    def personal(self) -> bool:
        return any(slot is not None and slot.kind == "pii" for _, slot in self.parts)


Plant = tuple[str, Kind, str, str | None]  # entity type, kind, value, account id


def render_line(template: LineTemplate, ctx: LineContext) -> tuple[str, list[Plant]]:
    """Fill a template; every slot with an entity type becomes a ground-truth plant."""
    pieces: list[str] = []
    plants: list[Plant] = []
    for literal, slot in template.parts:
        pieces.append(literal)
        if slot is None:
            continue
        value, owner = slot.render(ctx)
        pieces.append(value)
        if slot.entity_type is not None and slot.kind is not None:
            plants.append((slot.entity_type, slot.kind, value, owner))
    return "".join(pieces), plants


def _templates(*specs: tuple[int, str, str]) -> tuple[LineTemplate, ...]:
    return tuple(LineTemplate.compile(text, weight, level) for weight, level, text in specs)


# (weight, level, text). Personal lines follow real formats (OpenSSH, dnsmasq, Linux
# wpa_supplicant, Android logcat); the non-personal ones are what most of a device log
# is: heartbeats, sensor readings and housekeeping, which must come out unchanged.
DEVICE_LOG_TEMPLATES = _templates(
    (9, "DEBUG", "heartbeat ok"),
    (8, "DEBUG", "zigbee: temperature {temp} humidity {humidity}"),
    (4, "DEBUG", "zigbee: pressure {pressure} battery {battery}%"),
    (2, "DEBUG", "zigbee: button pressed, voltage {voltage}"),
    (4, "INFO", "ota: firmware {firmware} is up to date"),
    (2, "INFO", "ota: downloading {new_firmware} ({bytes} bytes)"),
    (3, "INFO", "mqtt: connected to broker in {ms} ms"),
    (2, "WARN", "mqtt: keepalive timeout, reconnecting in {secs}s"),
    (2, "ERROR", "hal: i2c read failed, error {err_code}"),
    (2, "WARN", "watchdog: reset reason {hex_code}"),
    (2, "INFO", "sync: cloud state synced at {iso_ts}"),
    (2, "INFO", "boot: {model} fw {firmware} up {uptime}s"),
    (1, "INFO", "I/ActivityManager( {pid}): Start proc {pid}:com.xiaomi.smarthome/u0a{pid} for service"),
    (1, "DEBUG", "br0: port 2(wlan1) entered forwarding state"),
    (1, "INFO", "app: companion app {app_version} registered push token"),
    (1, "INFO", "scheduler: automation 'night mode' finished in {ms} ms"),
    (1, "DEBUG", "light sensor {lux} lx in {room}"),
    # personal data in system log formats
    (5, "INFO", "sshd[{pid}]: Accepted password for {username} from {phone_ip} port {port} ssh2"),
    (1, "WARN", "sshd[{pid}]: Failed password for {username} from {ipv6} port {port} ssh2"),
    (4, "INFO", "dnsmasq-dhcp[{pid}]: DHCPACK(br0) {phone_ip} {phone_mac} {host_first}s-iPhone"),
    (1, "INFO", "dnsmasq-dhcp[{pid}]: DHCPACK(br0) {phone_ip} {phone_mac} Galaxy-S23-{host_first}"),
    (3, "INFO", "dnsmasq-dhcp[{pid}]: DHCPREQUEST(br0) {device_ip} {mac_colon}"),
    (3, "INFO", 'kernel: wlan0: associated with {router_mac} (SSID "{home_ssid}")'),
    (1, "INFO", "kernel: wlan0: authenticate with {router_mac_upper}"),
    (1, "DEBUG", 'wifi: scan found "{neighbour_ssid}" rssi {rssi} dBm ch {channel}'),
    (1, "INFO", 'I/WifiStateMachine( {pid}): CONNECT SSID="{hotspot_ssid}" BSSID={phone_mac}'),
    (1, "DEBUG", "D/TelephonyManager( {pid}): getDeviceId imei={imei}"),
    (1, "INFO", "modem: IMEI {imei} attached, MCC {mcc} MNC {mnc}"),
    (3, "INFO", "auth: user {username} logged in from {public_ip}"),
    (1, "INFO", "auth: login={username} ip={ipv6} result=ok"),
    (1, "INFO", "net: wan {public_ip} rdns host-{public_ip_dashed}.{isp_domain}"),
    (3, "INFO", "cloud: device bound to {email}"),
    (1, "INFO", "share: {serial} shared with {peer_email} by {full_name}"),
    (1, "INFO", "share: {peer_name} accepted invitation from {first_name}"),
    (1, "INFO", "notify: sms alert sent to {phone_intl}"),
    (1, "INFO", "notify: call forwarding to {landline_national}"),
    (1, "WARN", "notify: push failed, fallback sms {phone_e164}"),
    (1, "INFO", "notify: emergency contact tel:{phone_dashed}"),
    (1, "INFO", "notify: family contact {peer_first} {peer_phone}"),
    (1, "INFO", "geofence: home set to lat={lat6} lon={lon6}"),
    (1, "DEBUG", "gps fix ({lat4}, {lon4}) hdop 0.9"),
    (1, "INFO", "pair: new device serial={other_serial} mac={mac_dash}"),
    (1, "INFO", "pair: child {mac_dot} joined via {serial}"),
    (1, "DEBUG", "arp: {device_ip} is-at {mac_bare}"),
    (1, "INFO", "camera: motion in {room}, notified {first_name} and {member_name}"),
    (1, "INFO", "voice: welcome home, {first_name}"),
    (1, "INFO", "backup: uploaded by {full_name} <{email}>"),
    (1, "INFO", "upnp: mapped {device_ip}:{port} -> [{ipv6}]:{port}"),
    (1, "ERROR", "ota: {serial} failed to apply {new_firmware}, error {err_code}"),
    (1, "INFO", "contact: landline {landline_intl} set for {last_name} household"),
)

# Room and scene names users type in the app: mostly plain, often someone's name.
ROOM_TEMPLATES: dict[str, tuple[LineTemplate, ...]] = {
    "en": _templates(
        (3, "", "Living room"),
        (2, "", "Kitchen"),
        (2, "", "Bedroom"),
        (1, "", "Hallway"),
        (1, "", "Garage"),
        (2, "", "{first_name}'s bedroom"),
        (2, "", "{member_name}'s room"),
        (1, "", "{first_name}’s office"),
    ),
    "de": _templates(
        (3, "", "Wohnzimmer"),
        (2, "", "Küche"),
        (2, "", "Schlafzimmer"),
        (1, "", "Flur"),
        (2, "", "Kinderzimmer {member_name}"),
        (1, "", "Büro {first_name}"),
        (1, "", "{member_name}s Zimmer"),
    ),
    "fr": _templates(
        (3, "", "Salon"),
        (2, "", "Cuisine"),
        (2, "", "Chambre"),
        (1, "", "Entrée"),
        (2, "", "Chambre de {member_name}"),
        (1, "", "Bureau de {first_name}"),
    ),
    "es": _templates(
        (3, "", "Salón"),
        (2, "", "Cocina"),
        (2, "", "Dormitorio"),
        (1, "", "Pasillo"),
        (2, "", "Habitación de {member_name}"),
        (1, "", "Despacho {first_name}"),
    ),
    "pl": _templates(
        (3, "", "Salon"),
        (2, "", "Kuchnia"),
        (2, "", "Sypialnia"),
        (1, "", "Przedpokój"),
        (2, "", "Pokój {member_name}"),
        (1, "", "Gabinet {first_name}"),
    ),
    "sv": _templates(
        (3, "", "Vardagsrum"),
        (2, "", "Kök"),
        (2, "", "Sovrum"),
        (1, "", "Hall"),
        (2, "", "{member_name}s rum"),
        (1, "", "Kontor {first_name}"),
    ),
    "da": _templates(
        (3, "", "Stue"),
        (2, "", "Køkken"),
        (2, "", "Soveværelse"),
        (1, "", "Gang"),
        (2, "", "{member_name}s værelse"),
        (1, "", "Kontor {first_name}"),
    ),
    "tr": _templates(
        (3, "", "Oturma odası"),
        (2, "", "Mutfak"),
        (2, "", "Yatak odası"),
        (1, "", "Koridor"),
        (2, "", "{member_name} odası"),
        (1, "", "Çalışma odası {first_name}"),
    ),
    "ja": _templates(
        (3, "", "リビング"),
        (2, "", "キッチン"),
        (2, "", "寝室"),
        (1, "", "玄関"),
        (2, "", "{member_name}の部屋"),
        (1, "", "{first_name}の書斎"),
    ),
}

SCENE_TEMPLATES = _templates(
    (4, "", "Good night"),
    (3, "", "Movie time"),
    (3, "", "Away mode"),
    (2, "", "All lights off"),
    (2, "", "Wake up"),
    (2, "", "Heat to {temp}"),
    (1, "", "Eco below {temp}"),
    (1, "", "Sync at {iso_ts}"),
    (2, "", "{first_name}'s bedtime"),
    (2, "", "Welcome home {first_name}"),
    (1, "", "{member_name} school morning"),
    (1, "", "Notify {peer_first} when door opens"),
    (1, "", "Call {member_name} {phone_intl}"),
    (1, "", "Alert {email} on leak"),
    (1, "", "Night light for {member_name}"),
    (1, "", "Text {phone_national} if smoke"),
)

USAGE_ACTIONS: tuple[tuple[str, int], ...] = (
    ("switch_on", 6),
    ("switch_off", 6),
    ("scene_run", 4),
    ("automation_trigger", 4),
    ("camera_view", 3),
    ("set_temperature", 2),
    ("lock_door", 1),
    ("unlock_door", 1),
    ("app_login", 1),
)
SCENE_ACTIONS = ("scene_run", "automation_trigger")


# --- ground truth and landing files ----------------------------------------------------


@lru_cache(maxsize=1 << 16)
def _json_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def truth_tail(account_id: str | None, column: str, entity_type: str, value: str, kind: Kind) -> str:
    """The part of a truth record after its dataset and row key (precomputable per subject)."""
    owner = "null" if account_id is None else _json_text(account_id)
    return (
        f',"account_id":{owner},"field":"{column}","entity_type":"{entity_type}",'
        f'"value":{_json_text(value)},"kind":"{kind}"}}\n'
    )


def truth_head(dataset: str, row_key: str) -> str:
    return f'{{"dataset":"{dataset}","event_id":{json.dumps(row_key)}'  # unique: not worth caching


class ByteSink(Protocol):
    """A binary file or a ``GzipFile``: anything landing lines can be written to."""

    def write(self, data: bytes, /) -> int: ...


class LandingWriter:
    """One landing file written line by line, counting 1-based line numbers."""

    def __init__(self, stream: ByteSink) -> None:
        self._stream = stream
        self._pending: list[bytes] = []
        self.lines = 0

    def write(self, line: bytes) -> int:
        self._pending.append(line)
        self.lines += 1
        if len(self._pending) >= 2048:  # fewer, larger writes: gzip is much faster that way
            self.flush()
        return self.lines

    def flush(self) -> None:
        self._stream.write(b"\n".join(self._pending) + b"\n" if self._pending else b"")
        self._pending.clear()


@contextmanager
def open_landing(path: Path) -> Iterator[LandingWriter]:
    """A landing file; ``.gz`` is gzip without name or mtime in the header (deterministic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw:
        if path.suffix == ".gz":
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
                writer = LandingWriter(gz)
                yield writer
                writer.flush()
        else:
            writer = LandingWriter(raw)
            yield writer
            writer.flush()


def encode_row(row: Mapping[str, object]) -> bytes:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class BadLinePlan:
    """Where malformed lines go: before which valid row, and which valid row is repeated."""

    before_row: dict[int, list[str]]
    duplicate_source: int | None
    duplicate_before: int | None


def plan_bad_lines(rng: random.Random, rows: int, enabled: bool) -> BadLinePlan:
    """About one malformed line per 1000 rows, every reason at least once, spread through the file."""
    if not enabled:
        return BadLinePlan({}, None, None)
    count = max(len(MALFORMED_REASONS), round(rows * BAD_LINES_PER_ROW))
    before_row: dict[int, list[str]] = {}
    for i in range(count):
        before_row.setdefault(rng.randrange(rows + 1), []).append(
            MALFORMED_REASONS[i % len(MALFORMED_REASONS)]
        )
    if rows == 0:
        return BadLinePlan(before_row, None, None)
    source = rng.randrange(max(1, rows // 2))
    return BadLinePlan(before_row, source, rng.randrange(source + 1, rows + 1))


class BadLineRecorder:
    """Appends to ``bad_lines.jsonl``: which line of which landing file is bad, and why."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def record(self, dataset: str, file: str, line_number: int, reason: str) -> None:
        entry = {"dataset": dataset, "file": file, "line_number": line_number, "reason": reason}
        self._out.write(json.dumps(entry, separators=(",", ":")) + "\n")


def phantom_row(
    dataset: str, rng: random.Random, day: dt.date, subjects: Sequence[Subject]
) -> dict[str, object]:
    """A minimal valid row of nobody: malformed lines are built from it so they carry no truth value."""
    account_id = _unique(_account_id(rng), {s.account_id for s in subjects}, lambda: _account_id(rng))
    stamp = dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(seconds=rng.randrange(86400))
    event = {
        "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "event_time": stamp.isoformat(timespec="milliseconds"),
    }
    if dataset == DEVICE_LOGS:
        # Letters only: a run of digits could spell someone's IMEI or phone number.
        serial = "".join(rng.choice("ABCDEF") for _ in range(16))
        return {
            **event,
            "account_id": account_id,
            "device_serial": serial,
            "memory_mb": 128,
            "level": "DEBUG",
            "message": "heartbeat ok",
        }
    if dataset == USAGE_HISTORY:
        return {**event, "account_id": account_id, "action": "switch_on", "duration_ms": 120, "value": "on"}
    return {
        "account_id": account_id,
        "country_code": "DE",
        "is_installer": False,
        "marketing_opt_in": False,
        "birth_year": 1980,
    }


# Per dataset: the field a wrong type or an oversize blob goes into, and an undeclared field.
WRONG_TYPE_FIELD = {
    DEVICE_LOGS: ("memory_mb", "128MB"),
    USAGE_HISTORY: ("duration_ms", "120ms"),
    ACCOUNTS: ("birth_year", "1980"),
}
OVERSIZE_FIELD = {DEVICE_LOGS: "message", USAGE_HISTORY: "value", ACCOUNTS: "country_code"}
UNKNOWN_FIELD = {
    DEVICE_LOGS: ("firmware_channel", "beta"),
    USAGE_HISTORY: ("session_hint", "tablet"),
    ACCOUNTS: ("legacy_tier", "gold"),
}
TEXT_FIELD = {DEVICE_LOGS: "message", USAGE_HISTORY: "action", ACCOUNTS: "country_code"}
REQUIRED_TO_DROP = {DEVICE_LOGS: "account_id", USAGE_HISTORY: "event_time", ACCOUNTS: "account_id"}


def malformed_line(dataset: str, reason: str, row: dict[str, object]) -> bytes:
    """One line with exactly one defect, so it earns ``reason`` whatever order checks run in."""
    text_field = TEXT_FIELD[dataset]
    marker = "\u241f"  # stands in for the raw bytes spliced in after encoding
    if reason == "invalid_json":
        encoded = encode_row(row)
        return encoded[: len(encoded) * 2 // 3]  # a line cut off mid-write
    if reason == "missing_required_field":
        return encode_row({k: v for k, v in row.items() if k != REQUIRED_TO_DROP[dataset]})
    if reason == "wrong_type":
        name, value = WRONG_TYPE_FIELD[dataset]
        return encode_row({**row, name: value})
    if reason == "unknown_field":
        name, value = UNKNOWN_FIELD[dataset]
        return encode_row({**row, name: value})
    if reason == "invalid_utf8":
        # Latin-1 bytes in a UTF-8 file, the classic mis-encoded export.
        return encode_row({**row, text_field: f"{row[text_field]}{marker}"}).replace(
            marker.encode(), b" \xe9\xff"
        )
    if reason == "nul_byte":
        return encode_row({**row, text_field: f"{row[text_field]}{marker}"}).replace(marker.encode(), b"\x00")
    if reason == "oversize_line":
        blob = "trace " * ((MAX_LINE_BYTES + 4096) // 6)
        return encode_row({**row, OVERSIZE_FIELD[dataset]: blob})
    raise ValueError(f"unknown bad-line reason {reason!r}; expected one of {MALFORMED_REASONS}")


# --- datasets ----------------------------------------------------------------------------


@dataclass
class DayContext:
    """Shared state while one day is written."""

    day: dt.date
    seed: int
    out: Path
    subjects: list[Subject]
    truth: TextIO
    bad: BadLineRecorder
    bad_lines: bool

    def rng(self, dataset: str) -> random.Random:
        return random.Random(f"privlake:{self.seed}:{self.day.isoformat()}:{dataset}")

    def landing_path(self, dataset: str, suffix: str) -> Path:
        return self.out / dataset / f"dt={self.day.isoformat()}" / f"{PART_STEM}{suffix}"


def _event_instants(rng: random.Random, day: dt.date, count: int) -> list[float]:
    """Sorted epoch seconds (millisecond precision) inside ``day`` in UTC."""
    start = dt.datetime.combine(day, dt.time(), dt.UTC).timestamp()
    return [start + ms / 1000 for ms in sorted(rng.randrange(86_400_000) for _ in range(count))]


def _local_iso(instant: float, zone: ZoneInfo) -> str:
    return dt.datetime.fromtimestamp(instant, zone).isoformat(timespec="milliseconds")


def _event_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _pick_peer(rng: random.Random, subjects: Sequence[Subject], subject: Subject) -> Subject:
    peer = subjects[rng.randrange(len(subjects))]
    if peer is subject and len(subjects) > 1:
        peer = subjects[(subject.index + 1) % len(subjects)]
    return peer


def device_truth_tails(subject: Subject, device: Device) -> tuple[str, ...]:
    """Truth for the structured identifiers of every row this device writes."""
    owner = subject.account_id
    tails = [
        truth_tail(owner, "account_id", "ACCOUNT_ID", owner, "pii"),
        truth_tail(owner, "device_serial", "DEVICE_SERIAL", device.serial, "pii"),
        truth_tail(owner, "mac_address", "MAC_ADDRESS", device.mac_field, "pii"),
    ]
    if device.ip_address:
        tails.append(truth_tail(owner, "ip_address", "IP_ADDRESS", device.ip_address, "pii"))
    tails += [
        truth_tail(ssid.owner, "wifi_networks", "WIFI_SSID", ssid.name, "pii")
        for ssid in device.wifi_networks
    ]
    tails.append(truth_tail(None, "firmware", "FIRMWARE_VERSION", device.firmware, "lookalike"))
    return tuple(tails)


def device_log_row(
    ctx: LineContext, event_id: str, event_time: str, level: str, message: str
) -> dict[str, object]:
    subject, device = ctx.subject, ctx.device
    location = device.location
    return {
        "event_id": event_id,
        "event_time": event_time,
        "account_id": subject.account_id,
        "device_serial": device.serial,
        "device_model": device.model.model,
        "firmware": device.firmware,
        "ip_address": device.ip_address,
        "mac_address": device.mac_field,
        "wifi_networks": [ssid.name for ssid in device.wifi_networks],
        "latitude": location[0] if location else None,
        "longitude": location[1] if location else None,
        "altitude": location[2] if location else None,
        "timezone": subject.city.timezone,
        "country_code": subject.profile.country_code,
        "mcc": subject.profile.mcc if device.cellular else None,
        "mnc": subject.profile.mnc if device.cellular else None,
        "cpu_info": device.model.cpu_info,
        "memory_mb": device.model.memory_mb,
        "sd_card_free_mb": device.sd_card_mb,
        "os_version": device.model.os_version,
        "level": level,
        "message": message,
    }


@dataclass(frozen=True)
class DatasetWriter:
    """Writes one dataset's landing file, its bad lines and its truth records."""

    day_ctx: DayContext
    dataset: str
    suffix: str
    rows: int

    def write(self, rows: Iterator[tuple[bytes, str]]) -> DatasetSummary:
        """``rows`` yields (encoded row, truth records for it); bad lines are interleaved here."""
        ctx = self.day_ctx
        rng = random.Random(f"privlake:{ctx.seed}:{ctx.day.isoformat()}:{self.dataset}:bad")
        plan = plan_bad_lines(rng, self.rows, ctx.bad_lines)
        path = ctx.landing_path(self.dataset, self.suffix)
        relative = path.relative_to(ctx.out).as_posix()
        bad = planted = 0
        duplicate: bytes | None = None
        with open_landing(path) as landing:
            for index in range(self.rows + 1):
                for reason in plan.before_row.get(index, ()):
                    line = malformed_line(
                        self.dataset, reason, phantom_row(self.dataset, rng, ctx.day, ctx.subjects)
                    )
                    ctx.bad.record(self.dataset, relative, landing.write(line), reason)
                    bad += 1
                if index == plan.duplicate_before and duplicate is not None:
                    ctx.bad.record(self.dataset, relative, landing.write(duplicate), DUPLICATE_REASON)
                    bad += 1
                if index == self.rows:  # the last pass only places bad lines after the last row
                    break
                encoded, truth = next(rows)
                landing.write(encoded)
                ctx.truth.write(truth)
                planted += truth.count("\n")
                if index == plan.duplicate_source:
                    duplicate = encoded
        return DatasetSummary(self.dataset, path, self.rows, bad, planted)


def _free_text_truth(head: str, column: str, plants: list[Plant]) -> str:
    return "".join(
        head + truth_tail(owner, column, entity, value, kind) for entity, kind, value, owner in plants
    )


def device_log_rows(ctx: DayContext, count: int) -> Iterator[tuple[bytes, str]]:
    rng = ctx.rng(DEVICE_LOGS)
    subjects = ctx.subjects
    chosen = rng.choices(subjects, weights=[s.activity for s in subjects], k=count)
    templates = rng.choices(DEVICE_LOG_TEMPLATES, weights=[t.weight for t in DEVICE_LOG_TEMPLATES], k=count)
    instants = _event_instants(rng, ctx.day, count)
    tails: dict[str, tuple[str, ...]] = {}  # per device serial
    day_text = ctx.day.isoformat()
    for subject, template, instant in zip(chosen, templates, instants, strict=True):
        device = subject.devices[rng.randrange(len(subject.devices))]
        line = LineContext(rng, subject, device, _pick_peer(rng, subjects, subject), day_text)
        event_id = _event_id(rng)
        message, plants = render_line(template, line)
        row = device_log_row(line, event_id, _local_iso(instant, subject.zone), template.level, message)
        if device.serial not in tails:
            tails[device.serial] = device_truth_tails(subject, device)
        head = truth_head(DEVICE_LOGS, event_id)
        structured = "".join(head + tail for tail in tails[device.serial])
        yield encode_row(row), structured + _free_text_truth(head, "message", plants)


def _usage_value(rng: random.Random, action: str) -> str:
    if action == "set_temperature":
        return f"{rng.randrange(170, 250) / 10:.1f}"
    return {
        "switch_on": "on",
        "switch_off": "off",
        "lock_door": "locked",
        "unlock_door": "unlocked",
        "camera_view": "live",
        "app_login": "ok",
    }.get(action, "ok")


def usage_history_rows(ctx: DayContext, count: int) -> Iterator[tuple[bytes, str]]:
    rng = ctx.rng(USAGE_HISTORY)
    subjects = ctx.subjects
    chosen = rng.choices(subjects, weights=[s.activity for s in subjects], k=count)
    actions = rng.choices([a for a, _ in USAGE_ACTIONS], weights=[w for _, w in USAGE_ACTIONS], k=count)
    instants = _event_instants(rng, ctx.day, count)
    scene_weights = list(accumulate(t.weight for t in SCENE_TEMPLATES))
    day_text = ctx.day.isoformat()
    for subject, action, instant in zip(chosen, actions, instants, strict=True):
        device = subject.devices[rng.randrange(len(subject.devices))]
        line = LineContext(rng, subject, device, _pick_peer(rng, subjects, subject), day_text)
        event_id = _event_id(rng)
        head = truth_head(USAGE_HISTORY, event_id)
        owner = subject.account_id
        client_ip = rng.choice((subject.public_ip, subject.public_ipv6, subject.mobile_ip))
        serial = None if action == "app_login" else device.serial
        truth = [head + truth_tail(owner, "account_id", "ACCOUNT_ID", owner, "pii")]
        if serial:
            truth.append(head + truth_tail(owner, "device_serial", "DEVICE_SERIAL", serial, "pii"))
        truth.append(head + truth_tail(owner, "client_ip", "IP_ADDRESS", client_ip, "pii"))
        truth.append(head + truth_tail(None, "app_version", "APP_VERSION", subject.app_version, "lookalike"))
        scene_name = None
        if action in SCENE_ACTIONS:
            scene_name, plants = render_line(rng.choices(SCENE_TEMPLATES, cum_weights=scene_weights)[0], line)
            truth.append(_free_text_truth(head, "scene_name", plants))
        room_name = None
        if action != "app_login":
            rooms = ROOM_TEMPLATES.get(subject.profile.language, ROOM_TEMPLATES["en"])
            room_name, plants = render_line(rooms[rng.randrange(len(rooms))], line)
            truth.append(_free_text_truth(head, "room_name", plants))
        row = {
            "event_id": event_id,
            "event_time": _local_iso(instant, subject.zone),
            "account_id": owner,
            "device_serial": serial,
            "action": action,
            "scene_name": scene_name,
            "room_name": room_name,
            "value": _usage_value(rng, action),
            "duration_ms": rng.randrange(40, 3000)
            if action != "camera_view"
            else rng.randrange(5_000, 600_000),
            "client_ip": client_ip,
            "app_version": subject.app_version,
            "platform": subject.platform,
            "country_code": subject.profile.country_code,
        }
        yield encode_row(row), "".join(truth)


def account_rows(ctx: DayContext) -> Iterator[tuple[bytes, str]]:
    for subject in ctx.subjects:
        owner = subject.account_id
        head = truth_head(ACCOUNTS, owner)  # a snapshot's row key is the account id
        identifiers = [
            ("account_id", "ACCOUNT_ID", owner),
            ("email", "EMAIL_ADDRESS", subject.email),
            ("phone", "PHONE_NUMBER", subject.phone_field),
            ("username", "USERNAME", subject.username),
            ("display_name", "PERSON", subject.display_name),
        ]
        truth = "".join(
            head + truth_tail(owner, column, entity, value, "pii")
            for column, entity, value in identifiers
            if value is not None
        )
        row = {
            "account_id": owner,
            "email": subject.email,
            "phone": subject.phone_field,
            "username": subject.username,
            "display_name": subject.display_name,
            "country_code": subject.profile.country_code,
            "created_at": subject.created_at,
            "is_installer": subject.is_installer,
            "marketing_opt_in": subject.marketing_opt_in,
            "birth_year": subject.birth_year,
        }
        yield encode_row(row), truth


# --- entry points -------------------------------------------------------------------------


def generate_day(
    out: Path,
    day: dt.date,
    accounts: int = 200,
    rows: int = 5000,
    seed: int = 7,
    truth_dir: Path | None = None,
    bad_lines: bool = True,
) -> GenerationSummary:
    """Write one day of landing data under ``out`` and its ground truth under ``truth_dir``.

    ``rows`` is the number of valid device_logs rows; usage_history gets half as many and
    accounts one row per account. Malformed lines (and one duplicate per dataset) come on
    top and are listed in ``bad_lines.jsonl``; ``planted.jsonl`` lists every planted value.
    """
    if accounts < 1:
        raise ValueError(f"accounts must be at least 1, got {accounts}")
    if rows < 0:
        raise ValueError(f"rows must not be negative, got {rows}")
    out = Path(out)
    truth_root = Path(truth_dir) if truth_dir is not None else out.parent / "ground_truth"
    truth_day = truth_root / f"dt={day.isoformat()}"
    truth_day.mkdir(parents=True, exist_ok=True)
    truth_path, bad_path = truth_day / "planted.jsonl", truth_day / "bad_lines.jsonl"
    subjects = build_subjects(seed, accounts)
    with (
        truth_path.open("w", encoding="utf-8", newline="") as truth,
        bad_path.open("w", encoding="utf-8", newline="") as bad,
    ):
        ctx = DayContext(day, seed, out, subjects, truth, BadLineRecorder(bad), bad_lines)
        usage_count = rows // 2
        summaries = [
            DatasetWriter(ctx, ACCOUNTS, ".jsonl", len(subjects)).write(account_rows(ctx)),
            DatasetWriter(ctx, DEVICE_LOGS, ".jsonl.gz", rows).write(device_log_rows(ctx, rows)),
            DatasetWriter(ctx, USAGE_HISTORY, ".jsonl.gz", usage_count).write(
                usage_history_rows(ctx, usage_count)
            ),
        ]
    return GenerationSummary(day, {s.dataset: s for s in summaries}, truth_path, bad_path)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_truth(truth_dir: Path, day: dt.date) -> list[dict[str, Any]]:
    """The planted values of one day: dataset, event_id, account_id, field, entity_type, value, kind."""
    path = Path(truth_dir) / f"dt={day.isoformat()}" / "planted.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"no ground truth for {day} at {path}; run generate_day for that day first")
    return _read_jsonl(path)


def load_bad_lines(truth_dir: Path, day: dt.date) -> list[dict[str, Any]]:
    """The malformed and duplicate lines of one day: dataset, file, line_number, reason."""
    path = Path(truth_dir) / f"dt={day.isoformat()}" / "bad_lines.jsonl"
    if not path.exists():
        raise FileNotFoundError(
            f"no bad-line record for {day} at {path}; run generate_day for that day first"
        )
    return _read_jsonl(path)

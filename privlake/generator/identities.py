"""The account holders of a seed: identity, household, phones, home network and devices.

Built from the profiles of ``data/`` (see ``profiles``), Faker's names and libphonenumber's
numbering plans. They depend only on the seed, so the same people appear day after day.
Each subject's identifiers are built once, in every notation the logs use.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from zoneinfo import ZoneInfo

import phonenumbers
from faker import Faker

from privlake.generator.formats import MacForms, ascii_fold, format_mac, luhn_check_digit
from privlake.generator.profiles import (
    City,
    CuratedName,
    DeviceModel,
    LocaleProfile,
    load_curated_names,
    load_devices,
    load_locales,
)

# Every 25th account gets a curated name, so that even a small sample holds them.
CURATED_EVERY = 25


@dataclass(frozen=True)
class PhoneForms:
    """One phone number in every notation the data uses."""

    e164: str
    international: str
    national: str
    dashed: str  # RFC 3966 body, as after "tel:"


@dataclass(frozen=True)
class Ssid:
    name: str
    owner: str  # account id of the household whose network it is


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
        return zone(self.city.timezone)


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@cache
def _faker(locale: str) -> Faker:
    # Building a Faker costs ~60 ms; reseeding is cheap, so keep one per locale.
    return Faker(locale)


def _slug(text: str) -> str:
    return "".join(c for c in ascii_fold(text).lower() if c.isalnum())


def _random_mac(rng: random.Random, oui: str) -> MacForms:
    return format_mac(bytes.fromhex(oui.replace(":", "")) + rng.randbytes(3))


def _random_imei(rng: random.Random) -> str:
    body = "35" + "".join(str(rng.randrange(10)) for _ in range(12))  # TAC "35...": GSMA-allocated
    return body + luhn_check_digit(body)


def _valid_phone(rng: random.Random, region: str, number_type: int) -> phonenumbers.PhoneNumber:
    """A random number that libphonenumber accepts as valid for the region and type."""
    example = phonenumbers.example_number_for_type(region, number_type)
    if example is None:  # profiles.py checks every profile's region on load
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


def _curated_name(index: int, seed: int) -> CuratedName | None:
    if index % CURATED_EVERY:
        return None
    curated = load_curated_names()
    return curated[(index // CURATED_EVERY + seed) % len(curated)]


def _person_name(rng: random.Random, locale: str, curated: CuratedName | None) -> PersonName:
    if curated is not None:
        first, last = curated.first, curated.last
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


def unique(candidate: str, taken: set[str], another: Callable[[], str]) -> str:
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


def new_account_id(rng: random.Random) -> str:
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
    locales, devices = load_locales(), load_devices()
    curated = _curated_name(index, seed)
    if curated is not None:
        profile = next(p for p in locales if p.locale == curated.locale)
    else:
        profile = rng.choices(locales, weights=[p.weight for p in locales])[0]
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
        account_id=unique(new_account_id(rng), taken["account_id"], lambda: new_account_id(rng)),
        profile=profile,
        city=city,
        first_name=name.first,
        last_name=name.last,
        display_name=name.display,
        host_first=name.first_ascii,
        household=_household(rng, profile),
        username=unique(username, taken["username"], lambda: _with_number(rng, username)),
        email=unique(email, taken["email"], lambda: _with_number(rng, email)),
        mobile=mobile,
        landline=_phone_forms(
            _valid_phone(rng, profile.country_code, phonenumbers.PhoneNumberType.FIXED_LINE)
        ),
        # Phone-less sign-ups exist; the rest register in whatever format they typed.
        phone_field=None
        if rng.random() < 0.08
        else rng.choice((mobile.e164, mobile.international, mobile.national)),
        created_at=created.astimezone(zone(city.timezone)).isoformat(timespec="seconds"),
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
        phone_mac=_random_mac(rng, rng.choice(devices.phone_ouis)),
        router_mac=_random_mac(rng, rng.choice(devices.router_ouis)),
        imei=_random_imei(rng),
        home_ssid=_home_ssid(rng, name, profile),
        hotspot_ssid=_hotspot_ssid(rng, name.first),
        app_version=f"{rng.randint(7, 9)}.{rng.randint(0, 15)}.{rng.randint(0, 9)}",
        platform=rng.choice(("android", "ios", "ios", "android", "web")),
        activity=rng.lognormvariate(0, 1),  # a few households are far chattier than most
    )


def random_firmware(rng: random.Random) -> str:
    return f"{rng.randint(1, 4)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}_{rng.randint(1, 200):04d}"


def _build_devices(subject: Subject, seed: int, taken_serials: set[str]) -> list[Device]:
    rng = random.Random(f"privlake:{seed}:devices:{subject.index}")
    catalogue = load_devices().models
    devices = []
    for host_number in rng.sample(range(60, 250), rng.randint(1, 4)):
        model = rng.choice(catalogue)
        serial = unique(_serial(rng), taken_serials, lambda: _serial(rng))
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
                firmware=random_firmware(rng),
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

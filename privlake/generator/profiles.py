"""The generator's data, read from the YAML files in ``data/`` and validated on load.

``locales.yaml`` holds one profile per country (names come from Faker's locale, phones
from libphonenumber, the rest from the profile: towns, mobile network codes, mail
domains, address blocks, ISP and router defaults); ``curated_names.yaml`` the names
that break naive ASCII assumptions; ``devices.yaml`` the device catalogue and the vendor
prefixes of phones and routers; ``lines.yaml`` the log-line, room and scene templates and
the app's actions. Adding a country is a new entry in ``locales.yaml``, no code.

Order is data too: accounts draw a profile by weight over the list in file order and
templates by weight over theirs, so reordering entries changes every generated day.
A file that is missing, not YAML, or not valid raises ``ProfileError`` naming the file
and the field (never the value found there).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
import yaml
from faker.config import AVAILABLE_LOCALES
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from privlake.errors import BadInputError

DATA = Path(__file__).with_name("data")
LOCALES_FILE = DATA / "locales.yaml"
CURATED_NAMES_FILE = DATA / "curated_names.yaml"
DEVICES_FILE = DATA / "devices.yaml"
LINES_FILE = DATA / "lines.yaml"

_SSID_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class ProfileError(BadInputError):
    """A generator data file is missing, unreadable or invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class City(_Strict):
    name: str = Field(min_length=1)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    altitude: float  # metres; hubs and cameras report it
    timezone: str

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA time zone") from None
        return name


Digits = Annotated[str, StringConstraints(pattern=r"^[0-9]+$")]


class LocaleProfile(_Strict):
    """Everything country-specific about a subject: names, phones, networks, places."""

    locale: str  # a Faker locale: where first and last names come from
    country_code: str = Field(pattern=r"^[A-Z]{2}$")  # also libphonenumber's region
    language: str = Field(pattern=r"^[a-z]{2}$")  # picks the room-name templates
    weight: int = Field(ge=1)  # share of accounts, relative to the other profiles
    cities: tuple[City, ...] = Field(min_length=1)
    mcc: Digits = Field(min_length=3, max_length=3)
    mnc: Digits = Field(min_length=2, max_length=3)
    email_domains: tuple[str, ...] = Field(min_length=1)
    # First octet of home addresses: blocks the country's ISPs hold.
    ipv4_first_octets: tuple[Annotated[int, Field(ge=1, le=223)], ...] = Field(min_length=1)
    # The first groups of home IPv6 addresses; devices fill the rest.
    ipv6_prefixes: tuple[
        Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){0,3}$")], ...
    ]
    isp_domains: tuple[str, ...] = Field(min_length=1)  # the first is the reverse-DNS suffix used
    # ISP router default SSIDs; {hex} and {num} are filled per household.
    default_ssids: tuple[str, ...] = Field(min_length=1)

    @field_validator("locale")
    @classmethod
    def _faker_has_it(cls, locale: str) -> str:
        if locale not in AVAILABLE_LOCALES:
            raise ValueError("not a locale Faker provides")
        return locale

    @field_validator("default_ssids")
    @classmethod
    def _ssid_placeholders(cls, ssids: tuple[str, ...]) -> tuple[str, ...]:
        for ssid in ssids:
            unknown = set(_SSID_PLACEHOLDER.findall(ssid)) - {"hex", "num"}
            if unknown:
                raise ValueError(f"placeholders {sorted(unknown)}: only {{hex}} and {{num}} are filled")
        return ssids

    @model_validator(mode="after")
    def _phones_exist(self) -> LocaleProfile:
        for number_type in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            if phonenumbers.example_number_for_type(self.country_code, number_type) is None:
                raise ValueError(f"libphonenumber has no example numbers for region {self.country_code}")
        return self


class CuratedName(_Strict):
    locale: str  # one of the profiles: the account gets that profile
    first: str = Field(min_length=1)
    last: str = Field(min_length=1)


class DeviceModel(_Strict):
    model: str = Field(min_length=1)
    category: Literal["hub", "sensor", "camera", "light", "lock"]
    cpu_info: str
    memory_mb: int = Field(ge=1)
    os_version: str
    oui: str = Field(pattern=r"^[0-9a-f]{2}(:[0-9a-f]{2}){2}$")  # vendor prefix of the MAC


Oui = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{2}(:[0-9a-f]{2}){2}$")]


class Devices(_Strict):
    models: tuple[DeviceModel, ...] = Field(min_length=1)
    phone_ouis: tuple[Oui, ...] = Field(min_length=1)
    router_ouis: tuple[Oui, ...] = Field(min_length=1)


class DeviceLine(_Strict):
    weight: int = Field(ge=1)
    level: Literal["DEBUG", "INFO", "WARN", "ERROR"]
    text: str  # {slot} placeholders, checked against the generator's slots when compiled


class SceneLine(_Strict):
    weight: int = Field(ge=1)
    text: str


class UsageAction(_Strict):
    action: str = Field(pattern=r"^[a-z_]+$")
    weight: int = Field(ge=1)


class AttributeSlot(_Strict):
    """A slot filled with what the row's subject, device or peer already has (``value``, an
    attribute path). With an entity type the value is ground truth: ``pii`` (owned by the
    subject, or by the peer for ``peer.`` paths) or a ``lookalike``; without, plain filler."""

    entity_type: str | None = Field(default=None, pattern=r"^[A-Z][A-Z_]*$")
    kind: Literal["pii", "lookalike"] | None = None
    value: str = Field(pattern=r"^(subject|device|peer)(\.[a-z_0-9]+)+$")

    @model_validator(mode="after")
    def _entity_with_kind(self) -> AttributeSlot:
        if (self.entity_type is None) != (self.kind is None):
            raise ValueError("entity_type and kind go together (both, or neither for filler)")
        return self


class Lines(_Strict):
    device_logs: tuple[DeviceLine, ...] = Field(min_length=1)
    scenes: tuple[SceneLine, ...] = Field(min_length=1)
    # Per language, drawn uniformly; a language without its own list uses "en".
    rooms: dict[str, tuple[str, ...]]
    usage_actions: tuple[UsageAction, ...] = Field(min_length=1)
    scene_actions: tuple[str, ...]  # the actions whose rows carry a scene name
    generic_rooms: tuple[str, ...] = Field(min_length=1)  # rooms named in device log lines
    attribute_slots: dict[str, AttributeSlot]

    @model_validator(mode="after")
    def _consistent(self) -> Lines:
        if not self.rooms.get("en"):
            raise ValueError("rooms must hold a non-empty 'en' list (the fallback language)")
        empty = sorted(language for language, texts in self.rooms.items() if not texts)
        if empty:
            raise ValueError(f"rooms of {empty} are empty")
        unknown = set(self.scene_actions) - {a.action for a in self.usage_actions}
        if unknown:
            raise ValueError(f"scene_actions {sorted(unknown)} are not usage_actions")
        return self


_Model = TypeVar("_Model", bound=BaseModel)


def read_model(path: Path, model: type[_Model]) -> _Model:
    """``path`` parsed as YAML and validated as ``model``; any failure is a ``ProfileError``."""
    try:
        with path.open(encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except OSError as error:
        raise ProfileError(f"{path}: cannot be read ({error.strerror or error})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ProfileError(f"{path}: not valid YAML{where}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or '(top level)'}: {e['msg']}" for e in error.errors()
        )
        raise ProfileError(f"{path}: {problems}") from None


class _LocaleList(_Strict):
    locales: tuple[LocaleProfile, ...] = Field(min_length=1)


class _CuratedList(_Strict):
    curated_names: tuple[CuratedName, ...]


@cache
def load_locales(path: Path = LOCALES_FILE) -> tuple[LocaleProfile, ...]:
    profiles = read_model(path, _LocaleList).locales
    seen: set[str] = set()
    for index, profile in enumerate(profiles):
        if profile.locale in seen:
            raise ProfileError(f"{path}: locales.{index}.locale: listed twice")
        seen.add(profile.locale)
    return profiles


@cache
def load_curated_names(
    path: Path = CURATED_NAMES_FILE, locales: tuple[LocaleProfile, ...] | None = None
) -> tuple[CuratedName, ...]:
    names = read_model(path, _CuratedList).curated_names
    known = {p.locale for p in (locales if locales is not None else load_locales())}
    for index, name in enumerate(names):
        if name.locale not in known:
            raise ProfileError(f"{path}: curated_names.{index}.locale: no such profile in locales.yaml")
    return names


@cache
def load_devices(path: Path = DEVICES_FILE) -> Devices:
    return read_model(path, Devices)


@cache
def load_lines(path: Path = LINES_FILE) -> Lines:
    return read_model(path, Lines)

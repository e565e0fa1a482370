"""The corpus's YAML, validated: template families, locales and the catalogue.

``templates/*.yaml`` hold log-line templates modelled on real formats, ``locales/*.yaml``
names, phone formats, inflection rules and label templates per locale, ``catalogue.yaml``
device models, apps and usage actions. Slot types and their forms are declared here.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from privlake.generator.truth import PII_ENTITY_TYPES

HERE = Path(__file__).resolve().parent


# The personal entity types of the ground truth are the sample generator's (one vocabulary for
# privlake.evaluate to score both corpora in), plus DEVICE_NAME: a vendor-default host name
# that identifies one device, planted only by HOSTNAME slots.
PERSONAL_TYPES = (*PII_ENTITY_TYPES, "DEVICE_NAME")
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
SLOT_TYPES = (*PII_ENTITY_TYPES, *LOOKALIKE_TYPES, *COMPOSITE_TYPES)


def _slot_type(name: str) -> str:
    if name not in SLOT_TYPES:
        raise ValueError(f"unknown slot type {name!r}; one of {', '.join(SLOT_TYPES)}")
    return name


SlotType = Annotated[str, AfterValidator(_slot_type)]
DATASETS = ("accounts", "device_logs", "usage_history")
PLACEHOLDER = re.compile(r"\$\{([a-z_][a-z0-9_]*)\}")


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
        used = set(PLACEHOLDER.findall(self.text))
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
                unknown = set(PLACEHOLDER.findall(text)) - known
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

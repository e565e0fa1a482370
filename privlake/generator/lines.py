"""Line templates: ``{slot}`` placeholders filled per row, each filled slot a truth record or not.

The texts come from ``data/lines.yaml``, and so do the slots that only read an attribute
of the row's subject, device or peer (``attribute_slots``); the slots computed per row are
here. A slot says what fills its placeholder and which entity type (if any) the value is.
A template naming an unknown slot, or an attribute slot whose path does not end at text,
is a ``ProfileError`` naming the file and the field.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from string import Formatter
from typing import Any, get_type_hints

from pydantic import BaseModel

from privlake.generator.identities import Device, Subject, random_firmware
from privlake.generator.profiles import LINES_FILE, AttributeSlot, ProfileError, load_lines
from privlake.generator.truth import Kind, Plant


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


GENERIC_ROOMS = load_lines().generic_rooms

# Slots whose value is computed per row; the slots that only read a value the row's subject,
# device or peer already has are data (``attribute_slots`` in lines.yaml).
_COMPUTED_SLOTS: dict[str, Slot] = {
    # personal data of the row's subject
    "member_name": _pii("PERSON", _own(_member_name)),
    "device_ip": _pii("IP_ADDRESS", _own(_device_ip)),
    "public_ip_dashed": _pii("IP_ADDRESS", _own(lambda c: c.subject.public_ip.replace(".", "-"))),
    "other_serial": _pii("DEVICE_SERIAL", _own(_other_serial)),
    "neighbour_ssid": _pii("WIFI_SSID", _neighbour_ssid),
    # Four decimals is ~10 m: a home, not a district.
    "lat4": _pii("GPS_COORDINATE", _own(lambda c: f"{c.subject.home[0]:.4f}")),
    "lon4": _pii("GPS_COORDINATE", _own(lambda c: f"{c.subject.home[1]:.4f}")),
    "lat6": _pii("GPS_COORDINATE", _own(lambda c: f"{c.subject.home[0]:.6f}")),
    "lon6": _pii("GPS_COORDINATE", _own(lambda c: f"{c.subject.home[1]:.6f}")),
    # non-personal values that look like personal data to a careless recognizer
    "new_firmware": _lookalike("FIRMWARE_VERSION", lambda c: random_firmware(c.rng)),
    "iso_ts": _lookalike("TIMESTAMP", _iso_timestamp),
    "hex_code": _lookalike("HEX_CODE", lambda c: f"0x{c.rng.getrandbits(16):04X}"),
    "err_code": _lookalike("HEX_CODE", lambda c: f"E0x{c.rng.getrandbits(16):04X}"),
    "temp": _lookalike("SENSOR_READING", lambda c: f"{c.rng.uniform(17, 26):.1f}C"),
    "humidity": _lookalike("SENSOR_READING", lambda c: f"{c.rng.randrange(30, 70)}%"),
    "pressure": _lookalike("SENSOR_READING", lambda c: f"{c.rng.randrange(985, 1035)} hPa"),
    "voltage": _lookalike("SENSOR_READING", lambda c: f"{c.rng.uniform(2.7, 3.2):.2f}V"),
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
    "isp_domain": _filler(lambda c: c.subject.profile.isp_domains[0]),
}

# What an attribute path starts from: the row's subject, its device, or another account.
_PATH_ROOTS: dict[str, type] = {"subject": Subject, "device": Device, "peer": Subject}


def _attribute_types(owner: type) -> dict[str, Any]:
    if isinstance(owner, type) and issubclass(owner, BaseModel):
        return {name: info.annotation for name, info in owner.model_fields.items()}
    if dataclasses.is_dataclass(owner):
        return get_type_hints(owner)
    return {}


def _attribute_slot(spec: AttributeSlot, where: str) -> Slot:
    """A slot reading ``spec.value`` (``subject.mobile.e164``); the path must end at text."""
    root, *names = spec.value.split(".")
    owner: Any = _PATH_ROOTS[root]
    for name in names:
        types = _attribute_types(owner)
        if name not in types:
            raise ProfileError(f"{where}: {getattr(owner, '__name__', owner)} has no attribute {name!r}")
        owner = types[name]
    if owner is not str:
        raise ProfileError(f"{where}: {spec.value} is not text")
    read = attrgetter(spec.value)
    if spec.kind is None or spec.entity_type is None:
        return _filler(read)
    if spec.kind == "lookalike":
        return _lookalike(spec.entity_type, read)
    return _pii(spec.entity_type, _peers(read) if root == "peer" else _own(read))


def load_slots(path: Path = LINES_FILE) -> dict[str, Slot]:
    """The computed slots and the attribute slots of ``path``."""
    slots = dict(_COMPUTED_SLOTS)
    for name, spec in load_lines(path).attribute_slots.items():
        where = f"{path}: attribute_slots.{name}"
        if name in slots:
            raise ProfileError(f"{where}: a computed slot has that name")
        slots[name] = _attribute_slot(spec, f"{where}.value")
    return slots


SLOTS = load_slots()


@dataclass(frozen=True)
class LineTemplate:
    """A line shape, ``{slot}`` placeholders compiled once into literal/slot pairs."""

    text: str
    weight: int
    level: str
    parts: tuple[tuple[str, Slot | None], ...]

    @classmethod
    def compile(
        cls, text: str, slots: Mapping[str, Slot], weight: int = 1, level: str = "INFO", where: str = ""
    ) -> LineTemplate:
        """``where`` (file and field) is what an error names: never the text, it may hold a name."""
        try:
            fields = list(Formatter().parse(text))
        except ValueError:
            raise ProfileError(
                f"{where}: unbalanced braces (a literal brace is written {{{{ or }}}})"
            ) from None
        unknown = sorted({name for _, name, _, _ in fields if name and name not in slots})
        if unknown:
            raise ProfileError(
                f"{where}: unknown slots {unknown} (neither computed in lines.py nor in attribute_slots)"
            )
        parts = tuple((literal, slots[name] if name else None) for literal, name, _, _ in fields)
        return cls(text, weight, level, parts)

    @property
    def personal(self) -> bool:
        return any(slot is not None and slot.kind == "pii" for _, slot in self.parts)


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


@dataclass(frozen=True)
class Templates:
    """The compiled templates of one ``lines.yaml``."""

    device_logs: tuple[LineTemplate, ...]
    scenes: tuple[LineTemplate, ...]
    rooms: dict[str, tuple[LineTemplate, ...]]  # per language; "en" is the fallback


def load_templates(path: Path = LINES_FILE) -> Templates:
    """The templates of ``path``, each checked against the slots (computed and of ``path``)."""
    lines, slots = load_lines(path), load_slots(path)
    # Scene and room names have no log level.
    return Templates(
        device_logs=tuple(
            LineTemplate.compile(t.text, slots, t.weight, t.level, f"{path}: device_logs.{i}.text")
            for i, t in enumerate(lines.device_logs)
        ),
        scenes=tuple(
            LineTemplate.compile(t.text, slots, t.weight, "", f"{path}: scenes.{i}.text")
            for i, t in enumerate(lines.scenes)
        ),
        rooms={
            language: tuple(
                LineTemplate.compile(text, slots, 1, "", f"{path}: rooms.{language}.{i}")
                for i, text in enumerate(texts)
            )
            for language, texts in lines.rooms.items()
        },
    )


_TEMPLATES = load_templates()
DEVICE_LOG_TEMPLATES = _TEMPLATES.device_logs
SCENE_TEMPLATES = _TEMPLATES.scenes
ROOM_TEMPLATES = _TEMPLATES.rooms
USAGE_ACTIONS = tuple((a.action, a.weight) for a in load_lines().usage_actions)
SCENE_ACTIONS = load_lines().scene_actions

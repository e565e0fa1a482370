"""Rows of the three datasets, each with the truth of what it plants in which field."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from bench.corpora.household import Household
from bench.corpora.identifiers import eui64_suffix, hexes, lan_ipv4, mac_text, public_ipv4
from bench.corpora.model import LogTemplate, UsageAction
from bench.corpora.slots import Planted, RowContext, render_template, user_label


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


ACCOUNT_FIELDS = {
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
            else f"2a0{rng.randint(1, 9)}:{hexes(rng, 4).lstrip('0') or '0'}:{hexes(rng, 3)}::{hexes(rng, 3)}"
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

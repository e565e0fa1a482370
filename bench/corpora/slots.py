"""Rendering a template's slots: the text written and the values it plants."""

from __future__ import annotations

import datetime as dt
import random
import re
import string
import uuid
from dataclasses import dataclass

from bench.corpora.household import Device, Household
from bench.corpora.identifiers import (
    decimal_digits,
    eui64_suffix,
    hexes,
    ipv6_group,
    lan_ipv4,
    mac_text,
    new_imei,
    new_mac,
    public_ipv4,
    render_phone,
)
from bench.corpora.model import Catalogue, LogTemplate, Slot, slot_spec
from bench.corpora.people import Person, display_name, fill_named, substitute


@dataclass(frozen=True)
class Planted:
    entity_type: str
    value: str
    kind: str  # "pii" or "lookalike"


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
        hexid = hexes(rng, 16)
        return f"android-{hexid}", [Planted("DEVICE_NAME", f"android-{hexid}", "pii")]
    if kind == 1:
        chip = hexes(rng, 6).upper()
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
                eui64_suffix(new_mac(rng))
                if rng.random() < 0.5
                else ":".join(ipv6_group(rng) for _ in range(4))
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
            v = "0x" + oui + hexes(rng, 16 - len(oui))
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
            return f"{rng.randint(1, 999999)}.{decimal_digits(rng, 6)}"
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
            return f"1-{hexes(rng, 8)}-{hexes(rng, 24)}"
        if form == "hex16":
            return "req_" + hexes(rng, 16)
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
            return hexes(rng, 24)
        if form == "blk":
            return f"blk_{rng.choice(['-', ''])}{rng.randint(10**17, 9 * 10**18)}"
        if form == "memaddr":
            return "0x7f" + hexes(rng, 10)
        if form == "node64":
            return "0x" + hexes(rng, 16).upper()
        return hexes(rng, 8)
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
    return substitute(template.text, texts), planted


def _underlying_ipv4(text: str, value: str, form: str) -> str:
    if form == "rdns":
        return ".".join(reversed(value.split(".")))
    if form in ("ec2", "comcast", "dashed", "dsl_padded"):
        return ".".join(str(int(x)) for x in value.split("-"))
    return value

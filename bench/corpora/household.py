"""A household: its holder, members and visitors, devices, network and the identifiers of each."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bench.corpora.identifiers import (
    hexes,
    ipv6_group,
    new_account_id,
    new_mac,
    new_nsn,
    new_serial,
    public_ipv4,
    render_phone,
)
from bench.corpora.model import Catalogue, DeviceModel, Locale
from bench.corpora.people import Person, display_name, fill_named, new_email, new_person, new_username


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


def new_household(
    rng: random.Random, locale: Locale, all_locales: tuple[Locale, ...], catalogue: Catalogue, taken: set[str]
) -> Household:
    holder = new_person(rng, locale)
    members = []
    if rng.random() < 0.75:  # partner, often with the same family name
        partner_last = holder.last if rng.random() < 0.6 else None
        members.append(
            new_person(rng, locale, partner_last, "male" if holder.gender == "female" else "female")
        )
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        members.append(new_person(rng, locale, holder.last))
    latin = [lc for lc in all_locales if lc.name_order == "given_family"]
    visitors = []
    for _ in range(rng.choice([0, 1, 1, 2])):
        origin = locale if locale.name_order == "family_given" or rng.random() < 0.7 else rng.choice(latin)
        visitors.append(new_person(rng, origin))
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
        text, _name = fill_named(rng, locale, rng.choice(locale.ssids), new_person(rng, locale))
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
        home_ip6_prefix=f"2a02:{ipv6_group(rng)}:{ipv6_group(rng)}:{hexes(rng, 2)}00",
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
        hh.emails.setdefault(p.first, new_email(rng, p, p.locale))
        hh.phones.setdefault(p.first, render_phone(rng, p.locale, new_nsn(rng, p.locale)))
        hh.usernames.setdefault(p.first, new_username(rng, p))
    hh.email, hh.phone, hh.username = (
        hh.emails[holder.first],
        hh.phones[holder.first],
        hh.usernames[holder.first],
    )
    return hh

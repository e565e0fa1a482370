"""The ``usage_history`` dataset: app actions with the scene and room names users typed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import accumulate

from privlake.generator.context import DayContext, event_instants, local_iso, new_event_id, pick_peer
from privlake.generator.files import USAGE_HISTORY, encode_row
from privlake.generator.lines import (
    ROOM_TEMPLATES,
    SCENE_ACTIONS,
    SCENE_TEMPLATES,
    USAGE_ACTIONS,
    LineContext,
    render_line,
)
from privlake.generator.truth import free_text_truth, truth_head, truth_tail


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
    instants = event_instants(rng, ctx.day, count)
    scene_weights = list(accumulate(t.weight for t in SCENE_TEMPLATES))
    day_text = ctx.day.isoformat()
    for subject, action, instant in zip(chosen, actions, instants, strict=True):
        device = subject.devices[rng.randrange(len(subject.devices))]
        line = LineContext(rng, subject, device, pick_peer(rng, subjects, subject), day_text)
        event_id = new_event_id(rng)
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
            truth.append(free_text_truth(head, "scene_name", plants))
        room_name = None
        if action != "app_login":
            rooms = ROOM_TEMPLATES.get(subject.profile.language, ROOM_TEMPLATES["en"])
            room_name, plants = render_line(rooms[rng.randrange(len(rooms))], line)
            truth.append(free_text_truth(head, "room_name", plants))
        row = {
            "event_id": event_id,
            "event_time": local_iso(instant, subject.zone),
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

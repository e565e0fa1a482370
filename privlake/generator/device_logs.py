"""The ``device_logs`` dataset: a device's structured fields and a templated log line per row."""

from __future__ import annotations

from collections.abc import Iterator

from privlake.generator.context import DayContext, event_instants, local_iso, new_event_id, pick_peer
from privlake.generator.files import DEVICE_LOGS, encode_row
from privlake.generator.identities import Device, Subject
from privlake.generator.lines import DEVICE_LOG_TEMPLATES, LineContext, render_line
from privlake.generator.truth import free_text_truth, truth_head, truth_tail


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


def device_log_rows(ctx: DayContext, count: int) -> Iterator[tuple[bytes, str]]:
    rng = ctx.rng(DEVICE_LOGS)
    subjects = ctx.subjects
    chosen = rng.choices(subjects, weights=[s.activity for s in subjects], k=count)
    templates = rng.choices(DEVICE_LOG_TEMPLATES, weights=[t.weight for t in DEVICE_LOG_TEMPLATES], k=count)
    instants = event_instants(rng, ctx.day, count)
    tails: dict[str, tuple[str, ...]] = {}  # per device serial
    day_text = ctx.day.isoformat()
    for subject, template, instant in zip(chosen, templates, instants, strict=True):
        device = subject.devices[rng.randrange(len(subject.devices))]
        line = LineContext(rng, subject, device, pick_peer(rng, subjects, subject), day_text)
        event_id = new_event_id(rng)
        message, plants = render_line(template, line)
        row = device_log_row(line, event_id, local_iso(instant, subject.zone), template.level, message)
        if device.serial not in tails:
            tails[device.serial] = device_truth_tails(subject, device)
        head = truth_head(DEVICE_LOGS, event_id)
        structured = "".join(head + tail for tail in tails[device.serial])
        yield encode_row(row), structured + free_text_truth(head, "message", plants)

"""Throughput benchmark of the scrubber on synthetic, templated IoT texts.

Prints rows per second for one core (wall clock and process CPU time, which is the
fairer number on a shared machine), scrubbing in Arrow-batch-sized calls as
the Spark job's Arrow UDF does, on a fresh scrubber (cold cache) so repeated texts are only as
frequent as in the generated data. Two corpora: device log lines (sshd, dnsmasq,
kernel wlan, wpa_supplicant, Android logcat, hub telemetry; the tests use them as
realistic input too) and user-chosen room/scene names, the texts NER is meant for. Run
``python -m anonymizers.benchmark --rows 20000 [--corpus logs|names] [--ner]``.
Lives here rather than in bench/ because it ships with the package it measures.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter

USERS = ["anna_k", "bob", "jschmidt", "maria.lopez", "t.nguyen", "root", "admin", "pi"]
SSIDS = ["HomeNet", "FRITZ!Box 7590 XY", "Schmidt-5G", "Vodafone-4F2A", "o2-WLAN17", "Lopez Family"]
NAMES = ["Anna", "Maria", "John", "Tobias", "Fatma", "Kenji"]
ROOMS = ["Living room", "Kitchen", "Bedroom", "Office", "Garage", "Kids room"]


def _ip(rng: random.Random) -> str:
    prefix = rng.choice(["10.0", "192.168", "172.16", "91.64"])
    return f"{prefix}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _mac(rng: random.Random) -> str:
    return ":".join(f"{rng.randint(0, 255):02x}" for _ in range(6))


def _serial(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789ABCDEF") for _ in range(15)) + rng.choice("ABCDEF")


def synthetic_log_lines(rows: int, seed: int = 7) -> list[str]:
    """``rows`` device-log lines from a few dozen templates with a small device pool."""
    rng = random.Random(seed)
    devices = [(_serial(rng), _mac(rng), _ip(rng), rng.choice(SSIDS), rng.choice(USERS)) for _ in range(300)]
    templates = [
        "sshd[{pid}]: Failed password for invalid user {user} from {ip} port {port} ssh2",
        "sshd[{pid}]: Accepted publickey for {user} from {ip} port {port} ssh2: RSA SHA256:x1Y2z3",
        "sshd[{pid}]: pam_unix(sshd:session): session opened for user {user}(uid=1000) by (uid=0)",
        "dnsmasq-dhcp[611]: DHCPACK(br0) {ip} {mac} {name}s-iPhone",
        "dnsmasq-dhcp[611]: DHCPREQUEST(br0) {ip} {mac}",
        "dnsmasq[611]: query[A] api.lumi.example.com from {ip}",
        "kernel: [{uptime}] wlan0: associated with {mac} (SSID '{ssid}') rssi -{rssi}",
        "kernel: [{uptime}] wlan0: authenticate with {mac}",
        "kernel: [{uptime}] usb 1-1: new high-speed USB device number {port_small} using ehci-pci",
        "wpa_supplicant[402]: wlan0: CTRL-EVENT-CONNECTED - Connection to {mac} completed [id=0 id_str=]",
        "wpa_supplicant[402]: wlan0: Trying to associate with SSID '{ssid}'",
        "I/WifiService( {pid}): setWifiEnabled: true pid={pid}, uid=10123, package=com.lumi.app",
        'D/WifiStateMachine( {pid}): SSID: "{ssid}", BSSID: {mac}, RSSI: -{rssi}, Link speed: 72Mbps',
        "I/ActivityManager( {pid}): Start proc com.lumi.app for activity: pid={pid} uid=10123 gids={{3003}}",
        "hub: device {serial} heartbeat ok fw 4.1.7_0012 model lumi.gateway.agl001",
        "hub: sensor {sensor} temp 21.5C humidity 45% pressure 1013 hPa battery 87%",
        "hub: sensor {sensor} temp 22.1C humidity 51% pressure 1009 hPa battery 64%",
        "hub: ota check app 8.12.3 firmware 4.1.7_0012 up to date",
        "hub: mqtt connected to broker keepalive 60s",
        "hub: scene {room} triggered by automation 17",
        "hub: device {serial} location lat={lat} lon={lon}",
        "cloud: push to {name} ({email}) delivered",
        "hub: rule fired: switch.{room_id} on",
        "hub: zigbee permit join 254s",
    ]
    weights = [6, 3, 3, 3, 3, 5, 4, 4, 2, 3, 3, 2, 3, 2, 8, 12, 12, 4, 6, 4, 2, 2, 6, 2]
    lines = []
    for _ in range(rows):
        serial, mac, ip, ssid, user = rng.choice(devices)
        template = rng.choices(templates, weights)[0]
        lines.append(
            template.format(
                pid=rng.randint(100, 9999),
                user=user,
                ip=ip,
                port=rng.randint(1024, 65535),
                port_small=rng.randint(2, 9),
                mac=mac,
                name=rng.choice(NAMES),
                uptime=f"{rng.randint(1, 99999)}.{rng.randint(0, 999999):06d}",
                ssid=ssid,
                rssi=rng.randint(30, 90),
                serial=serial,
                sensor=rng.randint(1, 40),
                room=rng.choice(ROOMS),
                room_id=rng.randint(1, 30),
                lat=f"{52 + rng.random():.4f}",
                lon=f"{13 + rng.random():.4f}",
                email=f"{user}@example.com",
            )
        )
    return lines


def synthetic_names(rows: int, seed: int = 7) -> list[str]:
    """``rows`` room and scene names as users type them: mostly plain, often a name."""
    rng = random.Random(seed)
    plain = [*ROOMS, "Good night", "Movie time", "Away mode", "Wohnzimmer", "Cuisine", "Sovrum"]
    templates = ["{name}'s bedroom", "Welcome home {name}", "B\u00fcro {name}", "Night light for {name}"]
    names = [*NAMES, *(f"{n}{i}" for n in NAMES for i in range(40))]  # a few hundred people
    return [
        rng.choice(plain) if rng.random() < 0.6 else rng.choice(templates).format(name=rng.choice(names))
        for _ in range(rows)
    ]


def main(argv: list[str] | None = None) -> None:
    """Scrub synthetic lines and print the throughput."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=10_000, help="rows per scrub() call (Arrow batch size)")
    parser.add_argument("--ner", action="store_true", help="run spaCy NER as well")
    parser.add_argument("--corpus", choices=["logs", "names"], default="logs")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from anonymizers.scrubber import ScrubSettings, TextScrubber

    lines = (synthetic_log_lines if args.corpus == "logs" else synthetic_names)(args.rows, args.seed)
    started = time.perf_counter()
    scrubber = TextScrubber(ScrubSettings(ner=args.ner), b"benchmark-key-not-a-secret-0123")
    built, cpu_started = time.perf_counter(), time.process_time()
    found: Counter[str] = Counter()
    for offset in range(0, len(lines), args.batch):
        for result in scrubber.scrub(lines[offset : offset + args.batch]):
            found.update(result.entities)
    wall, cpu = time.perf_counter() - built, time.process_time() - cpu_started
    print(
        f"corpus={args.corpus} rows={len(lines)} distinct={len(set(lines))} ner={args.ner} "
        f"engine_build={built - started:.2f}s scrub={wall:.2f}s "
        f"rows/s={len(lines) / wall:,.0f} (wall) {len(lines) / cpu:,.0f} (cpu)"
    )
    print("entities:", dict(found.most_common()))


if __name__ == "__main__":
    main()

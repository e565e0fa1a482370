"""Random identifiers as devices and networks write them: phones, IPs, MACs, IMEIs, serials."""

from __future__ import annotations

import random
import string

from bench.corpora.model import Locale
from privlake.generator.formats import luhn_check_digit


def hexes(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def ipv6_group(rng: random.Random) -> str:
    """A 16-bit group of an IPv6 address as written (no leading zeros)."""
    return f"{rng.getrandbits(16):x}"


def decimal_digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _fill(pattern: str, digits: str) -> str:
    it = iter(digits)
    return "".join(next(it) if c == "#" else c for c in pattern)


def render_phone(rng: random.Random, locale: Locale, nsn: str) -> str:
    return _fill(rng.choice(locale.phone.formats), nsn)


def new_nsn(rng: random.Random, locale: Locale) -> str:
    prefix = rng.choice(locale.phone.prefixes)
    return prefix + decimal_digits(rng, locale.phone.length - len(prefix))


def public_ipv4(rng: random.Random) -> str:
    reserved = {0, 10, 100, 127, 169, 172, 192, 198, 203}
    first = rng.choice([o for o in range(2, 224) if o not in reserved])
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def lan_ipv4(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return f"192.168.{rng.choice([0, 1, 1, 2, 178, 188])}.{rng.randint(2, 254)}"
    return f"10.0.{rng.randint(0, 3)}.{rng.randint(2, 254)}"


# Vendor OUIs of the kinds of devices a home network has (Espressif, Xiaomi, Apple, Samsung,
# Raspberry Pi, AVM, TP-Link, Ubiquiti, Google, Amazon).
OUIS = (
    "240ac4",
    "a4cf12",
    "54ef44",
    "7811dc",
    "f0b429",
    "3c0754",
    "ac3c0b",
    "dca632",
    "b827eb",
    "3810d5",
    "c4e984",
    "50c7bf",
    "788a20",
    "f4f5d8",
    "44650d",
)


def new_mac(rng: random.Random, randomized: bool = False) -> bytes:
    if randomized:  # a phone's private Wi-Fi address: locally administered bit set
        first = (rng.randint(0, 255) & 0xFC) | 0x02
        return bytes([first, *(rng.randint(0, 255) for _ in range(5))])
    return bytes.fromhex(rng.choice(OUIS)) + bytes(rng.randint(0, 255) for _ in range(3))


def mac_text(rng: random.Random, mac: bytes) -> str:
    h = mac.hex()
    pairs = [h[i : i + 2] for i in range(0, 12, 2)]
    notation = rng.randrange(6)
    if notation == 0:
        return ":".join(pairs)
    if notation == 1:
        return ":".join(pairs).upper()
    if notation == 2:
        return "-".join(pairs).upper()
    if notation == 3:
        return f"{h[0:4]}.{h[4:8]}.{h[8:12]}"
    if notation == 4:
        return h.upper()
    return "-".join(pairs)


def eui64_suffix(mac: bytes) -> str:
    """The interface id SLAAC derives from a MAC (RFC 4291 appendix A): U/L bit flipped, ff:fe
    in the middle."""
    b = bytes([mac[0] ^ 0x02, mac[1], mac[2], 0xFF, 0xFE, mac[3], mac[4], mac[5]])
    groups = [f"{(b[i] << 8) | b[i + 1]:x}" for i in range(0, 8, 2)]
    return ":".join(groups)


def new_imei(rng: random.Random) -> str:
    body = rng.choice(["35", "86", "01", "35"]) + decimal_digits(rng, 12)
    return body + luhn_check_digit(body)


def new_serial(rng: random.Random) -> str:
    return hexes(rng, 16).upper()


def new_account_id(rng: random.Random) -> str:
    return "usr-" + "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(12))

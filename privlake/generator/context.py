"""What the writers of one day share: the day, its subjects, its outputs and the row helpers."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from privlake.generator.bad_lines import BadLineRecorder
from privlake.generator.files import PART_STEM
from privlake.generator.identities import Subject


@dataclass
class DayContext:
    """Shared state while one day is written."""

    day: dt.date
    seed: int
    out: Path
    subjects: list[Subject]
    truth: TextIO
    bad: BadLineRecorder
    bad_lines: bool

    def rng(self, dataset: str) -> random.Random:
        return random.Random(f"privlake:{self.seed}:{self.day.isoformat()}:{dataset}")

    def landing_path(self, dataset: str, suffix: str) -> Path:
        return self.out / dataset / f"dt={self.day.isoformat()}" / f"{PART_STEM}{suffix}"


def event_instants(rng: random.Random, day: dt.date, count: int) -> list[float]:
    """Sorted epoch seconds (millisecond precision) inside ``day`` in UTC."""
    start = dt.datetime.combine(day, dt.time(), dt.UTC).timestamp()
    return [start + ms / 1000 for ms in sorted(rng.randrange(86_400_000) for _ in range(count))]


def local_iso(instant: float, zone: ZoneInfo) -> str:
    return dt.datetime.fromtimestamp(instant, zone).isoformat(timespec="milliseconds")


def new_event_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def pick_peer(rng: random.Random, subjects: Sequence[Subject], subject: Subject) -> Subject:
    peer = subjects[rng.randrange(len(subjects))]
    if peer is subject and len(subjects) > 1:
        peer = subjects[(subject.index + 1) % len(subjects)]
    return peer

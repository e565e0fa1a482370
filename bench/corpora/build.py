"""An independent evaluation corpus: one day of landing files plus the truth of what was planted.

The day is built from the YAML in this folder (log-line templates modelled on real formats in
``templates/``, twelve locales with names, phone formats and the inflection rules their
speakers type labels with in ``locales/``, device models and app actions in
``catalogue.yaml``) and from the data contract (``conf/datasets/*.yaml``). It was written
without looking at the detector, so recall measured on it is not recall on phrases the
detector was tuned on. ``build_day`` writes ``<landing>/<dataset>/dt=D/part-0000.jsonl`` for
``accounts``, ``device_logs`` and ``usage_history`` and ``<truth>/dt=D/planted.jsonl``: one
record per planted personal value (``kind`` ``pii``) or look-alike that must stay intact
(``kind`` ``lookalike``), in the format ``privlake.evaluate`` reads. Same seed, same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from bench.corpora.household import Household, new_household
from bench.corpora.model import (
    DATASETS,
    Catalogue,
    TemplateFamily,
    load_catalogue,
    load_families,
    load_locales,
)
from bench.corpora.rows import ACCOUNT_FIELDS, account_row, account_truth, device_row, usage_row
from bench.corpora.slots import Planted, RowContext
from privlake.evaluate import occurs


def _weighted(rng: random.Random, items: list[Any], weight: Callable[[Any], float]) -> Any:
    return rng.choices(items, weights=[weight(i) for i in items], k=1)[0]


def _check_present(dataset: str, key: str, row: dict[str, Any], fld: str, p: Planted, template: str) -> None:
    cell = row[fld]
    texts = cell if isinstance(cell, list) else [cell]
    if not any(isinstance(t, str) and occurs(p.value, t) for t in texts):
        # names the place, never the value
        raise ValueError(
            f"{dataset} row {key}: planted {p.entity_type} not found word-bounded in {fld} ({template})"
        )


# One event row: the row, its truth (field, planted value), its household, the template or
# action that made it (named in errors) and the family its free-text truth counts towards.
Event = tuple[dict[str, Any], list[tuple[str, Planted]], Household, str, str]


def _device_events(
    rng: random.Random,
    households: list[Household],
    families: tuple[TemplateFamily, ...],
    day: dt.date,
    catalogue: Catalogue,
    count: int,
) -> Iterator[Event]:
    for i in range(count):
        family = families[i % len(families)]  # every family, evenly
        template = _weighted(rng, family.templates, lambda t: t.weight)
        hh = rng.choice(households)
        row, truth = device_row(RowContext(rng, hh, rng.choice(hh.devices), day, catalogue), template)
        yield row, truth, hh, template.id, family.family


def _usage_events(
    rng: random.Random, households: list[Household], day: dt.date, catalogue: Catalogue, count: int
) -> Iterator[Event]:
    for _ in range(count):
        action = _weighted(rng, catalogue.usage_actions, lambda a: a.weight)
        hh = rng.choice(households)
        row, truth = usage_row(RowContext(rng, hh, rng.choice(hh.devices), day, catalogue), action)
        yield row, truth, hh, action.action, "usage_labels"


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


class _Truth:
    """``planted.jsonl`` being written, and the counts ``build_day`` returns."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.counts: dict[str, Counter[str]] = {
            k: Counter() for k in ("rows", "dataset", "kind", "entity_type", "locale", "family")
        }

    def plant(self, dataset: str, key: str, hh: Household, fld: str, p: Planted, family: str) -> None:
        record = {
            "dataset": dataset,
            "event_id": key,
            "account_id": hh.account_id,
            "field": fld,
            "entity_type": p.entity_type,
            "value": p.value,
            "kind": p.kind,
            "locale": hh.locale.locale,
        }
        self.out.write(_dump(record))
        counts = self.counts
        counts["dataset"][dataset] += 1
        counts["kind"][p.kind] += 1
        counts["entity_type"][f"{p.entity_type} ({p.kind})"] += 1
        counts["locale"][hh.locale.locale] += 1
        if fld in ("message", "scene_name", "room_name"):
            counts["family"][family] += 1

    def write_events(self, dataset: str, path: Path, events: Iterator[Event]) -> None:
        with path.open("w", encoding="utf-8", newline="\n") as out:
            for row, truth, hh, source, family in events:
                out.write(_dump(row))
                self.counts["rows"][dataset] += 1
                for fld, p in truth:
                    _check_present(dataset, row["event_id"], row, fld, p, source)
                    self.plant(dataset, row["event_id"], hh, fld, p, family)


def build_day(
    landing_root: Path,
    truth_dir: Path,
    day: dt.date,
    *,
    accounts: int = 300,
    device_events: int = 20_000,
    usage_events: int = 10_000,
    seed: int = 11,
) -> dict[str, Any]:
    """Write one day of landing files and its ground truth; return counts (rows per dataset,
    planted values per dataset, kind, entity type, locale and template family)."""
    locales = load_locales()
    families = load_families()
    catalogue = load_catalogue()
    if accounts < len(locales):
        raise ValueError(f"need at least {len(locales)} accounts, one per locale")
    rng = random.Random(seed)
    taken: set[str] = set()
    households = [
        new_household(rng, locales[i % len(locales)], locales, catalogue, taken) for i in range(accounts)
    ]

    stamp = f"dt={day.isoformat()}"
    outputs = {name: landing_root / name / stamp / "part-0000.jsonl" for name in DATASETS}
    for path in outputs.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    truth_path = truth_dir / stamp / "planted.jsonl"
    truth_path.parent.mkdir(parents=True, exist_ok=True)

    with truth_path.open("w", encoding="utf-8", newline="\n") as truth_out:
        truth = _Truth(truth_out)
        with outputs["accounts"].open("w", encoding="utf-8", newline="\n") as out:
            for hh in households:
                out.write(_dump(account_row(rng, hh, day)))
                truth.counts["rows"]["accounts"] += 1
                for p in account_truth(hh):
                    truth.plant("accounts", hh.account_id, hh, ACCOUNT_FIELDS[p.entity_type], p, "accounts")
        truth.write_events(
            "device_logs",
            outputs["device_logs"],
            _device_events(rng, households, families, day, catalogue, device_events),
        )
        truth.write_events(
            "usage_history",
            outputs["usage_history"],
            _usage_events(rng, households, day, catalogue, usage_events),
        )
    return {name: dict(sorted(c.items())) for name, c in truth.counts.items()}


def iter_truth(truth_dir: Path, day: dt.date) -> Iterator[dict[str, Any]]:
    with (truth_dir / f"dt={day.isoformat()}" / "planted.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--date", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--device-events", type=int, default=20_000)
    parser.add_argument("--usage-events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = build_day(
        args.landing,
        args.truth,
        args.date,
        accounts=args.accounts,
        device_events=args.device_events,
        usage_events=args.usage_events,
        seed=args.seed,
    )
    json.dump({**counts, "seconds": round(time.perf_counter() - started, 2)}, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

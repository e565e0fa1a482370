"""The evaluation suite: build a corpus -> ingest -> deidentify, then score silver against the truth.

    python -m bench.eval [--corpus generator|independent|both] [--rows N] [--accounts N]
                         [--seed S] [--date D] [--workdir DIR] [--config FILE]
                         [--show-survivors N]

Two corpora, each into a fresh work folder (``work/eval/<corpus>``, wiped first), each
with its ground truth: ``generator`` is ``privlake generate``'s sample day; ``independent``
is ``bench/corpora`` (templates modelled on real log formats and labels in twelve locales,
written from the data contract without reading the detector). For each, every dataset is
ingested (the known-identifier snapshot, accounts, first) and de-identified, and the
tables show per entity type, per field and per locale how many planted personal values
survive anywhere in silver and how many look-alikes are intact, then the floors verdict.
The floors hold on every corpus: exit status 1 when one is violated on either.

Raw values are never printed: ``--show-survivors N`` shows up to N examples per entity
type as masked shapes (letters x/X, digits 9), for fixing recognizers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console
from rich.table import Table

from privlake.config import PrivlakeConfig, load_config
from privlake.evaluate import (
    FREE_TEXT_ROLE,
    MIN_LOOKALIKES_INTACT,
    STRUCTURED_ROLES,
    ZERO_SURVIVOR_ENTITIES,
    EvaluationReport,
    Tally,
    entity_floor,
    evaluate,
    floors_met,
)

if TYPE_CHECKING:
    from privlake.runlog import RunRecord

T = TypeVar("T")

DEFAULT_WORKDIR = Path("work/eval")
CORPORA = ("generator", "independent")
DEFAULT_DAY = dt.date(2026, 11, 28)
MARKER = ".privlake-eval"  # a folder holding this file may be wiped by the next run
# Used only when the configured key variable is unset: evaluation pseudonyms need not be secret.
FIXED_TEST_KEY = "eval-key-not-secret-0123456789abcdef"
FIXED_TEST_KEY_ID = "eval-fixed"


def fresh_workdir(path: Path) -> Path:
    """``path`` emptied; refuses to wipe a non-empty folder that an earlier run did not make."""
    path = path.resolve()
    if path.exists():
        if any(path.iterdir()) and not (path / MARKER).exists():
            raise SystemExit(f"{path} is not empty and was not made by bench.eval; pick another --workdir")
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / MARKER).write_text("made by python -m bench.eval; wiped on the next run\n")
    return path


def pipeline_order(config: PrivlakeConfig) -> list[str]:
    """Datasets in run order: the known-identifier snapshot first (its bronze feeds free text)."""
    known = config.deidentify.known_identifiers
    first = [known.dataset] if known is not None and known.dataset in config.datasets else []
    return first + [name for name in config.datasets if name not in first]


class Timer:
    """Named steps and how long each took."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.steps: list[tuple[str, float]] = []

    def run(self, name: str, action: Callable[[], T]) -> T:
        started = time.perf_counter()
        with self.console.status(name):
            result = action()
        elapsed = time.perf_counter() - started
        self.steps.append((name, elapsed))
        self.console.print(f"[dim]{name}: {elapsed:.1f} s[/]")
        return result


# --- tables ------------------------------------------------------------------------------------


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share:.2%}"


def _share(part: int, whole: int) -> str:
    return f"{part:,} of {whole:,} ({_pct(part / whole if whole else None)})"


def _cells(tally: Tally) -> list[str]:
    pii = [f"{tally.planted:,}", f"{tally.survived:,}", _pct(tally.survival)] if tally.planted else ["-"] * 3
    look = (
        [f"{tally.lookalikes:,}", f"{tally.intact:,}", _pct(tally.intact_share)]
        if tally.lookalikes
        else ["-"] * 3
    )
    return pii + look


def _numeric_columns(table: Table) -> None:
    for column in ("planted", "survived", "survival %", "look-alikes", "intact", "intact %"):
        table.add_column(column, justify="right")


def entity_table(report: EvaluationReport) -> Table:
    table = Table(title=f"per entity type ({report.day})", title_justify="left")
    table.add_column("entity type")
    _numeric_columns(table)
    table.add_column("floor")
    pii = sorted(e for e, t in report.by_entity.items() if t.planted)
    lookalikes = sorted(e for e, t in report.by_entity.items() if not t.planted)
    for entity in pii:
        table.add_row(entity, *_cells(report.by_entity[entity]), entity_floor(entity))
    table.add_section()
    for entity in lookalikes:
        table.add_row(
            entity, *_cells(report.by_entity[entity]), f"≥ {MIN_LOOKALIKES_INTACT:.1%} intact (all)"
        )
    table.add_section()
    table.add_row("all", *_cells(report.overall), "", style="bold")
    return table


def field_table(report: EvaluationReport) -> Table:
    table = Table(title=f"per field ({report.day})", title_justify="left")
    table.add_column("dataset.field")
    table.add_column("role")
    _numeric_columns(table)
    for name in sorted(report.by_field, key=lambda n: (report.field_roles.get(n, ""), n)):
        table.add_row(name, report.field_roles.get(name, "?"), *_cells(report.by_field[name]))
    table.add_section()
    table.add_row("structured", "/".join(STRUCTURED_ROLES), *_cells(report.structured), style="bold")
    table.add_row("free text", FREE_TEXT_ROLE, *_cells(report.free_text), style="bold")
    return table


def locale_table(report: EvaluationReport) -> Table:
    table = Table(title=f"per locale ({report.day})", title_justify="left")
    table.add_column("locale")
    _numeric_columns(table)
    for locale in sorted(report.by_locale):
        table.add_row(locale, *_cells(report.by_locale[locale]))
    return table


def summary_table(reports: dict[str, EvaluationReport]) -> Table:
    """One line per corpus: the figures each floor is held to."""
    table = Table(title="floors per corpus", title_justify="left")
    for column in ("corpus", "structured leaks", "free text survival", "PERSON survival"):
        table.add_column(column, justify="right")
    table.add_column("e-mail/phone/IP/MAC/IMEI/serial survivors", justify="right")
    table.add_column("look-alikes intact", justify="right")
    table.add_column("floors")
    for name, report in reports.items():
        person = report.by_entity.get("PERSON", Tally())
        zero = sum(report.by_entity.get(e, Tally()).survived for e in ZERO_SURVIVOR_ENTITIES)
        violations = floors_met(report)
        table.add_row(
            name,
            f"{report.structured.survived:,} of {report.structured.planted:,}",
            _share(report.free_text.survived, report.free_text.planted),
            _share(person.survived, person.planted),
            f"{zero:,}",
            _share(report.overall.intact, report.overall.lookalikes),
            "[green]met[/]" if not violations else f"[red]{len(violations)} violated[/]",
        )
    return table


def survivor_table(report: EvaluationReport) -> Table:
    table = Table(title="survivors and changed look-alikes (masked)", title_justify="left", show_lines=True)
    for column in ("entity type", "planted in", "found in", "value shape", "silver context (masked)"):
        table.add_column(column, overflow="fold")
    for s in sorted(report.survivors, key=lambda s: (s.entity_type, s.field)):
        table.add_row(s.entity_type, s.field, s.found_in or "(changed)", s.shape, s.context)
    return table


def timing_table(steps: Sequence[tuple[str, float]]) -> Table:
    table = Table(title="timings", title_justify="left")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for name, seconds in steps:
        table.add_row(name, f"{seconds:.1f}")
    table.add_row("total", f"{sum(s for _, s in steps):.1f}", style="bold")
    return table


# --- the run -----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.eval", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=[*CORPORA, "both"], default="both")
    parser.add_argument("--rows", type=int, default=5000, help="device_logs rows (usage_history gets half)")
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--date", type=dt.date.fromisoformat, default=DEFAULT_DAY)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="wiped and recreated")
    parser.add_argument("--config", default=None, help="privlake config (roots are replaced by --workdir)")
    parser.add_argument(
        "--show-survivors", type=int, default=0, metavar="N", help="show N masked examples per entity type"
    )
    return parser.parse_args(argv)


def build_corpus(name: str, landing: Path, truth_dir: Path, day: dt.date, args: argparse.Namespace) -> None:
    """Write one day of corpus ``name`` into ``landing``, its ground truth into ``truth_dir``."""
    if name == "generator":
        from privlake.generate import generate_day

        generate_day(
            landing, day, accounts=args.accounts, rows=args.rows, seed=args.seed, truth_dir=truth_dir
        )
    else:
        from bench.corpora.build import build_day

        build_day(
            landing,
            truth_dir,
            day,
            accounts=args.accounts,
            device_events=args.rows,
            usage_events=args.rows // 2,
            seed=args.seed,
        )


def evaluate_corpus(
    name: str, workdir: Path, args: argparse.Namespace, console: Console
) -> tuple[EvaluationReport, list[tuple[str, float]]]:
    """Build, ingest, de-identify and score one corpus in ``workdir``; prints its tables."""
    from privlake.console.runs import print_run_records
    from privlake.deidentification import deidentify
    from privlake.generate import load_truth
    from privlake.ingestion import ingest
    from privlake.keys import pseudonym_key
    from privlake.spark import get_spark

    os.environ["PRIVLAKE_LANDING_ROOT"] = str(workdir / "landing")
    os.environ["PRIVLAKE_WAREHOUSE_ROOT"] = str(workdir / "warehouse")
    config = load_config(args.config)
    key = pseudonym_key(config)
    day: dt.date = args.date
    truth_dir = workdir / "ground_truth"
    console.rule(f"corpus: {name}")
    console.print(
        f"{args.rows:,} device_logs rows, {args.rows // 2:,} usage_history rows, {args.accounts:,} accounts, "
        f"seed {args.seed}, day {day}; work folder {workdir}"
    )
    timer = Timer(console)
    timer.run(f"build {name}", lambda: build_corpus(name, workdir / "landing", truth_dir, day, args))
    spark = timer.run("start spark", lambda: get_spark(config, app_name="privlake-eval"))
    records: list[RunRecord] = []
    order = pipeline_order(config)
    for dataset in order:
        records.append(timer.run(f"ingest {dataset}", lambda d=dataset: ingest(spark, config, d, day)))  # type: ignore[misc]
    for dataset in order:
        records.append(
            timer.run(f"deidentify {dataset}", lambda d=dataset: deidentify(spark, config, d, day, key))  # type: ignore[misc]
        )
    truth = load_truth(truth_dir, day)
    report = timer.run(
        "evaluate", lambda: evaluate(spark, config, truth, day, key=key, examples=args.show_survivors)
    )
    print_run_records(console, records)
    console.print(entity_table(report))
    console.print(field_table(report))
    if report.by_locale:
        console.print(locale_table(report))
    if report.rows_missing or report.untestable:
        console.print(
            f"[yellow]{report.rows_missing} truth rows are not in silver (quarantined); "
            f"{report.untestable} values too short to test[/]"
        )
    if args.show_survivors:
        console.print(survivor_table(report))
    return report, [(f"{name}: {step}", seconds) for step, seconds in timer.steps]


def run(args: argparse.Namespace, console: Console) -> int:
    workdir = fresh_workdir(args.workdir)
    config = load_config(args.config)
    if not os.environ.get(config.keys.pseudonym_key_env):
        os.environ[config.keys.pseudonym_key_env] = FIXED_TEST_KEY
        os.environ[config.keys.pseudonym_key_id_env] = FIXED_TEST_KEY_ID
        console.print(
            f"[yellow]{config.keys.pseudonym_key_env} is not set: using a fixed, public test key "
            f"(id {FIXED_TEST_KEY_ID!r}); evaluation pseudonyms are not secret[/]"
        )
    corpora = CORPORA if args.corpus == "both" else (args.corpus,)
    reports: dict[str, EvaluationReport] = {}
    steps: list[tuple[str, float]] = []
    for name in corpora:
        reports[name], corpus_steps = evaluate_corpus(name, workdir / name, args, console)
        steps.extend(corpus_steps)
    console.print(timing_table(steps))
    console.print(summary_table(reports))
    failed = False
    for name, report in reports.items():
        violations = floors_met(report)
        if violations:
            failed = True
            console.print(f"[bold red]floors violated on the {name} corpus:[/]")
            for violation in violations:
                console.print(f"  [red]✗[/] {violation}")
    if failed:
        return 1
    console.print(f"[bold green]all floors met on {' and '.join(corpora)}[/]")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return run(args, Console())


if __name__ == "__main__":
    sys.exit(main())

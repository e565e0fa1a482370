"""What ``make bench`` measured, per corpus, and the JSON and markdown it writes.

Each corpus (``bench.corpus``) has its own approaches' results: wall time of their timed
steps (Spark session start-up excluded), rows per second, CPU seconds of the whole process
tree by role (driver, JVM, Python workers), worker memory and, for (b) and (c), planted
free-text values surviving. Rows per CPU second is the steadier figure on a shared machine.
The targets of issue 19 are computed from these in ``bench.targets``. Ratios are taken
within one run: absolute numbers drift from run to run more than ratios.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.approaches import Step
from bench.names import (
    COPY,
    LABELS,
    PRESIDIO,
    PRESIDIO_SCALED,
    PRIVLAKE,
    PRIVLAKE_SCALED,
    SAME_ZONES,
    SAME_ZONES_SCALED,
    SMALL_PRESIDIO,
    SMALL_PRIVLAKE,
)
from bench.process_tree import DRIVER, JVM, PYTHON_WORKERS, ProcessTreeUsage
from bench.survival import Survival
from bench.targets import Target, issue19_targets

SCORED = (PRESIDIO, PRIVLAKE)  # approaches scored for survival


@dataclass
class ApproachResult:
    """One approach's timed run: rows, wall and CPU time, worker memory, survival."""

    name: str
    rows: int
    seconds: float
    usage: ProcessTreeUsage
    steps: list[Step]
    survival: Survival | None = None  # over every row the approach processed
    survival_on_sample: Survival | None = None  # over the reference's sample rows
    notes: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def rows_per_cpu_second(self) -> float:
        return self.rows / self.usage.cpu_seconds if self.usage.cpu_seconds else 0.0

    def cpu_of(self, role: str) -> float:
        return self.usage.cpu_by_role.get(role, 0.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "cpu_seconds": round(self.usage.cpu_seconds, 3),
            "cpu_seconds_by_role": _rounded(self.usage.cpu_by_role),
            "rows_per_cpu_second": round(self.rows_per_cpu_second, 1),
            "worker_memory_mib": {
                "peak_total": round(self.usage.peak_total_mib, 1),
                "peak_process": round(self.usage.peak_process_mib, 1),
                "peak_processes": self.usage.peak_processes,
            },
            "steps": {step.name: round(step.seconds, 3) for step in self.steps},
            "step_cpu_seconds": {step.name: _rounded(step.cpu_by_role) for step in self.steps},
            "free_text_survival": self.survival.as_dict() if self.survival else None,
            "free_text_survival_on_sample": self.survival_on_sample.as_dict()
            if self.survival_on_sample
            else None,
            "notes": self.notes,
        }


@dataclass
class CorpusReport:
    """Everything measured on one corpus: its workload, its approaches, what failed."""

    corpus: str
    workload: dict[str, Any]
    results: dict[str, ApproachResult] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # approach -> step and error class
    skipped: dict[str, str] = field(default_factory=dict)  # approach -> why it was not run

    def marginal_rows_per_cpu_second(self, base: str, scaled: str) -> float | None:
        """Rows per CPU second of the rows ``scaled`` has beyond ``base`` (None if unmeasured)."""
        low, high = self.results.get(base), self.results.get(scaled)
        if low is None or high is None or high.rows <= low.rows:
            return None
        extra_cpu = high.usage.cpu_seconds - low.usage.cpu_seconds
        return (high.rows - low.rows) / extra_cpu if extra_cpu > 0 else None

    def wall_ratio(self, numerator: str, denominator: str) -> float | None:
        top, bottom = self.results.get(numerator), self.results.get(denominator)
        if top is None or bottom is None or not bottom.seconds:
            return None
        return top.seconds / bottom.seconds

    def ratios(self) -> dict[str, float | None]:
        ours, reference = (
            self.marginal_rows_per_cpu_second(PRIVLAKE, PRIVLAKE_SCALED),
            self.marginal_rows_per_cpu_second(PRESIDIO, PRESIDIO_SCALED),
        )
        floor = self.marginal_rows_per_cpu_second(SAME_ZONES, SAME_ZONES_SCALED)
        return {
            "marginal_rows_per_cpu_second_privlake": ours,
            "marginal_rows_per_cpu_second_presidio": reference,
            "marginal_rows_per_cpu_second_same_zones": floor,
            "marginal_privlake_over_presidio": ours / reference if ours and reference else None,
            "marginal_cpu_per_row_privlake_over_same_zones": floor / ours if ours and floor else None,
            "wall_privlake_over_same_zones": self.wall_ratio(PRIVLAKE, SAME_ZONES),
            "wall_privlake_over_copy": self.wall_ratio(PRIVLAKE, COPY),
            "small_day_wall_presidio_over_privlake": self.wall_ratio(SMALL_PRESIDIO, SMALL_PRIVLAKE),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "approaches": {name: result.as_dict() for name, result in self.results.items()},
            "failures": self.failures,
            "skipped": self.skipped,
            "ratios": {k: None if v is None else round(v, 3) for k, v in self.ratios().items()},
        }


@dataclass
class BenchReport:
    date: str
    environment: dict[str, Any]
    scale: int
    huge: int
    corpora: dict[str, CorpusReport] = field(default_factory=dict)

    def label(self, name: str) -> str:
        return LABELS[name].format(scale=self.scale, huge=self.huge)

    def targets(self) -> list[Target]:
        return issue19_targets(self)

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "environment": self.environment,
            "scale": self.scale,
            "huge": self.huge,
            "corpora": {name: corpus.as_dict() for name, corpus in self.corpora.items()},
            "targets": [t.as_dict() for t in self.targets()],
        }

    def markdown(self) -> str:
        """The targets table, then each corpus's approaches and steps, as markdown."""
        lines = [
            f"# make bench, {self.date}",
            "",
            f"Spark `{self.environment['spark_master']}` on {self.environment['cpus']} CPUs; "
            f"corpora: {', '.join(self.corpora)}. A target counts as met when it is met on every corpus.",
            "",
            *targets_table(self.targets(), list(self.corpora)),
        ]
        for name, corpus in self.corpora.items():
            lines += ["", *self._corpus_markdown(name, corpus)]
        return "\n".join(lines) + "\n"

    def _corpus_markdown(self, name: str, corpus: CorpusReport) -> list[str]:
        w = corpus.workload
        lines = [
            f"## corpus: {name}",
            "",
            f"{w['device_logs_rows']:,} device_logs + {w['usage_history_rows']:,} usage_history rows at N "
            f"({w['accounts']:,} accounts, seed {w['seed']}); (b) on a deterministic sample of "
            f"{w['presidio_sample_rows']:,} rows at N; its rows/s come from that sample.",
            "",
            "| approach | rows | wall s | rows/s | CPU s (driver / JVM / Python workers) | rows/CPU s "
            "| worker peak RSS MiB (sum / largest) | planted free-text values surviving "
            "| look-alikes intact |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for approach, result in corpus.results.items():
            shown = result.survival_on_sample if approach == PRIVLAKE else result.survival
            lines.append(
                f"| {self.label(approach)} | {result.rows:,} | {result.seconds:.1f} | "
                f"{result.rows_per_second:,.0f} | {result.usage.cpu_seconds:,.1f} "
                f"({result.cpu_of(DRIVER):.1f} / {result.cpu_of(JVM):.1f} / "
                f"{result.cpu_of(PYTHON_WORKERS):.1f}) | "
                f"{result.rows_per_cpu_second:,.0f} | {result.usage.peak_total_mib:,.0f} / "
                f"{result.usage.peak_process_mib:,.0f} | {_survived(shown)} | {_intact(shown)} |"
            )
        ours = corpus.results.get(PRIVLAKE)
        if ours is not None and ours.survival is not None:
            lines.append(
                f"| (c) scored on all {ours.survival.rows:,} rows | | | | | | | "
                f"{_survived(ours.survival)} | {_intact(ours.survival)} |"
            )
        lines.append("")
        lines += [f"{self.label(a)} failed: {failure}." for a, failure in corpus.failures.items()]
        lines += [f"{self.label(a)} not run: {why}." for a, why in corpus.skipped.items()]
        lines += [
            "Survival of (b) and (c) in the table is on the same sample rows. Steps: wall seconds, then "
            "CPU seconds of the driver, the JVM and the Python workers (which side of the Arrow boundary "
            "a step is busy on):",
            "",
        ]
        for approach, result in corpus.results.items():
            lines.append(f"- {self.label(approach)}:")
            lines += [f"  - {_step(step)}" for step in result.steps]
            lines += [f"  - note: {note}" for note in result.notes]
        return lines

    def write(self, out: Path) -> tuple[Path, Path]:
        out.mkdir(parents=True, exist_ok=True)
        json_path, md_path = out / f"{self.date}.json", out / f"{self.date}.md"
        json_path.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")
        md_path.write_text(self.markdown(), encoding="utf-8")
        return json_path, md_path


def targets_table(targets: list[Target], corpora: list[str]) -> list[str]:
    """Issue 19's targets: value and verdict per corpus, and whether met on every corpus."""
    lines = [
        f"| target | wanted | {' | '.join(corpora)} | met on every corpus |",
        f"|---|---|{'---|' * len(corpora)}---|",
    ]
    for t in targets:
        cells = [
            t.by_corpus[c].cell() if c in t.by_corpus else "not measured: corpus not run" for c in corpora
        ]
        verdict = "n/a" if t.met is None else ("yes" if t.met else "**no**")
        lines.append(f"| {t.name} | {t.wanted} | {' | '.join(cells)} | {verdict} |")
    return lines


def _rounded(cpu_by_role: dict[str, float]) -> dict[str, float]:
    return {role: round(seconds, 3) for role, seconds in cpu_by_role.items()}


def _step(step: Step) -> str:
    cpu = step.cpu_by_role
    return (
        f"{step.name}: {step.seconds:.1f} s wall; CPU s driver {cpu.get(DRIVER, 0.0):.1f}, "
        f"JVM {cpu.get(JVM, 0.0):.1f}, Python workers {cpu.get(PYTHON_WORKERS, 0.0):.1f}"
    )


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share:.4%}"


def _survived(survival: Survival | None) -> str:
    if survival is None or not survival.planted:
        return "-"
    return f"{survival.survived:,} / {survival.planted:,} ({_pct(survival.share)})"


def _intact(survival: Survival | None) -> str:
    if survival is None or not survival.lookalikes:
        return "-"
    return f"{survival.intact:,} / {survival.lookalikes:,} ({_pct(survival.intact_share)})"

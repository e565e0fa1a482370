"""What ``make bench`` measured, the targets of issue 8, and the JSON and markdown it writes.

Throughput is rows per second of wall time for an approach's timed steps (Spark session
start-up excluded); the targets are judged on it. Rows per CPU second of the whole process
tree (driver, JVM, Python workers) is reported beside it: other jobs on a shared machine
stretch wall time far more than CPU time. The Presidio reference runs on a sample, so its rows per second come
from the sample; the report says how large the sample was. Ratios are taken within one
run: the machine is shared, and absolute numbers drift from run to run more than ratios.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.approaches import Step
from bench.process_tree import DRIVER, JVM, PYTHON_WORKERS, ProcessTreeUsage
from bench.survival import Survival

COPY, PRESIDIO, PRIVLAKE, PRIVLAKE_SCALED = "copy_baseline", "presidio_sample", "privlake", "privlake_scaled"
LABELS = {
    COPY: "(a) copy landing JSON to Delta",
    PRESIDIO: "(b) Presidio Spark sample",
    PRIVLAKE: "(c) privlake ingest + deidentify",
    PRIVLAKE_SCALED: "(c) privlake at {scale}x N",
}

# Targets of issue 8.
MIN_SPEEDUP_OVER_PRESIDIO = 50.0
MAX_SURVIVAL_VS_PRESIDIO = 0.10  # share of the reference's surviving values
MAX_WALL_VS_COPY = 3.0
MAX_WORKER_MIB = 1536.0
MIN_SCALED_THROUGHPUT = 0.80  # rows/s at scale x N, relative to N


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


@dataclass(frozen=True)
class Target:
    name: str
    target: str
    measured: str
    met: bool | None  # None: not measured in this run (quick mode)


@dataclass
class BenchReport:
    date: str
    workload: dict[str, Any]
    environment: dict[str, Any]
    results: dict[str, ApproachResult]
    scale: int
    failures: dict[str, str] = field(default_factory=dict)  # approach -> step and error class

    def ratio(self, numerator: str, denominator: str) -> float | None:
        """Throughput of ``numerator`` over ``denominator`` (None when either is missing)."""
        top, bottom = self.results.get(numerator), self.results.get(denominator)
        if top is None or bottom is None or not bottom.rows_per_second:
            return None
        return top.rows_per_second / bottom.rows_per_second

    def cpu_ratio(self, numerator: str, denominator: str) -> float | None:
        """Rows per CPU second of ``numerator`` over ``denominator``."""
        top, bottom = self.results.get(numerator), self.results.get(denominator)
        if top is None or bottom is None or not bottom.rows_per_cpu_second:
            return None
        return top.rows_per_cpu_second / bottom.rows_per_cpu_second

    def wall_ratio(self, numerator: str, denominator: str) -> float | None:
        top, bottom = self.results.get(numerator), self.results.get(denominator)
        if top is None or bottom is None or not bottom.seconds:
            return None
        return top.seconds / bottom.seconds

    def ratios(self) -> dict[str, float | None]:
        return {
            "throughput_privlake_over_presidio": self.ratio(PRIVLAKE, PRESIDIO),
            "throughput_privlake_over_copy": self.ratio(PRIVLAKE, COPY),
            "wall_privlake_over_copy": self.wall_ratio(PRIVLAKE, COPY),
            "throughput_scaled_over_base": self.ratio(PRIVLAKE_SCALED, PRIVLAKE),
            "survival_privlake_over_presidio": self._survival_ratio(),
            "cpu_throughput_privlake_over_presidio": self.cpu_ratio(PRIVLAKE, PRESIDIO),
            "cpu_throughput_privlake_over_copy": self.cpu_ratio(PRIVLAKE, COPY),
            "cpu_throughput_scaled_over_base": self.cpu_ratio(PRIVLAKE_SCALED, PRIVLAKE),
        }

    def _survival_ratio(self) -> float | None:
        reference, ours = self._sample_survivals()
        if reference is None or ours is None or reference.share is None or ours.share is None:
            return None
        return ours.share / reference.share if reference.share else None

    def _sample_survivals(self) -> tuple[Survival | None, Survival | None]:
        reference = self.results.get(PRESIDIO)
        ours = self.results.get(PRIVLAKE)
        return (
            reference.survival if reference else None,
            ours.survival_on_sample if ours else None,
        )

    def targets(self) -> list[Target]:
        ratios = self.ratios()
        speedup = ratios["throughput_privlake_over_presidio"]
        wall = ratios["wall_privlake_over_copy"]
        scaled = ratios["throughput_scaled_over_base"]
        reference, ours = self._sample_survivals()
        targets = [
            Target(
                "throughput (c) / (b)",
                f">= {MIN_SPEEDUP_OVER_PRESIDIO:.0f}x",
                _times(speedup),
                None if speedup is None else speedup >= MIN_SPEEDUP_OVER_PRESIDIO,
            )
        ]
        if reference is not None and ours is not None and reference.share is not None:
            ours_share = ours.share or 0.0
            limit = reference.share * MAX_SURVIVAL_VS_PRESIDIO
            targets.append(
                Target(
                    "surviving planted free-text values, (c) vs (b), same sample rows",
                    f"<= 1/10 of (b): {_pct(limit)}",
                    f"{_pct(ours_share)} vs {_pct(reference.share)}",
                    ours_share <= limit,
                )
            )
        targets.append(
            Target(
                "wall time (c) / (a)",
                f"<= {MAX_WALL_VS_COPY:.0f}x",
                _times(wall),
                None if wall is None else wall <= MAX_WALL_VS_COPY,
            )
        )
        for name in (PRIVLAKE, PRIVLAKE_SCALED):
            result = self.results.get(name)
            if result is not None:
                peak = result.usage.peak_total_mib
                targets.append(
                    Target(
                        f"Python worker peak RSS, {self.label(name)}",
                        f"<= {MAX_WORKER_MIB:.0f} MiB",
                        f"{peak:.0f} MiB",
                        peak <= MAX_WORKER_MIB,
                    )
                )
        failure = self.failures.get(PRIVLAKE_SCALED)
        targets.append(
            Target(
                f"rows/s at {self.scale}x N / rows/s at N",
                f">= {MIN_SCALED_THROUGHPUT:.2f}",
                f"failed: {failure}" if failure else "not run" if scaled is None else f"{scaled:.2f}",
                False if failure else None if scaled is None else scaled >= MIN_SCALED_THROUGHPUT,
            )
        )
        return targets

    def label(self, name: str) -> str:
        return LABELS[name].format(scale=self.scale)

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "workload": self.workload,
            "environment": self.environment,
            "approaches": {name: result.as_dict() for name, result in self.results.items()},
            "failures": self.failures,
            "ratios": {k: None if v is None else round(v, 3) for k, v in self.ratios().items()},
            "targets": [
                {"name": t.name, "target": t.target, "measured": t.measured, "met": t.met}
                for t in self.targets()
            ],
        }

    def markdown(self) -> str:
        """The results table, the ratios and the targets, as markdown."""
        w = self.workload
        lines = [
            f"# make bench, {self.date}",
            "",
            f"{w['device_logs_rows']:,} device_logs + {w['usage_history_rows']:,} usage_history rows "
            f"({w['accounts']:,} accounts, seed {w['seed']}); Spark `{self.environment['spark_master']}` "
            f"on {self.environment['cpus']} CPUs. (b) ran on a deterministic sample of "
            f"{w['presidio_sample_rows']:,} rows; its rows/s come from that sample.",
            "",
            "| approach | rows | wall s | rows/s | CPU s | rows/CPU s | worker peak RSS MiB (sum / largest) "
            "| planted free-text values surviving | look-alikes intact |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, result in self.results.items():
            shown = result.survival_on_sample if name == PRIVLAKE else result.survival
            lines.append(
                f"| {self.label(name)} | {result.rows:,} | {result.seconds:.1f} | "
                f"{result.rows_per_second:,.0f} | {result.usage.cpu_seconds:,.1f} | "
                f"{result.rows_per_cpu_second:,.0f} | {result.usage.peak_total_mib:,.0f} / "
                f"{result.usage.peak_process_mib:,.0f} | {_survived(shown)} | {_intact(shown)} |"
            )
        ours = self.results.get(PRIVLAKE)
        if ours is not None and ours.survival is not None:
            lines.append(
                f"| (c) scored on all {ours.survival.rows:,} rows | | | | | | | "
                f"{_survived(ours.survival)} | {_intact(ours.survival)} |"
            )
        ratios = self.ratios()
        lines += [
            "",
            "Survival of (b) and (c) is compared on the same sample rows. Per CPU second of the "
            "whole process tree (steadier on a shared machine): (c)/(b) "
            f"{_times(ratios['cpu_throughput_privlake_over_presidio'])}, (c)/(a) "
            f"{_times(ratios['cpu_throughput_privlake_over_copy'])}, {self.scale}x N / N "
            f"{_times(ratios['cpu_throughput_scaled_over_base'])}.",
            "",
        ]
        lines += ["| target | wanted | measured | met |", "|---|---|---|---|"]
        for t in self.targets():
            verdict = "n/a" if t.met is None else ("yes" if t.met else "**no**")
            lines.append(f"| {t.name} | {t.target} | {t.measured} | {verdict} |")
        for name, failure in self.failures.items():
            lines += ["", f"{self.label(name)} failed: {failure}."]
        lines += [
            "",
            "Steps: wall seconds, then CPU seconds of the driver, the JVM and the Python workers "
            "(which side of the Arrow boundary a step is busy on):",
            "",
        ]
        for name, result in self.results.items():
            lines.append(f"- {self.label(name)}:")
            lines += [f"  - {_step(step)}" for step in result.steps]
            lines += [f"  - note: {note}" for note in result.notes]
        return "\n".join(lines) + "\n"

    def write(self, out: Path) -> tuple[Path, Path]:
        out.mkdir(parents=True, exist_ok=True)
        json_path, md_path = out / f"{self.date}.json", out / f"{self.date}.md"
        json_path.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")
        md_path.write_text(self.markdown(), encoding="utf-8")
        return json_path, md_path


def _rounded(cpu_by_role: dict[str, float]) -> dict[str, float]:
    return {role: round(seconds, 3) for role, seconds in cpu_by_role.items()}


def _step(step: Step) -> str:
    cpu = step.cpu_by_role
    return (
        f"{step.name}: {step.seconds:.1f} s wall; CPU s driver {cpu.get(DRIVER, 0.0):.1f}, "
        f"JVM {cpu.get(JVM, 0.0):.1f}, Python workers {cpu.get(PYTHON_WORKERS, 0.0):.1f}"
    )


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share:.2%}"


def _times(ratio: float | None) -> str:
    if ratio is None:
        return "-"
    return f"{ratio:,.1f}x" if ratio >= 1 else f"{ratio:.2f}x"  # 0.06x, not 0.1x


def _survived(survival: Survival | None) -> str:
    if survival is None or not survival.planted:
        return "-"
    return f"{survival.survived:,} / {survival.planted:,} ({_pct(survival.share)})"


def _intact(survival: Survival | None) -> str:
    if survival is None or not survival.lookalikes:
        return "-"
    return f"{survival.intact:,} / {survival.lookalikes:,} ({_pct(survival.intact_share)})"

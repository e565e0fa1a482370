"""The targets table of issue 19, computed from one ``make bench`` run, per corpus.

Every row has a value, the target, and a verdict per corpus; a target counts as met when
it is met on every corpus it is judged on. A figure that was not measured says so and
why ("not measured: ..."), it is never filled in. Marginal figures are taken between the
run at N and the run at K x N of the same approach: rows added over CPU seconds added.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench.corpus import CORPORA, GENERATOR, INDEPENDENT
from bench.names import (
    PRESIDIO,
    PRESIDIO_SCALED,
    PRIVLAKE,
    PRIVLAKE_HUGE,
    PRIVLAKE_SCALED,
    SAME_ZONES,
    SAME_ZONES_SCALED,
    SMALL_PRESIDIO,
    SMALL_PRIVLAKE,
)

if TYPE_CHECKING:
    from bench.report import BenchReport, CorpusReport

MIN_MARGINAL_VS_PRESIDIO = 100.0
MAX_MARGINAL_CPU_VS_SAME_ZONES = 2.0
MAX_WALL_VS_SAME_ZONES = 3.0
MIN_SMALL_DAY_SPEEDUP = 5.0
MAX_HUGE_WORKER_MIB = 1024.0
SMALL_DAY_ROWS = 14_000  # issue 19's small day; a run may choose another size (--small-day-rows)
# Issue 19's "now": (c) on all rows of the generator's day (issue 8's run, 300,000 rows).
SURVIVAL_BEFORE = (10, 233_293)

# The target names, as the results files and the checks key them.
MARGINAL_VS_PRESIDIO = "marginal rows per CPU second (N to {scale}x N), (c) / (b)"
MARGINAL_CPU_VS_SAME_ZONES = "marginal CPU per row (N to {scale}x N), (c) / (a2)"
WALL_VS_SAME_ZONES = "wall time at N, (c) / (a2)"
SMALL_DAY = "small day, cold: wall time of (b) on all rows / (c), {rows:,} independent device-log rows"
HUGE_COMPLETES = "{huge}x N completes with the default config; rows per CPU s vs {scale}x N"
HUGE_WORKER_RSS = "Python worker peak RSS at {huge}x N"
SURVIVAL = "planted free-text values surviving, (c) on all rows"
TARGET_COUNT = 7


@dataclass(frozen=True)
class Verdict:
    """One corpus's figure for one target: the value shown, and met, missed or not judged."""

    measured: str
    met: bool | None = None
    value: float | None = None

    def cell(self) -> str:
        if self.met is None:
            return self.measured
        return f"{self.measured} ({'met' if self.met else '**missed**'})"

    def as_dict(self) -> dict[str, Any]:
        return {"measured": self.measured, "value": self.value, "met": self.met}


@dataclass(frozen=True)
class Target:
    name: str
    wanted: str
    by_corpus: dict[str, Verdict]
    judged_on: tuple[str, ...] = CORPORA

    @property
    def met(self) -> bool | None:
        """False when missed on a corpus it is judged on; True when met on all of them."""
        verdicts = [self.by_corpus[c].met if c in self.by_corpus else None for c in self.judged_on]
        if any(v is False for v in verdicts):
            return False
        return True if verdicts and all(v is True for v in verdicts) else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.wanted,
            "judged_on": list(self.judged_on),
            "by_corpus": {c: v.as_dict() for c, v in self.by_corpus.items()},
            "met": self.met,
        }


def not_measured(corpus: CorpusReport, *approaches: str) -> Verdict:
    """Why a figure needing ``approaches`` is missing: failed, skipped, or not in this run."""
    for name in approaches:
        if name in corpus.failures:
            return Verdict(f"not measured: {name} failed ({corpus.failures[name]})")
        if name in corpus.skipped:
            return Verdict(f"not measured: {name} not run ({corpus.skipped[name]})")
    if PRIVLAKE_HUGE in approaches and not corpus.workload.get("huge"):
        return Verdict(f"not measured: {PRIVLAKE_HUGE} not run (--huge not given)")
    missing = [name for name in approaches if name not in corpus.results]
    return Verdict(f"not measured: {', '.join(missing) or 'a figure'} missing from the run")


def _times(ratio: float) -> str:
    return f"{ratio:,.1f}x" if ratio >= 1 else f"{ratio:.2f}x"


def _ratio_verdict(
    corpus: CorpusReport, ratio: float | None, needs: tuple[str, ...], ok: bool | None, detail: str = ""
) -> Verdict:
    if ratio is None:
        verdict = not_measured(corpus, *needs)
        if all(n in corpus.results for n in needs):
            return Verdict("not measured: CPU did not grow between N and the scaled run")
        return verdict
    return Verdict(f"{_times(ratio)}{detail}", ok, round(ratio, 3))


def marginal_vs_presidio(corpus: CorpusReport) -> Verdict:
    ratios = corpus.ratios()
    ratio = ratios["marginal_privlake_over_presidio"]
    needs = (PRIVLAKE, PRIVLAKE_SCALED, PRESIDIO, PRESIDIO_SCALED)
    if ratio is None:
        return _ratio_verdict(corpus, None, needs, None)
    ours, theirs = (
        ratios["marginal_rows_per_cpu_second_privlake"],
        ratios["marginal_rows_per_cpu_second_presidio"],
    )
    detail = f" ({ours:,.0f} vs {theirs:,.0f} rows per CPU s)"
    return _ratio_verdict(corpus, ratio, needs, ratio >= MIN_MARGINAL_VS_PRESIDIO, detail)


def marginal_cpu_vs_same_zones(corpus: CorpusReport) -> Verdict:
    ratios = corpus.ratios()
    ratio = ratios["marginal_cpu_per_row_privlake_over_same_zones"]
    needs = (PRIVLAKE, PRIVLAKE_SCALED, SAME_ZONES, SAME_ZONES_SCALED)
    if ratio is None:
        return _ratio_verdict(corpus, None, needs, None)
    ours, floor = (
        ratios["marginal_rows_per_cpu_second_privlake"],
        ratios["marginal_rows_per_cpu_second_same_zones"],
    )
    detail = f" ({ours:,.0f} vs {floor:,.0f} rows per CPU s)"
    return _ratio_verdict(corpus, ratio, needs, ratio <= MAX_MARGINAL_CPU_VS_SAME_ZONES, detail)


def wall_vs_same_zones(corpus: CorpusReport) -> Verdict:
    ratio = corpus.wall_ratio(PRIVLAKE, SAME_ZONES)
    if ratio is None:
        return not_measured(corpus, PRIVLAKE, SAME_ZONES)
    detail = f" ({corpus.results[PRIVLAKE].seconds:.1f} s vs {corpus.results[SAME_ZONES].seconds:.1f} s)"
    return Verdict(f"{_times(ratio)}{detail}", ratio <= MAX_WALL_VS_SAME_ZONES, round(ratio, 3))


def small_day(corpus: CorpusReport) -> Verdict:
    if corpus.corpus != INDEPENDENT:
        return Verdict("n/a: defined on the independent corpus's device logs")
    ratio = corpus.wall_ratio(SMALL_PRESIDIO, SMALL_PRIVLAKE)
    if ratio is None:
        return not_measured(corpus, SMALL_PRESIDIO, SMALL_PRIVLAKE)
    theirs, ours = corpus.results[SMALL_PRESIDIO], corpus.results[SMALL_PRIVLAKE]
    all_rows = corpus.workload["small_day_device_logs_rows"]
    if theirs.rows < all_rows:  # ran on a sample: its wall time at all rows is extrapolated
        seconds = theirs.seconds * all_rows / theirs.rows
        ratio = seconds / ours.seconds
        how = f", extrapolated from the sample of {theirs.rows:,} rows"
    else:
        seconds, how = theirs.seconds, ""
    measured = f"{_times(ratio)} ({seconds:.1f} s vs {ours.seconds:.1f} s{how})"
    return Verdict(measured, ratio >= MIN_SMALL_DAY_SPEEDUP, round(ratio, 3))


def huge_completes(corpus: CorpusReport) -> Verdict:
    huge, scaled = corpus.results.get(PRIVLAKE_HUGE), corpus.results.get(PRIVLAKE_SCALED)
    if PRIVLAKE_HUGE in corpus.failures:
        return Verdict(f"no: failed ({corpus.failures[PRIVLAKE_HUGE]})", False)
    if huge is None:
        return not_measured(corpus, PRIVLAKE_HUGE)
    if scaled is None:
        return Verdict(f"yes; rows per CPU s {huge.rows_per_cpu_second:,.0f} (no scaled run to compare)")
    ratio = huge.rows_per_cpu_second / scaled.rows_per_cpu_second
    measured = f"yes; {huge.rows_per_cpu_second:,.0f} vs {scaled.rows_per_cpu_second:,.0f} rows per CPU s"
    return Verdict(measured, ratio >= 1.0, round(ratio, 3))


def huge_worker_rss(corpus: CorpusReport) -> Verdict:
    huge, scaled = corpus.results.get(PRIVLAKE_HUGE), corpus.results.get(PRIVLAKE_SCALED)
    if huge is None:
        verdict = not_measured(corpus, PRIVLAKE_HUGE)
        if scaled is not None:
            return Verdict(f"{verdict.measured}; at the scaled run: {scaled.usage.peak_total_mib:,.0f} MiB")
        return verdict
    peak = huge.usage.peak_total_mib
    return Verdict(f"{peak:,.0f} MiB", peak <= MAX_HUGE_WORKER_MIB, round(peak, 1))


def survival(corpus: CorpusReport) -> Verdict:
    ours = corpus.results.get(PRIVLAKE)
    if ours is None or ours.survival is None or ours.survival.share is None:
        return not_measured(corpus, PRIVLAKE)
    s, share = ours.survival, ours.survival.share
    measured = f"{s.survived:,} / {s.planted:,}"
    if corpus.corpus != GENERATOR:
        return Verdict(f"{measured} (reported: no earlier figure on this corpus)", None, share)
    before = SURVIVAL_BEFORE[0] / SURVIVAL_BEFORE[1]
    return Verdict(measured, share <= before, share)


def issue19_targets(report: BenchReport) -> list[Target]:
    """The seven rows of issue 19's targets table for this run."""
    corpora = report.corpora
    small_rows = next(
        (c.workload.get("small_day_device_logs_rows") for c in corpora.values() if c.corpus == INDEPENDENT),
        None,
    )
    names = {"scale": report.scale, "huge": report.huge}

    def row(name: str, wanted: str, judge: Any, judged_on: tuple[str, ...] = CORPORA) -> Target:
        return Target(
            name.format(**names, rows=small_rows or SMALL_DAY_ROWS),
            wanted,
            {c: judge(r) for c, r in corpora.items()},
            judged_on,
        )

    return [
        row(MARGINAL_VS_PRESIDIO, f">= {MIN_MARGINAL_VS_PRESIDIO:.0f}x", marginal_vs_presidio),
        row(
            MARGINAL_CPU_VS_SAME_ZONES,
            f"<= {MAX_MARGINAL_CPU_VS_SAME_ZONES:.0f}x",
            marginal_cpu_vs_same_zones,
        ),
        row(WALL_VS_SAME_ZONES, f"<= {MAX_WALL_VS_SAME_ZONES:.0f}x", wall_vs_same_zones),
        row(SMALL_DAY, f">= {MIN_SMALL_DAY_SPEEDUP:.0f}x", small_day, (INDEPENDENT,)),
        row(HUGE_COMPLETES, "yes, rows per CPU s >= those at the scaled run", huge_completes),
        row(HUGE_WORKER_RSS, f"<= {MAX_HUGE_WORKER_MIB:,.0f} MiB", huge_worker_rss),
        row(
            SURVIVAL,
            f"no worse than {SURVIVAL_BEFORE[0]} / {SURVIVAL_BEFORE[1]:,} (generator; judged there)",
            survival,
            (GENERATOR,),
        ),
    ]

"""The bench's checks (bench/checks.py), its targets table (bench/targets.py) and its failure
report, without running the benchmark.

The benchmark itself runs in ``make bench`` and ``make bench-quick``, which exit 1 when a
run's results fail a check; whether each approach's session ran in a JVM of its own is
checked by every run (``bench.session.spark_session``). Here, on made-up results shaped as
measured: the checks pass a well-formed run, name what is wrong in a broken one, and make
``python -m bench.bench`` fail; the targets are computed from the right runs and say why a
figure is missing.
"""

from __future__ import annotations

import copy
import json
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench.approaches import Step, StepLog, steps_of_run
from bench.checks import problems
from bench.names import (
    COPY,
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
from bench.process_tree import ProcessTreeUsage
from bench.report import ApproachResult, BenchReport, CorpusReport
from bench.survival import Survival
from bench.targets import TARGET_COUNT

DATASETS = ("accounts", "device_logs", "usage_history")
ENVIRONMENT = {"spark_master": "local[2]", "cpus": 2}


def cpu(jvm: float, workers: float = 0.0) -> dict[str, float]:
    return {"driver": 0.5, "jvm": jvm, "python_workers": workers, "other": 0.0}


def approach(
    name: str, rows: int, steps: list[Step], workers_mib: float = 0.0, seconds: float = 0.0
) -> ApproachResult:
    total = {role: sum(s.cpu_by_role[role] for s in steps) + 0.25 for role in steps[0].cpu_by_role}
    usage = ProcessTreeUsage(workers_mib, workers_mib / 2, 2 if workers_mib else 0, total)
    return ApproachResult(name, rows, seconds or 2.0 * len(steps), usage, steps)


def privlake_run(
    name: str, rows: int, jvm: float, workers: float, datasets: tuple[str, ...] = DATASETS
) -> ApproachResult:
    steps = []
    for dataset in datasets:
        steps += [
            Step(f"ingest {dataset}", 1.0, cpu(jvm)),
            Step(f"deidentify {dataset}", 2.0, cpu(jvm, workers)),
        ]
    return approach(name, rows, steps, 600.0)


def same_zones(name: str, rows: int, jvm: float) -> ApproachResult:
    steps = [Step(f"{zone} {d}", 1.0, cpu(jvm)) for d in DATASETS for zone in ("bronze", "silver")]
    return approach(name, rows, steps)


def presidio(
    name: str, rows: int, workers: float, datasets: tuple[str, ...] = ("device_logs", "usage_history")
) -> ApproachResult:
    steps = [Step(f"presidio sample {d}", 5.0, cpu(1.0, workers)) for d in datasets]
    return approach(name, rows, steps, 900.0)


def corpus_run(name: str, quick: bool) -> CorpusReport:
    """What one corpus of a run at 300 rows writes, figures made up but shaped as measured."""
    workload: dict[str, Any] = {
        "device_logs_rows": 300,
        "usage_history_rows": 150,
        "accounts": 20,
        "seed": 7,
        "presidio_sample_rows": 50,
        "presidio_sample_by_dataset": {"device_logs": 34, "usage_history": 16},
        "scale": 4,
        "quick": quick,
        "huge": 0,
    }
    reference = presidio(PRESIDIO, 50, 8.0)
    reference.survival = Survival(50, 40, 12, 30, 20)
    reference.notes.append("a deterministic sample of 50 rows (device_logs 34, usage_history 16)")
    ours = privlake_run(PRIVLAKE, 450, 2.0, 3.0)
    ours.survival = Survival(450, 300, 1, 200, 199)
    ours.survival_on_sample = Survival(50, 40, 0, 30, 30)
    copy_steps = [Step(f"copy {d}", 1.0, cpu(1.5)) for d in DATASETS]
    results = {
        COPY: approach(COPY, 450, copy_steps),
        SAME_ZONES: same_zones(SAME_ZONES, 450, 1.0),
        PRESIDIO: reference,
        PRIVLAKE: ours,
    }
    corpus = CorpusReport(name, workload, results)
    if quick:
        corpus.skipped.update({n: "--quick" for n in (SAME_ZONES_SCALED, PRESIDIO_SCALED, PRIVLAKE_SCALED)})
    else:
        workload.update(scaled_rows=1800, scaled_presidio_sample_rows=200)
        results[SAME_ZONES_SCALED] = same_zones(SAME_ZONES_SCALED, 1800, 2.0)
        results[PRESIDIO_SCALED] = presidio(PRESIDIO_SCALED, 200, 32.0)
        results[PRIVLAKE_SCALED] = privlake_run(PRIVLAKE_SCALED, 1800, 4.0, 9.0)
    corpus.skipped[PRIVLAKE_HUGE] = "--huge not given"
    if name == "independent":
        workload.update(small_day_device_logs_rows=300, small_day_presidio_rows=300)
        results[SMALL_PRESIDIO] = presidio(SMALL_PRESIDIO, 300, 20.0, ("device_logs",))
        results[SMALL_PRIVLAKE] = privlake_run(SMALL_PRIVLAKE, 300, 3.0, 2.0, ("device_logs",))
    return corpus


def bench_report(quick: bool = True) -> BenchReport:
    report = BenchReport("test-run", ENVIRONMENT, 4, 16)
    for name in ("generator", "independent"):
        report.corpora[name] = corpus_run(name, quick)
    return report


@pytest.mark.parametrize("quick", [True, False], ids=["quick", "full"])
def test_a_well_formed_run_passes_the_checks(quick: bool) -> None:
    report = bench_report(quick)
    assert problems(report.as_dict(), report.markdown()) == []


def test_a_run_with_a_failed_scaled_run_passes_the_checks_and_misses_nothing_silently() -> None:
    # a failure at scale is a finding (reported in the targets table), not broken plumbing
    report = bench_report(quick=False)
    generator = report.corpora["generator"]
    del generator.results[PRIVLAKE_SCALED]
    generator.failures[PRIVLAKE_SCALED] = "ingest device_logs: OutOfMemoryError (Java heap space)"
    assert problems(report.as_dict(), report.markdown()) == []
    marginal = report.targets()[0]
    assert "failed (ingest device_logs" in marginal.by_corpus["generator"].measured
    assert marginal.met is None or marginal.met is False


def test_every_target_row_is_reported_for_both_corpora() -> None:
    report = bench_report(quick=False)
    targets = report.targets()
    assert len(targets) == TARGET_COUNT
    markdown = report.markdown()
    for target in targets:
        assert set(target.by_corpus) == {"generator", "independent"}
        assert f"| {target.name} |" in markdown


def test_the_marginal_figures_come_from_the_runs_at_n_and_at_k_times_n() -> None:
    corpus = bench_report(quick=False).corpora["generator"]
    ratios = corpus.ratios()
    extra_rows = 1800 - 450
    ours = extra_rows / (
        corpus.results[PRIVLAKE_SCALED].usage.cpu_seconds - corpus.results[PRIVLAKE].usage.cpu_seconds
    )
    floor = extra_rows / (
        corpus.results[SAME_ZONES_SCALED].usage.cpu_seconds - corpus.results[SAME_ZONES].usage.cpu_seconds
    )
    theirs = (200 - 50) / (
        corpus.results[PRESIDIO_SCALED].usage.cpu_seconds - corpus.results[PRESIDIO].usage.cpu_seconds
    )
    assert ratios["marginal_rows_per_cpu_second_privlake"] == pytest.approx(ours)
    assert ratios["marginal_privlake_over_presidio"] == pytest.approx(ours / theirs)
    assert ratios["marginal_cpu_per_row_privlake_over_same_zones"] == pytest.approx(floor / ours)


def test_a_quick_run_reports_the_scaled_targets_as_not_measured_with_the_reason() -> None:
    targets = {t.name.split(" (")[0]: t for t in bench_report(quick=True).targets()}
    for name in ("marginal rows per CPU second", "marginal CPU per row"):
        for verdict in targets[name].by_corpus.values():
            assert verdict.measured.startswith("not measured") and "--quick" in verdict.measured
            assert verdict.met is None and verdict.value is None
        assert targets[name].met is None


def test_a_target_is_met_only_when_met_on_every_corpus_it_is_judged_on() -> None:
    report = bench_report(quick=False)
    wall = next(t for t in report.targets() if t.name.startswith("wall time at N"))
    assert wall.met is True  # (c) 12 s against (a2) 12 s on both
    report.corpora["independent"].results[PRIVLAKE].seconds = 100.0
    wall = next(t for t in report.targets() if t.name.startswith("wall time at N"))
    assert wall.by_corpus["generator"].met is True and wall.by_corpus["independent"].met is False
    assert wall.met is False


def test_the_small_day_is_judged_on_the_independent_corpus_and_says_when_it_is_extrapolated() -> None:
    report = bench_report(quick=True)
    independent = report.corpora["independent"]
    small = next(t for t in report.targets() if t.name.startswith("small day"))
    assert small.judged_on == ("independent",)
    assert small.by_corpus["generator"].measured.startswith("n/a")
    assert "extrapolated" not in small.by_corpus["independent"].measured
    independent.results[SMALL_PRESIDIO].rows = 100  # (b) ran on a third of the rows
    small = next(t for t in report.targets() if t.name.startswith("small day"))
    assert "extrapolated from the sample of 100 rows" in small.by_corpus["independent"].measured
    seconds = independent.results[SMALL_PRESIDIO].seconds * 3
    assert small.by_corpus["independent"].value == pytest.approx(
        seconds / independent.results[SMALL_PRIVLAKE].seconds, rel=1e-3
    )


def test_the_huge_targets_are_not_run_by_default_and_judged_when_run() -> None:
    report = bench_report(quick=False)
    by_name = {t.name.split(" ")[0]: t for t in report.targets()}
    assert "--huge not given" in by_name["16x"].by_corpus["generator"].measured
    rss = next(t for t in report.targets() if t.name.startswith("Python worker peak RSS"))
    assert rss.by_corpus["generator"].measured.startswith("not measured") and "at the scaled run" in (
        rss.by_corpus["generator"].measured
    )
    for corpus in report.corpora.values():
        del corpus.skipped[PRIVLAKE_HUGE]
        corpus.workload.update(huge=16, huge_rows=7200)
        corpus.results[PRIVLAKE_HUGE] = privlake_run(PRIVLAKE_HUGE, 7200, 8.0, 20.0)
    assert problems(report.as_dict(), report.markdown()) == []
    huge = next(t for t in report.targets() if t.name.startswith("16x"))
    assert all(v.value is not None for v in huge.by_corpus.values())


def test_steps_of_run_records_ingest_and_deidentify_of_the_fused_run() -> None:
    calls: list[str] = []
    pipeline = types.SimpleNamespace(
        ingest=lambda spark, config, name, day: calls.append(f"i {name}") or "bronze",
        deidentify=lambda spark, config, name, day, key: calls.append(f"d {name}") or "silver",
    )
    original = pipeline.ingest

    def run_dataset_day(name: str) -> list[str]:
        return [pipeline.ingest(None, None, name, 1), pipeline.deidentify(None, None, name, 1, "k")]

    steps = StepLog(lambda: {"jvm": 0.0})
    with steps_of_run(steps, pipeline):  # type: ignore[arg-type]
        assert run_dataset_day("accounts") == ["bronze", "silver"]
    assert [s.name for s in steps.steps] == ["ingest accounts", "deidentify accounts"]
    assert calls == ["i accounts", "d accounts"] and pipeline.ingest is original


def _python_workers_in_the_floor(r: dict[str, Any]) -> None:
    r["corpora"]["generator"]["approaches"][SAME_ZONES]["step_cpu_seconds"]["bronze device_logs"][
        "python_workers"
    ] = 0.5


def _python_workers_in_ingest(r: dict[str, Any]) -> None:
    r["corpora"]["independent"]["approaches"][PRIVLAKE]["step_cpu_seconds"]["ingest accounts"][
        "python_workers"
    ] = 1.5


def _steps_use_more_cpu_than_the_approach(r: dict[str, Any]) -> None:
    r["corpora"]["generator"]["approaches"][PRIVLAKE]["cpu_seconds"] = 1.0


def _privlake_skipped_a_dataset(r: dict[str, Any]) -> None:
    r["corpora"]["generator"]["approaches"][PRIVLAKE]["rows"] = 300


def _the_fused_run_not_timed_per_step(r: dict[str, Any]) -> None:
    approach = r["corpora"]["generator"]["approaches"][PRIVLAKE]
    for table in ("steps", "step_cpu_seconds"):
        del approach[table]["deidentify usage_history"]


def _the_sample_was_not_scored(r: dict[str, Any]) -> None:
    r["corpora"]["independent"]["approaches"][PRESIDIO]["free_text_survival"]["planted"] = 0


def _the_floor_is_missing(r: dict[str, Any]) -> None:
    del r["corpora"]["generator"]["approaches"][SAME_ZONES]


def _the_small_day_is_missing(r: dict[str, Any]) -> None:
    del r["corpora"]["independent"]["approaches"][SMALL_PRIVLAKE]


def _an_approach_at_n_failed(r: dict[str, Any]) -> None:
    r["corpora"]["generator"]["failures"][PRIVLAKE] = "deidentify device_logs: PythonException"


def _a_target_row_is_missing(r: dict[str, Any]) -> None:
    r["targets"].pop()


def _a_target_without_value_or_reason(r: dict[str, Any]) -> None:
    verdict = r["targets"][2]["by_corpus"]["generator"]
    verdict.update(value=None, measured="")


def _a_figure_is_missing(r: dict[str, Any]) -> None:
    del r["corpora"]["generator"]["approaches"][COPY]["worker_memory_mib"]


def _a_raw_value_in_a_note(r: dict[str, Any]) -> None:
    r["corpora"]["generator"]["approaches"][PRIVLAKE]["notes"].append("row of anna@example.com")


BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "python workers in the floor": (
        _python_workers_in_the_floor,
        f"{SAME_ZONES}, bronze device_logs: Python",
    ),
    "python workers in ingest": (_python_workers_in_ingest, f"{PRIVLAKE}, ingest accounts: Python workers"),
    "cpu does not add up": (_steps_use_more_cpu_than_the_approach, "CPU by role adds up"),
    "rows short of the workload": (_privlake_skipped_a_dataset, "300 rows, the workload has 450"),
    "fused run not timed per step": (_the_fused_run_not_timed_per_step, "not timed per step"),
    "sample not scored": (_the_sample_was_not_scored, "independent: no planted value"),
    "floor missing": (_the_floor_is_missing, "generator: approaches ["),
    "small day missing": (_the_small_day_is_missing, "independent: approaches ["),
    "approach at N failed": (_an_approach_at_n_failed, "failed approaches at N"),
    "target row missing": (_a_target_row_is_missing, f"issue 19 has {TARGET_COUNT}"),
    "target without value or reason": (_a_target_without_value_or_reason, "no value and no reason"),
    "figure missing": (_a_figure_is_missing, f"{COPY}: keys"),
    "raw value": (_a_raw_value_in_a_note, "the JSON holds '@'"),
}


@pytest.mark.parametrize("broken", BROKEN, ids=list(BROKEN))
def test_a_broken_run_fails_a_check_that_names_it(broken: str) -> None:
    report = bench_report(quick=False)
    results = copy.deepcopy(report.as_dict())
    breaks, expected = BROKEN[broken]
    breaks(results)
    found = problems(results, report.markdown())
    assert any(expected in p for p in found), found
    assert not any("anna@" in p for p in found)  # a problem names fields and figures, never values


def test_a_raw_value_in_the_markdown_fails_the_checks() -> None:
    report = bench_report()
    found = problems(report.as_dict(), report.markdown() + "\n| acc-0000000001 |\n")
    assert found == ["the markdown holds 'acc-': a raw value may have leaked"]


@pytest.mark.parametrize("well_formed", [True, False], ids=["passes", "fails"])
def test_bench_exits_1_when_its_results_fail_a_check(
    well_formed: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bench.bench

    report = bench_report()
    if not well_formed:
        report.corpora["generator"].results[PRIVLAKE].steps[0] = Step("ingest accounts", 1.0, cpu(2.0, 1.5))
    monkeypatch.setattr(bench.bench, "run", lambda args: report)
    assert bench.bench.main(["--quick", f"--out={tmp_path}", "--date=test-run"]) == (0 if well_formed else 1)
    assert (tmp_path / "test-run.json").exists() and (tmp_path / "test-run.md").exists()
    errors = capsys.readouterr().err
    assert ("check failed" in errors) is not well_formed


def test_a_failure_summary_names_the_step_and_error_class_never_the_message() -> None:
    from bench.bench import failure_summary

    error = RuntimeError("row 17: anna@example.com broke it")
    error.add_note("bench step: ingest device_logs")
    assert failure_summary(error) == "ingest device_logs: RuntimeError"


def test_the_small_days_input_for_presidio_is_the_first_lines_of_the_landing_files(tmp_path: Path) -> None:
    from bench.runs import first_lines

    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "part-0000.jsonl").write_text('{"n":1}\n{"n":2}\n{"n":3}\n', encoding="utf-8")
    first_lines(landing, tmp_path / "head", 2)
    first_lines(landing, tmp_path / "all", 14_000)
    assert (tmp_path / "head" / "part-0000.jsonl").read_text(encoding="utf-8") == '{"n":1}\n{"n":2}\n'
    assert (tmp_path / "all" / "part-0000.jsonl").read_bytes() == (landing / "part-0000.jsonl").read_bytes()


def test_runs_on_separate_corpora_merge_into_one_report_with_the_same_figures(tmp_path: Path) -> None:
    from bench.merge import main as merge_main

    full = bench_report(quick=False)
    paths = []
    for name in ("generator", "independent"):
        alone = BenchReport("alone", ENVIRONMENT, 4, 16, {name: full.corpora[name]})
        paths.append(alone.write(tmp_path / name)[0])
    assert merge_main([*map(str, paths), f"--out={tmp_path / 'merged'}", "--date=test-run"]) == 0
    merged = json.loads((tmp_path / "merged" / "test-run.json").read_text(encoding="utf-8"))
    assert merged == json.loads(json.dumps(full.as_dict()))
    assert (tmp_path / "merged" / "test-run.md").read_text(encoding="utf-8") == full.markdown()


def test_a_stopped_run_merged_as_unfinished_says_what_was_not_run_and_passes_the_checks() -> None:
    from bench.merge import mark_unfinished

    report = bench_report(quick=False)
    independent = report.corpora["independent"]
    for name in (PRIVLAKE_SCALED, SMALL_PRESIDIO, SMALL_PRIVLAKE):
        del independent.results[name]
    assert problems(report.as_dict(), report.markdown())  # missing approaches fail the checks
    mark_unfinished(report, "stopped at the deadline")
    assert independent.skipped[PRIVLAKE_SCALED] == "stopped at the deadline"
    assert problems(report.as_dict(), report.markdown()) == []
    small = next(t for t in report.targets() if t.name.startswith("small day"))
    assert small.by_corpus["independent"].measured.startswith("not measured")
    assert "stopped at the deadline" in small.by_corpus["independent"].measured


def test_idle_workers_of_an_earlier_deidentify_may_tick_in_a_later_ingest_but_no_more() -> None:
    report = bench_report(quick=True)
    steps = report.corpora["generator"].results[PRIVLAKE].steps
    ingest = next(i for i, s in enumerate(steps) if s.name == "ingest usage_history")
    steps[ingest] = Step("ingest usage_history", 1.0, cpu(2.0, 0.1))
    assert problems(report.as_dict(), report.markdown()) == []
    steps[ingest] = Step("ingest usage_history", 1.0, cpu(2.0, 1.5))
    assert any(
        "ingest usage_history: Python workers ran" in p for p in problems(report.as_dict(), report.markdown())
    )

"""The driver's side of free-text scrubbing stays light: building a job's plan must not
import Presidio or spaCy (seconds per job); only the Python workers load them."""

from __future__ import annotations

from tests.conftest import run_python


def test_building_the_free_text_plan_imports_neither_presidio_nor_spacy() -> None:
    script = """
        import sys
        from privlake.config import load_config
        from privlake.freetext import free_text_plan

        config = load_config(None)
        plan = free_text_plan(config, config.dataset("usage_history"), b"k" * 32, [])
        assert plan.columns and all(settings.ner for _, settings, _ in plan.columns), plan.columns
        heavy = sorted(m for m in ("presidio_analyzer", "presidio_anonymizer", "spacy") if m in sys.modules)
        print(",".join(heavy))
        """
    result = run_python(script, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "", f"the driver imported {result.stdout.strip()}"


def test_the_scrubber_module_still_exports_its_settings() -> None:
    from anonymizers.scrubber import ScrubSettings as FromScrubber
    from anonymizers.settings import ScrubSettings

    assert FromScrubber is ScrubSettings


def test_the_plan_carries_the_switched_on_optional_recognizers() -> None:
    from privlake.config import load_config
    from privlake.freetext import free_text_plan

    config = load_config(None)
    plan = free_text_plan(config, config.dataset("device_logs"), b"k" * 32, [])
    assert plan.columns and all(settings.optional_entities == () for _, settings, _ in plan.columns)
    deidentify = config.deidentify.model_copy(update={"optional_entities": ("ICCID",)})
    switched_on = config.model_copy(update={"deidentify": deidentify})
    plan = free_text_plan(switched_on, switched_on.dataset("device_logs"), b"k" * 32, [])
    assert plan.columns and all(settings.optional_entities == ("ICCID",) for _, settings, _ in plan.columns)

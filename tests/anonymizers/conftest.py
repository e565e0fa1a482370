"""Shared fixtures for the Presidio-layer tests: engines are built once per session."""

from __future__ import annotations

import pytest
from presidio_analyzer import AnalyzerEngine

from anonymizers.engine import EntityPrefilter, build_analyzer
from anonymizers.scrubber import ScrubSettings, TextScrubber

TEST_KEY = b"privlake-test-key-0123456789abcdef"


@pytest.fixture(scope="session")
def key() -> bytes:
    """The pseudonym key the session's scrubbers use (a test value, not a secret)."""
    return TEST_KEY


@pytest.fixture(scope="session")
def analyzer() -> AnalyzerEngine:
    return build_analyzer(ner=False)


@pytest.fixture(scope="session")
def prefilter(analyzer: AnalyzerEngine) -> EntityPrefilter:
    return EntityPrefilter.for_analyzer(analyzer)


@pytest.fixture(scope="session")
def scrubber() -> TextScrubber:
    return TextScrubber(ScrubSettings(), TEST_KEY)


@pytest.fixture(scope="session")
def ner_scrubber() -> TextScrubber:
    return TextScrubber(ScrubSettings(ner=True), TEST_KEY)


@pytest.fixture()
def fresh_scrubber() -> TextScrubber:
    """A scrubber with an empty cache and no known identifiers (shares the engine)."""
    return TextScrubber(ScrubSettings(), TEST_KEY)

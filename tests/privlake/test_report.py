"""privlake report: one offline HTML page whose charts render in headless Chromium, and
which never holds a raw value or a pseudonym."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from privlake.report import write_report
from tests.jobs.test_aggregate import DAY, RAW_EMAIL, AnalyticsLake, _build_lake

CHARTS = ("zones", "entities", "quarantine", "suppression", "risk")


@pytest.fixture(scope="module")
def report(spark: SparkSession) -> tuple[AnalyticsLake, Path]:
    lake = _build_lake(spark)
    return lake, write_report(spark, lake.config, DAY, lake.root / "reports" / "report.html")


def test_the_page_is_self_contained_and_holds_no_personal_value(report: tuple[AnalyticsLake, Path]) -> None:
    html = report[1].read_text()
    assert not re.search(r"""(src|href)=["']?https?:""", html) and "<script" not in html
    for value in (RAW_EMAIL, "A1B2C3D4E5F60718", "acc-raw-1", "acct_", "dev_"):
        assert value not in html


def test_the_charts_render_in_headless_chromium(report: tuple[AnalyticsLake, Path]) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", report[1].as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    for chart in CHARTS:
        svg = re.search(rf'<svg class="chart" data-chart="{chart}".*?</svg>', dom, re.S)
        assert svg, chart
        assert len(re.findall(r'<rect class="bar', svg.group(0))) >= 1, chart
    # entity types from the run record, suppression per gold table
    assert "EMAIL_ADDRESS" in dom and "daily_device_activity" in dom
    # no retention or erasure yet: those sections say so instead of failing
    assert "No retention run recorded yet." in dom
    assert "No erasure or restriction requests recorded yet." in dom

"""``privlake report --date D``: one self-contained HTML page on what the pipeline did.

``data`` reads counts and labels from the warehouse, ``svg`` draws the charts and ``html``
lays out the page; ``write_report`` ties them together and writes the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from privlake.config import PrivlakeConfig

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def default_report_path(day: dt.date, folder: Path = Path("reports")) -> Path:
    return folder / f"privlake-report-{day.isoformat()}.html"


def write_report(spark: SparkSession, config: PrivlakeConfig, day: dt.date, out: Path) -> Path:
    """Collect the day's numbers, render the page and write it to ``out``."""
    from privlake.delta import run_settings, session_settings
    from privlake.report.data import collect_report_data
    from privlake.report.html import render_report

    with session_settings(spark, run_settings(spark, config)):
        data = collect_report_data(spark, config, day)
    page = render_report(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out.resolve()

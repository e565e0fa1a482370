"""``privlake demo``: the whole pipeline on generated data, locally, with nothing to start.

It generates one day of sample landing data into a work folder, runs every step on it
with local Spark and a local Delta warehouse, and prints what was produced and where.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from privlake.config import ZONES, load_config
from privlake.report_console import print_run_records, print_zone_counts
from privlake.runlog import RunRecord


def run_demo(
    console: Console, workdir: Path, day: dt.date, config_file: str | None, rows: int, accounts: int
) -> int:
    from jobs.ingest import ingest
    from privlake.generate import generate_day
    from privlake.spark import get_spark
    from privlake.tables import table_exists

    workdir = workdir.resolve()
    os.environ["PRIVLAKE_LANDING_ROOT"] = str(workdir / "landing")
    os.environ["PRIVLAKE_WAREHOUSE_ROOT"] = str(workdir / "warehouse")
    config = load_config(config_file)
    records: list[RunRecord] = []
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        step = progress.add_task(f"generating sample data for {day}", total=None)
        generate_day(
            workdir / "landing", day, accounts=accounts, rows=rows, truth_dir=workdir / "ground_truth"
        )
        progress.update(step, description=f"generated sample data for {day} in {workdir / 'landing'}")
        progress.stop_task(step)
        step = progress.add_task("starting Spark with Delta Lake", total=None)
        spark = get_spark(config, app_name="privlake-demo")
        progress.stop_task(step)
        for name in config.datasets:
            step = progress.add_task(f"ingest {name}", total=None)
            records.append(ingest(spark, config, name, day))
            progress.stop_task(step)
    print_run_records(console, records)
    zone_rows = []
    for zone in ZONES:
        if zone == "landing":
            continue
        zone_dir = Path(config.warehouse_root) / zone
        for table_dir in sorted(zone_dir.iterdir()) if zone_dir.is_dir() else []:
            path = str(table_dir)
            if table_exists(spark, path):
                count = spark.read.format("delta").load(path).count()
                zone_rows.append((zone, table_dir.name, path, count))
    print_zone_counts(console, zone_rows)
    console.print(f"landing files: {config.landing_root}")
    console.print(f"warehouse:     {config.warehouse_root}")
    console.print(
        'query it:      .venv/bin/privlake sql "SELECT ..."  (after the de-identification step lands)'
    )
    return 0

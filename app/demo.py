"""``privlake demo``: the whole pipeline on generated data, locally, with nothing to start.

It generates one day of sample landing data into a work folder, runs every step on it
with local Spark and a local Delta warehouse, and prints what was produced and where.
Raw values are only ever shown as masked shapes (``Xxxx 99.9.9.99``), never as they are.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from privlake.config import ZONES, PrivlakeConfig, load_config
from privlake.console.runs import print_entity_counts, print_run_records, print_zone_counts
from privlake.runlog import RunRecord

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from privlake.pseudonym import PseudonymKey
    from privlake.retention.rules import LegalHold

T = TypeVar("T")


def masked(value: object) -> str:
    """The shape of a raw value: letters become x/X, digits 9, punctuation stays."""
    text = str(value)
    text = re.sub(r"[^\W\d_]", lambda m: "X" if m.group().isupper() else "x", text)
    return re.sub(r"\d", "9", text)


class DemoSteps:
    """Runs named steps with a spinner each, so a person sees where the time goes."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
        )

    def run(self, description: str, action: Callable[[], T]) -> T:
        task = self.progress.add_task(description, total=1)
        result = action()
        self.progress.update(task, completed=1)
        return result


def zone_contents(spark: SparkSession, config: PrivlakeConfig) -> list[tuple[str, str, str, int]]:
    from privlake.delta import table_exists

    rows = []
    for zone in ZONES:
        zone_dir = Path(config.warehouse_root) / zone
        if zone == "landing" or not zone_dir.is_dir():
            continue
        for table_dir in sorted(zone_dir.iterdir()):
            if table_exists(spark, str(table_dir)):
                count = spark.read.format("delta").load(str(table_dir)).count()
                rows.append((zone, table_dir.name, str(table_dir), count))
    return rows


def bronze_next_to_silver(spark: SparkSession, config: PrivlakeConfig, day: dt.date, n: int = 4) -> Table:
    """A few device_logs rows with personal data: bronze masked, silver as analysts see it."""
    from pyspark.sql import functions as F

    bronze = spark.read.format("delta").load(config.table_path("bronze", "device_logs"))
    silver = spark.read.format("delta").load(config.table_path("silver", "device_logs"))
    picked = (
        bronze.where((F.col("dt") == F.lit(day)) & F.col("message").rlike(r"\d+\.\d+\.\d+\.\d+|@|SSID|user"))
        .orderBy("event_id")
        .limit(n)
        .select("event_id", F.col("device_serial").alias("b_serial"), F.col("message").alias("b_message"))
    )
    rows = picked.join(silver.where(F.col("dt") == F.lit(day)), "event_id").orderBy("event_id").collect()
    table = Table(title="device_logs: bronze (masked) next to silver", title_justify="left", show_lines=True)
    table.add_column("bronze serial (masked)")
    table.add_column("silver serial")
    table.add_column("bronze message (masked)")
    table.add_column("silver message")
    for r in rows:
        table.add_row(masked(r.b_serial), r.device_serial, masked(r.b_message), r.message)
    return table


def run_demo(
    console: Console, workdir: Path, day: dt.date, config_file: str | None, rows: int, accounts: int
) -> int:
    from privlake.console.retention import print_report
    from privlake.generator import generate_day
    from privlake.keys import ensure_demo_key, pseudonym_key
    from privlake.pipeline import datasets_in_run_order, run_dataset_day
    from privlake.retention.execute import retention
    from privlake.retention.rules import load_rules, rules_location
    from privlake.spark import get_spark

    workdir = workdir.resolve()
    os.environ["PRIVLAKE_LANDING_ROOT"] = str(workdir / "landing")
    os.environ["PRIVLAKE_WAREHOUSE_ROOT"] = str(workdir / "warehouse")
    config = load_config(config_file)
    if ensure_demo_key(config, workdir / ".pseudonym-key"):
        console.print(
            f"[yellow]{config.keys.pseudonym_key_env} is not set: using a local demo key "
            f"in {workdir / '.pseudonym-key'} (production keys come from a secrets backend)[/]"
        )
    key = pseudonym_key(config)
    records: list[RunRecord] = []
    steps = DemoSteps(console)
    with steps.progress:
        steps.run(
            f"generate sample data for {day}",
            lambda: generate_day(
                workdir / "landing", day, accounts=accounts, rows=rows, truth_dir=workdir / "ground_truth"
            ),
        )
        spark = steps.run("start Spark with Delta Lake", lambda: get_spark(config, app_name="privlake-demo"))
        for dataset in datasets_in_run_order(config):
            records += steps.run(
                f"ingest and de-identify {dataset.name}",
                lambda name=dataset.name: run_dataset_day(spark, config, name, day, key),  # type: ignore[misc]
            )
    print_run_records(console, records)
    print_entity_counts(console, [r for r in records if r.job == "deidentify"])
    print_zone_counts(console, zone_contents(spark, config))
    console.print(bronze_next_to_silver(spark, config, day))
    preview = day + dt.timedelta(days=60)
    console.rule(f"retention preview: what a run as of {preview} would do (dry run, nothing changes)")
    rules = load_rules(rules_location(None, config), config)
    print_report(retention(spark, config, rules, preview, dry_run=True), console)
    sweep_demo_minors(console, spark, config, key, day, rules.holds)
    console.print(f"landing files: {config.landing_root}")
    console.print(f"warehouse:     {config.warehouse_root}")
    demo_analytics(console, spark, config, day, workdir)
    email = demo_subject_email(accounts)
    export_demo_subject(console, spark, config, key, email, workdir / "exports")
    erase_demo_subject(console, spark, config, key, email)
    return 0


def sweep_demo_minors(
    console: Console,
    spark: SparkSession,
    config: PrivlakeConfig,
    key: PseudonymKey,
    day: dt.date,
    holds: Sequence[LegalHold],
) -> None:
    """The retention DAG's second task: erase children's accounts as of the day, print the counts."""
    from privlake.console.minors import print_sweep
    from privlake.privacy.age_thresholds import load_age_thresholds, thresholds_location
    from privlake.privacy.minors import sweep_minors

    location = thresholds_location(None, config)
    console.rule(f"minors sweep as of {day}: children's accounts ({location.name})")
    thresholds = load_age_thresholds(location)
    with console.status("find minors and erase their data (deny list, every zone, verification scan)"):
        sweep = sweep_minors(spark, config, thresholds, holds, day, key)
    print_sweep(sweep, console)


def demo_subject_email(accounts: int) -> str:
    """The e-mail address of the first demo account (``generate_day``'s default seed)."""
    from privlake.generator import build_subjects

    return build_subjects(7, accounts)[0].email


def export_demo_subject(
    console: Console, spark: SparkSession, config: PrivlakeConfig, key: PseudonymKey, email: str, out: Path
) -> None:
    """An access request for the demo subject, named by e-mail: one archive of their rows in
    every zone, with its manifest and summary; print the evidence."""
    import uuid

    from privlake.console.privacy import print_evidence
    from privlake.privacy.export import export
    from privlake.privacy.manifest import build_request

    request_id = f"demo-access-{uuid.uuid4().hex[:8]}"
    console.rule(f"access request {request_id}: the same subject's data, as one archive")
    out.mkdir(parents=True, exist_ok=True)
    archive = out / f"{request_id}.zip"
    request = build_request(request_id, "export", [f"email={email}"])
    print_evidence(console, export(spark, config, request, key, "json", str(archive)))
    console.print(f"archive: {archive} (manifest.json, summary.html, one file per dataset and zone)")


def erase_demo_subject(
    console: Console, spark: SparkSession, config: PrivlakeConfig, key: PseudonymKey, email: str
) -> None:
    """Erase the demo subject by their e-mail address (with --purge) and print the evidence."""
    import uuid

    from privlake.console.privacy import print_evidence
    from privlake.privacy.erasure import erase
    from privlake.privacy.evidence import evidence_path
    from privlake.privacy.manifest import build_request

    request_id = f"demo-{uuid.uuid4().hex[:8]}"  # a new request per demo run: the data is new too
    console.rule(f"erasure request {request_id}: one demo subject, named by e-mail, with --purge")
    request = build_request(request_id, "erase", [f"email={email}"], purge=True)
    print_evidence(console, erase(spark, config, request, key))
    console.print(f"evidence: {evidence_path(config, request_id, 'md')}")


DEMO_QUERIES = (
    (
        "errors per device model, from gold",
        "SELECT device_model, sum(events) AS events, sum(errors) AS errors "
        "FROM gold.daily_device_activity WHERE dt = DATE'{day}' "
        "GROUP BY device_model ORDER BY errors DESC LIMIT 5",
    ),
    (
        "usage per platform with the marketing opt-in share, silver joined on pseudonyms",
        "SELECT u.platform, count(DISTINCT u.account_id) AS subjects, count(*) AS events, "
        "round(avg(CAST(a.marketing_opt_in AS INT)), 2) AS opt_in_share "
        "FROM silver.usage_history u JOIN silver.accounts a ON u.account_id = a.account_id AND u.dt = a.dt "
        "WHERE u.dt = DATE'{day}' GROUP BY u.platform ORDER BY subjects DESC",
    ),
)


def demo_analytics(
    console: Console, spark: SparkSession, config: PrivlakeConfig, day: dt.date, workdir: Path
) -> None:
    """Aggregate the day into gold, write the HTML report and run two analyst queries."""
    from privlake.console.gold import print_gold_tables, print_risk, print_rows
    from privlake.gold import aggregate
    from privlake.query import run_sql
    from privlake.report import default_report_path, write_report

    console.rule(f"analytics: k-anonymous gold tables for {day}")
    with console.status("aggregate silver into gold"):
        result = aggregate(spark, config, day)
    print_gold_tables(console, result.tables)
    print_risk(console, result.risk)
    with console.status("write the HTML report"):
        report = write_report(spark, config, day, default_report_path(day, workdir / "reports"))
    for title, statement in DEMO_QUERIES:
        query = statement.format(day=day.isoformat())
        console.print(f'[bold]privlake sql[/] "{query}"')
        rows = run_sql(spark, config, query).collect()
        print_rows(console, list(rows[0].asDict()) if rows else [], [tuple(r) for r in rows], title)
    console.print(f"report:        {report}")

"""One publish run: stage, scan, upload and record the dates a destination is due.

A run for date D sends D and every date an erasure or restriction marked for republishing at
that destination (``privacy/republish``). For each date and published table it reads the
local table at its current Delta version, writes the date's rows to a staging folder in the
privacy zone (restricted, like the lake), and scans every staged file. Only when every file
of every date is clean does anything leave: a finding blocks the whole transfer (exit 1),
naming the table and file, never the value, and the blocked attempt is recorded too. The
destination then receives each table's rows as a Delta table at ``<root>/<zone>/<table>``
with partition ``dt=D`` replaced (``replaceWhere``), so analysts there read a plain Delta
table; the SHA-256 of every file the commit wrote is read back from the destination and kept
in ``privacy/transfers`` with the local versions and row counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import uuid
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import unquote

from privlake.delta import ensure_table, table_detail, table_exists, table_version, with_conflict_retry
from privlake.errors import PrivlakeError
from privlake.publish.republish import mark_republished, pending_dates, refresh_request_evidence
from privlake.publish.scan import OutgoingFinding, OutgoingScanner, describe_findings
from privlake.publish.targets import (
    PublishedTable,
    check_destination_region,
    destination,
    destination_path,
    destination_s3,
    published_tables,
)
from privlake.publish.transfers import BLOCKED, TransferRecord, record_transfer
from privlake.storage import FileStore, file_store, is_s3

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from privlake.config import PrivlakeConfig

STAGING_FOLDER = "publish_staging"
STATS_PROPERTY = "delta.dataSkippingStatsColumns"


class TransferBlocked(PrivlakeError):
    """The scan found something identifying in an outgoing file: nothing was sent (exit 1)."""


@dataclass
class StagedTable:
    table: PublishedTable
    source: str  # the local table
    version: int  # its Delta version the rows were read at
    staged: str  # the staging folder of the date's rows
    rows: int
    files: list[str] = field(default_factory=list)


@dataclass
class PublishReport:
    destination: str
    region: str
    transfer_id: str
    records: list[TransferRecord] = field(default_factory=list)


def publish(
    spark: SparkSession, config: PrivlakeConfig, name: str, days: list[dt.date], key: bytes
) -> PublishReport:
    """Publish ``days`` and every date marked for republishing to destination ``name``."""
    from privlake.aggregates import load_analytics

    target = destination(config, name)
    tables = published_tables(config, name, sorted(load_analytics(config).tables))
    check_destination_region(config, name)
    marked = pending_dates(spark, config, name)
    report = PublishReport(name, target.region, uuid.uuid4().hex)
    all_days = sorted({*days, *marked})
    if not all_days:
        return report
    scanner = OutgoingScanner.for_deployment(spark, config, key)
    staging = config.table_path("privacy", f"{STAGING_FOLDER}/{report.transfer_id}")
    store = file_store(staging, config.s3)
    try:
        staged = {
            day: [_stage(spark, config, table, day, f"{staging}/{day}") for table in tables]
            for day in all_days
        }
        findings = {day: _scan(store, scanner, staged[day]) for day in all_days}
        for day in all_days:
            record = _record(report, day, staged[day], marked.get(day, []))
            record.files_scanned = sum(len(s.files) for s in staged[day])
            report.records.append(record)
        if any(findings.values()):
            _record_blocked(spark, config, report, findings)
        for record in report.records:
            _upload(spark, config, name, staged[record.day], record)
            record_transfer(spark, config, record)
            if record.day in marked:
                mark_republished(spark, config, name, record.day, report.transfer_id)
                refresh_request_evidence(spark, config, record.republished_for)
    finally:
        for file in store.list_files(staging):
            store.delete(file.path)
        if not is_s3(staging):  # S3 has no folders; a local one would stay behind empty
            shutil.rmtree(staging.removeprefix("file://"), ignore_errors=True)
    return report


def _record(
    report: PublishReport, day: dt.date, staged: list[StagedTable], requests: list[str]
) -> TransferRecord:
    record = TransferRecord(report.transfer_id, report.destination, report.region, day)
    record.tables = [s.table.label for s in staged]
    record.table_versions = {s.table.label: s.version for s in staged}
    record.row_counts = {s.table.label: s.rows for s in staged}
    record.republished_for = requests
    return record


def _stage(
    spark: SparkSession, config: PrivlakeConfig, table: PublishedTable, day: dt.date, staging: str
) -> StagedTable:
    """The date's rows of the local table, at its current version, as Parquet in staging."""
    from pyspark.sql import functions as F

    source = config.table_path(table.zone, table.name)
    version = table_version(spark, source)
    if version is None:
        step = "privlake aggregate" if table.zone == "gold" else "privlake run"
        raise PrivlakeError(
            f"{table.label}: no table at {source} to publish; run `{step} --date {day}` first"
        )
    rows = (
        spark.read.format("delta")
        .option("versionAsOf", version)
        .load(source)
        .where(F.col("dt") == F.lit(day))
    )
    staged = f"{staging}/{table.zone}/{table.name}"
    rows.coalesce(1).write.mode("overwrite").parquet(staged)
    count = spark.read.parquet(staged).count()
    return StagedTable(table, source, version, staged, count)


def _scan(store: FileStore, scanner: OutgoingScanner, staged: list[StagedTable]) -> list[OutgoingFinding]:
    findings: list[OutgoingFinding] = []
    for table in staged:
        for file in store.list_files(table.staged):
            if not file.path.endswith(".parquet"):
                continue  # _SUCCESS and checksums: written by Spark, no data
            name = file.path.rsplit("/", 1)[-1]
            table.files.append(name)
            findings += scanner.scan_file(table.table.label, name, store.read_bytes(file.path))
    return findings


def _record_blocked(
    spark: SparkSession,
    config: PrivlakeConfig,
    report: PublishReport,
    findings: dict[dt.date, list[OutgoingFinding]],
) -> None:
    """Record every date of the transfer as blocked (nothing was sent), then stop the run."""
    for record in report.records:
        found = findings[record.day]
        record.status = BLOCKED
        record.scan_result = (
            f"blocked: {describe_findings(found)}"
            if found
            else "passed; not sent: the transfer was blocked by another date's finding"
        )
        record_transfer(spark, config, record)
    every = [f for day in sorted(findings) for f in findings[day]]
    raise TransferBlocked(
        f"publish to {report.destination} blocked, nothing was sent: {describe_findings(every)}. "
        "Find what put an identifier into the table, fix it and rebuild the date, then publish again"
    )


def _upload(
    spark: SparkSession, config: PrivlakeConfig, name: str, staged: list[StagedTable], record: TransferRecord
) -> None:
    """Replace partition ``dt=D`` of each destination table with the staged rows; keep the
    SHA-256 of every file the commit wrote, read back from the destination."""
    target = destination(config, name)
    dest_store = file_store(target.root, destination_s3(config, target))
    record.scan_result = f"passed: {record.files_scanned} file(s) scanned, no finding"
    for table in staged:
        dest = destination_path(target, table.table)
        partitions, properties = table_detail(spark, table.source)
        rows = spark.read.parquet(table.staged)
        if not table_exists(spark, dest):
            # the local table's statistics setting travels with it: no personal column in the log
            kept = {k: v for k, v in properties.items() if k == STATS_PROPERTY}
            ensure_table(spark, dest, rows.schema, partitions, properties=kept)
        tag = f"privlake-publish:{record.transfer_id}:{record.day}"
        writer = (
            rows.write.format("delta")
            .mode("overwrite")
            .option("replaceWhere", f"dt = DATE'{record.day.isoformat()}'")
            .option("userMetadata", tag)
        )
        with_conflict_retry(partial(writer.save, dest), f"publish to {dest}")
        for path in _committed_files(spark, dest_store, dest, tag):
            data = dest_store.read_bytes(f"{dest}/{path}")
            record.file_hashes[f"{dest}/{path}"] = hashlib.sha256(data).hexdigest()


def _committed_files(spark: SparkSession, store: FileStore, dest: str, tag: str) -> list[str]:
    """Data files the commit tagged ``tag`` added (relative paths, as the Delta log has them)."""
    from delta.tables import DeltaTable

    history = DeltaTable.forPath(spark, dest).history(20).select("version", "userMetadata").collect()
    versions = [int(r["version"]) for r in history if r["userMetadata"] == tag]
    if not versions:
        raise PrivlakeError(f"{dest}: the publish commit is not in the table's recent history")
    commit = store.read_bytes(f"{dest}/_delta_log/{versions[0]:020d}.json").decode()
    actions = [json.loads(line) for line in commit.splitlines() if line.strip()]
    return sorted(unquote(a["add"]["path"]) for a in actions if "add" in a)

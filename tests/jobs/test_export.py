"""Subject access export on real Delta tables built from generated landing data: the package
holds every row of the subject in every zone and nothing of anyone else, the archive opens
(AES with the passphrase, plain without), the manifest matches its files, the three formats,
an identifier that resolves to nothing, a completed request run again, a run killed after
``exported``, and bad input refused before Spark starts.

One lake per module (generate, ingest, de-identify: the expensive part); the subject's
landing data gets a log line mentioning another account holder, a quarantined line, and one
of its rows isolated into ``restricted/``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import pyzipper
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from anonymizers.pseudonym import pseudonymize
from privlake.config import PrivlakeConfig, load_config
from privlake.deidentification import deidentify
from privlake.generator import Subject, build_subjects, generate_day
from privlake.ingestion import ingest
from privlake.keys import pseudonym_key
from privlake.privacy import export as export_module
from privlake.privacy.denylist import insert_missing, isolated_rows
from privlake.privacy.evidence import RequestResult, read_evidence
from privlake.privacy.export import export
from privlake.privacy.ledger import request_history
from privlake.privacy.manifest import build_request
from privlake.schema import non_personal_columns
from tests.conftest import REPO, write_config

DAY = dt.date(2026, 11, 28)
SEED, ACCOUNTS, ROWS = 5, 8, 60
PASSPHRASE_ENV = "PRIVLAKE_EXPORT_PASSPHRASE"
PASSPHRASE = "correct horse battery staple"
INGESTED = ("accounts", "device_logs")


@dataclass
class ExportedLake:
    root: Path
    config: PrivlakeConfig
    subject: Subject
    others: list[Subject]
    encrypted: RequestResult
    rerun: RequestResult
    archive_before_rerun: bytes
    csv_result: RequestResult
    parquet_result: RequestResult
    empty_result: RequestResult


def landing_file(root: Path, dataset: str) -> Path:
    return next((root / "landing" / dataset / f"dt={DAY}").glob("*.jsonl*"))


def landing_records(root: Path, dataset: str) -> list[dict[str, Any]]:
    """The landing file's JSON object lines (malformed ones skipped)."""
    path = landing_file(root, dataset)
    data = path.read_bytes()
    text = (gzip.decompress(data) if path.suffix == ".gz" else data).decode(errors="replace")
    out = []
    for line in text.split("\n"):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("account_id"), str):
            out.append(record)
    return out


def append_lines(root: Path, dataset: str, lines: list[str]) -> None:
    path = landing_file(root, dataset)
    data = path.read_bytes()
    plain = gzip.decompress(data) if path.suffix == ".gz" else data
    plain = plain + "".join(line + "\n" for line in lines).encode()
    path.write_bytes(gzip.compress(plain) if path.suffix == ".gz" else plain)


def chattiest(root: Path, subjects: list[Subject]) -> list[Subject]:
    owners = [r["account_id"] for r in landing_records(root, "device_logs")]
    active = [s for s in subjects if owners.count(s.account_id)]
    return sorted(active, key=lambda s: -owners.count(s.account_id))


def plant(root: Path, subject: Subject, other: Subject) -> None:
    """A log line of the subject naming another account holder (e-mail and name) next to the
    subject's own e-mail, and a line quarantined for an undeclared field that quotes them too."""
    mine = next(r for r in landing_records(root, "device_logs") if r["account_id"] == subject.account_id)
    mention = {
        **mine,
        "event_id": "planted-mention",
        "message": f"share invite from {subject.email} to {other.email} ({other.display_name})",
    }
    drifted = {**mine, "event_id": "planted-quarantined", "note": f"forwarded to {other.email}"}
    append_lines(root, "device_logs", [json.dumps(mention), json.dumps(drifted)])


def isolate_one_row(spark: SparkSession, config: PrivlakeConfig, subject: Subject) -> None:
    """One of the subject's bronze rows, copied into restricted/ as a restriction isolates it."""
    bronze = spark.read.format("delta").load(config.table_path("bronze", "device_logs"))
    row = bronze.where(F.col("account_id") == subject.account_id).limit(1)
    isolated = isolated_rows(row.withColumn("event_id", F.lit("planted-restricted")), "restriction:test")
    stats = [*non_personal_columns(config.dataset("device_logs")), "isolated_by"]
    insert_missing(
        isolated, config.table_path("restricted", "device_logs"), ["event_id", "dt"], ["dt"], stats
    )


@pytest.fixture(scope="module")
def exported(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExportedLake]:
    root = tmp_path_factory.mktemp("export")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PRIVLAKE_LANDING_ROOT", raising=False)
        mp.delenv("PRIVLAKE_WAREHOUSE_ROOT", raising=False)
        mp.delenv(PASSPHRASE_ENV, raising=False)
        mp.setenv("PRIVLAKE_CONFIG", str(write_config(root)))
        config = load_config()
        key = pseudonym_key(config)
        generate_day(root / "landing", DAY, accounts=ACCOUNTS, rows=ROWS, seed=SEED)
        subjects = build_subjects(SEED, ACCOUNTS)
        subject, other = chattiest(root, subjects)[:2]
        plant(root, subject, other)
        for name in INGESTED:
            ingest(spark, config, name, DAY)
            deidentify(spark, config, name, DAY, key)
        isolate_one_row(spark, config, subject)
        out = root / "restricted-zone"
        out.mkdir()

        mp.setenv(PASSPHRASE_ENV, PASSPHRASE)
        by_email = build_request("sar-email", "export", [f"email={subject.email.upper()}"])
        encrypted = export(spark, config, by_email, key, "json", str(out / "sar-email.zip"))
        archive_before = (out / "sar-email.zip").read_bytes()
        rerun = export(spark, config, by_email, key, "json", str(out / "sar-email.zip"))
        mp.delenv(PASSPHRASE_ENV)

        by_account = build_request("sar-account", "export", [f"account_id={subject.account_id}"])
        csv_result = export(spark, config, by_account, key, "csv", str(out / "sar-account.zip"))
        serial = next(
            r["device_serial"]
            for r in landing_records(root, "device_logs")
            if r["account_id"] == subject.account_id
        )
        nobody = build_request("sar-nobody", "export", ["email=nobody@example.invalid"])
        empty_result = export(spark, config, nobody, key, "json", str(out / "sar-nobody.zip"))

        # by serial, as Parquet: killed after 'exported' (its evidence write fails once), run again
        by_serial = build_request("sar-serial", "export", [f"device_serial={serial.lower()}"])

        def killed_before_evidence(*args: object, **kwargs: object) -> None:
            raise RuntimeError("killed")

        mp.setattr(export_module, "write_evidence", killed_before_evidence)
        with pytest.raises(RuntimeError):
            export(spark, config, by_serial, key, "parquet", str(out / "sar-serial.zip"))
        mp.undo()
        mp.setenv("PRIVLAKE_CONFIG", str(root / "privlake.yaml"))
        parquet_result = export(spark, config, by_serial, key, "parquet", str(out / "sar-serial.zip"))
        others = [s for s in subjects if s.account_id != subject.account_id]
        yield ExportedLake(
            root, config, subject, others, encrypted, rerun, archive_before, csv_result, parquet_result,
            empty_result,
        )  # fmt: skip


def members(path: str, passphrase: str | None = None) -> dict[str, bytes]:
    with pyzipper.AESZipFile(path) as zf:
        if passphrase:
            zf.setpassword(passphrase.encode())
        return {name: zf.read(name) for name in zf.namelist()}


def manifest_of(files: dict[str, bytes]) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(files["manifest.json"])
    return manifest


def jsonl(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode().splitlines()]


def values_in(row: Any) -> set[str]:
    """Every string in a row (lists and nested objects flattened, landing lines parsed)."""
    out: set[str] = set()
    if isinstance(row, dict):
        for name, value in row.items():
            if name == "line" and isinstance(value, str):
                out |= values_in(json.loads(value))
            else:
                out |= values_in(value)
    elif isinstance(row, list):
        for value in row:
            out |= values_in(value)
    elif row is not None:
        out.add(str(row))
    return out


def identifier_values(lake: ExportedLake, dataset: str, record: dict[str, Any]) -> set[str]:
    """The identifier values (identifier and IP columns) of a landing record, as strings."""
    spec = lake.config.dataset(dataset)
    names = [n for n, c in spec.columns.items() if c.role == "identifier" or n in ("ip_address", "client_ip")]
    found: set[str] = set()
    for name in names:
        value = record.get(name)
        found |= {str(v) for v in value} if isinstance(value, list) else ({str(value)} if value else set())
    return found


def test_the_package_holds_every_row_of_the_subject_in_every_zone(exported: ExportedLake) -> None:
    e = exported.encrypted.evidence
    assert e.state == "completed" and e.export is not None and not e.export.empty
    files = members(e.export.archive, PASSPHRASE)
    listed = {(f["zone"], f["dataset"]): f["rows"] for f in manifest_of(files)["files"]}
    for dataset in INGESTED:
        for zone in ("landing", "bronze", "silver"):
            assert (zone, dataset) in listed, (zone, dataset)
    assert ("quarantine", "device_logs") in listed and ("restricted", "device_logs") in listed

    subject = exported.subject
    for dataset in INGESTED:
        mine = [r for r in landing_records(exported.root, dataset) if r["account_id"] == subject.account_id]
        for zone in ("landing", "bronze"):
            held = set().union(*(values_in(r) for r in jsonl(files[f"{zone}/{dataset}.jsonl"])))
            for record in mine:
                missing = identifier_values(exported, dataset, record) - held
                assert not missing, (
                    f"{zone}/{dataset} lacks {len(missing)} identifier value(s) of the subject"
                )
    # silver rows by pseudonym, restricted and quarantine rows by the raw account id
    key = pseudonym_key(exported.config).secret
    token = pseudonymize(subject.account_id, "account_id", key)
    for dataset in INGESTED:
        assert {r["account_id"] for r in jsonl(files[f"silver/{dataset}.jsonl"])} == {token}
    assert {r["event_id"] for r in jsonl(files["restricted/device_logs.jsonl"])} == {"planted-restricted"}
    quarantined = jsonl(files["quarantine/device_logs.jsonl"])
    assert any('"planted-quarantined"' in r["raw_line"] for r in quarantined)


def test_row_counts_match_the_lake(exported: ExportedLake, spark: SparkSession) -> None:
    e = exported.encrypted.evidence
    assert e.export is not None
    key = pseudonym_key(exported.config).secret
    token = pseudonymize(exported.subject.account_id, "account_id", key)
    for f in e.export.files:
        if f.zone == "landing":
            expected = sum(
                r["account_id"] == exported.subject.account_id
                for r in landing_records(exported.root, f.dataset)
            )
        elif f.zone == "quarantine":
            table = spark.read.format("delta").load(exported.config.table_path(f.zone, f.dataset))
            subject = F.get_json_object(F.col("raw_line").cast("string"), "$.account_id")
            expected = table.where(subject == exported.subject.account_id).count()
        else:
            table = spark.read.format("delta").load(exported.config.table_path(f.zone, f.dataset))
            wanted = token if f.zone == "silver" else exported.subject.account_id
            expected = table.where(F.col("account_id") == wanted).count()
        assert f.rows == expected, f.file


def test_nothing_of_any_other_subject_is_in_the_package(exported: ExportedLake) -> None:
    e = exported.encrypted.evidence
    assert e.export is not None
    files = members(e.export.archive, PASSPHRASE)
    text = "\n".join(data.decode(errors="replace") for data in files.values()).casefold()
    key = pseudonym_key(exported.config).secret
    for other in exported.others:
        for what, value in (
            ("account id", other.account_id),
            ("e-mail", other.email),
            ("display name", other.display_name),
            ("account pseudonym", pseudonymize(other.account_id, "account_id", key)),
        ):
            assert value.casefold() not in text, f"another subject's {what} is in the package"
    # the subject's own e-mail stays in its own text; the other's became a typed marker
    mention = next(
        json.loads(r["line"])
        for r in jsonl(files["landing/device_logs.jsonl"])
        if json.loads(r["line"])["event_id"] == "planted-mention"
    )
    assert exported.subject.email in mention["message"] and "<EMAIL_ADDRESS>" in mention["message"]
    assert e.export.values_redacted >= 2
    assert "Art. 15(4)" in files["summary.html"].decode()


def test_the_manifest_checksums_and_row_counts_match_the_files(exported: ExportedLake) -> None:
    for result, fmt in (
        (exported.encrypted, "json"),
        (exported.csv_result, "csv"),
        (exported.parquet_result, "parquet"),
    ):
        e = result.evidence
        assert e.export is not None and e.export.format == fmt
        files = members(e.export.archive, PASSPHRASE if fmt == "json" else None)
        manifest = manifest_of(files)
        assert manifest["request_id"] == e.request_id
        assert set(files) == {"manifest.json", "summary.html", *(f["file"] for f in manifest["files"])}
        for f in manifest["files"]:
            data = files[f["file"]]
            assert hashlib.sha256(data).hexdigest() == f["sha256"], f["file"]
            if fmt == "json":
                rows = len(data.decode().splitlines())
            elif fmt == "csv":
                rows = len(list(csv.DictReader(io.StringIO(data.decode()))))
                assert next(csv.reader(io.StringIO(data.decode()))) == [c["name"] for c in f["schema"]]
            else:
                table = pq.read_table(io.BytesIO(data))
                rows = table.num_rows
                assert table.column_names == [c["name"] for c in f["schema"]]
            assert rows == f["rows"], f["file"]
        assert hashlib.sha256(Path(e.export.archive).read_bytes()).hexdigest() == e.export.archive_sha256


def test_the_three_formats_hold_the_same_rows(exported: ExportedLake) -> None:
    counts = []
    for result in (exported.encrypted, exported.csv_result, exported.parquet_result):
        assert result.evidence.export is not None
        counts.append({(f.zone, f.dataset): f.rows for f in result.evidence.export.files})
    assert counts[0] == counts[1] == counts[2]


def test_the_manifest_holds_keyed_hashes_of_what_was_asked_never_the_value(exported: ExportedLake) -> None:
    e = exported.encrypted.evidence
    assert e.export is not None
    files = members(e.export.archive, PASSPHRASE)
    asked = manifest_of(files)["identifiers_asked"]
    assert [a["kind"] for a in asked] == ["email"] and asked[0]["resolved"]
    assert asked[0]["identifier_hash"].startswith("email_")
    assert exported.subject.email not in files["manifest.json"].decode()
    evidence = (Path(e.export.archive).parent.parent / "warehouse" / "privacy" / "evidence").glob("*")
    for path in evidence:
        assert exported.subject.email.casefold() not in path.read_text().casefold(), path.name


def test_the_archive_is_aes_encrypted_with_the_passphrase(exported: ExportedLake) -> None:
    e = exported.encrypted.evidence
    assert e.export is not None and e.export.encryption.startswith("AES-256")
    with zipfile.ZipFile(e.export.archive) as zf:
        assert all(info.flag_bits & 0x1 for info in zf.infolist())  # every member encrypted
        with pytest.raises(RuntimeError):
            zf.read("manifest.json")  # no password
    with pyzipper.AESZipFile(e.export.archive) as zf:
        zf.setpassword(b"not the passphrase")
        with pytest.raises(RuntimeError):
            zf.read("manifest.json")
    assert "summary.html" in members(e.export.archive, PASSPHRASE)
    assert os.stat(e.export.archive).st_mode & 0o077 == 0  # owner only


def test_without_a_passphrase_the_archive_is_a_plain_zip_and_the_evidence_says_so(
    exported: ExportedLake,
) -> None:
    e = exported.csv_result.evidence
    assert e.export is not None and e.export.encryption.startswith("none (unencrypted")
    with zipfile.ZipFile(e.export.archive) as zf:
        assert json.loads(zf.read("manifest.json"))["request_id"] == "sar-account"
    stored = read_evidence(exported.config, "sar-account")
    assert stored is not None and stored.export is not None and "unencrypted" in stored.export.encryption


def test_an_identifier_that_resolves_to_nothing_gives_an_empty_package(exported: ExportedLake) -> None:
    e = exported.empty_result.evidence
    assert e.state == "completed" and e.export is not None and e.export.empty and e.export.files == []
    files = members(e.export.archive)
    assert set(files) == {"manifest.json", "summary.html"}
    manifest = manifest_of(files)
    assert manifest["empty"] and "resolved to no data" in manifest["note"]
    assert not manifest["identifiers_asked"][0]["resolved"]
    assert "No data found" in files["summary.html"].decode()


def test_a_completed_request_run_again_changes_nothing(exported: ExportedLake, spark: SparkSession) -> None:
    assert exported.rerun.already_done
    assert exported.rerun.evidence == exported.encrypted.evidence
    assert exported.encrypted.evidence.export is not None
    assert Path(exported.encrypted.evidence.export.archive).read_bytes() == exported.archive_before_rerun
    states = [h.state for h in request_history(spark, exported.config, "sar-email")]
    assert states == ["received", "resolved", "exported", "completed"]


def test_a_run_killed_after_exported_resumes_without_exporting_again(
    exported: ExportedLake, spark: SparkSession
) -> None:
    states = [h.state for h in request_history(spark, exported.config, "sar-serial")]
    assert states == ["received", "resolved", "exported", "failed", "completed"]
    e = exported.parquet_result.evidence
    assert e.state == "completed" and e.export is not None and len(e.run_ids) == 2
    assert hashlib.sha256(Path(e.export.archive).read_bytes()).hexdigest() == e.export.archive_sha256


def test_the_summary_is_offline_and_names_purposes_retention_region_and_sources(
    exported: ExportedLake,
) -> None:
    e = exported.encrypted.evidence
    assert e.export is not None
    summary = members(e.export.archive, PASSPHRASE)["summary.html"].decode()
    assert "<script" not in summary and "http://" not in summary and "https://" not in summary
    assert "eu-central-1" in summary  # the configured region
    assert "30 days, then deleted" in summary and "13 months, then deleted" in summary  # retention_rules/
    assert "legitimate interest" in summary  # a rule's legal basis
    assert "Device log events from hubs" in summary  # where the category came from


PRIVLAKE = Path(sys.executable).with_name("privlake")


def run_export(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRIVLAKE_CONFIG": str(write_config(tmp)), "PRIVLAKE_LOG_FILE": ""}
    return subprocess.run(
        [str(PRIVLAKE), "export", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--subject", "passport=X123"], "subject 1: unknown kind 'passport'"),
        (["--subject", "email=jane.roe@example.com", "--format", "xml"], "invalid choice: 'xml'"),
        (["--subject", "email=not-an-address"], "subject 1: value: not an e-mail address"),
    ],
    ids=["unknown-kind", "bad-format", "bad-value"],
)
def test_bad_input_exits_2_naming_what_and_where(args: list[str], expected: str, tmp_path: Path) -> None:
    result = run_export("--request-id", "sar-bad", *args, "--out", str(tmp_path / "a.zip"), tmp=tmp_path)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "jane.roe" not in result.stderr and "not-an-address" not in result.stderr


def test_an_archive_path_that_cannot_be_written_exits_2(tmp_path: Path) -> None:
    for out, expected in (
        (tmp_path / "missing" / "a.zip", "does not exist"),
        (tmp_path / "a.txt", "must end in .zip"),
    ):
        result = run_export(
            "--request-id",
            "sar-out",
            "--subject",
            "email=jane.roe@example.com",
            "--out",
            str(out),
            tmp=tmp_path,
        )
        assert result.returncode == 2 and f"--out {out}" in result.stderr and expected in result.stderr
        assert "jane.roe" not in result.stderr

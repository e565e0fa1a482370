"""A subject access package as bytes: one file per dataset and zone in the format asked for
(JSON Lines, CSV or Parquet), ``manifest.json`` and ``summary.html``, in one zip archive.

The archive is AES-256 encrypted (WinZip AE-2, through the maintained ``pyzipper`` library;
7-Zip and most unzip tools open it) when the environment variable that
``keys.export_passphrase_env`` names holds a passphrase; without it the zip is plain and the
evidence says so. Locally the archive is written to a temporary file beside the target and
renamed (mode 0600), so a reader never sees half an archive; ``s3://`` targets are put whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from privlake.config import PrivlakeConfig
from privlake.errors import BadInputError
from privlake.privacy import EXPORT_FORMATS
from privlake.privacy.export_rows import ExportedTable
from privlake.storage import StorageError, file_store, is_s3

FORMATS = EXPORT_FORMATS
EXTENSIONS = {"json": "jsonl", "csv": "csv", "parquet": "parquet"}
MANIFEST, SUMMARY = "manifest.json", "summary.html"
MIN_PASSPHRASE_CHARS = 12
UNENCRYPTED = "none (unencrypted: no passphrase variable set)"


class ExportInputError(BadInputError):
    """The archive path or the passphrase is unusable (names where, never a value)."""


def file_name(table: ExportedTable, fmt: str) -> str:
    return f"{table.zone}/{table.dataset}.{EXTENSIONS[fmt]}"


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=_json_value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _parquet(table: ExportedTable) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if table.schema is not None:
        from pyspark.sql.pandas.types import to_arrow_schema

        schema = to_arrow_schema(table.schema)
    else:
        types = {"string": pa.string(), "bigint": pa.int64()}
        schema = pa.schema([(name, types[kind]) for name, kind in table.columns])
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(table.rows, schema=schema), sink)
    return sink.getvalue()


def encode_table(table: ExportedTable, fmt: str) -> bytes:
    """The table's rows as one file of ``fmt``."""
    names = [name for name, _ in table.columns]
    if fmt == "json":
        lines = [
            json.dumps({n: r.get(n) for n in names}, ensure_ascii=False, default=_json_value)
            for r in table.rows
        ]
        return "".join(line + "\n" for line in lines).encode()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([_csv_value(r.get(n)) for n in names] for r in table.rows)
        return out.getvalue().encode()
    if fmt == "parquet":
        return _parquet(table)
    raise ExportInputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def export_passphrase(config: PrivlakeConfig) -> tuple[str | None, str]:
    """The passphrase (None: a plain zip) and how the evidence describes the encryption."""
    name = config.keys.export_passphrase_env
    value = os.environ.get(name) if name else None
    if not value:
        return None, UNENCRYPTED
    if len(value) < MIN_PASSPHRASE_CHARS:
        raise ExportInputError(
            f"${name}: the export passphrase is shorter than {MIN_PASSPHRASE_CHARS} characters "
            f"({len(value)} given); set a longer one, or unset it for an unencrypted archive"
        )
    return value, f"AES-256 (WinZip AE-2), passphrase from ${name}"


def archive(files: Mapping[str, bytes], passphrase: str | None) -> bytes:
    """The files in one zip, AES-256 encrypted with ``passphrase`` when given."""
    import pyzipper

    buffer = io.BytesIO()
    if passphrase:
        with pyzipper.AESZipFile(
            buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        ) as zf:
            zf.setpassword(passphrase.encode())
            zf.setencryption(pyzipper.WZ_AES, nbits=256)
            for name, data in files.items():
                zf.writestr(name, data)
    else:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in files.items():
                zf.writestr(name, data)
    return buffer.getvalue()


def check_archive_path(out: str) -> None:
    """Refuse, before anything runs, an archive path that cannot be written: not a ``.zip``, a
    folder, or in a folder that is missing or not writable (S3 is checked when written)."""
    if not out.lower().endswith(".zip"):
        raise ExportInputError(f"--out {out}: the archive path must end in .zip")
    if is_s3(out):
        return
    path = Path(out)
    if path.is_dir():
        raise ExportInputError(f"--out {out}: is a folder; give the path of the archive file")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportInputError(
            f"--out {out}: the folder {folder} does not exist; create it (restricted access)"
        )
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ExportInputError(f"--out {out}: not writable by this user; choose a writable restricted folder")


def write_archive(config: PrivlakeConfig, out: str, data: bytes) -> None:
    if is_s3(out):
        file_store(out, config.s3).write_bytes(out, data)
        return
    path = Path(out)
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)


def read_archive(config: PrivlakeConfig, out: str) -> bytes | None:
    """The archive's bytes, None when it is not there (a resumed request writes it again)."""
    try:
        if is_s3(out):
            return file_store(out, config.s3).read_bytes(out)
        return Path(out).read_bytes()
    except (OSError, StorageError):
        return None


def package_manifest(
    *,
    request_id: str,
    key_id: str,
    fmt: str,
    asked: list[dict[str, Any]],
    subjects: list[str],
    files: list[dict[str, Any]],
    note: str,
) -> bytes:
    """``manifest.json``: the request, keyed hashes of what was asked (never a raw value), and
    per file its dataset, zone, schema, row count and SHA-256."""
    document = {
        "request_id": request_id,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "format": fmt,
        "pseudonym_key_id": key_id,
        "identifiers_asked": asked,
        "subjects": subjects,
        "empty": not files,
        "note": note,
        "files": files,
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode()

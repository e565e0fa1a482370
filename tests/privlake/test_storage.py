"""Listing local files while other jobs write and delete beside the lister."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from privlake.storage import LocalFileStore


def churn(root: Path, stop: threading.Event) -> None:
    """What Delta and VACUUM do: temporary files renamed into place, files and folders removed."""
    n = 0
    while not stop.is_set():
        folder = root / f"dt=2026-11-{n % 28 + 1:02d}"
        folder.mkdir(exist_ok=True)
        tmp = folder / f".part-{n}.tmp"
        tmp.write_bytes(b"x")
        tmp.rename(folder / f"part-{n}.parquet")
        (folder / f"part-{n}.parquet").unlink()
        folder.rmdir()
        n += 1


def test_listing_skips_files_and_folders_that_vanish_meanwhile(tmp_path: Path) -> None:
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "00000.json").write_bytes(b"{}")
    stop = threading.Event()
    writer = threading.Thread(target=churn, args=(tmp_path, stop))
    writer.start()
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            listed = LocalFileStore().list_files(str(tmp_path))
            assert str(tmp_path / "kept" / "00000.json") in [f.path for f in listed]
    finally:
        stop.set()
        writer.join()

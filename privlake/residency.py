"""Data residency: the countries whose rows must stay in a region, and the deployment's buckets.

One deployment serves one region (``region`` in the config). The residency table
(``conf/residency.yaml``, the config's ``residency`` key) pins countries to the regions their
users' data may be stored in, with the legal basis beside each pin; ingest quarantines a row
whose ``country_code`` is pinned elsewhere (``privlake.ingestion``, reason ``wrong_region``).
A deployment's own storage must be in its region too: :func:`require_deployment_region`
asks S3 where each configured root's bucket is (``GetBucketLocation``) and refuses to
start a job, before Spark starts, when one is elsewhere. The answers are cached per process,
so a job asks once per bucket. :func:`require_bucket_region` is the same check for any
other S3 location (e.g. a publish destination, against the region declared for it).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator

from privlake.config import ConfigError, PrivlakeConfig, RegionName, S3Config, Strict
from privlake.datafile import invalid_file, problem_lines, read_yaml
from privlake.storage import is_s3, s3_client, split_s3_uri

# The column of every dataset whose country decides the data region (a dataset without it
# holds nothing to route).
COUNTRY_COLUMN = "country_code"

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]  # ISO 3166-1 alpha-2

# S3's GetBucketLocation answers with a LocationConstraint that is empty for us-east-1
# (the original region) and "EU" for buckets made with the legacy EU constraint.
_LEGACY_LOCATIONS = {"": "us-east-1", "EU": "eu-west-1"}


class ResidencyError(ConfigError):
    """Storage outside the deployment's region: the job stops before it reads or writes."""


class CountryPin(Strict):
    """Countries whose users' data may be stored only in ``regions``, and the legal basis."""

    countries: Annotated[tuple[CountryCode, ...], Field(min_length=1)]
    regions: Annotated[tuple[RegionName, ...], Field(min_length=1)]
    basis: Annotated[str, Field(min_length=1)]


class ResidencyTable(Strict):
    """Every pin of the deployment's residency table; a country not listed is not pinned."""

    pins: tuple[CountryPin, ...] = ()

    @field_validator("pins")
    @classmethod
    def _each_country_once(cls, pins: tuple[CountryPin, ...]) -> tuple[CountryPin, ...]:
        # Two pins of one country would make its regions depend on which pin is read first.
        seen: dict[str, int] = {}
        for index, pin in enumerate(pins):
            for country in pin.countries:
                if country in seen:
                    raise ValueError(f"country {country} is in pins[{seen[country]}] and pins[{index}]")
                seen[country] = index
        return pins

    def regions_of(self, country: str) -> tuple[str, ...] | None:
        """The regions ``country``'s data may be stored in; None when it is not pinned."""
        for pin in self.pins:
            if country in pin.countries:
                return pin.regions
        return None

    def pinned_away_from(self, region: str) -> dict[str, tuple[str, ...]]:
        """Countries a deployment in ``region`` must not store, with the regions they are pinned to."""
        away = [pin for pin in self.pins if region not in pin.regions]
        return {country: pin.regions for pin in away for country in pin.countries}


@cache
def load_residency(path: str) -> ResidencyTable:
    """Read and validate a residency table (once per process and file); ``ConfigError`` naming the
    file and key path when it is invalid."""
    source = Path(path)
    missing = "residency table not found (the configuration's residency key names it)"
    raw = read_yaml(source, ConfigError, not_found=missing)
    try:
        return ResidencyTable.model_validate({} if raw is None else raw)
    except ValidationError as exc:
        raise ConfigError(invalid_file(source, "residency table", problem_lines(exc))) from None


def residency_table(config: PrivlakeConfig) -> ResidencyTable:
    """The residency table the configuration names."""
    return load_residency(config.residency)


# --- where the buckets are ---------------------------------------------------------------


@cache
def _bucket_location(bucket: str, s3: S3Config) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        constraint = s3_client(s3).get_bucket_location(Bucket=bucket).get("LocationConstraint") or ""
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "?")
        raise ResidencyError(
            f"s3://{bucket}: S3 did not say where the bucket is ({code}); check that the bucket exists "
            "and that the credentials may call s3:GetBucketLocation on it"
        ) from None
    except BotoCoreError as exc:
        raise ResidencyError(
            f"s3://{bucket}: could not ask S3 where the bucket is ({type(exc).__name__}); "
            "check s3.endpoint_url and the network"
        ) from None
    return _LEGACY_LOCATIONS.get(constraint, constraint)


def bucket_region(uri: str, s3: S3Config) -> str:
    """The region of the bucket of ``uri`` (``s3://``, ``s3a://`` or ``s3n://``), as S3 reports it.

    Asked once per bucket and endpoint in a process."""
    _, bucket, _ = split_s3_uri(uri)
    return _bucket_location(bucket, s3)


def require_bucket_region(
    uri: str, region: str, s3: S3Config, *, what: str, remedy: str = "run this data from a deployment in"
) -> None:
    """Raise ``ResidencyError`` unless the bucket of ``uri`` is in ``region``; ``what`` names the
    setting the URI comes from (``warehouse_root``, ``publish destination NAME``) and whose
    region ``region`` is, and ``remedy`` the other way out than moving the bucket."""
    found = bucket_region(uri, s3)
    if found != region:
        _, bucket, _ = split_s3_uri(uri)
        raise ResidencyError(
            f"{what}: bucket {bucket} of {uri} is in region {found}, not in {region}; "
            f"use a bucket in {region}, or {remedy} {found}"
        )


def deployment_roots(config: PrivlakeConfig) -> dict[str, str]:
    """The configured roots on S3, by key. The other paths of the configuration (rules, the
    aggregates and residency files, dataset files) are read from the local filesystem."""
    roots = {"landing_root": config.landing_root, "warehouse_root": config.warehouse_root}
    return {key: uri for key, uri in roots.items() if is_s3(uri)}


def require_deployment_region(config: PrivlakeConfig) -> None:
    """Before a job touches the lake: the residency table is valid, and every root on S3 is a
    bucket in the deployment's region. Local roots are not checked (the machine is the place)."""
    residency_table(config)
    for key, uri in deployment_roots(config).items():
        require_bucket_region(uri, config.region, config.s3, what=f"{key} of this {config.region} deployment")

"""A configured destination as the transfer uses it: its S3 settings, its tables' paths, and
the check that its bucket is in the region it declares.

A destination may sit on another S3 endpoint or account than the deployment's lake; its
``s3`` entry overrides the deployment's ``s3`` section field by field, and its region is
always its own (the boto3 client and S3A's per-bucket settings use it).
"""

from __future__ import annotations

from dataclasses import dataclass

from privlake.config import ConfigError, PrivlakeConfig, S3Config
from privlake.publish.destinations import Destination
from privlake.residency import require_bucket_region
from privlake.storage import is_s3, split_s3_uri


@dataclass(frozen=True)
class PublishedTable:
    """One table that leaves: its zone (gold or silver) and name."""

    zone: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.zone}/{self.name}"


def destination(config: PrivlakeConfig, name: str) -> Destination:
    try:
        return config.publish.destinations[name]
    except KeyError:
        known = ", ".join(sorted(config.publish.destinations)) or "none"
        raise ConfigError(
            f"{config.source}: no publish destination {name!r} (publish.destinations); configured: {known}"
        ) from None


def destination_s3(config: PrivlakeConfig, target: Destination) -> S3Config:
    """The deployment's S3 settings with the destination's own over them, in its region."""
    overrides = {k: v for k, v in (target.s3.model_dump() if target.s3 else {}).items() if v is not None}
    return config.s3.model_copy(update={**overrides, "region": target.region})


def published_tables(config: PrivlakeConfig, name: str, gold_tables: list[str]) -> list[PublishedTable]:
    """What destination ``name`` receives: its gold tables (checked against those the deployment
    builds, ``gold_tables``) and its silver grant's tables."""
    target = destination(config, name)
    unknown = sorted(set(target.gold_tables(gold_tables)) - set(gold_tables))
    if unknown:
        raise ConfigError(
            f"{config.source}: publish.destinations.{name}.gold: {unknown} are not gold tables of "
            f"{config.analytics.aggregates}; known: {', '.join(sorted(gold_tables))}"
        )
    return [PublishedTable("gold", t) for t in target.gold_tables(gold_tables)] + [
        PublishedTable("silver", t) for t in target.silver_tables()
    ]


def destination_path(target: Destination, table: PublishedTable) -> str:
    """``<root>/<zone>/<table>``: the same layout as the warehouse, so readers find their way.
    Spark writes S3 through S3A, whatever scheme the configuration uses."""
    root = target.root.rstrip("/")
    if is_s3(root):
        root = "s3a://" + root.split("://", 1)[1]
    return f"{root}/{table.zone}/{table.name}"


def check_destination_region(config: PrivlakeConfig, name: str) -> None:
    """Refuse a destination on S3 whose bucket is not in the region it declares (a path root
    has no region to ask: the operator answers for where that disk is)."""
    target = destination(config, name)
    if is_s3(target.root):
        require_bucket_region(
            target.root,
            target.region,
            destination_s3(config, target),
            what=f"publish destination {name}",
            remedy="correct the region the destination declares to",
        )


def s3_destination_buckets(config: PrivlakeConfig) -> dict[str, S3Config]:
    """The bucket of every destination on S3, with the S3 settings to reach it."""
    return {
        split_s3_uri(d.root)[1]: destination_s3(config, d)
        for d in config.publish.destinations.values()
        if is_s3(d.root)
    }

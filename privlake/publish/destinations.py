"""The ``publish`` section of the configuration: named destinations and what may go there.

Only de-identified data may leave the deployment's region. A destination receives gold (all
gold tables, or the listed ones) and, where pseudonymous data may lawfully go, the silver
tables its ``silver`` entry lists beside the legal basis that allows it. Raw and privacy
zones are refused here, at validation, whatever a destination's entry says: a config that
names them does not load (exit 2, file and key path named), so no run can be talked into
sending them. This module imports nothing of privlake, so ``privlake.config`` can hold it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Zones that never leave the deployment: raw values, isolated rows, failed rows, ledgers.
NEVER_PUBLISHED: tuple[str, ...] = ("landing", "bronze", "restricted", "quarantine", "privacy")
TableName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SilverGrant(_Strict):
    """Silver tables (pseudonymous personal data) a destination may receive, and why it may."""

    tables: Annotated[tuple[TableName, ...], Field(min_length=1)]
    legal_basis: Annotated[str, Field(min_length=1, pattern=r"\S")]


class DestinationS3(_Strict):
    """A destination's own S3 endpoint and credential variable names; unset fields are the
    deployment's ``s3`` section's (the region is always the destination's own)."""

    endpoint_url: str | None = None
    path_style_access: bool | None = None
    access_key_env: str | None = None
    secret_key_env: str | None = None


class Destination(_Strict):
    """Where one published copy lives (an S3 URI or a path) and what it may receive."""

    root: str
    region: Annotated[str, Field(min_length=1)]
    gold: Literal["all"] | tuple[TableName, ...] = "all"
    silver: SilverGrant | None = None
    s3: DestinationS3 | None = None

    @model_validator(mode="before")
    @classmethod
    def _never_published_zones(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        for zone in NEVER_PUBLISHED:
            if zone in raw:
                raise ValueError(
                    f"'{zone}': {zone} tables are never published, whatever the destination; "
                    "only gold, and silver with a legal basis, may leave the deployment"
                )
        silver = raw.get("silver")
        if isinstance(silver, dict) and not str(silver.get("legal_basis") or "").strip():
            raise ValueError(
                "'silver': silver is pseudonymous personal data; it goes to a destination only with "
                "the legal basis written beside it (silver: {tables: [...], legal_basis: '...'})"
            )
        return raw

    def gold_tables(self, configured: list[str]) -> list[str]:
        """The gold tables this destination receives, of those the deployment builds."""
        return sorted(configured) if self.gold == "all" else sorted(self.gold)

    def silver_tables(self) -> list[str]:
        return sorted(self.silver.tables) if self.silver else []


class PublishConfig(_Strict):
    """Destinations by name, and who replaces a date at them after an erasure recomputed it:
    the next ``publish`` run (``next_run``) or the erasure or restriction itself (``with_request``)."""

    republish: Literal["next_run", "with_request"] = "next_run"
    destinations: dict[TableName, Destination] = Field(default_factory=dict)

"""Age thresholds for children's accounts, per country, as data (``retention_rules/minors.yaml``).

The file is read with ``yaml.safe_load`` into pydantic models that reject unknown keys: a
default age, and groups of countries (ISO 3166-1 alpha-2 codes, e.g. the EU and EEA) with
their own age. A country in two groups is an error, not a silent choice. An invalid file
fails with the file, the key path and the problem (exit 2), like the retention rules.

It lives next to the retention rules (the minors sweep runs in the retention DAG and honours
their legal holds), so it is found in the same folder unless ``--thresholds`` names a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

from privlake.config import PrivlakeConfig, Strict
from privlake.datafile import invalid_file, plain_message, problem_lines, read_yaml
from privlake.errors import BadInputError
from privlake.retention.rules import AGE_THRESHOLDS_FILE, rules_location

Age = Annotated[int, Field(ge=1, le=21)]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class AgeThresholdsError(BadInputError):
    """The thresholds file is missing or invalid: the message names the file and the key path."""


class CountryGroup(Strict):
    """Countries that share one age threshold (e.g. the EU and EEA under GDPR Art. 8)."""

    name: Annotated[str, Field(min_length=2)]
    age: Age
    countries: Annotated[tuple[CountryCode, ...], Field(min_length=1)]


class AgeThresholds(Strict):
    """The whole file: the default age and the country groups."""

    default_age: Age
    groups: tuple[CountryGroup, ...] = ()

    @model_validator(mode="after")
    def _each_country_once(self) -> AgeThresholds:
        seen: dict[str, str] = {}
        for group in self.groups:
            for country in group.countries:
                if country in seen:
                    raise ValueError(f"country {country} is in groups {seen[country]!r} and {group.name!r}")
                seen[country] = group.name
        return self

    def by_country(self) -> dict[str, int]:
        return {c: g.age for g in self.groups for c in g.countries}

    def threshold(self, country_code: str | None) -> int:
        """The age under which an account of ``country_code`` is a minor."""
        code = (country_code or "").strip().upper()
        return self.by_country().get(code, self.default_age)


def thresholds_location(explicit: str | Path | None, config: PrivlakeConfig) -> Path:
    """``--thresholds`` when given, else ``minors.yaml`` in the retention rules' folder."""
    if explicit:
        return Path(explicit)
    rules = rules_location(None, config)
    return (rules if rules.is_dir() else rules.parent) / AGE_THRESHOLDS_FILE


def load_age_thresholds(path: str | Path) -> AgeThresholds:
    """Read and validate the file; raise ``AgeThresholdsError`` naming where it is wrong."""
    source = Path(path)
    raw = read_yaml(
        source,
        AgeThresholdsError,
        not_found=f"age thresholds not found (give --thresholds FILE or put {AGE_THRESHOLDS_FILE} "
        "next to the retention rules)",
    )
    if not isinstance(raw, dict):
        raise AgeThresholdsError(f"{source}: expected a mapping with 'default_age' (and 'groups')")
    try:
        return AgeThresholds.model_validate(raw)
    except ValidationError as exc:
        lines = problem_lines(exc, message=_message)
        raise AgeThresholdsError(invalid_file(source, "age thresholds", lines)) from None


def _message(err: ErrorDetails) -> str:
    message = plain_message(err)
    if "countries" in err["loc"] and isinstance(err.get("input"), bool):
        message += ' (YAML reads a bare NO, YES, ON or OFF as a boolean: quote it, "NO")'
    return message

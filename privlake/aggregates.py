"""Gold aggregates as data: the models of ``conf/aggregates.yaml`` and the pure transforms
that turn a silver partition into a k-anonymous gold table.

A gold table names its silver source, its dimensions (columns whose role is ``keep`` or
``quasi_identifier``, optionally derived: a firmware version's line, a birth year's band),
its metrics (event counts, distinct subjects or devices, percentiles of a duration) and its
purpose. Identifiers are only ever counted, never grouped by or published. Every group must
hold at least k distinct subjects: a smaller group is rolled up into the table's next
coarser grouping (the dimensions it drops read ``(other)``), level after level, and whatever
is still too small at the coarsest level is suppressed. For the purposes that need consent
(marketing, profiling), subjects without an opt-in in the latest accounts snapshot, or with
an objection on record, are removed before anything is counted.

The file is validated twice: by pydantic (shape, unknown keys) and against the datasets'
policies (``check_against_datasets``), so a table that would publish a pseudonym fails at
load time, not after it has been written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from privlake.columns import DT
from privlake.config import ConfigError, DatasetConfig, PrivlakeConfig, Strict
from privlake.datafile import load_model

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

Purpose = Literal["product_analytics", "marketing", "profiling"]
NAME = r"^[a-z][a-z0-9_]*$"
# What a dimension reads after its group was rolled up to a coarser grouping.
ROLLED_UP = "(other)"
ROLLUP_LEVEL = "rollup_level"
# privacy/<table>: what k-anonymity and consent removed, per gold table and date.
SUPPRESSION_TABLE = "gold_suppression"
SUBJECT = "_subject"
LEVEL = "_level"
FINEST_GROUP = "_finest_group"
RESERVED_COLUMNS = frozenset({DT, ROLLUP_LEVEL})
GROUPABLE_ROLES = frozenset({"keep", "quasi_identifier"})
NUMERIC_TYPES = frozenset({"long", "int", "double"})


# --- dimensions ------------------------------------------------------------------------


class VersionLine(Strict):
    """The first ``parts`` numbers of a dotted version: ``4.1.7_0012`` -> ``4.1``."""

    method: Literal["version_line"]
    parts: Annotated[int, Field(ge=1, le=4)] = 2


class Band(Strict):
    """A number as its band, written ``1980-1989`` for width 10."""

    method: Literal["band"]
    width: Annotated[int, Field(ge=1)]


Derivation = Annotated[VersionLine | Band, Field(discriminator="method")]


class Dimension(Strict):
    """A group-by column of a gold table, always published as text."""

    column: str
    dataset: str | None = Field(default=None, description="the joined snapshot dataset; default: the source")
    derive: Derivation | None = None


# --- metrics ---------------------------------------------------------------------------


class RowFilter(Strict):
    """Count only rows whose ``column`` is one of ``in``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    column: str
    values: tuple[str, ...] = Field(alias="in", min_length=1)


class Metric(Strict):
    fn: Literal["count", "distinct_subjects", "distinct", "percentile", "mean"]
    column: str | None = None
    percentile: Annotated[float, Field(gt=0, lt=1)] | None = None
    where: RowFilter | None = None

    @model_validator(mode="after")
    def _parameters(self) -> Metric:
        needs_column = self.fn in ("distinct", "percentile", "mean")
        if needs_column and self.column is None:
            raise ValueError(f"metric {self.fn!r} needs 'column'")
        if not needs_column and self.column is not None:
            raise ValueError(f"metric {self.fn!r} takes no 'column'")
        if (self.fn == "percentile") != (self.percentile is not None):
            raise ValueError("'percentile' (between 0 and 1) is for fn 'percentile', which needs it")
        if self.where is not None and self.fn != "count":
            raise ValueError("'where' is only for fn 'count'")
        return self


# --- tables ----------------------------------------------------------------------------


class KAnonymityPolicy(Strict):
    """What happens to a group with fewer than k distinct subjects."""

    on_small_group: Literal["suppress", "roll_up"] = "suppress"
    # Coarser groupings, finest first: each a strict subset of the dimensions before it.
    roll_up: tuple[tuple[str, ...], ...] = ()
    k: Annotated[int, Field(ge=2)] | None = Field(default=None, description="stricter k for this table")

    @model_validator(mode="after")
    def _roll_up_levels(self) -> KAnonymityPolicy:
        if (self.on_small_group == "roll_up") != bool(self.roll_up):
            raise ValueError("give 'roll_up' levels exactly when on_small_group is 'roll_up'")
        return self


class AggregateTable(Strict):
    description: str = ""
    purpose: Purpose
    source: str
    join: str | None = Field(default=None, description="a snapshot dataset joined on the subject")
    dimensions: dict[Annotated[str, Field(pattern=NAME)], Dimension] = Field(min_length=1)
    metrics: dict[Annotated[str, Field(pattern=NAME)], Metric] = Field(min_length=1)
    k_anonymity: KAnonymityPolicy = KAnonymityPolicy()

    @model_validator(mode="after")
    def _names_and_levels(self) -> AggregateTable:
        clash = (set(self.dimensions) & set(self.metrics)) | (
            (set(self.dimensions) | set(self.metrics)) & RESERVED_COLUMNS
        )
        if clash:
            raise ValueError(f"column names used twice or reserved: {sorted(clash)}")
        previous = list(self.dimensions)
        for i, level in enumerate(self.k_anonymity.roll_up):
            unknown = [d for d in level if d not in self.dimensions]
            if unknown:
                raise ValueError(f"k_anonymity.roll_up[{i}]: {unknown} are not dimensions")
            if not set(level) < set(previous):
                raise ValueError(f"k_anonymity.roll_up[{i}] must drop dimensions of the level before it")
            previous = list(level)
        for name, dim in self.dimensions.items():
            if dim.dataset not in (None, self.source, self.join):
                raise ValueError(f"dimension {name!r}: dataset {dim.dataset!r} is neither source nor join")
        return self

    def levels(self) -> list[tuple[str, ...]]:
        """The groupings a row may be published at, finest (every dimension) first."""
        return [tuple(self.dimensions), *self.k_anonymity.roll_up]


class ConsentPolicy(Strict):
    dataset: str = "accounts"
    opt_in_column: str = "marketing_opt_in"
    objections_table: Annotated[str, Field(pattern=NAME)] | None = "objections"
    purposes: tuple[Purpose, ...] = ("marketing", "profiling")


class QuasiIdentifierSet(Strict):
    name: Annotated[str, Field(pattern=NAME)]
    dataset: str
    columns: tuple[str, ...] = Field(min_length=1)


class RiskConfig(Strict):
    quasi_identifier_sets: tuple[QuasiIdentifierSet, ...] = ()


class AnalyticsSpec(Strict):
    """The whole aggregates file."""

    k: Annotated[int, Field(ge=2)] = 10
    consent: ConsentPolicy = ConsentPolicy()
    tables: dict[Annotated[str, Field(pattern=NAME)], AggregateTable]
    risk: RiskConfig = RiskConfig()

    @model_validator(mode="after")
    def _table_k_not_weaker(self) -> AnalyticsSpec:
        for name, table in self.tables.items():
            if table.k_anonymity.k is not None and table.k_anonymity.k < self.k:
                raise ValueError(f"tables.{name}.k_anonymity.k is below the global k {self.k}")
        return self

    def k_for(self, table: AggregateTable) -> int:
        return table.k_anonymity.k or self.k

    def needs_consent(self, table: AggregateTable) -> bool:
        return table.purpose in self.consent.purposes


# --- loading and checks against the datasets -------------------------------------------


def _column(dataset: DatasetConfig, name: str, where: str, problems: list[str]) -> Any:
    spec = dataset.columns.get(name)
    if spec is None:
        problems.append(f"{where}: {name!r} is not a column of {dataset.name}")
    return spec


def _check_table(name: str, table: AggregateTable, config: PrivlakeConfig, problems: list[str]) -> None:
    where = f"tables.{name}"
    source = config.datasets.get(table.source)
    if source is None:
        problems.append(f"{where}.source: unknown dataset {table.source!r}")
        return
    joined = None
    if table.join is not None:
        joined = config.datasets.get(table.join)
        if joined is None or not joined.snapshot:
            problems.append(f"{where}.join: {table.join!r} is not a snapshot dataset")
            return
        if joined.columns[joined.subject].kind != source.columns[source.subject].kind:
            problems.append(f"{where}.join: {joined.name} and {source.name} name subjects differently")
    for dim_name, dim in table.dimensions.items():
        dataset = joined if dim.dataset == table.join and joined is not None else source
        spec = _column(dataset, dim.column, f"{where}.dimensions.{dim_name}", problems)
        if spec is not None and spec.role not in GROUPABLE_ROLES:
            problems.append(
                f"{where}.dimensions.{dim_name}: {dataset.name}.{dim.column} has role {spec.role!r}; "
                "gold tables only group by 'keep' or 'quasi_identifier' columns (identifiers are counted)"
            )
        if spec is not None and isinstance(dim.derive, Band) and spec.type not in NUMERIC_TYPES:
            problems.append(f"{where}.dimensions.{dim_name}: a band needs a numeric column")
    for metric_name, metric in table.metrics.items():
        at = f"{where}.metrics.{metric_name}"
        if metric.column is not None:
            spec = _column(source, metric.column, at, problems)
            if spec is not None and spec.role in ("drop", "free_text"):
                problems.append(f"{at}: {metric.column!r} has role {spec.role!r} and cannot be measured")
            numeric_keep = spec is not None and spec.role == "keep" and spec.type in NUMERIC_TYPES
            if spec is not None and metric.fn in ("percentile", "mean") and not numeric_keep:
                problems.append(f"{at}: {metric.fn} needs a numeric 'keep' column")
        if metric.where is not None:
            spec = _column(source, metric.where.column, f"{at}.where", problems)
            if spec is not None and spec.role not in GROUPABLE_ROLES:
                problems.append(f"{at}.where: filter on 'keep' or 'quasi_identifier' columns only")
    personal = {
        column
        for ds in config.datasets.values()
        for column, spec in ds.columns.items()
        if spec.role in ("identifier", "free_text", "drop")
    }
    named_like = sorted((set(table.dimensions) | set(table.metrics)) & personal)
    if named_like:
        problems.append(f"{where}: output columns {named_like} are named like personal-data columns")


def check_against_datasets(spec: AnalyticsSpec, config: PrivlakeConfig) -> list[str]:
    """Problems that only the datasets' policies reveal, one readable line each."""
    problems: list[str] = []
    for name, table in spec.tables.items():
        _check_table(name, table, config, problems)
    consent = config.datasets.get(spec.consent.dataset)
    if consent is None or not consent.snapshot:
        problems.append(f"consent.dataset: {spec.consent.dataset!r} is not a snapshot dataset")
    else:
        flag = consent.columns.get(spec.consent.opt_in_column)
        if flag is None or flag.type != "boolean" or flag.role != "keep":
            problems.append(f"consent.opt_in_column: not a boolean 'keep' column of {consent.name}")
    for i, qi in enumerate(spec.risk.quasi_identifier_sets):
        dataset = config.datasets.get(qi.dataset)
        if dataset is None:
            problems.append(f"risk.quasi_identifier_sets[{i}].dataset: unknown dataset {qi.dataset!r}")
            continue
        for column in qi.columns:
            _column(dataset, column, f"risk.quasi_identifier_sets[{i}].columns", problems)
    return problems


def load_analytics(config: PrivlakeConfig) -> AnalyticsSpec:
    """Read and validate the aggregates file named by ``config.analytics.aggregates``."""
    source = Path(config.analytics.aggregates)
    spec = load_model(
        source,
        AnalyticsSpec,
        ConfigError,
        what="aggregates configuration",
        not_found=f"aggregates file not found (set analytics.aggregates in {config.source})",
    )
    problems = check_against_datasets(spec, config)
    if problems:
        raise ConfigError("\n".join([f"{source}: invalid aggregates configuration", *problems]))
    return spec


# --- pure transforms -------------------------------------------------------------------


def derived(dimension: Dimension, col: Column) -> Column:
    """A dimension's published value: text, derived when the table asks for it."""
    from pyspark.sql import functions as F

    rule = dimension.derive
    if isinstance(rule, VersionLine):
        pattern = rf"^(\d+(?:\.\d+){{0,{rule.parts - 1}}})"
        line = F.regexp_extract(col.cast("string"), pattern, 1)
        return F.when(line != "", line)
    if isinstance(rule, Band):
        low = (F.floor(col / rule.width) * rule.width).cast("long")
        if rule.width == 1:
            return low.cast("string")
        return F.concat(low.cast("string"), F.lit("-"), (low + rule.width - 1).cast("string"))
    return col.cast("string")


def consenting_subjects(
    snapshot: DataFrame, subject: str, consent: ConsentPolicy, purpose: str, objections: DataFrame | None
) -> DataFrame:
    """Subjects (one column, ``SUBJECT``) who opted in and have not objected to ``purpose``."""
    from pyspark.sql import functions as F

    opted_in = snapshot.where(F.col(consent.opt_in_column) == F.lit(True)).select(
        F.col(subject).alias(SUBJECT)
    )
    if objections is not None:
        objected = objections.where(F.col("purpose").isin(purpose, "all")).select(
            F.col("subject").alias(SUBJECT)
        )
        opted_in = opted_in.join(objected, SUBJECT, "left_anti")
    return opted_in.distinct()


def grouping_inputs(
    events: DataFrame, table: AggregateTable, subject: str, snapshot: DataFrame | None = None
) -> DataFrame:
    """One row per source event: the dimensions (as published), the subject and what each
    metric reads, so nothing else of the source row (no identifier) travels further."""
    from pyspark.sql import functions as F

    frame = events.alias("source")
    if table.join is not None:
        if snapshot is None:
            raise ValueError(f"table joins {table.join}: pass its snapshot")
        frame = frame.join(
            snapshot.alias("joined"), F.col(f"source.{subject}") == F.col(f"joined.{subject}"), "left"
        )

    def column(name: str, dataset: str | None) -> Column:
        qualifier = "joined" if dataset is not None and dataset == table.join else "source"
        return F.col(f"{qualifier}.{name}")

    selected = [
        derived(dim, column(dim.column, dim.dataset)).alias(name) for name, dim in table.dimensions.items()
    ]
    selected.append(F.col(f"source.{subject}").alias(SUBJECT))
    for name, metric in table.metrics.items():
        if metric.where is not None:
            selected.append(column(metric.where.column, None).isin(*metric.where.values).alias(f"_m_{name}"))
        elif metric.column is not None:
            selected.append(column(metric.column, None).alias(f"_m_{name}"))
    return frame.select(*selected).where(F.col(SUBJECT).isNotNull())


def _grouping_key(table: AggregateTable, level: tuple[str, ...]) -> list[Column]:
    from pyspark.sql import functions as F

    return [F.col(d) if d in level else F.lit(ROLLED_UP) for d in table.dimensions]


def assign_levels(inputs: DataFrame, table: AggregateTable, k: int) -> DataFrame:
    """Add ``LEVEL``: the finest grouping at which the row's group has k distinct subjects
    (counting only rows not published at a finer level), or null when none has: suppressed."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    finest = F.to_json(F.struct(*[F.col(d) for d in table.dimensions]))
    leveled = inputs.withColumn(FINEST_GROUP, finest).withColumn(LEVEL, F.lit(None).cast("int"))
    for index, level in enumerate(table.levels()):
        pending = F.col(LEVEL).isNull()
        window = Window.partitionBy(*_grouping_key(table, level))
        subjects = F.size(F.collect_set(F.when(pending, F.col(SUBJECT))).over(window))
        leveled = leveled.withColumn(
            LEVEL, F.when(pending & (subjects >= k), F.lit(index)).otherwise(F.col(LEVEL))
        )
    return leveled


def metric_value(name: str, metric: Metric) -> Column:
    from pyspark.sql import functions as F

    source = F.col(f"_m_{name}")
    if metric.fn == "count":
        return F.count_if(source) if metric.where is not None else F.count(F.lit(1))
    if metric.fn == "distinct_subjects":
        return F.count_distinct(F.col(SUBJECT))
    if metric.fn == "distinct":
        return F.count_distinct(source)
    if metric.fn == "percentile":
        assert metric.percentile is not None
        return F.percentile_approx(source, metric.percentile).cast("double")
    return F.avg(source)


def published_groups(leveled: DataFrame, table: AggregateTable) -> DataFrame:
    """The gold rows: one per published group, dimensions as text, ``rollup_level`` 0 for the
    table's own grouping and n for its n-th roll-up. Suppressed rows are not in it."""
    from pyspark.sql import functions as F

    levels = table.levels()
    dims = []
    for d in table.dimensions:
        keeping = [i for i, level in enumerate(levels) if d in level]
        dims.append(F.when(F.col(LEVEL).isin(*keeping), F.col(d)).otherwise(F.lit(ROLLED_UP)).alias(d))
    metrics = [metric_value(name, m).alias(name) for name, m in table.metrics.items()]
    return (
        leveled.where(F.col(LEVEL).isNotNull()).groupBy(*dims, F.col(LEVEL).alias(ROLLUP_LEVEL)).agg(*metrics)
    )


def suppression_summary(leveled: DataFrame) -> DataFrame:
    """One row of counts: events and subjects in, finest groups below k, rolled up, suppressed."""
    from pyspark.sql import functions as F

    below_k = F.col(LEVEL).isNull() | (F.col(LEVEL) > 0)
    return leveled.agg(
        F.count(F.lit(1)).alias("events_in"),
        F.count_distinct(SUBJECT).alias("subjects_in"),
        F.count_distinct(FINEST_GROUP).alias("groups_in"),
        F.count_distinct(F.when(below_k, F.col(FINEST_GROUP))).alias("groups_below_k"),
        F.count_distinct(F.when(F.col(LEVEL) > 0, F.col(FINEST_GROUP))).alias("groups_rolled_up"),
        F.count_distinct(F.when(F.col(LEVEL).isNull(), F.col(FINEST_GROUP))).alias("groups_suppressed"),
        F.count_if(F.col(LEVEL).isNull()).alias("events_suppressed"),
    )

"""Structured columns, compiled from the dataset policy to native Spark SQL expressions.

``identifier`` columns become keyed pseudonyms (arrays element by element),
``quasi_identifier`` columns are generalized (IP prefix, coordinate grid, numeric band,
time truncation), ``drop`` columns disappear. No Python UDF is involved: the whole path
stays in the JVM, and a test checks the physical plan. A generalization that cannot parse
its input (an IP that is not one, a timestamp that is not ISO-8601) yields null and flags
the row, so the job quarantines it rather than publishing a half-processed record.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from privlake.config import (
    ColumnSpec,
    CoordinateGrid,
    DatasetConfig,
    Generalization,
    IpPrefix,
    KeepCoarse,
    NumericBand,
    Suppress,
    TruncateTime,
)
from privlake.pseudonym import PseudonymKey, pseudonym_column

IPV4 = r"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$"
IPV6 = r"^[0-9A-Fa-f:]*:[0-9A-Fa-f:]*$"


def pseudonym_of(spec: ColumnSpec, col: Column, key: PseudonymKey) -> Column:
    assert spec.kind is not None
    kind = spec.kind
    if spec.type == "array<string>":
        return F.transform(col, lambda v: pseudonym_column(v, kind, key.secret))
    return pseudonym_column(col, kind, key.secret)


def ipv4_prefix(col: Column, bits: int) -> Column:
    octets = F.split(col, r"\.")
    as_int = F.lit(0).cast("long")
    for i in range(4):
        as_int = as_int * 256 + octets[i].cast("long")
    mask = ((1 << 32) - 1) ^ ((1 << (32 - bits)) - 1)
    network = as_int.bitwiseAND(F.lit(mask).cast("long"))
    dotted = F.concat_ws(
        ".", *[F.shiftright(network, shift).bitwiseAND(F.lit(255)).cast("string") for shift in (24, 16, 8, 0)]
    )
    return F.concat(dotted, F.lit(f"/{bits}"))


def ipv6_prefix(col: Column, bits: int) -> Column:
    """Expand ``::``, keep the first ``bits / 16`` groups, write the network in short form."""
    halves = F.split(F.lower(col), "::")
    left = F.when(halves[0] == "", F.array().cast("array<string>")).otherwise(F.split(halves[0], ":"))
    right = F.when((F.size(halves) < 2) | (halves[1] == ""), F.array().cast("array<string>")).otherwise(
        F.split(halves[1], ":")
    )
    missing = F.greatest(F.lit(0), F.lit(8) - F.size(left) - F.size(right))
    groups = F.concat(left, F.array_repeat(F.lit("0"), missing), right)
    kept = F.slice(groups, 1, bits // 16)
    trimmed = F.transform(kept, lambda g: F.regexp_replace(g, "^0+(?=.)", ""))
    valid = (F.size(groups) == 8) & F.forall(groups, lambda g: g.rlike("^[0-9a-f]{1,4}$"))
    return F.when(valid, F.concat(F.array_join(trimmed, ":"), F.lit(f"::/{bits}")))


def generalized(rule: Generalization, col: Column) -> Column:
    """The generalized value of ``col``; null where the input cannot be parsed."""
    if isinstance(rule, IpPrefix):
        v = F.trim(col)
        return F.when(v.rlike(IPV4), ipv4_prefix(v, rule.ipv4_prefix)).when(
            v.rlike(IPV6), ipv6_prefix(v, rule.ipv6_prefix)
        )
    if isinstance(rule, CoordinateGrid):
        cell = rule.cell_degrees
        decimals = max(0, len(f"{cell:f}".rstrip("0").split(".")[1]))
        return F.round(F.floor(col / cell) * cell, decimals)
    if isinstance(rule, NumericBand):
        band = F.floor(col / rule.width) * rule.width
        return band.cast("long" if float(rule.width).is_integer() else "double")
    if isinstance(rule, TruncateTime):
        return F.date_trunc(rule.unit, F.try_to_timestamp(col))
    if isinstance(rule, Suppress):
        return F.lit(None)
    if isinstance(rule, KeepCoarse):
        return col
    raise TypeError(f"unsupported generalization {rule!r}")


def generalization_failures(dataset: DatasetConfig) -> Column:
    """Names of quasi-identifier columns whose value cannot be generalized, or null."""
    failed = [
        F.when(F.col(name).isNotNull() & generalized(spec.generalize, F.col(name)).isNull(), F.lit(name))
        for name, spec in dataset.columns.items()
        if spec.role == "quasi_identifier" and spec.generalize and not isinstance(spec.generalize, Suppress)
    ]
    names = F.concat_ws(",", *failed) if failed else F.lit("")
    return F.when(names != "", names)


def deidentify_columns(df: DataFrame, dataset: DatasetConfig, key: PseudonymKey) -> DataFrame:
    """Apply every column's role; columns outside the policy (date, lineage) pass through."""
    outputs: list[Column] = []
    for name, spec in dataset.columns.items():
        col = F.col(name)
        if spec.role == "identifier":
            outputs.append(pseudonym_of(spec, col, key).alias(name))
        elif spec.role == "quasi_identifier":
            assert spec.generalize is not None
            outputs.append(generalized(spec.generalize, col).alias(name))
        elif spec.role in ("keep", "free_text"):
            outputs.append(col)
        # role "drop": the column is not selected
    passthrough = [c for c in df.columns if c not in dataset.columns]
    return df.select(*outputs, *passthrough)

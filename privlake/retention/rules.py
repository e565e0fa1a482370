"""Retention rules: how long each zone keeps each dataset, and the legal holds that override it.

The rules are data, in ``retention_rules/*.yaml``, read with ``yaml.safe_load`` into pydantic
models that reject unknown keys and then checked against the configuration: a rule naming a
dataset, zone or column that does not exist fails loudly, naming the file, the key path and
the problem. A rule gives, for one zone and one dataset (``"*"`` for every dataset), the
window (days, months or years), the date column (the ``dt`` partition by default; for landing
files the ``dt=`` folder), the action (``delete``, or ``isolate`` into ``restricted/``) and
its legal basis. Gold and privacy tables are named by ``table`` rather than ``dataset``,
because they are not datasets of the configuration and may not exist yet. A legal hold keeps
records that a rule would remove: all of a dataset's records in some or all zones, or only
the records of named subjects, until a date or indefinitely. Holds name subjects by their
keyed account pseudonym (``acct_`` + 20 hex digits, the value silver tables hold in the
subject column), never by raw account id: a rule file is reviewed in a repository, and a raw
identifier there would be personal data outside every retention and erasure control.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Protocol

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from anonymizers.pseudonym import TOKEN_HEX_DIGITS, TOKEN_PREFIX
from privlake.columns import DT, ISOLATED_AT
from privlake.config import PrivlakeConfig, Strict, Zone
from privlake.datafile import invalid_file, plain_message, problem_lines, read_yaml
from privlake.errors import BadInputError


class ActionKind(Protocol):
    """What a rule file is checked against: the zones an action may name, and why."""

    @property
    def zones(self) -> tuple[str, ...]: ...

    @property
    def zone_note(self) -> str: ...


# The actions rule files may name: ``privlake.retention.actions.register`` fills it when the
# package loads (``privlake/retention/__init__.py`` imports the actions), so the executor's
# actions are the ones rules are checked against, with no import from here to the executor.
ACTIONS: dict[str, ActionKind] = {}

ALL = "*"
# Names a rules folder or file; wins over the configuration's ``retention_rules``.
RULES_ENV = "PRIVLAKE_RETENTION_RULES"
# Zones whose tables (or landing folders) belong to one configured dataset.
DATASET_ZONES: tuple[str, ...] = ("landing", "bronze", "silver", "quarantine", "restricted")
# Zones whose tables are named on their own: aggregates and the privacy team's records.
TABLE_ZONES: tuple[str, ...] = ("gold", "privacy")
# Isolated rows keep their source table's schema in restricted/<dataset>.
ISOLATING_ZONES: tuple[str, ...] = ("bronze", "silver")
# The minors sweep's age thresholds live in the rules folder but are not rules
# (privlake.privacy.age_thresholds reads them): the rule loader skips the file by name.
AGE_THRESHOLDS_FILE = "minors.yaml"
# Delta's own default for VACUUM, used when no rule file sets history_retention_hours.
DEFAULT_HISTORY_RETENTION_HOURS = 168
_NAME = r"^[a-z][a-z0-9_]*$"
_ID = r"^[a-z0-9][a-z0-9_.-]*$"
ACCOUNT_PSEUDONYM_PATTERN = rf"^{TOKEN_PREFIX['account_id']}[0-9a-f]{{{TOKEN_HEX_DIGITS}}}$"


class RetentionRuleError(BadInputError):
    """A retention rule file is invalid: the message names the file, the key path and the problem."""


class Window(Strict):
    """How long a record is kept after its date: exactly one of days, months or years."""

    days: Annotated[int, Field(ge=1)] | None = None
    months: Annotated[int, Field(ge=1)] | None = None
    years: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _exactly_one_unit(self) -> Window:
        given = [u for u in ("days", "months", "years") if getattr(self, u) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of days, months or years, e.g. {days: 30}")
        return self

    def cutoff(self, as_of: dt.date) -> dt.date:
        """The first date still kept: records dated before it are expired on ``as_of``.

        Months and years are calendar arithmetic; a day that does not exist in the target
        month (31 March minus one month) becomes that month's last day.
        """
        if self.days is not None:
            return as_of - dt.timedelta(days=self.days)
        months = self.months if self.months is not None else 12 * (self.years or 0)
        year, month_index = divmod(as_of.year * 12 + as_of.month - 1 - months, 12)
        last_day = calendar.monthrange(year, month_index + 1)[1]
        return dt.date(year, month_index + 1, min(as_of.day, last_day))

    def __str__(self) -> str:
        for unit in ("days", "months", "years"):
            n = getattr(self, unit)
            if n is not None:
                return f"{n} {unit[:-1] if n == 1 else unit}"
        return "?"


class RetentionRule(Strict):
    """One zone of one dataset (or one gold/privacy table): window, date column, action, basis."""

    id: Annotated[str, Field(pattern=_ID)]
    zone: Zone
    dataset: str | None = Field(default=None, description="a configured dataset or '*' (dataset zones)")
    table: str | None = Field(default=None, description="a table name, or '*' in gold (gold/privacy)")
    window: Window
    date_column: Annotated[str, Field(pattern=_NAME)] = DT
    action: str = Field(description="a registered action: delete, isolate")
    legal_basis: Annotated[str, Field(min_length=3)]

    @field_validator("action")
    @classmethod
    def _registered_action(cls, name: str) -> str:
        known = sorted(ACTIONS)
        if name not in known:
            names = [repr(n) for n in known]
            raise ValueError(f"Input should be {', '.join(names[:-1])} or {names[-1]}")
        return name

    @model_validator(mode="after")
    def _target_fits_zone(self) -> RetentionRule:
        if self.zone in DATASET_ZONES:
            if self.dataset is None or self.table is not None:
                raise ValueError(f"zone {self.zone!r} holds datasets: name one with 'dataset' (or '*')")
            if self.dataset != ALL and not re.match(_NAME, self.dataset):
                raise ValueError("'dataset' must be a dataset name or '*'")
        else:
            if self.table is None or self.dataset is not None:
                raise ValueError(f"zone {self.zone!r} holds tables: name one with 'table'")
            if self.table == ALL and self.zone == "privacy":
                # The deny list of erased subjects lives there and must outlive any window.
                raise ValueError("privacy tables must be named one by one; '*' is only for gold")
            if self.table != ALL and not re.match(_NAME, self.table):
                raise ValueError("'table' must be a table name (lower case, digits, underscores)")
        if self.zone == "landing" and self.date_column != DT:
            raise ValueError("landing files are dated by their dt= folder: leave date_column out or 'dt'")
        action = ACTIONS[self.action]
        if self.zone not in action.zones:
            raise ValueError(f"action {self.action!r} {action.zone_note or 'cannot apply to ' + self.zone}")
        return self

    @property
    def target(self) -> str:
        """The dataset or table name (or '*') the rule is about."""
        return self.dataset if self.dataset is not None else str(self.table)


class LegalHold(Strict):
    """Records a rule must not remove while the hold is active (``until`` inclusive)."""

    id: Annotated[str, Field(pattern=_ID)]
    reason: Annotated[str, Field(min_length=3)]
    datasets: Annotated[tuple[str, ...], Field(min_length=1, description="datasets, tables, or '*'")]
    zones: tuple[Zone, ...] = Field(default=(), description="empty: every zone")
    subjects: tuple[Annotated[str, Field(pattern=ACCOUNT_PSEUDONYM_PATTERN)], ...] = Field(
        default=(), description="account pseudonyms; empty: every record of the datasets"
    )
    until: dt.date | Literal["indefinite"]

    def is_active(self, as_of: dt.date) -> bool:
        return self.until == "indefinite" or as_of <= self.until

    def covers(self, name: str, zone: str) -> bool:
        return (ALL in self.datasets or name in self.datasets) and (not self.zones or zone in self.zones)

    @property
    def whole_dataset(self) -> bool:
        return not self.subjects


class RuleFile(Strict):
    """One ``retention_rules/*.yaml`` file."""

    history_retention_hours: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="VACUUM keeps removed files this long (set in one file only)"
    )
    rules: tuple[RetentionRule, ...] = ()
    holds: tuple[LegalHold, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    """Every rule and hold of the rule files, checked against the configuration."""

    rules: tuple[RetentionRule, ...]
    holds: tuple[LegalHold, ...]
    history_retention_hours: int

    def rule_for(self, name: str, zone: str) -> RetentionRule | None:
        """The rule for a dataset (or table) in a zone: a rule naming it beats a '*' rule."""
        named = [r for r in self.rules if r.zone == zone and r.target == name]
        if named:
            return named[0]
        wildcard = [r for r in self.rules if r.zone == zone and r.target == ALL]
        return wildcard[0] if wildcard else None

    def rules_in(self, zone: str) -> list[RetentionRule]:
        return [r for r in self.rules if r.zone == zone]

    def active_holds(self, name: str, zone: str, as_of: dt.date) -> list[LegalHold]:
        return [h for h in self.holds if h.is_active(as_of) and h.covers(name, zone)]


# --- loading ---------------------------------------------------------------------------


def rules_location(explicit: str | Path | None, config: PrivlakeConfig) -> Path:
    """Where the rules are: ``explicit`` (``--rules``) wins, then ``$PRIVLAKE_RETENTION_RULES``,
    then the configuration's ``retention_rules``. Every job that reads the rules asks here."""
    return Path(explicit or os.environ.get(RULES_ENV) or config.retention_rules)


def rule_files(path_or_dir: str | Path) -> list[Path]:
    """The YAML files of a rules folder (sorted), or the one file given."""
    path = Path(path_or_dir)
    if path.is_dir():
        found = [*path.glob("*.yaml"), *path.glob("*.yml")]
        files = sorted(f for f in found if f.name != AGE_THRESHOLDS_FILE)
        if not files:
            raise RetentionRuleError(f"{path}: no retention rule files (*.yaml) in this folder")
        return files
    if not path.exists():
        raise RetentionRuleError(f"{path}: retention rules not found (give a rules folder or a .yaml file)")
    return [path]


def load_rules(path_or_dir: str | Path, config: PrivlakeConfig) -> RuleSet:
    """Read, validate and check every rule file; raise ``RetentionRuleError`` when invalid."""
    parsed = [(f, _parse_file(f)) for f in rule_files(path_or_dir)]
    problems: list[str] = []
    for source, rule_file in parsed:
        problems += _check_against_config(source, rule_file, config)
    problems += _check_across_files(parsed, config)
    if problems:
        raise RetentionRuleError("invalid retention rules\n  " + "\n  ".join(problems))
    hours = [rf.history_retention_hours for _, rf in parsed if rf.history_retention_hours is not None]
    return RuleSet(
        rules=tuple(r for _, rf in parsed for r in rf.rules),
        holds=tuple(h for _, rf in parsed for h in rf.holds),
        history_retention_hours=hours[0] if hours else DEFAULT_HISTORY_RETENTION_HOURS,
    )


def _parse_file(source: Path) -> RuleFile:
    raw = read_yaml(source, RetentionRuleError)
    if not isinstance(raw, dict):
        raise RetentionRuleError(f"{source}: expected a mapping with 'rules' (and 'holds') at the top level")
    try:
        return RuleFile.model_validate(raw)
    except ValidationError as exc:
        # pydantic's names for the branches of ``until: date | 'indefinite'`` are not keys
        lines = problem_lines(exc, branches=("date",), message=_friendly)
        raise RetentionRuleError(invalid_file(source, "retention rules", lines)) from None


def _friendly(err: ErrorDetails) -> str:
    loc = [p for p in err["loc"] if isinstance(p, str)]
    if err["type"] == "string_pattern_mismatch" and "subjects" in loc:
        return (
            "not an account pseudonym (acct_ followed by 20 hex digits): holds name subjects by "
            "keyed pseudonym, never by raw account id"
        )
    if "until" in loc[-2:]:
        return "give a date (YYYY-MM-DD) or 'indefinite'"
    return plain_message(err)


# --- checks against the configuration -------------------------------------------------


def date_columns(config: PrivlakeConfig, dataset: str, zone: str) -> tuple[str, ...]:
    """Columns of a dataset's table in ``zone`` that can date a record.

    ``dt`` is the partition (a DATE) everywhere; the dataset's ``event_time`` exists in
    bronze (ISO-8601 text), silver (a timestamp truncated by the policy) and restricted;
    restricted adds ``isolated_at``. The job reads each column by its actual type.
    """
    ds = config.dataset(dataset)
    columns = [DT]
    if zone in ("bronze", "silver", "restricted") and ds.event_time is not None:
        columns.append(ds.event_time)
    if zone == "restricted":
        columns.append(ISOLATED_AT)
    return tuple(columns)


def _check_against_config(source: Path, rule_file: RuleFile, config: PrivlakeConfig) -> list[str]:
    problems: list[str] = []
    for i, rule in enumerate(rule_file.rules):
        where = f"{source}: rules[{i}]"
        if rule.dataset is None:
            continue  # gold and privacy tables: their columns are checked when the job runs
        if rule.dataset != ALL and rule.dataset not in config.datasets:
            problems.append(
                f"{where}.dataset: unknown dataset {rule.dataset!r}; "
                f"configured datasets: {', '.join(sorted(config.datasets))}"
            )
            continue
        names = sorted(config.datasets) if rule.dataset == ALL else [rule.dataset]
        for name in names:
            allowed = date_columns(config, name, rule.zone)
            if rule.date_column not in allowed:
                problems.append(
                    f"{where}.date_column: {rule.date_column!r} cannot date {rule.zone}/{name}; "
                    f"use one of {', '.join(allowed)}"
                )
                break
    for i, hold in enumerate(rule_file.holds):
        where = f"{source}: holds[{i}]"
        for j, name in enumerate(hold.datasets):
            if name != ALL and not re.match(_NAME, name):
                problems.append(f"{where}.datasets[{j}]: not a dataset or table name")
        if hold.subjects:
            for name in hold.datasets:
                spec = config.datasets.get(name)
                if spec is not None and spec.columns[spec.subject].kind != "account_id":
                    problems.append(
                        f"{where}.subjects: dataset {name!r} names its subject by "
                        f"{spec.columns[spec.subject].kind}, not account_id; hold it by dataset instead"
                    )
    return problems


def _check_across_files(parsed: list[tuple[Path, RuleFile]], config: PrivlakeConfig) -> list[str]:
    problems: list[str] = []
    seen_ids: dict[str, str] = {}
    seen_targets: dict[tuple[str, str], str] = {}
    table_names = {r.target for _, rf in parsed for r in rf.rules if r.table is not None}
    for source, rule_file in parsed:
        entries: list[tuple[str, str]] = [(f"rules[{i}]", r.id) for i, r in enumerate(rule_file.rules)]
        entries += [(f"holds[{i}]", h.id) for i, h in enumerate(rule_file.holds)]
        for key_path, entry_id in entries:
            where = f"{source}: {key_path}"
            if entry_id in seen_ids:
                problems.append(f"{where}.id: {entry_id!r} is already used at {seen_ids[entry_id]}")
            seen_ids.setdefault(entry_id, where)
        for i, rule in enumerate(rule_file.rules):
            where = f"{source}: rules[{i}]"
            target = (rule.zone, rule.target)
            if target in seen_targets:
                problems.append(
                    f"{where}: a second rule for zone {rule.zone!r} and {rule.target!r} "
                    f"(the first is at {seen_targets[target]}); merge them"
                )
            seen_targets.setdefault(target, where)
        for i, hold in enumerate(rule_file.holds):
            for j, name in enumerate(hold.datasets):
                if name != ALL and name not in config.datasets and name not in table_names:
                    problems.append(
                        f"{source}: holds[{i}].datasets[{j}]: {name!r} is neither a configured dataset "
                        "nor a table named by a rule"
                    )
    problems += _check_one_isolating_zone(parsed, config)
    total = [f for f, rf in parsed if rf.history_retention_hours is not None]
    if len(total) > 1:
        problems.append(
            f"history_retention_hours is set in {len(total)} files "
            f"({', '.join(map(str, total))}); set it in one file only"
        )
    return problems


def _check_one_isolating_zone(parsed: list[tuple[Path, RuleFile]], config: PrivlakeConfig) -> list[str]:
    """``restricted/<dataset>`` has one schema: the rows of the one zone that isolates into it."""
    rules = [r for _, rf in parsed for r in rf.rules]
    ruleset = RuleSet(tuple(rules), (), DEFAULT_HISTORY_RETENTION_HOURS)
    problems = []
    for name in sorted(config.datasets):
        isolating = [
            rule.id
            for zone in ISOLATING_ZONES
            if (rule := ruleset.rule_for(name, zone)) is not None and rule.action == "isolate"
        ]
        if len(isolating) > 1:
            problems.append(
                f"dataset {name!r}: rules {', '.join(isolating)} isolate from more than one zone, but "
                f"restricted/{name} keeps one zone's rows; isolate in one zone and delete in the other"
            )
    return problems

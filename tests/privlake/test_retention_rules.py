"""Retention rules: the shipped files load and match the config; mistakes fail with file, key path
and problem; windows, precedence and holds mean what the rule files say."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from anonymizers.pseudonym import pseudonymize
from privlake.config import PrivlakeConfig, load_config
from privlake.retention.plan import retention_targets, unruled_zones
from privlake.retention.rules import RetentionRuleError, RuleSet, Window, load_rules, rule_files
from tests.conftest import CONFIG, REPO

RULES_DIR = REPO / "retention_rules"
HELD = pseudonymize("acc-0000000001", "account_id", b"any key will do for a shape test")


@pytest.fixture(scope="module")
def config() -> PrivlakeConfig:
    return load_config(CONFIG)


def write_rules(folder: Path, text: str, name: str = "rules.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


RULE = """
rules:
  - id: r1
    zone: bronze
    dataset: device_logs
    window: {days: 30}
    action: delete
    legal_basis: test
"""


# the folder's rule files: minors.yaml there holds the minors sweep's age thresholds, not rules
@pytest.mark.parametrize("rule_file", rule_files(RULES_DIR), ids=lambda p: p.name)
def test_every_shipped_rule_file_loads_against_the_shipped_config(
    rule_file: Path, config: PrivlakeConfig
) -> None:
    rules = load_rules(rule_file, config)
    assert rules.rules


def test_shipped_rules_give_the_agreed_windows(config: PrivlakeConfig) -> None:
    rules = load_rules(RULES_DIR, config)
    windows = {(r.zone, r.target): (str(r.window), r.action) for r in rules.rules}
    assert windows == {
        ("landing", "*"): ("7 days", "delete"),
        ("bronze", "device_logs"): ("30 days", "delete"),
        ("bronze", "usage_history"): ("90 days", "delete"),
        ("bronze", "accounts"): ("30 days", "delete"),
        ("silver", "device_logs"): ("13 months", "delete"),
        ("silver", "usage_history"): ("25 months", "delete"),
        ("silver", "accounts"): ("30 days", "delete"),
        ("quarantine", "*"): ("30 days", "delete"),
        ("gold", "*"): ("5 years", "delete"),
        ("privacy", "retention_evidence"): ("6 years", "delete"),
        ("privacy", "runs"): ("6 years", "delete"),
        ("privacy", "gold_suppression"): ("6 years", "delete"),
        ("privacy", "reidentification_risk"): ("6 years", "delete"),
        ("privacy", "minor_accounts"): ("30 days", "delete"),
        ("privacy", "transfers"): ("6 years", "delete"),
    }
    # every dataset zone that holds personal data has a window
    assert unruled_zones(config, rules) == []


def test_gold_and_privacy_rules_name_tables_that_may_not_exist_yet(config: PrivlakeConfig) -> None:
    rules = load_rules(RULES_DIR, config)
    as_of = dt.date(2027, 3, 31)
    targets = retention_targets(config, rules, as_of, gold_tables=["daily_device_activity"])
    by_label = {t.label: t for t in targets}
    assert by_label["gold/daily_device_activity"].cutoff == dt.date(2022, 3, 31)
    assert by_label["privacy/retention_evidence"].cutoff == dt.date(2021, 3, 31)
    assert by_label["silver/device_logs"].cutoff == dt.date(2026, 2, 28)
    # restricted has no rule: its history is still purged on every run
    assert by_label["restricted/accounts"].rule is None


@pytest.mark.parametrize(
    ("window", "as_of", "cutoff"),
    [
        (Window(days=7), dt.date(2026, 3, 3), dt.date(2026, 2, 24)),
        (Window(months=1), dt.date(2026, 3, 31), dt.date(2026, 2, 28)),
        (Window(months=13), dt.date(2027, 1, 15), dt.date(2025, 12, 15)),
        (Window(years=1), dt.date(2028, 2, 29), dt.date(2027, 2, 28)),
        (Window(years=5), dt.date(2026, 6, 1), dt.date(2021, 6, 1)),
    ],
)
def test_window_cutoff_is_calendar_arithmetic_from_as_of(
    window: Window, as_of: dt.date, cutoff: dt.date
) -> None:
    assert window.cutoff(as_of) == cutoff


def test_a_named_rule_beats_a_wildcard_and_holds_expire(tmp_path: Path, config: PrivlakeConfig) -> None:
    path = write_rules(
        tmp_path,
        f"""
        rules:
          - {{id: all-quarantine, zone: quarantine, dataset: "*", window: {{days: 30}}, action: delete,
              legal_basis: default}}
          - {{id: logs-quarantine, zone: quarantine, dataset: device_logs, window: {{days: 5}},
              action: delete, legal_basis: shorter}}
        holds:
          - {{id: court, reason: court order, datasets: [device_logs], subjects: [{HELD}], until: 2026-06-30}}
          - {{id: audit, reason: tax audit, datasets: ["*"], zones: [quarantine], until: indefinite}}
        """,
    )
    rules: RuleSet = load_rules(path, config)
    rule = rules.rule_for("device_logs", "quarantine")
    assert rule is not None and rule.id == "logs-quarantine"
    other = rules.rule_for("accounts", "quarantine")
    assert other is not None and other.id == "all-quarantine"
    assert rules.rule_for("accounts", "bronze") is None
    assert [h.id for h in rules.active_holds("device_logs", "quarantine", dt.date(2026, 6, 30))] == [
        "court",
        "audit",
    ]
    assert [h.id for h in rules.active_holds("device_logs", "quarantine", dt.date(2026, 7, 1))] == ["audit"]
    assert [h.id for h in rules.active_holds("device_logs", "bronze", dt.date(2026, 7, 1))] == []
    assert rules.history_retention_hours == 168  # Delta's default when no file sets it


BAD_RULES = [
    ("windw: {days: 3}", "rules[0].windw: Extra inputs are not permitted"),
    ("dataset: device_log", "rules[0].dataset: unknown dataset 'device_log'"),
    ("zone: silverr", "rules[0].zone: Input should be"),
    ("date_column: message", "rules[0].date_column: 'message' cannot date bronze/device_logs"),
    ("window: {days: 3, months: 1}", "rules[0].window: give exactly one of days, months or years"),
    ("window: {days: 0}", "rules[0].window.days: Input should be greater than or equal to 1"),
    ("action: archive", "rules[0].action: Input should be 'delete' or 'isolate'"),
]


@pytest.mark.parametrize(("change", "message"), BAD_RULES, ids=[c for c, _ in BAD_RULES])
def test_a_bad_rule_names_file_key_path_and_problem(
    tmp_path: Path, config: PrivlakeConfig, change: str, message: str
) -> None:
    key = change.split(":", 1)[0]
    lines = [line for line in RULE.splitlines() if not line.strip().startswith(f"{key}:")]
    lines.insert(3, f"    {change}")
    path = write_rules(tmp_path, "\n".join(lines))
    with pytest.raises(RetentionRuleError) as err:
        load_rules(path, config)
    assert str(path) in str(err.value)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "{id: x, zone: landing, dataset: '*', window: {days: 7}, action: isolate, legal_basis: abc}",
            "action 'isolate' moves rows into restricted/ from bronze or silver",
        ),
        (
            "{id: x, zone: landing, dataset: '*', date_column: event_time, window: {days: 7}, "
            "action: delete, legal_basis: abc}",
            "landing files are dated by their dt= folder",
        ),
        (
            "{id: x, zone: privacy, table: '*', window: {years: 6}, action: delete, legal_basis: abc}",
            "privacy tables must be named one by one",
        ),
        (
            "{id: x, zone: gold, dataset: accounts, window: {years: 6}, action: delete, legal_basis: abc}",
            "zone 'gold' holds tables: name one with 'table'",
        ),
        (
            "{id: x, zone: silver, table: accounts, window: {years: 6}, action: delete, legal_basis: abc}",
            "zone 'silver' holds datasets",
        ),
    ],
)
def test_rules_that_do_not_fit_their_zone_are_rejected(
    tmp_path: Path, config: PrivlakeConfig, rule: str, message: str
) -> None:
    path = write_rules(tmp_path, f"rules:\n  - {rule}\n")
    with pytest.raises(RetentionRuleError, match="rules\\[0\\]") as err:
        load_rules(path, config)
    assert message in str(err.value)


def test_a_hold_never_takes_a_raw_account_id_and_never_echoes_it(
    tmp_path: Path, config: PrivlakeConfig
) -> None:
    raw_id = "acc-0000004711"
    path = write_rules(
        tmp_path,
        RULE + f"holds:\n  - {{id: h, reason: court order, datasets: [device_logs], subjects: [{raw_id}], "
        "until: indefinite}\n",
    )
    with pytest.raises(RetentionRuleError) as err:
        load_rules(path, config)
    assert "holds[0].subjects[0]: not an account pseudonym" in str(err.value)
    assert raw_id not in str(err.value)


def test_a_hold_needs_an_until_date_or_indefinite(tmp_path: Path, config: PrivlakeConfig) -> None:
    path = write_rules(
        tmp_path, RULE + "holds:\n  - {id: h, reason: audit, datasets: [device_logs], until: soon}\n"
    )
    with pytest.raises(
        RetentionRuleError, match=r"holds\[0\]\.until: give a date \(YYYY-MM-DD\) or 'indefinite'"
    ):
        load_rules(path, config)


def test_problems_across_files_are_caught(tmp_path: Path, config: PrivlakeConfig) -> None:
    write_rules(tmp_path, "history_retention_hours: 0\n" + RULE, "a.yaml")
    write_rules(
        tmp_path,
        """
        history_retention_hours: 24
        rules:
          - {id: r1, zone: silver, dataset: accounts, window: {days: 9}, action: isolate, legal_basis: abc}
          - {id: r2, zone: bronze, dataset: device_logs, window: {days: 9}, action: delete, legal_basis: abc}
          - {id: r3, zone: bronze, dataset: accounts, window: {days: 9}, action: isolate, legal_basis: abc}
        holds:
          - {id: h1, reason: audit, datasets: [gold_table_nobody_rules], until: indefinite}
        """,
        "b.yaml",
    )
    with pytest.raises(RetentionRuleError) as err:
        load_rules(tmp_path, config)
    message = str(err.value)
    assert (
        f"{tmp_path / 'b.yaml'}: rules[0].id: 'r1' is already used at {tmp_path / 'a.yaml'}: rules[0]"
        in message
    )
    assert "rules[1]: a second rule for zone 'bronze' and 'device_logs'" in message
    assert "'gold_table_nobody_rules' is neither a configured dataset nor a table named by a rule" in message
    assert "dataset 'accounts': rules r3, r1 isolate from more than one zone" in message
    assert "history_retention_hours is set in 2 files" in message


def test_an_empty_rules_folder_is_an_error(tmp_path: Path, config: PrivlakeConfig) -> None:
    with pytest.raises(RetentionRuleError, match="no retention rule files"):
        load_rules(tmp_path, config)

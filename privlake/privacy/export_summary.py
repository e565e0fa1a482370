"""``summary.html`` of a subject access package: what is held, why, for how long, where, and
where it came from, readable offline (inline CSS, no script, no external asset), in the style
of ``privlake.report``.

It is a pure function of ``SummaryData``. The categories come from each dataset's columns in
the configuration (by role), the purposes and retention windows from the retention rules
(``retention_rules/``: window, action, legal basis) and the gold tables' declared purposes,
the storage region from the configuration. It holds no row values: the rows are in the files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html import escape

from privlake.config import DatasetConfig, PrivlakeConfig
from privlake.errors import PrivlakeError
from privlake.retention.rules import RuleSet, load_rules, rules_location

ZONE_NOTES = {
    "landing": (
        "files as your devices, apps and our account system sent them",
        "sent by your devices and apps, or by our account system",
    ),
    "bronze": ("validated raw records, restricted access", "the landing files, checked against the schema"),
    "restricted": (
        "records isolated from further processing (a restriction or a retention rule)",
        "bronze or silver records moved aside",
    ),
    "quarantine": (
        "lines that failed validation, kept so engineers can fix the sender",
        "the landing files",
    ),
    "silver": (
        "pseudonymised records for analytics: identifiers replaced by keyed pseudonyms, free text "
        "scrubbed, location and time coarsened",
        "bronze, by de-identification",
    ),
}
ROLE_LABELS = {
    "identifier": "identifiers",
    "quasi_identifier": "location, time and other indirect identifiers",
    "free_text": "free text (log lines, names you chose)",
    "keep": "device and usage information",
}
CSS = """
body { margin:0; background:#f4f6fa; color:#1a202c; font:14px/1.5 system-ui, sans-serif; }
header { background:linear-gradient(120deg, #1f3b6e, #2f6fbf); color:#fff; padding:24px 40px; }
header h1 { margin:0 0 4px; font-size:24px; }
main { max-width:1100px; margin:0 auto; padding:20px 32px 40px; }
section { background:#fff; border-radius:10px; padding:16px 20px; margin-bottom:16px;
  box-shadow:0 1px 3px rgba(20,30,60,.1); }
h2 { margin:0 0 6px; font-size:16px; }
table { border-collapse:collapse; width:100%; font-size:12.5px; }
th, td { text-align:left; vertical-align:top; padding:5px 8px; border-bottom:1px solid #e2e8f0; }
th { color:#5a6678; }
td.n { text-align:right; font-variant-numeric:tabular-nums; }
.note { background:#fff7e6; border-left:4px solid #e0a526; padding:8px 12px; }
.empty { background:#edf2f7; border-left:4px solid #2f6fbf; padding:8px 12px; }
"""


@dataclass(frozen=True)
class PackageFile:
    zone: str
    dataset: str
    file: str
    rows: int


@dataclass
class SummaryData:
    request_id: str
    generated_at: dt.datetime
    region: str
    datasets: dict[str, DatasetConfig]
    files: list[PackageFile]
    identifiers: list[tuple[str, bool]]  # kind, resolved
    values_redacted: int
    rules: RuleSet | None
    analytics: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # dataset -> (table, purpose)


def analytics_purposes(config: PrivlakeConfig) -> dict[str, list[tuple[str, str]]]:
    """Dataset -> (gold table, purpose) of the aggregates built from its silver rows."""
    try:
        from privlake.aggregates import load_analytics

        tables = load_analytics(config).tables
    except PrivlakeError:
        return {}
    out: dict[str, list[tuple[str, str]]] = {}
    for name, table in sorted(tables.items()):
        for source in {table.source, table.join} - {None}:
            out.setdefault(str(source), []).append((name, table.purpose))
    return out


def retention_rules(config: PrivlakeConfig) -> RuleSet | None:
    """The rules retention enforces, or None when they cannot be read (the summary says so)."""
    try:
        return load_rules(rules_location(None, config), config)
    except PrivlakeError:
        return None


def categories(dataset: DatasetConfig) -> str:
    """The kinds of data a dataset holds, by the role of its columns."""
    parts = []
    for role, label in ROLE_LABELS.items():
        names = [n for n, s in dataset.columns.items() if s.role == role]
        if names:
            parts.append(f"<b>{escape(label)}</b>: {escape(', '.join(names))}")
    return "<br>".join(parts)


def _purpose_and_window(data: SummaryData, dataset: str, zone: str) -> tuple[str, str]:
    if data.rules is None:
        return "the retention rules could not be read", "-"
    rule = data.rules.rule_for(dataset, zone)
    purpose = escape(rule.legal_basis) if rule else "no retention rule: kept until erased"
    window = escape(f"{rule.window}, then {rule.action}d") if rule else "until erased"
    if zone == "silver" and data.analytics.get(dataset):
        uses = ", ".join(f"{t} ({p})" for t, p in data.analytics[dataset])
        purpose += f"<br>Also counted, never as rows, in k-anonymous aggregates: {escape(uses)}."
    return purpose, window


def render_summary(data: SummaryData) -> str:
    """The whole page."""
    asked = ", ".join(f"{kind} ({'found' if ok else 'nothing found'})" for kind, ok in data.identifiers)
    generated = escape(data.generated_at.isoformat(timespec="seconds"))
    body = [
        "<header><h1>Your personal data: access request "
        f"{escape(data.request_id)}</h1><p>generated {generated}"
        f" · stored in region {escape(data.region)}</p></header><main>",
        "<section><h2>What you asked for</h2>"
        f"<p>Identifiers given: {escape(asked) or '-'}. Each file of this package holds your rows of one "
        "dataset in one storage zone; <code>manifest.json</code> lists them with their row counts and "
        "SHA-256 checksums.</p></section>",
    ]
    if not data.files:
        body.append(
            '<section><h2>No data found</h2><p class="empty">The identifiers given resolved to no data '
            "in any zone: we hold no rows about them. This package therefore holds no data files."
            "</p></section>"
        )
    else:
        rows = []
        for f in data.files:
            dataset = data.datasets[f.dataset]
            purpose, window = _purpose_and_window(data, f.dataset, f.zone)
            what, source = ZONE_NOTES.get(f.zone, ("", ""))
            rows.append(
                f"<tr><td><b>{escape(f.dataset)}</b><br>{escape(dataset.description)}</td>"
                f"<td>{escape(f.zone)}<br><small>{escape(what)}</small></td>"
                f"<td>{categories(dataset)}</td><td>{purpose}</td><td>{window}</td>"
                f"<td>{escape(data.region)}</td><td>{escape(source)}</td>"
                f'<td class="n">{f.rows:,}</td><td><code>{escape(f.file)}</code></td></tr>'
            )
        body.append(
            "<section><h2>What we hold, why, for how long and where</h2><table><tr><th>category</th>"
            "<th>zone</th><th>kinds of data</th><th>purpose and legal basis</th><th>retention</th>"
            "<th>region</th><th>came from</th><th>rows</th><th>file</th></tr>"
            + "".join(rows)
            + "</table></section>"
        )
    body.append(
        '<section><h2>Other people\'s data</h2><p class="note">Your rows can mention other people '
        "(another account holder's e-mail in a log line, a guest's name in a room name). Their data is "
        "not yours to receive (GDPR Art. 15(4)): it was replaced by a typed marker such as "
        "<code>&lt;EMAIL_ADDRESS&gt;</code>, <code>&lt;PERSON&gt;</code> or <code>[REDACTED]</code> in "
        f"{data.values_redacted:,} text value(s). Your own identifiers are kept as written. Rows of other "
        "people that mention you are theirs and are not part of this package; aggregates (gold) hold "
        "counts, never your rows.</p></section>"
    )
    body.append("</main>")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Access request {escape(data.request_id)}</title><style>{CSS}</style></head><body>"
        + "".join(body)
        + "</body></html>\n"
    )

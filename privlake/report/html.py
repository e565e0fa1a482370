"""The report page: one self-contained HTML file (inline CSS and SVG, no script, no CDN).

``render_report`` is a pure function of ``ReportData``; each section says in a sentence
what it shows and why it matters, then shows it as a chart, with the exact numbers in a
compact table where a reader may want them. Sections whose tables do not exist yet say so.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from privlake.report.data import ReportData
from privlake.report.svg import Bar, Series, bar_chart, count, percent, percent_chart, stacked_bar_chart

ZONE_COLORS = {
    "bronze": "#c27c2c",
    "silver": "#7b8794",
    "gold": "#d4a017",
    "quarantine": "#d64545",
    "restricted": "#7c5cc4",
    "privacy": "#2f6fbf",
}
PUBLISHED, ROLLED_UP, SUPPRESSED = "#2f9e6f", "#e0a526", "#d64545"
RECORDS, SUBJECTS = "#2f6fbf", "#9b59b6"

CSS = """
:root { --ink:#1a202c; --muted:#5a6678; --line:#e2e8f0; --card:#fff; --bg:#f4f6fa; --accent:#2f6fbf; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { background: linear-gradient(120deg, #1f3b6e, #2f6fbf); color:#fff; padding:28px 40px 24px; }
header h1 { margin:0 0 4px; font-size:26px; font-weight:650; letter-spacing:-0.01em; }
header p { margin:0; opacity:.85; }
main { max-width:1200px; margin:0 auto; padding:24px 32px 48px; }
.kpis { display:grid; grid-template-columns:repeat(auto-fit, minmax(170px, 1fr)); gap:14px;
  margin:-44px 0 22px; }
.kpi { background:var(--card); border-radius:10px; padding:14px 16px;
  box-shadow:0 1px 3px rgba(20,30,60,.12); }
.kpi b { display:block; font-size:24px; font-weight:650; }
.kpi span { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.grid { display:grid; grid-template-columns:repeat(auto-fit, minmax(520px, 1fr)); gap:18px; }
section { background:var(--card); border-radius:10px; padding:18px 20px 14px;
  box-shadow:0 1px 3px rgba(20,30,60,.1); }
section.wide { grid-column:1 / -1; }
svg.chart { display:block; max-width:700px; }
.split { display:grid; grid-template-columns:minmax(0, 1.1fr) minmax(0, 1fr); gap:22px; align-items:start; }
h2 { margin:0 0 2px; font-size:16px; }
.lede { margin:0 0 12px; color:var(--muted); font-size:13px; }
.empty { color:var(--muted); font-style:italic; padding:12px 0; }
table { border-collapse:collapse; width:100%; font-size:12.5px; margin-top:8px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); }
th { color:var(--muted); font-weight:600; }
td.n, th.n { text-align:right; font-variant-numeric:tabular-nums; }
.tag { display:inline-block; padding:1px 7px; border-radius:9px; font-size:11px;
  background:#edf2f7; color:#2d3748; }
.tag.warn { background:#fdecec; color:#a12c2c; }
.tag.ok { background:#e6f6ee; color:#1f6b47; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:8px 0 28px; }
"""


def _table(headers: list[str], rows: list[list[Any]], numeric: set[int]) -> str:
    head = "".join(
        f'<th class="n">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            text = count(v) if i in numeric and isinstance(v, int | float) else str(v)
            # Cells that carry their own markup (tags) are built from fixed words only.
            cell = text if text.startswith('<span class="tag') else escape(text)
            cells.append(f'<td class="n">{cell}</td>' if i in numeric else f"<td>{cell}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _section(section_id: str, title: str, lede: str, content: str, wide: bool = False) -> str:
    cls = ' class="wide"' if wide else ""
    return (
        f'<section id="{section_id}"{cls}><h2>{escape(title)}</h2><p class="lede">{escape(lede)}</p>'
        f"{content}</section>"
    )


def _empty(message: str) -> str:
    return f'<p class="empty">{escape(message)}</p>'


def _empty_section(section_id: str, title: str, message: str, wide: bool = False) -> str:
    """A section with nothing to show for the date: its title and why it is empty."""
    return _section(section_id, title, "", _empty(message), wide)


def zones_section(data: ReportData) -> str:
    rows = [z for z in data.zones if z.rows_on_day or z.rows_total]
    if not rows:
        return _empty_section(
            "zones", "Rows per zone and dataset", "No Delta tables in the warehouse yet.", wide=True
        )
    bars = [Bar(f"{z.zone} / {z.table}", z.rows_on_day, ZONE_COLORS.get(z.zone, "#4a5568")) for z in rows]
    legend = " ".join(
        f'<span class="tag" style="background:{c};color:#fff">{escape(z)}</span>'
        for z, c in ZONE_COLORS.items()
        if any(r.zone == z for r in rows)
    )
    table = _table(
        ["zone", "table", f"rows on {data.day}", "rows in table"],
        [[z.zone, z.table, z.rows_on_day, z.rows_total] for z in rows],
        {2, 3},
    )
    chart = bar_chart("zones", f"Rows per zone and dataset on {data.day}", bars)
    return _section(
        "zones",
        "Rows per zone and dataset",
        f"Rows dated {data.day} in every Delta table, from raw (bronze) to aggregated (gold).",
        f'<p>{legend}</p><div class="split"><div>{chart}</div><div>{table}</div></div>',
        wide=True,
    )


def entities_section(data: ReportData) -> str:
    if not data.entities:
        return _empty_section(
            "entities",
            "Personal data found in free text",
            "No de-identification runs recorded for this date.",
        )
    bars = [Bar(entity, n, "#2f6fbf") for entity, n in data.entities.items()]
    return _section(
        "entities",
        "Personal data found in free text",
        "Entities Presidio and the IoT recognizers found and replaced, per entity type (all datasets).",
        bar_chart("entities", "Entities found per type", bars),
    )


def quarantine_section(data: ReportData) -> str:
    if not data.quarantine:
        return _empty_section(
            "quarantine", "Quarantined rows by reason", "Nothing was quarantined on this date."
        )
    by_reason: dict[str, dict[str, int]] = {}
    for dataset, reason, n in data.quarantine:
        by_reason.setdefault(reason, {})[dataset] = by_reason.get(reason, {}).get(dataset, 0) + n
    ranked = sorted(by_reason.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    bars = [Bar(reason, sum(per.values()), "#d64545") for reason, per in ranked]
    table = _table(
        ["reason", "datasets", "rows"],
        [[reason, ", ".join(sorted(per)), sum(per.values())] for reason, per in ranked],
        {2},
    )
    return _section(
        "quarantine",
        "Quarantined rows by reason",
        "Lines and rows that failed validation or de-identification: kept out of silver, with a reason.",
        bar_chart("quarantine", "Quarantined rows by reason", bars) + table,
    )


def suppression_section(data: ReportData) -> str:
    if not data.suppression:
        return _empty_section(
            "suppression", "k-anonymity of gold tables", "No gold tables built for this date.", wide=True
        )
    series = [
        Series("published as is", PUBLISHED),
        Series("rolled up", ROLLED_UP),
        Series("suppressed", SUPPRESSED),
    ]
    rows = [
        (
            r["table"],
            [r["groups_in"] - r["groups_below_k"], r["groups_rolled_up"], r["groups_suppressed"]],
        )
        for r in data.suppression
    ]
    chart = stacked_bar_chart(
        "suppression", "Groups per gold table: published, rolled up, suppressed", rows, series
    )
    table = _table(
        ["gold table", "purpose", "k", "groups published", "events suppressed", "excluded (no consent)"],
        [
            [
                r["table"],
                r["purpose"],
                r["k"],
                r["groups_published"],
                r["events_suppressed"],
                f"{r['events_excluded_consent']:,} events / {r['subjects_excluded_consent']:,} subjects",
            ]
            for r in data.suppression
        ],
        {2, 3, 4},
    )
    return _section(
        "suppression",
        "k-anonymity of gold tables",
        "Finest groups of each gold table: published as they are, rolled up into a coarser group, or "
        "suppressed because even the coarsest group had fewer than k distinct subjects.",
        chart + table,
        wide=True,
    )


def risk_section(data: ReportData) -> str:
    if not data.risk:
        return _empty_section(
            "risk", "Re-identification risk of silver", "No risk assessment for this date.", wide=True
        )
    series = [Series("records in a group < k", RECORDS), Series("subjects in a group < k", SUBJECTS)]
    rows = []
    for r in data.risk:
        records, subjects = r["records"] or 0, r["subjects"] or 0
        rows.append(
            (
                f"{r['qi_set']} ({r['dataset']})",
                [
                    r["records_below_k"] / records if records else 0,
                    r["subjects_below_k"] / subjects if subjects else 0,
                ],
            )
        )
    chart = percent_chart("risk", "Share of records and subjects in groups smaller than k", rows, series)

    def level(share: float) -> str:
        cls = "warn" if share >= 0.05 else "ok"
        return f'<span class="tag {cls}">{percent(share)}</span>'

    table = _table(
        [
            "quasi-identifiers",
            "dataset",
            "k",
            "records",
            "unique records",
            "subjects unique",
            "highest risk",
            "average risk",
        ],
        [
            [
                r["columns"],
                r["dataset"],
                r["k"],
                r["records"],
                level(r["records_unique"] / r["records"] if r["records"] else 0),
                level(r["subjects_unique"] / r["subjects"] if r["subjects"] else 0),
                percent(r["highest_risk"] or 0),
                percent(r["average_risk"] or 0),
            ]
            for r in data.risk
        ],
        {2, 3},
    )
    return _section(
        "risk",
        "Re-identification risk of silver",
        "For each declared set of quasi-identifiers: how many records and subjects share their values "
        "with fewer than k subjects (the k-anonymity view of ARX). Silver is pseudonymous personal data; "
        "only the k-anonymous gold tables are safe to share widely.",
        chart + table,
        wide=True,
    )


def retention_section(data: ReportData) -> str:
    run = data.retention_run
    if run is None:
        return _empty_section("retention", "Retention", "No retention run recorded yet.")
    dry = bool(run["dry_run"])
    key = "expired" if dry else "removed"
    bars = [
        Bar(
            f"{t['zone']} / {t['dataset']}",
            (t[key] or 0) + (0 if dry else t["isolated"] or 0),
            ZONE_COLORS.get(t["zone"], "#4a5568"),
        )
        for t in data.retention
    ]
    what = "would remove (dry run)" if dry else "removed or isolated"
    acted = [b for b in bars if b.value]
    idle = len(bars) - len(acted)
    content = (
        bar_chart("retention", f"Rows and files retention {what}", acted)
        + (f'<p class="lede">{idle} other targets: nothing past their window.</p>' if idle else "")
        if acted
        else _empty(f"The latest run (as of {run['dt']}) found nothing to {'remove' if dry else 'do'}.")
    )
    return _section(
        "retention",
        "Retention",
        f"Latest retention run, as of {run['dt']}{' (dry run)' if dry else ''}: rows and files past "
        f"their window that it {what}.",
        content,
    )


def erasure_section(data: ReportData) -> str:
    if not data.requests:
        return _empty_section(
            "erasure", "Erasure and restriction requests", "No erasure or restriction requests recorded yet."
        )
    bars = [Bar(f"{action}: {state}", n, "#7c5cc4") for action, state, n in data.requests]
    lists = _table(["subject list", "subjects"], [[k, v] for k, v in data.subject_lists.items()], {1})
    return _section(
        "erasure",
        "Erasure and restriction requests",
        "Requests in privacy/privacy_requests by their current state; the ledger and the subject "
        "lists hold keyed hashes, never identifiers.",
        bar_chart("erasure", "Requests by action and current state", bars) + lists,
    )


MINOR_COUNTS = (
    ("minors_found", "minors found (under their country's age threshold)"),
    ("minors_held", "kept: a legal hold names them"),
    ("minors_erased", "erased and handed to the account system"),
    ("unknown_birth_year", "no birth year (not swept)"),
    ("rows_removed", "rows and landing lines removed"),
    ("rows_redacted", "mentions redacted in other rows"),
)


def minors_section(data: ReportData) -> str:
    """The day's minors sweep (``privlake minors``), from its run record: counts only."""
    sweep = next((r for r in data.runs if r["job"] == "minors"), None)
    if sweep is None:
        return _empty_section("minors", "Children's accounts", "No minors sweep recorded for this date.")
    counts = sweep["entities"] or {}
    rows = [["accounts checked (latest snapshot)", sweep["rows_in"]]]
    rows += [[label, int(counts.get(name, 0))] for name, label in MINOR_COUNTS]
    bars = [Bar(label, int(counts.get(name, 0)), "#7c5cc4") for name, label in MINOR_COUNTS[:3]]
    return _section(
        "minors",
        "Children's accounts",
        "Accounts under their country's age threshold (retention_rules/minors.yaml) on this date: "
        "erased like an erasure request unless a legal hold names them; the account ids go to the "
        "account system through privacy/minor_accounts, never into this report.",
        bar_chart("minors", "Minors found, kept and erased", bars) + _table(["", "accounts"], rows, {1}),
    )


def runs_section(data: ReportData) -> str:
    if not data.runs:
        return ""
    rows = [
        [r["job"], r["dataset"], r["rows_in"], r["rows_out"], r["rows_quarantined"], r["rows_dropped"]]
        for r in data.runs
    ]
    return _section(
        "runs",
        "Job runs",
        "The latest run of each job and dataset for the date: rows in = written + quarantined + dropped.",
        _table(["job", "dataset", "rows in", "written", "quarantined", "dropped"], rows, {2, 3, 4, 5}),
        wide=True,
    )


def kpis(data: ReportData) -> str:
    silver = sum(z.rows_on_day for z in data.zones if z.zone == "silver")
    quarantined = sum(n for _, _, n in data.quarantine)
    published = sum(r["groups_published"] for r in data.suppression)
    suppressed = sum(r["groups_suppressed"] for r in data.suppression)
    worst = max((r["subjects_below_k"] / r["subjects"] for r in data.risk if r["subjects"]), default=None)
    cards = [
        (count(silver), "rows de-identified"),
        (count(sum(data.entities.values())), "entities replaced"),
        (count(quarantined), "rows quarantined"),
        (count(published), "gold groups published"),
        (count(suppressed), "groups suppressed"),
        ("–" if worst is None else percent(worst), "subjects at risk (worst QI set)"),
    ]
    return (
        '<div class="kpis">'
        + "".join(f'<div class="kpi"><b>{v}</b><span>{escape(t)}</span></div>' for v, t in cards)
        + "</div>"
    )


def render_report(data: ReportData, generated_at: dt.datetime | None = None) -> str:
    generated = (generated_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    sections = [
        zones_section(data),
        entities_section(data),
        quarantine_section(data),
        suppression_section(data),
        risk_section(data),
        retention_section(data),
        erasure_section(data),
        minors_section(data),
        runs_section(data),
    ]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>privlake report {data.day}</title>
<style>{CSS}</style></head>
<body>
<header><h1>privlake · data protection report</h1>
<p>{escape(str(data.day))} · warehouse {escape(data.warehouse)} · generated {generated}</p></header>
<main>{kpis(data)}<div class="grid">{"".join(sections)}</div></main>
<footer>Counts and labels only: this report never contains a personal-data value.</footer>
</body></html>
"""

"""Inline SVG charts for the HTML report: horizontal bars, stacked bars and percentage bars.

Pure functions from labels and numbers to SVG markup, so the report needs no JavaScript,
no CDN and no plotting library, and opens offline. Every label is escaped; callers only
ever pass labels that are names (zones, datasets, entity types, reasons), never data values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

FONT_PX = 12
ROW_HEIGHT = 26
BAR_HEIGHT = 16
CHAR_PX = 6.6  # average advance of a 12 px sans-serif character
WIDTH = 640


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    color: str = "#3b6fd8"


@dataclass(frozen=True)
class Series:
    name: str
    color: str


def count(value: float) -> str:
    return f"{value:,.0f}"


def percent(value: float) -> str:
    return f"{value:.0%}" if value >= 0.1 or value == 0 else f"{value:.1%}"


def text_width(text: str) -> float:
    """Approximate rendered width: capitals and digits are wider than lower case."""
    return sum(8.0 if c.isupper() or c.isdigit() else CHAR_PX for c in text)


def _label_width(labels: Sequence[str]) -> int:
    longest = max((text_width(label) for label in labels), default=0)
    return int(min(280, max(80, longest + 14)))


def _svg(chart: str, title: str, height: int, body: list[str]) -> str:
    return (
        f'<svg class="chart" data-chart="{escape(chart)}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="{FONT_PX}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _label(x: float, y: float, text: str) -> str:
    return (
        f'<text class="label" x="{x:.1f}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle" '
        f'fill="#2d3748">{escape(text)}</text>'
    )


def bar_chart(chart: str, title: str, bars: Sequence[Bar], fmt: Callable[[float], str] = count) -> str:
    """One horizontal bar per item, longest scale first as given, value at the bar's end."""
    left = _label_width([b.label for b in bars])
    value_room = 70
    scale_width = WIDTH - left - value_room - 8
    top = max((b.value for b in bars), default=0) or 1
    body = []
    for i, b in enumerate(bars):
        y = 6 + i * ROW_HEIGHT
        length = max(2.0, scale_width * b.value / top) if b.value else 0
        body.append(_label(left - 8, y + BAR_HEIGHT / 2, b.label))
        body.append(
            f'<rect class="bar" x="{left}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" rx="3" '
            f'fill="{b.color}"><title>{escape(b.label)}: {fmt(b.value)}</title></rect>'
        )
        body.append(
            f'<text class="value" x="{left + length + 6:.1f}" y="{y + BAR_HEIGHT / 2:.1f}" '
            f'dominant-baseline="middle" fill="#4a5568">{fmt(b.value)}</text>'
        )
    return _svg(chart, title, 12 + len(bars) * ROW_HEIGHT, body)


def _legend(series: Sequence[Series], y: float) -> list[str]:
    parts, x = [], 8.0
    for s in series:
        parts.append(
            f'<rect class="legend" x="{x:.1f}" y="{y - 5:.1f}" width="10" height="10" rx="2" '
            f'fill="{s.color}"/>'
        )
        parts.append(
            f'<text x="{x + 14:.1f}" y="{y:.1f}" dominant-baseline="middle" fill="#4a5568">'
            f"{escape(s.name)}</text>"
        )
        x += 14 + text_width(s.name) + 18
    return parts


def stacked_bar_chart(
    chart: str,
    title: str,
    rows: Sequence[tuple[str, Sequence[float]]],
    series: Sequence[Series],
    fmt: Callable[[float], str] = count,
) -> str:
    """One bar per row, split into the series' parts, each row scaled to its own total
    (shares), with the total written at the end; a legend on top."""
    left = _label_width([label for label, _ in rows])
    value_room = 70
    scale_width = WIDTH - left - value_room - 8
    body = _legend(series, 10)
    for i, (label, values) in enumerate(rows):
        y = 26 + i * ROW_HEIGHT
        total = sum(values)
        body.append(_label(left - 8, y + BAR_HEIGHT / 2, label))
        x = float(left)
        for value, s in zip(values, series, strict=True):
            if not value:
                continue
            length = scale_width * value / total
            body.append(
                f'<rect class="bar segment" x="{x:.1f}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{s.color}"><title>{escape(label)}, {escape(s.name)}: {fmt(value)}</title></rect>'
            )
            x += length
        body.append(
            f'<text class="value" x="{left + scale_width + 6:.1f}" y="{y + BAR_HEIGHT / 2:.1f}" '
            f'dominant-baseline="middle" fill="#4a5568">{fmt(total)}</text>'
        )
    return _svg(chart, title, 32 + len(rows) * ROW_HEIGHT, body)


def percent_chart(
    chart: str, title: str, rows: Sequence[tuple[str, Sequence[float]]], series: Sequence[Series]
) -> str:
    """Grouped bars of shares (0..1) on a common 0-100 % axis with grid lines."""
    left = _label_width([label for label, _ in rows])
    value_room = 56
    scale_width = WIDTH - left - value_room - 8
    group = len(series) * (BAR_HEIGHT - 4) + 12
    top = 26
    height = top + len(rows) * group + 22
    body = _legend(series, 10)
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + scale_width * tick
        body.append(
            f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{height - 18}" '
            'stroke="#e2e8f0"/>'
        )
        body.append(
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="#718096">{tick:.0%}</text>'
        )
    for i, (label, values) in enumerate(rows):
        y0 = top + i * group
        body.append(_label(left - 8, y0 + (group - 12) / 2, label))
        for j, (value, s) in enumerate(zip(values, series, strict=True)):
            y = y0 + j * (BAR_HEIGHT - 4)
            length = max(1.5, scale_width * value) if value else 0
            body.append(
                f'<rect class="bar" x="{left}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT - 6}" rx="2" '
                f'fill="{s.color}"><title>{escape(label)}, {escape(s.name)}: {percent(value)}</title></rect>'
            )
            body.append(
                f'<text class="value" x="{left + length + 5:.1f}" y="{y + (BAR_HEIGHT - 6) / 2:.1f}" '
                f'dominant-baseline="middle" font-size="10" fill="#4a5568">{percent(value)}</text>'
            )
    return _svg(chart, title, height, body)

"""The dashboard's charts as SVG text, written by hand: a forest plot of risk ratios, a composition chart
and small multiples of the three-year trend. Pure: no Django; the caller passes every word (already
translated) and every number, so the same charts serve the page, print and tests.

Accessibility: each chart is role="img" with a <title> and <desc> (aria-labelledby), every mark carries a
text label so colour is never the only signal, and the page puts a data table beside each chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

FONT = 'font-family="system-ui, sans-serif"'
INK, MUTED, LINE, PRIMARY, ALERT, SHARE = "#1f2a30", "#4f5b62", "#d8d2c8", "#0d5c63", "#a33a1f", "#9aa5aa"
LOG_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


# The three building blocks below are shared with the outcomes chart (measures.outcome_charts).


def esc(value: str) -> str:
    """Text safe inside SVG markup and attributes."""
    return escape(value, quote=True)


def svg_open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" {FONT} font-size="13">',
        f'<title id="{chart_id}-title">{esc(title)}</title>',
        f'<desc id="{chart_id}-desc">{esc(description)}</desc>',
    ]


def px(number: float) -> str:
    """A coordinate to one decimal: enough for a screen, and short markup."""
    return f"{number:.1f}"


# --- forest plot ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForestRow:
    label: str  # the group
    ratio: float | None  # None: not calculated (no marker, the note instead)
    low: float | None
    high: float | None
    text: str  # "2.7 (2.3-2.9)" or why no ratio is shown
    alert: bool = False


def _log_domain(rows: Sequence[ForestRow]) -> tuple[float, float]:
    values = [1.0]
    for row in rows:
        values.extend(v for v in (row.ratio, row.low, row.high) if v is not None and v > 0)
    low = max(min(values) / 1.3, LOG_TICKS[0])
    high = min(max(values) * 1.3, LOG_TICKS[-1])
    # At least a factor of 2 either side of 1, so a ratio near 1 does not fill the plot.
    return min(low, 0.5), max(high, 2.0)


def forest_plot(
    rows: Sequence[ForestRow], *, chart_id: str, title: str, description: str, axis_label: str,
    reference_label: str,
) -> str:
    """Risk ratios with their 95% intervals on a log scale, a reference line at 1 (no difference)."""
    label_width, plot_left, plot_right, width = 210, 220, 520, 820  # room for the note in Spanish
    row_height, top = 30, 28
    height = top + row_height * max(len(rows), 1) + 46
    low, high = _log_domain(rows)
    span = math.log(high) - math.log(low)

    def x(value: float) -> float:
        clamped = min(max(value, low), high)
        return plot_left + (math.log(clamped) - math.log(low)) / span * (plot_right - plot_left)

    bottom = top + row_height * max(len(rows), 1)
    parts = svg_open(chart_id, width, height, title, description)
    for tick in LOG_TICKS:
        if low <= tick <= high:
            tx = x(tick)
            parts.append(f'<line x1="{px(tx)}" y1="{top - 6}" x2="{px(tx)}" y2="{bottom}" stroke="{LINE}"/>')
            parts.append(f'<text x="{px(tx)}" y="{bottom + 16}" text-anchor="middle" fill="{MUTED}">{tick:g}</text>')
    one = x(1.0)
    parts.append(f'<line class="reference" x1="{px(one)}" y1="{top - 10}" x2="{px(one)}" y2="{bottom}" '
                 f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 3"/>')
    parts.append(f'<text x="{px(one)}" y="{top - 14}" text-anchor="middle" fill="{INK}">'
                 f'{esc(reference_label)}</text>')
    parts.append(f'<text x="{(plot_left + plot_right) / 2:.1f}" y="{bottom + 36}" text-anchor="middle" '
                 f'fill="{INK}">{esc(axis_label)}</text>')
    for index, row in enumerate(rows):
        cy = top + row_height * index + row_height / 2
        parts.append(f'<text x="{label_width}" y="{cy + 4:.1f}" text-anchor="end" fill="{INK}">'
                     f'{esc(row.label)}</text>')
        colour = ALERT if row.alert else PRIMARY
        if row.ratio is not None and row.ratio > 0:
            if row.low is not None and row.high is not None and row.low > 0:
                x1, x2 = x(row.low), x(row.high)
                parts.append(f'<g class="whisker"><line x1="{px(x1)}" y1="{cy:.1f}" x2="{px(x2)}" y2="{cy:.1f}" '
                             f'stroke="{colour}" stroke-width="2"/>'
                             f'<line x1="{px(x1)}" y1="{cy - 6:.1f}" x2="{px(x1)}" y2="{cy + 6:.1f}" '
                             f'stroke="{colour}" stroke-width="2"/>'
                             f'<line x1="{px(x2)}" y1="{cy - 6:.1f}" x2="{px(x2)}" y2="{cy + 6:.1f}" '
                             f'stroke="{colour}" stroke-width="2"/></g>')
            mx = x(row.ratio)
            # An alert is a diamond, the others squares: the shape says it as well as the colour.
            if row.alert:
                parts.append(f'<path class="marker marker--alert" d="M{px(mx)} {cy - 7:.1f} l7 7 l-7 7 l-7 -7 z" '
                             f'fill="{colour}"/>')
            else:
                parts.append(f'<rect class="marker" x="{px(mx - 5)}" y="{cy - 5:.1f}" width="10" height="10" '
                             f'fill="{colour}"/>')
            parts.append(f'<text x="{plot_right + 12}" y="{cy + 4:.1f}" fill="{INK}">{esc(row.text)}</text>')
        else:
            parts.append(f'<text class="note" x="{plot_right + 12}" y="{cy + 4:.1f}" fill="{MUTED}" '
                         f'font-style="italic">{esc(row.text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- composition ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompositionRow:
    label: str
    share: float | None  # the group's share of enrolment (None: hidden)
    composition: float | None  # its share of the children with the outcome
    share_text: str  # "Enrolled: 19%"
    composition_text: str  # "Sent home: 47%"
    alert_text: str = ""  # "Alert" when the group is over its E-formula bound


def composition_chart(
    rows: Sequence[CompositionRow], *, chart_id: str, title: str, description: str, share_legend: str,
    composition_legend: str,
) -> str:
    """Per group, two bars: share of enrolment (grey, thin) and share of the children with the outcome."""
    label_width, bar_left, bar_right, width = 210, 220, 560, 760
    group_height, top = 44, 34
    height = top + group_height * max(len(rows), 1) + 10
    scale = bar_right - bar_left
    parts = svg_open(chart_id, width, height, title, description)
    # Legend: swatch and words, so the bars are told apart without colour.
    parts.append(f'<rect x="{bar_left}" y="6" width="14" height="8" fill="{SHARE}"/>'
                 f'<text x="{bar_left + 20}" y="14" fill="{INK}">{esc(share_legend)}</text>'
                 f'<rect x="{bar_left + 260}" y="4" width="14" height="12" fill="{PRIMARY}"/>'
                 f'<text x="{bar_left + 280}" y="14" fill="{INK}">{esc(composition_legend)}</text>')
    for index, row in enumerate(rows):
        y = top + group_height * index
        parts.append(f'<text x="{label_width}" y="{y + 18}" text-anchor="end" fill="{INK}">{esc(row.label)}</text>')
        if row.share is not None:
            parts.append(f'<rect class="bar bar--share" x="{bar_left}" y="{y + 4}" '
                         f'width="{px(max(row.share, 0) * scale)}" height="8" fill="{SHARE}"/>')
        parts.append(f'<text x="{px(bar_left + (row.share or 0) * scale + 6)}" y="{y + 12}" font-size="11" '
                     f'fill="{MUTED}">{esc(row.share_text)}</text>')
        colour = ALERT if row.alert_text else PRIMARY
        if row.composition is not None:
            parts.append(f'<rect class="bar bar--composition" x="{bar_left}" y="{y + 16}" '
                         f'width="{px(max(row.composition, 0) * scale)}" height="14" fill="{colour}"/>')
        text = row.composition_text + (f" \u26a0 {row.alert_text}" if row.alert_text else "")
        parts.append(f'<text x="{px(bar_left + (row.composition or 0) * scale + 6)}" y="{y + 28}" '
                     f'fill="{colour if row.alert_text else INK}">{esc(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- trend ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPanel:
    label: str  # the group
    points: Sequence[tuple[str, float | None, str]]  # (year label, risk or None when not shown, its text)


def trend_chart(panels: Sequence[TrendPanel], *, chart_id: str, title: str, description: str) -> str:
    """Small multiples: one panel per group, risk per school year on a shared scale, each point labelled."""
    columns = 3
    panel_width, panel_height, gap = 240, 120, 16
    rows_needed = max(math.ceil(len(panels) / columns), 1)
    width = columns * panel_width + (columns - 1) * gap
    height = rows_needed * (panel_height + gap)
    peak = max((value for panel in panels for _year, value, _t in panel.points if value is not None), default=0.0)
    peak = peak * 1.15 if peak > 0 else 1.0
    parts = svg_open(chart_id, width, height, title, description)
    for index, panel in enumerate(panels):
        left = (index % columns) * (panel_width + gap)
        top = (index // columns) * (panel_height + gap)
        plot_top, plot_bottom = top + 30, top + panel_height - 22
        plot_left, plot_right = left + 24, left + panel_width - 24
        parts.append(f'<g class="panel"><rect x="{left}" y="{top}" width="{panel_width}" height="{panel_height}" '
                     f'fill="none" stroke="{LINE}"/>')
        parts.append(f'<text x="{left + 8}" y="{top + 16}" fill="{INK}" font-weight="600">{esc(panel.label)}</text>')
        parts.append(f'<line x1="{plot_left}" y1="{plot_bottom}" x2="{plot_right}" y2="{plot_bottom}" '
                     f'stroke="{LINE}"/>')
        count = len(panel.points)
        step = (plot_right - plot_left) / max(count - 1, 1)
        placed: list[tuple[float, float] | None] = []
        for position, (year, value, text) in enumerate(panel.points):
            point_x = plot_left + step * position if count > 1 else (plot_left + plot_right) / 2
            parts.append(f'<text x="{px(point_x)}" y="{top + panel_height - 6}" text-anchor="middle" font-size="11" '
                         f'fill="{MUTED}">{esc(year)}</text>')
            if value is None:
                placed.append(None)
                parts.append(f'<text x="{px(point_x)}" y="{plot_bottom - 6}" text-anchor="middle" font-size="11" '
                             f'fill="{MUTED}">{esc(text)}</text>')
                continue
            point_y = plot_bottom - value / peak * (plot_bottom - plot_top)
            placed.append((point_x, point_y))
            parts.append(f'<circle class="point" cx="{px(point_x)}" cy="{px(point_y)}" r="4" fill="{PRIMARY}"/>')
            parts.append(f'<text x="{px(point_x)}" y="{px(point_y - 8)}" text-anchor="middle" font-size="11" '
                         f'fill="{INK}">{esc(text)}</text>')
        for first, second in pairwise(placed):
            if first is not None and second is not None:  # a hidden year breaks the line
                parts.append(f'<line x1="{px(first[0])}" y1="{px(first[1])}" x2="{px(second[0])}" '
                             f'y2="{px(second[1])}" stroke="{PRIMARY}" stroke-width="2"/>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)

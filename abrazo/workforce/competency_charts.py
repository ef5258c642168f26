"""The growth chart of one consultant as SVG text, in the style of `equity.charts` and built from its blocks
(esc, px, svg_open): small multiples, one panel per competency domain, level 1-4 over time, self-assessments
and supervisor ratings as two series. Pure: no Django; the caller passes every word, translated.

Accessibility: role="img" with <title> and <desc>; the two series differ in marker shape (circle, square)
and line (dashed, solid) as well as colour, the legend says which is which in words, every point carries its
level as text, and the page puts the same figures in tables beside the chart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from abrazo.equity.charts import INK, LINE, MUTED, PRIMARY, esc, px, svg_open

SUPERVISOR_COLOUR = "#7a4a00"  # dark amber: 7:1 on white, and told apart from PRIMARY by shape anyway
LEVELS = (1, 2, 3, 4)


@dataclass(frozen=True)
class Point:
    day: date
    level: int


@dataclass(frozen=True)
class DomainPanel:
    label: str
    self_points: Sequence[Point]  # in date order
    supervisor_points: Sequence[Point]


def _span(panels: Sequence[DomainPanel]) -> tuple[date, date] | None:
    days = [point.day for panel in panels for point in (*panel.self_points, *panel.supervisor_points)]
    return (min(days), max(days)) if days else None


def growth_chart(
    panels: Sequence[DomainPanel], *, chart_id: str, title: str, description: str, self_legend: str,
    supervisor_legend: str, start_label: str, end_label: str,
) -> str:
    """One panel per domain on a shared time axis from the first to the last rating (labelled with
    `start_label` and `end_label`), levels 1 (bottom) to 4 (top)."""
    columns = 2
    panel_width, panel_height, gap, legend_height = 360, 176, 16, 30
    rows_needed = max(math.ceil(len(panels) / columns), 1)
    width = columns * panel_width + (columns - 1) * gap
    height = legend_height + rows_needed * (panel_height + gap)
    span = _span(panels)
    parts = svg_open(chart_id, width, height, title, description)
    # Legend: marker, line and words, so the series are told apart without colour.
    parts.append(
        f'<g class="legend"><line x1="4" y1="14" x2="34" y2="14" stroke="{PRIMARY}" stroke-width="2" '
        f'stroke-dasharray="5 3"/><circle cx="19" cy="14" r="5" fill="{PRIMARY}"/>'
        f'<text x="42" y="18" fill="{INK}">{esc(self_legend)}</text>'
        f'<line x1="284" y1="14" x2="314" y2="14" stroke="{SUPERVISOR_COLOUR}" stroke-width="2"/>'
        f'<rect x="294" y="9" width="10" height="10" fill="{SUPERVISOR_COLOUR}"/>'
        f'<text x="322" y="18" fill="{INK}">{esc(supervisor_legend)}</text></g>'
    )
    for index, panel in enumerate(panels):
        left = (index % columns) * (panel_width + gap)
        top = legend_height + (index // columns) * (panel_height + gap)
        # Room below the plot for supervisor labels under level-1 points, then the dates underneath.
        plot_left, plot_right = left + 40, left + panel_width - 24
        plot_top, plot_bottom = top + 40, top + panel_height - 46

        def x(day: date, plot_left: float = plot_left, plot_right: float = plot_right) -> float:
            if span is None or span[0] == span[1]:
                return (plot_left + plot_right) / 2
            return plot_left + (day - span[0]).days / (span[1] - span[0]).days * (plot_right - plot_left)

        def y(level: int, plot_top: float = plot_top, plot_bottom: float = plot_bottom) -> float:
            return plot_bottom - (level - 1) / (len(LEVELS) - 1) * (plot_bottom - plot_top)

        parts.append(f'<g class="panel"><rect x="{left}" y="{top}" width="{panel_width}" height="{panel_height}" '
                     f'fill="none" stroke="{LINE}"/>')
        parts.append(f'<text x="{left + 8}" y="{top + 17}" fill="{INK}" font-weight="600">{esc(panel.label)}</text>')
        for level in LEVELS:
            level_y = y(level)
            parts.append(f'<line x1="{plot_left}" y1="{px(level_y)}" x2="{plot_right}" y2="{px(level_y)}" '
                         f'stroke="{LINE}"/>')
            parts.append(f'<text x="{left + 14}" y="{px(level_y + 4)}" font-size="11" fill="{MUTED}">{level}</text>')
        if span is not None:
            parts.append(f'<text x="{plot_left}" y="{top + panel_height - 8}" font-size="11" fill="{MUTED}">'
                         f'{esc(start_label)}</text>')
            if span[0] != span[1]:
                parts.append(f'<text x="{plot_right}" y="{top + panel_height - 8}" text-anchor="end" font-size="11" '
                             f'fill="{MUTED}">{esc(end_label)}</text>')
        parts.extend(_series(panel.self_points, x, y, colour=PRIMARY, dashed=True, square=False, label_dy=-9))
        parts.extend(_series(panel.supervisor_points, x, y, colour=SUPERVISOR_COLOUR, dashed=False, square=True,
                             label_dy=20))
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _series(points: Sequence[Point], x: Callable[[date], float], y: Callable[[int], float], *, colour: str,
            dashed: bool, square: bool, label_dy: int) -> list[str]:
    """Lines between consecutive points, then the markers, each with its level written beside it (above for
    self-assessments, below for supervisor ratings, so that two equal ratings on one day stay readable)."""
    placed = [(x(point.day), y(point.level), point.level) for point in points]
    parts = []
    dash = ' stroke-dasharray="5 3"' if dashed else ""
    for (x1, y1, _l1), (x2, y2, _l2) in pairwise(placed):
        parts.append(f'<line x1="{px(x1)}" y1="{px(y1)}" x2="{px(x2)}" y2="{px(y2)}" stroke="{colour}" '
                     f'stroke-width="2"{dash}/>')
    kind = "supervisor" if square else "self"
    for point_x, point_y, level in placed:
        if square:
            parts.append(f'<rect class="point point--{kind}" x="{px(point_x - 5)}" y="{px(point_y - 5)}" width="10" '
                         f'height="10" fill="{colour}"/>')
        else:
            parts.append(f'<circle class="point point--{kind}" cx="{px(point_x)}" cy="{px(point_y)}" r="5" '
                         f'fill="{colour}"/>')
        parts.append(f'<text x="{px(point_x)}" y="{px(point_y + label_dy)}" text-anchor="middle" font-size="11" '
                     f'fill="{INK}">{level}</text>')
    return parts

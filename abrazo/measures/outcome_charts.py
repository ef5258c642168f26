"""The outcomes page's chart as SVG text, written by hand in the style of `equity.charts`: per scale of one
measure, an estimate with its 95% interval on a linear axis with a reference line at 0 (Hedges' g, so that
scales in different units share one axis). Pure: no Django; the caller passes every word, translated.

Accessibility: role="img" with <title> and <desc>; every estimate is written out beside its marker, and a
scale's direction ("higher is better" or "lower is better") is in words, so colour and position are never
the only signal; the page puts the data table beside the chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from abrazo.equity.charts import INK, LINE, MUTED, PRIMARY, esc, px, svg_open

SMALLEST_HALF_WIDTH = 0.5  # the axis spans at least -0.5..0.5 so a tiny effect does not fill the plot


@dataclass(frozen=True)
class EstimateRow:
    label: str  # the scale, with its direction in words
    value: float | None  # None: not calculated or withheld (no marker, the note instead)
    low: float | None
    high: float | None
    text: str  # "0.62 (0.21 to 1.03)" or why nothing is shown


def _half_width(rows: Sequence[EstimateRow]) -> float:
    values = [abs(v) for row in rows for v in (row.value, row.low, row.high) if v is not None and math.isfinite(v)]
    widest = max(values, default=0.0) * 1.15
    return max(widest, SMALLEST_HALF_WIDTH)


def _ticks(half_width: float) -> list[float]:
    step = 10 ** math.floor(math.log10(half_width))
    if half_width / step < 2:
        step /= 2
    count = int(half_width // step)
    return [step * k for k in range(-count, count + 1)]


def estimate_chart(
    rows: Sequence[EstimateRow], *, chart_id: str, title: str, description: str, axis_label: str,
    reference_label: str,
) -> str:
    """Estimates with their 95% intervals, one row each, around a dashed reference line at 0."""
    label_width, plot_left, plot_right, width = 250, 260, 540, 820
    row_height, top = 30, 28
    height = top + row_height * max(len(rows), 1) + 46
    half = _half_width(rows)

    def x(value: float) -> float:
        clamped = min(max(value, -half), half)
        return plot_left + (clamped + half) / (2 * half) * (plot_right - plot_left)

    bottom = top + row_height * max(len(rows), 1)
    parts = svg_open(chart_id, width, height, title, description)
    for tick in _ticks(half):
        tx = x(tick)
        parts.append(f'<line x1="{px(tx)}" y1="{top - 6}" x2="{px(tx)}" y2="{bottom}" stroke="{LINE}"/>')
        parts.append(f'<text x="{px(tx)}" y="{bottom + 16}" text-anchor="middle" fill="{MUTED}">{tick:g}</text>')
    zero = x(0.0)
    parts.append(f'<line class="reference" x1="{px(zero)}" y1="{top - 10}" x2="{px(zero)}" y2="{bottom}" '
                 f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 3"/>')
    parts.append(f'<text x="{px(zero)}" y="{top - 14}" text-anchor="middle" fill="{INK}">'
                 f'{esc(reference_label)}</text>')
    parts.append(f'<text x="{(plot_left + plot_right) / 2:.1f}" y="{bottom + 36}" text-anchor="middle" '
                 f'fill="{INK}">{esc(axis_label)}</text>')
    for index, row in enumerate(rows):
        cy = top + row_height * index + row_height / 2
        parts.append(f'<text x="{label_width}" y="{cy + 4:.1f}" text-anchor="end" fill="{INK}">'
                     f'{esc(row.label)}</text>')
        if row.value is None or not math.isfinite(row.value):
            parts.append(f'<text class="note" x="{plot_right + 12}" y="{cy + 4:.1f}" fill="{MUTED}" '
                         f'font-style="italic">{esc(row.text)}</text>')
            continue
        if row.low is not None and row.high is not None:
            x1, x2 = x(row.low), x(row.high)
            parts.append(f'<g class="whisker"><line x1="{px(x1)}" y1="{cy:.1f}" x2="{px(x2)}" y2="{cy:.1f}" '
                         f'stroke="{PRIMARY}" stroke-width="2"/>'
                         f'<line x1="{px(x1)}" y1="{cy - 6:.1f}" x2="{px(x1)}" y2="{cy + 6:.1f}" '
                         f'stroke="{PRIMARY}" stroke-width="2"/>'
                         f'<line x1="{px(x2)}" y1="{cy - 6:.1f}" x2="{px(x2)}" y2="{cy + 6:.1f}" '
                         f'stroke="{PRIMARY}" stroke-width="2"/></g>')
        mx = x(row.value)
        parts.append(f'<rect class="marker" x="{px(mx - 5)}" y="{cy - 5:.1f}" width="10" height="10" '
                     f'fill="{PRIMARY}"/>')
        parts.append(f'<text x="{plot_right + 12}" y="{cy + 4:.1f}" fill="{INK}">{esc(row.text)}</text>')
    parts.append("</svg>")
    return "".join(parts)

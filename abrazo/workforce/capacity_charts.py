"""The capacity report's charts as SVG text, built from the equity charts' blocks (esc, px, svg_open). Pure: no
Django; the caller passes every word, translated.

- `paired_chart`: per group, the share of applicants (thin bar) and of participants (thick bar).
- `bar_chart`: one horizontal bar per row with its value written beside it, an optional dashed reference line
  (the network's completion rate, or the gap threshold of requests per consultant), and flagged rows (a gap)
  drawn in the alert colour with a "⚠" and the flag in words, so colour is never the only signal. A row without
  a value (hidden, or nothing to divide by) has no bar, only its note.

The page puts a data table beside every chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from abrazo.equity.charts import ALERT, INK, LINE, MUTED, PRIMARY, SHARE, esc, px, svg_open


@dataclass(frozen=True)
class BarRow:
    label: str
    value: float | None  # None: no bar (hidden, or not calculated), only `text`
    text: str  # the value as written ("12 per consultant", "75%") or why there is none
    flag: str = ""  # e.g. "Gap: too few consultants"; drawn with ⚠ in the alert colour


def bar_chart(
    rows: Sequence[BarRow], *, chart_id: str, title: str, description: str, reference: float | None = None,
    reference_label: str = "", maximum: float | None = None,
) -> str:
    """Horizontal bars from 0 to each value on a shared linear scale (up to `maximum`, or the largest value and
    the reference, with some room)."""
    label_width, bar_left, bar_right, width = 290, 300, 600, 820
    row_height, top = 28, 30
    height = top + row_height * max(len(rows), 1) + 12
    peak = max([row.value for row in rows if row.value is not None] + ([reference] if reference else []), default=0)
    scale_top = maximum if maximum is not None else (peak * 1.1 if peak > 0 else 1.0)

    def x(value: float) -> float:
        return bar_left + min(max(value, 0.0), scale_top) / scale_top * (bar_right - bar_left)

    bottom = top + row_height * max(len(rows), 1)
    parts = svg_open(chart_id, width, height, title, description)
    parts.append(f'<line x1="{bar_left}" y1="{top - 6}" x2="{bar_left}" y2="{bottom}" stroke="{LINE}"/>')
    if reference is not None and reference > 0:
        rx = x(reference)
        parts.append(f'<line class="reference" x1="{px(rx)}" y1="{top - 8}" x2="{px(rx)}" y2="{bottom}" '
                     f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{px(rx)}" y="{top - 12}" text-anchor="middle" fill="{INK}">'
                     f'{esc(reference_label)}</text>')
    for index, row in enumerate(rows):
        y = top + row_height * index
        parts.append(f'<text x="{label_width}" y="{y + 18}" text-anchor="end" fill="{INK}">{esc(row.label)}</text>')
        colour = ALERT if row.flag else PRIMARY
        end: float = bar_left
        if row.value is not None:
            end = x(row.value)
            parts.append(f'<rect class="bar{" bar--flagged" if row.flag else ""}" x="{bar_left}" y="{y + 6}" '
                         f'width="{px(end - bar_left)}" height="16" fill="{colour}"/>')
        text = row.text + (f" \u26a0 {row.flag}" if row.flag else "")
        style = "" if row.value is not None else ' font-style="italic"'
        fill = ALERT if row.flag else (INK if row.value is not None else MUTED)
        parts.append(f'<text x="{px(end + 6)}" y="{y + 18}" fill="{fill}"{style}>{esc(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class PairRow:
    label: str
    first: float | None  # a share, 0..1 (None: hidden or not calculated, no bar)
    first_text: str
    second: float | None
    second_text: str


def paired_chart(
    rows: Sequence[PairRow], *, chart_id: str, title: str, description: str, first_legend: str, second_legend: str,
) -> str:
    """Per group, two shares from 0 to 100%: a thin grey bar (`first`, e.g. applicants) above a thick bar
    (`second`, e.g. participants), each with its text beside it; a legend names them in words. Wider labels than
    the equity composition chart, so the longest race/ethnicity names fit."""
    label_width, bar_left, bar_right, width = 290, 300, 620, 820
    group_height, top = 44, 34
    height = top + group_height * max(len(rows), 1) + 10
    scale = bar_right - bar_left
    parts = svg_open(chart_id, width, height, title, description)
    parts.append(f'<rect x="{bar_left}" y="6" width="14" height="8" fill="{SHARE}"/>'
                 f'<text x="{bar_left + 20}" y="14" fill="{INK}">{esc(first_legend)}</text>'
                 f'<rect x="{bar_left + 200}" y="4" width="14" height="12" fill="{PRIMARY}"/>'
                 f'<text x="{bar_left + 220}" y="14" fill="{INK}">{esc(second_legend)}</text>')
    for index, row in enumerate(rows):
        y = top + group_height * index
        parts.append(f'<text x="{label_width}" y="{y + 18}" text-anchor="end" fill="{INK}">{esc(row.label)}</text>')
        first_end = bar_left + max(row.first or 0.0, 0.0) * scale
        if row.first is not None:
            parts.append(f'<rect class="bar bar--first" x="{bar_left}" y="{y + 4}" '
                         f'width="{px(first_end - bar_left)}" height="8" fill="{SHARE}"/>')
        parts.append(f'<text x="{px(first_end + 6)}" y="{y + 12}" font-size="11" fill="{MUTED}">'
                     f'{esc(row.first_text)}</text>')
        second_end = bar_left + max(row.second or 0.0, 0.0) * scale
        if row.second is not None:
            parts.append(f'<rect class="bar bar--second" x="{bar_left}" y="{y + 16}" '
                         f'width="{px(second_end - bar_left)}" height="14" fill="{PRIMARY}"/>')
        parts.append(f'<text x="{px(second_end + 6)}" y="{y + 28}" fill="{INK}">{esc(row.second_text)}</text>')
    parts.append("</svg>")
    return "".join(parts)

"""The feedback page's chart as SVG text, built from the equity charts' blocks (esc, px, svg_open): one stacked bar
per question, each choice's share of the people who answered it, from "strongly disagree" on the left to
"strongly agree" on the right. Pure: no Django; the caller passes every word, translated.

Accessibility: role="img" with <title> and <desc>; a legend of swatches and words; every segment wide enough
carries its percentage and every bar ends with the agree share in words, so colour is never the only signal;
the page puts the data table beside the chart. Shares hidden for evaluators are drawn as one grey hatched
segment labelled as hidden; a withheld question shows only the note.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from abrazo.equity.charts import INK, LINE, MUTED, esc, px, svg_open

# Disagreement in warm tones, agreement in the house teal, the middle neutral; dark segments take white text.
SEGMENT_FILLS = ("#a33a1f", "#e3a48c", "#d8d2c8", "#7fb3b8", "#0d5c63")
DARK_FILLS = frozenset({"#a33a1f", "#0d5c63"})
HIDDEN_FILL = "#eeeae3"
MIN_LABELLED_WIDTH = 34  # px: narrower segments carry no percentage (it is in the table)
LABEL_CHARACTERS = 95


@dataclass(frozen=True)
class Segment:
    label: str  # the choice
    percent: float | None  # None: hidden


@dataclass(frozen=True)
class BarRow:
    label: str  # the question
    segments: Sequence[Segment]
    text: str  # "87% agree", or why nothing is drawn
    withheld: bool = False


def _fill(index: int, count: int) -> str:
    if count == len(SEGMENT_FILLS):
        return SEGMENT_FILLS[index]
    # any other scale: spread over the palette's ends and middle
    return SEGMENT_FILLS[round(index * (len(SEGMENT_FILLS) - 1) / max(count - 1, 1))]


def stacked_bars(
    rows: Sequence[BarRow], *, chart_id: str, title: str, description: str, legend: Sequence[str], hidden_label: str,
) -> str:
    """One 100% bar per question, segments in the order of the choices, the agree share written after it."""
    width, left, bar_right = 820, 10, 640
    span = bar_right - left
    legend_height, bar_height, gap = 30, 18, 14
    wrapped = [textwrap.wrap(row.label, LABEL_CHARACTERS) or [""] for row in rows]
    height = legend_height + sum(16 * len(lines) + bar_height + gap for lines in wrapped) + 6
    parts = svg_open(chart_id, width, height, title, description)
    x = left
    for index, name in enumerate(legend):
        fill = _fill(index, len(legend))
        parts.append(f'<rect x="{x}" y="6" width="14" height="14" fill="{fill}" stroke="{LINE}"/>'
                     f'<text x="{x + 19}" y="18" fill="{INK}" font-size="12">{esc(name)}</text>')
        x += 26 + 7 * len(name)
    y = legend_height
    for row, lines in zip(rows, wrapped, strict=True):
        for line in lines:
            y += 16
            parts.append(f'<text x="{left}" y="{y - 3}" fill="{INK}">{esc(line)}</text>')
        top = y + 2
        if row.withheld:
            parts.append(f'<rect x="{left}" y="{top}" width="{span}" height="{bar_height}" fill="none" '
                         f'stroke="{LINE}" stroke-dasharray="4 3"/>'
                         f'<text x="{left + 8}" y="{top + 13}" fill="{MUTED}" font-style="italic">'
                         f'{esc(row.text)}</text>')
            y = top + bar_height + gap
            continue
        cursor = float(left)
        shown_total = 0.0
        count = len(row.segments)
        for index, segment in enumerate(row.segments):
            if segment.percent is None or segment.percent <= 0:
                continue
            size = segment.percent / 100 * span
            fill = _fill(index, count)
            parts.append(f'<rect class="segment" x="{px(cursor)}" y="{top}" width="{px(size)}" height="{bar_height}" '
                         f'fill="{fill}"><title>{esc(segment.label)}: {segment.percent:.0f}%</title></rect>')
            if size >= MIN_LABELLED_WIDTH:
                colour = "#ffffff" if fill in DARK_FILLS else INK
                parts.append(f'<text x="{px(cursor + size / 2)}" y="{top + 13}" text-anchor="middle" '
                             f'font-size="11" fill="{colour}">{segment.percent:.0f}%</text>')
            cursor += size
            shown_total += segment.percent
        if any(segment.percent is None for segment in row.segments):
            rest = max(0.0, 100 - shown_total) / 100 * span
            if rest > 0:
                parts.append(f'<rect class="segment segment--hidden" x="{px(cursor)}" y="{top}" width="{px(rest)}" '
                             f'height="{bar_height}" fill="{HIDDEN_FILL}" stroke="{LINE}"/>')
                if rest >= MIN_LABELLED_WIDTH * 2:
                    parts.append(f'<text x="{px(cursor + rest / 2)}" y="{top + 13}" text-anchor="middle" '
                                 f'font-size="11" fill="{MUTED}">{esc(hidden_label)}</text>')
        parts.append(f'<text x="{bar_right + 10}" y="{top + 13}" fill="{INK}">{esc(row.text)}</text>')
        y = top + bar_height + gap
    parts.append("</svg>")
    return "".join(parts)

"""The report's bar chart as SVG text: one row per label, this period's bar and the previous period's thinner bar.
Pure: no Django; the caller passes every word translated. Built on the equity charts' helpers (role="img",
<title>/<desc>, a text label on every bar so colour is never the only signal); the page puts the data table beside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from abrazo.equity.charts import INK, MUTED, PRIMARY, SHARE, esc, px, svg_open


@dataclass(frozen=True)
class Bar:
    label: str
    current: float | None  # None: hidden or not available (no bar; the text says why)
    previous: float | None
    current_text: str
    previous_text: str


def comparison_bars(bars: Sequence[Bar], *, chart_id: str, title: str, description: str, current_legend: str,
                    previous_legend: str) -> str:
    label_width, left, right, width = 300, 310, 640, 800
    row_height, top = 40, 30
    height = top + row_height * max(len(bars), 1) + 8
    largest = max([b.current or 0 for b in bars] + [b.previous or 0 for b in bars] + [0]) or 1
    scale = (right - left) / largest
    parts = svg_open(chart_id, width, height, title, description)
    parts.append(f'<rect x="{left}" y="4" width="14" height="12" fill="{PRIMARY}"/>'
                 f'<text x="{left + 20}" y="14" fill="{INK}">{esc(current_legend)}</text>'
                 f'<rect x="{left + 220}" y="7" width="14" height="6" fill="{SHARE}"/>'
                 f'<text x="{left + 240}" y="14" fill="{INK}">{esc(previous_legend)}</text>')
    for index, bar in enumerate(bars):
        y = top + row_height * index
        # Long labels are shortened on the chart (the table beside it has them whole).
        label = bar.label if len(bar.label) <= 44 else bar.label[:42].rstrip() + "…"
        parts.append(f'<text x="{label_width}" y="{y + 16}" text-anchor="end" fill="{INK}">{esc(label)}</text>')
        current = max(bar.current or 0, 0) * scale
        previous = max(bar.previous or 0, 0) * scale
        if bar.current is not None:
            parts.append(f'<rect x="{left}" y="{y + 4}" width="{px(current)}" height="16" fill="{PRIMARY}"/>')
        parts.append(f'<text x="{px(left + current + 6)}" y="{y + 17}" fill="{INK}">{esc(bar.current_text)}</text>')
        if bar.previous is not None:
            parts.append(f'<rect x="{left}" y="{y + 24}" width="{px(previous)}" height="7" fill="{SHARE}"/>')
        parts.append(f'<text x="{px(left + previous + 6)}" y="{y + 32}" font-size="11" fill="{MUTED}">'
                     f'{esc(bar.previous_text)}</text>')
    parts.append("</svg>")
    return "".join(parts)

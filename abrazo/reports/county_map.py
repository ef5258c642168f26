"""County choropleth maps as SVG text, for the network reports: one state's counties, each filled by the class
its value falls in. Pure: no Django. The shapes are public-domain Census county boundaries (via the us-atlas
npm package, already projected to Albers USA), reduced to SVG path strings by tools/county_shapes/build.py and
committed as data/county_shapes.json; data/PROVENANCE.md says exactly where they came from.

Accessibility: role="img" with <title> and <desc> (a summary in words); every county carries a <title>
("Los Angeles: 12.5", "... no data", "... suppressed") that browsers show on hover; the legend names every
class in numbers and with its count; suppressed counties are hatched and counties without data light grey, so
colour is never the only signal. The report page should still put the numbers in a table beside the map.

The words on the map come in through MapLabels: the caller passes them translated (gettext), as with the
other charts; the English defaults are for tests and scripts.
"""

from __future__ import annotations

import hashlib
import json
import math
from bisect import bisect_right
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from abrazo.equity.charts import INK, MUTED, esc, px, svg_open

SHAPES_FILE = Path(__file__).resolve().parent / "data" / "county_shapes.json"

# Sequential: pale yellow to dark blue, lightness falling steadily, so the order reads the same with any of the
# common colour-vision deficiencies and in greyscale print.
SEQUENTIAL = ("#f6efa6", "#bfe0a1", "#6cbfa3", "#2b8f99", "#1d4f7a")
# Diverging around 1 (supply equals demand): shortfall in oranges, surplus in blues (no red against green),
# a warm off-white for "about balanced" that is lighter than the no-data grey.
DIVERGING = ("#b3541e", "#e8a866", "#f6f1e4", "#8fc1dd", "#2c6e9e")
# Coverage ratios: the neutral middle class holds 1 and the breaks mirror on a log scale (0.5 <-> 2, 0.8 <-> 1.25).
DIVERGING_BREAKS = (0.5, 0.8, 1.25, 2.0)
NO_DATA_FILL = "#d4d4d4"
HATCH_INK = "#4a4a4a"
BORDER = "#7d7d7d"
CLASSES = 5

# Layout, in the SVG's own pixels.
MAP_WIDTH, MAP_HEIGHT = 560, 520  # the state is fitted inside this box, keeping its proportions
PAD = 12
TITLE_HEIGHT = 30
LEGEND_LEFT_GAP, LEGEND_WIDTH = 24, 230
SWATCH, ROW = 16, 24


@dataclass(frozen=True)
class MapLabels:
    """Every word the map writes; pass them translated. `summary` is a format string (see its fields)."""

    no_data: str = "no data"
    suppressed: str = "suppressed"
    no_data_legend: str = "No data"
    suppressed_legend: str = "Suppressed (too few to show)"
    summary: str = ("Map of {state} by county: {counties} counties, {with_data} with data, {suppressed} suppressed, "
                    "{no_data} with no data.")
    range_summary: str = "Values range from {low} to {high}."


@dataclass(frozen=True)
class County:
    fips: str
    name: str
    path: str  # SVG path data in the shared Albers space (975x610, y down)
    bbox: tuple[float, float, float, float]
    marker: bool  # True: zero area in the source, drawn as a small diamond


@dataclass(frozen=True)
class Shapes:
    states: Mapping[str, tuple[str, tuple[float, float, float, float]]]  # state FIPS -> (name, bbox)
    counties: Mapping[str, County]  # 5-digit FIPS -> county
    source: Mapping[str, str]


@cache
def load_shapes(path: Path = SHAPES_FILE) -> Shapes:
    """The county shapes, read once per process (about 0.6 MB of JSON; every later call is free)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    counties = {
        fips: County(fips=fips, name=c["name"], path=c["path"], bbox=tuple(c["bbox"]), marker=bool(c.get("marker")))
        for fips, c in raw["counties"].items()
    }
    states = {code: (s["name"], tuple(s["bbox"])) for code, s in raw["states"].items()}
    return Shapes(states=states, counties=counties, source=raw["source"])  # type: ignore[arg-type]


def _state_code(state_fips: str) -> str:
    code = str(state_fips).strip().zfill(2)
    if code not in load_shapes().states:
        raise ValueError(f"unknown state FIPS code: {state_fips!r}")
    return code


def state_counties(state_fips: str) -> list[tuple[str, str]]:
    """(5-digit FIPS, county name) for every county of the state, in FIPS order (alphabetical within a state,
    with Virginia's independent cities after its counties). Raises ValueError for an unknown state."""
    code = _state_code(state_fips)
    return [(c.fips, c.name) for fips, c in load_shapes().counties.items() if fips[:2] == code]


def state_name(state_fips: str) -> str:
    return load_shapes().states[_state_code(state_fips)][0]


# --- classes ------------------------------------------------------------------------------------------------


def _nice_floor(value: float, digits: int = 2) -> float:
    """Round down to `digits` significant figures, so legend breaks read as 12 or 0.45, not 12.3781.

    Down, not to nearest: a threshold then never rises above the value it was taken from, so the top class
    keeps the largest values instead of emptying when 106 would round to 110.
    """
    if value == 0 or not math.isfinite(value):
        return value
    factor = 10.0 ** (digits - 1 - math.floor(math.log10(abs(value))))
    # the inner round absorbs binary noise (0.29 * 100 is 28.999999999999996, which floor would make 28)
    return round(math.floor(round(value * factor, 9)) / factor, 12)


def quantile_breaks(values: Sequence[float], classes: int = CLASSES) -> list[float]:
    """Up to classes-1 ascending thresholds putting about the same number of values in each class.

    A value v is in class bisect_right(breaks, v): below the first break is class 0, at or above the last is
    the top class. Thresholds are rounded down to two significant figures; ties and rounding can merge classes,
    so fewer may come back (never a threshold at or below the smallest value, which would leave a class empty).
    """
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return []
    breaks: list[float] = []
    for k in range(1, classes):
        threshold = _nice_floor(ordered[(k * n) // classes])
        if threshold > ordered[0] and (not breaks or threshold > breaks[-1]):
            breaks.append(threshold)
    return breaks


def classify(value: float, breaks: Sequence[float]) -> int:
    """The class of a value: 0 below breaks[0], len(breaks) at or above breaks[-1]."""
    return bisect_right(breaks, value)


def _palette(diverging: bool, count: int) -> list[str]:
    """count colours from the five, spread to keep the ends (and the diverging middle) where they belong."""
    base = DIVERGING if diverging else SEQUENTIAL
    if count >= len(base):
        return list(base[:count])
    if count == 1:
        return [base[2] if diverging else base[len(base) // 2]]
    return [base[round(i * (len(base) - 1) / (count - 1))] for i in range(count)]


def _default_format(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _class_labels(breaks: Sequence[float], fmt: Callable[[float], str], low: float, high: float) -> list[str]:
    if not breaks:
        return [fmt(low) if low == high else f"{fmt(low)} \u2013 {fmt(high)}"]
    labels = [f"< {fmt(breaks[0])}"]
    labels += [f"{fmt(a)} \u2013 < {fmt(b)}" for a, b in pairwise(breaks)]
    labels.append(f"\u2265 {fmt(breaks[-1])}")
    return labels


# --- drawing ------------------------------------------------------------------------------------------------


def _usable(value: float | None) -> bool:
    return value is not None and isinstance(value, int | float) and math.isfinite(value)


def county_choropleth_svg(
    values: Mapping[str, float | None],
    *,
    state_fips: str,
    title: str,
    legend_title: str,
    value_format: Callable[[float], str] | None = None,
    suppressed: Collection[str] = (),
    diverging: bool = False,
    breaks: Sequence[float] | None = None,
    labels: MapLabels | None = None,
    chart_id: str | None = None,
) -> str:
    """One state's counties as an SVG choropleth.

    values: 5-digit county FIPS -> value (None or NaN: no data). FIPS codes of other states or unknown to the
    boundary file are ignored. suppressed: FIPS codes whose value must not be shown (small counts); they are
    hatched and their value, even if present in `values`, appears nowhere in the markup or in the breaks.
    diverging: a ratio centred on 1 (coverage: supply over demand) with fixed breaks DIVERGING_BREAKS;
    otherwise five quantile classes of the shown values. breaks: thresholds chosen by the caller instead.
    chart_id: prefix for the element ids (defaults to a hash of the state and titles); give distinct ids to
    maps sharing a page if they could share a title.
    """
    labels = labels or MapLabels()
    fmt = value_format or _default_format
    code = _state_code(state_fips)
    shapes = load_shapes()
    counties = [c for fips, c in shapes.counties.items() if fips[:2] == code]
    hidden = {str(f) for f in suppressed}
    shown = {c.fips: float(values[c.fips]) for c in counties  # type: ignore[arg-type]
             if c.fips not in hidden and _usable(values.get(c.fips))}
    if breaks is None:
        breaks = list(DIVERGING_BREAKS) if diverging else quantile_breaks(list(shown.values()))
    breaks = sorted(breaks)
    low = min(shown.values(), default=0.0)
    high = max(shown.values(), default=0.0)
    class_count = len(breaks) + 1
    fills = _palette(diverging, class_count)
    class_names = _class_labels(breaks, fmt, low, high)
    class_sizes = [0] * class_count
    for value in shown.values():
        class_sizes[classify(value, breaks)] += 1

    state = shapes.states[code][0]
    uid = chart_id or "county-map-" + hashlib.sha256(f"{code}|{title}|{legend_title}".encode()).hexdigest()[:10]
    suppressed_count = sum(1 for c in counties if c.fips in hidden)
    description = labels.summary.format(state=state, counties=len(counties), with_data=len(shown),
                                        suppressed=suppressed_count,
                                        no_data=len(counties) - len(shown) - suppressed_count)
    if shown:
        description += " " + labels.range_summary.format(low=fmt(low), high=fmt(high))

    # Fit the state's box into the map area, keeping proportions.
    x0, y0, x1, y1 = shapes.states[code][1]
    scale = min(MAP_WIDTH / max(x1 - x0, 1e-9), MAP_HEIGHT / max(y1 - y0, 1e-9))
    map_w, map_h = (x1 - x0) * scale, (y1 - y0) * scale
    legend_rows = class_count + 2
    legend_h = 22 + ROW * legend_rows
    width = round(PAD + MAP_WIDTH + LEGEND_LEFT_GAP + LEGEND_WIDTH + PAD)
    height = round(TITLE_HEIGHT + max(map_h, legend_h) + PAD * 2)
    map_left = PAD + (MAP_WIDTH - map_w) / 2
    map_top = TITLE_HEIGHT + PAD

    parts = svg_open(uid, width, height, title, description)
    # Two hatches, same look: the map's lives in the scaled Albers space, the legend's in plain pixels.
    hatch = 6.0
    parts.append("<defs>")
    for suffix, size in (("hatch", hatch / scale), ("hatch-key", hatch)):
        parts.append(
            f'<pattern id="{uid}-{suffix}" patternUnits="userSpaceOnUse" width="{size:.4g}" height="{size:.4g}" '
            f'patternTransform="rotate(45)"><rect width="{size:.4g}" height="{size:.4g}" fill="#ffffff"/>'
            f'<line x1="0" y1="0" x2="0" y2="{size:.4g}" stroke="{HATCH_INK}" stroke-width="{size / 3:.4g}"/>'
            "</pattern>"
        )
    parts.append("</defs>")
    parts.append(f'<text x="{PAD}" y="20" fill="{INK}" font-size="16" font-weight="600">{esc(title)}</text>')

    parts.append(f'<g class="counties" transform="translate({px(map_left)} {px(map_top)}) scale({scale:.5g}) '
                 f'translate({-x0:.1f} {-y0:.1f})" stroke="{BORDER}" stroke-width="0.6" stroke-linejoin="round">')
    for county in counties:
        if county.fips in hidden:
            fill, css, text = f"url(#{uid}-hatch)", "county county--suppressed", labels.suppressed
        elif county.fips in shown:
            index = classify(shown[county.fips], breaks)
            fill, css, text = fills[index], f"county county--class-{index}", fmt(shown[county.fips])
        else:
            fill, css, text = NO_DATA_FILL, "county county--no-data", labels.no_data
        css += " county--marker" if county.marker else ""
        parts.append(f'<path class="{css}" data-fips="{county.fips}" d="{county.path}" fill="{fill}" '
                     f'fill-rule="evenodd" vector-effect="non-scaling-stroke">'
                     f"<title>{esc(county.name)}: {esc(text)}</title></path>")
    parts.append("</g>")

    # Legend: swatch, the class in numbers, and how many counties are in it.
    lx = PAD + MAP_WIDTH + LEGEND_LEFT_GAP
    ly = TITLE_HEIGHT + PAD
    parts.append(f'<g class="legend"><text x="{lx}" y="{ly + 12}" fill="{INK}" font-weight="600">'
                 f"{esc(legend_title)}</text>")
    entries = [(fills[i], class_names[i], class_sizes[i], f"legend--class-{i}") for i in range(class_count)]
    if not shown:
        entries = []  # no values: no classes to explain
    entries.append((NO_DATA_FILL, labels.no_data_legend, len(counties) - len(shown) - suppressed_count,
                    "legend--no-data"))
    entries.append((f"url(#{uid}-hatch-key)", labels.suppressed_legend, suppressed_count, "legend--suppressed"))
    for row, (fill, name, count, css) in enumerate(entries):
        y = ly + 22 + row * ROW
        parts.append(f'<g class="{css}"><rect x="{lx}" y="{y}" width="{SWATCH}" height="{SWATCH}" fill="{fill}" '
                     f'stroke="{BORDER}" stroke-width="0.6"/>'
                     f'<text x="{lx + SWATCH + 8}" y="{y + 12.5}" fill="{INK}">{esc(name)} '
                     f'<tspan fill="{MUTED}">({count})</tspan></text></g>')
    parts.append("</g></svg>")
    return "".join(parts)

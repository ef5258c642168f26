"""The network report's arithmetic: periods, comparisons, medians and percentiles, and suppression over fixed
cells. Pure: no Django. Plain numbers in, plain numbers out, so that every figure can be checked by hand.

Periods follow the funders' calendar: the fiscal year runs July to June (FY 2025 = July 2025 - June 2026 here:
named by the year it starts, as the equity dashboard names school years), quarters and months are calendar
ones (fiscal quarters share their boundaries), and a custom range is any inclusive pair of dates. The
"previous period" is the one of the same kind just before: the previous month, quarter or fiscal year, and for
a custom range the same number of days ending the day before it starts.

Suppression (DOMAIN.md §7) for evaluators is done over *fixed cells*: `suppress_cells` takes a figure's counts
for every cell a reader may ask for (every county, region and the network, for every quarter of a fiscal year
and the year), with the relations a reader knows between them (a region is the sum of its counties, the network
of its regions, a year of its quarters), and hides the same counts whichever cell is opened. A reader who
opens the network and every region but one cannot subtract their way to a hidden count of the last one: it
was hidden in one system with all of them.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from abrazo.equity import suppression

MONTH, QUARTER, FISCAL_YEAR, CUSTOM = "month", "quarter", "fiscal_year", "custom"
PERIOD_KINDS = (MONTH, QUARTER, FISCAL_YEAR, CUSTOM)
FISCAL_START_MONTH = 7  # July


@dataclass(frozen=True)
class Period:
    start: date  # inclusive
    end: date  # inclusive
    kind: str = CUSTOM

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")
        if self.kind not in PERIOD_KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def month(year: int, number: int) -> Period:
    return Period(date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1]), MONTH)


def quarter(year: int, number: int) -> Period:
    """Calendar quarter `number` (1-4) of `year`."""
    first = 3 * (number - 1) + 1
    return Period(date(year, first, 1), month(year, first + 2).end, QUARTER)


def fiscal_year(starting: int) -> Period:
    """July `starting` to June `starting + 1`."""
    return Period(date(starting, FISCAL_START_MONTH, 1), date(starting + 1, FISCAL_START_MONTH - 1, 30), FISCAL_YEAR)


def fiscal_year_of(day: date) -> int:
    return day.year if day.month >= FISCAL_START_MONTH else day.year - 1


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def previous(period: Period) -> Period:
    """The period of the same kind just before this one (a custom range: as many days, ending the day before)."""
    if period.kind == MONTH:
        before = period.start - timedelta(days=1)
        return month(before.year, before.month)
    if period.kind == QUARTER:
        return quarter(*quarter_of(period.start - timedelta(days=1)))
    if period.kind == FISCAL_YEAR:
        return fiscal_year(period.start.year - 1)
    end = period.start - timedelta(days=1)
    return Period(end - timedelta(days=period.days - 1), end, CUSTOM)


PRESETS = ("this_fiscal_year", "last_fiscal_year", "this_quarter", "last_quarter", "this_month", "last_month")


def preset(name: str, today: date) -> Period:
    """A named period relative to today: this or last fiscal year, quarter or month."""
    if name == "this_fiscal_year":
        return fiscal_year(fiscal_year_of(today))
    if name == "last_fiscal_year":
        return fiscal_year(fiscal_year_of(today) - 1)
    if name == "this_quarter":
        return quarter(*quarter_of(today))
    if name == "last_quarter":
        return previous(quarter(*quarter_of(today)))
    if name == "this_month":
        return month(today.year, today.month)
    if name == "last_month":
        return previous(month(today.year, today.month))
    raise ValueError(f"unknown preset {name!r}")


def is_whole(period: Period) -> bool:
    """Whether the period is exactly a calendar month, quarter or fiscal year (the only ones evaluators get)."""
    if period.kind == MONTH:
        return period == month(period.start.year, period.start.month)
    if period.kind == QUARTER:
        return period == quarter(*quarter_of(period.start))
    if period.kind == FISCAL_YEAR:
        return period == fiscal_year(period.start.year)
    return False


def recognised(period: Period) -> Period:
    """A custom range that is exactly a month, quarter or fiscal year, as that kind (so that it is compared with the
    previous month, quarter or year, not with as many days before it)."""
    for candidate in (month(period.start.year, period.start.month), quarter(*quarter_of(period.start)),
                      fiscal_year(fiscal_year_of(period.start))):
        if (candidate.start, candidate.end) == (period.start, period.end):
            return candidate
    return period


def quarters_of_fiscal_year(starting: int) -> list[Period]:
    """The four quarters of fiscal year `starting`, in order (Jul-Sep, Oct-Dec, Jan-Mar, Apr-Jun)."""
    return [quarter(starting, 3), quarter(starting, 4), quarter(starting + 1, 1), quarter(starting + 1, 2)]


# --- comparison ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    absolute: float | None
    percent: float | None  # None when the previous value is 0 or unknown


def change(current: float | None, before: float | None) -> Change:
    """The change from the previous period: absolute, and as a percentage of the previous value."""
    if current is None or before is None:
        return Change(None, None)
    absolute = current - before
    return Change(absolute, 100 * absolute / before if before else None)


def rate(numerator: int | None, denominator: int | None) -> float | None:
    """A percentage; None when either count is unknown (suppressed) or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return 100 * numerator / denominator


# --- distributions ------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between the closest ranks (numpy's default, and
    Excel's PERCENTILE.INC), so a funder can repeat it in a spreadsheet. None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 50)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def weighted_percentile(histogram: Mapping[float, int], q: float) -> float | None:
    """`percentile` over values given as value -> how many times it occurs (a GROUP BY result), without
    expanding the histogram into one entry per occurrence."""
    total = sum(histogram.values())
    if total == 0:
        return None
    ordered = sorted((value, count) for value, count in histogram.items() if count)
    position = (total - 1) * q / 100

    def at(rank: int) -> float:
        seen = 0
        for value, count in ordered:
            seen += count
            if rank < seen:
                return value
        return ordered[-1][0]

    low = math.floor(position)
    high = math.ceil(position)
    return at(low) + (at(high) - at(low)) * (position - low)


def weighted_mean(histogram: Mapping[float, int]) -> float | None:
    total = sum(histogram.values())
    return sum(value * count for value, count in histogram.items()) / total if total else None


# --- suppression over fixed cells --------------------------------------------------------------------------


@dataclass(frozen=True)
class CellSystem:
    """The cells a reader may open and how they add up.

    `places`: every geography cell, leaves and sums ("network", "region:<id>", "county:<fips>"); `place_parts`:
    for each sum, its parts. `times`: every period cell (the quarters and their year); `time_parts` likewise.
    A figure's value in a cell is given for every (place, time) pair.
    """

    places: tuple[str, ...]
    place_parts: Mapping[str, tuple[str, ...]]
    times: tuple[str, ...]
    time_parts: Mapping[str, tuple[str, ...]]

    def index(self) -> dict[tuple[str, str], int]:
        return {(place, time): i * len(self.times) + j
                for i, place in enumerate(self.places) for j, time in enumerate(self.times)}

    def relations(self, offset: int = 0, index: Mapping[tuple[str, str], int] | None = None
                  ) -> list[suppression.Relation]:
        where = index or self.index()
        found = []
        for time in self.times:
            for place, parts in self.place_parts.items():
                found.append(suppression.Relation(offset + where[(place, time)],
                                                  tuple(offset + where[(part, time)] for part in parts)))
        for place in self.places:
            for time, parts in self.time_parts.items():
                found.append(suppression.Relation(offset + where[(place, time)],
                                                  tuple(offset + where[(place, part)] for part in parts)))
        return found


def suppress_cells(
    system: CellSystem, figures: Mapping[str, Mapping[tuple[str, str], int]], *,
    categories: Mapping[str, tuple[str, ...]] | None = None, high: int = suppression.DEFAULT_HIGH,
) -> dict[str, frozenset[tuple[str, str]]]:
    """For each figure (a name -> {(place, time): count}), the cells at which it is hidden.

    `categories` links figures that add up within every cell (a table's total -> its rows: "visits" ->
    ("visits:on_site", "visits:video", ...)), so a hidden row cannot be recovered from its table's total
    either. Figures linked this way are suppressed in one system; the others each on their own.
    """
    categories = categories or {}
    linked: list[list[str]] = []
    seen: set[str] = set()
    for total, parts in categories.items():
        group = [name for name in (total, *parts) if name in figures and name not in seen]
        seen.update(group)
        if group:
            linked.append(group)
    linked.extend([name] for name in figures if name not in seen)
    where = system.index()
    size = len(where)
    hidden: dict[str, frozenset[tuple[str, str]]] = {}
    cells = list(where)
    for group in linked:
        values: list[int] = []
        relations: list[suppression.Relation] = []
        for number, name in enumerate(group):
            counts = figures[name]
            values.extend(int(counts.get(cell, 0)) for cell in cells)
            relations.extend(system.relations(offset=number * size, index=where))
        if group[0] in categories:
            position = {name: number * size for number, name in enumerate(group)}
            part_offsets = [position[name] for name in group[1:]]
            for cell_index in range(size):
                relations.append(suppression.Relation(cell_index, tuple(at + cell_index for at in part_offsets)))
        chosen = _suppress_by_component(values, relations, high=high)
        for number, name in enumerate(group):
            low, high_index = number * size, (number + 1) * size
            hidden[name] = frozenset(cells[i - low] for i in chosen if low <= i < high_index)
    return hidden


def _suppress_by_component(values: Sequence[int], relations: Sequence[suppression.Relation], *, high: int
                           ) -> frozenset[int]:
    """suppression.suppress on each connected part of the system apart (two fiscal years share no relation, so
    neither can tell anything about the other): the same cells are hidden, and the cost, which grows much faster
    than the size, is paid on smaller systems."""
    parent = list(range(len(values)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for relation in relations:
        for part in relation.parts:
            a, b = root(relation.total), root(part)
            if a != b:
                parent[a] = b
    members: dict[int, list[int]] = {}
    for index in range(len(values)):
        members.setdefault(root(index), []).append(index)
    hidden: set[int] = set()
    for indexes in members.values():
        local = {index: position for position, index in enumerate(indexes)}
        part_relations = [suppression.Relation(local[r.total], tuple(local[p] for p in r.parts))
                          for r in relations if r.total in local]
        chosen = suppression.suppress([values[i] for i in indexes], part_relations, high=high)
        hidden.update(indexes[i] for i in chosen)
    return frozenset(hidden)

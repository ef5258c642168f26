"""Equity metrics for exclusionary discipline (DOMAIN.md §6). Pure: no Django, plain data in and out.

Everything counts *children*, except `events` (incidents meeting the outcome). A unit (program,
region, network) is split into mutually exclusive groups along one dimension; each group is compared
with all other children of the same unit, or, when that comparison is too small, with the children
not in the group at the next level up (the alternate risk ratio of 34 CFR 300.647).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from scipy.special import gammaln

# Two-sided 95%. DOMAIN.md writes 1.96, but its worked examples were computed with the exact normal
# quantile: with 1.96 the intervals come out 2.5620-6.2452 and 2.091-47.824, with this value they
# come out 2.5620-6.2451 and 2.091-47.822 as the examples (and statistics packages) say.
Z_95 = 1.959963984540054

# Fisher's two-sided test counts every table at most as probable as the observed one; probabilities
# equal up to floating-point noise must count as equal (the same relative tolerance R and scipy use).
_FISHER_TIE_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Thresholds:
    min_cell: int = 10  # fewest children with the outcome, in the group and in the comparison
    min_n: int = 30  # fewest children enrolled, in the group and in the comparison


@dataclass(frozen=True)
class GroupCounts:
    group: str
    enrolled: int  # B_g, n1: children in the group enrolled in the period
    children_with_outcome: int  # C_g, a: of them, children with at least one event
    events: int  # D_g: events meeting the outcome


class NotCalculated:
    """Codes for why a risk ratio is not shown (stable: files and the API carry them)."""

    GROUP_TOO_FEW_WITH_OUTCOME = "group_below_min_cell"  # a < min_cell
    GROUP_TOO_FEW_ENROLLED = "group_below_min_n"  # n1 < min_n
    COMPARISON_TOO_SMALL = "comparison_too_small"  # c or n2 too small and no usable next level


@dataclass(frozen=True)
class GroupResult:
    group: str
    enrolled: int
    children_with_outcome: int
    events: int
    risk: float | None
    risk_ratio: float | None
    risk_ratio_method: str | None  # "rr", "arr" or None when not calculated
    not_calculated_reason: str | None
    ci_low: float | None
    ci_high: float | None
    fisher_p: float | None
    event_rate: float | None
    event_ratio: float | None
    enrollment_share: float | None
    child_composition: float | None
    event_composition: float | None
    e_formula_upper: float | None
    alert: bool
    weighted_risk_ratio: float | None = None


def _ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is zero (results never hold inf or nan)."""
    if denominator == 0:
        return None
    return numerator / denominator


def risk(with_outcome: int, enrolled: int) -> float | None:
    """a / n1: the share of the group's children with the outcome; None for an empty group."""
    return _ratio(with_outcome, enrolled)


def risk_ratio(a: int, n1: int, c: int, n2: int) -> float | None:
    """Raw (a/n1)/(c/n2), no gating and no correction; None when undefined."""
    group_risk = risk(a, n1)
    comparison_risk = risk(c, n2)
    if group_risk is None or comparison_risk is None:
        return None
    return _ratio(group_risk, comparison_risk)


def _valid_table(a: int, n1: int, c: int, n2: int) -> bool:
    return 0 <= a <= n1 and 0 <= c <= n2 and n1 > 0 and n2 > 0


def risk_ratio_with_ci(a: int, n1: int, c: int, n2: int, *, z: float = Z_95) -> tuple[float, float, float] | None:
    """(RR, low, high) by the log method; with a or c zero, 0.5 is added to all four cells first.

    Adding 0.5 to the four cells [[a, n1-a], [c, n2-c]] adds 0.5 to a and c and 1 to n1 and n2, which
    keeps the ratio and its logarithm finite. None for an impossible table (an empty group or
    comparison, or more children with the outcome than enrolled).
    """
    if not _valid_table(a, n1, c, n2):
        return None
    a_used, n1_used, c_used, n2_used = float(a), float(n1), float(c), float(n2)
    if a == 0 or c == 0:
        a_used, c_used = a_used + 0.5, c_used + 0.5
        n1_used, n2_used = n1_used + 1, n2_used + 1
    ratio = (a_used / n1_used) / (c_used / n2_used)
    # Variance of ln RR; never negative because a <= n1 and c <= n2 (it is 0 when everyone has it).
    variance = 1 / a_used - 1 / n1_used + 1 / c_used - 1 / n2_used
    spread = z * math.sqrt(max(variance, 0.0))
    log_ratio = math.log(ratio)
    return ratio, math.exp(log_ratio - spread), math.exp(log_ratio + spread)


def fisher_exact_p(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p for [[a, b], [c, d]].

    With the margins fixed, the top-left cell x follows the hypergeometric distribution; p is the
    total probability of every x no more probable than the observed a. Worked in logarithms and
    normalised by the sum over the support, so that tables of a whole network (tens of thousands of
    children) neither overflow nor lose the small probabilities.
    """
    if min(a, b, c, d) < 0:
        raise ValueError(f"a 2x2 table of counts cannot hold a negative cell: {[[a, b], [c, d]]}")
    row1, column1, total = a + b, a + c, a + b + c + d
    low, high = max(0, row1 + column1 - total), min(row1, column1)
    if low == high:
        return 1.0  # only one table has these margins
    top_left = np.arange(low, high + 1, dtype=float)

    def log_choose(n: float, k: np.ndarray) -> np.ndarray:
        return np.asarray(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))

    log_probability = log_choose(column1, top_left) + log_choose(total - column1, row1 - top_left)
    observed = log_probability[a - low]
    relative = np.exp(log_probability - log_probability.max())
    as_extreme = log_probability <= observed + math.log1p(_FISHER_TIE_TOLERANCE)
    p = float(relative[as_extreme].sum() / relative.sum())
    return min(1.0, max(0.0, p))


def weighted_risk_ratio(shares: Mapping[str, float], risks: Mapping[str, float], group: str) -> float | None:
    """WRR_g = (1 - p_g) R_g / sum over j != g of p_j R_j.

    A group missing from `risks` (no children enrolled) contributes nothing; None when the group
    itself has no share or risk, or when no other group has a risk to compare with.
    """
    if group not in shares or group not in risks:
        return None
    others = sum(shares[other] * risks[other] for other in shares if other != group and other in risks)
    return _ratio((1 - shares[group]) * risks[group], others)


GroupRow = tuple[Any, ...]  # the values of a GroupResult, in the order of RESULT_FIELDS
RESULT_FIELDS = tuple(field.name for field in fields(GroupResult))


def _check_counts(groups: Sequence[GroupCounts], what: str) -> None:
    """Counts that cannot come from a roster are a bug upstream: a ratio computed on them would be a
    confident wrong answer, so they are refused rather than reported."""
    seen: set[str] = set()
    for counts in groups:
        if counts.group in seen:
            raise ValueError(f"{what}: group {counts.group!r} is listed twice; groups must be mutually exclusive")
        seen.add(counts.group)
        if min(counts.enrolled, counts.children_with_outcome, counts.events) < 0:
            raise ValueError(f"{what}: group {counts.group!r} has a negative count")
        if counts.children_with_outcome > counts.enrolled:
            raise ValueError(f"{what}: group {counts.group!r} has more children with the outcome than enrolled")


class UnitAnalyser:
    """`analyse` for many units compared with one next level (every program of a file against all its
    children): the next level is checked and summed once, not once per unit, and a Fisher p is computed
    once per distinct table, and a group's row once per distinct (counts, unit totals), the same tuple
    being given again. `rows` takes and gives plain tuples, so that a caller analysing tens of thousands
    of units builds no object per group; the figures are those of `analyse`, bit for bit.
    """

    def __init__(
        self,
        *,
        thresholds: Thresholds = Thresholds(),
        next_level: Sequence[GroupCounts] | None = None,
        weighted: bool = False,
    ) -> None:
        if next_level is not None:
            _check_counts(next_level, "next level")
            # the children not in a group one level up: the level's total less the group's own (integers,
            # so exactly the sum over the other groups)
            self._next_with_outcome = {g.group: g.children_with_outcome for g in next_level}
            self._next_enrolled = {g.group: g.enrolled for g in next_level}
            self._next_totals = (sum(self._next_with_outcome.values()), sum(self._next_enrolled.values()))
        self._has_next_level = next_level is not None
        self._min_cell = thresholds.min_cell
        # an empty comparison can never give a ratio, whatever thresholds a network chose
        self._least_enrolled = max(thresholds.min_n, 1)
        self._weighted = weighted
        self._fisher: dict[tuple[int, int, int, int], float] = {}
        self._made: dict[tuple[Any, ...], GroupRow] = {}  # (group's counts, unit's totals) -> its row

    def analyse(self, groups: Sequence[GroupCounts]) -> list[GroupResult]:
        """Every metric for every group of one unit, in the order given (see `analyse`)."""
        _check_counts(groups, "unit")
        rows = self._rows([(g.group, g.enrolled, g.children_with_outcome, g.events) for g in groups])
        return [GroupResult(*row) for row in rows]

    def rows(self, groups: Sequence[tuple[str, int, int, int]]) -> list[GroupRow]:
        """`analyse` on (group, enrolled, children_with_outcome, events) tuples, giving the values of each
        GroupResult as a tuple (RESULT_FIELDS in order)."""
        seen: set[str] = set()
        for name, enrolled, with_outcome, events in groups:
            if name in seen or enrolled < 0 or with_outcome < 0 or events < 0 or with_outcome > enrolled:
                _check_counts([GroupCounts(*counts) for counts in groups], "unit")  # raises, naming the group
            seen.add(name)
        return self._rows(groups)

    def _rows(self, groups: Sequence[tuple[str, int, int, int]]) -> list[GroupRow]:
        total_enrolled = total_with_outcome = total_events = 0
        for _, enrolled, with_outcome, events in groups:
            total_enrolled += enrolled
            total_with_outcome += with_outcome
            total_events += events
        totals = (total_enrolled, total_with_outcome, total_events)
        if self._weighted:  # a weighted ratio looks at every group of the unit: nothing to reuse
            shares = {g[0]: g[1] / total_enrolled for g in groups if total_enrolled}
            risks = {g[0]: g[2] / g[1] for g in groups if g[1]}
            return [self._row(*counts, *totals, shares, risks) for counts in groups]
        # Otherwise a row depends on the group's counts and the unit's totals alone, and small units repeat
        # them a lot: the row is made once and the same tuple given again.
        made = self._made
        rows: list[GroupRow] = []
        for counts in groups:
            key = (*counts, *totals)
            row = made.get(key)
            if row is None:
                row = made[key] = self._row(*counts, *totals, None, None)
            rows.append(row)
        return rows

    def _row(
        self, name: str, n1: int, a: int, d: int, total_enrolled: int, total_with_outcome: int, total_events: int,
        shares: dict[str, float] | None, risks: dict[str, float] | None,
    ) -> GroupRow:
        min_cell, least_enrolled = self._min_cell, self._least_enrolled
        reason: str | None = None
        method: str | None = None
        ratio = ci_low = ci_high = fisher_p = event_ratio = weighted_ratio = None
        if a < min_cell:
            reason = NotCalculated.GROUP_TOO_FEW_WITH_OUTCOME
        elif n1 < least_enrolled:
            reason = NotCalculated.GROUP_TOO_FEW_ENROLLED
        else:
            # all other children of the unit when there are enough of them, else the children not in the
            # group one level up (the alternate risk ratio), else nothing to compare with
            c, n2 = total_with_outcome - a, total_enrolled - n1
            if c >= min_cell and n2 >= least_enrolled:
                method = "rr"
            elif self._has_next_level:
                c = self._next_totals[0] - self._next_with_outcome.get(name, 0)
                n2 = self._next_totals[1] - self._next_enrolled.get(name, 0)
                if c >= min_cell and n2 >= least_enrolled and c <= n2:
                    method = "arr"
            with_ci = risk_ratio_with_ci(a, n1, c, n2) if method is not None else None
            if with_ci is not None:
                ratio, ci_low, ci_high = with_ci
                fisher_p = self._fisher_p(a, n1 - a, c, n2 - c)
            else:  # with_ci is None only without a comparison, for checked counts
                method, reason = None, NotCalculated.COMPARISON_TOO_SMALL

        event_rate = d / n1 if n1 else None
        if method == "rr":
            if event_rate is not None:
                others_rate = _ratio(total_events - d, total_enrolled - n1)
                event_ratio = _ratio(event_rate, others_rate) if others_rate is not None else None
            if shares is not None and risks is not None:
                weighted_ratio = weighted_risk_ratio(shares, risks, name)
        share = n1 / total_enrolled if total_enrolled else None
        child_composition = a / total_with_outcome if total_with_outcome else None
        e_formula_upper = None
        if share is not None and total_with_outcome:
            e_formula_upper = share + math.sqrt(share * (1 - share) / total_with_outcome)
        alert = (
            child_composition is not None
            and e_formula_upper is not None
            and child_composition > e_formula_upper
            and n1 > 10
        )
        return (
            name, n1, a, d, a / n1 if n1 else None, ratio, method, reason, ci_low, ci_high, fisher_p,
            event_rate, event_ratio, share, child_composition, d / total_events if total_events else None,
            e_formula_upper, alert, weighted_ratio,
        )

    def _fisher_p(self, a: int, b: int, c: int, d: int) -> float:
        table = (a, b, c, d)
        p = self._fisher.get(table)
        if p is None:
            p = self._fisher[table] = fisher_exact_p(a, b, c, d)
        return p


def analyse(
    groups: Sequence[GroupCounts],
    *,
    thresholds: Thresholds = Thresholds(),
    next_level: Sequence[GroupCounts] | None = None,
    weighted: bool = False,
) -> list[GroupResult]:
    """Every metric for every group of one unit, in the order given.

    `next_level` holds the same groups counted over the unit one level up (all programs of the
    region, or every child in the file); it is used only for the alternate risk ratio.

    Gating (34 CFR 300.647): no ratio, interval or p for a group with fewer than `min_cell` children
    with the outcome or fewer than `min_n` enrolled; when the unit's other children are too few, the
    children not in the group one level up are the comparison ("arr"); when those are too few as well,
    or there is no level up, nothing is compared. The event ratio and the weighted risk ratio have no
    alternate form, so they are shown only when the group is compared with its own unit ("rr").
    Risks, shares and compositions are always given when their denominator is not zero; the E-formula
    alert is BIRS's own screen and has its own guard (more than 10 children enrolled).

    Many units against one next level: `UnitAnalyser`, which gives the same results faster.
    """
    _check_counts(groups, "unit")  # before the next level, so that a bad unit is the error reported
    analyser = UnitAnalyser(thresholds=thresholds, next_level=next_level, weighted=weighted)
    rows = analyser._rows([(g.group, g.enrolled, g.children_with_outcome, g.events) for g in groups])
    return [GroupResult(*row) for row in rows]

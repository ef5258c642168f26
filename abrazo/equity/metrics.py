"""Equity metrics for exclusionary discipline (DOMAIN.md §6). Pure: no Django, plain data in and out.

Everything counts *children*, except `events` (incidents meeting the outcome). A unit (program,
region, network) is split into mutually exclusive groups along one dimension; each group is compared
with all other children of the same unit, or, when that comparison is too small, with the children
not in the group at the next level up (the alternate risk ratio of 34 CFR 300.647).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054  # two-sided 95%; DOMAIN.md rounds it to 1.96


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


def risk(with_outcome: int, enrolled: int) -> float | None:
    raise NotImplementedError


def risk_ratio(a: int, n1: int, c: int, n2: int) -> float | None:
    """Raw (a/n1)/(c/n2), no gating and no correction; None when undefined."""
    raise NotImplementedError


def risk_ratio_with_ci(a: int, n1: int, c: int, n2: int, *, z: float = Z_95) -> tuple[float, float, float] | None:
    """(RR, low, high) by the log method; with a or c zero, 0.5 is added to all four cells first."""
    raise NotImplementedError


def fisher_exact_p(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p for [[a, b], [c, d]]."""
    raise NotImplementedError


def weighted_risk_ratio(shares: Mapping[str, float], risks: Mapping[str, float], group: str) -> float | None:
    """WRR_g = (1 - p_g) R_g / sum over j != g of p_j R_j."""
    raise NotImplementedError


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
    """
    raise NotImplementedError

"""Counting children and events per group for the equity engine, from the database.

Not scoped by user: callers (equity.selectors, the dashboard, reports) decide which units a person may
see and pass their ids here. Whole school years are read from the ChildYear rollup; any other period
is counted from enrolments and incidents directly. Both paths give the same numbers (tested).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from abrazo.equity.metrics import GroupCounts

# Dimensions every roster has; any key of Child.extra is also a dimension, named "extra:<key>".
DIMENSIONS = ("race_ethnicity", "gender", "iep", "dll", "home_language")
NOT_REPORTED = "not_reported"  # the group of children with no value for the dimension


@dataclass(frozen=True)
class Period:
    start: date  # inclusive
    end: date  # inclusive

    @classmethod
    def school_year(cls, starting: int) -> Period:
        """July `starting` to June of the next year."""
        return cls(date(starting, 7, 1), date(starting + 1, 6, 30))

    @property
    def whole_school_year(self) -> int | None:
        if self.start.month == 7 and self.start.day == 1 and self.end == date(self.start.year + 1, 6, 30):
            return self.start.year
        return None


@dataclass(frozen=True)
class Unit:
    kind: str  # "network", "region" or "program"
    id: UUID


@dataclass
class UnitCounts:
    unit: Unit
    groups: list[GroupCounts]  # the unit's children split by the dimension, groups sorted by code
    next_level: list[GroupCounts] | None  # the same for the unit one level up (None for a network)
    by_program: dict[UUID, list[GroupCounts]] = field(default_factory=dict)  # when asked for


def count_groups(
    *, network_id: UUID, unit: Unit, period: Period, dimension: str, outcome: str, by_program: bool = False
) -> UnitCounts:
    """Children enrolled at any time in the period, children with at least one event of the outcome
    in the period, and those events, per group of the dimension (and per program when asked)."""
    raise NotImplementedError

"""Growth in competencies, per domain of the framework: where a consultant started, where they are now, and
how their own view compares with their supervisor's. Pure: plain data in, plain data out, no Django.

A consultant rates themselves and their supervisor rates them on every domain at a level from 1 to 4, a few
times a year. For each domain and each kind of rater this module finds the first and the latest rating and the
change between them; the gap is the latest self-rating minus the latest supervisor rating (positive: the
consultant sees more skill than the supervisor does). A change needs two ratings: one rating is a starting
point, not "no change".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

SELF = "self"
SUPERVISOR = "supervisor"
RATER_KINDS = (SELF, SUPERVISOR)
LEVELS = (1, 2, 3, 4)

UP, SAME, DOWN = "up", "same", "down"


@dataclass(frozen=True)
class Assessment:
    """One rating of every domain on one day. A domain missing from `levels` was not rated that day (for
    example, it was added to the framework later)."""

    assessed_on: date
    rater_kind: str  # SELF or SUPERVISOR
    levels: Mapping[str, int]  # domain key -> level 1..4


@dataclass(frozen=True)
class Trajectory:
    """One rater kind's ratings of one domain, first and latest."""

    ratings: int = 0
    first: int | None = None
    first_on: date | None = None
    latest: int | None = None
    latest_on: date | None = None

    @property
    def change(self) -> int | None:
        """Latest minus first; None until the domain has been rated twice."""
        if self.ratings < 2 or self.first is None or self.latest is None:
            return None
        return self.latest - self.first

    @property
    def direction(self) -> str | None:
        change = self.change
        if change is None:
            return None
        return UP if change > 0 else DOWN if change < 0 else SAME


@dataclass(frozen=True)
class DomainGrowth:
    key: str
    self_rated: Trajectory
    supervisor: Trajectory

    @property
    def gap(self) -> int | None:
        """Latest self-rating minus latest supervisor rating (each the most recent of its kind, which may be
        from different days); None unless both exist."""
        if self.self_rated.latest is None or self.supervisor.latest is None:
            return None
        return self.self_rated.latest - self.supervisor.latest

    def trajectory(self, rater_kind: str) -> Trajectory:
        return self.self_rated if rater_kind == SELF else self.supervisor


@dataclass(frozen=True)
class GrowthSummary:
    """How many domains went up, stayed, went down, or cannot be compared yet, for one rater kind."""

    improved: int
    unchanged: int
    declined: int
    not_compared: int


def _trajectory(ratings: Sequence[tuple[date, int]]) -> Trajectory:
    if not ratings:
        return Trajectory()
    (first_on, first), (latest_on, latest) = ratings[0], ratings[-1]
    return Trajectory(ratings=len(ratings), first=first, first_on=first_on, latest=latest, latest_on=latest_on)


def growth_by_domain(assessments: Iterable[Assessment], domain_keys: Sequence[str]) -> list[DomainGrowth]:
    """Growth of each domain in `domain_keys` (in that order). Assessments are put in date order; two on the
    same day keep the order they were given in (pass them in the order they were made). Levels outside 1-4
    and unknown rater kinds are refused rather than silently skewing a change."""
    ordered = sorted(enumerate(assessments), key=lambda pair: (pair[1].assessed_on, pair[0]))
    series: dict[tuple[str, str], list[tuple[date, int]]] = {
        (key, kind): [] for key in domain_keys for kind in RATER_KINDS
    }
    for _position, assessment in ordered:
        if assessment.rater_kind not in RATER_KINDS:
            raise ValueError(f"unknown rater kind {assessment.rater_kind!r}")
        for key, level in assessment.levels.items():
            if level not in LEVELS:
                raise ValueError(f"level {level!r} of {key!r} is not between 1 and 4")
            found = series.get((key, assessment.rater_kind))
            if found is not None:  # a domain not asked for (retired, say) is left out
                found.append((assessment.assessed_on, level))
    return [
        DomainGrowth(key=key, self_rated=_trajectory(series[(key, SELF)]),
                     supervisor=_trajectory(series[(key, SUPERVISOR)]))
        for key in domain_keys
    ]


def summarise(growth: Iterable[DomainGrowth], rater_kind: str) -> GrowthSummary:
    counts: dict[str | None, int] = {UP: 0, SAME: 0, DOWN: 0, None: 0}
    for domain in growth:
        counts[domain.trajectory(rater_kind).direction] += 1
    return GrowthSummary(improved=counts[UP], unchanged=counts[SAME], declined=counts[DOWN],
                         not_compared=counts[None])

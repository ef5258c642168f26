"""Progress toward endorsement: how many reflective supervision hours count, and how far each hour threshold
is. Pure: plain data in, plain data out, no Django.

Only hours the supervisor has signed off count, and only of the kinds the network counts (by default
reflective and clinical supervision; administrative check-ins do not build reflective capacity). Hours still
waiting for sign-off are shown apart, so a consultant sees both where they stand and where they will stand
once their supervisor catches up; hours returned for correction are neither.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

# The SupervisionStatus codes (kept as plain strings so this module does not import Django).
LOGGED = "logged"
SIGNED_OFF = "signed_off"
RETURNED = "returned"

ZERO = Decimal(0)


@dataclass(frozen=True)
class LoggedHours:
    """Hours of one kind in one status: one log, or the sum of many."""

    kind: str
    status: str
    hours: Decimal


@dataclass(frozen=True)
class Milestone:
    required: Decimal
    reached: bool
    remaining: Decimal  # hours still to be signed off; zero once reached
    percent: int  # counted / required, rounded down and capped at 100, so 100 means reached
    reached_with_pending: bool  # it would be reached once the pending hours are signed off


@dataclass(frozen=True)
class KindHours:
    signed_off: Decimal = ZERO
    pending: Decimal = ZERO
    returned: Decimal = ZERO


@dataclass(frozen=True)
class Progress:
    counted: Decimal  # signed-off hours of countable kinds
    pending: Decimal  # countable hours waiting for sign-off
    returned: Decimal  # countable hours returned for correction
    not_countable: Decimal  # signed-off hours of kinds that do not count
    milestones: tuple[Milestone, ...]
    by_kind: dict[str, KindHours] = field(default_factory=dict)

    @property
    def next_milestone(self) -> Milestone | None:
        """The first threshold not reached yet; None once every one is."""
        return next((milestone for milestone in self.milestones if not milestone.reached), None)


def _milestone(required: Decimal, counted: Decimal, pending: Decimal) -> Milestone:
    reached = counted >= required
    percent = 100 if reached else int((counted * 100 / required).to_integral_value(rounding=ROUND_FLOOR))
    return Milestone(
        required=required, reached=reached, remaining=max(required - counted, ZERO), percent=min(percent, 100),
        reached_with_pending=counted + pending >= required,
    )


def endorsement_progress(
    entries: Iterable[LoggedHours], *, countable_kinds: Collection[str], thresholds: Sequence[Decimal]
) -> Progress:
    """Sum the hours by kind and status and measure them against each threshold (in the order given)."""
    if any(threshold <= 0 for threshold in thresholds):
        raise ValueError("every threshold must be more than zero hours")
    totals: dict[str, dict[str, Decimal]] = {}
    for entry in entries:
        if entry.status not in (LOGGED, SIGNED_OFF, RETURNED):
            raise ValueError(f"unknown status {entry.status!r}")
        by_status = totals.setdefault(entry.kind, {LOGGED: ZERO, SIGNED_OFF: ZERO, RETURNED: ZERO})
        by_status[entry.status] += entry.hours
    counted = pending = returned = not_countable = ZERO
    for kind, by_status in totals.items():
        if kind in countable_kinds:
            counted += by_status[SIGNED_OFF]
            pending += by_status[LOGGED]
            returned += by_status[RETURNED]
        else:
            not_countable += by_status[SIGNED_OFF]
    return Progress(
        counted=counted, pending=pending, returned=returned, not_countable=not_countable,
        milestones=tuple(_milestone(Decimal(threshold), counted, pending) for threshold in thresholds),
        by_kind={kind: KindHours(signed_off=s[SIGNED_OFF], pending=s[LOGGED], returned=s[RETURNED])
                 for kind, s in totals.items()},
    )

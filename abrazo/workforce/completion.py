"""The training rules, as plain arithmetic: how many hours one session's attendance earns, and whether a
participant has completed a cohort. No Django here, so the rules are tested against worked examples and the
same function answers the cohort page, the participant page and the "complete" action.

Completion (issue 6): the hours a participant attended, over the hours of every session of the cohort,
reach the network's share (80 % unless the network says otherwise), and every assignment required for
completion is done. Continuing-education hours are the credited attendance hours.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

ZERO = Decimal(0)
HUNDREDTH = Decimal("0.01")


class Attendance(StrEnum):
    """The codes of workforce.models.AttendanceStatus (kept apart so this module imports no Django)."""

    PRESENT = "present"
    PARTIAL = "partial"
    EXCUSED = "excused"
    ABSENT = "absent"


class HoursProblem(StrEnum):
    PARTIAL_NEEDS_HOURS = "partial_needs_hours"  # part of a session, with no hours (or zero) given
    MORE_THAN_SESSION = "more_than_session"  # more hours than the session lasted
    UNKNOWN_STATUS = "unknown_status"


class HoursRejected(ValueError):
    def __init__(self, problem: HoursProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def credited_hours(status: str, *, session_hours: Decimal, entered_hours: Decimal | None = None) -> Decimal:
    """The continuing-education hours one attendance earns.

    Present earns the session's hours whatever was typed; part of the session earns the hours entered, which
    must be more than zero and no more than the session; excused and absent earn nothing (being excused
    explains an absence, it does not teach anything)."""
    if status == Attendance.PRESENT:
        return session_hours
    if status == Attendance.PARTIAL:
        if entered_hours is None or entered_hours <= ZERO:
            raise HoursRejected(HoursProblem.PARTIAL_NEEDS_HOURS)
        if entered_hours > session_hours:
            raise HoursRejected(HoursProblem.MORE_THAN_SESSION)
        return entered_hours
    if status in (Attendance.EXCUSED, Attendance.ABSENT):
        return ZERO
    raise HoursRejected(HoursProblem.UNKNOWN_STATUS)


@dataclass(frozen=True)
class CompletionCheck:
    """Where a participant stands against the completion rule, with what is missing spelled out."""

    attended_hours: Decimal  # also the continuing-education hours
    total_hours: Decimal  # the hours of every session of the cohort
    share_required: Decimal  # e.g. 0.80
    hours_required: Decimal  # share_required x total_hours, rounded up to the hundredth
    required_assignments: int
    missing_assignments: tuple[str, ...]  # titles of required assignments not done, in the cohort's order

    @property
    def attended_share(self) -> Decimal | None:
        """Attended over total hours (None for a cohort without sessions)."""
        if self.total_hours <= ZERO:
            return None
        return self.attended_hours / self.total_hours

    @property
    def attended_percent(self) -> Decimal | None:
        """The attended share as a whole percentage, rounded down (79.9 % is shown as 79, not as 80)."""
        share = self.attended_share
        return None if share is None else (share * 100).quantize(Decimal(1), rounding=ROUND_FLOOR)

    @property
    def required_percent(self) -> Decimal:
        return self.share_required * 100

    @property
    def attendance_met(self) -> bool:
        return self.has_sessions and self.attended_hours >= self.hours_required

    @property
    def hours_short(self) -> Decimal:
        """Hours still to attend to reach the share (zero when it is reached)."""
        return max(ZERO, self.hours_required - self.attended_hours)

    @property
    def has_sessions(self) -> bool:
        return self.total_hours > ZERO

    @property
    def complete(self) -> bool:
        return self.attendance_met and not self.missing_assignments


def check_completion(
    *,
    attended_hours: Decimal,
    total_hours: Decimal,
    share_required: Decimal,
    required_assignments: Sequence[tuple[object, str]],
    done_assignments: Collection[object],
) -> CompletionCheck:
    """Judge one participant. `required_assignments` are (id, title) pairs of the assignments required for
    completion; `done_assignments` the ids of the assignments the participant has done (any, required or
    not). Hours are kept to the hundredth, so the hours required are the share of the total rounded *up* to
    the hundredth: attending them is exactly reaching the share (21.6 of 27 hours is 80 %; 23.16 of 27.25 is
    not 85 %, 23.17 is)."""
    missing = tuple(title for key, title in required_assignments if key not in done_assignments)
    hours_required = (share_required * total_hours).quantize(HUNDREDTH, rounding=ROUND_CEILING)
    return CompletionCheck(
        attended_hours=attended_hours, total_hours=total_hours, share_required=share_required,
        hours_required=hours_required, required_assignments=len(required_assignments),
        missing_assignments=missing,
    )

"""The completion rule and attendance credit, against worked examples computed by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abrazo.workforce.completion import (
    HoursProblem,
    HoursRejected,
    check_completion,
    credited_hours,
)

D = Decimal
THREE_ASSIGNMENTS = [(1, "Observation write-up"), (2, "Reflective journal"), (3, "Case presentation")]


# --- credit for one session ---------------------------------------------------------------------------


def test_present_earns_the_session_hours_whatever_was_typed():
    assert credited_hours("present", session_hours=D(3)) == D(3)
    assert credited_hours("present", session_hours=D(3), entered_hours=D("1.5")) == D(3)


def test_part_of_the_session_earns_the_hours_entered():
    assert credited_hours("partial", session_hours=D(3), entered_hours=D("1.25")) == D("1.25")
    assert credited_hours("partial", session_hours=D(3), entered_hours=D(3)) == D(3)  # at most the session


@pytest.mark.parametrize(("entered", "problem"), [
    (None, HoursProblem.PARTIAL_NEEDS_HOURS),
    (D(0), HoursProblem.PARTIAL_NEEDS_HOURS),
    (D("3.25"), HoursProblem.MORE_THAN_SESSION),
])
def test_part_of_the_session_needs_hours_no_longer_than_the_session(entered, problem):
    with pytest.raises(HoursRejected) as refused:
        credited_hours("partial", session_hours=D(3), entered_hours=entered)
    assert refused.value.problem == problem


def test_excused_and_absent_earn_nothing():
    assert credited_hours("excused", session_hours=D(3), entered_hours=D(2)) == D(0)
    assert credited_hours("absent", session_hours=D(3)) == D(0)


def test_an_unknown_status_is_refused():
    with pytest.raises(HoursRejected):
        credited_hours("late", session_hours=D(3))


# --- the completion rule ---------------------------------------------------------------------------------


def test_worked_example_nine_sessions_of_three_hours():
    # given nine 3-hour sessions (27 hours) and the default share of 0.80: 21.6 hours are needed. The
    # participant was present at 7 sessions (21 h) and attended 1.5 h of an eighth: 22.5 h, 83.3 %.
    # They did two of the three required assignments.
    check = check_completion(
        attended_hours=D(21) + D("1.5"), total_hours=D(27), share_required=D("0.80"),
        required_assignments=THREE_ASSIGNMENTS, done_assignments={1, 2},
    )
    # then attendance is enough (22.5 >= 21.6) but the missing assignment stops completion
    assert check.hours_required == D("21.60")
    assert check.attendance_met
    assert check.hours_short == D(0)
    assert check.attended_percent == D(83)  # 22.5 / 27 = 83.33 %, rounded down
    assert check.missing_assignments == ("Case presentation",)
    assert not check.complete
    # when the last assignment is done too, they complete
    done = check_completion(
        attended_hours=D("22.5"), total_hours=D(27), share_required=D("0.80"),
        required_assignments=THREE_ASSIGNMENTS, done_assignments={1, 2, 3},
    )
    assert done.complete


def test_a_tenth_of_an_hour_short_is_short():
    # given 7 full sessions (21 h) and half an hour of an eighth: 21.5 of 27 h is 79.6 %, under 80 %
    check = check_completion(attended_hours=D("21.5"), total_hours=D(27), share_required=D("0.80"),
                             required_assignments=[], done_assignments=set())
    assert not check.attendance_met
    assert check.hours_short == D("0.10")
    assert check.attended_percent == D(79)  # not rounded up to 80
    assert not check.complete


def test_exactly_the_share_is_enough():
    # 21.6 of 27 hours is exactly 80 %
    check = check_completion(attended_hours=D("21.6"), total_hours=D(27), share_required=D("0.80"),
                             required_assignments=[], done_assignments=set())
    assert check.complete


def test_hours_required_round_up_to_the_hundredth():
    # 0.85 x 27.25 = 23.1625 hours: 23.16 attended is 84.99 % (short), 23.17 is 85.03 % (enough)
    def check(attended: str):
        return check_completion(attended_hours=D(attended), total_hours=D("27.25"), share_required=D("0.85"),
                                required_assignments=[], done_assignments=set())

    assert check("23.16").hours_required == D("23.17")
    assert not check("23.16").attendance_met and check("23.16").hours_short == D("0.01")
    assert check("23.17").attendance_met


def test_assignments_not_required_do_not_count():
    # the required list holds only required assignments; doing others changes nothing
    check = check_completion(attended_hours=D(27), total_hours=D(27), share_required=D("0.80"),
                             required_assignments=[(1, "Case presentation")], done_assignments={7, 8})
    assert check.missing_assignments == ("Case presentation",)


def test_a_cohort_without_sessions_completes_nobody():
    check = check_completion(attended_hours=D(0), total_hours=D(0), share_required=D("0.80"),
                             required_assignments=[], done_assignments=set())
    assert not check.has_sessions
    assert check.attended_share is None
    assert not check.complete


hundredths = st.integers(min_value=0, max_value=10_000).map(lambda n: D(n) / 100)


@given(attended=hundredths, total=st.integers(min_value=25, max_value=10_000).map(lambda n: D(n) / 100),
       share=st.integers(min_value=0, max_value=100).map(lambda n: D(n) / 100))
def test_hours_required_agree_with_the_share(attended, total, share):
    # for hours kept to the hundredth, reaching the hours required is exactly reaching the share
    check = check_completion(attended_hours=attended, total_hours=total, share_required=share,
                             required_assignments=[], done_assignments=set())
    assert check.attendance_met == (attended / total >= share)
    assert (check.hours_short == 0) == check.attendance_met

"""Progress toward endorsement, against sums worked out by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from abrazo.workforce import endorsement
from abrazo.workforce.endorsement import LOGGED, RETURNED, SIGNED_OFF, LoggedHours, endorsement_progress
from abrazo.workforce.models import DEFAULT_COUNTABLE_KINDS, SupervisionKind, SupervisionStatus

COUNTABLE = ("reflective", "clinical")
THRESHOLDS = (D(24), D(50))


def hours(kind: str, status: str, value: str) -> LoggedHours:
    return LoggedHours(kind=kind, status=status, hours=D(value))


def test_the_status_codes_are_the_models():
    assert {LOGGED, SIGNED_OFF, RETURNED} == set(SupervisionStatus.values)
    assert set(DEFAULT_COUNTABLE_KINDS) == set(COUNTABLE)


def test_only_signed_off_hours_of_countable_kinds_count():
    # given 1.5 + 2 + 1.5 signed-off reflective, 1 signed-off clinical, 1 signed-off administrative,
    # 1.5 reflective waiting for sign-off and 0.75 clinical returned for correction
    entries = [
        hours("reflective", SIGNED_OFF, "1.5"), hours("reflective", SIGNED_OFF, "2"),
        hours("reflective", SIGNED_OFF, "1.5"), hours("clinical", SIGNED_OFF, "1"),
        hours("administrative", SIGNED_OFF, "1"), hours("reflective", LOGGED, "1.5"),
        hours("clinical", RETURNED, "0.75"), hours("administrative", LOGGED, "1"),
    ]
    # when progress is worked out against 24 and 50 hours
    progress = endorsement_progress(entries, countable_kinds=COUNTABLE, thresholds=THRESHOLDS)
    # then 1.5 + 2 + 1.5 + 1 = 6 hours count; 1.5 wait; 0.75 were returned; the signed-off hour of
    # administrative supervision does not count (the pending administrative hour is not counted anywhere)
    assert progress.counted == D("6")
    assert progress.pending == D("1.5")
    assert progress.returned == D("0.75")
    assert progress.not_countable == D("1")
    # and 6 of 24 is 25%, 18 to go; 6 of 50 is 12%, 44 to go
    first, second = progress.milestones
    assert (first.required, first.reached, first.remaining, first.percent) == (D(24), False, D(18), 25)
    assert (second.required, second.reached, second.remaining, second.percent) == (D(50), False, D(44), 12)
    assert not first.reached_with_pending
    assert progress.next_milestone == first
    # and the hours by kind are kept for the table
    assert progress.by_kind["reflective"] == endorsement.KindHours(signed_off=D(5), pending=D("1.5"))
    assert progress.by_kind["administrative"] == endorsement.KindHours(signed_off=D(1), pending=D(1))


def test_a_threshold_reached_exactly_and_one_reached_once_pending_hours_are_signed_off():
    # given 16 sessions of 1.5 hours signed off (24 hours) and 26 hours waiting
    entries = [hours("reflective", SIGNED_OFF, "1.5")] * 16 + [hours("clinical", LOGGED, "2")] * 13
    progress = endorsement_progress(entries, countable_kinds=COUNTABLE, thresholds=THRESHOLDS)
    first, second = progress.milestones
    # then the first level is reached (24 >= 24), with nothing remaining and 100%
    assert (progress.counted, progress.pending) == (D(24), D(26))
    assert (first.reached, first.remaining, first.percent) == (True, D(0), 100)
    # and the second is at 24/50 = 48%, 26 to go, which the 26 pending hours would cover exactly
    assert (second.reached, second.remaining, second.percent, second.reached_with_pending) == (False, D(26), 48, True)
    assert progress.next_milestone == second


def test_percent_is_rounded_down_so_100_means_reached():
    # 23.75 of 24 hours is 98.96%: shown as 98, not 99 or 100
    progress = endorsement_progress([hours("reflective", SIGNED_OFF, "7.75")] * 2 + [hours("reflective", SIGNED_OFF,
                                    "8")], countable_kinds=COUNTABLE, thresholds=THRESHOLDS)
    assert progress.counted == D("23.5")
    assert progress.milestones[0].percent == 97  # 23.5 / 24 = 97.9%
    progress = endorsement_progress([hours("reflective", SIGNED_OFF, "23.75")], countable_kinds=COUNTABLE,
                                    thresholds=(D(24),))
    assert progress.milestones[0].percent == 98


def test_past_every_threshold_there_is_no_next_milestone_and_percent_stays_100():
    progress = endorsement_progress([hours("reflective", SIGNED_OFF, "8")] * 8, countable_kinds=COUNTABLE,
                                    thresholds=THRESHOLDS)
    assert progress.counted == D(64)
    assert [m.percent for m in progress.milestones] == [100, 100]
    assert [m.remaining for m in progress.milestones] == [D(0), D(0)]
    assert progress.next_milestone is None


def test_a_network_that_counts_administrative_supervision_too():
    entries = [hours("administrative", SIGNED_OFF, "2"), hours("model_fidelity", SIGNED_OFF, "1"),
               hours("reflective", SIGNED_OFF, "3")]
    progress = endorsement_progress(entries, countable_kinds=[SupervisionKind.ADMINISTRATIVE, "reflective"],
                                    thresholds=THRESHOLDS)
    assert (progress.counted, progress.not_countable) == (D(5), D(1))


def test_nothing_logged_yet():
    progress = endorsement_progress([], countable_kinds=COUNTABLE, thresholds=THRESHOLDS)
    assert (progress.counted, progress.pending, progress.returned, progress.not_countable) == (0, 0, 0, 0)
    assert [(m.percent, m.remaining) for m in progress.milestones] == [(0, D(24)), (0, D(50))]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="status"):
        endorsement_progress([hours("reflective", "approved", "1")], countable_kinds=COUNTABLE, thresholds=THRESHOLDS)
    with pytest.raises(ValueError, match="threshold"):
        endorsement_progress([], countable_kinds=COUNTABLE, thresholds=(D(0),))

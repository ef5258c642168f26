"""Early warning: the school-day threshold (against a brute-force count), evaluating a child after each write,
and turning a warning into exactly one urgent request for consultation, or closing it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from abrazo.accounts.models import User
from abrazo.audit.models import AccessEvent
from abrazo.core.tests.concurrency import at_once, needs_postgresql
from abrazo.incidents import birs, warnings
from abrazo.incidents.models import (
    Child,
    EarlyWarning,
    ExclusionKind,
    WarningReason,
    WarningSettings,
    WarningStatus,
)
from abrazo.incidents.tests.factories import ChildFactory, ExclusionFactory, IncidentFactory
from abrazo.incidents.warnings import Event, PatternCrossing, pattern_crossing, school_day_number, window_start
from abrazo.intake.models import ConcernCategory, Priority, Request

MONDAY = dt.date(2025, 3, 3)  # a Monday


def day(offset: int) -> dt.date:
    return MONDAY + dt.timedelta(days=offset)


# --- school days ------------------------------------------------------------------------------------


class TestSchoolDays:
    def test_weekdays_follow_one_another_and_a_weekend_counts_with_the_next_monday(self):
        # given a week from Monday to the next Monday
        numbers = [school_day_number(day(offset)) for offset in range(8)]
        # then Monday..Friday are consecutive, and Saturday, Sunday and Monday share one number
        assert [number - numbers[0] for number in numbers] == [0, 1, 2, 3, 4, 5, 5, 5]

    def test_ten_school_days_ending_on_a_friday_start_on_the_monday_a_week_before(self):
        # given Friday 14 March 2025, and the weekend before Monday 3 March
        # then the window of 10 school days that ends on it starts that weekend (which counts as Monday 3)
        assert window_start(day(11), 10) == dt.date(2025, 3, 1)
        # and a window of one school day is the day itself
        assert window_start(day(2), 1) == day(2)

    @given(st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)), st.integers(1, 30))
    def test_window_start_is_the_earliest_day_inside_the_window(self, last_day, width):
        # when the window's first day is computed
        start = window_start(last_day, width)
        # then the first day is inside the window and the day before is not
        assert school_day_number(last_day) - school_day_number(start) < width
        assert school_day_number(last_day) - school_day_number(start - dt.timedelta(days=1)) >= width


# --- the pattern threshold --------------------------------------------------------------------------


class TestPatternCrossing:
    def test_three_incidents_in_ten_school_days_cross_the_default_threshold(self):
        # given incidents on Monday, Wednesday and the Friday of the next week (school days 1, 3 and 10)
        events = [Event(day(0)), Event(day(2)), Event(day(11))]
        # then they cross 3-in-10, ending on that Friday
        assert pattern_crossing(events, count=3, window_school_days=10) == PatternCrossing(day(0), day(11), 3)

    def test_the_same_incidents_spread_over_eleven_school_days_do_not(self):
        # given the third incident on the Monday after (school day 11)
        events = [Event(day(0)), Event(day(2)), Event(day(14))]
        # then no window of 10 school days holds three of them
        assert pattern_crossing(events, count=3, window_school_days=10) is None

    def test_a_weekend_does_not_count_as_school_days(self):
        # given incidents on Friday and the following Monday, with a 2-school-day window
        events = [Event(day(4)), Event(day(7))]
        # then they are two consecutive school days
        assert pattern_crossing(events, count=2, window_school_days=2) == PatternCrossing(day(4), day(7), 2)

    def test_incidents_already_covered_by_a_warning_cross_nothing_until_a_new_one_joins_them(self):
        # given three old incidents (a warning was raised and closed for them)
        old = [Event(day(0), new=False), Event(day(1), new=False), Event(day(2), new=False)]
        # then they raise nothing again
        assert pattern_crossing(old, count=3, window_school_days=10) is None
        # but a new incident two days later makes a window of four, ending on it
        crossing = pattern_crossing([*old, Event(day(4))], count=3, window_school_days=10)
        assert crossing == PatternCrossing(day(0), day(4), 4)
        # while a new incident a month later, alone in its window, does not
        assert pattern_crossing([*old, Event(day(30))], count=3, window_school_days=10) is None

    def test_the_latest_crossing_is_reported(self):
        # given two separate bursts of incidents, a month apart
        events = [Event(day(offset)) for offset in (0, 1, 2, 28, 29, 30, 31)]
        # then the warning describes the later burst
        assert pattern_crossing(events, count=3, window_school_days=5) == PatternCrossing(day(28), day(31), 4)


def brute_force(events: list[Event], count: int, width: int) -> PatternCrossing | None:
    """The same question asked the slow way: walk the calendar, counting weekdays one by one."""

    def school_day(date: dt.date) -> dt.date:  # a weekend day counts as the next Monday
        while date.weekday() >= 5:
            date += dt.timedelta(days=1)
        return date

    def weekdays_from_to(first: dt.date, last: dt.date) -> int:
        total, current = 0, first
        while current <= last:
            total += current.weekday() < 5
            current += dt.timedelta(days=1)
        return total

    best: tuple[Any, PatternCrossing] | None = None
    for end in events:
        end_day = school_day(end.day)
        members = [event for event in events
                   if school_day(event.day) <= end_day and weekdays_from_to(school_day(event.day), end_day) <= width]
        if len(members) >= count and any(event.new for event in members):
            found = PatternCrossing(min(e.day for e in members), max(e.day for e in members), len(members))
            key = (end_day, found.last_day)
            if best is None or key > best[0]:
                best = (key, found)
    return best[1] if best else None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 60), st.booleans()), max_size=14),
    st.integers(1, 5),
    st.integers(1, 12),
)
def test_pattern_crossing_agrees_with_a_brute_force_count(raw, count, width):
    # given any incidents over two months, some new, and any threshold
    events = [Event(day(offset), new) for offset, new in raw]
    # then the sliding window finds exactly what counting day by day finds
    assert pattern_crossing(events, count=count, window_school_days=width) == brute_force(events, count, width)


# --- evaluating a child -------------------------------------------------------------------------------


def recent_monday() -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=3)


def incident(child: Child, offset: int, **fields: Any) -> Any:
    return IncidentFactory(child=child, occurred_on=recent_monday() + dt.timedelta(days=offset), **fields)


@pytest.fixture
def child(world) -> Child:
    # born on the first of this month four years ago: 48 months old today
    born = timezone.localdate().replace(day=1)
    return ChildFactory(program=world.program_a, code="SUN-017", date_of_birth=born.replace(year=born.year - 4))


pytestmark = pytest.mark.django_db


class TestEvaluateChild:
    def test_two_incidents_raise_nothing_and_the_third_in_ten_school_days_raises_a_warning(self, child):
        # given a child with two incidents in one week
        incident(child, 0)
        incident(child, 2)
        # then the threshold is not crossed, and the network's default settings now exist
        assert warnings.evaluate_child(child) is None
        rules = WarningSettings.objects.get(network=child.network)
        assert (rules.incident_count, rules.window_school_days, rules.on_any_oss) == (3, 10, True)
        # when a third incident on the Friday of the next week is recorded
        incident(child, 11)
        warning = warnings.evaluate_child(child)
        # then an open warning for repeated incidents names that Friday and the three incidents
        assert (warning.reason, warning.triggered_on, warning.incident_count, warning.status) == (
            WarningReason.PATTERN, recent_monday() + dt.timedelta(days=11), 3, WarningStatus.OPEN)
        assert (warning.program_id, warning.network_id) == (child.program_id, child.network_id)

    def test_three_incidents_spread_over_more_than_ten_school_days_raise_nothing(self, child):
        # given incidents on school days 1, 3 and 11
        for offset in (0, 2, 14):
            incident(child, offset)
        # then no warning
        assert warnings.evaluate_child(child) is None
        assert not EarlyWarning.objects.exists()

    def test_a_network_threshold_of_two_in_three_school_days_applies(self, child):
        # given a network that alerts on 2 incidents in 3 school days
        WarningSettings.objects.create(network=child.network, incident_count=2, window_school_days=3)
        incident(child, 0)
        incident(child, 3)  # Thursday: school day 4, outside a window of 3 from Monday
        assert warnings.evaluate_child(child) is None
        # when one more comes on Friday
        incident(child, 4)
        # then Thursday and Friday cross it
        assert warnings.evaluate_child(child).incident_count == 2

    def test_being_sent_home_once_raises_a_warning(self, child):
        # given one incident after which the child was sent home for the rest of the day
        incident(child, 1, oss=True)
        # then the warning says so, on that day
        warning = warnings.evaluate_child(child)
        assert (warning.reason, warning.triggered_on, warning.incident_count) == (
            WarningReason.OSS, recent_monday() + dt.timedelta(days=1), 1)

    def test_a_dismissal_outranks_a_suspension(self, child):
        # given a child sent home on Monday and then a dismissal recorded on its own on Wednesday
        incident(child, 0, oss=True)
        ExclusionFactory(child=child, kind=ExclusionKind.DISMISSAL, starts_on=recent_monday() + dt.timedelta(days=2))
        # then the warning is about the dismissal, counting the one incident of the window
        warning = warnings.evaluate_child(child)
        assert (warning.reason, warning.triggered_on, warning.incident_count) == (
            WarningReason.DISMISSAL, recent_monday() + dt.timedelta(days=2), 1)

    def test_a_soft_exclusion_raises_a_warning_unless_the_network_turned_that_off(self, child, world):
        # given reduced hours recorded for a child
        ExclusionFactory(child=child, kind=ExclusionKind.REDUCED_HOURS)
        # then a warning about a soft exclusion
        assert warnings.evaluate_child(child).reason == WarningReason.SOFT_EXCLUSION
        # and given another network's child with the same, where soft exclusions do not alert
        other = ChildFactory(program=world.other_program)
        WarningSettings.objects.create(network=world.other_network, on_soft_exclusion=False)
        ExclusionFactory(child=other, kind=ExclusionKind.CONDITIONAL_ENROLLMENT)
        incident(other, 0, admin_follow_up=birs.AdminFollowUp.REDUCE_HOURS)
        # then nothing
        assert warnings.evaluate_child(other) is None

    def test_suspensions_do_not_alert_when_the_network_turned_that_off(self, child):
        WarningSettings.objects.create(network=child.network, on_any_oss=False)
        incident(child, 0, oss=True)
        assert warnings.evaluate_child(child) is None

    def test_last_years_incidents_raise_nothing(self, child):
        # given a file of incidents from a year ago, including a dismissal
        for offset in (0, 1, 2):
            IncidentFactory(child=child, occurred_on=recent_monday() - dt.timedelta(days=365 - offset))
        IncidentFactory(child=child, occurred_on=recent_monday() - dt.timedelta(days=360), dismissal=True)
        # then no warning: the child needed help then, an alert now would only be noise
        assert warnings.evaluate_child(child) is None

    def test_an_open_warning_is_returned_and_not_repeated(self, child):
        # given a child with an open warning
        incident(child, 0, oss=True)
        first = warnings.evaluate_child(child)
        # when more incidents come in
        for offset in (1, 2, 3):
            incident(child, offset)
        # then the same warning is returned, and there is still one
        assert warnings.evaluate_child(child) == first
        assert EarlyWarning.objects.filter(child=child).count() == 1

    def test_a_closed_warning_is_not_raised_again_for_the_same_incidents(self, child, world):
        # given a warning for three incidents that the program's director closed
        for offset in (0, 1, 2):
            incident(child, offset)
        warning = warnings.evaluate_child(child)
        warnings.warning_close(actor=world.people["program_staff"], warning=warning, note="Family moved away")
        # when the child is evaluated again (an incident corrected, a rollup)
        # then no new warning
        assert warnings.evaluate_child(child) is None
        # and an isolated incident a month later does not raise one either
        incident(child, 30)
        assert warnings.evaluate_child(child) is None
        # but a new incident that makes the pattern cross the threshold again does
        incident(child, 31)
        incident(child, 32)
        again = warnings.evaluate_child(child)
        assert again is not None and again.pk != warning.pk
        assert (again.triggered_on, again.incident_count) == (recent_monday() + dt.timedelta(days=32), 3)

    def test_losing_the_race_to_open_the_warning_hands_back_the_winners(self, child, monkeypatch):
        # given a child crossing the threshold, and another writer opening the warning between our check
        # and our insert (what two incidents saved at once do on PostgreSQL; see the race test below)
        incident(child, 0, oss=True)
        real_trigger = warnings._trigger_for

        def trigger_then_someone_else_opens(*args: Any, **kwargs: Any) -> Any:
            found = real_trigger(*args, **kwargs)
            EarlyWarning.objects.create(network=child.network, program=child.program, child=child,
                                        reason=WarningReason.OSS, triggered_on=recent_monday())
            return found

        monkeypatch.setattr(warnings, "_trigger_for", trigger_then_someone_else_opens)
        # when the child is evaluated
        warning = warnings.evaluate_child(child)
        # then the unique constraint refused our insert and we got the other writer's warning
        assert warning == EarlyWarning.objects.get(child=child)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_incidents_saved_at_once_open_one_warning(world):
    # given a child with two incidents, and two people recording a third and a fourth at the same moment
    child = ChildFactory(program=world.program_a)
    incident(child, 0)
    incident(child, 1)

    def record(offset: int) -> EarlyWarning | None:
        from django.db import transaction

        with transaction.atomic():
            fresh = Child.objects.get(pk=child.pk)
            incident(fresh, offset)
            return warnings.evaluate_child(fresh)

    outcomes = at_once(2, record, prepare=lambda index: 2 + index)
    # then exactly one warning is open, and both writers were handed it
    assert EarlyWarning.objects.filter(child=child, status=WarningStatus.OPEN).count() == 1
    assert {getattr(outcome, "pk", outcome) for outcome in outcomes} == {EarlyWarning.objects.get(child=child).pk}


# --- acting on a warning ------------------------------------------------------------------------------


@pytest.fixture
def oss_warning(child) -> EarlyWarning:
    incident(child, 0, problem_behavior=birs.ProblemBehavior.DISRUPTION, notes="Mateo threw chairs")
    incident(child, 1, oss=True, problem_behavior=birs.ProblemBehavior.PHYSICAL_AGGRESSION)
    return warnings.evaluate_child(child)


class TestRequestFromWarning:
    def test_one_click_makes_an_urgent_request_about_the_child(self, oss_warning, world):
        # given an open warning (sent home) and the program's director
        staff = world.people["program_staff"]
        # when they ask for consultation from it
        request, created = warnings.warning_request_consultation(actor=staff, warning=oss_warning)
        # then an urgent, child-specific request at imminent risk names the child and the program
        assert created
        assert (request.child_id, request.program_id, request.child_specific, request.imminent_risk) == (
            oss_warning.child_id, world.program_a.pk, True, True)
        assert (request.priority, request.computed_priority) == (Priority.URGENT, Priority.URGENT)
        assert (request.requester_email, request.program_name, request.county_id) == (
            staff.email, "Sunrise Center", world.program_a.county_id)
        assert request.concern_categories == [ConcernCategory.BEHAVIOR]
        assert request.child_age_months == 48
        # and the concern is the pattern in words: the code and BIRS labels, never the notes
        text = request.concern_text
        assert "SUN-017" in text and "Sunrise Center" in text and "Sent home" in text
        assert "Disruption/Tantrums" in text and "Physical aggression" in text
        assert "Sent home for remainder of day" in text
        assert "Mateo" not in text
        # and the warning is linked to it, marked as requested, by them
        oss_warning.refresh_from_db()
        assert (oss_warning.status, oss_warning.request_id, oss_warning.closed_by_id) == (
            WarningStatus.REQUESTED, request.pk, staff.pk)
        assert AccessEvent.objects.filter(object_type="incidents.earlywarning", object_id=str(oss_warning.pk),
                                          action="update").exists()

    def test_a_second_click_gets_the_same_request(self, oss_warning, world):
        staff = world.people["program_staff"]
        first, _created = warnings.warning_request_consultation(actor=staff, warning=oss_warning)
        # when the button is pressed again (double click, reload)
        second, created = warnings.warning_request_consultation(actor=staff, warning=oss_warning)
        # then nothing new was made
        assert (second.pk, created, Request.objects.count()) == (first.pk, False, 1)

    def test_a_pattern_warning_is_urgent_but_not_marked_imminent_risk(self, child, world):
        for offset in (0, 1, 2):
            incident(child, offset)
        warning = warnings.evaluate_child(child)
        request, _created = warnings.warning_request_consultation(
            actor=world.people["regional_coordinator"], warning=warning)
        assert (request.imminent_risk, request.priority, request.requester_role) == (False, Priority.URGENT, "other")

    def test_the_concern_is_written_in_the_persons_language(self, oss_warning, world):
        # given a director who reads Spanish
        staff = world.people["program_staff"]
        staff.preferred_language = "es"
        staff.save(update_fields=["preferred_language"])
        # when they ask
        request, _created = warnings.warning_request_consultation(actor=staff, warning=oss_warning)
        # then the dates are written the Spanish way (day first), and the request is in Spanish
        sent_home_on = oss_warning.triggered_on
        assert sent_home_on.strftime("%d/%m/%Y") in request.concern_text
        assert request.preferred_language_id == "es"

    def test_staff_of_another_program_cannot(self, oss_warning, world):
        from abrazo.accounts.models import Role
        from abrazo.accounts.tests.factories import make_person

        outsider = make_person(world.network, Role.PROGRAM_STAFF, program=world.program_b)
        with pytest.raises(PermissionDenied):
            warnings.warning_request_consultation(actor=outsider, warning=oss_warning)
        assert not Request.objects.exists()

    def test_a_closed_warning_cannot_become_a_request(self, oss_warning, world):
        staff = world.people["program_staff"]
        warnings.warning_close(actor=staff, warning=oss_warning, note="Handled with the family")
        with pytest.raises(warnings.WarningNotOpen):
            warnings.warning_request_consultation(actor=staff, warning=oss_warning)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_clicks_make_one_request(world):
    # given an open warning, and two tabs pressing "Ask for consultation" at the same moment
    child = ChildFactory(program=world.program_a)
    incident(child, 0, oss=True)
    warning = warnings.evaluate_child(child)
    staff_pk = world.people["program_staff"].pk
    outcomes = at_once(2, lambda actor: warnings.warning_request_consultation(
        actor=actor, warning=EarlyWarning.objects.get(pk=warning.pk)),
        prepare=lambda _index: User.objects.get(pk=staff_pk))
    # then one request exists; one tab made it and the other was handed it
    assert Request.objects.count() == 1
    assert sorted(created for _request, created in outcomes) == [False, True]


class TestClose:
    def test_closing_needs_a_note_and_keeps_it(self, oss_warning, world):
        staff = world.people["program_staff"]
        with pytest.raises(ValidationError) as refused:
            warnings.warning_close(actor=staff, warning=oss_warning, note="   ")
        assert "note" in refused.value.message_dict
        closed = warnings.warning_close(actor=staff, warning=oss_warning, note=" Already   working with  a consultant")
        assert (closed.status, closed.close_note, closed.closed_by_id) == (
            WarningStatus.DISMISSED, "Already working with a consultant", staff.pk)
        assert closed.closed_at is not None

    def test_a_warning_already_requested_cannot_be_closed(self, oss_warning, world):
        staff = world.people["program_staff"]
        warnings.warning_request_consultation(actor=staff, warning=oss_warning)
        with pytest.raises(warnings.WarningNotOpen) as refused:
            warnings.warning_close(actor=staff, warning=oss_warning, note="Never mind")
        assert "already requested" in refused.value.message


class TestSettings:
    def data(self, **changes: Any) -> warnings.WarningSettingsData:
        values = {"incident_count": 4, "window_school_days": 15, "on_any_oss": True, "on_any_dismissal": True,
                  "on_soft_exclusion": False}
        values.update(changes)
        return warnings.WarningSettingsData(**values)

    def test_an_administrator_changes_the_thresholds(self, world):
        rules = warnings.warning_settings_update(actor=world.people["network_admin"], network=world.network,
                                                 data=self.data(), expected_version=1)
        assert (rules.incident_count, rules.window_school_days, rules.on_soft_exclusion) == (4, 15, False)

    def test_a_coordinator_cannot(self, world):
        with pytest.raises(PermissionDenied):
            warnings.warning_settings_update(actor=world.people["regional_coordinator"], network=world.network,
                                             data=self.data(), expected_version=1)

    def test_thresholds_out_of_range_are_refused(self, world):
        with pytest.raises(ValidationError) as refused:
            warnings.warning_settings_update(actor=world.people["network_admin"], network=world.network,
                                             data=self.data(incident_count=0, window_school_days=500),
                                             expected_version=1)
        assert set(refused.value.message_dict) == {"incident_count", "window_school_days"}

"""Reads of the roster and incidents: what each role reaches, the 404s outside it, and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action, Outcome
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ClassroomFactory
from abrazo.incidents import selectors
from abrazo.incidents.selectors import ChildFilters, IncidentFilters
from abrazo.incidents.tests.factories import ChildFactory, HookCalls, IncidentFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def hooks(monkeypatch):
    return HookCalls.install(monkeypatch)


@pytest.fixture
def roster(world):
    """One child at program A, one at program B (same network, region B), one in the other network."""
    return {
        "a": ChildFactory(program=world.program_a, code="A-1"),
        "b": ChildFactory(program=world.program_b, code="B-1"),
        "other": ChildFactory(program=world.other_program, code="O-1"),
    }


def engage(world):
    """Give the world's consultant (supervised by the world's supervisor) an episode at program A."""
    EpisodeFactory(program=world.program_a,
                   consultant=ConsultantProfile.objects.get(user=world.people["consultant"]))


def codes(queryset):
    return sorted(child.code for child in queryset)


class TestRosterScope:
    @pytest.mark.parametrize(("role", "expected"), [
        ("network_admin", ["A-1", "B-1"]),
        ("regional_coordinator", ["A-1"]),
        ("program_staff", ["A-1"]),
        ("consultant", ["A-1"]),
        ("supervisor", ["A-1"]),
        ("evaluator", []),
    ])
    def test_each_role_sees_its_scope_and_never_another_network(self, world, roster, role, expected):
        engage(world)
        assert codes(selectors.child_queryset_for(user=world.people[role])) == expected

    def test_a_consultant_without_an_episode_sees_no_child(self, world, roster):
        assert codes(selectors.child_queryset_for(user=world.people["consultant"])) == []

    def test_filters_by_program_classroom_and_code(self, world, roster):
        # given two more children at program A, one in the Butterflies room
        room = ClassroomFactory(program=world.program_a, name="Butterflies")
        ChildFactory(program=world.program_a, code="A-2", classroom=room)
        ChildFactory(program=world.program_a, code="ZZ-9")
        admin = world.people["network_admin"]
        # then each filter narrows the list
        assert codes(selectors.child_queryset_for(user=admin, filters=ChildFilters(program_id=world.program_b.pk))) \
            == ["B-1"]
        assert codes(selectors.child_queryset_for(user=admin, filters=ChildFilters(classroom_id=room.pk))) == ["A-2"]
        assert codes(selectors.child_queryset_for(user=admin, filters=ChildFilters(query="a-"))) == ["A-1", "A-2"]


class TestChildDetail:
    def test_opening_a_child_is_audited(self, world, roster):
        staff = world.people["program_staff"]
        child = selectors.child_get_for(user=staff, child_id=roster["a"].pk)
        assert child == roster["a"]
        event = AccessEvent.objects.get(action=Action.VIEW, object_type="incidents.child")
        assert (event.user_id, event.object_id, event.outcome) == (staff.pk, str(child.pk), Outcome.ALLOWED)

    @pytest.mark.parametrize(("role", "key"), [
        ("program_staff", "b"), ("regional_coordinator", "b"), ("network_admin", "other"), ("evaluator", "a"),
        ("consultant", "b"),
    ])
    def test_a_child_outside_the_scope_does_not_exist_and_the_attempt_is_logged(self, world, roster, role, key):
        engage(world)
        with pytest.raises(Http404):
            selectors.child_get_for(user=world.people[role], child_id=roster[key].pk)
        denied = AccessEvent.objects.get(outcome=Outcome.DENIED)
        assert (denied.user_id, denied.object_type, denied.object_id) == (
            world.people[role].pk, "incidents.child", str(roster[key].pk))

    def test_the_roster_page_is_audited_with_the_ids_it_showed(self, world, roster):
        staff = world.people["program_staff"]
        shown = list(selectors.child_queryset_for(user=staff))
        selectors.child_page_record(user=staff, children=shown)
        selectors.child_page_record(user=staff, children=shown, searched=True)
        listed = AccessEvent.objects.get(action=Action.LIST)
        assert listed.object_ids == [str(roster["a"].pk)]
        assert AccessEvent.objects.filter(action=Action.SEARCH, object_type="incidents.child").count() == 1

    def test_the_childs_records_are_listed_and_audited(self, world, roster):
        # given two incidents of child A, one excluding
        first = IncidentFactory(child=roster["a"], occurred_on=TODAY() - dt.timedelta(days=9))
        second = IncidentFactory(child=roster["a"], occurred_on=TODAY() - dt.timedelta(days=2), oss=True)
        staff = world.people["program_staff"]
        # when the child's page reads them
        records = selectors.child_records_for(user=staff, child=roster["a"])
        # then they come latest first, and the incident ids are in the ledger
        assert records.incidents == [second, first]
        assert len(records.enrollments) == 1
        event = AccessEvent.objects.get(action=Action.LIST, object_type="incidents.incident")
        assert sorted(event.object_ids) == sorted([str(first.pk), str(second.pk)])


class TestIncidents:
    def test_filters_program_dates_and_exclusions(self, world, roster):
        admin = world.people["network_admin"]
        old = IncidentFactory(child=roster["a"], occurred_on=TODAY() - dt.timedelta(days=60))
        recent = IncidentFactory(child=roster["a"], occurred_on=TODAY() - dt.timedelta(days=3), oss=True)
        at_b = IncidentFactory(child=roster["b"], occurred_on=TODAY() - dt.timedelta(days=3), iss=True)
        IncidentFactory(child=roster["other"])  # never in this network's lists

        def listed(**filters):
            return list(selectors.incident_queryset_for(user=admin, filters=IncidentFilters(**filters)))

        # most recent first; on the same day and time, the one recorded last comes first
        assert listed() == [at_b, recent, old]
        assert listed(program_id=world.program_a.pk) == [recent, old]
        assert set(listed(since=TODAY() - dt.timedelta(days=10))) == {recent, at_b}
        assert listed(until=TODAY() - dt.timedelta(days=10)) == [old]
        assert set(listed(exclusion_only=True)) == {recent, at_b}

    def test_program_staff_see_only_their_programs_incidents(self, world, roster):
        mine = IncidentFactory(child=roster["a"])
        IncidentFactory(child=roster["b"])
        assert list(selectors.incident_queryset_for(user=world.people["program_staff"])) == [mine]
        assert list(selectors.incident_queryset_for(user=world.people["evaluator"])) == []

    def test_an_incident_outside_the_scope_is_a_404(self, world, roster):
        outside = IncidentFactory(child=roster["b"])
        with pytest.raises(Http404):
            selectors.incident_get_for(user=world.people["program_staff"], incident_id=outside.pk)

    def test_the_incident_form_offers_children_enrolled_within_the_last_year(self, world):
        # given a current child, one who left two years ago, and one who left last month
        current = ChildFactory(program=world.program_a, code="NOW")
        long_gone = ChildFactory(program=world.program_a, code="GONE",
                                 enrolled__start=TODAY() - dt.timedelta(days=1000),
                                 enrolled__end=TODAY() - dt.timedelta(days=700))
        recent = ChildFactory(program=world.program_a, code="LEFT", enrolled__start=TODAY() - dt.timedelta(days=300),
                              enrolled__end=TODAY() - dt.timedelta(days=30))
        ChildFactory(program=world.program_b, code="ELSEWHERE")
        # then the form offers the current and recent children, and the gone one only when already chosen
        assert list(selectors.roster_for_incidents(program=world.program_a)) == [recent, current]
        assert list(selectors.roster_for_incidents(program=world.program_a, include=long_gone.pk)) == [
            long_gone, recent, current]

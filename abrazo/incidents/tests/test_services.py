"""The roster, incident and exclusion services: their rules, the exclusions they derive, and their hooks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.core.concurrency import StaleEditError
from abrazo.core.submissions import AlreadySubmitted
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ClassroomFactory
from abrazo.incidents import birs, services
from abrazo.incidents.models import Enrollment, Exclusion, ExclusionKind, Gender, Incident, RaceEthnicity
from abrazo.incidents.services import ChildData, ExclusionData, IncidentData
from abrazo.incidents.tests.factories import ChildFactory, ExclusionFactory, HookCalls, IncidentFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def hooks(monkeypatch):
    return HookCalls.install(monkeypatch)


@pytest.fixture
def staff(world):
    return world.people["program_staff"]  # director of program A


@pytest.fixture
def child(world):
    return ChildFactory(program=world.program_a, code="SUN-001")


def incident_data(child, **changes):
    """Pushing a peer outdoors yesterday, redirected, family contacted: no exclusion unless changed."""
    usual = IncidentData(
        child=child, occurred_on=TODAY() - dt.timedelta(days=1), occurred_at=dt.time(9, 15),
        problem_behavior=birs.ProblemBehavior.PHYSICAL_AGGRESSION, activity=birs.Activity.OUTDOOR,
        others_involved=birs.OthersInvolved.PEERS, possible_motivation=birs.PossibleMotivation.OBTAIN_ITEM,
        strategy_response=birs.StrategyResponse.REDIRECT, admin_follow_up=birs.AdminFollowUp.CONTACT_FAMILY,
    )
    return dataclasses.replace(usual, **changes)


def field_errors(excinfo):
    return excinfo.value.message_dict


class TestChildren:
    def test_a_new_child_is_on_the_roster_with_an_open_enrolment(self, world, staff, hooks):
        # given a classroom of program A
        room = ClassroomFactory(program=world.program_a, name="Butterflies")
        # when the director adds a child enrolled from September 1st last year
        start = TODAY() - dt.timedelta(days=200)
        child = services.child_create(
            actor=staff, program=world.program_a, enrolled_from=start,
            data=ChildData(code="  SUN-042 ", classroom=room, race_ethnicity=RaceEthnicity.BLACK, gender=Gender.GIRL,
                           dll=True),
        )
        # then the child has the trimmed code, the program's network, and one open period in that classroom
        assert (child.code, child.network_id, child.race_ethnicity, child.dll) == (
            "SUN-042", world.network.pk, "black", True)
        assert list(child.enrollments.values_list("start_date", "end_date", "classroom_id")) == [(start, None, room.pk)]
        # and the creation is audited, and the hooks ran for the child
        assert AccessEvent.objects.filter(action=Action.CREATE, object_id=str(child.pk)).count() == 1
        assert hooks.evaluated == [child.pk]
        assert hooks.refreshed == [child.pk]

    def test_a_code_is_unique_in_its_program_whatever_the_case(self, world, staff, child):
        with pytest.raises(ValidationError) as refused:
            services.child_create(actor=staff, program=world.program_a, data=ChildData(code="sun-001"))
        assert "already has the code" in field_errors(refused)["code"][0]

    def test_the_same_code_may_exist_in_another_program(self, world, child):
        other = services.child_create(actor=world.people["network_admin"], program=world.program_b,
                                      data=ChildData(code="SUN-001"))
        assert other.program_id == world.program_b.pk

    def test_a_classroom_of_another_program_is_refused(self, world, staff):
        room_b = ClassroomFactory(program=world.program_b)
        with pytest.raises(ValidationError) as refused:
            services.child_create(actor=staff, program=world.program_a, data=ChildData(code="X1", classroom=room_b))
        assert "classroom" in field_errors(refused)

    @pytest.mark.parametrize("role", ["evaluator", "consultant", "supervisor"])
    def test_roles_without_child_edit_cannot_add_children(self, world, role):
        with pytest.raises(PermissionDenied):
            services.child_create(actor=world.people[role], program=world.program_a, data=ChildData(code="X1"))

    def test_program_staff_cannot_add_children_to_another_program(self, world, staff):
        with pytest.raises(PermissionDenied):
            services.child_create(actor=staff, program=world.program_b, data=ChildData(code="X1"))

    def test_a_stale_edit_is_refused_and_changes_nothing(self, staff, child):
        # given someone else saved the child after this editor loaded version 1
        services.child_update(actor=staff, child=child, expected_version=1,
                              data=ChildData(code="SUN-001", gender=Gender.GIRL))
        # when the editor saves their version-1 form
        with pytest.raises(StaleEditError):
            services.child_update(actor=staff, child=child, expected_version=1,
                                  data=ChildData(code="SUN-001", gender=Gender.BOY, iep=True))
        # then the first save stands
        child.refresh_from_db()
        assert (child.gender, child.iep, child.version) == ("girl", False, 2)


class TestEnrolments:
    def test_a_period_that_overlaps_another_is_refused(self, staff, child):
        with pytest.raises(ValidationError) as refused:
            services.enrollment_add(actor=staff, child=child, start_date=TODAY() - dt.timedelta(days=30))
        assert "overlaps" in field_errors(refused)["start_date"][0]

    def test_a_child_who_comes_back_gets_a_second_period(self, staff, child, hooks):
        # given the child left a month ago
        first = child.enrollments.get()
        services.enrollment_end(actor=staff, enrollment=first, end_date=TODAY() - dt.timedelta(days=30),
                                reason="moved")
        # when they come back today
        services.enrollment_add(actor=staff, child=child, start_date=TODAY())
        # then they have two periods and the hooks ran for each write
        assert list(child.enrollments.order_by("start_date").values_list("end_date", flat=True)) == [
            TODAY() - dt.timedelta(days=30), None]
        assert hooks.evaluated == [child.pk, child.pk]

    def test_ending_an_enrolment_before_a_recorded_incident_is_refused(self, staff, child):
        # given an incident ten days ago
        IncidentFactory(child=child, occurred_on=TODAY() - dt.timedelta(days=10))
        # when the enrolment is ended twenty days ago
        with pytest.raises(ValidationError) as refused:
            services.enrollment_end(actor=staff, enrollment=child.enrollments.get(),
                                    end_date=TODAY() - dt.timedelta(days=20), reason="moved")
        # then it is refused, naming the incident's date, and the period stays open
        assert (TODAY() - dt.timedelta(days=10)).isoformat() in field_errors(refused)["end_date"][0]
        assert Enrollment.objects.get(child=child).end_date is None

    def test_an_end_before_the_start_is_refused(self, staff, child):
        enrollment = child.enrollments.get()
        with pytest.raises(ValidationError) as refused:
            services.enrollment_end(actor=staff, enrollment=enrollment,
                                    end_date=enrollment.start_date - dt.timedelta(days=1), reason="moved")
        assert "end_date" in field_errors(refused)


class TestRecordingIncidents:
    def test_an_incident_is_recorded_with_the_childs_classroom_and_audited(self, world, staff, hooks):
        # given a child in the Butterflies room
        room = ClassroomFactory(program=world.program_a, name="Butterflies")
        child = ChildFactory(program=world.program_a, classroom=room)
        # when the director records an incident without choosing a classroom
        incident = services.incident_record(actor=staff, program=world.program_a,
                                            data=incident_data(child, notes="  Pushed a peer at the slide. "))
        # then it is stored in the child's classroom, at program A, by the director, with no exclusion
        incident.refresh_from_db()
        assert (incident.classroom_id, incident.program_id, incident.network_id, incident.recorded_by_id) == (
            room.pk, world.program_a.pk, world.network.pk, staff.pk)
        assert incident.notes == "Pushed a peer at the slide."
        assert not incident.is_exclusion
        assert not Exclusion.objects.exists()
        assert AccessEvent.objects.filter(action=Action.CREATE, object_type="incidents.incident",
                                          object_id=str(incident.pk)).exists()
        # and the child's early warning was evaluated and the rollup refresh scheduled
        assert hooks.evaluated == [child.pk]
        assert hooks.refreshed == [child.pk]

    @pytest.mark.parametrize(("response", "follow_up", "kind", "days"), [
        ("redirect", "sent_home_rest_of_day", ExclusionKind.OSS, Decimal("0.5")),
        ("redirect", "sent_home_days", ExclusionKind.OSS, Decimal("1")),
        ("redirect", "dismissal", ExclusionKind.DISMISSAL, Decimal("0")),
        ("time_outside_classroom", "contact_family", ExclusionKind.ISS, Decimal("0")),
        ("redirect", "temporary_removal", ExclusionKind.ISS, Decimal("0")),
        ("redirect", "reduce_hours", ExclusionKind.REDUCED_HOURS, Decimal("0")),
        ("redirect", "conditional_enrollment", ExclusionKind.CONDITIONAL_ENROLLMENT, Decimal("0")),
        ("redirect", "transfer", ExclusionKind.TRANSFER, Decimal("0")),
        # Sent home and removed from the classroom: the exclusion that loses care is the one recorded.
        ("time_outside_classroom", "sent_home_rest_of_day", ExclusionKind.OSS, Decimal("0.5")),
    ])
    def test_an_excluding_incident_records_its_exclusion(self, world, staff, child, response, follow_up, kind,
                                                         days):
        # when the incident's response or follow-up excludes the child
        incident = services.incident_record(actor=staff, program=world.program_a, data=incident_data(
            child, strategy_response=response, admin_follow_up=follow_up))
        # then one exclusion of the matching kind, with the default days lost, is linked to it
        exclusion = Exclusion.objects.get()
        assert (exclusion.incident_id, exclusion.child_id, exclusion.kind, exclusion.days_lost) == (
            incident.pk, child.pk, kind, days)
        assert exclusion.starts_on == incident.occurred_on
        assert exclusion.program_id == world.program_a.pk

    def test_a_future_date_is_refused(self, world, staff, child):
        with pytest.raises(ValidationError) as refused:
            services.incident_record(actor=staff, program=world.program_a,
                                     data=incident_data(child, occurred_on=TODAY() + dt.timedelta(days=1)))
        assert "future" in field_errors(refused)["occurred_on"][0]
        assert not Incident.objects.exists()

    def test_a_date_outside_every_enrolment_is_refused_with_the_periods(self, world, staff):
        # given a child enrolled only from ten days ago
        child = ChildFactory(program=world.program_a, code="NEW-1", enrolled__start=TODAY() - dt.timedelta(days=10))
        # when an incident is recorded twenty days ago
        with pytest.raises(ValidationError) as refused:
            services.incident_record(actor=staff, program=world.program_a,
                                     data=incident_data(child, occurred_on=TODAY() - dt.timedelta(days=20)))
        # then the message says the child was not enrolled, and from when they are
        message = field_errors(refused)["occurred_on"][0]
        assert "NEW-1 was not enrolled" in message
        assert (TODAY() - dt.timedelta(days=10)).isoformat() in message

    def test_a_child_with_no_enrolment_cannot_have_incidents(self, world, staff):
        child = ChildFactory(program=world.program_a, code="NONE-1", enrolled=False)
        with pytest.raises(ValidationError) as refused:
            services.incident_record(actor=staff, program=world.program_a, data=incident_data(child))
        assert "no enrolment period" in field_errors(refused)["occurred_on"][0]

    def test_the_child_must_be_on_the_programs_roster(self, world):
        child_b = ChildFactory(program=world.program_b)
        with pytest.raises(ValidationError) as refused:
            services.incident_record(actor=world.people["network_admin"], program=world.program_a,
                                     data=incident_data(child_b))
        assert "child" in field_errors(refused)

    def test_the_classroom_must_belong_to_the_program(self, world, staff, child):
        with pytest.raises(ValidationError) as refused:
            services.incident_record(actor=staff, program=world.program_a,
                                     data=incident_data(child, classroom=ClassroomFactory(program=world.program_b)))
        assert "classroom" in field_errors(refused)

    def test_an_unknown_birs_option_is_refused(self, world, staff, child):
        with pytest.raises(ValidationError) as refused:
            services.incident_record(actor=staff, program=world.program_a,
                                     data=incident_data(child, activity="recess"))
        assert "activity" in field_errors(refused)

    def test_a_double_submit_records_one_incident(self, world, staff, child):
        # given the form was sent once
        key = uuid.uuid4()
        first = services.incident_record(actor=staff, program=world.program_a, data=incident_data(child),
                                         submission_key=key)
        # when the same form arrives again
        with pytest.raises(AlreadySubmitted) as again:
            services.incident_record(actor=staff, program=world.program_a, data=incident_data(child),
                                     submission_key=key)
        # then it names the first incident and no second one exists
        assert again.value.existing == first
        assert Incident.objects.count() == 1

    def test_a_consultant_records_incidents_only_where_they_hold_an_episode(self, world, child):
        consultant = world.people["consultant"]
        # given no episode yet: refused
        with pytest.raises(PermissionDenied):
            services.incident_record(actor=consultant, program=world.program_a, data=incident_data(child))
        # when the consultant holds an episode at program A: allowed there, never at program B
        EpisodeFactory(program=world.program_a, consultant=ConsultantProfile.objects.get(user=consultant))
        incident = services.incident_record(actor=consultant, program=world.program_a, data=incident_data(child))
        assert incident.recorded_by_id == consultant.pk
        with pytest.raises(PermissionDenied):
            services.incident_record(actor=consultant, program=world.program_b,
                                     data=incident_data(ChildFactory(program=world.program_b)))

    @pytest.mark.parametrize("role", ["supervisor", "regional_coordinator", "evaluator"])
    def test_roles_without_incident_record_are_refused(self, world, child, role):
        with pytest.raises(PermissionDenied):
            services.incident_record(actor=world.people[role], program=world.program_a, data=incident_data(child))


class TestCorrectingIncidents:
    def record(self, world, staff, child, **changes):
        return services.incident_record(actor=staff, program=world.program_a, data=incident_data(child, **changes))

    def test_a_new_follow_up_changes_the_exclusion_and_its_default_days(self, world, staff, child):
        # given an incident that sent the child home for the rest of the day (0.5 days by default)
        incident = self.record(world, staff, child, admin_follow_up="sent_home_rest_of_day")
        # when it is corrected to "sent home for 1 or more days"
        services.incident_update(actor=staff, incident=incident, expected_version=1,
                                 data=incident_data(child, admin_follow_up="sent_home_days"))
        # then the same exclusion now loses the new default, 1 day
        exclusion = Exclusion.objects.get()
        assert (exclusion.kind, exclusion.days_lost) == (ExclusionKind.OSS, Decimal("1"))
        incident.refresh_from_db()
        assert incident.is_oss and incident.version == 2

    def test_days_lost_typed_by_a_person_survive_a_correction(self, world, staff, child):
        # given the exclusion's days lost were set by hand to 3
        incident = self.record(world, staff, child, admin_follow_up="sent_home_days")
        exclusion = Exclusion.objects.get()
        services.exclusion_update(actor=staff, exclusion=exclusion, expected_version=exclusion.version,
                                  data=ExclusionData(kind="oss", starts_on=exclusion.starts_on, days_lost=Decimal("3")))
        # when the incident's follow-up is corrected to another sending home
        services.incident_update(actor=staff, incident=incident, expected_version=1,
                                 data=incident_data(child, admin_follow_up="sent_home_rest_of_day"))
        # then the typed 3 days stay
        assert Exclusion.objects.get().days_lost == Decimal("3")

    def test_an_incident_corrected_to_no_exclusion_loses_its_exclusion(self, world, staff, child):
        incident = self.record(world, staff, child, admin_follow_up="dismissal")
        updated = services.incident_update(actor=staff, incident=incident, expected_version=1,
                                           data=incident_data(child, admin_follow_up="family_meeting"))
        assert not Exclusion.objects.exists()
        assert not updated.is_dismissal
        assert Incident.objects.get().is_dismissal is False
        assert AccessEvent.objects.filter(action=Action.DELETE, object_type="incidents.exclusion").count() == 1

    def test_an_incident_corrected_to_an_exclusion_gains_one(self, world, staff, child):
        incident = self.record(world, staff, child)
        services.incident_update(actor=staff, incident=incident, expected_version=1,
                                 data=incident_data(child, strategy_response="time_outside_classroom"))
        assert Exclusion.objects.get().kind == ExclusionKind.ISS
        assert Incident.objects.get().is_iss is True

    def test_a_new_date_moves_the_exclusion_with_it(self, world, staff, child):
        incident = self.record(world, staff, child, admin_follow_up="sent_home_days")
        new_day = TODAY() - dt.timedelta(days=5)
        services.incident_update(actor=staff, incident=incident, expected_version=1,
                                 data=incident_data(child, admin_follow_up="sent_home_days", occurred_on=new_day))
        assert Exclusion.objects.get().starts_on == new_day

    def test_moving_an_incident_to_another_child_re_evaluates_both(self, world, staff, child, hooks):
        # given an incident recorded for the wrong child
        other = ChildFactory(program=world.program_a)
        incident = self.record(world, staff, child, admin_follow_up="sent_home_days")
        hooks.evaluated.clear()
        hooks.refreshed.clear()
        # when it is moved to the right child
        services.incident_update(actor=staff, incident=incident, expected_version=1,
                                 data=incident_data(other, admin_follow_up="sent_home_days"))
        # then the exclusion follows, and both children are evaluated and refreshed
        assert Exclusion.objects.get().child_id == other.pk
        assert hooks.evaluated == [other.pk, child.pk]
        assert hooks.refreshed == [other.pk, child.pk]

    def test_a_stale_correction_is_refused_and_changes_nothing(self, world, staff, child):
        incident = self.record(world, staff, child)
        services.incident_update(actor=staff, incident=Incident.objects.get(), expected_version=1,
                                 data=incident_data(child, activity="meals"))
        with pytest.raises(StaleEditError):
            services.incident_update(actor=staff, incident=incident, expected_version=1,
                                     data=incident_data(child, admin_follow_up="dismissal"))
        stored = Incident.objects.get()
        assert (stored.activity, stored.admin_follow_up, stored.version) == ("meals", "contact_family", 2)
        assert not Exclusion.objects.exists()


class TestExclusionsOnTheirOwn:
    def test_reduced_hours_are_recorded_without_an_incident(self, world, staff, child, hooks):
        exclusion = services.exclusion_record(actor=staff, child=child, data=ExclusionData(
            kind="reduced_hours", starts_on=TODAY() - dt.timedelta(days=3), days_lost=Decimal("2.5"),
            notes=" Mornings only "))
        exclusion.refresh_from_db()
        assert (exclusion.incident_id, exclusion.kind, exclusion.days_lost, exclusion.notes) == (
            None, "reduced_hours", Decimal("2.5"), "Mornings only")
        assert hooks.evaluated == [child.pk]

    def test_an_exclusion_must_start_while_the_child_is_enrolled_and_not_in_the_future(self, staff, child):
        with pytest.raises(ValidationError) as future:
            services.exclusion_record(actor=staff, child=child, data=ExclusionData(
                kind="oss", starts_on=TODAY() + dt.timedelta(days=2)))
        assert "starts_on" in field_errors(future)
        with pytest.raises(ValidationError) as before:
            services.exclusion_record(actor=staff, child=child, data=ExclusionData(
                kind="oss", starts_on=TODAY() - dt.timedelta(days=800)))
        assert "not enrolled" in field_errors(before)["starts_on"][0]

    def test_an_exclusion_from_an_incident_keeps_the_incidents_kind(self, world, staff, child):
        services.incident_record(actor=staff, program=world.program_a,
                                 data=incident_data(child, admin_follow_up="sent_home_days"))
        exclusion = Exclusion.objects.get()
        with pytest.raises(ValidationError) as refused:
            services.exclusion_update(actor=staff, exclusion=exclusion, expected_version=exclusion.version,
                                      data=ExclusionData(kind="dismissal", starts_on=exclusion.starts_on))
        assert "edit the incident" in field_errors(refused)["kind"][0]

    def test_a_stale_exclusion_edit_is_refused(self, staff, child):
        exclusion = ExclusionFactory(child=child)
        services.exclusion_update(actor=staff, exclusion=exclusion, expected_version=1,
                                  data=ExclusionData(kind="oss", starts_on=exclusion.starts_on, days_lost=Decimal("1")))
        with pytest.raises(StaleEditError):
            services.exclusion_update(actor=staff, exclusion=exclusion, expected_version=1,
                                      data=ExclusionData(kind="oss", starts_on=exclusion.starts_on,
                                                         days_lost=Decimal("2")))
        assert Exclusion.objects.get().days_lost == Decimal("1")

    def test_program_staff_of_another_program_cannot_touch_it(self, world):
        exclusion = ExclusionFactory(child=ChildFactory(program=world.program_b))
        with pytest.raises(PermissionDenied):
            services.exclusion_update(actor=world.people["program_staff"], exclusion=exclusion, expected_version=1,
                                      data=ExclusionData(kind="oss", starts_on=exclusion.starts_on))


@pytest.mark.parametrize(("response", "follow_up", "expected"), [
    ("verbal_reminder", "not_applicable", None),
    ("time_out", "talk_with_child", None),
    ("time_outside_classroom", "reduce_hours", ("reduced_hours", Decimal("0"))),
    ("time_outside_classroom", "dismissal", ("dismissal", Decimal("0"))),
])
def test_derived_exclusion_picks_the_most_consequential(response, follow_up, expected):
    assert services.derived_exclusion(response, follow_up) == expected


def test_every_exclusion_derived_matches_the_birs_outcomes():
    # Whenever BIRS counts an incident as ISS, OSS or dismissal, an exclusion record is made for it.
    for response in birs.StrategyResponse.values:
        for follow_up in birs.AdminFollowUp.values:
            excluding = len(birs.outcomes_of(response, follow_up)) > 1
            if excluding:
                assert services.derived_exclusion(response, follow_up) is not None, (response, follow_up)

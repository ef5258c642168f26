"""Writes of the cohort area: cohorts, sessions, attendance, assignments, completion, withdrawal, reissue."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from abrazo.audit.models import AccessEvent
from abrazo.core.concurrency import StaleEditError
from abrazo.directory.tests.factories import ConsultantProfileFactory, NetworkFactory, RegionFactory
from abrazo.workforce import certificates
from abrazo.workforce import cohort_services as services
from abrazo.workforce.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    Participant,
    ParticipantStatus,
)
from abrazo.workforce.tests.factories_cohort import (
    AssignmentCompletionFactory,
    AttendanceFactory,
    ParticipantFactory,
    SessionFactory,
    attend_everything,
    cohort_with_sessions,
    graduate,
)

pytestmark = pytest.mark.django_db
D = Decimal


def cohort_data(**fields):
    values = {"name": "Cohort 2026-27", "starts_on": date(2026, 9, 1), "ends_on": date(2027, 5, 1)}
    values.update(fields)
    return services.CohortData(**values)


# --- cohorts -------------------------------------------------------------------------------------------


def test_admin_creates_a_network_wide_cohort_once_even_when_submitted_twice(world):
    # given the network admin and one submission key
    admin = world.people["network_admin"]
    key = __import__("uuid").uuid4()
    # when the same form is sent twice
    first = services.cohort_create(actor=admin, network=world.network, data=cohort_data(), submission_key=key)
    with pytest.raises(services.AlreadySubmitted) as again:
        services.cohort_create(actor=admin, network=world.network, data=cohort_data(), submission_key=key)
    # then one cohort exists, and the second submit names it
    assert Cohort.objects.filter(network=world.network).count() == 1
    assert again.value.existing == first
    assert AccessEvent.objects.filter(object_type="workforce.cohort", object_id=str(first.pk),
                                      action="create").exists()


def test_coordinator_runs_cohorts_of_their_own_region_only(world):
    coordinator = world.people["regional_coordinator"]  # region A
    cohort = services.cohort_create(actor=coordinator, network=world.network, data=cohort_data(region=world.region_a))
    assert cohort.region == world.region_a
    for region in (world.region_b, None):
        with pytest.raises(ValidationError) as refused:
            services.cohort_create(actor=coordinator, network=world.network, data=cohort_data(region=region))
        assert "region" in refused.value.message_dict


def test_a_region_of_another_network_is_refused(world):
    elsewhere = RegionFactory(network=NetworkFactory())
    with pytest.raises(ValidationError) as refused:
        services.cohort_create(actor=world.people["network_admin"], network=world.network,
                               data=cohort_data(region=elsewhere))
    assert refused.value.message_dict["region"] == ["Choose a region of this network."]


@pytest.mark.parametrize("role", ["supervisor", "evaluator", "consultant", "program_staff"])
def test_roles_without_cohort_manage_cannot_create(world, role):
    with pytest.raises(PermissionDenied):
        services.cohort_create(actor=world.people[role], network=world.network, data=cohort_data())


def test_a_cohort_cannot_end_before_it_starts(world):
    with pytest.raises(ValidationError) as refused:
        services.cohort_create(actor=world.people["network_admin"], network=world.network,
                               data=cohort_data(ends_on=date(2026, 8, 1)))
    assert "ends_on" in refused.value.message_dict


def test_a_stale_cohort_edit_is_caught(world):
    admin = world.people["network_admin"]
    cohort = services.cohort_create(actor=admin, network=world.network, data=cohort_data())
    services.cohort_update(actor=admin, cohort=cohort, expected_version=1, data=cohort_data(name="Renamed"))
    with pytest.raises(StaleEditError):
        services.cohort_update(actor=admin, cohort=Cohort.objects.get(pk=cohort.pk), expected_version=1,
                               data=cohort_data(name="Renamed again"))
    assert Cohort.objects.get(pk=cohort.pk).name == "Renamed"


# --- sessions ----------------------------------------------------------------------------------------


def test_a_session_number_is_used_once_per_cohort(world):
    cohort = cohort_with_sessions(network=world.network, sessions=2)
    data = services.SessionData(number=2, title="Again", held_on=date(2026, 3, 1), hours=D(3))
    with pytest.raises(ValidationError) as refused:
        services.session_create(actor=world.people["network_admin"], cohort=cohort, data=data)
    assert refused.value.message_dict["number"] == ["This cohort already has a session 2."]


def test_changing_a_sessions_hours_moves_the_credit_of_those_present(world):
    # given a 3-hour session, one participant present (3 h) and one there for 1.5 h
    admin = world.people["network_admin"]
    session = SessionFactory(cohort=cohort_with_sessions(network=world.network, sessions=0), number=1, hours=D(3))
    present = AttendanceFactory(session=session)
    partial = AttendanceFactory(session=session, status=AttendanceStatus.PARTIAL, hours=D("1.5"))
    # when the session is corrected to 2.5 hours
    data = services.SessionData(number=1, title="Session 1", held_on=session.held_on, hours=D("2.5"))
    services.session_update(actor=admin, session=session, expected_version=session.version, data=data)
    # then the person present is credited 2.5 hours and the partial credit is untouched
    present.refresh_from_db()
    partial.refresh_from_db()
    assert (present.hours, partial.hours) == (D("2.5"), D("1.5"))
    # and a session shorter than a partial credit is refused
    session.refresh_from_db()
    shorter = services.SessionData(number=1, title="Session 1", held_on=session.held_on, hours=D(1))
    with pytest.raises(ValidationError) as refused:
        services.session_update(actor=admin, session=session, expected_version=session.version, data=shorter)
    assert "correct their attendance first" in refused.value.message_dict["hours"][0]


def test_a_sessions_hours_cannot_change_once_graduates_were_present(world):
    # given a cohort of one 3-hour session, two graduates present at it and one participant still enrolled
    admin = world.people["network_admin"]
    cohort = cohort_with_sessions(network=world.network, sessions=1)
    session = cohort.sessions.get()
    first, second = graduate(cohort=cohort), graduate(cohort=cohort)
    AttendanceFactory(session=session)
    # when the session is corrected to 2.5 hours
    data = services.SessionData(number=1, title="Session 1", held_on=session.held_on, hours=D("2.5"))
    with pytest.raises(ValidationError) as refused:
        services.session_update(actor=admin, session=session, expected_version=session.version, data=data)
    # then it is refused, saying how many graduates and that their certificates would change
    assert refused.value.message_dict["hours"] == [
        "2 participants who have completed the cohort were present at this session: changing its hours would "
        "change the hours on their certificates, so the session's hours can no longer be changed."]
    # and nobody's credit moved
    session.refresh_from_db()
    assert session.hours == D(3)
    assert set(Attendance.objects.filter(session=session).values_list("hours", flat=True)) == {D(3)}
    for person in (first, second):
        assert Attendance.objects.get(participant=person.participant).hours == D(3)
    # but the session's other details can still be corrected
    retitled = services.SessionData(number=1, title="Session 1: attachment", held_on=session.held_on, hours=D(3))
    services.session_update(actor=admin, session=session, expected_version=session.version, data=retitled)
    assert CohortSession.objects.get(pk=session.pk).title == "Session 1: attachment"


def test_one_graduate_is_named_in_the_singular_and_a_graduate_there_for_part_does_not_block(world):
    admin = world.people["network_admin"]
    cohort = cohort_with_sessions(network=world.network, sessions=1)
    session = cohort.sessions.get()
    # given one graduate present
    present = graduate(cohort=cohort)
    longer = services.SessionData(number=1, title="Session 1", held_on=session.held_on, hours=D("3.5"))
    with pytest.raises(ValidationError) as refused:
        services.session_update(actor=admin, session=session, expected_version=session.version, data=longer)
    assert refused.value.message_dict["hours"][0].startswith(
        "1 participant who has completed the cohort was present at this session")
    assert "their certificate, so" in refused.value.message_dict["hours"][0]
    # when that graduate's credit is for part of the session instead (their own hours, which do not follow the
    # session's), the session may be made longer
    Attendance.objects.filter(participant=present.participant).update(status=AttendanceStatus.PARTIAL, hours=D(2))
    services.session_update(actor=admin, session=session, expected_version=session.version, data=longer)
    assert Attendance.objects.get(participant=present.participant).hours == D(2)


# --- attendance ----------------------------------------------------------------------------------------


def _sheet(session, rows):
    return [services.AttendanceEntry(participant_id=p.pk, status=status, hours=hours) for p, status, hours in rows]


def test_attendance_sheet_credits_hours_by_status_and_saving_twice_changes_nothing(world):
    # given a 3-hour session and four participants
    admin = world.people["network_admin"]
    cohort = cohort_with_sessions(network=world.network, sessions=1)
    session = cohort.sessions.get()
    ana, ben, cruz, dee = (ParticipantFactory(cohort=cohort, full_name=n) for n in ("Ana", "Ben", "Cruz", "Dee"))
    rows = [(ana, "present", None), (ben, "partial", D("1.25")), (cruz, "excused", D(2)), (dee, "absent", None)]
    # when the sheet is saved
    result = services.attendance_record(actor=admin, session=session, entries=_sheet(session, rows))
    # then present earns 3 h, part of it the 1.25 h entered, excused and absent nothing
    credited = dict(Attendance.objects.filter(session=session).values_list("participant__full_name", "hours"))
    assert credited == {"Ana": D(3), "Ben": D("1.25"), "Cruz": D(0), "Dee": D(0)}
    assert (result.created, result.changed, result.removed, result.unchanged) == (4, 0, 0, 0)
    assert AccessEvent.objects.filter(object_type="workforce.attendance", action="update").count() == 1
    # when the same sheet is saved again
    again = services.attendance_record(actor=admin, session=session, entries=_sheet(session, rows))
    # then nothing changes and nothing more is written to the ledger
    assert (again.created, again.changed, again.removed, again.unchanged) == (0, 0, 0, 4)
    assert Attendance.objects.filter(session=session).count() == 4
    assert AccessEvent.objects.filter(object_type="workforce.attendance", action="update").count() == 1
    # when Ben is corrected to present and Dee's row is cleared
    rows = [(ana, "present", None), (ben, "present", None), (cruz, "excused", None), (dee, "", None)]
    fixed = services.attendance_record(actor=admin, session=session, entries=_sheet(session, rows))
    assert (fixed.created, fixed.changed, fixed.removed, fixed.unchanged) == (0, 1, 1, 2)
    assert Attendance.objects.get(session=session, participant=ben).hours == D(3)
    assert not Attendance.objects.filter(participant=dee).exists()


def test_a_sheet_with_a_wrong_row_saves_nothing_and_names_the_person(world):
    admin = world.people["network_admin"]
    cohort = cohort_with_sessions(network=world.network, sessions=1)
    session = cohort.sessions.get()
    ana, ben = ParticipantFactory(cohort=cohort, full_name="Ana"), ParticipantFactory(cohort=cohort, full_name="Ben")
    rows = [(ana, "present", None), (ben, "partial", D("3.5"))]
    with pytest.raises(services.SheetRejected) as refused:
        services.attendance_record(actor=admin, session=session, entries=_sheet(session, rows))
    assert refused.value.problems == {ben.pk: "Ben: part of the session is at most 3 hours."}
    assert not Attendance.objects.exists()
    rows = [(ana, "present", None), (ben, "partial", None)]
    with pytest.raises(services.SheetRejected) as refused:
        services.attendance_record(actor=admin, session=session, entries=_sheet(session, rows))
    assert refused.value.problems[ben.pk] == "Ben: give the hours attended of part of the session."


def test_a_graduates_attendance_is_fixed(world):
    done = graduate(cohort=cohort_with_sessions(network=world.network, sessions=1))
    session = done.participant.cohort.sessions.get()
    with pytest.raises(services.SheetRejected):
        services.attendance_record(actor=world.people["network_admin"], session=session,
                                   entries=_sheet(session, [(done.participant, "absent", None)]))
    # the same status as recorded is accepted (a sheet saved again with the graduate on it)
    services.attendance_record(actor=world.people["network_admin"], session=session,
                               entries=_sheet(session, [(done.participant, "present", None)]))
    assert Attendance.objects.get(participant=done.participant).hours == D(3)


def test_coordinator_of_another_region_cannot_record_attendance(world):
    cohort = cohort_with_sessions(network=world.network, region=world.region_b, sessions=1)
    session = cohort.sessions.get()
    person = ParticipantFactory(cohort=cohort)
    with pytest.raises(PermissionDenied):
        services.attendance_record(actor=world.people["regional_coordinator"], session=session,
                                   entries=_sheet(session, [(person, "present", None)]))


def test_a_participant_of_another_cohort_is_refused_on_the_sheet(world):
    cohort = cohort_with_sessions(network=world.network, sessions=1)
    stranger = ParticipantFactory(cohort=cohort_with_sessions(network=world.network, sessions=0))
    session = cohort.sessions.get()
    with pytest.raises(PermissionDenied):
        services.attendance_record(actor=world.people["network_admin"], session=session,
                                   entries=_sheet(session, [(stranger, "present", None)]))


# --- assignments ---------------------------------------------------------------------------------------


def test_assignment_grid_records_and_clears_completions_idempotently(world):
    admin = world.people["network_admin"]
    cohort = cohort_with_sessions(network=world.network, sessions=0, assignments=1)
    assignment = cohort.assignments.get()
    ana, ben = ParticipantFactory(cohort=cohort), ParticipantFactory(cohort=cohort)
    entries = [services.CompletionEntry(ana.pk, True, date(2026, 3, 2), "Thoughtful"),
               services.CompletionEntry(ben.pk, False)]
    first = services.assignment_completions_record(actor=admin, assignment=assignment, entries=entries,
                                                   today=date(2026, 3, 5))
    again = services.assignment_completions_record(actor=admin, assignment=assignment, entries=entries,
                                                   today=date(2026, 3, 5))
    assert (first.created, again.created, again.unchanged) == (1, 0, 1)
    done = assignment.completions.get()
    assert (done.participant, done.completed_on, done.notes) == (ana, date(2026, 3, 2), "Thoughtful")
    # a tick without a date is done today; unticking removes it
    services.assignment_completions_record(actor=admin, assignment=assignment, today=date(2026, 3, 5), entries=[
        services.CompletionEntry(ana.pk, False), services.CompletionEntry(ben.pk, True)])
    assert list(assignment.completions.values_list("participant", "completed_on")) == [(ben.pk, date(2026, 3, 5))]


def test_a_completion_date_in_the_future_is_refused(world):
    cohort = cohort_with_sessions(network=world.network, sessions=0, assignments=1)
    ana = ParticipantFactory(cohort=cohort, full_name="Ana")
    with pytest.raises(services.SheetRejected):
        services.assignment_completions_record(
            actor=world.people["network_admin"], assignment=cohort.assignments.get(), today=date(2026, 3, 5),
            entries=[services.CompletionEntry(ana.pk, True, date(2026, 3, 6))])


# --- completing ----------------------------------------------------------------------------------------


def test_completion_is_refused_with_what_is_missing(world):
    # given 3 sessions of 3 hours (9 h; 7.2 h needed), attended 6 h, and one of two required assignments done
    cohort = cohort_with_sessions(network=world.network, sessions=3, assignments=2)
    person = ParticipantFactory(cohort=cohort)
    sessions = list(cohort.sessions.all())
    for session in sessions[:2]:
        AttendanceFactory(session=session, participant=person)
    AssignmentCompletionFactory(assignment=cohort.assignments.get(title="Assignment 1"), participant=person)
    # when the admin tries to complete them
    with pytest.raises(services.CompletionRefused) as refused:
        services.participant_complete(actor=world.people["network_admin"], participant=person)
    # then the refusal says how many hours are missing and which assignment
    assert refused.value.messages == [
        "Attended 6 of 9 session hours; 7.2 are needed (80 %), so 1.2 more.",
        "Required assignment not done: Assignment 2.",
    ]
    person.refresh_from_db()
    assert (person.status, person.certificate_number, person.certificate_token_hash) == ("enrolled", "", "")


def test_completion_numbers_the_certificate_stores_only_a_hash_and_emails_the_link(
        world, django_capture_on_commit_callbacks):
    # given two participants who meet the rule, one writing in Spanish, and a graduate of another network
    cohort = cohort_with_sessions(network=world.network, sessions=2, assignments=1)
    first, second = (ParticipantFactory(cohort=cohort, full_name=n, preferred_language=lang, email=f"{n}@example.org")
                     for n, lang in (("Rosa", "es"), ("Lee", "en")))
    attend_everything(first)
    attend_everything(second)
    graduate(cohort=cohort_with_sessions(network=NetworkFactory(), sessions=1))
    admin = world.people["network_admin"]
    # when both are completed on one day
    with django_capture_on_commit_callbacks(execute=True):
        issued = services.participant_complete(actor=admin, participant=first, today=date(2026, 9, 30))
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_complete(actor=admin, participant=second, today=date(2026, 9, 30))
    # then they get the network's first two numbers of the year
    numbers = dict(Participant.objects.filter(cohort=cohort).values_list("full_name", "certificate_number"))
    assert numbers == {"Rosa": "ABZ-2026-0001", "Lee": "ABZ-2026-0002"}
    first.refresh_from_db()
    assert (first.status, first.completed_on) == (ParticipantStatus.COMPLETED, date(2026, 9, 30))
    # and only the SHA-256 of the secret is stored, nowhere the secret itself
    assert first.certificate_token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in repr(list(Participant.objects.filter(pk=first.pk).values()))
    # and each graduate is emailed their link, Rosa in Spanish
    assert [m.to for m in mail.outbox] == [["Rosa@example.org"], ["Lee@example.org"]]
    assert certificates.verify_path(issued.token) in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Content-Language"] == "es"


def test_completion_twice_is_refused(world):
    done = graduate(cohort=cohort_with_sessions(network=world.network))
    with pytest.raises(ValidationError, match="already completed"):
        services.participant_complete(actor=world.people["network_admin"], participant=done.participant)


def test_a_coordinator_completes_only_in_their_region(world):
    person = ParticipantFactory(cohort=cohort_with_sessions(network=world.network, region=world.region_b))
    attend_everything(person)
    with pytest.raises(PermissionDenied):
        services.participant_complete(actor=world.people["regional_coordinator"], participant=person)


def test_withdrawing_a_graduate_withdraws_the_certificate(world):
    done = graduate(cohort=cohort_with_sessions(network=world.network))
    services.participant_withdraw(actor=world.people["network_admin"], participant=done.participant)
    found = certificates.verify(token=done.token)
    assert found.status == ParticipantStatus.WITHDRAWN
    assert found.certificate_number  # the number stays theirs


def test_reissuing_rotates_the_secret(world, django_capture_on_commit_callbacks):
    done = graduate(cohort=cohort_with_sessions(network=world.network))
    with django_capture_on_commit_callbacks(execute=True):
        issued = services.certificate_reissue(actor=world.people["network_admin"], participant=done.participant)
    assert issued.token != done.token
    assert certificates.verify(token=issued.token) == done.participant
    client = Client()
    assert client.get(certificates.verify_path(done.token)).status_code == 404
    assert len(mail.outbox) == 1 and certificates.verify_path(issued.token) in mail.outbox[0].body


def test_a_link_replaced_before_the_queue_ran_is_not_sent(world):
    done = graduate(cohort=cohort_with_sessions(network=world.network))
    from abrazo.core import crypto

    certificates.send_certificate_link.call(participant_id=str(done.participant.pk),
                                            sealed_token=crypto.encrypt("an-old-secret"))
    assert mail.outbox == []


# --- where they work now -------------------------------------------------------------------------------


def test_where_a_graduate_works_now(world):
    from abrazo.directory.tests.factories import county

    done = graduate(cohort=cohort_with_sessions(network=world.network))
    profile = world.people["consultant"].consultant_profile
    data = services.WorkData(consultant_profile=profile, current_employer="Valley Family Services",
                             works_in_iecmhc=None, counties_served=[county("06019")], languages=[])
    saved = services.participant_update_work(actor=world.people["network_admin"], participant=done.participant,
                                             expected_version=done.participant.version, data=data)
    assert (saved.consultant_profile, saved.works_in_iecmhc) == (profile, True)  # a consultant here works in it
    assert list(saved.counties_served.values_list("fips", flat=True)) == ["06019"]
    elsewhere = ConsultantProfileFactory(network=world.other_network,
                                         region=RegionFactory(network=world.other_network))
    with pytest.raises(ValidationError):
        services.participant_update_work(
            actor=world.people["network_admin"], participant=saved, expected_version=saved.version,
            data=services.WorkData(consultant_profile=elsewhere, current_employer="", works_in_iecmhc=None,
                                   counties_served=[], languages=[]))


def test_session_ids_are_unique_per_cohort_not_across(world):
    # two cohorts may each have a session 1
    a = cohort_with_sessions(network=world.network, sessions=1)
    b = cohort_with_sessions(network=world.network, sessions=1)
    assert CohortSession.objects.filter(cohort__in=[a, b], number=1).count() == 2

"""The cohort pages through HTTP, for each role and for records outside the reader's scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from abrazo.audit.models import AccessEvent
from abrazo.workforce.models import Attendance, Cohort, CohortSession, Participant, ParticipantStatus
from abrazo.workforce.tests.factories_cohort import (
    AttendanceFactory,
    ParticipantFactory,
    attend_everything,
    cohort_with_sessions,
)

pytestmark = pytest.mark.django_db
D = Decimal


def signed_in(client, world, role):
    client.force_login(world.people[role])
    return client


@pytest.fixture
def cohorts(world):
    """A cohort of region A with a participant who attended two of three sessions, and one of region B."""
    a = cohort_with_sessions(network=world.network, region=world.region_a, name="Central cohort", sessions=3)
    rosa = ParticipantFactory(cohort=a, full_name="Rosa Delgado")
    for session in list(a.sessions.all())[:2]:
        AttendanceFactory(session=session, participant=rosa)
    b = cohort_with_sessions(network=world.network, region=world.region_b, name="Harbor cohort", sessions=1)
    ParticipantFactory(cohort=b, full_name="Ben Okafor")
    other = cohort_with_sessions(network=world.other_network, name="Elsewhere cohort", sessions=1)
    return {"a": a, "b": b, "other": other, "rosa": rosa}


# --- the list --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["network_admin", "regional_coordinator", "supervisor", "evaluator"])
def test_staff_who_browse_cohorts_see_the_networks_cohorts_with_counts(client, world, cohorts, role,
                                                                       django_assert_max_num_queries):
    signed_in(client, world, role)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workforce:cohort-list"))
    assert response.status_code == 200
    rows = {cohort.name: (cohort.participant_count, cohort.completed_count, cohort.session_count)
            for cohort in response.context["page"].items}
    assert rows == {"Central cohort": (1, 0, 3), "Harbor cohort": (1, 0, 1)}  # never the other network's


@pytest.mark.parametrize("role", ["consultant", "program_staff"])
def test_consultants_and_program_staff_have_no_cohort_pages(client, world, cohorts, role):
    signed_in(client, world, role)
    assert client.get(reverse("workforce:cohort-list")).status_code == 404
    assert client.get(reverse("workforce:cohort-detail", args=[cohorts["a"].pk])).status_code == 404


# --- a cohort --------------------------------------------------------------------------------------------


def test_admin_sees_participants_with_hours_and_the_read_is_audited(client, world, cohorts):
    signed_in(client, world, "network_admin")
    response = client.get(reverse("workforce:cohort-detail", args=[cohorts["a"].pk]))
    assert response.status_code == 200
    row = response.context["o"].participants[0]
    # 2 of 3 sessions of 3 hours: 6 of 9 hours, 66 %, 7.2 needed
    assert (row.participant.full_name, row.check.attended_hours, row.check.attended_percent) == (
        "Rosa Delgado", D(6), D(66))
    assert AccessEvent.objects.filter(action="list", object_type="workforce.participant",
                                      object_ids=[str(cohorts["rosa"].pk)]).exists()


@pytest.mark.parametrize("role", ["supervisor", "evaluator"])
def test_readers_without_participant_view_see_the_cohort_but_no_names(client, world, cohorts, role):
    signed_in(client, world, role)
    response = client.get(reverse("workforce:cohort-detail", args=[cohorts["a"].pk]))
    assert response.status_code == 200
    assert response.context["o"].participants is None
    assert "Rosa Delgado" not in response.content.decode()
    assert response.context["o"].participant_count == 1


def test_coordinator_browses_other_regions_cohorts_without_their_participants(client, world, cohorts):
    signed_in(client, world, "regional_coordinator")
    own = client.get(reverse("workforce:cohort-detail", args=[cohorts["a"].pk]))
    other_region = client.get(reverse("workforce:cohort-detail", args=[cohorts["b"].pk]))
    assert [p.participant.full_name for p in own.context["o"].participants] == ["Rosa Delgado"]
    assert other_region.context["o"].participants == []
    assert not other_region.context["o"].may_manage
    assert client.get(reverse("workforce:cohort-edit", args=[cohorts["b"].pk])).status_code == 404
    assert client.get(reverse("workforce:cohort-detail", args=[cohorts["other"].pk])).status_code == 404


def test_creating_a_cohort_through_the_form_twice_makes_one(client, world):
    signed_in(client, world, "network_admin")
    form = client.get(reverse("workforce:cohort-new")).context["form"]
    data = {"name": "Cohort 2027", "region": "", "status": "planned", "starts_on": "2027-01-10",
            "ends_on": "2027-09-10", "capacity": "20", "submission_key": form.initial["submission_key"]}
    first = client.post(reverse("workforce:cohort-new"), data)
    second = client.post(reverse("workforce:cohort-new"), data)
    cohort = Cohort.objects.get(name="Cohort 2027")
    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("workforce:cohort-detail", args=[cohort.pk])


def test_a_wrong_cohort_form_keeps_what_was_typed(client, world):
    signed_in(client, world, "network_admin")
    response = client.post(reverse("workforce:cohort-new"), {
        "name": "Typed name", "status": "planned", "starts_on": "2027-09-10", "ends_on": "2027-01-10",
        "capacity": "20"})
    assert response.status_code == 200
    assert 'value="Typed name"' in response.content.decode()
    assert "The cohort cannot end before it starts." in response.content.decode()


def test_session_added_and_edited_through_the_forms(client, world, cohorts):
    signed_in(client, world, "regional_coordinator")
    cohort = cohorts["a"]
    add = client.get(reverse("workforce:session-new", args=[cohort.pk]))
    assert add.context["form"]["number"].initial == 4  # after the cohort's three sessions
    client.post(reverse("workforce:session-new", args=[cohort.pk]), {
        "number": "4", "title": "Observation", "held_on": "2026-06-01", "hours": "2.5", "modality": "hybrid",
        "location": "Fresno", "submission_key": add.context["form"].initial["submission_key"]})
    session = CohortSession.objects.get(cohort=cohort, number=4)
    assert (session.title, session.hours, session.modality) == ("Observation", D("2.5"), "hybrid")
    client.post(reverse("workforce:session-edit", args=[session.pk]), {
        "number": "4", "title": "Observing a classroom", "held_on": "2026-06-01", "hours": "3",
        "modality": "hybrid", "location": "Fresno", "version": "1"})
    session.refresh_from_db()
    assert (session.title, session.version) == ("Observing a classroom", 2)
    assert client.get(reverse("workforce:session-edit", args=[cohorts["b"].sessions.get().pk])).status_code == 404


# --- the attendance sheet --------------------------------------------------------------------------------


def test_attendance_sheet_records_everyone_at_once(client, world, cohorts):
    # given the third session of the central cohort (3 h), Rosa and a second participant
    signed_in(client, world, "regional_coordinator")
    cohort = cohorts["a"]
    session = cohort.sessions.get(number=3)
    rosa, luis = cohorts["rosa"], ParticipantFactory(cohort=cohort, full_name="Luis Soto")
    url = reverse("workforce:session-attendance", args=[session.pk])
    sheet = client.get(url)
    assert [row.participant.full_name for row in sheet.context["rows"]] == ["Luis Soto", "Rosa Delgado"]
    # when Rosa is marked present and Luis there for an hour and a half
    data = {f"status_{rosa.pk.hex}": "present", f"hours_{rosa.pk.hex}": "",
            f"status_{luis.pk.hex}": "partial", f"hours_{luis.pk.hex}": "1.5"}
    response = client.post(url, data)
    # then both are recorded with their hours, and the same post again changes nothing
    assert response.status_code == 302
    assert dict(Attendance.objects.filter(session=session).values_list("participant__full_name", "hours")) == {
        "Rosa Delgado": D(3), "Luis Soto": D("1.5")}
    client.post(url, data)
    assert Attendance.objects.filter(session=session).count() == 2
    # and Rosa now has 9 of 9 hours on her page
    page = client.get(reverse("workforce:participant-detail", args=[rosa.pk]))
    assert page.context["check"].attended_hours == D(9)


def test_attendance_sheet_shows_a_wrong_row_with_what_was_typed(client, world, cohorts):
    signed_in(client, world, "network_admin")
    session = cohorts["a"].sessions.get(number=3)
    rosa = cohorts["rosa"]
    response = client.post(reverse("workforce:session-attendance", args=[session.pk]), {
        f"status_{rosa.pk.hex}": "partial", f"hours_{rosa.pk.hex}": "4"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Rosa Delgado: part of the session is at most 3 hours." in content
    assert 'value="4"' in content
    assert not Attendance.objects.filter(session=session).exists()


def test_fill_present_only_prefills(client, world, cohorts):
    signed_in(client, world, "network_admin")
    session = cohorts["a"].sessions.get(number=3)
    response = client.get(reverse("workforce:session-attendance", args=[session.pk]) + "?fill=present")
    assert response.context["form"].fields[f"status_{cohorts['rosa'].pk.hex}"].initial == "present"
    assert not Attendance.objects.filter(session=session).exists()


@pytest.mark.parametrize("role", ["supervisor", "evaluator", "consultant", "program_staff"])
def test_only_cohort_managers_open_the_attendance_sheet(client, world, cohorts, role):
    signed_in(client, world, role)
    session = cohorts["a"].sessions.get(number=1)
    assert client.get(reverse("workforce:session-attendance", args=[session.pk])).status_code == 404


def test_attendance_sheet_of_another_region_or_network_does_not_exist(client, world, cohorts):
    signed_in(client, world, "regional_coordinator")
    for cohort in (cohorts["b"], cohorts["other"]):
        session = cohort.sessions.get()
        assert client.get(reverse("workforce:session-attendance", args=[session.pk])).status_code == 404
    assert AccessEvent.objects.filter(outcome="denied", object_type="workforce.cohortsession").count() == 2


# --- assignments -----------------------------------------------------------------------------------------


def test_assignment_added_then_ticked_on_the_grid(client, world, cohorts):
    signed_in(client, world, "network_admin")
    cohort = cohorts["a"]
    form = client.get(reverse("workforce:assignment-new", args=[cohort.pk])).context["form"]
    client.post(reverse("workforce:assignment-new", args=[cohort.pk]), {
        "title": "Reflective journal", "required_for_completion": "on",
        "submission_key": form.initial["submission_key"]})
    assignment = cohort.assignments.get(title="Reflective journal")
    rosa = cohorts["rosa"]
    response = client.post(reverse("workforce:assignment-completions", args=[assignment.pk]), {
        f"done_{rosa.pk.hex}": "on", f"on_{rosa.pk.hex}": "2026-03-01", f"notes_{rosa.pk.hex}": "Three entries"})
    assert response.status_code == 302
    done = assignment.completions.get()
    assert (done.participant, str(done.completed_on), done.notes) == (rosa, "2026-03-01", "Three entries")


# --- participants, completion and withdrawal -------------------------------------------------------------


def test_participant_page_by_role(client, world, cohorts):
    rosa, ben = cohorts["rosa"], Participant.objects.get(full_name="Ben Okafor")
    for role, own, other in (("network_admin", 200, 200), ("regional_coordinator", 200, 404),
                             ("supervisor", 404, 404), ("evaluator", 404, 404), ("consultant", 404, 404),
                             ("program_staff", 404, 404)):
        signed_in(client, world, role)
        assert client.get(reverse("workforce:participant-detail", args=[rosa.pk])).status_code == own, role
        assert client.get(reverse("workforce:participant-detail", args=[ben.pk])).status_code == other, role
    assert AccessEvent.objects.filter(action="view", object_type="workforce.participant",
                                      object_id=str(rosa.pk)).count() == 2


def test_completing_someone_who_is_short_lists_what_is_missing(client, world, cohorts):
    signed_in(client, world, "network_admin")
    rosa = cohorts["rosa"]
    url = reverse("workforce:participant-complete", args=[rosa.pk])
    response = client.post(url)
    assert response.status_code == 200
    assert "Attended 6 of 9 session hours; 7.2 are needed (80 %), so 1.2 more." in response.content.decode()
    assert "Required assignment not done: Assignment 1." in response.content.decode()
    rosa.refresh_from_db()
    assert rosa.status == ParticipantStatus.ENROLLED


def test_completing_someone_who_meets_the_rule_shows_the_certificate_with_its_link(client, world, cohorts):
    signed_in(client, world, "network_admin")
    rosa = cohorts["rosa"]
    attend_everything(rosa)
    response = client.post(reverse("workforce:participant-complete", args=[rosa.pk]), follow=True)
    rosa.refresh_from_db()
    assert rosa.status == ParticipantStatus.COMPLETED
    assert response.redirect_chain[-1][0] == reverse("workforce:certificate", args=[rosa.pk])
    content = response.context["c"]
    assert content.verify_url  # issued in this session: the certificate carries its link
    assert rosa.certificate_number in response.content.decode()
    # the link the page shows is the one whose hash is stored
    token = content.verify_url.rstrip("/").rsplit("/", 1)[-1]
    assert client.get(reverse("workforce:certificate-verify", args=[token])).status_code == 200


def test_withdrawing_through_the_page(client, world, cohorts):
    signed_in(client, world, "regional_coordinator")
    rosa = cohorts["rosa"]
    assert client.get(reverse("workforce:participant-withdraw", args=[rosa.pk])).status_code == 200
    client.post(reverse("workforce:participant-withdraw", args=[rosa.pk]))
    rosa.refresh_from_db()
    assert rosa.status == ParticipantStatus.WITHDRAWN
    # withdrawn participants leave new sheets, but keep rows already recorded
    sheet = client.get(reverse("workforce:session-attendance", args=[cohorts["a"].sessions.get(number=1).pk]))
    assert [row.participant for row in sheet.context["rows"]] == [rosa]
    sheet = client.get(reverse("workforce:session-attendance", args=[cohorts["a"].sessions.get(number=3).pk]))
    assert sheet.context["rows"] == []


def test_where_they_work_now_form(client, world, cohorts):
    signed_in(client, world, "network_admin")
    rosa = cohorts["rosa"]
    response = client.post(reverse("workforce:participant-edit", args=[rosa.pk]), {
        "consultant_profile": "", "current_employer": "Head Start", "works_in_iecmhc": "false",
        "counties_served": ["06019"], "languages": ["en", "es"], "version": "1"})
    assert response.status_code == 302
    rosa.refresh_from_db()
    assert (rosa.current_employer, rosa.works_in_iecmhc) == ("Head Start", False)
    assert sorted(rosa.languages.values_list("code", flat=True)) == ["en", "es"]
    # a stale second save keeps what was typed and says why
    stale = client.post(reverse("workforce:participant-edit", args=[rosa.pk]), {
        "current_employer": "School district", "works_in_iecmhc": "", "version": "1"})
    assert stale.status_code == 200
    assert "Someone else changed this record" in stale.content.decode()
    assert 'value="School district"' in stale.content.decode()


def test_cohort_page_reads_a_full_cohort_in_a_fixed_number_of_queries(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given a cohort of nine sessions and three assignments, and the admin's session already started
    cohort = cohort_with_sessions(network=world.network, sessions=9, assignments=3)
    signed_in(client, world, "network_admin")
    url = reverse("workforce:cohort-detail", args=[cohort.pk])
    client.get(url)

    def queries_with(participants: int) -> tuple[int, object]:
        for _ in range(participants - cohort.participants.count()):
            attend_everything(ParticipantFactory(cohort=cohort))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        return len(captured), response

    # when the page is read with 2 and then with 20 participants who attended everything
    few, _ = queries_with(2)
    many, response = queries_with(20)
    # then the number of queries does not grow with the participants
    assert many == few <= 20
    assert [row.check.complete for row in response.context["o"].participants] == [True] * 20
    assert response.context["o"].total_hours == D(27)

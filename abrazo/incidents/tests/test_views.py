"""The roster and incident screens over HTTP: the phone form, kept input, double submits, stale edits,
scope, and the number of queries the lists make."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action
from abrazo.directory.tests.factories import ClassroomFactory
from abrazo.incidents.models import Child, Enrollment, Exclusion, Incident
from abrazo.incidents.tests.factories import ChildFactory, ExclusionFactory, HookCalls, IncidentFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def hooks(monkeypatch):
    return HookCalls.install(monkeypatch)


@pytest.fixture
def staff_client(client, world):
    client.force_login(world.people["program_staff"])  # director of program A
    return client


@pytest.fixture
def child(world):
    return ChildFactory(program=world.program_a, code="SUN-007")


def incident_post(child, **changes):
    data = {
        "child": str(child.pk), "occurred_on": (TODAY() - dt.timedelta(days=1)).isoformat(), "occurred_at": "09:40",
        "problem_behavior": "physical_aggression", "activity": "outdoor", "others_involved": "peers",
        "possible_motivation": "obtain_item", "strategy_response": "redirect", "admin_follow_up": "contact_family",
        "classroom": "", "notes": "",
    }
    data.update(changes)
    return data


def new_incident_url(world):
    return reverse("incidents:incident-new", args=[world.program_a.pk])


class TestTheIncidentForm:
    def test_it_is_one_phone_column_with_todays_date_and_the_six_birs_selects(self, staff_client, world, child):
        # when the director opens the form on their phone
        response = staff_client.get(new_incident_url(world))
        body = response.content.decode()
        # then it is the quick one-column form, dated today, the time left empty
        assert response.status_code == 200
        assert 'class="form quick-log narrow incident-form"' in body
        assert f'type="date" name="occurred_on" value="{TODAY().isoformat()}"' in body
        assert 'type="time" name="occurred_at"' in body and 'name="occurred_at" value=' not in body
        # with the roster to choose from, and the six BIRS fields as selects in BIRS wording
        assert f'<option value="{child.pk}">SUN-007</option>' in body
        for name in ("problem_behavior", "activity", "others_involved", "possible_motivation", "strategy_response",
                     "admin_follow_up"):
            assert f'<select name="{name}"' in body
        assert "Time in a different classroom or adult outside of classroom" in body
        assert "Sent home for remainder of day" in body
        # and "the most intrusive" is said for the response and the follow-up
        assert body.count("The most intrusive one") == 2
        # and the roster it showed is in the ledger
        assert AccessEvent.objects.filter(action=Action.LIST, object_type="incidents.child",
                                          object_ids=[str(child.pk)]).exists()

    def test_a_child_named_in_the_link_is_preselected(self, staff_client, world, child):
        body = staff_client.get(new_incident_url(world) + f"?child={child.pk}").content.decode()
        assert f'<option value="{child.pk}" selected>SUN-007</option>' in body

    def test_saving_offers_to_record_another_for_the_same_program(self, staff_client, world, child):
        # when the director saves an incident that sent the child home for the rest of the day
        response = staff_client.post(new_incident_url(world), incident_post(
            child, admin_follow_up="sent_home_rest_of_day", notes="Bit a friend at the sandbox"))
        # then one incident exists and they land on it
        incident = Incident.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("incidents:incident-detail", args=[incident.pk])
        # and its page shows the exclusion with half a day lost, and offers another incident at program A
        body = staff_client.get(response["Location"]).content.decode()
        assert "Incident recorded for SUN-007." in body
        assert "Out-of-school suspension (sent home)" in body and "0.5" in body
        assert f'href="{new_incident_url(world)}"' in body
        assert "Record another incident at Sunrise Center" in body
        assert incident.notes == "Bit a friend at the sandbox"

    def test_errors_keep_what_was_typed(self, staff_client, world, child):
        # when the form is sent without the activity and with a future date
        future = (TODAY() + dt.timedelta(days=3)).isoformat()
        response = staff_client.post(new_incident_url(world), incident_post(
            child, activity="", occurred_on=future, notes="Threw blocks during clean-up",
            strategy_response="time_out"))
        body = response.content.decode()
        # then nothing is saved and the form comes back with the problem and every typed value
        assert response.status_code == 200
        assert not Incident.objects.exists()
        assert "There are problems with this form" in body or "There is a problem with this form" in body
        assert f'<option value="{child.pk}" selected>SUN-007</option>' in body
        assert '<option value="time_out" selected>' in body
        assert f'value="{future}"' in body
        assert "Threw blocks during clean-up" in body

    def test_a_service_error_is_shown_on_its_field_and_keeps_input(self, staff_client, world):
        # given a child enrolled only since yesterday
        newcomer = ChildFactory(program=world.program_a, code="NEW-3", enrolled__start=TODAY() - dt.timedelta(days=1))
        # when an incident is dated a week ago
        week_ago = (TODAY() - dt.timedelta(days=7)).isoformat()
        response = staff_client.post(new_incident_url(world), incident_post(newcomer, occurred_on=week_ago))
        body = response.content.decode()
        # then the date's error says the child was not enrolled, and the date stays as typed
        assert response.status_code == 200
        assert "NEW-3 was not enrolled on" in body
        assert f'value="{week_ago}"' in body

    def test_a_double_submit_records_one_incident(self, staff_client, world, child):
        # given the form as it was served, with its one-time key
        form = staff_client.get(new_incident_url(world)).context["form"]
        data = incident_post(child, submission_key=str(form.initial["submission_key"]))
        # when it is sent twice
        first = staff_client.post(new_incident_url(world), data)
        second = staff_client.post(new_incident_url(world), data)
        # then there is one incident and both answers lead to it
        incident = Incident.objects.get()
        assert first["Location"] == second["Location"] == reverse("incidents:incident-detail", args=[incident.pk])

    def test_program_staff_cannot_open_another_programs_form(self, staff_client, world):
        response = staff_client.get(reverse("incidents:incident-new", args=[world.program_b.pk]))
        assert response.status_code == 404


class TestEditingAnIncident:
    def test_a_stale_edit_keeps_the_input_and_adopts_the_new_version(self, staff_client, world, child):
        # given an incident, and someone else's correction saved after this editor opened it
        incident = IncidentFactory(child=child)
        url = reverse("incidents:incident-edit", args=[incident.pk])
        staff_client.post(url, incident_post(child, version="1", activity="meals",
                                             occurred_on=incident.occurred_on.isoformat()))
        # when the editor saves their version-1 form
        response = staff_client.post(url, incident_post(child, version="1", activity="nap", notes="Cried at nap",
                                                        occurred_on=incident.occurred_on.isoformat()))
        body = response.content.decode()
        # then the page says someone else changed it, keeps "nap" and the note, and carries version 2
        assert response.status_code == 200
        assert "Someone else changed this record" in body
        assert '<option value="nap" selected>' in body
        assert "Cried at nap" in body
        assert 'name="version" value="2"' in body
        assert Incident.objects.get().activity == "meals"

    def test_correcting_the_follow_up_removes_the_exclusion(self, staff_client, world, child):
        incident = IncidentFactory(child=child)
        url = reverse("incidents:incident-edit", args=[incident.pk])
        staff_client.post(url, incident_post(child, version="1", admin_follow_up="sent_home_days",
                                             occurred_on=incident.occurred_on.isoformat()))
        assert Exclusion.objects.get(incident=incident).days_lost == Decimal("1")
        staff_client.post(url, incident_post(child, version="2", admin_follow_up="family_meeting",
                                             occurred_on=incident.occurred_on.isoformat()))
        assert not Exclusion.objects.filter(incident=incident).exists()

    def test_the_supervisor_may_read_but_not_edit(self, client, world, child):
        from abrazo.consultations.tests.factories import EpisodeFactory
        from abrazo.directory.models import ConsultantProfile

        EpisodeFactory(program=world.program_a,
                       consultant=ConsultantProfile.objects.get(user=world.people["consultant"]))
        incident = IncidentFactory(child=child)
        client.force_login(world.people["supervisor"])
        detail = client.get(reverse("incidents:incident-detail", args=[incident.pk]))
        assert detail.status_code == 200
        assert reverse("incidents:incident-edit", args=[incident.pk]) not in detail.content.decode()
        assert client.get(reverse("incidents:incident-edit", args=[incident.pk])).status_code == 404


class TestRosterPages:
    def test_adding_a_child_opens_their_enrolment(self, staff_client, world):
        room = ClassroomFactory(program=world.program_a, name="Butterflies")
        url = reverse("incidents:child-new", args=[world.program_a.pk])
        response = staff_client.post(url, {
            "code": "SUN-100", "classroom": str(room.pk), "enrolled_from": "2025-08-25", "date_of_birth": "",
            "race_ethnicity": "asian", "gender": "girl", "home_language": "",
        })
        child = Child.objects.get(code="SUN-100")
        assert response["Location"] == reverse("incidents:child-detail", args=[child.pk])
        assert list(child.enrollments.values_list("start_date", flat=True)) == [dt.date(2025, 8, 25)]

    def test_a_duplicate_code_is_refused_on_its_field(self, staff_client, world, child):
        url = reverse("incidents:child-new", args=[world.program_a.pk])
        response = staff_client.post(url, {"code": "sun-007", "enrolled_from": "2025-08-25",
                                           "race_ethnicity": "asian", "gender": "girl"})
        assert response.status_code == 200
        assert "already has the code sun-007" in response.content.decode()
        assert Child.objects.count() == 1

    def test_the_child_page_shows_enrolment_incidents_and_exclusions(self, staff_client, child):
        IncidentFactory(child=child, oss=True)
        ExclusionFactory(child=child, kind="reduced_hours", days_lost=Decimal("2.5"))
        body = staff_client.get(reverse("incidents:child-detail", args=[child.pk])).content.decode()
        assert "Still enrolled" in body
        assert "Physical aggression" in body and "Sent home" in body
        assert "Reduced hours" in body and "2.5" in body
        assert reverse("incidents:exclusion-new", args=[child.pk]) in body

    def test_ending_the_enrolment_from_its_page(self, staff_client, child):
        enrollment = child.enrollments.get()
        url = reverse("incidents:enrollment-end", args=[enrollment.pk])
        assert staff_client.get(url).status_code == 200
        response = staff_client.post(url, {"end_date": TODAY().isoformat(), "end_reason": "aged_out"})
        assert response.status_code == 302
        assert Enrollment.objects.get().end_reason == "aged_out"

    def test_an_exclusion_days_lost_is_adjusted_from_its_page(self, staff_client, world, child):
        incident = IncidentFactory(child=child)
        staff_client.post(reverse("incidents:incident-edit", args=[incident.pk]), incident_post(
            child, version="1", admin_follow_up="sent_home_days", occurred_on=incident.occurred_on.isoformat()))
        exclusion = Exclusion.objects.get()
        url = reverse("incidents:exclusion-edit", args=[exclusion.pk])
        # the kind is shown but follows the incident; the days lost are the person's to set
        assert 'disabled' in staff_client.get(url).content.decode()
        response = staff_client.post(url, {"kind": "dismissal", "starts_on": exclusion.starts_on.isoformat(),
                                           "days_lost": "3", "version": str(exclusion.version)})
        assert response["Location"] == reverse("incidents:incident-detail", args=[incident.pk])
        exclusion.refresh_from_db()
        assert (exclusion.kind, exclusion.days_lost) == ("oss", Decimal("3"))

    @pytest.mark.parametrize("role", ["evaluator", "program_staff"])
    def test_children_outside_the_scope_do_not_exist(self, client, world, role):
        outside = ChildFactory(program=world.program_b)
        client.force_login(world.people[role])
        assert client.get(reverse("incidents:child-detail", args=[outside.pk])).status_code == 404


class TestLists:
    def test_the_roster_is_paged_with_a_fixed_number_of_queries(self, staff_client, world,
                                                                 django_assert_max_num_queries):
        # given thirty children in two classrooms of program A
        rooms = [ClassroomFactory(program=world.program_a, name=name) for name in ("Butterflies", "Owls")]
        for n in range(30):
            ChildFactory(program=world.program_a, code=f"K-{n:03d}", classroom=rooms[n % 2])
        # when the director lists them: the count does not grow with the children shown
        with django_assert_max_num_queries(18):  # +2: where the person may record and import
            response = staff_client.get(reverse("incidents:child-list"))
        # then they are listed with their classrooms, an "add" button for their program, and audited
        body = response.content.decode()
        assert "K-000" in body and "Butterflies" in body and "Owls" in body
        assert reverse("incidents:child-new", args=[world.program_a.pk]) in body
        assert len(AccessEvent.objects.get(action=Action.LIST, object_type="incidents.child").object_ids) == 30

    def test_the_roster_search_finds_a_code(self, staff_client, world, child):
        ChildFactory(program=world.program_a, code="OTHER-1")
        body = staff_client.get(reverse("incidents:child-list"), {"q": "sun"}).content.decode()
        assert "SUN-007" in body and "OTHER-1" not in body
        assert AccessEvent.objects.filter(action=Action.SEARCH, object_type="incidents.child").exists()

    def test_the_incident_list_filters_and_counts_queries(self, client, world, django_assert_max_num_queries):
        # given twenty incidents at A (five excluding) and some at B
        for n in range(20):
            IncidentFactory(child=ChildFactory(program=world.program_a), oss=n < 5)
        IncidentFactory.create_batch(3, child=ChildFactory(program=world.program_b))
        client.force_login(world.people["network_admin"])
        with django_assert_max_num_queries(14):
            response = client.get(reverse("incidents:incident-list"),
                                  {"program": str(world.program_a.pk), "exclusion_only": "on"})
        # then only program A's five exclusions are listed, and the ids shown are in the ledger
        assert response.status_code == 200
        assert len(response.context["page"].items) == 5
        assert len(AccessEvent.objects.get(action=Action.LIST, object_type="incidents.incident").object_ids) == 5
        assert "Record an incident at Sunrise Center" in response.content.decode()


class TestAdmin:
    def test_the_admin_shows_the_own_networks_records_read_only(self, client, world):
        # given a staff network administrator, an incident in their network and one in another network
        admin = world.people["network_admin"]
        admin.is_staff = True
        admin.save(update_fields=["is_staff"])
        mine = IncidentFactory(child=ChildFactory(program=world.program_a, code="MINE-1"), oss=True)
        theirs = IncidentFactory(child=ChildFactory(program=world.other_program, code="THEIRS-1"))
        client.force_login(admin)
        # when they list incidents in the admin
        body = client.get(reverse("admin:incidents_incident_changelist")).content.decode()
        # then only their network's incident is there, and neither can be changed or added there
        assert "MINE-1" in body and "THEIRS-1" not in body
        assert client.get(reverse("admin:incidents_incident_add")).status_code == 403
        page = client.get(reverse("admin:incidents_incident_change", args=[mine.pk])).content.decode()
        assert 'name="_save"' not in page
        assert client.get(reverse("admin:incidents_incident_change", args=[theirs.pk])).status_code == 302

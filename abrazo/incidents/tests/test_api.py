"""Incidents over /api/v1/: the web's scopes (404 outside), children named by program codes, the create through
the incident service with an idempotency key, audit events, token scopes, and constant query counts."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from abrazo.api.models import IdempotencyKey
from abrazo.api.tests.factories import api_auth
from abrazo.audit.models import AccessEvent, Outcome
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ClassroomFactory
from abrazo.incidents.models import Exclusion, Incident
from abrazo.incidents.tests.factories import ChildFactory, HookCalls, IncidentFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:incidents-incident-list")


def detail_url(incident):
    return reverse("api:incidents-incident-detail", args=[incident.pk])


def ids(response):
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture(autouse=True)
def hooks(monkeypatch):
    return HookCalls.install(monkeypatch)


@pytest.fixture
def engaged(world):
    """The world's consultant holds an episode at program A: she reaches its children's incidents."""
    return EpisodeFactory(program=world.program_a, consultant=ConsultantProfile.objects.get(
        user=world.people["consultant"]))


@pytest.fixture
def child(world):
    return ChildFactory(program=world.program_a, code="SUN-007")


@pytest.fixture
def incident_a(child):
    return IncidentFactory(child=child, notes="Pushed a friend at circle.")


@pytest.fixture
def incident_b(world):
    return IncidentFactory(child=ChildFactory(program=world.program_b, code="HAR-001"), oss=True)


def body(world, **overrides):
    data = {"program": str(world.program_a.pk), "child_code": "SUN-007",
            "occurred_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(), "occurred_at": "09:40",
            "problem_behavior": "physical_aggression", "activity": "outdoor", "others_involved": "peers",
            "possible_motivation": "obtain_item", "strategy_response": "redirect",
            "admin_follow_up": "contact_family", "notes": "Waited for the swing."}
    data.update(overrides)
    return data


class TestIncidentList:
    def test_program_staff_list_their_programs_incidents_by_child_code_and_the_ids_are_audited(
            self, client, world, incident_a, incident_b):
        staff = world.people["program_staff"]
        response = client.get(LIST, **api_auth(staff, "incidents:read"))
        assert response.status_code == 200
        [row] = response.json()["results"]
        assert row["id"] == str(incident_a.pk) and row["child_code"] == "SUN-007"
        assert "notes" not in row and "child" not in row  # a list never carries notes; a child is a code
        event = AccessEvent.objects.filter(user_id=staff.pk, action="list", object_type="incidents.incident").get()
        assert event.object_ids == [str(incident_a.pk)]

    @pytest.mark.parametrize("role, sees_a, sees_b", [
        ("network_admin", True, True), ("regional_coordinator", True, False), ("consultant", True, False),
        ("supervisor", True, False),
    ])
    def test_each_role_sees_its_scope(self, client, world, engaged, incident_a, incident_b, role, sees_a, sees_b):
        response = client.get(LIST, **api_auth(world.people[role], "incidents:read"))
        assert response.status_code == 200
        assert (str(incident_a.pk) in ids(response)) is sees_a
        assert (str(incident_b.pk) in ids(response)) is sees_b

    def test_a_consultant_without_an_episode_there_sees_nothing(self, client, world, incident_a):
        response = client.get(LIST, **api_auth(world.people["consultant"], "incidents:read"))
        assert response.status_code == 200 and response.json()["results"] == []

    def test_evaluators_get_no_rows(self, client, world, incident_a):
        client.force_login(world.people["evaluator"])
        response = client.get(LIST)
        assert response.status_code == 403 and "results" not in response.json()

    def test_without_a_token_401_and_without_the_scope_403(self, client, world, incident_a):
        assert client.get(LIST).status_code == 401
        response = client.get(LIST, **api_auth(world.people["program_staff"], "episodes:read"))
        assert response.status_code == 403 and response.json()["error"]["code"] == "scope_missing"
        # HEAD reads like GET: the read scope, not "not available"
        assert client.head(LIST, **api_auth(world.people["program_staff"], "incidents:read")).status_code == 200

    def test_filters(self, client, world, child, incident_a):
        admin = api_auth(world.people["network_admin"], "incidents:read")
        old = IncidentFactory(child=child, occurred_on=timezone.localdate() - dt.timedelta(days=60), dismissal=True)
        b = IncidentFactory(child=ChildFactory(program=world.program_b))
        month_ago = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
        assert ids(client.get(LIST, {"program": str(world.program_b.pk)}, **admin)) == {str(b.pk)}
        assert ids(client.get(LIST, {"until": month_ago}, **admin)) == {str(old.pk)}
        assert ids(client.get(LIST, {"since": month_ago, "program": str(world.program_a.pk)}, **admin)) == {
            str(incident_a.pk)}
        assert ids(client.get(LIST, {"exclusion_only": "true"}, **admin)) == {str(old.pk)}
        refused = client.get(LIST, {"since": "2025-03-01", "until": "2025-02-01"}, **admin)
        assert refused.status_code == 400

    def test_a_page_of_500_in_constant_queries(self, client, world, child, django_assert_max_num_queries):
        Incident.objects.bulk_create([
            Incident(network=world.network, program=world.program_a, child=child,
                     occurred_on=timezone.localdate() - dt.timedelta(days=n % 300), problem_behavior="disruption",
                     activity="circle", others_involved="peers", possible_motivation="avoid_task",
                     strategy_response="verbal_reminder", admin_follow_up="contact_family")
            for n in range(500)
        ])
        auth = api_auth(world.people["program_staff"], "incidents:read")
        with CaptureQueriesContext(connection) as one_row:
            assert client.get(LIST, {"page_size": 1}, **auth).status_code == 200
        assert len(one_row) <= 16
        with django_assert_max_num_queries(len(one_row)):
            response = client.get(LIST, {"page_size": 500}, **auth)
        assert len(response.json()["results"]) == 500


class TestIncidentDetail:
    def test_inside_the_scope_with_notes_and_exclusion_and_audited(self, client, world, incident_b):
        admin = world.people["network_admin"]
        response = client.get(detail_url(incident_b), **api_auth(admin, "incidents:read"))
        assert response.status_code == 200
        data = response.json()
        assert data["child_code"] == "HAR-001" and data["is_oss"] is True
        assert data["exclusion"] is None  # made by the factory, not the service: no exclusion record
        assert AccessEvent.objects.filter(user_id=admin.pk, action="view", object_type="incidents.incident",
                                          object_id=str(incident_b.pk)).exists()

    @pytest.mark.parametrize("role", ["program_staff", "regional_coordinator", "consultant"])
    def test_outside_the_scope_404_and_audited_as_denied(self, client, world, engaged, incident_b, role):
        person = world.people[role]
        response = client.get(detail_url(incident_b), **api_auth(person, "incidents:read"))
        assert response.status_code == 404
        assert AccessEvent.objects.filter(user_id=person.pk, outcome=Outcome.DENIED,
                                          object_type="incidents.incident").exists()


class TestIncidentCreate:
    def test_program_staff_record_by_child_code_through_the_service(self, client, world, child, hooks):
        staff = world.people["program_staff"]
        response = client.post(LIST, body(world), content_type="application/json",
                               **api_auth(staff, "incidents:write"))
        assert response.status_code == 201, response.content
        incident = Incident.objects.get(pk=response.json()["id"])
        assert incident.child == child and incident.recorded_by == staff and incident.notes == "Waited for the swing."
        assert response.json()["child_code"] == "SUN-007" and response.json()["exclusion"] is None
        assert AccessEvent.objects.filter(user_id=staff.pk, action="create", object_type="incidents.incident",
                                          object_id=str(incident.pk)).exists()
        assert hooks.evaluated == [child.pk]  # the early warning looked at the child, as on the web

    def test_an_excluding_follow_up_answers_with_its_exclusion(self, client, world, child):
        response = client.post(LIST, body(world, admin_follow_up="sent_home_rest_of_day"),
                               content_type="application/json",
                               **api_auth(world.people["program_staff"], "incidents:write"))
        assert response.status_code == 201, response.content
        exclusion = Exclusion.objects.get(incident_id=response.json()["id"])
        assert response.json()["exclusion"] == {"id": str(exclusion.pk), "kind": "oss",
                                                "starts_on": body(world)["occurred_on"], "ends_on": None,
                                                "days_lost": 0.5}
        assert exclusion.days_lost == Decimal("0.5")

    def test_an_idempotency_key_makes_a_retry_safe(self, client, world, child):
        auth = api_auth(world.people["program_staff"], "incidents:write")
        key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
        first = client.post(LIST, body(world), content_type="application/json", **auth, **key)
        again = client.post(LIST, body(world), content_type="application/json", **auth, **key)
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
        assert Incident.objects.count() == 1

    def test_a_replay_after_losing_the_program_is_404_not_the_stored_answer(self, client, world, child):
        # given an incident recorded with a key, then the staff member moves to another program
        staff = world.people["program_staff"]
        auth = api_auth(staff, "incidents:write")
        key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
        assert client.post(LIST, body(world), content_type="application/json", **auth, **key).status_code == 201
        staff.memberships.filter(program=world.program_a).update(program=world.program_b)
        # when the same request is sent again: the endpoint's answer now, and the stored answer is dropped
        again = client.post(LIST, body(world), content_type="application/json", **auth, **key)
        assert again.status_code == 404
        assert "Idempotent-Replayed" not in again
        assert not IdempotencyKey.objects.exists()
        assert Incident.objects.count() == 1

    @pytest.mark.parametrize("overrides, field", [
        ({"child_code": "NOBODY"}, "child_code"),
        ({"occurred_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}, "occurred_on"),
        ({"occurred_on": (timezone.localdate() - dt.timedelta(days=900)).isoformat()}, "occurred_on"),
        ({"problem_behavior": "singing"}, "problem_behavior"),
        ({"classroom": str(uuid.uuid4())}, "classroom"),
        ({"child_code": "SUN\x00007"}, "child_code"),
        ({"occurred_at": "10:30+02:00"}, "occurred_at"),
    ])
    def test_refusals_are_400_on_their_field(self, client, world, child, overrides, field):
        response = client.post(LIST, body(world, **overrides), content_type="application/json",
                               **api_auth(world.people["program_staff"], "incidents:write"))
        assert response.status_code == 400, response.content
        assert field in response.json()["error"]["fields"]
        assert not Incident.objects.exists()

    def test_a_classroom_of_another_program_is_refused(self, client, world, child):
        elsewhere = ClassroomFactory(program=world.program_b)
        response = client.post(LIST, body(world, classroom=str(elsewhere.pk)), content_type="application/json",
                               **api_auth(world.people["program_staff"], "incidents:write"))
        assert response.status_code == 400 and "classroom" in response.json()["error"]["fields"]

    def test_a_child_of_another_program_is_not_found_by_its_code(self, client, world):
        ChildFactory(program=world.program_b, code="HAR-009")
        response = client.post(LIST, body(world, child_code="HAR-009"), content_type="application/json",
                               **api_auth(world.people["program_staff"], "incidents:write"))
        assert response.status_code == 400 and "child_code" in response.json()["error"]["fields"]

    def test_a_program_outside_the_scope_is_404_and_a_reader_is_403(self, client, world, child):
        ChildFactory(program=world.program_b, code="HAR-009")
        outside = client.post(LIST, body(world, program=str(world.program_b.pk), child_code="HAR-009"),
                              content_type="application/json",
                              **api_auth(world.people["program_staff"], "incidents:write"))
        assert outside.status_code == 404
        # the coordinator reads incidents but records none (not in "incident.record")
        coordinator = client.post(LIST, body(world), content_type="application/json",
                                  **api_auth(world.people["regional_coordinator"]))
        assert coordinator.status_code == 403
        read_only = client.post(LIST, body(world), content_type="application/json",
                                **api_auth(world.people["program_staff"], "incidents:read"))
        assert read_only.status_code == 403
        assert not Incident.objects.exists()

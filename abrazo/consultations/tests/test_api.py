"""Episodes and contacts over /api/v1/: the web's scopes and audit, token scopes, filters, the contact create
through the service with an idempotency key, and query counts that do not grow with the page."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from abrazo.api.tests.factories import api_auth
from abrazo.audit.models import AccessEvent, Outcome
from abrazo.consultations.models import Contact, Episode, EpisodeType, Phase
from abrazo.consultations.tests.factories import ContactFactory, EpisodeFactory, english

pytestmark = pytest.mark.django_db

LIST = reverse("api:consultations-episode-list")


def detail_url(episode):
    return reverse("api:consultations-episode-detail", args=[episode.pk])


def contacts_url(episode):
    return reverse("api:consultations-episode-contacts", args=[episode.pk])


def ids(response):
    return {row["id"] for row in response.json()["results"]}


def listed_event(user, model="consultations.episode"):
    return AccessEvent.objects.filter(user_id=user.pk, action="list", object_type=model).latest("occurred_at")


def queries_for_one_row(client, url, auth):
    """The queries a page of one row costs (the first call also pays for the token's last-used stamp)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, {"page_size": 1}, **auth).status_code == 200
    return len(captured)


def contact_body(**overrides):
    body = {"contact_date": timezone.localdate().isoformat(), "minutes": 45, "modality": "on_site",
            "activity_type": "teacher_meeting", "language": "en", "participants": ["teacher"],
            "topics": ["routines_transitions"], "notes": "Planned the arrival routine."}
    body.update(overrides)
    return body


class TestEpisodeList:
    def test_the_consultant_lists_her_episodes_only_and_the_ids_are_audited(self, client, episodes):
        # given the world's consultant with two episodes and another consultant's episode in region B
        consultant = episodes.person("consultant")
        # when she lists episodes with her token
        response = client.get(LIST, **api_auth(consultant, "episodes:read"))
        # then she gets her two, and the audit names exactly those ids
        assert response.status_code == 200
        mine = {str(episodes.child_episode.pk), str(episodes.classroom_episode.pk)}
        assert ids(response) == mine
        assert set(listed_event(consultant).object_ids) == mine
        row = next(r for r in response.json()["results"] if r["id"] == str(episodes.child_episode.pk))
        assert row["child_code"] == episodes.child_episode.child_code
        assert row["status"] == "open" and row["program"] == str(episodes.world.program_a.pk)
        assert row["consultant_name"] == consultant.full_name
        assert row["opened_at"].endswith("Z")  # date-times in UTC, as everywhere in the API

    @pytest.mark.parametrize("role, sees_outside", [
        ("network_admin", True), ("regional_coordinator", False), ("supervisor", False), ("program_staff", False),
    ])
    def test_each_role_sees_its_scope(self, client, episodes, role, sees_outside):
        response = client.get(LIST, **api_auth(episodes.person(role), "episodes:read"))
        assert response.status_code == 200
        assert str(episodes.classroom_episode.pk) in ids(response)
        assert (str(episodes.outside_episode.pk) in ids(response)) is sees_outside

    def test_evaluators_get_no_rows(self, client, episodes):
        # an evaluator cannot even hold the scope; signed in on the web, the API refuses the list outright
        client.force_login(episodes.person("evaluator"))
        response = client.get(LIST)
        assert response.status_code == 403
        assert "results" not in response.json()
        assert not AccessEvent.objects.filter(user_id=episodes.person("evaluator").pk, action="list").exists()

    def test_without_a_token_401_and_without_the_scope_403(self, client, episodes):
        assert client.get(LIST).status_code == 401
        response = client.get(LIST, **api_auth(episodes.person("consultant"), "incidents:read"))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "scope_missing"

    def test_filters(self, client, episodes):
        consultant = episodes.person("consultant")
        auth = api_auth(consultant, "episodes:read")
        closed = EpisodeFactory(program=episodes.world.program_a, consultant=episodes.consultant, phase=Phase.CLOSED,
                                opened_at=timezone.now() - dt.timedelta(days=40))
        child, classroom = str(episodes.child_episode.pk), str(episodes.classroom_episode.pk)
        assert ids(client.get(LIST, {"status": "closed"}, **auth)) == {str(closed.pk)}
        assert ids(client.get(LIST, {"status": "open"}, **auth)) == {child, classroom}
        assert ids(client.get(LIST, {"type": EpisodeType.CHILD_FAMILY}, **auth)) == {child}
        assert ids(client.get(LIST, {"phase": Phase.CLOSED}, **auth)) == {str(closed.pk)}
        assert ids(client.get(LIST, {"program": str(episodes.world.program_b.pk)}, **auth)) == set()
        assert len(ids(client.get(LIST, {"consultant": str(episodes.consultant.pk)}, **auth))) == 3
        # opened 40 days ago against 7 days ago (the factory's default): a window between them picks one
        thirty_days_ago = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
        assert ids(client.get(LIST, {"opened_before": thirty_days_ago}, **auth)) == {str(closed.pk)}
        assert ids(client.get(LIST, {"opened_after": thirty_days_ago}, **auth)) == {child, classroom}

    @pytest.mark.parametrize("query", [{"status": "maybe"}, {"type": "nope"}, {"program": "not-a-uuid"},
                                       {"opened_after": "2025-02-30"},
                                       {"opened_after": "2025-03-01", "opened_before": "2025-02-01"}])
    def test_bad_filters_are_refused_not_ignored(self, client, episodes, query):
        response = client.get(LIST, query, **api_auth(episodes.person("consultant"), "episodes:read"))
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid"

    def test_a_page_of_500_costs_the_same_queries_as_a_page_of_one(self, client, episodes,
                                                                  django_assert_max_num_queries):
        # given 500 more episodes of the consultant
        Episode.objects.bulk_create([
            Episode(network=episodes.world.network, program=episodes.world.program_a, consultant=episodes.consultant,
                    episode_type=EpisodeType.CLASSROOM, language=english())
            for _ in range(500)
        ])
        auth = api_auth(episodes.person("consultant"), "episodes:read")
        # then a page of 500 is read in no more queries than a page of one (token, memberships, throttle, rows,
        # audit), and that is a small fixed number
        one_row = queries_for_one_row(client, LIST, auth)
        assert one_row <= 16
        with django_assert_max_num_queries(one_row):
            response = client.get(LIST, {"page_size": 500}, **auth)
        assert len(response.json()["results"]) == 500
        assert response.json()["next"] is not None


class TestEpisodeDetail:
    def test_inside_the_scope_200_and_audited(self, client, episodes):
        program_staff = episodes.person("program_staff")
        response = client.get(detail_url(episodes.classroom_episode), **api_auth(program_staff, "episodes:read"))
        assert response.status_code == 200
        assert response.json()["id"] == str(episodes.classroom_episode.pk)
        assert AccessEvent.objects.filter(user_id=program_staff.pk, action="view", object_type="consultations.episode",
                                          object_id=str(episodes.classroom_episode.pk)).exists()

    @pytest.mark.parametrize("role", ["consultant", "program_staff", "regional_coordinator", "supervisor"])
    def test_outside_the_scope_404_and_audited_as_denied(self, client, episodes, role):
        person = episodes.person(role)
        response = client.get(detail_url(episodes.outside_episode), **api_auth(person, "episodes:read"))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert AccessEvent.objects.filter(user_id=person.pk, outcome=Outcome.DENIED).exists()

    def test_an_unknown_id_is_404_like_one_outside(self, client, episodes):
        response = client.get(reverse("api:consultations-episode-detail", args=[uuid.uuid4()]),
                              **api_auth(episodes.person("network_admin"), "episodes:read"))
        assert response.status_code == 404


class TestContacts:
    @pytest.fixture
    def contact(self, episodes):
        return ContactFactory(episode=episodes.classroom_episode, logged_by=episodes.person("consultant"),
                              notes="The teacher tried the visual schedule.")

    def test_the_consultant_and_supervisor_read_notes(self, client, episodes, contact):
        for role in ("consultant", "supervisor"):
            person = episodes.person(role)
            response = client.get(contacts_url(episodes.classroom_episode), **api_auth(person, "episodes:read"))
            assert response.status_code == 200
            [row] = response.json()["results"]
            assert row["notes"] == "The teacher tried the visual schedule."
            assert row["minutes"] == 60 and row["minutes_meeting"] == 60
            # notes left Abrazo: audited as a view, in the call's one event (of the episode, with those contacts)
            event = AccessEvent.objects.filter(user_id=person.pk).latest("id")
            assert (event.action, event.object_id, event.object_ids) == (
                "view", str(episodes.classroom_episode.pk), [str(contact.pk)])

    def test_head_needs_only_the_read_scope(self, client, episodes, contact):
        response = client.head(contacts_url(episodes.classroom_episode),
                               **api_auth(episodes.person("consultant"), "episodes:read"))
        assert response.status_code == 200

    def test_the_coordinator_sees_contacts_without_notes(self, client, episodes, contact):
        coordinator = episodes.person("regional_coordinator")
        response = client.get(contacts_url(episodes.classroom_episode), **api_auth(coordinator, "episodes:read"))
        assert response.status_code == 200
        [row] = response.json()["results"]
        assert row["notes"] is None and row["id"] == str(contact.pk)
        # the call's one event names the episode and the contacts it listed
        event = AccessEvent.objects.filter(user_id=coordinator.pk).latest("id")
        assert (event.object_id, event.object_ids) == (str(episodes.classroom_episode.pk), [str(contact.pk)])

    def test_program_staff_never_see_contacts(self, client, episodes, contact):
        response = client.get(contacts_url(episodes.classroom_episode),
                              **api_auth(episodes.person("program_staff"), "episodes:read"))
        assert response.status_code == 403
        assert "The teacher" not in response.content.decode()

    def test_contacts_of_an_episode_outside_the_scope_are_404(self, client, episodes):
        ContactFactory(episode=episodes.outside_episode, logged_by=episodes.other_consultant.user)
        response = client.get(contacts_url(episodes.outside_episode),
                              **api_auth(episodes.person("consultant"), "episodes:read"))
        assert response.status_code == 404

    def test_a_page_of_500_contacts_in_constant_queries(self, client, episodes, django_assert_max_num_queries):
        Contact.objects.bulk_create([
            Contact(episode=episodes.classroom_episode, contact_date=timezone.localdate(), minutes=30,
                    activity_type="teacher_meeting", language=english(), notes=f"note {n}",
                    logged_by=episodes.person("consultant"))
            for n in range(500)
        ])
        auth = api_auth(episodes.person("supervisor"), "episodes:read")
        one_row = queries_for_one_row(client, contacts_url(episodes.classroom_episode), auth)
        assert one_row <= 18
        with django_assert_max_num_queries(one_row):
            response = client.get(contacts_url(episodes.classroom_episode), {"page_size": 500}, **auth)
        assert len(response.json()["results"]) == 500


class TestContactCreate:
    def test_the_consultant_logs_a_contact_through_the_service(self, client, episodes):
        consultant = episodes.person("consultant")
        response = client.post(contacts_url(episodes.classroom_episode), contact_body(),
                               content_type="application/json", **api_auth(consultant, "episodes:write"))
        assert response.status_code == 201, response.content
        contact = Contact.objects.get(pk=response.json()["id"])
        assert contact.episode == episodes.classroom_episode and contact.logged_by == consultant
        assert contact.minutes_in_classroom == 0  # a meeting: no classroom time unless split explicitly
        assert contact.participants == ["teacher"] and contact.topics == ["routines_transitions"]
        assert response.json()["notes"] == "Planned the arrival routine."
        # the service wrote its audit event and the timeline event
        assert AccessEvent.objects.filter(user_id=consultant.pk, action="create", object_type="consultations.contact",
                                          object_id=str(contact.pk)).exists()
        assert episodes.classroom_episode.events.filter(kind="contact").exists()

    def test_an_idempotency_key_makes_a_retry_safe(self, client, episodes):
        auth = api_auth(episodes.person("consultant"), "episodes:write")
        key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
        first = client.post(contacts_url(episodes.classroom_episode), contact_body(),
                            content_type="application/json", **auth, **key)
        again = client.post(contacts_url(episodes.classroom_episode), contact_body(),
                            content_type="application/json", **auth, **key)
        assert first.status_code == again.status_code == 201
        assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
        assert Contact.objects.filter(episode=episodes.classroom_episode).count() == 1
        other = client.post(contacts_url(episodes.classroom_episode), contact_body(minutes=50),
                            content_type="application/json", **auth, **key)
        assert other.status_code == 422

    @pytest.mark.parametrize("overrides, field", [
        ({"contact_date": (timezone.localdate() + dt.timedelta(days=2)).isoformat()}, "non_field_errors"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 30, "minutes_in_classroom": 45}, "non_field_errors"),
        ({"modality": "telepathy"}, "modality"),
        ({"language": "xx"}, "language"),
        ({"topics": ["not_a_topic"]}, "topics"),
        # a NUL byte is refused as input, never sent to the database (PostgreSQL would fail on it)
        ({"language": "e\x00"}, "language"),
        ({"notes": "a\x00b"}, "notes"),
    ])
    def test_what_the_service_or_the_serializer_refuses_is_a_400(self, client, episodes, overrides, field):
        response = client.post(contacts_url(episodes.classroom_episode), contact_body(**overrides),
                               content_type="application/json",
                               **api_auth(episodes.person("consultant"), "episodes:write"))
        assert response.status_code == 400, response.content
        assert field in response.json()["error"]["fields"]
        assert not Contact.objects.exists()

    def test_only_the_episodes_consultant_may_log(self, client, episodes):
        # the supervisor holds no "episode.work": refused outright
        supervisor = client.post(contacts_url(episodes.classroom_episode), contact_body(),
                                 content_type="application/json", **api_auth(episodes.person("supervisor")))
        assert supervisor.status_code == 403
        # another consultant's episode does not exist for her
        outside = client.post(contacts_url(episodes.outside_episode), contact_body(),
                              content_type="application/json",
                              **api_auth(episodes.person("consultant"), "episodes:write"))
        assert outside.status_code == 404
        # a read-only token may not write
        read_only = client.post(contacts_url(episodes.classroom_episode), contact_body(),
                                content_type="application/json",
                                **api_auth(episodes.person("consultant"), "episodes:read"))
        assert read_only.status_code == 403
        assert not Contact.objects.exists()

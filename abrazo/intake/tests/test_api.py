"""Requests on the API: scoped like the web's request pages, audited, and created once per Idempotency-Key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from abrazo.api.models import IdempotencyKey
from abrazo.api.tests.factories import api_auth
from abrazo.audit.models import AccessEvent
from abrazo.intake.models import Priority, Request, RequestStatus
from abrazo.intake.tests.factories import RequestFactory

LIST = "/api/v1/requests/"


@pytest.fixture
def requests_ab(world: Any) -> dict[str, Request]:
    return {
        "a": RequestFactory(region=world.region_a, program=world.program_a, program_name="Sunrise Center",
                            priority=Priority.URGENT, priority_override_reason="Family asked twice",
                            concern_text="Biting at nap time"),
        "b": RequestFactory(region=world.region_b, program=world.program_b, program_name="Harbor Kids",
                            submitted_at=timezone.now() - timedelta(days=10), status=RequestStatus.WAITLISTED),
    }


def refs(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["program_name"] for row in response.json()["results"]}


@pytest.mark.parametrize(("role", "expected"), [
    ("network_admin", {"Sunrise Center", "Harbor Kids"}),
    ("regional_coordinator", {"Sunrise Center"}),
    ("program_staff", {"Sunrise Center"}),
    ("consultant", set()),  # nothing assigned to them
    ("supervisor", set()),
])
def test_requests_are_scoped_per_role(client: Client, world: Any, requests_ab: Any, role: str, expected: set) -> None:
    assert refs(client.get(LIST, **api_auth(world.people[role], "requests:read"))) == expected


def test_evaluators_get_no_rows(client: Client, world: Any, requests_ab: Any) -> None:
    response = client.get(LIST, **api_auth(world.people["evaluator"], "resources:read"))
    assert response.status_code == 403
    client.force_login(world.people["evaluator"])
    assert client.get(LIST).status_code == 403


def test_request_outside_scope_is_404_and_denial_audited(client: Client, world: Any, requests_ab: Any) -> None:
    person = world.people["program_staff"]
    auth = api_auth(person, "requests:read")
    assert client.get(f"{LIST}{requests_ab['b'].pk}/", **auth).status_code == 404
    assert AccessEvent.objects.filter(user_id=person.pk, outcome="denied", object_type="intake.request").exists()
    response = client.get(f"{LIST}{requests_ab['a'].pk}/", **auth)
    assert response.status_code == 200
    body = response.json()
    assert body["concern_text"] == "Biting at nap time"
    # the coordinator's note on why the priority changed is not for program staff (as on the web page)
    assert body["priority_override_reason"] is None
    assert AccessEvent.objects.filter(user_id=person.pk, action="view", object_id=str(requests_ab["a"].pk)).exists()


def test_triage_sees_triage_notes(client: Client, world: Any, requests_ab: Any) -> None:
    auth = api_auth(world.people["regional_coordinator"], "requests:read")
    body = client.get(f"{LIST}{requests_ab['a'].pk}/", **auth).json()
    assert body["priority_override_reason"] == "Family asked twice"


def test_list_is_audited_and_has_no_free_text(client: Client, world: Any, requests_ab: Any) -> None:
    person = world.people["network_admin"]
    rows = client.get(LIST, **api_auth(person, "requests:read")).json()["results"]
    assert all("concern_text" not in row and "requester_email" not in row for row in rows)
    event = AccessEvent.objects.get(user_id=person.pk, action="list", object_type="intake.request")
    assert set(event.object_ids) == {str(requests_ab["a"].pk), str(requests_ab["b"].pk)}


def test_request_filters(client: Client, world: Any, requests_ab: Any) -> None:
    auth = api_auth(world.people["network_admin"], "requests:read")
    assert refs(client.get(f"{LIST}?status=waitlisted", **auth)) == {"Harbor Kids"}
    assert refs(client.get(f"{LIST}?priority=urgent", **auth)) == {"Sunrise Center"}
    since = (timezone.localdate() - timedelta(days=3)).isoformat()
    assert refs(client.get(f"{LIST}?submitted_from={since}", **auth)) == {"Sunrise Center"}
    assert refs(client.get(f"{LIST}?submitted_to={since}", **auth)) == {"Harbor Kids"}
    assert refs(client.get(f"{LIST}?program={world.program_b.pk}", **auth)) == {"Harbor Kids"}
    assert client.get(f"{LIST}?submitted_from=2026-02-30", **auth).status_code == 400


def test_request_list_queries_do_not_grow(client: Client, world: Any, django_assert_max_num_queries: Any) -> None:
    auth = api_auth(world.people["network_admin"], "requests:read")
    for _ in range(40):
        RequestFactory(region=world.region_a, program=world.program_a)
    # token, memberships, rate counter (first of the window: insert and clean-up), last use, the page, the audit
    # event and the audit's network: the same for 40 rows as for 500
    with django_assert_max_num_queries(14):
        response = client.get(f"{LIST}?page_size=500", **auth)
    assert len(response.json()["results"]) == 40


def new_request(**overrides: Any) -> dict[str, Any]:
    body = {
        "requester_name": "Ana Director", "requester_email": "ana@example.org", "requester_role": "director",
        "preferred_language": "es", "program_name": "Sunrise Center", "address_line1": "100 Example Street",
        "city": "Fresno", "postal_code": "93701", "county": "06019", "setting_type": "center",
        "concern_categories": ["behavior"], "concern_text": "Two toddlers bite at transitions.",
        "languages": ["en", "es"], "child_specific": False, "imminent_risk": True,
    }
    body.update(overrides)
    return body


def test_create_through_the_service_and_audited(client: Client, world: Any) -> None:
    person = world.people["program_staff"]
    response = client.post(LIST, new_request(), content_type="application/json",
                           **api_auth(person, "requests:write"))
    assert response.status_code == 201, response.content
    body = response.json()
    created = Request.objects.get(pk=body["id"])
    assert created.submitted_by == person and created.network == world.network
    assert body["reference"] == created.reference and body["priority"] == created.priority
    assert body["languages"] == ["en", "es"]
    assert AccessEvent.objects.filter(user_id=person.pk, action="create", object_id=str(created.pk)).exists()


def test_create_needs_the_write_scope(client: Client, world: Any) -> None:
    response = client.post(LIST, new_request(), content_type="application/json",
                           **api_auth(world.people["program_staff"], "requests:read"))
    assert response.status_code == 403 and response.json()["error"]["code"] == "scope_missing"


def test_create_validation_errors_are_per_field(client: Client, world: Any) -> None:
    response = client.post(LIST, new_request(county="99999", concern_categories=[], child_specific=True),
                           content_type="application/json", **api_auth(world.people["program_staff"]))
    assert response.status_code == 400
    assert {"county", "concern_categories"} <= set(response.json()["error"]["fields"])


def test_county_not_served_is_a_field_error_from_the_service(client: Client, world: Any) -> None:
    response = client.post(LIST, new_request(county="06001"), content_type="application/json",
                           **api_auth(world.people["program_staff"]))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["county"][0]["code"] == "county_not_served"


def test_idempotent_replay_returns_the_same_answer_and_one_row(client: Client, world: Any) -> None:
    auth = api_auth(world.people["program_staff"], "requests:write")
    first = client.post(LIST, new_request(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    again = client.post(LIST, new_request(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Request.objects.count() == 1
    # a new key is a new request
    other = client.post(LIST, new_request(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2", **auth)
    assert other.status_code == 201 and Request.objects.count() == 2


def test_same_key_with_another_body_is_422(client: Client, world: Any) -> None:
    auth = api_auth(world.people["program_staff"], "requests:write")
    client.post(LIST, new_request(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    response = client.post(LIST, new_request(city="Clovis"), content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Request.objects.count() == 1


def test_refused_request_does_not_spend_the_key(client: Client, world: Any) -> None:
    auth = api_auth(world.people["program_staff"], "requests:write")
    bad = client.post(LIST, new_request(county="99999"), content_type="application/json",
                      HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    assert bad.status_code == 400 and not IdempotencyKey.objects.exists()
    fixed = client.post(LIST, new_request(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    assert fixed.status_code == 201


def test_keys_are_per_person_and_forgotten_after_a_day(client: Client, world: Any) -> None:
    staff = api_auth(world.people["program_staff"], "requests:write")
    admin = api_auth(world.people["network_admin"], "requests:write")
    client.post(LIST, new_request(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **staff)
    # another person's same key is theirs alone
    assert client.post(LIST, new_request(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1",
                       **admin).status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    later = client.post(LIST, new_request(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **staff)
    assert later.status_code == 201 and "Idempotent-Replayed" not in later
    assert Request.objects.count() == 3


def test_evaluator_cannot_create(client: Client, world: Any) -> None:
    client.force_login(world.people["evaluator"])
    response = client.post(LIST, new_request(), content_type="application/json")
    assert response.status_code == 403
    assert not Request.objects.exists()


def test_key_of_a_request_still_in_progress_is_409(client: Client, world: Any) -> None:
    # given a first request with this key that has not finished (its row is claimed, no answer stored yet)
    person = world.people["program_staff"]
    auth = api_auth(person, "requests:write")
    from abrazo.api.idempotency import body_hash

    IdempotencyKey.objects.create(user=person, key="k-1", request_line=f"POST {LIST}",
                                  body_hash=body_hash(new_request()))
    # when the same request arrives again
    response = client.post(LIST, new_request(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    # then it is asked to wait, and nothing is created
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_use"
    assert not Request.objects.exists()

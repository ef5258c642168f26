"""Schemathesis fuzzes every operation of the OpenAPI document, in-process, against a small seeded world.

What CI proves here (issue 8): no 5xx answer, every answer conforms to the document (status code, content type,
headers, body schema), and unauthenticated or out-of-scope calls are refused:

- `test_fuzz_as`: for a consultant's and an administrator's token (every scope the person may hold), Schemathesis
  draws valid and invalid requests for each operation. Path ids are either drawn at random or taken from the
  seeded records (so real rows are serialised and real creates are attempted).
- `test_every_operation_refuses_*`: each operation answers 401 without credentials, 403 to a token lacking its
  scope, and 404 for an id of a record outside the caller's scope.

The run is bounded (few examples per operation, derandomized so a failure reproduces) to stay under a few
minutes on two cores. The schema is loaded from the Django app itself (WSGI, no server).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import resolve
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import MembershipFactory
from abrazo.api.permissions import required_scope_of
from abrazo.api.services import scopes_for
from abrazo.api.tests.factories import make_token
from abrazo.consultations.tests.factories import ContactFactory, EpisodeFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ClassroomFactory, ConsultantProfileFactory
from abrazo.incidents.tests.factories import ChildFactory, HookCalls, IncidentFactory
from abrazo.intake.tests.factories import RequestFactory
from abrazo.library.tests.factories_resource import ResourceFactory
from abrazo.measures.tests.factories import AdministrationFactory, InstrumentFactory

pytestmark = pytest.mark.django_db

SCHEMA_PATH = "/api/v1/schema/?format=json"
# Examples drawn per operation, generation mode and person: enough to walk each parameter's shapes, few enough
# for the whole file to finish in about two minutes on two cores.
EXAMPLES = 25
# Not negative_data_rejection: like DRF with form data, the API reads an empty query value (`?program=`) as "not
# given", a deliberate leniency that check reports as accepting invalid input.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@dataclass
class Seeded:
    """Records inside the world's network (`inside`, by path template) and outside anyone's reach but the other
    network's (`outside`), for the path ids of each operation."""

    inside: dict[str, list[str]] = field(default_factory=dict)
    outside: dict[str, str] = field(default_factory=dict)


def _seed(world: Any) -> Seeded:
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    episode = EpisodeFactory(program=world.program_a, consultant=consultant)
    child_episode = EpisodeFactory(program=world.program_a, consultant=consultant, child=True)
    contact = ContactFactory(episode=episode, logged_by=consultant.user)
    child = ChildFactory(program=world.program_a, code="SUN-007")
    incident = IncidentFactory(child=child, notes="Pushed at circle.")
    instrument = InstrumentFactory(network=world.network, key="climate")
    administration = AdministrationFactory(
        episode=episode, instrument=instrument,
        scores={"climate": {"raw": 9, "band": "high", "prorated": False, "answered": 3, "missing": 0}},
    )
    classroom = ClassroomFactory(program=world.program_a)
    request = RequestFactory(region=world.region_a, program=world.program_a)
    resource = ResourceFactory(network=world.network)

    # The other network: a program, its classroom, a consultant with an episode, contact, incident, measure...
    other = world.other_network
    other_region = world.other_program.region
    other_consultant = ConsultantProfileFactory(network=other, region=other_region)
    MembershipFactory(user=other_consultant.user, network=other, role=Role.CONSULTANT)
    other_episode = EpisodeFactory(program=world.other_program, consultant=other_consultant)
    ContactFactory(episode=other_episode, logged_by=other_consultant.user)
    other_incident = IncidentFactory(child=ChildFactory(program=world.other_program))
    other_administration = AdministrationFactory(
        episode=other_episode, instrument=InstrumentFactory(network=other, key="climate"))
    return Seeded(
        inside={
            "/api/v1/episodes/{id}/": [str(episode.pk), str(child_episode.pk)],
            "/api/v1/episodes/{id}/contacts/": [str(episode.pk), str(child_episode.pk)],
            "/api/v1/incidents/{id}/": [str(incident.pk)],
            "/api/v1/administrations/{id}/": [str(administration.pk)],
            "/api/v1/programs/{id}/": [str(world.program_a.pk)],
            "/api/v1/classrooms/{id}/": [str(classroom.pk)],
            "/api/v1/consultants/{id}/": [str(consultant.pk)],
            "/api/v1/requests/{id}/": [str(request.pk)],
            "/api/v1/resources/{id}/": [str(resource.pk)],
            "_contact": [str(contact.pk)],
        },
        outside={
            "/api/v1/episodes/{id}/": str(other_episode.pk),
            "/api/v1/episodes/{id}/contacts/": str(other_episode.pk),
            "/api/v1/incidents/{id}/": str(other_incident.pk),
            "/api/v1/administrations/{id}/": str(other_administration.pk),
            "/api/v1/programs/{id}/": str(world.other_program.pk),
            "/api/v1/classrooms/{id}/": str(ClassroomFactory(program=world.other_program).pk),
            "/api/v1/consultants/{id}/": str(other_consultant.pk),
            "/api/v1/requests/{id}/": str(RequestFactory(region=other_region).pk),
            "/api/v1/resources/{id}/": str(ResourceFactory(network=other).pk),
        },
    )


@pytest.fixture(autouse=True)
def _quiet_side_effects(monkeypatch: Any, settings: Any) -> None:
    """Incidents' early warnings and rollups are not what is fuzzed; the rate limits would refuse the fuzzer."""
    HookCalls.install(monkeypatch)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"api": "100000/min", "api_write": "100000/min"}}


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """Requests go straight to Django's WSGI handler, which closes old connections at the end of each request;
    that would close the test's own transaction on PostgreSQL. Django's test client stops it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(world: Any) -> Seeded:
    return _seed(world)


@pytest.fixture
def api_schema(seeded: Seeded) -> Any:
    return schemathesis.openapi.from_wsgi(SCHEMA_PATH, WSGIHandler())


def _operations(api_schema: Any) -> list[Any]:
    return [result.ok() for result in api_schema.get_all_operations()]


def test_the_document_covers_every_endpoint_of_issue_8(api_schema: Any) -> None:
    labels = {f"{op.method.upper()} {op.path}" for op in _operations(api_schema)}
    for expected in ("GET /api/v1/episodes/", "GET /api/v1/episodes/{id}/", "GET /api/v1/episodes/{id}/contacts/",
                     "POST /api/v1/episodes/{id}/contacts/", "GET /api/v1/incidents/", "POST /api/v1/incidents/",
                     "GET /api/v1/incidents/{id}/", "GET /api/v1/administrations/",
                     "GET /api/v1/administrations/{id}/"):
        assert expected in labels


def _fuzz_operation(operation: Any, *, token: str, known_ids: list[str], mode: Any, seen: set[int]) -> None:
    headers = {"Authorization": f"Bearer {token}"}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure report names the request
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode),
           known=st.sampled_from(known_ids) if known_ids else st.none())
    def run(case: Any, known: str | None) -> None:
        if known is not None and case.path_parameters and "id" in case.path_parameters:
            case.path_parameters = {**case.path_parameters, "id": known}
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        seen.add(response.status_code)

    run()


@pytest.mark.parametrize("role", ["consultant", "network_admin"])
def test_fuzz_as(role: str, world: Any, seeded: Seeded, api_schema: Any) -> None:
    # given a token holding every scope the person may use
    token = make_token(world.people[role])
    # when every operation is fuzzed with valid and invalid requests
    failures: list[str] = []
    statuses: dict[str, set[int]] = {}
    for operation in _operations(api_schema):
        known = seeded.inside.get(operation.path, [])
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            # half the positive cases reach a seeded record; negative cases keep their (invalid) ids
            ids = [*known, *[str(uuid.uuid4()) for _ in known]] if mode.is_positive else []
            seen = statuses.setdefault(f"{operation.method.upper()} {operation.path}", set())
            try:
                _fuzz_operation(operation, token=token, known_ids=ids, mode=mode, seen=seen)
            except Exception as failure:  # one operation's failure must not hide another's
                failures.append(f"{mode.value} {operation.method.upper()} {operation.path}:\n{failure}")
    # then every answer was a conforming non-5xx
    assert not failures, "\n\n".join(failures)
    # and the fuzzer got past the door: every list answered 200 at least once, and some requests were refused
    for label, codes in statuses.items():
        if label.startswith("GET") and not label.endswith("{id}/"):
            assert 200 in codes, f"{label} never answered 200: {sorted(codes)}"
        assert codes & {400, 404}, f"{label} never refused anything: {sorted(codes)}"


# --- Refusals, operation by operation -------------------------------------------------------------------------


def _request(client: Any, operation: Any, path_id: str, **extra: Any) -> Any:
    url = operation.path.replace("{id}", path_id)
    if operation.method.upper() == "POST":
        return client.post(url, {}, content_type="application/json", **extra)
    return client.get(url, **extra)


def _scope_of(operation: Any, path_id: str) -> str:
    match = resolve(operation.path.replace("{id}", path_id))
    view = match.func.view_class  # type: ignore[attr-defined]
    return str(required_scope_of(view, operation.method.upper()))


def test_every_operation_refuses_a_call_without_credentials(client: Any, seeded: Seeded, api_schema: Any) -> None:
    for operation in _operations(api_schema):
        path_id = seeded.inside.get(operation.path, [str(uuid.uuid4())])[0]
        response = _request(client, operation, path_id)
        assert response.status_code == 401, f"{operation.method} {operation.path}: {response.status_code}"
        assert response.json()["error"]["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_every_operation_refuses_a_token_lacking_its_scope(client: Any, world: Any, seeded: Seeded,
                                                           api_schema: Any) -> None:
    admin = world.people["network_admin"]
    held = scopes_for(admin)
    for operation in _operations(api_schema):
        path_id = seeded.inside.get(operation.path, [str(uuid.uuid4())])[0]
        needed = _scope_of(operation, path_id)
        others = [scope for scope in held if scope != needed]
        token = make_token(admin, *others)
        response = _request(client, operation, path_id, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 403, f"{operation.method} {operation.path}: {response.status_code}"
        assert response.json()["error"]["code"] == "scope_missing"


@pytest.mark.parametrize("role", ["consultant", "network_admin", "program_staff"])
def test_every_operation_on_a_record_answers_404_outside_the_scope(client: Any, world: Any, seeded: Seeded,
                                                                   api_schema: Any, role: str) -> None:
    token = make_token(world.people[role])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    held = set(scopes_for(world.people[role]))
    checked = 0
    for operation in _operations(api_schema):
        if "{id}" not in operation.path:
            continue
        assert operation.path in seeded.outside, f"seed a record outside the scope for {operation.path}"
        path_id = seeded.outside[operation.path]
        if _scope_of(operation, path_id) not in held:
            continue  # refused with 403 before any record is looked at (the test above)
        response = _request(client, operation, path_id, **auth)
        if operation.method.upper() == "POST":
            body = {"contact_date": timezone.localdate().isoformat(), "minutes": 30, "modality": "phone",
                    "activity_type": "coordination", "language": "en"}
            response = client.post(operation.path.replace("{id}", path_id), body, content_type="application/json",
                                   **auth)
        if response.status_code == 403 and response.json()["error"]["code"] == "permission_denied":
            continue  # the person holds no role with the permission at all (as on the web)
        assert response.status_code == 404, f"{role} {operation.method} {operation.path}: {response.status_code}"
        checked += 1
    assert checked >= 3



def test_a_nul_byte_in_a_looked_up_code_is_a_400(client: Any, world: Any) -> None:
    # A NUL byte reached PostgreSQL from these lookups and answered 500 (found by the fuzz run on PostgreSQL).
    admin_auth = {"HTTP_AUTHORIZATION": f"Bearer {make_token(world.people['network_admin'])}"}
    consultant_auth = {"HTTP_AUTHORIZATION": f"Bearer {make_token(world.people['consultant'])}"}
    request_body = {"requester_name": "Ana", "requester_email": "ana@example.org", "requester_role": "director",
                    "preferred_language": "e\x00n", "program_name": "Sunrise", "address_line1": "1 Main St",
                    "city": "Fresno", "postal_code": "93701", "county": "060\x0019", "setting_type": "center",
                    "languages": ["e\x00s"], "concern_categories": ["behavior"], "concern_text": "Biting."}
    response = client.post("/api/v1/requests/", request_body, content_type="application/json", **admin_auth)
    assert response.status_code == 400, response.content
    assert {"preferred_language", "county", "languages"} <= set(response.json()["error"]["fields"])
    episode = EpisodeFactory(program=world.program_a,
                             consultant=ConsultantProfile.objects.get(user=world.people["consultant"]))
    contact = {"contact_date": timezone.localdate().isoformat(), "minutes": 30, "modality": "phone",
               "activity_type": "coordination", "language": "e\x00n"}
    response = client.post(f"/api/v1/episodes/{episode.pk}/contacts/", contact, content_type="application/json",
                           **consultant_auth)
    assert response.status_code == 400 and "language" in response.json()["error"]["fields"]

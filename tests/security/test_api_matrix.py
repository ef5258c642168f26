"""The API operation matrix: every operation of /api/v1/ (path x method) x every role, anonymous, a bad token and a
token whose scope is too narrow x a record inside and outside the role's scope, with the expected answer computed
from abrazo.accounts.access.POLICY and the permission and token scope each endpoint declares.

It reuses the HTML matrix's people and records (tests/security/matrix.py: ROLES, SCOPED_OBJECTS, the `matrix_world`
fixture), so one table of places serves both. Two rules keep it complete:
- every operation in the OpenAPI document and every API route of the resolver is listed in API_OPERATIONS, so a
  new endpoint, or a new method on an old one, fails the build until it says which records it reaches;
- every list answered 200 holds the record inside the caller's scope and never the one outside it.

Answers (docs/api.md): no credentials or a bad token 401; a role or token that may not use the endpoint 403; a record
outside the caller's scope 404, exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from abrazo.accounts.access import POLICY, Scope
from abrazo.accounts.models import Role
from abrazo.api.permissions import required_scope_of
from abrazo.api.tests.factories import bearer, make_token
from tests.security.matrix import ANONYMOUS, ROLES, SCOPED_OBJECTS, MatrixWorld
from tests.security.routes import Route, all_routes, is_api_endpoint

pytestmark = pytest.mark.django_db

NO_OBJECT = "-"


# --- the bodies a create is sent (valid, so that a granted create answers 201) -------------------------------


def _contact_body(_target: Any) -> dict[str, Any]:
    return {
        "contact_date": timezone.localdate().isoformat(),
        "minutes": 30,
        "modality": "on_site",
        "activity_type": "teacher_meeting",
        "language": "en",
        "notes": "Matrix contact.",
    }


def _incident_body(child: Any) -> dict[str, Any]:
    # The program is the record placed inside or outside the scope; the child code is one that program uses.
    return {
        "program": str(child.program_id),
        "child_code": child.code,
        "occurred_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "problem_behavior": "physical_aggression",
        "activity": "outdoor",
        "others_involved": "peers",
        "possible_motivation": "obtain_item",
        "strategy_response": "redirect",
        "admin_follow_up": "contact_family",
    }


def _request_body(network: Any) -> dict[str, Any]:
    return {
        "network": str(network.pk),
        "requester_name": "Matrix Requester",
        "requester_email": "m@example.org",
        "requester_role": "director",
        "preferred_language": "en",
        "program_name": "Matrix Program",
        "address_line1": "1 Main St",
        "city": "Fresno",
        "postal_code": "93721",
        "county": "06019",
        "setting_type": "center",
        "concern_categories": ["social_emotional"],
        "concern_text": "Matrix concern.",
    }


@dataclass(frozen=True)
class Operation:
    """What the matrix needs to know of one API operation beyond what the view declares."""

    kind: str = NO_OBJECT  # the SCOPED_OBJECTS kind the path's id names, a list's rows are, or a create targets
    body: Callable[[Any], dict[str, Any]] | None = None  # a create's body, built around the placed record
    granted: int = 200
    public: bool = False  # open to everyone, signed in or not (the OpenAPI document)
    # The answer to a create whose target is outside the scope, when it is not 404 (see the line's comment).
    outside: int = 404
    # The scope that places the record, when not the role's scope for the permission: a request is submitted to a
    # network the caller belongs to, whatever their reach inside it.
    placed_by: Scope | None = None
    # Permissions, any one of which the caller must also hold on the record once it is found (403 without: the
    # record is in sight, so refusing it reveals nothing).
    also_one_of: tuple[str, ...] = ()
    notes: str = field(default="", compare=False)


# (URL name, method) -> Operation. A missing line fails test_every_api_operation_is_in_the_matrix.
API_OPERATIONS: dict[tuple[str, str], Operation] = {
    ("api:schema", "GET"): Operation(public=True, notes="describes the endpoints, holds no data"),
    ("api:directory-program-list", "GET"): Operation("program"),
    ("api:directory-program-detail", "GET"): Operation("program"),
    ("api:directory-classroom-list", "GET"): Operation("classroom"),
    ("api:directory-classroom-detail", "GET"): Operation("classroom"),
    ("api:directory-consultant-list", "GET"): Operation("consultant"),
    ("api:directory-consultant-detail", "GET"): Operation("consultant"),
    ("api:intake-request-list", "GET"): Operation("request"),
    # The network is named in the body, not the path: a network the caller does not belong to is refused as a
    # field error (400, "You do not belong to this network"), the same for a network that does not exist, so
    # nothing is revealed either way.
    ("api:intake-request-list", "POST"): Operation(
        "network", body=_request_body, granted=201, outside=400, placed_by=Scope.NETWORK
    ),
    ("api:intake-request-detail", "GET"): Operation("request"),
    ("api:library-resource-list", "GET"): Operation("published_resource"),
    ("api:library-resource-detail", "GET"): Operation("published_resource"),
    ("api:consultations-episode-list", "GET"): Operation("episode"),
    ("api:consultations-episode-detail", "GET"): Operation("episode"),
    # Contacts are the clinical record: program staff see the episode (episode.view) but not its contacts.
    ("api:consultations-episode-contacts", "GET"): Operation(
        "episode", also_one_of=("episode.notes", "episode.manage")
    ),
    ("api:consultations-episode-contacts", "POST"): Operation("episode", body=_contact_body, granted=201),
    ("api:incidents-incident-list", "GET"): Operation("incident"),
    ("api:incidents-incident-list", "POST"): Operation("child", body=_incident_body, granted=201),
    ("api:incidents-incident-detail", "GET"): Operation("incident"),
    ("api:measures-administration-list", "GET"): Operation("administration"),
    ("api:measures-administration-detail", "GET"): Operation("administration"),
    ("api:reports-network", "GET"): Operation(),
}
# Lists whose rows are of the operation's kind (a path without an id that answers a page of results).
LISTS = {key for key, op in API_OPERATIONS.items() if key[1] == "GET" and key[0].endswith("-list")}


# --- which operations exist ------------------------------------------------------------------------------------


def api_routes() -> list[Route]:
    """The API's own endpoints: the catch-all 404 (unnamed) and the docs page for people (HTML matrix) aside."""
    return [route for route in all_routes() if is_api_endpoint(route) and route.name]


def view_class(route: Route) -> Any:
    return getattr(route.callback, "cls", None) or getattr(route.callback, "view_class", None)


def methods_of(route: Route) -> set[str]:
    cls = view_class(route)
    assert cls is not None, f"{route.name} is not a class-based API view"
    return {method.upper() for method in ("get", "post", "put", "patch", "delete") if hasattr(cls, method)}


def resolver_operations() -> set[tuple[str, str]]:
    return {(route.name, method) for route in api_routes() for method in methods_of(route)}


def schema_operations() -> set[tuple[str, str]]:
    """(URL name, method) of every operation in the OpenAPI document, its paths resolved back to URL names."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = set()
    for path, item in schema["paths"].items():
        concrete = path.replace("{id}", str(uuid.uuid4())).replace("{pk}", str(uuid.uuid4()))
        name = resolve(concrete).view_name
        for method in item:
            if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                found.add((name, method.upper()))
    return found


def test_every_api_operation_is_in_the_matrix():
    # given the operations the resolver routes and the operations the OpenAPI document describes
    routed, described = resolver_operations(), schema_operations()
    assert routed and described
    # then each is a line of API_OPERATIONS, and the table names no operation that is gone
    missing = sorted((routed | described) - set(API_OPERATIONS))
    assert not missing, (
        f"API operations not in the matrix: {missing}. Add each to API_OPERATIONS in {__name__} with the kind of "
        f"record it reaches ({', '.join(sorted(SCOPED_OBJECTS))}), and a body if it creates."
    )
    assert set(API_OPERATIONS) <= routed, sorted(set(API_OPERATIONS) - routed)
    # and every kind named has records inside and outside a scope
    assert {op.kind for op in API_OPERATIONS.values()} - {NO_OBJECT} <= set(SCOPED_OBJECTS)


# --- the expected answer ---------------------------------------------------------------------------------------


def declared(route: Route, method: str) -> tuple[str | None, tuple[str, ...]]:
    """The token scope and the POLICY permissions (any one of which is enough) the view declares for a method. A
    view may make `permission` a property of the request's method, so it is read from an instance."""
    cls = view_class(route)
    view = cls()
    view.request = APIRequestFactory().generic(method, "/")
    permission = getattr(view, "permission", None)
    permissions = () if not permission else (permission,) if isinstance(permission, str) else tuple(permission)
    return required_scope_of(view, method), permissions


def scope_of(role: str, permissions: tuple[str, ...]) -> Scope | None:
    """The scope POLICY gives the role for the view's permission (the first held); NETWORK when the view names none
    (the published library, which every signed-in person reads for their own network(s))."""
    if not permissions:
        return Scope.NETWORK
    for permission in permissions:
        if (scope := POLICY[permission].get(Role(role))) is not None:
            return scope
    return None


# Credentials a signed-in role calls with: a token holding every scope the person may have, and a token holding
# one scope the person may have but not the one the operation needs.
FULL, NARROW = "token", "narrow-token"


def expected_answer(op: Operation, role: str, credential: str, permissions: tuple[str, ...], placement: str) -> int:
    if op.public:
        return op.granted
    if role == ANONYMOUS:
        return 401  # no token, or one that is not a token of ours
    if Role(role) not in POLICY["api.token"]:
        return 403
    if credential == NARROW:
        return 403
    if permissions and scope_of(role, permissions) is None:
        return 403  # the role holds the endpoint's permission nowhere: refused before any record is read
    if placement == "outside":
        return op.outside if op.body else 404
    if op.also_one_of and not any(Role(role) in POLICY[permission] for permission in op.also_one_of):
        return 403
    return op.granted


@dataclass(frozen=True)
class Check:
    name: str
    method: str
    role: str
    credential: str
    placement: str
    expected: int
    url: str
    body: dict[str, Any] | None
    inside_id: str | None  # for a list: the id that must be among the results; the outside id must not be
    outside_id: str | None


def checks_for(route: Route, method: str, matrix: MatrixWorld) -> list[Check]:
    op = API_OPERATIONS[(route.name, method)]
    token_scope, permissions = declared(route, method)
    checks = []
    callers = [(ANONYMOUS, "none"), (ANONYMOUS, "bad-token")]
    callers += [(role, credential) for role in ROLES for credential in (FULL, NARROW)]
    for role, credential in callers:
        scope = scope_of(role, permissions) if role != ANONYMOUS else None
        if op.kind == NO_OBJECT:
            placements = [(NO_OBJECT, None)]
        else:
            # A role without the permission is shown the broadest scope's records; it is refused anyway.
            pair = SCOPED_OBJECTS[op.kind].get(op.placed_by or scope or Scope.NETWORK)
            assert pair is not None, f"SCOPED_OBJECTS[{op.kind!r}] has no records for scope {scope} ({route.name})"
            inside, outside = (matrix.objects[name] for name in pair)
            placements = [("inside", inside), ("outside", outside)]
        for placement, obj in placements:
            if route.kwargs:
                url = reverse(route.name, kwargs={route.kwargs[0]: obj.pk})
            else:
                url = reverse(route.name)
            body = op.body(obj) if op.body and obj is not None else None
            is_list = (route.name, method) in LISTS
            if is_list and placement == "outside":
                continue  # a list has no object of its own: the inside line checks both ids in its results
            checks.append(
                Check(
                    route.name,
                    method,
                    role,
                    credential,
                    placement if not is_list else NO_OBJECT,
                    expected_answer(op, role, credential, permissions, placement if not is_list else NO_OBJECT),
                    url,
                    body,
                    inside_id=str(placements[0][1].pk) if is_list else None,
                    outside_id=str(placements[1][1].pk) if is_list else None,
                )
            )
    assert token_scope or op.public, f"{route.name} {method} declares no token scope"
    return checks


def test_api_matrix_has_no_mismatch(matrix_world, capsys):
    # given a token per role with every scope the person may hold, and one with a single scope that is not the one
    # each operation needs
    client = Client(raise_request_exception=False)
    full = {role: bearer(make_token(matrix_world.people[role])) for role in ROLES}
    narrow_tokens: dict[tuple[str, str], dict[str, str]] = {}

    def credentials(check: Check, route: Route) -> dict[str, str]:
        if check.credential == "none":
            return {}
        if check.credential == "bad-token":
            return bearer("abz_000000000000_" + "x" * 43)
        if check.credential == FULL:
            return full[check.role]
        needed, _permissions = declared(route, check.method)
        from abrazo.api.services import scopes_for

        user = matrix_world.people[check.role]
        other = next(scope for scope in scopes_for(user) if scope != needed)
        if (check.role, other) not in narrow_tokens:
            narrow_tokens[(check.role, other)] = bearer(make_token(user, other, name=f"narrow {other}"))
        return narrow_tokens[(check.role, other)]

    routes = {route.name: route for route in api_routes()}
    checks = [
        check for (name, method) in sorted(API_OPERATIONS) for check in checks_for(routes[name], method, matrix_world)
    ]
    checks.sort(key=lambda check: check.method != "GET")  # the creates last: they add records

    # when each operation is called by every caller, for a record inside and outside the caller's scope
    mismatches = []
    outcomes: Counter[int] = Counter()
    for check in checks:
        headers = credentials(check, routes[check.name])
        if check.method == "POST":
            response = client.post(check.url, check.body, content_type="application/json", **headers)
        else:
            response = client.get(check.url, **headers)
        outcomes[response.status_code] += 1
        label = f"{check.name:40} {check.method:4} {check.role:22} {check.credential:12} {check.placement:8}"
        if response.status_code != check.expected:
            detail = response.content[:200].decode(errors="replace")
            mismatches.append(f"{label} expected {check.expected}, got {response.status_code}: {detail}")
        elif check.inside_id and response.status_code == 200:
            # then a list holds the record inside the scope and never the one outside it
            ids = {str(row["id"]) for row in response.json()["results"]}
            if check.inside_id not in ids:
                mismatches.append(f"{label} list lacks the record inside the scope ({check.inside_id})")
            if check.outside_id in ids:
                mismatches.append(f"{label} list holds the record OUTSIDE the scope ({check.outside_id})")

    # then every answer is the one POLICY predicts
    with capsys.disabled():
        print(
            f"\nAPI matrix: {len(checks)} checks, {len(API_OPERATIONS)} operations, answers "
            f"{dict(sorted(outcomes.items()))}, {len(mismatches)} mismatches"
        )
    assert not mismatches, "\n".join(mismatches)
    # and the run exercised every kind of answer
    assert {200, 201, 401, 403, 404} <= set(outcomes)


def test_a_new_operation_would_be_caught(monkeypatch):
    # given the table without one of its lines, as if a new endpoint had been added without one
    monkeypatch.delitem(API_OPERATIONS, ("api:incidents-incident-list", "POST"))
    # then the completeness check fails, naming it
    with pytest.raises(AssertionError, match="incidents-incident-list"):
        test_every_api_operation_is_in_the_matrix()


def test_expected_answers_follow_policy(monkeypatch):
    # given the episode detail, open to holders of episode.view
    op = API_OPERATIONS[("api:consultations-episode-detail", "GET")]
    permissions = ("episode.view",)
    # then a consultant gets her episode, not another's, and a narrow token or no token nothing
    assert expected_answer(op, Role.CONSULTANT.value, FULL, permissions, "inside") == 200
    assert expected_answer(op, Role.CONSULTANT.value, FULL, permissions, "outside") == 404
    assert expected_answer(op, Role.CONSULTANT.value, NARROW, permissions, "inside") == 403
    assert expected_answer(op, ANONYMOUS, "none", permissions, "inside") == 401
    # and were consultants to lose episode.view, the matrix would expect them a 403 (read from POLICY)
    monkeypatch.setitem(
        POLICY, "episode.view", {r: s for r, s in POLICY["episode.view"].items() if r != Role.CONSULTANT}
    )
    assert expected_answer(op, Role.CONSULTANT.value, FULL, permissions, "inside") == 403

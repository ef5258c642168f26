"""Every read of child data leaves exactly one audit event, and so does every refusal.

The walk reuses the permission matrix: the same world, the same URL tables, the same expected answers
(tests/security/test_permission_matrix.py computes them from access.POLICY). Here only the pages that show
child data are opened (decided by the kind of record their id names, or, for lists, by the URL), by every
signed-in role, for a record inside and outside that role's scope; after each request the ledger must hold
exactly one new event for it: allowed when the page was shown, denied when it answered 404.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Outcome
from tests.security.matrix import ROLES, MatrixWorld
from tests.security.routes import Route, project_routes
from tests.security.test_permission_matrix import Check, checks_for

pytestmark = pytest.mark.django_db

# Kinds of record (URL_OBJECTS values) that are a child's record, or hold one: consultation episodes and what
# hangs off them (consents, goals, referrals, the plan's resources, measures), requests for consultation,
# children, their enrolments, incidents and exclusions, early warnings, helpline calls and group members.
CHILD_DATA_KINDS = frozenset(
    {
        "episode",
        "consent",
        "goal",
        "referral",
        "plan_resource",
        "request",
        "child",
        "enrollment",
        "exclusion",
        "incident",
        "warning",
        "administration",
        "briefcontact",
        "groupmember",
    }
)
# Lists of those records (no id in the URL).
CHILD_DATA_LISTS = frozenset(
    {
        "consultations:episode-list",
        "consultations:caseload",
        "consultations:brief-list",
        "intake:request-list",
        "intake:triage-queue",
        "incidents:child-list",
        "incidents:incident-list",
        "incidents:warning-list",
    }
)
ADDRESS = "127.0.0.1"  # the test client's REMOTE_ADDR


def shows_child_data(route: Route) -> bool:
    from tests.security.matrix import URL_OBJECTS

    return URL_OBJECTS.get(route.name) in CHILD_DATA_KINDS or route.name in CHILD_DATA_LISTS


def child_data_checks(matrix: MatrixWorld) -> list[Check]:
    """The matrix's GET checks of child-data pages by signed-in roles that end in the page or a 404."""
    return [
        check
        for route in project_routes()
        if shows_child_data(route)
        for check in checks_for(route, matrix)
        if check.method == "GET" and check.role in ROLES and check.expected in (200, 404)
    ]


def problems_with(check: Check, events: list[AccessEvent], status: int, user_pk: object) -> list[str]:
    """What is wrong with the events one request left (empty when it left exactly the right one)."""
    if status != check.expected:
        return [f"answered {status}, the matrix expects {check.expected}"]
    if len(events) != 1:
        return [f"{len(events)} events ({', '.join(f'{e.action}/{e.outcome} {e.object_type}' for e in events)})"]
    event = events[0]
    wanted_outcome = Outcome.ALLOWED if status == 200 else Outcome.DENIED
    problems = []
    if event.outcome != wanted_outcome:
        problems.append(f"outcome {event.outcome}, expected {wanted_outcome}")
    if event.user_id != user_pk or not event.user_email:
        problems.append("not stamped with the user")
    if event.role != check.role:
        problems.append(f"role {event.role!r}")
    if timezone.is_naive(event.occurred_at) or event.occurred_at.utcoffset() != timedelta(0):
        problems.append(f"time {event.occurred_at!r} is not aware UTC")
    if abs(timezone.now() - event.occurred_at) > timedelta(minutes=5):
        problems.append("time is not now")
    if event.ip_address != ADDRESS:
        problems.append(f"address {event.ip_address!r}")
    if not event.action:
        problems.append("no action")
    if status == 200 and not (event.object_id or (event.object_ids is not None and event.action == "list")):
        problems.append("names no object and is not a list")
    if event.path != check.url:
        problems.append(f"path {event.path!r}")
    return problems


def test_every_child_data_read_and_refusal_leaves_exactly_one_event(matrix_world, capsys):
    # given one signed-in client per role, and the matrix's checks of every page showing child data
    clients = {}
    for role in ROLES:
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(matrix_world.people[role])
    checks = child_data_checks(matrix_world)
    failures = []
    answered = {200: 0, 404: 0}
    # when each page is opened, as a role that may and one that may not, inside and outside the scope
    for check in checks:
        last = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        status = clients[check.role].get(check.url).status_code
        events = list(AccessEvent.objects.filter(id__gt=last).order_by("id"))
        answered[status] = answered.get(status, 0) + 1
        # then the ledger holds exactly one new event for the request, complete, with the right outcome
        if problems := problems_with(check, events, status, matrix_world.people[check.role].pk):
            failures.append(
                f"{check.route.name:40} {check.role:22} {check.placement:8} {status}: {'; '.join(problems)}"
            )
    with capsys.disabled():
        print(
            f"\naudit completeness: {len(checks)} requests to child-data pages, answers {answered}, "
            f"{len(failures)} with a wrong audit trail"
        )
    assert not failures, "\n".join(failures)
    # and both kinds of answer were exercised, on lists and on records
    assert answered[200] and answered[404]


# --- the API ---------------------------------------------------------------------------------------------------

API_CHILD_DATA_KINDS = frozenset({"request", "episode", "incident", "administration"})


def test_every_api_read_of_child_data_and_refusal_leaves_exactly_one_event(matrix_world, capsys):
    from abrazo.api.tests.factories import bearer, make_token
    from tests.security.test_api_matrix import API_OPERATIONS, FULL, api_routes
    from tests.security.test_api_matrix import checks_for as api_checks_for

    # given a token per role with every scope the person may hold, and the API matrix's GET operations on child data
    client = Client(raise_request_exception=False)
    tokens = {role: bearer(make_token(matrix_world.people[role])) for role in ROLES}
    routes = {route.name: route for route in api_routes()}
    checks = [
        check
        for (name, method), operation in sorted(API_OPERATIONS.items())
        if method == "GET" and operation.kind in API_CHILD_DATA_KINDS
        for check in api_checks_for(routes[name], method, matrix_world)
        if check.credential == FULL and check.role in ROLES and check.expected in (200, 403, 404)
    ]
    failures = []
    answered: dict[int, int] = {}
    # when each is called, inside and outside the caller's scope
    for check in checks:
        last = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        status = client.get(check.url, **tokens[check.role]).status_code
        events = list(AccessEvent.objects.filter(id__gt=last).order_by("id"))
        answered[status] = answered.get(status, 0) + 1
        # (a 403 is a refusal like a 404: one denied event)
        refusal = {403: 404}
        as_page = Check(
            routes[check.name], check.role, check.placement, check.url, refusal.get(check.expected, check.expected)
        )
        user_pk = matrix_world.people[check.role].pk
        problems = problems_with(as_page, events, refusal.get(status, status), user_pk)
        if status != check.expected:
            problems = [f"answered {status}, the API matrix expects {check.expected}"]
        if problems:
            failures.append(f"{check.name:40} {check.role:22} {check.placement:8} {status}: " + "; ".join(problems))
    with capsys.disabled():
        print(f"\nAPI audit completeness: {len(checks)} calls, answers {answered}, {len(failures)} wrong")
    assert not failures, "\n".join(failures)
    assert answered.get(200) and answered.get(404)

"""The permission matrix: every URL x every role (and anonymous) x an object inside and outside the
role's scope, with the expected answer computed from abrazo.accounts.access.POLICY.

Two rules keep it honest as the project grows:
- every URL in the resolver carries an access decision (@public, @signed_in, @requires) or is listed in
  routes.EXEMPTIONS with a reason, so a new view without a decision fails the build;
- every URL that takes an object id is listed in URL_OBJECTS, so a new detail/edit view cannot slip
  past the inside/outside-scope check; a URL whose argument is one of a fixed set of values (not a record)
  is listed in URL_CHOICES instead, and is opened with each value and with one outside the set.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from abrazo.accounts.access import POLICY
from abrazo.accounts.models import Role
from tests.security.matrix import (
    ANONYMOUS,
    GET_ANSWERS,
    POST_ANSWERS,
    REQUIRES_ONE_OF,
    ROLES,
    SCOPED_OBJECTS,
    URL_CHOICES,
    URL_OBJECTS,
    MatrixWorld,
)
from tests.security.routes import Route, all_routes, exemption_for, project_routes

pytestmark = pytest.mark.django_db

LOGIN = "login"  # the expected/actual answer "redirected to the sign-in page"


# --- the decision each URL declares -----------------------------------------------------------------


def undecided(routes: list[Route]) -> list[str]:
    """Routes that make no access decision, each with what to do about it."""
    problems = []
    for route in routes:
        label = f"{route.name or '(unnamed)'} at /{route.route}"
        if route.access is None:
            problems.append(
                f"{label} ({route.module}) has no access decision: decorate it with @public, @signed_in or "
                "@requires('<permission>') from abrazo.core.decorators, or, if it is a third-party view, "
                "add it to EXEMPTIONS in tests/security/routes.py with the reason"
            )
        elif route.access not in ("public", "signed_in") and route.access not in POLICY:
            problems.append(f"{label} requires {route.access!r}, which is not a permission in access.POLICY")
        elif unknown := [permission for permission in route.permissions if permission not in POLICY]:
            problems.append(f"{label} also requires {unknown!r}, not permissions in access.POLICY")
        elif not route.name:
            problems.append(f"{label} has no URL name; the permission matrix needs one")
    return problems


def test_every_url_makes_an_access_decision():
    # given every pattern of the project's resolver, third-party ones aside
    routes = project_routes()
    # when each is asked for its decision
    problems = undecided(routes)
    # then none is missing
    assert routes, "the resolver walk found no project URL at all"
    assert not problems, "\n".join(problems)


@pytest.mark.urls("tests.security.undecided_urls")
def test_a_view_without_a_decision_is_caught():
    # given a URLconf with one decided view, one undecided view, and an undecided view of ours hidden
    # under a third-party prefix
    routes = project_routes()
    # when the decisions are checked
    problems = undecided(routes)
    # then both undecided views are reported, and the exemption does not cover our own view
    assert [p.split(" ", 1)[0] for p in problems] == ["forgotten", "sneaky"]


def test_exempt_urls_are_third_party_only():
    # given every URL that is exempt from the decorators
    exempt = [route for route in all_routes() if exemption_for(route) is not None]
    # then each comes from a third-party module and none carries a decision of ours to bypass
    assert exempt
    assert all(not route.module.startswith("abrazo.") or route.module == "abrazo.core.admin_site" for route in exempt)


def test_every_url_with_an_id_names_its_kind_of_object():
    # given the project URLs that take arguments
    missing = []
    for route in project_routes():
        if not route.kwargs:
            continue
        # then each is in URL_OBJECTS with a kind that has inside/outside objects, and takes one id,
        # or in URL_CHOICES, naming its one argument, with known values and a value outside them
        if route.name in URL_CHOICES:
            argument, known, unknown = URL_CHOICES[route.name]
            if route.kwargs != (argument,) or not known or unknown in known:
                missing.append(f"{route.name}: URL_CHOICES must name its one argument ({', '.join(route.kwargs)}), "
                               f"at least one known value, and an unknown value outside them")
        elif route.name not in URL_OBJECTS:
            missing.append(
                f"{route.name} (/{route.route}) takes {', '.join(route.kwargs)}: add it to URL_OBJECTS in "
                f"{__name__} with the kind of record its id names ({', '.join(sorted(SCOPED_OBJECTS))}), or, if "
                "it is one of a fixed set of values, to URL_CHOICES"
            )
        elif URL_OBJECTS[route.name] not in SCOPED_OBJECTS:
            missing.append(f"{route.name}: kind {URL_OBJECTS[route.name]!r} has no entry in SCOPED_OBJECTS")
        elif len(route.kwargs) != 1 or route.converters.get(route.kwargs[0]) not in ("UUIDConverter", "SlugConverter"):
            missing.append(f"{route.name}: the matrix knows URLs with one <uuid:...> (or <slug:...>) argument only")
    assert not missing, "\n".join(missing)


def test_url_objects_table_has_no_stale_entries():
    # given the URL names the resolver knows
    names = {route.name for route in project_routes()}
    # then every line of the object, choice and answer tables still names a URL (a rename must update the table)
    for table in (URL_OBJECTS, URL_CHOICES, GET_ANSWERS, POST_ANSWERS, REQUIRES_ONE_OF):
        assert set(table) <= names, sorted(set(table) - names)
    # and the permissions named in REQUIRES_ONE_OF are all in POLICY
    assert {p for group in REQUIRES_ONE_OF.values() for p in group} <= set(POLICY)
    # and a POST-only URL takes an object (else a GET answer in GET_ANSWERS says all there is to say)
    assert set(POST_ANSWERS) <= set(URL_OBJECTS), sorted(set(POST_ANSWERS) - set(URL_OBJECTS))


# --- the expected answer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    route: Route
    role: str
    placement: str  # "inside", "outside", or "-" for URLs without an object; "known"/"unknown" for URL_CHOICES
    url: str
    expected: int | str
    method: str = "GET"  # POST for the views in POST_ANSWERS


def expected_answer(route: Route, role: str, placement: str) -> int | str:
    """What POLICY says this role gets from this URL for an object placed inside or outside its scope."""
    decision = route.access
    granted = POST_ANSWERS[route.name] if route.name in POST_ANSWERS else GET_ANSWERS.get(route.name, 200)
    if placement == "unknown":
        # a value outside a URL's fixed set names no page at all, for anyone who gets past sign-in
        return LOGIN if role == ANONYMOUS and decision != "public" else 404
    if decision == "public":
        return granted
    if role == ANONYMOUS:
        return LOGIN
    one_of = REQUIRES_ONE_OF.get(route.name)
    if one_of and not any(Role(role) in POLICY[permission] for permission in one_of):
        return 404  # holds none of the permissions the view accepts
    if decision == "signed_in":
        return granted
    # A view may stack @requires (a download needs "export.download" and the page's own permission): all must be held.
    if any(Role(role) not in POLICY[permission] for permission in route.permissions or (str(decision),)):
        return 404  # the role does not hold a permission anywhere: the page does not exist for it
    if placement == "outside":
        return 404  # existence outside the scope is not revealed
    return granted


def _scoping_permission(route: Route) -> str:
    """The permission whose scope places a URL's object: the one nearest the view (the page's own), when
    several are stacked; an outer one such as "export.download" is a gate on the whole page."""
    return route.permissions[-1] if route.permissions else str(route.access)


def checks_for(route: Route, matrix: MatrixWorld) -> list[Check]:
    checks = []
    method = "POST" if route.name in POST_ANSWERS else "GET"
    for role in (ANONYMOUS, *ROLES):
        if not route.kwargs:
            checks.append(Check(route, role, "-", matrix.url(route), expected_answer(route, role, "-")))
            continue
        if route.name in URL_CHOICES:
            _argument, known, unknown = URL_CHOICES[route.name]
            for placement, value in (*(("known", value) for value in known), ("unknown", unknown)):
                checks.append(Check(route, role, placement, matrix.url(route, value),
                                    expected_answer(route, role, placement)))
            continue
        scope = POLICY.get(_scoping_permission(route), {}).get(Role(role)) if role != ANONYMOUS else None
        inside, outside = matrix.inside_and_outside(route, scope, role)
        for placement, attribute in (("inside", inside), ("outside", outside)):
            checks.append(Check(route, role, placement, matrix.url(route, attribute),
                                expected_answer(route, role, placement), method))
    return checks


def actual_answer(client: Client, url: str, method: str = "GET") -> int | str:
    response = client.post(url) if method == "POST" else client.get(url)
    if response.status_code == 302 and response["Location"].startswith(reverse("account_login")):
        return LOGIN
    return response.status_code


def test_permission_matrix_has_no_mismatch(matrix_world, capsys):
    # given one signed-in client per role (each with TOTP, as the world's people have) and one anonymous
    # (a view that crashes shows up as a 500 in the mismatch table rather than stopping the walk)
    clients = {ANONYMOUS: Client(raise_request_exception=False)}
    for role in ROLES:
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(matrix_world.people[role])
    routes = project_routes()
    checks = [check for route in routes for check in checks_for(route, matrix_world)]
    # the POSTs last: a granted one changes its record (a deleted export file), which no GET may then need
    checks.sort(key=lambda check: check.method == "POST")

    # when every URL is opened by every role, for an object inside and outside the role's scope
    mismatches = []
    outcomes: Counter[str] = Counter()
    for check in checks:
        actual = actual_answer(clients[check.role], check.url, check.method)
        outcomes[str(actual)] += 1
        if actual != check.expected:
            mismatches.append(
                f"{check.route.name:32} {check.role:22} {check.placement:8} {check.method:4} {check.url:60} "
                f"expected {check.expected}, got {actual}"
            )

    # then every answer is the one POLICY predicts
    with capsys.disabled():
        print(
            f"\npermission matrix: {len(checks)} checks, {len(routes)} URLs x {len(clients)} roles "
            f"(inside/outside scope), answers {dict(sorted(outcomes.items()))}, {len(mismatches)} mismatches"
        )
    assert not mismatches, "\n".join(mismatches)
    # and the matrix really exercised every kind of answer
    assert {"200", "404", LOGIN} <= set(outcomes)


def test_stacked_requirements_must_all_be_held():
    # given a view behind two permissions, as the file downloads of pages are ("export.download" outside)
    from abrazo.core.decorators import requires

    @requires("export.download")
    @requires("equity.export")
    def view(request):  # pragma: no cover - never called
        raise AssertionError

    route = Route(name="stacked", route="stacked/", callback=view, kwargs=(), converters={})
    # then both are read, outermost first, though the view's own attribute shows only the outer one
    assert route.access == "export.download"
    assert route.permissions == ("export.download", "equity.export")
    # and a supervisor, who holds export.download (supervisees) but not equity.export, is expected a 404,
    # while the network admin, who holds both, is expected the page
    assert expected_answer(route, Role.SUPERVISOR.value, "-") == 404
    assert expected_answer(route, Role.NETWORK_ADMIN.value, "-") == 200
    assert expected_answer(route, ANONYMOUS, "-") == LOGIN


def test_a_page_open_to_one_of_several_permissions_follows_policy(monkeypatch):
    # given the network report page, declared @signed_in but open only to report.view or report.view_suppressed
    route = next(route for route in project_routes() if route.name == "reports:report")
    assert route.access == "signed_in"
    # then every role holding one of them is expected the page
    assert expected_answer(route, Role.CONSULTANT.value, "-") == 200
    assert expected_answer(route, Role.EVALUATOR.value, "-") == 200
    # and were consultants to lose report.view, the matrix would expect them a 404 (computed from POLICY, not
    # from the decorator)
    monkeypatch.setitem(POLICY, "report.view", {r: s for r, s in POLICY["report.view"].items() if r != Role.CONSULTANT})
    assert expected_answer(route, Role.CONSULTANT.value, "-") == 404
    assert expected_answer(route, Role.NETWORK_ADMIN.value, "-") == 200

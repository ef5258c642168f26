"""Every page's security headers, and no child data in any URL the application builds.

The walk is the permission matrix's own (routes.project_routes and matrix.checks_for): each URL is opened once,
by the first role that POLICY says may open it, with the record inside that role's scope. A view added anywhere
in the project is therefore walked here too, without anyone adding it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from abrazo.consultations.models import Episode
from abrazo.incidents.models import Child
from abrazo.intake.models import Request
from tests.security.matrix import ANONYMOUS, POST_ANSWERS, ROLES, URL_OBJECTS, MatrixWorld
from tests.security.routes import Route, project_routes
from tests.security.test_permission_matrix import checks_for

pytestmark = pytest.mark.django_db

# What a page about a child is, decided from the kind of record its URL names or from the permission it
# requires: the child and roster records, consultation episodes and everything hanging off them (consents, goals,
# referrals, measures), requests for consultation, incidents, exclusions, early warnings, groups and helpline
# contacts. These must never be kept by a browser's or a proxy's cache.
CHILD_DATA_KINDS = frozenset(
    {
        "child",
        "enrollment",
        "incident",
        "exclusion",
        "warning",
        "episode",
        "consent",
        "goal",
        "referral",
        "request",
        "briefcontact",
        "group",
        "groupmember",
        "administration",
        "survey_link",
    }
)
CHILD_DATA_AREAS = frozenset({"child", "incident", "warning", "episode", "request", "brief", "group", "measure"})

# Directives the Content-Security-Policy must hold, whatever else it says.
REQUIRED_CSP = {
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}

# Attributes that carry a URL the browser will request or send a form to.
URL_ATTRIBUTE = re.compile(
    r"""\b(?:href|src|action|formaction|hx-get|hx-post|hx-put|hx-delete|hx-patch|data-url)\s*=\s*["']([^"']*)["']""",
    re.IGNORECASE,
)


def is_child_data(route: Route) -> bool:
    if URL_OBJECTS.get(route.name) in CHILD_DATA_KINDS:
        return True
    return any(permission.split(".", 1)[0] in CHILD_DATA_AREAS for permission in route.permissions)


def csp_directives(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name.lower()] = value.strip()
    return directives


def header_problems(response: Any, *, child_data: bool) -> list[str]:
    problems = []
    csp = csp_directives(response.headers.get("Content-Security-Policy", ""))
    if not csp:
        return ["no Content-Security-Policy"]
    script_src = csp.get("script-src", csp.get("default-src", ""))
    if "'unsafe-inline'" in script_src or "'unsafe-eval'" in script_src or not script_src:
        problems.append(f"script-src {script_src!r}")
    problems += [
        f"{name} is {csp.get(name)!r}, not {value}" for name, value in REQUIRED_CSP.items() if csp.get(name) != value
    ]
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not response.headers.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    if child_data and "no-store" not in response.headers.get("Cache-Control", ""):
        problems.append(f"child data with Cache-Control {response.headers.get('Cache-Control')!r}")
    return problems


@dataclass(frozen=True)
class Visit:
    route: Route
    role: str
    url: str


def visits(matrix_world: MatrixWorld) -> list[Visit]:
    """Each GET page once, by the first role (anonymous first) POLICY lets open it, its record inside the scope."""
    chosen = []
    for route in project_routes():
        if route.name in POST_ANSWERS:
            continue  # POST-only actions (deleting an export file) answer no page
        for check in checks_for(route, matrix_world):
            if check.expected == 200 and check.placement in ("inside", "-", "known"):
                chosen.append(Visit(route, check.role, check.url))
                break
    return chosen


def signed_in_clients(matrix_world: MatrixWorld) -> dict[str, Client]:
    clients = {ANONYMOUS: Client(raise_request_exception=False)}
    for role in ROLES:
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(matrix_world.people[role])
    return clients


def test_every_page_sends_the_security_headers_and_child_data_is_not_cached(matrix_world, capsys):
    # given a client per role and every page of the project, each opened by a role that may open it
    clients = signed_in_clients(matrix_world)
    walk = visits(matrix_world)
    # when each page is opened
    problems, opened, child_pages = [], 0, 0
    for visit in walk:
        response = clients[visit.role].get(visit.url)
        if response.status_code != 200:
            problems.append(f"{visit.route.name} as {visit.role}: {response.status_code}")
            continue
        opened += 1
        child_data = is_child_data(visit.route)
        child_pages += child_data
        # then it carries the policy, nosniff and a referrer policy, and a page about a child is not stored
        problems += [
            f"{visit.route.name} as {visit.role}: {problem}"
            for problem in header_problems(response, child_data=child_data)
        ]
        # and no other page made for a signed-in person may be kept by a shared cache (a view may let the
        # person's own browser keep a public resource for a while)
        cache_control = response.headers.get("Cache-Control", "")
        if visit.role != ANONYMOUS and "no-store" not in cache_control and "private" not in cache_control:
            problems.append(f"{visit.route.name} as {visit.role}: signed-in page with Cache-Control {cache_control!r}")
    with capsys.disabled():
        print(f"\nsecurity headers: {opened} pages opened, {child_pages} with child data")
    assert not problems, "\n".join(problems)
    # and the walk covered the project: every page, and the pages about children among them
    assert opened == len(walk) > 100
    assert child_pages > 20


def test_the_sign_in_page_and_a_refusal_send_the_headers_too():
    # given an anonymous visitor, when they open the sign-in page and a page they may not see
    client = Client()
    for response in (client.get(reverse("account_login")), client.get("/no-such-page/")):
        # then the same policy comes with it
        assert not header_problems(response, child_data=False)


def test_header_check_finds_a_weak_policy(rf):
    # given a response whose policy allows inline scripts, omits base-uri, and a child page that may be cached
    from django.http import HttpResponse

    response = HttpResponse("x")
    response["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'unsafe-inline'; object-src 'none'"
    response["Cache-Control"] = "max-age=300"
    # then every gap is named
    problems = header_problems(response, child_data=True)
    assert any(problem.startswith("script-src") for problem in problems)
    assert any(problem.startswith("base-uri") for problem in problems)
    assert any(problem.startswith("frame-ancestors") for problem in problems)
    assert any(problem.startswith("child data") for problem in problems)


# --- no child data in any URL -------------------------------------------------------------------------------

BIRTH_DATE = date(2021, 2, 13)


def seed_markers(matrix_world: MatrixWorld) -> list[str]:
    """Give every child, episode and request of the world values nobody could find by chance, and return them in
    every spelling a URL could carry them."""
    markers = []
    for number, child in enumerate(Child.objects.order_by("pk")):
        code = f"ZQXCHILD{number}"
        Child.objects.filter(pk=child.pk).update(code=code, date_of_birth=BIRTH_DATE)
        markers.append(code)
    for number, episode in enumerate(Episode.objects.order_by("pk")):
        code = f"ZQXEPISODE{number}"
        Episode.objects.filter(pk=episode.pk).update(child_code=code)
        markers.append(code)
    Request.objects.update(concern_text="ZQXCONCERN the child bites")
    markers.append("ZQXCONCERN")
    markers += [
        BIRTH_DATE.isoformat(),
        BIRTH_DATE.strftime("%Y%m%d"),
        BIRTH_DATE.strftime("%m/%d/%Y"),
        BIRTH_DATE.strftime("%d/%m/%Y"),
    ]
    return markers


def urls_in(response: Any) -> list[str]:
    found = []
    if response.status_code in (301, 302, 303, 307, 308):
        found.append(response["Location"])
    if "html" in response.headers.get("Content-Type", "") and not response.streaming:
        found += URL_ATTRIBUTE.findall(response.content.decode("utf-8", "replace"))
    return found


def leaks(url: str, markers: list[str]) -> list[str]:
    text = unquote(unquote(url)).casefold()
    return [marker for marker in markers if marker.casefold() in text]


def test_no_url_the_application_builds_carries_child_data(matrix_world):
    # given every child, episode and request marked with values found nowhere else
    markers = seed_markers(matrix_world)
    clients = signed_in_clients(matrix_world)
    # when every page is opened by a role that may open it, and its links, form targets and redirect read
    problems, pages_showing_a_marker = [], 0
    for visit in visits(matrix_world):
        response = clients[visit.role].get(visit.url)
        assert not leaks(visit.url, markers), visit.url
        for url in urls_in(response):
            problems += [f"{visit.route.name} as {visit.role}: {url}" for _marker in leaks(url, markers)]
        if "html" in response.headers.get("Content-Type", "") and not response.streaming:
            pages_showing_a_marker += bool(leaks(response.content.decode("utf-8", "replace"), markers))
    # then no URL carries a child's code, birth date or a request's text
    assert not problems, "\n".join(problems)
    # and the markers were on the pages (as text), so their absence from the URLs means something
    assert pages_showing_a_marker > 5


def test_a_filter_typed_by_the_user_stays_on_this_site(matrix_world):
    # given a coordinator who filters the roster by a child code they typed (a GET filter: their own input)
    markers = seed_markers(matrix_world)
    client = Client()
    client.force_login(matrix_world.people["network_admin"])
    response = client.get(reverse("incidents:child-list"), {"q": markers[0]})
    # then the page answers, is not stored, and tells the browser never to send its address to another site
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
    # and every link that repeats the filter points at this site (a relative or same-host address)
    for url in urls_in(response):
        if leaks(url, markers):
            assert not urlsplit(url).netloc or urlsplit(url).netloc == "testserver", url

"""Nothing outside a person's scope reaches them through a list, a search, a count, a dashboard, a report, an export
or the API.

The world is the permission matrix's (tests/security/matrix.py): programs A and B in regions A and B of one network,
and another network, each with its requests, episodes, children, incidents, administrations... Every record of
program B's side and of the other network is a marker: its id (every list links its rows by id) and, for the records
people read by name, a unique string written into it here. Then, for each role:

- every page of the resolver that takes no argument and answers the role (lists, dashboards, reports, the home
  page; a new list is walked without anyone adding it here) is fetched plainly and searched for a B marker
  (`?q=`); no marker of a record outside the role's scope may appear;
- every export the role may ask for is produced as CSV and read the same way;
- every API list is read with the role's token the same way;
- counts: more records are added on B's side and in the other network, and every page and export must read exactly
  as before (a count, total or chart that included them would change).

Scoped roles (program staff of A, the coordinator of region A, the consultant serving Fresno, her supervisor) must
see nothing of B nor of the other network; network-wide roles nothing of the other network.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from abrazo.accounts.access import POLICY, Scope
from abrazo.accounts.models import Role
from abrazo.api.tests.factories import bearer, make_token
from tests.security.matrix import ROLES, MatrixWorld
from tests.security.routes import all_routes, is_api_endpoint, project_routes

pytestmark = pytest.mark.django_db

SCOPED_ROLES = (Role.PROGRAM_STAFF, Role.REGIONAL_COORDINATOR, Role.CONSULTANT, Role.SUPERVISOR)
NETWORK_ROLES = (Role.NETWORK_ADMIN, Role.EVALUATOR)
assert set(SCOPED_ROLES) | set(NETWORK_ROLES) == {Role(role) for role in ROLES}, "a new role needs a side here"

# The matrix world's records on B's side (program B, region B, the consultant serving Los Angeles) and in the other
# network, by the name MatrixWorld.objects gives them. Region B and agency B are places, not records about anyone:
# a region filter may name every region of the network, so they are not markers.
B_SIDE = (
    "program_b",
    "classroom_b",
    "staff_b",
    "consultant_b",
    "request_b",
    "episode_b",
    "consent_b",
    "goal_b",
    "referral_b",
    "child_b",
    "enrollment_b",
    "incident_b",
    "exclusion_b",
    "administration_b",
)
OTHER_NETWORK = (*(f"other_{name.removesuffix('_b')}" for name in B_SIDE), "other_agency", "other_region")

# Pages that take no argument but are not lists of records: forms to fill, templates, settings of one's own network.
# They are walked too (a dropdown could leak); these answer with a file that is not text.
BINARY = ("reports:pdf",)
# Pages that change between two readings by design: the audit log lists the reads this very test makes, and the
# token lists (one's own, and the administrators' list of the network's) show when each token was last used (by
# this test's API reads).
SELF_CHANGING = ("audit:event-list", "api_tokens:list", "api_tokens:network")


def markers(world: MatrixWorld, names: tuple[str, ...], tag: str) -> dict[str, str]:
    """marker text -> what it marks: each record's id, and a unique string written into the fields people read."""
    found: dict[str, str] = {}
    for name in names:
        obj = world.objects.get(name)
        if obj is None:
            continue
        found[str(obj.pk)] = name
    text = {
        "program": ("name", f"{tag}Program"),
        "classroom": ("name", f"{tag}Room"),
        "child": ("code", f"{tag}KID"),
        "request": ("program_name", f"{tag}Site"),
    }
    for name in names:
        kind = name.removesuffix("_b").removeprefix("other_")
        if kind in text and (obj := world.objects.get(name)) is not None:
            field, value = text[kind]
            type(obj).objects.filter(pk=obj.pk).update(**{field: value})
            found[value] = f"{name}.{field}"
    consultant = world.objects.get("consultant_b" if tag == "ZQB" else "other_consultant")
    if consultant is not None:
        type(consultant.user).objects.filter(pk=consultant.user_id).update(full_name=f"{tag}Consultant")
        found[f"{tag}Consultant"] = "consultant name"
    return found


def pages_for(role: str) -> Iterator[tuple[str, str, bool]]:
    """Every argument-free page of the project the role is let into (walked from the resolver): its URL name, its
    URL, and whether POLICY gives the role the whole network through the page's own permission (the innermost)."""
    for route in project_routes():
        if route.kwargs or route.name in ("set_language", "healthz"):
            continue
        if any(Role(role) not in POLICY[permission] for permission in route.permissions):
            continue
        network_wide = bool(route.permissions) and POLICY[route.permissions[-1]][Role(role)] == Scope.NETWORK
        yield route.name, reverse(route.name), network_wide


def api_lists() -> list[str]:
    return [
        reverse(route.name)
        for route in all_routes()
        if is_api_endpoint(route) and route.name and not route.kwargs and route.name != "api:schema"
    ]


# What differs between two fetches of the same page with nothing changed: the CSRF token (masked anew each time)
# and the Content-Security-Policy nonce.
# and the CSP nonce; each form's one-time submission key; "(3 minutes ago)" beside a date; a form's "now".
_NOISE = (
    re.compile(rb"[A-Za-z0-9]{64}"),
    re.compile(rb'nonce="[^"]*"'),
    re.compile(rb'name="submission_key" value="[^"]*"'),
    re.compile(rb"\(\d+[^a-z]+minutes? ago\)"),  # timesince puts a no-break space after the number
    re.compile(rb'type="datetime-local" name="occurred_at" value="[^"]*"'),  # "now", the default of a new call
)


def normalised(content: bytes) -> bytes:
    for pattern in _NOISE:
        content = pattern.sub(b"", content)
    return content


def first_difference(before: bytes, after: bytes) -> str:
    lines = difflib.unified_diff(
        before.decode(errors="replace").splitlines(), after.decode(errors="replace").splitlines(), n=0, lineterm=""
    )
    return " | ".join(line.strip()[:160] for line in list(lines)[2:6])


def leaks_in(content: bytes, forbidden: dict[str, str], *, asked: str = "") -> list[str]:
    text = content.decode(errors="replace")
    return [f"{what} ({marker})" for marker, what in forbidden.items() if marker != asked and marker in text]


def read_everything(
    world: MatrixWorld, role: str, client: Client, token: dict[str, str], forbidden: dict[str, str], query: str
) -> tuple[dict[str, bytes], list[str], set[str]]:
    """Fetch every page, search, export and API list for the role: (what each answered, the leaks found, the pages
    where POLICY gives the role the whole network)."""
    from abrazo.reports import export_service
    from abrazo.reports.export_kinds import kinds_for

    answers: dict[str, bytes] = {}
    leaks: list[str] = []
    network_wide: set[str] = set()
    for name, url, whole_network in pages_for(role):
        if whole_network:
            network_wide |= {name, f"{name}?q"}
        response = client.get(url)
        if response.status_code != 200:
            continue
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if name not in SELF_CHANGING:
            answers[name] = normalised(content)
        leaks += [f"{role} {name}: {leak}" for leak in leaks_in(content, forbidden)]
        if b'name="q"' in content:
            # a page with a search box: search it for program B's child (the box then shows the query itself)
            searched = client.get(url, {"q": query})
            answers[f"{name}?q"] = normalised(searched.content)
            leaks += [f"{role} {name}?q={query}: {leak}" for leak in leaks_in(searched.content, forbidden, asked=query)]
    user = world.people[role]
    for kind, _form in kinds_for(user):
        started = export_service.export_start(user=user, kind_key=kind.key, file_format="csv")
        assert started.response is not None, f"the {kind.key} export was queued, not streamed: raise the threshold"
        content = b"".join(started.response.streaming_content)
        answers[f"export {kind.key}"] = content
        leaks += [f"{role} export {kind.key}: {leak}" for leak in leaks_in(content, forbidden)]
    for url in api_lists():
        for label, params in ((url, {}), (f"{url}?q={query}", {"q": query})):
            response = client.get(url, {**params, "page_size": 500}, **token)
            if response.status_code == 200:
                answers[f"api {label}"] = response.content
                leaks += [f"{role} api {label}: {leak}" for leak in leaks_in(response.content, forbidden, asked=query)]
    return answers, leaks, network_wide


def add_more_outside(world: MatrixWorld, side: str) -> None:
    """One more of each main record on B's side ("b") or in the other network ("other"): any count, total or chart
    that includes them changes."""
    from abrazo.consultations.tests.factories import EpisodeFactory
    from abrazo.incidents.tests.factories import ChildFactory, ExclusionFactory, IncidentFactory
    from abrazo.intake.models import RequestStatus
    from abrazo.intake.tests.factories import RequestFactory

    objects = world.objects
    places = {
        "b": ("program_b", "consultant_b", "region_b"),
        "other": ("other_program", "other_consultant", "other_region"),
    }
    for program, consultant, region in (places[side],):
        child = ChildFactory(program=objects[program])
        IncidentFactory(child=child, oss=True)
        ExclusionFactory(child=child)
        EpisodeFactory(program=objects[program], consultant=objects[consultant], child=True)
        RequestFactory(
            network=objects[program].network,
            region=objects[region],
            program=objects[program],
            county=objects[program].county,
        )
        RequestFactory(
            network=objects[program].network,
            region=objects[region],
            program=objects[program],
            county=objects[program].county,
            status=RequestStatus.ASSIGNED,
            consultant=objects[consultant],
        )


def test_nothing_outside_the_scope_in_any_list_search_count_export_or_api(matrix_world, settings, capsys):
    settings.ABRAZO_EXPORT_QUEUE_ROWS = 100_000  # every export streams now, so its content can be read here
    world = matrix_world
    b_markers = markers(world, B_SIDE, "ZQB")
    other_markers = markers(world, OTHER_NETWORK, "ZQO")
    query = "ZQBKID"  # program B's child, searched for by its code
    assert query in b_markers

    clients: dict[str, Client] = {}
    tokens: dict[str, dict[str, str]] = {}
    forbidden: dict[str, dict[str, str]] = {}
    for role in ROLES:
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(world.people[role])
        tokens[role] = bearer(make_token(world.people[role]))
        forbidden[role] = {**other_markers, **(b_markers if Role(role) in SCOPED_ROLES else {})}

    # when each role reads everything it may
    before: dict[str, dict[str, bytes]] = {}
    leaks: list[str] = []
    for role in ROLES:
        before[role], found, _network_wide = read_everything(
            world, role, clients[role], tokens[role], forbidden[role], query
        )
        leaks += found
    # then no record outside its scope appears anywhere
    assert not leaks, "\n".join(leaks)

    # when more records are added in the other network (outside everyone's reach), then on B's side (outside the
    # scoped roles' reach); the scoped roles read after both
    changed: list[str] = []
    read = 0
    network_roles = tuple(role.value for role in NETWORK_ROLES)
    for side, roles_unmoved in (("other", network_roles), ("b", tuple(role.value for role in SCOPED_ROLES))):
        add_more_outside(world, side)
        for role in roles_unmoved:
            after, found, network_wide = read_everything(
                world, role, clients[role], tokens[role], forbidden[role], query
            )
            leaks += found
            read += len(after)
            # A page whose permission POLICY grants this role network-wide (the workforce capacity report for a
            # coordinator) rightly counts B's new records; it must still not move with the other network's.
            skipped = network_wide if side == "b" else set()
            # then the role's pages, exports and API lists read exactly as before: no count, total or row moved
            changed += [
                f"{role} {label}: changed when only records outside the scope were added ({side}): "
                f"{first_difference(before[role].get(label, b''), content)}"
                for label, content in after.items()
                if label not in BINARY and label not in skipped and before[role].get(label) != content
            ]
    with capsys.disabled():
        print(
            f"\nscope leaks: {read} pages, exports and API lists read by {len(ROLES)} roles, "
            f"{sum(len(f) for f in forbidden.values())} markers, {len(leaks)} leaks, {len(changed)} changed"
        )
    assert not leaks, "\n".join(leaks)
    assert not changed, "\n".join(changed[:80])

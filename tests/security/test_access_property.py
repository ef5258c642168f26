"""Property: for any memberships and consultant assignments, the program list selector shows exactly
the programs `access.can(user, "program.view", program)` allows, and both match the policy read aloud
(DESIGN.md §4), restated here independently of access.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abrazo.accounts import access
from abrazo.accounts.models import Membership, Role
from abrazo.accounts.tests.factories import UserFactory
from abrazo.directory.models import County, Network, Program, Region
from abrazo.directory.selectors import ProgramFilters, program_queryset_for
from abrazo.directory.tests.factories import (
    AgencyFactory,
    ConsultantProfileFactory,
    NetworkFactory,
    ProgramFactory,
    RegionFactory,
    county,
)

pytestmark = pytest.mark.django_db

FIPS = ("06019", "06037", "06029")  # Fresno, Los Angeles, Kern


@dataclass
class Layout:
    """Two networks; in the first, two regions with programs in three counties, one program inactive."""

    networks: list[Network]
    regions: list[Region]  # regions[0..1] in networks[0], regions[2] in networks[1]
    programs: list[Program]
    counties: list[County]
    agencies: list[Any]


@pytest.fixture
def layout(db: Any) -> Layout:
    home = NetworkFactory(slug="home")
    other = NetworkFactory(slug="other")
    regions = [RegionFactory(network=home), RegionFactory(network=home), RegionFactory(network=other)]
    counties = [county(fips) for fips in FIPS]
    programs = [
        ProgramFactory(network=home, region=regions[0], county=counties[0]),
        ProgramFactory(network=home, region=regions[0], county=counties[2]),
        ProgramFactory(network=home, region=regions[1], county=counties[1]),
        ProgramFactory(network=home, region=regions[1], county=counties[0], is_active=False),
        ProgramFactory(network=other, region=regions[2], county=counties[0]),
        ProgramFactory(network=other, region=regions[2], county=counties[1]),
    ]
    agencies = [AgencyFactory(network=home, region=regions[0]), AgencyFactory(network=other, region=regions[2])]
    return Layout(networks=[home, other], regions=regions, programs=programs, counties=counties, agencies=agencies)


@dataclass(frozen=True)
class MembershipSpec:
    role: str
    network: int
    region: int  # index into the network's regions
    program: int  # index into the network's programs
    active: bool


@dataclass(frozen=True)
class ProfileSpec:
    network: int
    counties: frozenset[int]
    active: bool


@dataclass(frozen=True)
class Case:
    user_active: bool
    memberships: tuple[MembershipSpec, ...]
    own_profile: ProfileSpec | None  # the user's consultant profile (what they serve)
    supervisees: tuple[ProfileSpec, ...]  # profiles of consultants the user supervises


profiles = st.builds(
    ProfileSpec,
    network=st.integers(0, 1),
    counties=st.frozensets(st.integers(0, len(FIPS) - 1), max_size=3),
    active=st.booleans(),
)
cases = st.builds(
    Case,
    user_active=st.booleans(),
    memberships=st.lists(
        st.builds(
            MembershipSpec,
            role=st.sampled_from(Role.values),
            network=st.integers(0, 1),
            region=st.integers(0, 1),
            program=st.integers(0, 3),
            active=st.booleans(),
        ),
        max_size=3,
    ).map(tuple),
    own_profile=st.none() | profiles,
    supervisees=st.lists(profiles, max_size=2).map(tuple),
)


def build(case: Case, layout: Layout) -> Any:
    user = UserFactory(is_active=case.user_active)
    for spec in case.memberships:
        network = layout.networks[spec.network]
        regions = [r for r in layout.regions if r.network_id == network.pk]
        programs = [p for p in layout.programs if p.network_id == network.pk]
        scope: dict[str, Any] = {}
        if spec.role == Role.REGIONAL_COORDINATOR:
            scope["region"] = regions[spec.region % len(regions)]
        if spec.role == Role.PROGRAM_STAFF:
            scope["program"] = programs[spec.program % len(programs)]
        Membership.objects.create(user=user, network=network, role=spec.role, is_active=spec.active, **scope)

    def profile(spec: ProfileSpec, **people: Any) -> None:
        network = layout.networks[spec.network]
        region = next(r for r in layout.regions if r.network_id == network.pk)
        agency = next(a for a in layout.agencies if a.network_id == network.pk)
        ConsultantProfileFactory(
            network=network,
            region=region,
            agency=agency,
            is_active=spec.active,
            counties=[layout.counties[i] for i in sorted(spec.counties)],
            **people,
        )

    if case.own_profile is not None:
        profile(case.own_profile, user=user)
    for spec in case.supervisees:
        profile(spec, supervisor=user)
    return user


def policy_says(case: Case, layout: Layout, program: Program) -> bool:
    """DESIGN.md §4 for programs, restated from the case itself (not from the database or access.py)."""
    if not case.user_active:
        return False

    def counties_of(specs: list[ProfileSpec]) -> set[str]:
        return {layout.counties[i].pk for spec in specs if spec.active for i in spec.counties}

    served = counties_of([case.own_profile] if case.own_profile else [])
    supervised = counties_of(list(case.supervisees))
    for spec in case.memberships:
        network = layout.networks[spec.network]
        if not spec.active or program.network_id != network.pk:
            continue
        regions = [r for r in layout.regions if r.network_id == network.pk]
        programs = [p for p in layout.programs if p.network_id == network.pk]
        if spec.role in (Role.NETWORK_ADMIN, Role.EVALUATOR):
            return True
        if spec.role == Role.REGIONAL_COORDINATOR and program.region_id == regions[spec.region % len(regions)].pk:
            return True
        if spec.role == Role.PROGRAM_STAFF and program.pk == programs[spec.program % len(programs)].pk:
            return True
        if spec.role == Role.CONSULTANT and program.county_id in served:
            return True
        if spec.role == Role.SUPERVISOR and program.county_id in supervised:
            return True
    return False


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases)
def test_the_program_list_and_can_view_agree_for_any_memberships(layout, case):
    # each example runs in a transaction that is rolled back, so examples do not see each other's rows
    with transaction.atomic():
        # given a person with random memberships, a consultant profile, and consultants they supervise
        user = build(case, layout)
        # when the program list is asked (inactive programs included) and `can` is asked per program
        listed = [p.pk for p in program_queryset_for(user=user, filters=ProgramFilters(include_inactive=True))]
        allowed = {p.pk for p in layout.programs if access.can(user, "program.view", p)}
        expected = {p.pk for p in layout.programs if policy_says(case, layout, p)}
        listed_by_default = {p.pk for p in program_queryset_for(user=user)}
        transaction.set_rollback(True)
    # then they agree with each other and with the policy, and nothing is listed twice
    assert len(listed) == len(set(listed))
    assert set(listed) == allowed == expected
    # and the default list is the same minus inactive programs
    assert listed_by_default == {pk for pk in allowed if Program.objects.get(pk=pk).is_active}


# --- Child data: "visible in a list" and "may open" agree ---------------------------------------------------------
# The same random people, now with episodes, requests and children (with an incident each) spread over the layout's
# programs and held by the person's own consultant profile, one they supervise, or a stranger. For each of the main
# child-data models the app's list selector, access.visible, the detail views' gate (the *_get_for selector, which
# answers 404) and access.can must name exactly the same records.

STRANGER = -1  # a consultant of nobody's, in the record's network


@dataclass(frozen=True)
class Placed:
    program: int  # index into layout.programs (both networks)
    consultant: int  # STRANGER, 0: the person's own profile, 1..: the k-th consultant they supervise


@dataclass(frozen=True)
class ChildDataCase:
    case: Case
    episodes: tuple[Placed, ...]
    requests: tuple[Placed, ...]
    children: tuple[int, ...]  # program indexes of children, each with one incident


placed = st.builds(Placed, program=st.integers(0, 5), consultant=st.integers(STRANGER, 2))
child_data_cases = st.builds(
    ChildDataCase,
    case=cases,
    episodes=st.lists(placed, max_size=4).map(tuple),
    requests=st.lists(placed, max_size=3).map(tuple),
    children=st.lists(st.integers(0, 5), max_size=3).map(tuple),
)


def build_child_data(data: ChildDataCase, layout: Layout, user: Any) -> None:
    from abrazo.consultations.tests.factories import EpisodeFactory
    from abrazo.directory.models import ConsultantProfile
    from abrazo.incidents.tests.factories import ChildFactory, IncidentFactory
    from abrazo.intake.models import RequestStatus
    from abrazo.intake.tests.factories import RequestFactory

    own = list(ConsultantProfile.objects.filter(user=user))
    supervised = list(ConsultantProfile.objects.filter(supervisor=user).order_by("created_at", "id"))
    strangers: dict[Any, Any] = {}

    def consultant_for(spec: Placed, program: Program) -> Any:
        chosen = own[:1] if spec.consultant == 0 else supervised[spec.consultant - 1 : spec.consultant]
        if spec.consultant != STRANGER and chosen and chosen[0].network_id == program.network_id:
            return chosen[0]
        if program.network_id not in strangers:
            strangers[program.network_id] = ConsultantProfileFactory(network=program.network, region=program.region)
        return strangers[program.network_id]

    for spec in data.episodes:
        program = layout.programs[spec.program]
        EpisodeFactory(program=program, consultant=consultant_for(spec, program))
    for spec in data.requests:
        program = layout.programs[spec.program]
        RequestFactory(
            network=program.network,
            region=program.region,
            program=program,
            county=program.county,
            status=RequestStatus.ASSIGNED,
            consultant=consultant_for(spec, program),
        )
    for index in data.children:
        IncidentFactory(child=ChildFactory(program=layout.programs[index]))


def _opens(get_for: Any, user: Any, pk: Any) -> bool:
    from django.http import Http404

    try:
        get_for(user, pk)
    except Http404:
        return False
    return True


def child_data_views() -> list[tuple[str, str, Any, Any, Any]]:
    """(label, permission, model, the list selector, the detail views' gate) for each main child-data model."""
    from abrazo.consultations import selectors as consultations
    from abrazo.consultations.models import Episode
    from abrazo.incidents import selectors as incidents
    from abrazo.incidents.models import Child, Incident
    from abrazo.intake import selectors as intake
    from abrazo.intake.models import Request

    return [
        (
            "episodes",
            "episode.view",
            Episode,
            lambda user: consultations.episode_list_for(user=user),
            lambda user, pk: consultations.episode_get_for(user=user, episode_id=pk),
        ),
        (
            "requests",
            "request.view",
            Request,
            lambda user: intake.request_queryset_for(user=user),
            lambda user, pk: intake.request_get_for(user=user, request_id=pk),
        ),
        (
            "children",
            "child.view",
            Child,
            lambda user: incidents.child_queryset_for(user=user),
            lambda user, pk: incidents.child_get_for(user=user, child_id=pk),
        ),
        (
            "incidents",
            "incident.view",
            Incident,
            lambda user: incidents.incident_queryset_for(user=user),
            lambda user, pk: incidents.incident_get_for(user=user, incident_id=pk),
        ),
    ]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=child_data_cases)
def test_child_data_lists_and_detail_views_agree_for_any_assignments(layout, data):
    disagreements = []
    with transaction.atomic():
        # given a person with random memberships, served counties and supervisees, and child data placed at random
        user = build(data.case, layout)
        build_child_data(data, layout, user)
        for label, permission, model, list_for, get_for in child_data_views():
            everything = list(model.objects.all())
            # when the list is asked, and each record is opened through the detail views' gate and asked of `can`
            listed = [row.pk for row in list_for(user)]
            visible = set(access.visible(user, permission, model.objects.all()).values_list("pk", flat=True))
            opened = {row.pk for row in everything if _opens(get_for, user, row.pk)}
            allowed = {row.pk for row in everything if access.can(user, permission, row)}
            # then all four agree, and nothing is listed twice
            if len(listed) != len(set(listed)) or not set(listed) == visible == opened == allowed:
                disagreements.append(
                    f"{label}: listed {len(listed)} {sorted(map(str, listed))}, visible "
                    f"{sorted(map(str, visible))}, opened {sorted(map(str, opened))}, "
                    f"can {sorted(map(str, allowed))}"
                )
        transaction.set_rollback(True)
    assert not disagreements, "\n".join(disagreements)

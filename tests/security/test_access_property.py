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
            network=network, region=region, agency=agency, is_active=spec.active,
            counties=[layout.counties[i] for i in sorted(spec.counties)], **people,
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

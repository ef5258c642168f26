"""Fixtures shared by every app's tests: people in each role, inside and outside a scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from abrazo.accounts.models import Role, User
from abrazo.accounts.tests.factories import make_person
from abrazo.directory.models import Network, Program, Region
from abrazo.directory.tests.factories import (
    AgencyFactory,
    ConsultantProfileFactory,
    NetworkCountyFactory,
    NetworkFactory,
    ProgramFactory,
    RegionFactory,
    county,
)


@pytest.fixture(autouse=True)
def _english_unless_asked() -> Any:
    """Start every test in the default language. A request served in Spanish by the test client leaves
    Spanish active in the thread (LocaleMiddleware does not switch back), which would leak into the
    next test's messages."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@dataclass
class World:
    """Two regions of one network, a program in each, and another network entirely.

    `program_a` (Fresno County, region A) is inside the scope of every `*_a` person;
    `program_b` (Los Angeles County, region B) and everything in `other_network` are outside it.
    """

    network: Network
    region_a: Region
    region_b: Region
    program_a: Program
    program_b: Program
    other_network: Network
    other_program: Program
    people: dict[str, User]


@pytest.fixture
def world(db: Any) -> World:
    network = NetworkFactory(name="Golden State Network", slug="golden-state")
    region_a = RegionFactory(network=network, name="Central Valley", code="central")
    region_b = RegionFactory(network=network, name="Los Angeles", code="la")
    NetworkCountyFactory(network=network, region=region_a, county=county("06019"))
    NetworkCountyFactory(network=network, region=region_b, county=county("06037"))
    program_a = ProgramFactory(network=network, region=region_a, county=county("06019"), name="Sunrise Center")
    program_b = ProgramFactory(
        network=network, region=region_b, county=county("06037"), name="Harbor Kids", city="Long Beach"
    )
    other_network = NetworkFactory(name="Other Network", slug="other")
    other_region = RegionFactory(network=other_network, name="Elsewhere", code="elsewhere")
    other_program = ProgramFactory(network=other_network, region=other_region, county=county("06019"))

    agency = AgencyFactory(network=network, region=region_a, name="Valley Family Services")
    people = {
        "network_admin": make_person(network, Role.NETWORK_ADMIN),
        "regional_coordinator": make_person(network, Role.REGIONAL_COORDINATOR, region=region_a),
        "supervisor": make_person(network, Role.SUPERVISOR, agency=agency),
        "consultant": make_person(network, Role.CONSULTANT),
        "program_staff": make_person(network, Role.PROGRAM_STAFF, program=program_a),
        "evaluator": make_person(network, Role.EVALUATOR),
    }
    ConsultantProfileFactory(
        user=people["consultant"], network=network, region=region_a, agency=agency,
        supervisor=people["supervisor"], counties=[county("06019")],
    )
    return World(
        network=network, region_a=region_a, region_b=region_b, program_a=program_a, program_b=program_b,
        other_network=other_network, other_program=other_program, people=people,
    )

"""Directory endpoints: each role sees on the API exactly what it sees on the web, audited, in few queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import make_person
from abrazo.api.tests.factories import api_auth
from abrazo.audit.models import AccessEvent
from abrazo.directory.models import Language, SettingType
from abrazo.directory.tests.factories import (
    ClassroomFactory,
    ConsultantProfileFactory,
    ProgramFactory,
    county,
)


def names(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


@pytest.mark.parametrize(("role", "expected"), [
    ("network_admin", {"Sunrise Center", "Harbor Kids"}),
    ("regional_coordinator", {"Sunrise Center"}),
    ("consultant", {"Sunrise Center"}),  # serves Fresno County only
    ("supervisor", {"Sunrise Center"}),  # their consultant serves Fresno County
    ("program_staff", {"Sunrise Center"}),
    ("evaluator", {"Sunrise Center", "Harbor Kids"}),  # programs are organisations: evaluators browse them
])
def test_programs_are_scoped_per_role(client: Client, world: Any, role: str, expected: set[str]) -> None:
    assert names(client.get("/api/v1/programs/", **api_auth(world.people[role], "directory:read"))) == expected


def test_program_of_another_network_or_region_is_404(client: Client, world: Any) -> None:
    auth = api_auth(world.people["regional_coordinator"], "directory:read")
    assert client.get(f"/api/v1/programs/{world.other_program.pk}/", **auth).status_code == 404
    response = client.get(f"/api/v1/programs/{world.program_b.pk}/", **auth)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/programs/{world.program_a.pk}/", **auth).json()["name"] == "Sunrise Center"


def test_lists_and_views_are_audited_with_the_ids_returned(client: Client, world: Any) -> None:
    person = world.people["regional_coordinator"]
    auth = api_auth(person, "directory:read")
    client.get("/api/v1/programs/", **auth)
    listed = AccessEvent.objects.filter(user_id=person.pk, action="list", object_type="directory.program").get()
    assert listed.object_ids == [str(world.program_a.pk)]
    assert listed.path == "/api/v1/programs/"
    client.get("/api/v1/programs/?q=Sunrise", **auth)
    assert AccessEvent.objects.filter(user_id=person.pk, action="search", object_type="directory.program").exists()
    client.get(f"/api/v1/programs/{world.program_a.pk}/", **auth)
    viewed = AccessEvent.objects.filter(user_id=person.pk, action="view", object_type="directory.program").get()
    assert viewed.object_id == str(world.program_a.pk)
    client.get(f"/api/v1/programs/{world.program_b.pk}/", **auth)
    assert AccessEvent.objects.filter(user_id=person.pk, outcome="denied", object_type="directory.program").exists()


def test_program_filters(client: Client, world: Any) -> None:
    auth = api_auth(world.people["network_admin"], "directory:read")
    ProgramFactory(network=world.network, region=world.region_a, name="Closed Place", is_active=False)
    ProgramFactory(network=world.network, region=world.region_a, name="Home Care", setting_type=SettingType.FCC_SMALL)
    assert names(client.get("/api/v1/programs/?county=06037", **auth)) == {"Harbor Kids"}
    assert names(client.get(f"/api/v1/programs/?region={world.region_b.pk}", **auth)) == {"Harbor Kids"}
    assert names(client.get("/api/v1/programs/?setting_type=fcc_small", **auth)) == {"Home Care"}
    assert names(client.get("/api/v1/programs/?active=false", **auth)) == {"Closed Place"}
    assert "Closed Place" in names(client.get("/api/v1/programs/?active=all", **auth))
    assert "Closed Place" not in names(client.get("/api/v1/programs/", **auth))
    assert names(client.get("/api/v1/programs/?q=harbor", **auth)) == {"Harbor Kids"}


def test_consultants_are_not_for_program_staff_or_evaluators(client: Client, world: Any) -> None:
    for role in ("program_staff", "evaluator"):
        response = client.get("/api/v1/consultants/", **api_auth(world.people[role], "directory:read"))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    assert names(client.get("/api/v1/consultants/", **api_auth(world.people["consultant"], "directory:read"))) == {
        "Consultant Person"}


def test_consultant_filters(client: Client, world: Any) -> None:
    auth = api_auth(world.people["network_admin"], "directory:read")
    other = make_person(world.network, Role.CONSULTANT)
    profile = ConsultantProfileFactory(user=other, network=world.network, region=world.region_b,
                                       counties=[county("06037")])
    profile.languages.set([Language.objects.get(code="vi")])
    assert names(client.get("/api/v1/consultants/?county=06037", **auth)) == {other.full_name}
    assert names(client.get("/api/v1/consultants/?language=vi", **auth)) == {other.full_name}
    row = client.get("/api/v1/consultants/?language=vi", **auth).json()["results"][0]
    assert row["languages"] == ["vi"] and row["counties"] == [{"fips": "06037", "name": "Los Angeles"}]


def test_classrooms_scoped_and_closed_to_evaluators(client: Client, world: Any) -> None:
    ClassroomFactory(program=world.program_a, name="Robins")
    ClassroomFactory(program=world.program_b, name="Sparrows")
    assert names(client.get("/api/v1/classrooms/", **api_auth(world.people["program_staff"], "directory:read"))) == {
        "Robins"}
    assert client.get("/api/v1/classrooms/", **api_auth(world.people["evaluator"], "directory:read")).status_code \
        == 403
    admin = api_auth(world.people["network_admin"], "directory:read")
    assert names(client.get(f"/api/v1/classrooms/?program={world.program_b.pk}", **admin)) == {"Sparrows"}


def test_program_list_queries_do_not_grow_with_the_page(
    client: Client, world: Any, django_assert_max_num_queries: Any
) -> None:
    auth = api_auth(world.people["network_admin"], "directory:read")
    spanish = Language.objects.get(code="es")
    for i in range(60):
        ProgramFactory(network=world.network, region=world.region_a, name=f"P{i:03d}").languages.add(spanish)
    # auth (token, memberships), throttle counter, scope, the page, its languages, the audit event
    with django_assert_max_num_queries(14):
        response = client.get("/api/v1/programs/?page_size=500", **auth)
    assert len(response.json()["results"]) == 62
    assert response.json()["results"][0]["languages"] in ([], ["es"])


def test_consultant_list_queries_do_not_grow_with_the_page(
    client: Client, world: Any, django_assert_max_num_queries: Any
) -> None:
    auth = api_auth(world.people["network_admin"], "directory:read")
    for _ in range(15):
        ConsultantProfileFactory(user=make_person(world.network, Role.CONSULTANT, mfa=False), network=world.network,
                                 region=world.region_a, counties=[county("06019")])
    with django_assert_max_num_queries(15):
        response = client.get("/api/v1/consultants/?page_size=500", **auth)
    assert len(response.json()["results"]) == 16


def test_list_rows_read_as_dicts_equal_the_detail_read_as_a_model(client: Client, world: Any) -> None:
    # the list reads .values() dicts, the detail a model instance: the same program must look the same
    world.program_a.languages.set(Language.objects.filter(code__in=["es", "en"]))
    auth = api_auth(world.people["network_admin"], "directory:read")
    row = next(r for r in client.get("/api/v1/programs/", **auth).json()["results"] if r["name"] == "Sunrise Center")
    detail = client.get(f"/api/v1/programs/{world.program_a.pk}/", **auth).json()
    assert row == detail
    assert row["languages"] == ["en", "es"] and row["county"] == {"fips": "06019", "name": "Fresno"}
    assert row["updated_at"].endswith("Z")

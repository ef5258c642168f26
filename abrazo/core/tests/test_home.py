"""The landing dashboard: each role sees its own scope, its own counts and its own quick links."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from abrazo.accounts.tests.factories import UserFactory
from abrazo.directory.tests.factories import ClassroomFactory, ProgramFactory, ProgramStaffFactory, county

HOME = "/"


def tile_counts(response) -> dict[str, int]:
    return {tile.label: tile.count for tile in response.context["dashboard"].tiles}


def link_urls(response) -> list[str]:
    return [link.url for link in response.context["dashboard"].links]


def test_signed_out_visitor_gets_the_public_site_not_the_dashboard(client, world):
    # when someone who is not signed in opens the front page
    response = client.get(HOME)
    # then they see the network's public site (abrazo/library/tests/test_site_public.py), and no dashboard
    assert response.status_code == 200
    assert "dashboard" not in response.context
    assert response.templates[0].name == "site/home.html"


def test_before_any_network_exists_the_front_page_is_sign_in(client, db):
    # given a new installation without a network (so without a public site)
    # when someone who is not signed in opens the front page
    response = client.get(HOME)
    # then they are asked to sign in
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_coordinator_sees_role_region_counts_and_their_region_links(client, world):
    # given a coordinator of the Central Valley region, with a classroom in and out of their region
    ClassroomFactory(program=world.program_a)
    ClassroomFactory(program=world.program_b)
    client.force_login(world.people["regional_coordinator"])
    # when they open the dashboard
    response = client.get(HOME)
    # then it names their role and region
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.role_label == "Regional coordinator"
    assert dashboard.scope_label == "Central Valley"
    assert "Regional coordinator" in response.content.decode()
    # and counts only what is in their region (program_b is in Los Angeles)
    counts = tile_counts(response)
    assert counts["Programs"] == 1
    assert counts["Classrooms"] == 1
    # and links to the programs of their region
    assert f"{reverse('directory:program-list')}?region={world.region_a.pk}" in link_urls(response)
    assert reverse("audit:event-list") not in link_urls(response)


def test_admin_sees_the_whole_network_and_the_audit_and_admin_links(client, world):
    # given a network administrator who may use the Django admin
    admin = world.people["network_admin"]
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    client.force_login(admin)
    # when they open the dashboard
    response = client.get(HOME)
    # then they see their network as the scope, both programs of it (not the other network's)
    dashboard = response.context["dashboard"]
    assert dashboard.role_label == "Network administrator"
    assert dashboard.scope_label == "Golden State Network"
    assert tile_counts(response)["Programs"] == 2
    # and quick links to the audit log and the administration
    urls = link_urls(response)
    assert reverse("audit:event-list") in urls
    assert reverse("admin:index") in urls


def test_admin_without_staff_flag_gets_no_admin_site_link(client, world):
    # given a network administrator whose account does not open the Django admin
    client.force_login(world.people["network_admin"])
    # when they open the dashboard
    response = client.get(HOME)
    # then the audit log is offered but the admin site is not
    urls = link_urls(response)
    assert reverse("audit:event-list") in urls
    assert reverse("admin:index") not in urls


def test_consultant_gets_a_link_to_their_own_profile(client, world):
    # given a consultant with a profile
    consultant = world.people["consultant"]
    client.force_login(consultant)
    # when they open the dashboard
    response = client.get(HOME)
    # then it links to their own profile and names their agency as the scope
    assert consultant.consultant_profile.get_absolute_url() in link_urls(response)
    assert response.context["dashboard"].scope_label == "Valley Family Services"
    # and counts programs only in the counties they serve
    assert tile_counts(response)["Programs"] == 1


def test_program_staff_get_a_link_to_their_program_only(client, world):
    # given a staff member of Sunrise Center
    client.force_login(world.people["program_staff"])
    # when they open the dashboard
    response = client.get(HOME)
    # then it links to their program and not to another program
    urls = link_urls(response)
    assert world.program_a.get_absolute_url() in urls
    assert world.program_b.get_absolute_url() not in urls
    assert response.context["dashboard"].scope_label == "Sunrise Center"
    # and they see no consultant or agency counts
    counts = tile_counts(response)
    assert counts["Programs"] == 1
    assert "Consultants" not in counts
    assert "Agencies" not in counts


def test_evaluator_sees_programs_but_never_staff_counts(client, world):
    # given an evaluator
    client.force_login(world.people["evaluator"])
    # when they open the dashboard
    response = client.get(HOME)
    # then programs are counted across the network but people are not
    counts = tile_counts(response)
    assert counts["Programs"] == 2
    assert "Program staff" not in counts
    assert "Consultants" not in counts


def test_person_without_a_role_is_told_to_ask_for_one(client, db):
    # given an account with no membership
    client.force_login(UserFactory())
    # when they open the dashboard
    response = client.get(HOME)
    # then they are told what to do, and shown nothing to count
    assert response.status_code == 200
    assert "Your account has no role yet." in response.content.decode()
    assert response.context["dashboard"].tiles == []


def add_programs(world, how_many: int) -> None:
    for _ in range(how_many):
        program = ProgramFactory(network=world.network, region=world.region_a, county=county("06019"))
        ClassroomFactory(program=program)
        ProgramStaffFactory(program=program)


@pytest.mark.parametrize(
    "role", ["network_admin", "regional_coordinator", "supervisor", "consultant", "program_staff", "evaluator"]
)
def test_dashboard_queries_are_few_and_do_not_grow_with_the_data(client, world, role, django_assert_max_num_queries):
    # given a signed-in person whose session is already set up (the first request records the session)
    client.force_login(world.people[role])
    client.get(HOME)
    add_programs(world, 3)
    # when the dashboard is opened, then it needs a small fixed number of queries (about 12 are sign-in and
    # session bookkeeping, then one per count tile: at most 8 tiles)
    with CaptureQueriesContext(connection) as few, django_assert_max_num_queries(22):
        assert client.get(HOME).status_code == 200
    # and fifteen more programs, classrooms and staff do not add any
    add_programs(world, 15)
    with CaptureQueriesContext(connection) as many:
        assert client.get(HOME).status_code == 200
    assert len(many) == len(few)


def test_only_the_most_specific_navigation_link_is_current(client, world):
    from django.test import RequestFactory

    from abrazo.accounts.navigation import navigation_for

    # given a coordinator on the groups page, which lives under the episodes section
    request = RequestFactory().get("/episodes/groups/")
    request.user = world.people["regional_coordinator"]
    # when the navigation is built
    current = [item.label for item in navigation_for(request.user, request) if item.active]
    # then only "Groups" is marked as the current page
    assert current == ["Groups"]

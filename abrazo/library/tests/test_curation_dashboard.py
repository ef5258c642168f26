"""The staff dashboard counts the library suggestions waiting for curators, and links to their queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from abrazo.library.tests.factories_curation import signed_in
from abrazo.library.tests.factories_resource import ResourceFactory

pytestmark = pytest.mark.django_db

LABEL = "Library suggestions waiting"


def tiles(world, role: str) -> dict[str, tuple[int, str | None]]:
    response = signed_in(world.people[role]).get("/")
    assert response.status_code == 200
    return {tile.label: (tile.count, tile.url) for tile in response.context["dashboard"].tiles}


@pytest.mark.parametrize("role", ["network_admin", "regional_coordinator"])
def test_curators_see_how_many_suggestions_wait_with_a_link_to_the_queue(world, role):
    # given two suggestions waiting in this network, one already declined, one published, one of another network
    for _ in range(2):
        ResourceFactory(network=world.network, suggested=True)
    ResourceFactory(network=world.network, declined=True)
    ResourceFactory(network=world.network)
    ResourceFactory(network=world.other_network, suggested=True)
    # when a curator opens the dashboard
    found = tiles(world, role)
    # then the tile counts this network's waiting suggestions only, and opens the queue
    assert found[LABEL] == (2, reverse("library:curation-queue"))
    # and the queue page shows the same number
    page = signed_in(world.people[role]).get(reverse("library:curation-queue"))
    assert page.context["counts"].waiting == 2


@pytest.mark.parametrize("role", ["supervisor", "consultant", "program_staff", "evaluator"])
def test_people_who_do_not_curate_get_no_such_tile(world, role):
    ResourceFactory(network=world.network, suggested=True)
    assert LABEL not in tiles(world, role)

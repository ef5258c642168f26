from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_coordinator_sees_programs_of_their_region_only(client, world):
    # given a coordinator of region A
    client.force_login(world.people["regional_coordinator"])
    # when they list programs
    response = client.get(reverse("directory:program-list"))
    # then region A's program is listed and region B's is not
    assert response.status_code == 200
    names = [p.name for p in response.context["page"].items]
    assert names == ["Sunrise Center"]


def test_program_outside_scope_answers_404(client, world):
    # given program staff of program A
    client.force_login(world.people["program_staff"])
    # when they open program B
    response = client.get(reverse("directory:program-detail", args=[world.program_b.pk]))
    # then it does not exist for them
    assert response.status_code == 404


def test_program_in_scope_opens(client, world):
    client.force_login(world.people["program_staff"])
    response = client.get(reverse("directory:program-detail", args=[world.program_a.pk]))
    assert response.status_code == 200
    assert b"Sunrise Center" in response.content


def test_admin_never_sees_another_network(client, world):
    client.force_login(world.people["network_admin"])
    response = client.get(reverse("directory:program-detail", args=[world.other_program.pk]))
    assert response.status_code == 404

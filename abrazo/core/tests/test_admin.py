from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def make_admin_staff(world):
    admin_user = world.people["network_admin"]
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    return admin_user


def test_network_admin_sees_only_their_networks_programs_in_the_django_admin(client, world):
    # given a network administrator with access to the Django admin
    client.force_login(make_admin_staff(world))
    # when they open the programs changelist
    response = client.get(reverse("admin:directory_program_changelist"))
    # then their network's programs are listed and the other network's program is not
    assert response.status_code == 200
    names = {program.name for program in response.context["cl"].result_list}
    assert names == {world.program_a.name, world.program_b.name}


def test_network_admin_cannot_open_another_networks_program_in_the_django_admin(client, world):
    client.force_login(make_admin_staff(world))
    response = client.get(reverse("admin:directory_program_change", args=[world.other_program.pk]))
    # Django's admin redirects to its index with a "does not exist" message for out-of-scope rows
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


@pytest.mark.parametrize("role", ["regional_coordinator", "consultant", "program_staff", "evaluator"])
def test_other_roles_cannot_use_the_django_admin_even_when_flagged_staff(client, world, role):
    # given someone who is not a network administrator but has the is_staff flag by mistake
    person = world.people[role]
    person.is_staff = True
    person.save(update_fields=["is_staff"])
    client.force_login(person)
    # when they open the admin
    response = client.get(reverse("admin:directory_program_changelist"), follow=True)
    # then they are not let in: they end up away from the admin, with no changelist rendered
    assert response.redirect_chain
    assert "cl" not in (response.context or {})
    assert not response.request["PATH_INFO"].startswith("/admin/directory/")

"""The identified form of an export reaches records only through the memberships that justified it: a person who
is program staff and also an evaluator gets her own program identified, never the network's programs through the
evaluator's program.view."""

from __future__ import annotations

import pytest

from abrazo.accounts.models import Membership, Role
from abrazo.accounts.tests.factories import UserFactory
from abrazo.reports.export_kinds import KINDS, form_for, scoped_queryset

pytestmark = pytest.mark.django_db


def test_staff_and_evaluator_gets_only_her_programs_identified_rows(world):
    # given a person who is staff of program A and also an evaluator of the network
    user = UserFactory()
    Membership.objects.create(user=user, network=world.network, role=Role.PROGRAM_STAFF, program=world.program_a)
    Membership.objects.create(user=user, network=world.network, role=Role.EVALUATOR)
    kind = KINDS["programs"]
    # when she exports programs: the identified form (her staff membership holds program.view)
    assert form_for(user, kind) == "identified"
    rows = set(scoped_queryset(user, kind, "identified"))
    # then only her own program, not program B (which only the evaluator membership reaches)
    assert rows == {world.program_a}


def test_an_admin_who_is_also_an_evaluator_still_gets_the_network(world):
    user = world.people["network_admin"]
    Membership.objects.create(user=user, network=world.network, role=Role.EVALUATOR)
    rows = set(scoped_queryset(user, KINDS["programs"], "identified"))
    assert {world.program_a, world.program_b} <= rows

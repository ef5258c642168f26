"""Factories for reflective supervision logs (issue 6, supervision area)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import make_person
from abrazo.workforce.models import SupervisionFormat, SupervisionKind, SupervisionLog, SupervisionStatus


def a_supervisor(network: Any) -> Any:
    """Someone holding the supervisor role in the network (for consultants without one on their profile)."""
    return make_person(network, Role.SUPERVISOR, mfa=False)


class SupervisionLogFactory(factory.django.DjangoModelFactory):
    """A waiting individual reflective session of 1.5 hours a week ago, with the consultant's own supervisor."""

    class Meta:
        model = SupervisionLog

    supervisee = factory.SubFactory("abrazo.directory.tests.factories.ConsultantProfileFactory")
    network = factory.SelfAttribute("supervisee.network")
    supervisor = factory.LazyAttribute(lambda log: log.supervisee.supervisor or a_supervisor(log.supervisee.network))
    held_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7))
    kind = SupervisionKind.REFLECTIVE
    format = SupervisionFormat.INDIVIDUAL
    hours = Decimal("1.5")
    topics = "Staying curious with a worried director"
    status = SupervisionStatus.LOGGED
    logged_by = factory.SelfAttribute("supervisee.user")

    class Params:
        signed_off = factory.Trait(
            status=SupervisionStatus.SIGNED_OFF, signed_off_by=factory.SelfAttribute("supervisor"),
            signed_off_at=factory.LazyFunction(timezone.now),
        )

"""Factories for reflective supervision logs (issue 6, supervision area)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from abrazo.workforce.models import SupervisionFormat, SupervisionKind, SupervisionLog, SupervisionStatus


class SupervisionLogFactory(factory.django.DjangoModelFactory):
    """A waiting individual reflective session of 1.5 hours a week ago, with the consultant's own supervisor."""

    class Meta:
        model = SupervisionLog

    supervisee = factory.SubFactory("abrazo.directory.tests.factories.ConsultantProfileFactory")
    network = factory.SelfAttribute("supervisee.network")
    supervisor = factory.LazyAttribute(
        lambda log: log.supervisee.supervisor
        or __import__("abrazo.accounts.tests.factories", fromlist=["make_person"]).make_person(
            log.supervisee.network, "supervisor", mfa=False)
    )
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

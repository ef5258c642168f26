"""Factories for the competency framework and ratings (issue 6, competencies area)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import factory

from abrazo.directory.models import ConsultantProfile
from abrazo.workforce.competency_selectors import competency_framework_for
from abrazo.workforce.models import CompetencyAssessment, CompetencyDomain, CompetencyRating, RaterKind


class CompetencyDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetencyDomain

    network = factory.SubFactory("abrazo.directory.tests.factories.NetworkFactory")
    key = factory.Sequence(lambda n: f"domain_{n}")
    position = factory.Sequence(lambda n: 100 + n)
    name_en = factory.Sequence(lambda n: f"Domain {n}")
    name_es = factory.Sequence(lambda n: f"Dominio {n}")


def rate(
    consultant: ConsultantProfile, *, rater: Any, on: dt.date, levels: Mapping[str, int] | int,
    kind: str | None = None, notes: str = "",
) -> CompetencyAssessment:
    """An assessment of the consultant on every active domain of their network's framework: `levels` maps
    domain keys to levels, or is one level for every domain."""
    kind = kind or (RaterKind.SELF if rater.pk == consultant.user_id else RaterKind.SUPERVISOR)
    assessment = CompetencyAssessment.objects.create(
        network_id=consultant.network_id, consultant=consultant, rater=rater, rater_kind=kind, assessed_on=on,
        notes=notes,
    )
    domains = competency_framework_for(consultant.network_id)
    CompetencyRating.objects.bulk_create([
        CompetencyRating(assessment=assessment, domain=domain,
                         level=levels if isinstance(levels, int) else levels[domain.key])
        for domain in domains if isinstance(levels, int) or domain.key in levels
    ])
    return assessment

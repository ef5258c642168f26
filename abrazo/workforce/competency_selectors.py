"""Reads of the competency framework and of consultants' ratings, scoped by the reader and audited.

The framework (`competency.manage`) is the network's own configuration, not personal data. Ratings are: a
consultant sees their own, a supervisor those of their consultants, a coordinator those of their region and
the administrator the whole network (`competency.view`); each read is written to the audit ledger.

`competency_framework_for` is the one way to read a network's domains. A network that has none yet gets the
eight default domains (DOMAIN.md §9) on first use, so the demo, the pages and any import can call it without
installing anything first.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Max, Q, QuerySet
from django.utils.translation import get_language

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.directory.models import ConsultantProfile, Network
from abrazo.workforce import growth as growth_engine
from abrazo.workforce.competency_defaults import DEFAULT_DOMAINS
from abrazo.workforce.models import CompetencyAssessment, CompetencyDomain, CompetencyLevel, RaterKind

COMPETENCY_MANAGE = "competency.manage"
COMPETENCY_VIEW = "competency.view"
COMPETENCY_ASSESS = "competency.assess"


# --- the framework ----------------------------------------------------------------------------------


def install_default_framework(network: Network | UUID | str, *, ids: Callable[[str], UUID] | None = None) -> None:
    """Write the default domains for a network that has none (`ids` gives each key's id, for a demo that must
    load the same rows every time). Two first uses at once both try; the unique (network, key) constraint lets
    one set in and the other's rows are ignored."""
    network_id = network.pk if isinstance(network, Network) else network
    CompetencyDomain.objects.bulk_create(
        [
            CompetencyDomain(
                id=ids(default.key) if ids else uuid.uuid4(), network_id=network_id, key=default.key,
                position=index, name_en=default.name_en, name_es=default.name_es,
                description_en=default.description_en, description_es=default.description_es,
            )
            for index, default in enumerate(DEFAULT_DOMAINS, start=1)
        ],
        ignore_conflicts=True,
    )


def competency_framework_for(network: Network | UUID | str, *, include_retired: bool = False) -> list[CompetencyDomain]:
    """The network's domains in their order (active ones only unless asked), installing the defaults the first
    time. Retired domains still count as "having a framework": they are not reinstalled."""
    network_id = network.pk if isinstance(network, Network) else network
    domains = CompetencyDomain.objects.filter(network_id=network_id).order_by("position", "name_en", "id")
    found = list(domains)
    if not found:
        install_default_framework(network_id)
        found = list(domains.all())
    if not include_retired:
        found = [domain for domain in found if domain.is_active]
    label_domains(found)
    return found


def _spanish() -> bool:
    return (get_language() or "en").startswith("es")


def label_domains(domains: Sequence[CompetencyDomain]) -> None:
    """Give each domain `label` and `about`: its name and description in the reader's language (the other
    language when that one is empty)."""
    spanish = _spanish()
    for domain in domains:
        first, second = (domain.name_es, domain.name_en) if spanish else (domain.name_en, domain.name_es)
        domain.label = first or second  # type: ignore[attr-defined]
        first, second = ((domain.description_es, domain.description_en) if spanish
                         else (domain.description_en, domain.description_es))
        domain.about = first or second  # type: ignore[attr-defined]


def managed_networks(*, user: Any) -> list[Network]:
    """The networks whose framework the user may change (usually one)."""
    return list(access.visible(user, COMPETENCY_MANAGE, Network.objects.all()).order_by("name"))


def managed_network_for(*, user: Any, network_id: UUID | None = None) -> tuple[Network, list[Network]]:
    """The network whose framework is shown (the one asked for, or the user's first) and all the user manages;
    404 when the user manages none or asked for one they do not manage."""
    networks = managed_networks(user=user)
    if network_id is not None:
        chosen = next((network for network in networks if network.pk == network_id), None)
    else:
        chosen = networks[0] if networks else None
    if chosen is None:
        from django.http import Http404

        audit.record_denied(user=user, object_type="directory.network", object_id=str(network_id or ""))
        raise Http404
    return chosen, networks


def competency_domain_get_for(*, user: Any, domain_id: UUID) -> CompetencyDomain:
    domain = access.get_or_404(user, COMPETENCY_MANAGE, CompetencyDomain.objects.all(), pk=domain_id)
    label_domains([domain])
    return domain


def current_domain_version(*, domain: CompetencyDomain) -> int:
    return int(CompetencyDomain.objects.filter(pk=domain.pk).values_list("version", flat=True).get())


@dataclass(frozen=True)
class FrameworkRow:
    domain: CompetencyDomain
    ratings: int  # how many ratings use it (a retired domain keeps them)


def framework_rows(*, network: Network) -> list[FrameworkRow]:
    """Every domain of the network, in use first in their order, then retired ones, with their rating counts."""
    from django.db.models import Count

    domains = list(
        CompetencyDomain.objects.filter(network=network).annotate(rating_count=Count("ratings"))
        .order_by("-is_active", "position", "name_en", "id")
    )
    label_domains(domains)
    return [FrameworkRow(domain=domain, ratings=domain.rating_count) for domain in domains]  # type: ignore[attr-defined]


# --- consultants and their ratings --------------------------------------------------------------------


def consultant_get_for(*, user: Any, consultant_id: UUID, permission: str) -> ConsultantProfile:
    """A consultant's profile if the user holds `permission` on it (rating them or seeing their ratings);
    otherwise 404."""
    return access.get_or_404(
        user, permission, ConsultantProfile.objects.select_related("user", "region", "supervisor"), pk=consultant_id
    )


def consultant_queryset_for(*, user: Any) -> QuerySet[ConsultantProfile]:
    """Active consultants whose ratings the user may see, with the dates of their latest self-assessment and
    supervisor rating; not evaluated."""
    return (
        access.visible(user, COMPETENCY_VIEW, ConsultantProfile.objects.filter(is_active=True))
        .select_related("user", "region")
        .annotate(
            last_self=Max("competency_assessments__assessed_on",
                          filter=Q(competency_assessments__rater_kind=RaterKind.SELF)),
            last_supervisor=Max("competency_assessments__assessed_on",
                                filter=Q(competency_assessments__rater_kind=RaterKind.SUPERVISOR)),
        )
        .order_by("user__full_name", "id")
    )


def assessable_ids(*, user: Any, consultants: Sequence[ConsultantProfile]) -> set[UUID]:
    """Which of these consultants the user may rate (themselves, or their supervisees), in one query."""
    candidates = ConsultantProfile.objects.filter(pk__in=[consultant.pk for consultant in consultants])
    return set(access.visible(user, COMPETENCY_ASSESS, candidates).values_list("pk", flat=True))


def consultant_page_record(*, user: Any, consultants: list[ConsultantProfile]) -> None:
    audit.record_list(user=user, model=ConsultantProfile, ids=[consultant.pk for consultant in consultants])


@dataclass(frozen=True)
class LevelCell:
    level: int | None

    @property
    def label(self) -> str:
        return str(CompetencyLevel(self.level).label) if self.level else ""


@dataclass
class GrowthRow:
    """One domain: its ratings in each self-assessment and each supervisor rating (in date order), and its
    growth."""

    domain: CompetencyDomain
    self_cells: list[LevelCell]
    supervisor_cells: list[LevelCell]
    growth: growth_engine.DomainGrowth


@dataclass
class CompetencyGrowth:
    consultant: ConsultantProfile
    rows: list[GrowthRow]
    self_assessments: list[CompetencyAssessment]  # oldest first
    supervisor_assessments: list[CompetencyAssessment]
    self_summary: growth_engine.GrowthSummary
    supervisor_summary: growth_engine.GrowthSummary

    @property
    def assessments(self) -> list[CompetencyAssessment]:
        """Every assessment, newest first (the notes list)."""
        return sorted(self.self_assessments + self.supervisor_assessments,
                      key=lambda assessment: (assessment.assessed_on, assessment.created_at), reverse=True)


def competency_growth_for(*, user: Any, consultant: ConsultantProfile) -> CompetencyGrowth:
    """The consultant's self-assessments and supervisor ratings over time (only those the user may see), by
    domain: the domains in use plus any retired domain they were rated on. Reading them is audited."""
    assessments = list(
        access.visible(user, COMPETENCY_VIEW, CompetencyAssessment.objects.filter(consultant=consultant))
        .select_related("rater").prefetch_related("ratings")
        .order_by("assessed_on", "created_at", "id")
    )
    audit.record_view(user=user, obj=consultant)
    audit.record_list(user=user, model=CompetencyAssessment, ids=[assessment.pk for assessment in assessments])
    rated_ids = {rating.domain_id for assessment in assessments for rating in assessment.ratings.all()}
    domains = [domain for domain in competency_framework_for(consultant.network_id, include_retired=True)
               if domain.is_active or domain.pk in rated_ids]
    keys = {domain.pk: domain.key for domain in domains}
    levels = [{keys[r.domain_id]: r.level for r in assessment.ratings.all() if r.domain_id in keys}
              for assessment in assessments]
    engine_input = [
        growth_engine.Assessment(assessed_on=assessment.assessed_on, rater_kind=assessment.rater_kind, levels=found)
        for assessment, found in zip(assessments, levels, strict=True)
    ]
    by_domain = growth_engine.growth_by_domain(engine_input, [domain.key for domain in domains])
    own = [(assessment, found) for assessment, found in zip(assessments, levels, strict=True)
           if assessment.rater_kind == RaterKind.SELF]
    supervisor = [(assessment, found) for assessment, found in zip(assessments, levels, strict=True)
                  if assessment.rater_kind == RaterKind.SUPERVISOR]
    rows = [
        GrowthRow(
            domain=domain,
            self_cells=[LevelCell(found.get(domain.key)) for _assessment, found in own],
            supervisor_cells=[LevelCell(found.get(domain.key)) for _assessment, found in supervisor],
            growth=domain_growth,
        )
        for domain, domain_growth in zip(domains, by_domain, strict=True)
    ]
    return CompetencyGrowth(
        consultant=consultant, rows=rows,
        self_assessments=[assessment for assessment, _found in own],
        supervisor_assessments=[assessment for assessment, _found in supervisor],
        self_summary=growth_engine.summarise(by_domain, growth_engine.SELF),
        supervisor_summary=growth_engine.summarise(by_domain, growth_engine.SUPERVISOR),
    )

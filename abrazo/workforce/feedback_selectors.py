"""Reads for feedback from the field: the pages that ask for feedback, and the percentages by question.

Asking (cohort.manage / group.manage): the cohort or group, scoped and audited, and how many were asked and
answered per session. Counts only: who answered is never shown, so that feedback stays candid.

Results ("feedback.view"): for one network and one context (consultation, training, group), the completed
surveys the person may count, tallied by `feedback_stats`. Which surveys are counted follows the thing they
are about, read with the same permission through access.visible:

- consultation: the satisfaction survey's administrations on episodes (their program's region for a
  coordinator);
- training: training feedback about cohorts the person may see (the cohort's region for a coordinator);
- group: training feedback about groups the person may see (the group's region for a coordinator).

Evaluators get suppressed figures (feedback_stats.publish_suppressed) for the whole network, as on the
outcomes pages: a person with an evaluator role in a network who is not its administrator never gets exact
figures there. Every page and file is audited with its parameters (aggregates: no person's id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.accounts.models import Role
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.consultations.models import Group
from abrazo.consultations.selectors import group_get_for
from abrazo.directory.models import Network, Region
from abrazo.equity.selectors import HIDDEN_LABEL
from abrazo.measures.models import Administration, AdministrationStatus, Instrument, Item
from abrazo.measures.outcome_selectors import suppress_up_to
from abrazo.workforce import feedback_stats as stats
from abrazo.workforce.cohort_selectors import cohort_get_for
from abrazo.workforce.feedback_services import (
    COHORT_MANAGE,
    GROUP_MANAGE,
    SATISFACTION_KEY,
    TRAINING_FEEDBACK_KEY,
)
from abrazo.workforce.models import Cohort, CohortSession, FeedbackContext, FeedbackRequest

PERMISSION = "feedback.view"
INSTRUMENT_FOR: dict[str, str] = {
    FeedbackContext.EPISODE: SATISFACTION_KEY,
    FeedbackContext.TRAINING: TRAINING_FEEDBACK_KEY,
    FeedbackContext.GROUP: TRAINING_FEEDBACK_KEY,
}
RATED_TYPES = ("radio", "dropdown")


# --- asking --------------------------------------------------------------------------------------------


def cohort_for_feedback(*, user: Any, cohort_id: UUID) -> Cohort:
    """A cohort the person runs (cohort.manage); 404 otherwise. Audited."""
    cohort = cohort_get_for(user=user, cohort_id=cohort_id, permission=COHORT_MANAGE)
    audit.record_view(user=user, obj=cohort)
    return cohort


def group_for_feedback(*, user: Any, group_id: UUID) -> Group:
    """A group the person runs (group.manage: its facilitator, the region's coordinator, the admin); 404
    otherwise. Audited."""
    return group_get_for(user=user, group_id=group_id, permission=GROUP_MANAGE)


def sessions_of(cohort: Cohort) -> list[CohortSession]:
    return list(cohort.sessions.order_by("number"))


@dataclass(frozen=True)
class AskedRow:
    """How many were asked about one session (or the whole cohort, or a group) and how many answered."""

    label: str
    asked: int
    answered: int


def _asked(requests: QuerySet[FeedbackRequest]) -> QuerySet[Any]:
    live = requests.exclude(administration__status=AdministrationStatus.CANCELLED)
    return live.values("session_id").annotate(
        asked=Count("pk"), answered=Count("pk", filter=Q(administration__status=AdministrationStatus.COMPLETED)),
    )


def cohort_feedback_summary(*, cohort: Cohort) -> list[AskedRow]:
    """Per session asked about (then the whole cohort), in session order (one query besides the sessions)."""
    counts = {row["session_id"]: row for row in _asked(FeedbackRequest.objects.filter(cohort=cohort))}
    rows = [AskedRow(str(session), counts[session.pk]["asked"], counts[session.pk]["answered"])
            for session in sessions_of(cohort) if session.pk in counts]
    if None in counts:
        rows.append(AskedRow(_("The whole cohort"), counts[None]["asked"], counts[None]["answered"]))
    return rows


def group_feedback_summary(*, group: Group) -> AskedRow:
    live = FeedbackRequest.objects.filter(group=group).exclude(administration__status=AdministrationStatus.CANCELLED)
    totals = live.aggregate(
        asked=Count("pk"), answered=Count("pk", filter=Q(administration__status=AdministrationStatus.COMPLETED)),
    )
    return AskedRow(group.name, totals["asked"] or 0, totals["answered"] or 0)


# --- results -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    context: str = FeedbackContext.EPISODE
    region_id: UUID | None = None
    cohort_id: UUID | None = None  # training only
    completed_from: dt.date | None = None
    completed_until: dt.date | None = None

    def parameters(self) -> list[str]:
        return [
            f"context={self.context}", f"region={self.region_id or 'any'}", f"cohort={self.cohort_id or 'any'}",
            f"completed={self.completed_from.isoformat() if self.completed_from else ''}.."
            f"{self.completed_until.isoformat() if self.completed_until else ''}",
        ]


def networks_for(*, user: Any) -> list[Network]:
    """The networks where one of the person's roles holds feedback.view (at any scope: a coordinator reads
    their region's feedback within the network)."""
    grants = access.POLICY[PERMISSION]
    ids = {membership.network_id for membership in getattr(user, "active_memberships", [])
           if Role(membership.role) in grants}
    return list(Network.objects.filter(pk__in=ids).order_by("name"))


def network_for(*, user: Any, network_id: UUID | None = None) -> Network:
    """The network asked for, or the person's first; 404 (audited) outside their networks."""
    networks = networks_for(user=user)
    if network_id is None and networks:
        return networks[0]
    for network in networks:
        if network.pk == network_id:
            return network
    audit.record_denied(user=user, object_type="directory.network", object_id=str(network_id or ""))
    raise Http404


def is_exact(*, user: Any, network: Network) -> bool:
    """Exact figures unless the person is an evaluator of the network and not its administrator."""
    roles = {membership.role for membership in getattr(user, "active_memberships", [])
             if membership.network_id == network.pk and Role(membership.role) in access.POLICY[PERMISSION]}
    return Role.NETWORK_ADMIN in roles or Role.EVALUATOR not in roles


def regions_for(*, user: Any, network: Network) -> list[Region]:
    return list(access.visible(user, PERMISSION, Region.objects.filter(network=network)).order_by("name"))


def cohorts_for(*, user: Any, network: Network) -> list[Cohort]:
    return list(access.visible(user, PERMISSION, Cohort.objects.filter(network=network)).order_by("-starts_on", "name"))


def instrument_for(context: str) -> Instrument:
    return Instrument.objects.get(network__isnull=True, key=INSTRUMENT_FOR[context])


def administrations_for(*, user: Any, network: Network, filters: Filters) -> QuerySet[Administration]:
    """The completed surveys of the context that the person may count (module docstring)."""
    queryset = Administration.objects.filter(
        network=network, status=AdministrationStatus.COMPLETED, instrument__network__isnull=True,
        instrument__key=INSTRUMENT_FOR[filters.context],
    )
    if filters.context == FeedbackContext.EPISODE:
        queryset = access.visible(user, PERMISSION, queryset.filter(episode__isnull=False))
        if filters.region_id:
            queryset = queryset.filter(program__region_id=filters.region_id)
    elif filters.context == FeedbackContext.TRAINING:
        cohorts = access.visible(user, PERMISSION, Cohort.objects.filter(network=network))
        queryset = queryset.filter(feedback_request__context=FeedbackContext.TRAINING,
                                   feedback_request__cohort__in=cohorts.values("pk"))
        if filters.region_id:
            queryset = queryset.filter(feedback_request__cohort__region_id=filters.region_id)
        if filters.cohort_id:
            queryset = queryset.filter(feedback_request__cohort_id=filters.cohort_id)
    else:
        groups = access.visible(user, PERMISSION, Group.objects.filter(network=network))
        queryset = queryset.filter(feedback_request__context=FeedbackContext.GROUP,
                                   feedback_request__group__in=groups.values("pk"))
        if filters.region_id:
            queryset = queryset.filter(feedback_request__group__region_id=filters.region_id)
    if filters.completed_from:
        queryset = queryset.filter(completed_on__gte=filters.completed_from)
    if filters.completed_until:
        queryset = queryset.filter(completed_on__lte=filters.completed_until)
    return queryset


def _code(value: Any) -> str:
    return stats.code_of(value) or ""


def questions_of(instrument: Instrument) -> list[stats.Question]:
    """The instrument's rated questions, worded in the active language."""
    spanish = (get_language() or "en").startswith("es")
    found = []
    for item in Item.objects.filter(instrument=instrument, field_type__in=RATED_TYPES).order_by("position"):
        choices = tuple(
            (_code(choice[0]), str(choice[2] if spanish and len(choice) > 2 and choice[2] else choice[1]))
            for choice in item.choices or [] if choice
        )
        found.append(stats.Question(
            key=item.key, label=item.label or item.key, choices=choices,
            missing_codes=frozenset(_code(code) for code in item.missing_codes or []),
        ))
    return found


@dataclass
class FeedbackReport:
    network: Network
    filters: Filters
    instrument: Instrument
    published: stats.Published
    cohort_name: str = ""
    region_name: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.published.exact


def report_for(
    *, user: Any, network: Network, filters: Filters, action: str = Action.VIEW, extra: Sequence[str] = (),
) -> FeedbackReport:
    """Percentages by question for the context, exact or suppressed as the person may see them; audited."""
    exact = is_exact(user=user, network=network)
    high = suppress_up_to(network.pk)
    instrument = instrument_for(filters.context)
    answers = list(administrations_for(user=user, network=network, filters=filters).values_list("answers", flat=True))
    results = stats.tally(questions_of(instrument), [answer if isinstance(answer, dict) else {} for answer in answers])
    published = (stats.publish_exact(results, high=high) if exact
                 else stats.publish_suppressed(results, high=high, hidden_label=str(HIDDEN_LABEL)))
    audit.record(user=user, action=action, object_type="directory.network", object_id=str(network.pk),
                 object_ids=[*filters.parameters(), f"sight={'exact' if exact else 'suppressed'}", *extra])
    report = FeedbackReport(network=network, filters=filters, instrument=instrument, published=published)
    if filters.cohort_id:
        report.cohort_name = Cohort.objects.filter(pk=filters.cohort_id).values_list("name", flat=True).first() or ""
    if filters.region_id:
        report.region_name = Region.objects.filter(pk=filters.region_id).values_list("name", flat=True).first() or ""
    return report

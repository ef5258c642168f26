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

Evaluators get suppressed figures for the whole network, as on the outcomes pages: a person with an evaluator
role in a network who is not its administrator never gets exact figures there. Results suppressed one choice at a
time could be subtracted from each other (answered January to June minus January to May; the network minus
every region but one), so the suppressed sight chooses among fixed cells only (`fixed_cell_problem`):

- one dimension, decided by the kind of feedback: the whole network or one region for consultation and group
  feedback, the whole network or one cohort for training (a region of cohorts beside single cohorts would make
  two crossing hierarchies, which hide most of the network's own figures);
- one whole year, July to June (the program and funding year of most networks, and long enough for a region or
  a cohort to gather enough answers to publish; a quarter rarely would), and only a year that has ended: a year
  still running grows, and two looks at it a week apart would differ by a week's answers;
- every cell of that dimension and year suppressed together (feedback_stats.publish_cells), so whatever cells a
  reader compares, the network and its parts add up over counts that are hidden together.

Staff with exact figures keep free filters (region, cohort and any dates). Every page and file is audited with
its parameters (aggregates: no person's id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404
from django.utils import timezone
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

    @classmethod
    def for_year(cls, start_year: int, **fields: Any) -> Filters:
        """Answered within one whole year, July to June (the suppressed sight's only periods)."""
        start, end = year_period(start_year)
        return cls(completed_from=start, completed_until=end, **fields)

    def parameters(self) -> list[str]:
        return [
            f"context={self.context}", f"region={self.region_id or 'any'}", f"cohort={self.cohort_id or 'any'}",
            f"completed={self.completed_from.isoformat() if self.completed_from else ''}.."
            f"{self.completed_until.isoformat() if self.completed_until else ''}",
        ]


# --- fixed cells of the suppressed sight ----------------------------------------------------------------

YEAR_STARTS_IN = 7  # July: a year runs from 1 July to 30 June
YEARS_OFFERED = 10


def year_of(day: dt.date) -> int:
    """The year (July to June) a day belongs to, named by the calendar year it starts in."""
    return day.year if day.month >= YEAR_STARTS_IN else day.year - 1


def year_period(start_year: int) -> tuple[dt.date, dt.date]:
    return dt.date(start_year, YEAR_STARTS_IN, 1), dt.date(start_year + 1, YEAR_STARTS_IN, 1) - dt.timedelta(days=1)


def ended_years(*, network: Network, today: dt.date | None = None) -> list[int]:
    """The years (July to June) that have ended, newest first, back to the first answered feedback survey of the
    network (at most YEARS_OFFERED; at least the last one, even when nothing was answered in it)."""
    last = year_of(today or timezone.localdate()) - 1
    first = Administration.objects.filter(
        network=network, status=AdministrationStatus.COMPLETED, instrument__network__isnull=True,
        instrument__key__in=sorted(set(INSTRUMENT_FOR.values())),
    ).aggregate(first=Min("completed_on"))["first"]
    earliest = max(year_of(first), last - YEARS_OFFERED + 1) if first else last
    return list(range(last, min(earliest, last) - 1, -1))


def fixed_cell_problem(filters: Filters, *, today: dt.date | None = None) -> str:
    """Why these filters are not a cell the suppressed sight may publish (module docstring), or "" when they are."""
    start, end = filters.completed_from, filters.completed_until
    if start is None or end is None or (start, end) != year_period(year_of(start)):
        return _("Published figures cover one whole year, from July to June.")
    if year_of(start) >= year_of(today or timezone.localdate()):
        return _("Published figures cover only years that have ended.")
    if filters.context == FeedbackContext.TRAINING and filters.region_id:
        return _("Published training feedback is shown for the whole network or one cohort, not by region.")
    if filters.context != FeedbackContext.TRAINING and filters.cohort_id:
        return _("Only training feedback is shown by cohort.")
    return ""


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


LEAF_OF: dict[str, str] = {  # the path from a survey to the cell of the suppressed sight's one dimension
    FeedbackContext.EPISODE: "program__region_id",
    FeedbackContext.TRAINING: "feedback_request__cohort_id",
    FeedbackContext.GROUP: "feedback_request__group__region_id",
}
HIDDEN_KEPT_SECONDS = 24 * 60 * 60


def _remember_hidden(fingerprint: str, compute: Any) -> list[int]:
    """The positions to hide (no count, no name), kept for a day under a fingerprint of every count they depend
    on: the years offered have ended, so they are worked out once rather than on every page and export."""
    found = cache.get_or_set(f"workforce:feedback:hidden:{fingerprint}", compute, timeout=HIDDEN_KEPT_SECONDS)
    return list(found or [])


def _suppressed_cells(*, user: Any, network: Network, filters: Filters, questions: Sequence[stats.Question],
                      high: int) -> stats.Published:
    """The chosen cell's figures, suppressed together with every other cell of its dimension and year."""
    if filters.context == FeedbackContext.TRAINING:
        leaves = [str(pk) for pk in access.visible(user, PERMISSION, Cohort.objects.filter(network=network))
                  .order_by("pk").values_list("pk", flat=True)]
        chosen = filters.cohort_id
    else:
        leaves = [str(region.pk) for region in sorted(regions_for(user=user, network=network), key=lambda r: str(r.pk))]
        chosen = filters.region_id
    cell = str(chosen) if chosen else stats.NETWORK_CELL
    if cell != stats.NETWORK_CELL and cell not in leaves:
        audit.record_denied(user=user, object_type="directory.network", object_id=str(network.pk))
        raise Http404
    every = replace(filters, region_id=None, cohort_id=None)
    by_leaf: dict[str, list[dict[str, Any]]] = {}
    for answers, leaf in administrations_for(user=user, network=network, filters=every).values_list(
            "answers", LEAF_OF[filters.context]):
        by_leaf.setdefault(str(leaf), []).append(answers if isinstance(answers, dict) else {})
    layout: dict[str, tuple[str, ...]] = {stats.NETWORK_CELL: tuple(leaves), **{leaf: (leaf,) for leaf in leaves}}
    # A survey whose cell is not a leaf (none in practice: programs and groups have a region, and training
    # surveys a cohort) is left out of every cell, the network's included, so that the cells still add up.
    published = stats.publish_cells(questions, {leaf: by_leaf.get(leaf, []) for leaf in leaves}, layout, high=high,
                                    hidden_label=str(HIDDEN_LABEL), remember=_remember_hidden)
    return published[cell]


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
    """Percentages by question for the context, exact or suppressed as the person may see them; audited. The
    suppressed sight takes fixed cells only (module docstring): anything else is refused."""
    exact = is_exact(user=user, network=network)
    if not exact and fixed_cell_problem(filters):
        raise PermissionDenied(fixed_cell_problem(filters))
    high = suppress_up_to(network.pk)
    instrument = instrument_for(filters.context)
    questions = questions_of(instrument)
    if exact:
        answers = administrations_for(user=user, network=network, filters=filters).values_list("answers", flat=True)
        published = stats.publish_exact(
            stats.tally(questions, [answer if isinstance(answer, dict) else {} for answer in answers]), high=high)
    else:
        published = _suppressed_cells(user=user, network=network, filters=filters, questions=questions, high=high)
    audit.record(user=user, action=action, object_type="directory.network", object_id=str(network.pk),
                 object_ids=[*filters.parameters(), f"sight={'exact' if exact else 'suppressed'}", *extra])
    report = FeedbackReport(network=network, filters=filters, instrument=instrument, published=published)
    if filters.cohort_id:
        report.cohort_name = Cohort.objects.filter(pk=filters.cohort_id).values_list("name", flat=True).first() or ""
    if filters.region_id:
        report.region_name = Region.objects.filter(pk=filters.region_id).values_list("name", flat=True).first() or ""
    return report

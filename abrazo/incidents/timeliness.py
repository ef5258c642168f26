"""Does the network reach children in time? Exclusions before any request, and days to the first request.

For the children of each program in the person's scope who had an incident or an exclusion (sent home or
dismissed) in the period, the report counts:

- children suspended (sent home) or dismissed in the period *before* any request for consultation about
  them: no request yet, or the first request came after that exclusion. A request made the same day
  counts as made in time;
- children with a request made on or before their first exclusion ever (or never excluded);
- the median and mean days from the child's first incident or exclusion to their first request. A request
  made before any incident (a program that asked early) counts as 0 days.

A request is "for the child" when it names the child (made from an early warning, or linked by intake), or
when an episode at the child's program carries the child's code; the episode's date is that of its request,
or its opening when it had none. Requests and first incidents are read from all the records, not only the
period's: a child excluded in March whose program asked in April was excluded before anyone asked.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.incidents.models import Child, Exclusion, ExclusionKind, Incident

PERMISSION = "warning.view"
EXCLUDING_KINDS = (ExclusionKind.OSS, ExclusionKind.DISMISSAL)


# --- The arithmetic (pure) --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildTimeline:
    """One child's dates, as the report needs them."""

    program_id: Any
    first_event: dt.date | None  # first incident or exclusion, ever
    first_request: dt.date | None  # first request for consultation about the child, ever
    first_exclusion: dt.date | None  # first time sent home or dismissed, ever
    first_exclusion_in_period: dt.date | None


@dataclass(frozen=True)
class Timeliness:
    children: int
    excluded_before_request: int
    requested_before_exclusion: int
    with_request: int
    median_days: float | None
    mean_days: float | None

    @property
    def without_request(self) -> int:
        return self.children - self.with_request


def excluded_before_request(child: ChildTimeline) -> bool:
    excluded = child.first_exclusion_in_period
    return excluded is not None and (child.first_request is None or excluded < child.first_request)


def requested_before_exclusion(child: ChildTimeline) -> bool:
    requested = child.first_request
    return requested is not None and (child.first_exclusion is None or requested <= child.first_exclusion)


def days_to_request(child: ChildTimeline) -> int | None:
    if child.first_request is None or child.first_event is None:
        return None
    return max(0, (child.first_request - child.first_event).days)


def summarise(children: Sequence[ChildTimeline]) -> Timeliness:
    days = [value for value in (days_to_request(child) for child in children) if value is not None]
    return Timeliness(
        children=len(children),
        excluded_before_request=sum(1 for child in children if excluded_before_request(child)),
        requested_before_exclusion=sum(1 for child in children if requested_before_exclusion(child)),
        with_request=sum(1 for child in children if child.first_request is not None),
        median_days=float(statistics.median(days)) if days else None,
        mean_days=statistics.fmean(days) if days else None,
    )


# --- The queries ----------------------------------------------------------------------------------


def _earliest(values: Iterable[dt.date | dt.datetime | None]) -> dt.date | None:
    dates = [timezone.localdate(value) if isinstance(value, dt.datetime) else value for value in values]
    present = [value for value in dates if value is not None]
    return min(present, default=None)


def _first(queryset: QuerySet[Any], field: str) -> Subquery:
    return Subquery(queryset.order_by(field).values(field)[:1])


def cohort_queryset(*, user: Any, start: dt.date, end: dt.date) -> QuerySet[Child]:
    """The children in the user's scope with an incident, or a suspension or dismissal, in [start, end],
    annotated with the dates the report needs (one subquery each, so no join multiplies rows)."""
    from abrazo.consultations.models import Episode
    from abrazo.intake.models import Request

    incidents = Incident.objects.filter(child=OuterRef("pk"))
    excluding_incidents = incidents.filter(Q(is_oss=True) | Q(is_dismissal=True))
    exclusions = Exclusion.objects.filter(child=OuterRef("pk"), kind__in=EXCLUDING_KINDS)
    in_period = {"occurred_on__range": (start, end)}
    episodes = (
        Episode.objects.filter(program_id=OuterRef("program_id"), child_code__iexact=OuterRef("code"))
        .annotate(asked_at=Coalesce(F("request__submitted_at"), F("opened_at")))
    )
    children = Child.objects.filter(
        Exists(incidents.filter(**in_period)) | Exists(exclusions.filter(starts_on__range=(start, end)))
    ).annotate(
        first_incident=_first(incidents, "occurred_on"),
        first_excluding_incident=_first(excluding_incidents, "occurred_on"),
        first_exclusion_record=_first(exclusions, "starts_on"),
        period_excluding_incident=_first(excluding_incidents.filter(**in_period), "occurred_on"),
        period_exclusion_record=_first(exclusions.filter(starts_on__range=(start, end)), "starts_on"),
        first_request_at=_first(Request.objects.filter(child=OuterRef("pk")), "submitted_at"),
        first_episode_at=_first(episodes, "asked_at"),
    )
    return access.visible(user, PERMISSION, children)


def timelines(children: QuerySet[Child]) -> list[ChildTimeline]:
    annotated: Any = children  # the dates are annotations of cohort_queryset, unknown to the type checker
    rows = annotated.values_list(
        "program_id", "first_incident", "first_excluding_incident", "first_exclusion_record",
        "period_excluding_incident", "period_exclusion_record", "first_request_at", "first_episode_at",
    )
    found = []
    for (program_id, first_incident, excluding_incident, exclusion_record, period_incident, period_record,
         request_at, episode_at) in rows:
        first_exclusion = _earliest([excluding_incident, exclusion_record])
        found.append(ChildTimeline(
            program_id=program_id,
            first_event=_earliest([first_incident, first_exclusion]),
            first_request=_earliest([request_at, episode_at]),
            first_exclusion=first_exclusion,
            first_exclusion_in_period=_earliest([period_incident, period_record]),
        ))
    return found


@dataclass(frozen=True)
class ProgramTimeliness:
    program: Any
    figures: Timeliness


@dataclass(frozen=True)
class TimelinessReport:
    start: dt.date
    end: dt.date
    programs: list[ProgramTimeliness]
    total: Timeliness


def timeliness_report_for(*, user: Any, start: dt.date, end: dt.date) -> TimelinessReport:
    """The report for every program in the user's scope with a child in the period, and their total."""
    from abrazo.directory.models import Program

    every_child = timelines(cohort_queryset(user=user, start=start, end=end))
    by_program: dict[Any, list[ChildTimeline]] = defaultdict(list)
    for child in every_child:
        by_program[child.program_id].append(child)
    programs = Program.objects.filter(pk__in=list(by_program)).order_by("name", "pk")
    report = TimelinessReport(
        start=start, end=end,
        programs=[ProgramTimeliness(program, summarise(by_program[program.pk])) for program in programs],
        total=summarise(every_child),
    )
    # Aggregates of children's records: the ledger notes the report and the programs it covered.
    audit.record(user=user, action=Action.VIEW, object_type="incidents.timeliness",
                 object_ids=[program.pk for program in programs])
    return report

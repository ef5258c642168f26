"""Every read of the roster, incidents and exclusions that a view needs, scoped by the user.

These are children's records: every list and detail read is audited (lists with the ids they returned),
and a record outside the reader's scope answers 404, so its existence is not revealed. Program staff
reach their own program, consultants and supervisors the programs where they hold an episode,
coordinators their region; evaluators never reach a child (accounts.access.POLICY).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils import timezone

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.directory.models import Classroom, Program
from abrazo.incidents.models import Child, Enrollment, Exclusion, Incident

CHILD_VIEW = "child.view"
INCIDENT_VIEW = "incident.view"

# A late entry is still possible for a child who left recently; the roster offered on the incident form
# is the program's children enrolled now or at some time in this window.
RECENT_ROSTER_DAYS = 366


# --- Programs (what a person may add children or incidents to) ---------------------------------------


def program_get_for(*, user: Any, program_id: UUID, permission: str) -> Program:
    """The program if the user holds `permission` on it (child.edit, incident.record...); otherwise 404."""
    return access.get_or_404(user, permission, Program.objects.select_related("network"), pk=program_id)


def programs_for(*, user: Any, permission: str) -> list[tuple[UUID, str]]:
    """(id, name) of the programs on which the user holds the permission, for filters and "add" buttons."""
    programs = access.visible(user, permission, Program.objects.all()).order_by("name", "id")
    return list(programs.values_list("pk", "name"))


def classrooms_for(*, user: Any, program_ids: Sequence[UUID]) -> list[tuple[UUID, str, str]]:
    """(id, name, program name) of the classrooms of these programs (already scoped by the caller)."""
    rows = Classroom.objects.filter(program_id__in=program_ids).order_by("program__name", "name", "id")
    return list(rows.values_list("pk", "name", "program__name"))


# --- Children ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildFilters:
    program_id: UUID | None = None
    classroom_id: UUID | None = None
    query: str = ""  # the child's code, or its beginning


def child_queryset_for(*, user: Any, filters: ChildFilters | None = None) -> QuerySet[Child]:
    """The roster of the programs the user may see, by program then code; not evaluated."""
    filters = filters or ChildFilters()
    children = access.visible(user, CHILD_VIEW, Child.objects.all())
    if filters.program_id:
        children = children.filter(program_id=filters.program_id)
    if filters.classroom_id:
        children = children.filter(classroom_id=filters.classroom_id)
    if filters.query.strip():
        children = children.filter(code__istartswith=filters.query.strip())
    return children.select_related("program", "classroom").order_by("program__name", "code", "id")


def child_page_record(*, user: Any, children: Sequence[Child], searched: bool = False) -> None:
    from abrazo.audit.models import Action

    audit.record_list(user=user, model=Child, ids=[child.pk for child in children],
                      action=Action.SEARCH if searched else Action.LIST)


def child_get_for(*, user: Any, child_id: UUID, permission: str = CHILD_VIEW) -> Child:
    """The child if the user holds the permission on them; otherwise 404."""
    child = access.get_or_404(
        user, permission, Child.objects.select_related("program", "classroom", "home_language"), pk=child_id
    )
    audit.record_view(user=user, obj=child)
    return child


@dataclass
class ChildRecords:
    enrollments: list[Enrollment]
    incidents: list[Incident] | None  # None: the user may not see this child's incidents
    exclusions: list[Exclusion] | None


def child_records_for(*, user: Any, child: Child) -> ChildRecords:
    """The enrolment periods, incidents and exclusions shown on the child's page (incidents audited)."""
    enrollments = list(child.enrollments.select_related("classroom").order_by("-start_date"))
    if not access.can(user, INCIDENT_VIEW, child):
        return ChildRecords(enrollments=enrollments, incidents=None, exclusions=None)
    incidents = list(
        access.visible(user, INCIDENT_VIEW, Incident.objects.filter(child=child))
        .select_related("classroom").order_by("-occurred_on", "-occurred_at", "-created_at")
    )
    exclusions = list(
        access.visible(user, INCIDENT_VIEW, Exclusion.objects.filter(child=child)).order_by("-starts_on", "-created_at")
    )
    audit.record_list(user=user, model=Incident, ids=[incident.pk for incident in incidents])
    audit.record_list(user=user, model=Exclusion, ids=[exclusion.pk for exclusion in exclusions])
    return ChildRecords(enrollments=enrollments, incidents=incidents, exclusions=exclusions)


def enrollment_get_for(*, user: Any, enrollment_id: UUID, permission: str = "child.edit") -> Enrollment:
    enrollment = access.get_or_404(
        user, permission, Enrollment.objects.select_related("child__program", "classroom"), pk=enrollment_id
    )
    audit.record_view(user=user, obj=enrollment)
    return enrollment


def roster_for_incidents(*, program: Program, include: UUID | None = None) -> QuerySet[Child]:
    """The children an incident at the program may be recorded for: enrolled now or within the last year
    (plus `include`, the child already on the incident being edited). The caller has checked the program."""
    since = timezone.localdate() - dt.timedelta(days=RECENT_ROSTER_DAYS)
    recent = Q(enrollments__end_date__isnull=True) | Q(enrollments__end_date__gte=since)
    if include is not None:
        recent |= Q(pk=include)
    ids = Child.objects.filter(program=program).filter(recent).values("pk")
    return Child.objects.filter(pk__in=ids).order_by("code", "id")


# --- Incidents ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentFilters:
    program_id: UUID | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    exclusion_only: bool = False


def incident_queryset_for(*, user: Any, filters: IncidentFilters | None = None) -> QuerySet[Incident]:
    """Incidents in the user's scope, most recent first; not evaluated."""
    filters = filters or IncidentFilters()
    incidents = access.visible(user, INCIDENT_VIEW, Incident.objects.all())
    if filters.program_id:
        incidents = incidents.filter(program_id=filters.program_id)
    if filters.since:
        incidents = incidents.filter(occurred_on__gte=filters.since)
    if filters.until:
        incidents = incidents.filter(occurred_on__lte=filters.until)
    if filters.exclusion_only:
        incidents = incidents.filter(Q(is_iss=True) | Q(is_oss=True) | Q(is_dismissal=True))
    return (
        incidents.select_related("child", "program", "classroom")
        .defer("notes")  # encrypted, never shown in a list: not worth decrypting a page of them
        .order_by("-occurred_on", "-occurred_at", "-created_at", "id")
    )


def incident_page_record(*, user: Any, incidents: Sequence[Incident]) -> None:
    audit.record_list(user=user, model=Incident, ids=[incident.pk for incident in incidents])


def incident_get_for(*, user: Any, incident_id: UUID, permission: str = INCIDENT_VIEW) -> Incident:
    incident = access.get_or_404(
        user, permission,
        Incident.objects.select_related("child", "program", "classroom", "recorded_by"), pk=incident_id,
    )
    audit.record_view(user=user, obj=incident)
    return incident


def exclusion_of(*, user: Any, incident: Incident) -> Exclusion | None:
    """The exclusion an incident led to, if any (same program, so the same scope as the incident)."""
    exclusion = Exclusion.objects.filter(incident=incident).first()
    if exclusion is not None:
        audit.record_view(user=user, obj=exclusion)
    return exclusion


def exclusion_get_for(*, user: Any, exclusion_id: UUID, permission: str = INCIDENT_VIEW) -> Exclusion:
    exclusion = access.get_or_404(
        user, permission, Exclusion.objects.select_related("child__program", "incident"), pk=exclusion_id
    )
    audit.record_view(user=user, obj=exclusion)
    return exclusion


def current_version_of(*, obj: Any) -> int:
    """The stored version of a record, after a stale edit, so that the next save can go through."""
    version: int = type(obj)._default_manager.filter(pk=obj.pk).values_list("version", flat=True).get()
    return version

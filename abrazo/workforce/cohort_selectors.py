"""Every read of cohorts, sessions, assignments and participants that the cohort pages need, scoped by the
reader and audited.

Cohorts are the network's training programmes: `cohort.view` browses them (sessions, assignments, counts).
Participants are people: their names, attendance and assignments are read with `participant.view` (the
network admin, the coordinator of the cohort's region), and every such read is written to the audit
ledger. Sessions and assignments have no scope of their own: they are reached through their cohort.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from django.db import models
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.workforce import completion
from abrazo.workforce.models import (
    Assignment,
    AssignmentCompletion,
    Attendance,
    Cohort,
    CohortSession,
    Participant,
    ParticipantStatus,
)
from abrazo.workforce.selectors import workforce_settings_for

COHORT_VIEW = "cohort.view"
COHORT_MANAGE = "cohort.manage"
PARTICIPANT_VIEW = "participant.view"
ZERO = Decimal(0)

M = TypeVar("M", bound=models.Model)


# --- Cohorts ------------------------------------------------------------------------------------------


def cohort_queryset_for(*, user: Any, status: str = "") -> QuerySet[Cohort]:
    """The cohorts the user may browse, newest first, with their participant and graduate counts."""
    cohorts = access.visible(user, COHORT_VIEW, Cohort.objects.select_related("region"))
    if status:
        cohorts = cohorts.filter(status=status)
    return cohorts.annotate(
        # distinct: the join with sessions repeats each participant once per session
        participant_count=Count("participants", filter=~Q(participants__status=ParticipantStatus.WITHDRAWN),
                                distinct=True),
        completed_count=Count("participants", filter=Q(participants__status=ParticipantStatus.COMPLETED),
                              distinct=True),
        session_count=Count("sessions", distinct=True),
    ).order_by("-starts_on", "name")


def cohort_get_for(*, user: Any, cohort_id: UUID, permission: str = COHORT_VIEW) -> Cohort:
    """The cohort if the user holds `permission` on it; otherwise 404 (existence is not revealed)."""
    return access.get_or_404(user, permission, Cohort.objects.select_related("region", "network", "coordinator"),
                             pk=cohort_id)


def current_version_of(*, obj: models.Model) -> int:
    return int(type(obj)._default_manager.filter(pk=obj.pk).values_list("version", flat=True).get())


def _through_cohort(user: Any, permission: str, queryset: QuerySet[M], pk: UUID) -> M:
    """A session or assignment of a cohort the user holds `permission` on, or 404 (audited as refused)."""
    cohorts = access.visible(user, permission, Cohort.objects.all())
    found = queryset.filter(cohort__in=cohorts, pk=pk).first()
    if found is None:
        meta = queryset.model._meta
        audit.record_denied(user=user, object_type=f"{meta.app_label}.{meta.model_name}", object_id=str(pk))
        raise Http404
    return found


def session_get_for(*, user: Any, session_id: UUID, permission: str = COHORT_MANAGE) -> CohortSession:
    return _through_cohort(user, permission, CohortSession.objects.select_related("cohort__network"), session_id)


def assignment_get_for(*, user: Any, assignment_id: UUID, permission: str = COHORT_MANAGE) -> Assignment:
    return _through_cohort(user, permission, Assignment.objects.select_related("cohort__network"), assignment_id)


# --- Progress -----------------------------------------------------------------------------------------


@dataclass
class ParticipantRow:
    participant: Participant
    check: completion.CompletionCheck
    assignments_done: int


@dataclass
class SessionRow:
    session: CohortSession
    recorded: int  # attendance records for the session
    present: int  # present or part of it


@dataclass
class AssignmentRow:
    assignment: Assignment
    done: int


@dataclass
class CohortOverview:
    cohort: Cohort
    sessions: list[SessionRow]
    assignments: list[AssignmentRow]
    total_hours: Decimal
    share_required: Decimal
    # None when the reader may not see participants at all; otherwise the ones in their scope.
    participants: list[ParticipantRow] | None
    participant_count: int  # every participant not withdrawn, whoever reads
    completed_count: int
    withdrawn_count: int
    may_manage: bool

    @property
    def required_percent(self) -> Decimal:
        return self.share_required * 100


def _required(assignments: Sequence[Assignment]) -> list[tuple[object, str]]:
    return [(a.pk, a.title) for a in assignments if a.required_for_completion]


def _checks(cohort: Cohort, participants: list[Participant], sessions: Sequence[CohortSession],
            assignments: Sequence[Assignment]) -> dict[UUID, tuple[completion.CompletionCheck, int]]:
    """The completion check of each participant, from two grouped queries whatever their number."""
    ids = [p.pk for p in participants]
    hours = dict(
        Attendance.objects.filter(participant_id__in=ids).values("participant_id")
        .annotate(total=Sum("hours")).values_list("participant_id", "total")
    )
    done: dict[UUID, set[UUID]] = defaultdict(set)
    for participant_id, assignment_id in AssignmentCompletion.objects.filter(
        participant_id__in=ids, assignment__cohort=cohort
    ).values_list("participant_id", "assignment_id"):
        done[participant_id].add(assignment_id)
    total = sum((s.hours for s in sessions), ZERO)
    share = workforce_settings_for(cohort.network_id).completion_attendance_share
    required = _required(assignments)
    return {
        pk: (completion.check_completion(
            attended_hours=hours.get(pk) or ZERO, total_hours=total, share_required=share,
            required_assignments=required, done_assignments=done[pk],
        ), len(done[pk]))
        for pk in ids
    }


def cohort_overview_for(*, user: Any, cohort_id: UUID) -> CohortOverview:
    """The cohort page: sessions with how many were recorded present, assignments with how many did them,
    and (for readers holding `participant.view` on the cohort) every participant's hours and standing."""
    cohort = cohort_get_for(user=user, cohort_id=cohort_id)
    sessions = list(cohort.sessions.annotate(
        recorded=Count("attendance"),
        present=Count("attendance", filter=Q(attendance__status__in=["present", "partial"])),
    ))
    assignments = list(cohort.assignments.annotate(done=Count("completions")))
    counts = cohort.participants.aggregate(
        active=Count("pk", filter=~Q(status=ParticipantStatus.WITHDRAWN)),
        completed=Count("pk", filter=Q(status=ParticipantStatus.COMPLETED)),
        withdrawn=Count("pk", filter=Q(status=ParticipantStatus.WITHDRAWN)),
    )
    rows: list[ParticipantRow] | None = None
    if access.has_permission(user, PARTICIPANT_VIEW):
        participants = list(access.visible(user, PARTICIPANT_VIEW, cohort.participants.all()))
        checks = _checks(cohort, participants, sessions, assignments)
        rows = [ParticipantRow(p, *checks[p.pk]) for p in participants]
        audit.record_list(user=user, model=Participant, ids=[p.pk for p in participants])
    total = sum((s.hours for s in sessions), ZERO)
    return CohortOverview(
        cohort=cohort,
        sessions=[SessionRow(s, s.recorded, s.present) for s in sessions],  # type: ignore[attr-defined]
        assignments=[AssignmentRow(a, a.done) for a in assignments],  # type: ignore[attr-defined]
        total_hours=total, share_required=workforce_settings_for(cohort.network_id).completion_attendance_share,
        participants=rows, participant_count=counts["active"], completed_count=counts["completed"],
        withdrawn_count=counts["withdrawn"], may_manage=access.can(user, COHORT_MANAGE, cohort),
    )


# --- One participant ------------------------------------------------------------------------------------


def participant_get_for(*, user: Any, participant_id: UUID, permission: str = PARTICIPANT_VIEW) -> Participant:
    """The participant if the user holds `permission` on them; otherwise 404. The read is audited."""
    participant = access.get_or_404(
        user, permission, Participant.objects.select_related("cohort__network", "cohort__region", "network",
                                                              "consultant_profile__user"),
        pk=participant_id,
    )
    audit.record_view(user=user, obj=participant)
    return participant


@dataclass
class AttendanceLine:
    session: CohortSession
    record: Attendance | None


@dataclass
class AssignmentLine:
    assignment: Assignment
    record: AssignmentCompletion | None


@dataclass
class ParticipantProgress:
    participant: Participant
    attendance: list[AttendanceLine]
    assignments: list[AssignmentLine]
    check: completion.CompletionCheck
    counties: list[Any] = field(default_factory=list)
    languages: list[Any] = field(default_factory=list)


def progress_of(participant: Participant) -> ParticipantProgress:
    """A participant's attendance at every session, their assignments and where they stand; for a reader
    who already holds `participant.view` on them (see participant_get_for)."""
    cohort = participant.cohort
    sessions = list(cohort.sessions.all())
    assignments = list(cohort.assignments.all())
    attendance = {a.session_id: a for a in participant.attendance.all()}
    completions = {c.assignment_id: c for c in participant.assignment_completions.all()}
    check = completion.check_completion(
        attended_hours=sum((a.hours for a in attendance.values()), ZERO),
        total_hours=sum((s.hours for s in sessions), ZERO),
        share_required=workforce_settings_for(cohort.network_id).completion_attendance_share,
        required_assignments=_required(assignments), done_assignments=set(completions),
    )
    return ParticipantProgress(
        participant=participant,
        attendance=[AttendanceLine(s, attendance.get(s.pk)) for s in sessions],
        assignments=[AssignmentLine(a, completions.get(a.pk)) for a in assignments],
        check=check,
        counties=list(participant.counties_served.all()),
        languages=list(participant.languages.all()),
    )


def ce_hours_of(participant: Participant) -> Decimal:
    """Continuing-education hours: the credited attendance hours."""
    return participant.attendance.aggregate(total=Sum("hours"))["total"] or ZERO


# --- Sheets (attendance of one session, completions of one assignment) ---------------------------------


def sheet_participants(*, user: Any, cohort: Cohort, recorded_ids: set[UUID]) -> list[Participant]:
    """Who appears on an attendance or assignment sheet: everyone not withdrawn, and withdrawn participants
    who already have a record there (so it can still be read and corrected). The list is audited."""
    participants = list(
        access.visible(user, PARTICIPANT_VIEW, cohort.participants.all())
        .filter(~Q(status=ParticipantStatus.WITHDRAWN) | Q(pk__in=recorded_ids))
    )
    audit.record_list(user=user, model=Participant, ids=[p.pk for p in participants])
    return participants


def attendance_of(*, session: CohortSession) -> dict[UUID, Attendance]:
    return {a.participant_id: a for a in session.attendance.all()}


def completions_of(*, assignment: Assignment) -> dict[UUID, AssignmentCompletion]:
    return {c.participant_id: c for c in assignment.completions.all()}

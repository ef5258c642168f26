"""Reads of reflective supervision logs and of progress toward endorsement, scoped by the reader and audited.

`supervision.view` reaches a consultant's own logs, a supervisor's consultants' logs, a coordinator's region and
the administrator's network; `supervision.sign_off` only the logs of the supervisor's own consultants. Every
list, page and progress figure read from logs is written to the audit ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet, Sum

from abrazo.accounts import access
from abrazo.accounts.models import Role, User
from abrazo.audit import services as audit
from abrazo.directory.models import ConsultantProfile
from abrazo.workforce import endorsement
from abrazo.workforce.models import (
    SupervisionKind,
    SupervisionLog,
    SupervisionStatus,
    WorkforceSettings,
)
from abrazo.workforce.selectors import workforce_settings_for

SUPERVISION_VIEW = "supervision.view"
SUPERVISION_LOG = "supervision.log"
SUPERVISION_SIGN_OFF = "supervision.sign_off"
ZERO = Decimal(0)


def _logs() -> QuerySet[SupervisionLog]:
    return SupervisionLog.objects.select_related("supervisee__user", "supervisor", "logged_by", "signed_off_by")


def supervision_log_get_for(*, user: Any, log_id: UUID, permission: str = SUPERVISION_VIEW) -> SupervisionLog:
    """The log if the user holds `permission` on it; otherwise 404."""
    log = access.get_or_404(user, permission, _logs(), pk=log_id)
    audit.record_view(user=user, obj=log)
    return log


def current_log_version(*, log: SupervisionLog) -> int:
    return int(SupervisionLog.objects.filter(pk=log.pk).values_list("version", flat=True).get())


# --- lists --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupervisionFilters:
    consultant_id: UUID | None = None
    kind: str = ""
    format: str = ""
    status: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def supervision_queryset_for(*, user: Any, filters: SupervisionFilters | None = None) -> QuerySet[SupervisionLog]:
    """Logs the user may see, most recent first, narrowed by the filters; not evaluated."""
    filters = filters or SupervisionFilters()
    logs = access.visible(user, SUPERVISION_VIEW, _logs())
    if filters.consultant_id:
        logs = logs.filter(supervisee_id=filters.consultant_id)
    if filters.kind:
        logs = logs.filter(kind=filters.kind)
    if filters.format:
        logs = logs.filter(format=filters.format)
    if filters.status:
        logs = logs.filter(status=filters.status)
    if filters.since:
        logs = logs.filter(held_on__gte=filters.since)
    if filters.until:
        logs = logs.filter(held_on__lte=filters.until)
    return logs.order_by("-held_on", "-created_at", "id")


def supervision_page_record(*, user: Any, logs: Iterable[SupervisionLog]) -> None:
    audit.record_list(user=user, model=SupervisionLog, ids=[log.pk for log in logs])


@dataclass(frozen=True)
class KindTotal:
    kind: str
    label: str
    signed_off: Decimal = ZERO
    pending: Decimal = ZERO
    returned: Decimal = ZERO
    sessions: int = 0

    @property
    def total(self) -> Decimal:
        return self.signed_off + self.pending + self.returned


def supervision_totals(logs: QuerySet[SupervisionLog]) -> list[KindTotal]:
    """Hours of the (filtered) logs by kind and status, every kind listed, then a row for all kinds."""
    sums: dict[str, dict[str, Decimal]] = {}
    sessions: dict[str, int] = {}
    for row in logs.order_by().values("kind", "status").annotate(hours=Sum("hours"), sessions=Count("id")):
        sums.setdefault(row["kind"], {})[row["status"]] = row["hours"] or ZERO
        sessions[row["kind"]] = sessions.get(row["kind"], 0) + row["sessions"]
    totals = [
        KindTotal(
            kind=kind, label=str(label), signed_off=sums.get(kind, {}).get(SupervisionStatus.SIGNED_OFF, ZERO),
            pending=sums.get(kind, {}).get(SupervisionStatus.LOGGED, ZERO),
            returned=sums.get(kind, {}).get(SupervisionStatus.RETURNED, ZERO), sessions=sessions.get(kind, 0),
        )
        for kind, label in SupervisionKind.choices
    ]
    return totals


def all_kinds_total(totals: list[KindTotal]) -> KindTotal:
    return KindTotal(
        kind="", label="", signed_off=sum((t.signed_off for t in totals), ZERO),
        pending=sum((t.pending for t in totals), ZERO), returned=sum((t.returned for t in totals), ZERO),
        sessions=sum(t.sessions for t in totals),
    )


# --- people -------------------------------------------------------------------------------------------


def consultants_for(*, user: Any, permission: str) -> list[ConsultantProfile]:
    """Active consultants on whom the user holds `permission` (a consultant: themselves)."""
    return list(
        access.visible(user, permission, ConsultantProfile.objects.filter(is_active=True))
        .select_related("user", "supervisor").order_by("user__full_name", "id")
    )


def supervisors_of(*, network_ids: Iterable[UUID]) -> QuerySet[User]:
    """People who hold an active supervisor role in the network(s): the only ones a log may name."""
    return User.objects.filter(
        memberships__network_id__in=list(network_ids), memberships__role=Role.SUPERVISOR,
        memberships__is_active=True, is_active=True,
    ).distinct().order_by("full_name", "id")


# --- progress toward endorsement ------------------------------------------------------------------------


def _thresholds(settings: WorkforceSettings) -> tuple[Decimal, Decimal]:
    return settings.endorsement_hours_first, settings.endorsement_hours_second


def _countable(settings: WorkforceSettings) -> list[str]:
    return list(settings.countable_kinds or [])


def _hours_by_consultant(consultant_ids: list[UUID]) -> dict[UUID, list[endorsement.LoggedHours]]:
    found: dict[UUID, list[endorsement.LoggedHours]] = {pk: [] for pk in consultant_ids}
    rows = (SupervisionLog.objects.filter(supervisee_id__in=consultant_ids).order_by()
            .values("supervisee_id", "kind", "status").annotate(hours=Sum("hours")))
    for row in rows:
        found[row["supervisee_id"]].append(
            endorsement.LoggedHours(kind=row["kind"], status=row["status"], hours=row["hours"] or ZERO))
    return found


def progress_for(*, user: Any, consultant: ConsultantProfile) -> endorsement.Progress:
    """The consultant's progress toward the network's endorsement thresholds, from every log of theirs (the
    caller has checked that the user may see the consultant's supervision; the read is audited)."""
    settings = workforce_settings_for(consultant.network_id)
    hours = _hours_by_consultant([consultant.pk])[consultant.pk]
    audit.record_view(user=user, obj=consultant)
    return endorsement.endorsement_progress(hours, countable_kinds=_countable(settings),
                                            thresholds=_thresholds(settings))


def consultant_for_progress(*, user: Any, consultant_id: UUID) -> ConsultantProfile:
    """A consultant whose supervision the user may see (their own, a supervisee...); otherwise 404."""
    return access.get_or_404(user, SUPERVISION_VIEW, ConsultantProfile.objects.select_related("user", "supervisor"),
                             pk=consultant_id)


@dataclass
class TeamRow:
    consultant: ConsultantProfile
    progress: endorsement.Progress
    waiting: int  # logs waiting for sign-off
    settings: WorkforceSettings


def team_consultants_for(*, user: Any) -> QuerySet[ConsultantProfile]:
    """Active consultants whose supervision the user oversees (a supervisor: their own consultants), with the
    number of their logs waiting for sign-off; not evaluated."""
    return (
        access.visible(user, SUPERVISION_VIEW, ConsultantProfile.objects.filter(is_active=True))
        .select_related("user", "region", "supervisor")
        .annotate(waiting=Count("supervision_logs", filter=Q(supervision_logs__status=SupervisionStatus.LOGGED)))
        .order_by("user__full_name", "id")
    )


def team_progress_for(*, user: Any, consultants: list[ConsultantProfile]) -> list[TeamRow]:
    """Progress of each consultant of one page of the team, in two queries whatever the page's size."""
    hours = _hours_by_consultant([consultant.pk for consultant in consultants])
    settings_by_network: dict[UUID, WorkforceSettings] = {}
    rows = []
    for consultant in consultants:
        settings = settings_by_network.get(consultant.network_id)
        if settings is None:
            settings = settings_by_network[consultant.network_id] = workforce_settings_for(consultant.network_id)
        progress = endorsement.endorsement_progress(hours[consultant.pk], countable_kinds=_countable(settings),
                                                    thresholds=_thresholds(settings))
        rows.append(TeamRow(consultant=consultant, progress=progress, settings=settings,
                            waiting=getattr(consultant, "waiting", 0)))
    audit.record_list(user=user, model=ConsultantProfile, ids=[consultant.pk for consultant in consultants])
    return rows


# --- sign-off -------------------------------------------------------------------------------------------


def waiting_for_sign_off(*, user: Any) -> list[SupervisionLog]:
    """Logs waiting for this supervisor's sign-off (never their own), oldest first, so they are signed in order."""
    logs = list(
        access.visible(user, SUPERVISION_SIGN_OFF, _logs().filter(status=SupervisionStatus.LOGGED))
        .exclude(supervisee__user=user).order_by("supervisee__user__full_name", "held_on", "created_at", "id")
    )
    audit.record_list(user=user, model=SupervisionLog, ids=[log.pk for log in logs])
    return logs

"""Reading the ledger: only network admins, only their own network's events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet

from abrazo.accounts import access
from abrazo.audit.models import AccessEvent


@dataclass(frozen=True)
class EventFilters:
    email: str = ""
    object_type: str = ""
    object_id: str = ""
    action: str = ""
    outcome: str = ""
    date_from: date | None = None  # inclusive, a UTC calendar day
    date_to: date | None = None  # inclusive, a UTC calendar day

    @property
    def any(self) -> bool:
        return any(
            (self.email, self.object_type, self.object_id, self.action, self.outcome, self.date_from, self.date_to)
        )


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def event_queryset_for(*, user: Any, filters: EventFilters | None = None) -> QuerySet[AccessEvent]:
    """Events the user may review, newest first, filtered; not evaluated, so a paginator can slice it.

    The screen shows times in UTC, so date bounds are UTC days too: a person who types the date they
    read on the screen finds the row they read.
    """
    filters = filters or EventFilters()
    events = access.visible(user, "audit.view", AccessEvent.objects.all())
    if filters.email:
        events = events.filter(user_email=filters.email.lower())
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.outcome:
        events = events.filter(outcome=filters.outcome)
    if filters.date_from:
        events = events.filter(occurred_at__gte=_utc_midnight(filters.date_from))
    if filters.date_to:
        events = events.filter(occurred_at__lt=_utc_midnight(filters.date_to + timedelta(days=1)))
    return events.order_by("-occurred_at", "-id")


@dataclass(frozen=True)
class EventRow:
    """One ledger line as the review screen shows it, with its codes turned into words."""

    event: AccessEvent
    role_label: str
    returned_count: int


def event_rows(events: list[AccessEvent]) -> list[EventRow]:
    from abrazo.accounts.models import Role

    roles = dict(Role.choices)
    return [
        EventRow(event=event, role_label=str(roles.get(event.role, event.role)), returned_count=len(event.object_ids))
        for event in events
    ]

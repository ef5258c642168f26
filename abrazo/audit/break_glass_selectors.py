"""Reading emergency ("break glass") grants.

Two kinds of reader: access.scope_q and the audit ledger ask which grants a person holds right now (read once
per user object, that is once per request, and only for people whose role may break glass); the review screens
list a network's grants for its administrators, scoped by access.visible like every other list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import AccessEvent, Action, BreakGlassGrant, Outcome

REVIEW = "breakglass.review"
OPEN = "breakglass.open"

# Where a person's active grants are kept on their user object for the rest of the request.
_HELD_ATTRIBUTE = "_abrazo_break_glass_held"


@dataclass(frozen=True)
class RecordKind:
    """A kind of record a grant can open: how the person names it on the form and where its page is."""

    key: str  # the value the form sends
    object_type: str  # the model label, as in access.SCOPE_PATHS and the ledger
    label: Promise
    url_name: str


RECORD_KINDS: dict[str, RecordKind] = {
    kind.key: kind
    for kind in (
        RecordKind("episode", "consultations.episode", _("Consultation episode"), "consultations:episode-detail"),
        RecordKind("incident", "incidents.incident", _("Incident"), "incidents:incident-detail"),
    )
}
KIND_BY_OBJECT_TYPE: dict[str, RecordKind] = {kind.object_type: kind for kind in RECORD_KINDS.values()}


def record_url(object_type: str, object_id: UUID | str) -> str:
    return reverse(KIND_BY_OBJECT_TYPE[object_type].url_name, args=[object_id])


# --- What a person holds now ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldGrant:
    id: UUID
    object_type: str
    object_id: UUID
    network_id: UUID
    expires_at: datetime


# The same lists by user id, as last read in this process, for marking ledger events (which carry the user's id,
# not the user object). Every read under a grant reads the grants first (access.scope_q) in the same request, so
# the entry is fresh when the read's event is written; expiry is checked again when it is used.
_HELD_BY_USER: dict[Any, list[HeldGrant]] = {}


def _may_break_glass(user: Any) -> bool:
    return access.has_permission(user, OPEN)


def held_grants(user: Any) -> list[HeldGrant]:
    """The person's grants that have not expired, newest first. The rows are read once per user object (one
    query per request, and none for roles that cannot break glass); expiry is checked again at every call, so a
    grant that runs out in the middle of a request stops opening its record there and then."""
    if user is None or not getattr(user, "is_authenticated", False) or not _may_break_glass(user):
        return []
    held: list[HeldGrant] | None = getattr(user, _HELD_ATTRIBUTE, None)
    if held is None:
        rows = BreakGlassGrant.objects.filter(user_id=user.pk, expires_at__gt=timezone.now()).order_by("-granted_at")
        held = [
            HeldGrant(id=row[0], object_type=row[1], object_id=row[2], network_id=row[3], expires_at=row[4])
            for row in rows.values_list("pk", "object_type", "object_id", "network_id", "expires_at")
        ]
        setattr(user, _HELD_ATTRIBUTE, held)
        if held:
            _HELD_BY_USER[user.pk] = held
        else:
            _HELD_BY_USER.pop(user.pk, None)
    now = timezone.now()
    return [grant for grant in held if grant.expires_at > now]


def forget_held_grants(user: Any) -> None:
    """Drop the remembered grants (after a new one is made), so the next access decision reads them again."""
    if hasattr(user, _HELD_ATTRIBUTE):
        delattr(user, _HELD_ATTRIBUTE)


def active_grant_ids(user: Any, *, object_type: str, network_id: UUID) -> list[UUID]:
    """Ids of the records of this kind that the person's active grants open in this network (access.scope_q)."""
    return [
        grant.object_id for grant in held_grants(user)
        if grant.object_type == object_type and grant.network_id == network_id
    ]


def mark_event(event: AccessEvent) -> None:
    """Mark a ledger event about to be written if it is part of an emergency access (AccessEvent's pre_save).

    The grant's own event (action "break_glass") gets the grant's id and its written reason; an allowed event
    that names a record an active grant of the person opens (as its object or among its returned ids) gets the
    grant's id. Events of people holding no grant in this process cost no query."""
    if event.break_glass_grant_id or event.outcome != Outcome.ALLOWED or event.user_id is None:
        return
    if event.action == Action.BREAK_GLASS:
        grant = (
            BreakGlassGrant.objects.filter(user_id=event.user_id, object_type=event.object_type,
                                           object_id=event.object_id)
            .order_by("-granted_at").only("pk", "reason").first()
        )
        if grant is not None:
            event.break_glass_grant_id, event.reason = grant.pk, grant.reason
        return
    held = _HELD_BY_USER.get(event.user_id)
    if not held:
        return
    named = {event.object_id, *(str(pk) for pk in event.object_ids or ())}
    now = timezone.now()
    for held_grant in held:
        if held_grant.expires_at > now and str(held_grant.object_id) in named:
            event.break_glass_grant_id = held_grant.id
            return


# --- Review (network administrators) ----------------------------------------------------------------


class ReviewStatus:
    UNREVIEWED = "unreviewed"
    REVIEWED = "reviewed"
    ACTIVE = "active"


@dataclass(frozen=True)
class GrantFilters:
    status: str = ""  # one of ReviewStatus, or "" for every grant
    email: str = ""  # the person who broke the glass

    @property
    def any(self) -> bool:
        return bool(self.status or self.email)


def grant_queryset_for(*, user: Any, filters: GrantFilters | None = None) -> QuerySet[BreakGlassGrant]:
    """The grants of the administrator's network, unreviewed first, then newest first; not evaluated."""
    filters = filters or GrantFilters()
    grants = access.visible(user, REVIEW, BreakGlassGrant.objects.select_related("user", "reviewed_by"))
    if filters.status == ReviewStatus.UNREVIEWED:
        grants = grants.filter(reviewed_at__isnull=True)
    elif filters.status == ReviewStatus.REVIEWED:
        grants = grants.filter(reviewed_at__isnull=False)
    elif filters.status == ReviewStatus.ACTIVE:
        grants = grants.filter(expires_at__gt=timezone.now())
    if filters.email:
        grants = grants.filter(user__email=filters.email.lower())
    reviewed = ExpressionWrapper(Q(reviewed_at__isnull=False), output_field=BooleanField())
    return grants.annotate(is_reviewed=reviewed).order_by("is_reviewed", "-granted_at", "id")


def grant_page_record(*, user: Any, grants: list[BreakGlassGrant]) -> None:
    audit.record_list(user=user, model=BreakGlassGrant, ids=[grant.pk for grant in grants])


def grant_get_for(*, user: Any, grant_id: UUID) -> BreakGlassGrant:
    """One grant of the administrator's network; otherwise 404 (audited as refused)."""
    grant = access.get_or_404(
        user, REVIEW, BreakGlassGrant.objects.select_related("user", "reviewed_by", "network"), pk=grant_id
    )
    audit.record_view(user=user, obj=grant)
    return grant


@dataclass(frozen=True)
class GrantRow:
    """A grant as the review screens show it, with its codes turned into words."""

    grant: BreakGlassGrant
    role_label: str
    kind_label: str
    record_url: str
    is_active: bool


def grant_rows(grants: Iterable[BreakGlassGrant]) -> list[GrantRow]:
    from abrazo.accounts.models import Role

    roles = dict(Role.choices)
    now = timezone.now()
    rows = []
    for grant in grants:
        kind = KIND_BY_OBJECT_TYPE.get(grant.object_type)
        rows.append(GrantRow(
            grant=grant,
            role_label=str(roles.get(grant.role, grant.role)),
            kind_label=str(kind.label) if kind else grant.object_type,
            record_url=record_url(grant.object_type, grant.object_id) if kind else "",
            is_active=grant.expires_at > now,
        ))
    return rows


def reads_under(*, grant: BreakGlassGrant, limit: int = 200) -> list[AccessEvent]:
    """The ledger's events made under the grant (the grant itself first), for the reviewer."""
    return list(AccessEvent.objects.filter(break_glass_grant_id=grant.pk).order_by("occurred_at", "id")[:limit])


def active_grants_of(*, user: Any) -> list[GrantRow]:
    """The person's own grants that are still running, for the emergency access page."""
    ids = [grant.id for grant in held_grants(user)]
    return grant_rows(BreakGlassGrant.objects.filter(pk__in=ids).order_by("-granted_at")) if ids else []

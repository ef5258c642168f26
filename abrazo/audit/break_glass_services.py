"""Emergency ("break glass") access: a supervisor opens one record of the network outside their scope.

The person names the record and writes why; the grant opens that record alone, for the read permissions of
access.BREAK_GLASS_READS, in the record's network, for ABRAZO_BREAK_GLASS_MINUTES. The grant is written to the
append-only ledger with its reason, every network administrator is emailed after the commit, and it waits on
the review list until an administrator marks it reviewed with a note.

A reference that names no record, or a record of another network, gets the same refusal (and the same refused
event in the ledger): the page must not become a way to learn what exists elsewhere.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abrazo.accounts import access
from abrazo.accounts.models import Role
from abrazo.audit import services as audit
from abrazo.audit.break_glass_selectors import OPEN, RECORD_KINDS, REVIEW, forget_held_grants, record_url
from abrazo.audit.models import Action, BreakGlassGrant

# Defaults; a deployment may set ABRAZO_BREAK_GLASS_MINUTES and ABRAZO_BREAK_GLASS_MIN_REASON in settings.
DEFAULT_MINUTES = 60
DEFAULT_MIN_REASON = 20
MAX_REASON = 2000


def grant_minutes() -> int:
    return int(getattr(settings, "ABRAZO_BREAK_GLASS_MINUTES", DEFAULT_MINUTES))


def min_reason_length() -> int:
    return int(getattr(settings, "ABRAZO_BREAK_GLASS_MIN_REASON", DEFAULT_MIN_REASON))


def reason_problem(reason: str) -> str | None:
    """Why a written reason is not enough, in the person's language; None when it is."""
    text = reason.strip()
    if len(text) < min_reason_length():
        return str(_("Write at least %(count)d characters: what the emergency is and why you must open this "
                     "record now.") % {"count": min_reason_length()})
    if len(text) > MAX_REASON:
        return str(_("Keep the reason under %(count)d characters.") % {"count": MAX_REASON})
    return None


class RecordNotAvailable(Exception):
    """No record of the person's networks answers to this reference (it may not exist, or be elsewhere)."""


@dataclass(frozen=True)
class BreakGlassResult:
    url: str  # the record's page
    grant: BreakGlassGrant | None  # None: the person could already open the record, nothing was granted


def _find(actor: Any, kind_key: str, reference: str) -> models.Model:
    """The record the reference names, in a network where the actor may break glass; else RecordNotAvailable.

    Episodes are named by their id (the episode reference Abrazo shows and exports) or by the reference number
    of the request they came from; incidents by their id."""
    kind = RECORD_KINDS.get(kind_key)
    if kind is None:
        raise RecordNotAvailable
    model = apps.get_model(kind.object_type)
    text = reference.strip()
    lookup: models.Q
    try:
        lookup = models.Q(pk=uuid.UUID(text))
    except ValueError:
        if kind.key != "episode" or not text:
            raise RecordNotAvailable from None
        lookup = models.Q(request__reference__iexact=text)
    # Scope.NETWORK of "breakglass.open": only records of the networks where the actor is a supervisor.
    record = access.visible(actor, OPEN, model._default_manager.filter(lookup)).first()
    if record is None:
        raise RecordNotAvailable
    return record  # type: ignore[no-any-return]


def _breaking_role(actor: Any, network_id: Any) -> str:
    for membership in actor.active_memberships:
        if membership.network_id == network_id and Role(membership.role) in access.POLICY[OPEN]:
            return str(membership.role)
    raise PermissionDenied(OPEN)  # unreachable after _find, which already checked the network


def break_glass_open(*, actor: Any, kind: str, reference: str, reason: str) -> BreakGlassResult:
    """Grant the actor time-limited access to one record outside their scope, or refuse.

    Raises ValidationError (on "reason") for a reason too short, RecordNotAvailable for a reference that names
    nothing the actor may break into (audited as refused), PermissionDenied for a role that may not break glass.
    """
    if not access.has_permission(actor, OPEN):
        raise PermissionDenied(OPEN)
    problem = reason_problem(reason)
    if problem:
        raise ValidationError({"reason": problem})
    object_type = RECORD_KINDS[kind].object_type if kind in RECORD_KINDS else ""
    try:
        record = _find(actor, kind, reference)
    except RecordNotAvailable:
        # The same event whether the reference names nothing or another network's record. Written outside any
        # transaction of ours, so that the refusal raised next cannot roll it back.
        audit.record_denied(user=actor, object_type=object_type, object_id=reference.strip()[:64],
                            action=Action.BREAK_GLASS)
        raise
    url = record_url(object_type, record.pk)
    permissions = access.BREAK_GLASS_READS[object_type]
    if any(access.can(actor, permission, record) for permission in permissions):
        # Already in the actor's scope (or under a grant still running): no emergency, nothing to grant.
        return BreakGlassResult(url=url, grant=None)
    return _grant(actor=actor, record=record, object_type=object_type, reason=reason, url=url)


@transaction.atomic
def _grant(*, actor: Any, record: models.Model, object_type: str, reason: str, url: str) -> BreakGlassResult:
    now = timezone.now()
    network_id = record.network_id  # type: ignore[attr-defined]
    grant = BreakGlassGrant.objects.create(
        network_id=network_id, user=actor, role=_breaking_role(actor, network_id), object_type=object_type,
        object_id=record.pk, reason=reason.strip(), granted_at=now, expires_at=now + timedelta(minutes=grant_minutes()),
    )
    # The ledger's event gets the grant's id and reason on its way in (audit.models._mark_emergency_access).
    audit.record(user=actor, action=Action.BREAK_GLASS, object_type=object_type, object_id=str(record.pk))
    forget_held_grants(actor)  # the access decisions later in this request must see the new grant

    from abrazo.audit.tasks import notify_break_glass

    grant_id = str(grant.pk)
    transaction.on_commit(lambda: notify_break_glass.enqueue(grant_id=grant_id))
    return BreakGlassResult(url=url, grant=grant)


class AlreadyReviewed(Exception):
    """Someone marked the grant reviewed first."""


@transaction.atomic
def break_glass_review(*, actor: Any, grant: BreakGlassGrant, note: str) -> BreakGlassGrant:
    """Mark a grant reviewed, with the reviewer's note. Nobody reviews their own emergency access."""
    access.require(actor, REVIEW, grant)
    if grant.user_id == actor.pk:
        raise ValidationError({"note": _("Another administrator must review your own emergency access.")})
    text = note.strip()
    if not text:
        raise ValidationError({"note": _("Write what you checked and what you concluded.")})
    now = timezone.now()
    # A conditional UPDATE, so that of two administrators reviewing at once only the first is recorded.
    changed = BreakGlassGrant.objects.filter(pk=grant.pk, reviewed_at__isnull=True).update(
        reviewed_at=now, reviewed_by=actor, review_note=text, updated_at=now
    )
    if not changed:
        raise AlreadyReviewed
    grant.refresh_from_db()
    audit.record_change(user=actor, obj=grant)
    return grant

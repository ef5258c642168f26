"""Every write to reflective supervision logs: access-checked, atomic, audited.

A consultant logs their own sessions and a supervisor may log for their consultants (`supervision.log`); the
supervisor named on a log must hold the supervisor role in the consultant's network. Only the consultant's
supervisor signs a log off or returns it for correction (`supervision.sign_off`), never their own log. A
signed-off log is locked: every sign-off raises the log's version, so an edit form opened before it is stale,
and the edit service refuses a signed-off log outright. Signing off is a single conditional UPDATE from
"waiting" to "signed off", so a double submit (one log or a batch) signs each log once and says so.
Failures the person can fix are `ValidationError`s keyed by form field name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import StaleEditError, save_versioned
from abrazo.core.submissions import AlreadySubmitted as AlreadySubmitted  # re-exported for views and tests
from abrazo.core.submissions import claim_submission, remember_submission
from abrazo.directory.models import ConsultantProfile
from abrazo.workforce.models import SupervisionFormat, SupervisionKind, SupervisionLog, SupervisionStatus
from abrazo.workforce.supervision_selectors import SUPERVISION_LOG, SUPERVISION_SIGN_OFF, supervisors_of

MIN_HOURS, MAX_HOURS = Decimal("0.25"), Decimal(8)
MAX_GROUP_SIZE = 40
LOG_FIELDS = ["supervisor", "held_on", "kind", "format", "hours", "group_size", "topics", "status"]


def _submission_owner(actor: Any) -> str:
    return f"supervision:{actor.pk}"


def _require(actor: Any, permission: str, obj: Any) -> None:
    if not access.can(actor, permission, obj):
        raise PermissionDenied(permission)


@dataclass(frozen=True)
class SupervisionData:
    supervisor: Any  # a User holding the supervisor role in the consultant's network
    held_on: dt.date
    kind: str
    format: str
    hours: Decimal
    group_size: int | None = None
    topics: str = ""


def _checked(supervisee: ConsultantProfile, data: SupervisionData) -> SupervisionData:
    errors: dict[str, str] = {}
    if data.supervisor is None or not supervisors_of(network_ids=[supervisee.network_id]).filter(
        pk=data.supervisor.pk
    ).exists():
        errors["supervisor"] = _("Choose a supervisor of this network.")
    elif data.supervisor.pk == supervisee.user_id:
        errors["supervisor"] = _("A consultant cannot log supervision with themselves.")
    if data.held_on > timezone.localdate():
        errors["held_on"] = _("The date cannot be in the future.")
    if data.kind not in SupervisionKind.values:
        errors["kind"] = _("Choose one of the listed kinds.")
    if data.format not in SupervisionFormat.values:
        errors["format"] = _("Choose individual or group.")
    if not MIN_HOURS <= data.hours <= MAX_HOURS:
        errors["hours"] = _("Enter between 0.25 and 8 hours.")
    group_size = data.group_size
    if data.format == SupervisionFormat.GROUP:
        if group_size is None:
            errors["group_size"] = _("Say how many people were in the group.")
        elif not 2 <= group_size <= MAX_GROUP_SIZE:
            errors["group_size"] = _("A group has between 2 and %(most)s people.") % {"most": MAX_GROUP_SIZE}
    else:
        group_size = None  # an individual session has no group size, whatever the form carried
    if errors:
        raise ValidationError(errors)
    return SupervisionData(supervisor=data.supervisor, held_on=data.held_on, kind=data.kind, format=data.format,
                           hours=data.hours, group_size=group_size, topics=data.topics.strip())


def _apply(log: SupervisionLog, data: SupervisionData) -> None:
    log.supervisor, log.held_on, log.kind, log.format = data.supervisor, data.held_on, data.kind, data.format
    log.hours, log.group_size, log.topics = data.hours, data.group_size, data.topics


@transaction.atomic
def supervision_log_create(
    *, actor: Any, supervisee: ConsultantProfile, data: SupervisionData, submission_key: UUID | None = None
) -> SupervisionLog:
    """Log a session for the consultant (oneself, or one of the supervisor's consultants); it waits for the
    consultant's supervisor to sign it off."""
    _require(actor, SUPERVISION_LOG, supervisee)
    claim_submission(owner=_submission_owner(actor), key=submission_key, model=SupervisionLog)
    data = _checked(supervisee, data)
    log = SupervisionLog(network_id=supervisee.network_id, supervisee=supervisee, logged_by=actor,
                         status=SupervisionStatus.LOGGED)
    _apply(log, data)
    log.save()
    audit.record_change(user=actor, obj=log, action=Action.CREATE)
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=log)
    return log


@transaction.atomic
def supervision_log_update(
    *, actor: Any, log: SupervisionLog, expected_version: int, data: SupervisionData
) -> SupervisionLog:
    """Correct a log that is not signed off (made on `expected_version`; a stale one raises StaleEditError).
    A log returned for correction goes back to waiting for sign-off."""
    _require(actor, SUPERVISION_LOG, log)
    if log.status == SupervisionStatus.SIGNED_OFF:
        raise ValidationError(_("This log was signed off and can no longer be changed."))
    data = _checked(log.supervisee, data)
    _apply(log, data)
    log.status = SupervisionStatus.LOGGED
    save_versioned(log, expected_version=expected_version, update_fields=LOG_FIELDS)
    audit.record_change(user=actor, obj=log, action=Action.UPDATE)
    return log


def _may_sign_off(actor: Any, log: SupervisionLog) -> None:
    _require(actor, SUPERVISION_SIGN_OFF, log)
    if log.supervisee.user_id == actor.pk:
        raise PermissionDenied(SUPERVISION_SIGN_OFF)  # nobody signs off their own supervision


def _already(log_id: UUID) -> SupervisionLog:
    return SupervisionLog.objects.get(pk=log_id)


@transaction.atomic
def supervision_log_sign_off(*, actor: Any, log: SupervisionLog, expected_version: int) -> bool:
    """Sign off one log as the version the supervisor saw. True when it is signed off now, False when it
    already was (a double submit); StaleEditError when it changed since, ValidationError when it was returned."""
    _may_sign_off(actor, log)
    signed_at = timezone.now()
    changed = SupervisionLog.objects.filter(
        pk=log.pk, status=SupervisionStatus.LOGGED, version=expected_version
    ).update(status=SupervisionStatus.SIGNED_OFF, signed_off_by=actor, signed_off_at=signed_at,
             version=F("version") + 1, updated_at=signed_at)
    if changed == 1:
        log.refresh_from_db()
        audit.record_change(user=actor, obj=log, action=Action.UPDATE)
        return True
    current = _already(log.pk)
    if current.status == SupervisionStatus.SIGNED_OFF:
        return False
    if current.status == SupervisionStatus.RETURNED:
        raise ValidationError(_("This log was returned for correction; it can be signed off once corrected."))
    raise StaleEditError(_("The log changed after you opened it. Check it again before signing it off."))


@dataclass
class BulkSignOff:
    signed: list[SupervisionLog] = field(default_factory=list)
    already: int = 0  # signed off before (a double submit, or another tab)
    changed: int = 0  # edited or returned since the list was shown: left for a second look
    refused: int = 0  # not one of this supervisor's consultants' logs (or their own)


@transaction.atomic
def supervision_logs_sign_off(*, actor: Any, chosen: Iterable[tuple[UUID, int]]) -> BulkSignOff:
    """Sign off several logs, each as the version shown in the list. A log the actor may not sign off is
    counted as refused without saying whether it exists."""
    result = BulkSignOff()
    wanted = dict(chosen)
    reachable = {
        log.pk: log
        for log in access.visible(actor, SUPERVISION_SIGN_OFF, SupervisionLog.objects.filter(pk__in=list(wanted)))
        .exclude(supervisee__user=actor)
    }
    signed_at = timezone.now()
    for log_id, version in wanted.items():
        log = reachable.get(log_id)
        if log is None:
            result.refused += 1
            continue
        changed = SupervisionLog.objects.filter(pk=log_id, status=SupervisionStatus.LOGGED, version=version).update(
            status=SupervisionStatus.SIGNED_OFF, signed_off_by=actor, signed_off_at=signed_at,
            version=F("version") + 1, updated_at=signed_at)
        if changed == 1:
            result.signed.append(log)
            audit.record_change(user=actor, obj=log, action=Action.UPDATE)
        elif log.status == SupervisionStatus.SIGNED_OFF:
            result.already += 1
        else:
            result.changed += 1
    return result


@transaction.atomic
def supervision_log_return(*, actor: Any, log: SupervisionLog, reason: str, expected_version: int) -> SupervisionLog:
    """Send a waiting log back to the consultant with the reason; they correct it and it waits again."""
    _may_sign_off(actor, log)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say what needs correcting.")})
    if log.status != SupervisionStatus.LOGGED:
        raise ValidationError(_("Only a log waiting for sign-off can be returned."))
    log.status, log.return_reason = SupervisionStatus.RETURNED, reason[:500]
    save_versioned(log, expected_version=expected_version, update_fields=["status", "return_reason"])
    audit.record_change(user=actor, obj=log, action=Action.UPDATE)
    return log

"""Every write to an episode: atomic, access-checked, audited, and leaving a line on the timeline.

The consultant assigned to an episode does its work ("episode.work"); coordinators and administrators
may correct it ("episode.manage"). A supervisor alone may let child-specific work proceed without
consent on file ("episode.consent_exception"). Phases only move forward, and a child-specific episode
cannot go past CONSENT until consent is on file or an exception is recorded.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial, wraps
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.consultations import tasks
from abrazo.consultations.models import (
    CLASSROOM_ACTIVITIES,
    FINISHED_PHASES,
    FOLLOW_UP_AFTER_DAYS,
    ActionPlan,
    ActivityType,
    Agreement,
    Attainment,
    Attendance,
    BriefContact,
    BriefKind,
    BriefOutcome,
    BriefTopic,
    Closure,
    ClosureReason,
    Consent,
    ConsentException,
    ConsentRelationship,
    Contact,
    Episode,
    EpisodeEvent,
    EpisodeType,
    EventKind,
    FollowUp,
    Goal,
    Group,
    GroupAudience,
    GroupKind,
    GroupMember,
    GroupSession,
    MemberRole,
    Modality,
    ParticipantRole,
    Phase,
    Referral,
    ReferralStatus,
    ServiceType,
    Topic,
)
from abrazo.core.concurrency import save_versioned
from abrazo.core.submissions import claim_submission, remember_submission
from abrazo.directory.models import (
    Classroom,
    ConsultantProfile,
    County,
    Language,
    Network,
    NetworkCounty,
    Program,
    Region,
    SettingType,
)
from abrazo.intake.models import ConcernCategory, RequesterRole
from abrazo.intake.models import Request as IntakeRequest

P = ParamSpec("P")
R = TypeVar("R")

WORK = "episode.work"
MANAGE = "episode.manage"

# Signed forms arrive as scans or photos; anything else is refused by its content, not its name.
CONSENT_FORM_MAX_BYTES = 10 * 1024 * 1024
CONSENT_FORM_TYPES = {b"%PDF-": ("application/pdf", ".pdf"), b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
                      b"\x89PNG\r\n\x1a\n": ("image/png", ".png")}


class Refused(PermissionDenied):
    """A refusal that the ledger must keep even though the service's transaction rolls back."""

    def __init__(self, permission: str, *, object_type: str, object_id: Any, action: str) -> None:
        super().__init__(permission)
        self.object_type, self.object_id, self.action = object_type, str(object_id), action


def atomic_service(func: Callable[P, R]) -> Callable[P, R]:
    """@transaction.atomic, plus: a refusal is written to the audit ledger *after* the rollback, so that
    it is not undone together with the work it refused."""
    atomic_func = transaction.atomic(func)

    @wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return atomic_func(*args, **kwargs)
        except Refused as refused:
            audit.record_denied(user=kwargs.get("actor"), object_type=refused.object_type,
                                object_id=refused.object_id, action=refused.action)
            raise

    return run


def _require(actor: Any, permissions: tuple[str, ...], episode: Episode, action: str = Action.UPDATE) -> None:
    if not any(access.can(actor, permission, episode) for permission in permissions):
        raise Refused(permissions[0], object_type="consultations.episode", object_id=episode.pk, action=action)


def _require_work(actor: Any, episode: Episode) -> None:
    """The assigned consultant, or a coordinator/administrator correcting the record."""
    _require(actor, (WORK, MANAGE), episode)


def _lock(episode: Episode) -> Episode:
    """Re-read the episode under a row lock so that checks and writes see one state."""
    return Episode.objects.select_for_update().get(pk=episode.pk)


def _require_open(episode: Episode) -> None:
    if episode.phase in FINISHED_PHASES:
        raise ValidationError(_("This episode is closed."))


def _event(episode: Episode, kind: str, actor: Any, **data: Any) -> EpisodeEvent:
    return EpisodeEvent.objects.create(episode=episode, kind=kind, actor=actor, data=data)


def consent_cleared(episode: Episode, *, on: dt.date | None = None) -> bool:
    """Whether child-specific work may proceed: valid consent on file, or a supervisor's exception."""
    day = on or timezone.localdate()
    if any(consent.is_valid_on(day) for consent in episode.consents.all()):
        return True
    return episode.consent_exceptions.exists()


# --- Opening ------------------------------------------------------------------------------------


@atomic_service
def episode_open(
    *,
    actor: Any,
    consultant: ConsultantProfile,
    program: Program,
    episode_type: str,
    request: Any = None,
    classroom: Classroom | None = None,
    child_code: str = "",
    language: Language | None = None,
) -> Episode:
    """Open an episode and tell the consultant by email once the assignment has committed."""
    if episode_type not in EpisodeType.values:
        raise ValidationError(_("Choose a type of consultation."))
    if consultant.network_id != program.network_id:
        raise ValidationError(_("The consultant does not work in this program's network."))
    if not consultant.is_active:
        raise ValidationError(_("This consultant is not active."))
    if classroom is not None and classroom.program_id != program.pk:
        raise ValidationError(_("The classroom does not belong to this program."))
    child_code = child_code.strip()
    if episode_type == EpisodeType.CHILD_FAMILY and not child_code:
        raise ValidationError(_("Child-focused consultation needs the program's code for the child."))
    if episode_type != EpisodeType.CHILD_FAMILY and child_code:
        raise ValidationError(_("Only child-focused consultation identifies a child."))
    if language is None and request is not None:
        language = getattr(request, "preferred_language", None)

    episode = Episode(
        network_id=program.network_id, program=program, classroom=classroom, child_code=child_code,
        episode_type=episode_type, phase=Phase.INTAKE, consultant=consultant, language=language, request=request,
    )
    episode.save()
    # Checked against the episode as it will exist, so "who may open" is exactly "who may manage";
    # a refusal here rolls the whole opening back.
    if not access.can(actor, MANAGE, episode):
        raise Refused(MANAGE, object_type="directory.program", object_id=program.pk, action=Action.CREATE)
    _event(episode, EventKind.OPENED, actor, episode_type=episode_type, consultant=consultant.user.full_name)
    audit.record_change(user=actor, obj=episode, action=Action.CREATE)
    episode_id = str(episode.pk)
    transaction.on_commit(lambda: tasks.send_assignment_email.enqueue(episode_id))
    return episode


# --- Consent --------------------------------------------------------------------------------------


def _checked_consent_form(upload: UploadedFile) -> tuple[str, str]:
    """Refuse anything but a PDF, JPEG or PNG under the size limit; return (content type, extension)."""
    if upload.size is not None and upload.size > CONSENT_FORM_MAX_BYTES:
        raise ValidationError(_("The signed form is larger than 10 MB."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, (content_type, extension) in CONSENT_FORM_TYPES.items():
        if head.startswith(magic):
            return content_type, extension
    raise ValidationError(_("Upload the signed form as a PDF, JPEG or PNG file."))


@atomic_service
def consent_record(
    *,
    actor: Any,
    episode: Episode,
    given_by_name: str,
    relationship: str,
    given_on: dt.date,
    scope: str,
    expires_on: dt.date | None = None,
    form: UploadedFile | None = None,
) -> Consent:
    _require_work(actor, episode)
    episode = _lock(episode)
    _require_open(episode)
    if relationship not in ConsentRelationship.values:
        raise ValidationError(_("Choose the relationship to the child."))
    if not given_by_name.strip() or not scope.strip():
        raise ValidationError(_("Say who gave consent and what it covers."))
    if given_on > timezone.localdate():
        raise ValidationError(_("Consent cannot be dated in the future."))
    if expires_on is not None and expires_on < given_on:
        raise ValidationError(_("Consent cannot expire before it was given."))
    consent = Consent(
        episode=episode, given_by_name=given_by_name.strip(), relationship=relationship, given_on=given_on,
        scope=scope.strip(), expires_on=expires_on, recorded_by=actor,
    )
    if form is not None:
        content_type, extension = _checked_consent_form(form)
        consent.form_content_type = content_type
        consent.form_original_name = os.path.basename(form.name or "")[:200]
        # The extension comes from the content, so the stored name never carries the uploader's choice.
        consent.form.save(f"form{extension}", form, save=False)
    try:
        consent.save()
        _event(episode, EventKind.CONSENT, actor, expires_on=expires_on.isoformat() if expires_on else None,
               with_form=bool(consent.form))
        audit.record_change(user=actor, obj=consent, action=Action.CREATE)
    except BaseException:
        # The file is written to storage at once, outside the transaction: if the record rolls back, the
        # signed form (child data) would stay on disk with no row pointing to it. tests/security/test_fault_injection.py
        if consent.form:
            consent.form.delete(save=False)
        raise
    return consent


@atomic_service
def consent_revoke(*, actor: Any, consent: Consent, reason: str) -> Consent:
    _require_work(actor, consent.episode)
    _lock(consent.episode)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_at is not None:
        raise ValidationError(_("This consent was already revoked."))
    if not reason.strip():
        raise ValidationError(_("Say why consent was revoked."))
    consent.revoked_at = timezone.now()
    consent.revoked_by = actor
    consent.revocation_reason = reason.strip()
    consent.save(update_fields=["revoked_at", "revoked_by", "revocation_reason", "updated_at"])
    _event(consent.episode, EventKind.CONSENT_REVOKED, actor)
    audit.record_change(user=actor, obj=consent, action=Action.UPDATE)
    return consent


@atomic_service
def consent_exception_record(*, actor: Any, episode: Episode, reason: str) -> ConsentException:
    """A supervisor lets child-specific work go on before consent is on file; always audited."""
    _require(actor, ("episode.consent_exception",), episode, Action.CREATE)
    episode = _lock(episode)
    _require_open(episode)
    if not episode.is_child_specific:
        raise ValidationError(_("Only child-focused consultation needs consent."))
    if len(reason.strip()) < 10:
        raise ValidationError(_("Explain the exception in a sentence or two."))
    exception = ConsentException.objects.create(episode=episode, supervisor=actor, reason=reason.strip())
    _event(episode, EventKind.CONSENT_EXCEPTION, actor)
    audit.record_change(user=actor, obj=exception, action=Action.CREATE)
    return exception


# --- Agreement ------------------------------------------------------------------------------------


@atomic_service
def agreement_record(
    *,
    actor: Any,
    episode: Episode,
    scope: str,
    expected_duration_weeks: int,
    schedule: str,
    agreed_on: dt.date,
    expected_version: int | None = None,
) -> Agreement:
    """Record the agreement, or revise it (then `expected_version` catches a stale edit)."""
    _require_work(actor, episode)
    episode = _lock(episode)
    _require_open(episode)
    if not scope.strip():
        raise ValidationError(_("Describe what the consultation will cover."))
    if not 1 <= expected_duration_weeks <= 104:
        raise ValidationError(_("Expected duration must be between 1 and 104 weeks."))
    existing = Agreement.objects.filter(episode=episode).first()
    if existing is None:
        agreement = Agreement.objects.create(
            episode=episode, scope=scope.strip(), expected_duration_weeks=expected_duration_weeks,
            schedule=schedule.strip(), agreed_on=agreed_on, recorded_by=actor,
        )
        action = Action.CREATE
    else:
        agreement = existing
        agreement.scope, agreement.schedule = scope.strip(), schedule.strip()
        agreement.expected_duration_weeks, agreement.agreed_on = expected_duration_weeks, agreed_on
        agreement.recorded_by = actor
        save_versioned(
            agreement, expected_version=existing.version if expected_version is None else expected_version,
            update_fields=["scope", "schedule", "expected_duration_weeks", "agreed_on", "recorded_by"],
        )
        action = Action.UPDATE
    _event(episode, EventKind.AGREEMENT, actor, weeks=expected_duration_weeks, revised=action == Action.UPDATE)
    audit.record_change(user=actor, obj=agreement, action=action)
    return agreement


# --- Contacts -------------------------------------------------------------------------------------


def _checked_codes(values: Iterable[str], allowed: list[str], message: str) -> list[str]:
    codes = list(dict.fromkeys(values))  # keep order, drop repeats
    if any(code not in allowed for code in codes):
        raise ValidationError(message)
    return codes


@atomic_service
def contact_log(
    *,
    actor: Any,
    episode: Episode,
    contact_date: dt.date,
    minutes: int,
    modality: str,
    activity_type: str,
    language: Language,
    participants: Iterable[str] = (),
    topics: Iterable[str] = (),
    notes: str = "",
    minutes_in_classroom: int | None = None,
    submission_key: UUID | None = None,
) -> Contact:
    """Log one visit or call. Unless split explicitly, an observation or modelling contact counts all
    its minutes as classroom time and any other contact none, so the two kinds of time stay apart.

    The quick log is used on phones: a double tap or a retried POST carries the same submission key, and
    the second raises AlreadySubmitted instead of logging the visit twice (tests/security/test_double_submit.py)."""
    _require_work(actor, episode)
    claim_submission(owner=_submission_owner(actor), key=submission_key, model=Contact)
    episode = _lock(episode)
    _require_open(episode)
    if contact_date > timezone.localdate():
        raise ValidationError(_("A contact cannot be logged for a future date."))
    if contact_date < timezone.localtime(episode.opened_at).date():
        raise ValidationError(_("A contact cannot be dated before the episode opened."))
    if not 1 <= minutes <= 600:
        raise ValidationError(_("Minutes must be between 1 and 600."))
    if modality not in Modality.values or activity_type not in ActivityType.values:
        raise ValidationError(_("Choose how the contact happened and what it was."))
    if minutes_in_classroom is None:
        minutes_in_classroom = minutes if activity_type in CLASSROOM_ACTIVITIES else 0
    if not 0 <= minutes_in_classroom <= minutes:
        raise ValidationError(_("Classroom minutes cannot exceed the contact's minutes."))
    if episode.is_child_specific and minutes_in_classroom and not consent_cleared(episode, on=contact_date):
        raise ValidationError(_("The child cannot be observed before consent is on file or a supervisor "
                                "records an exception."))
    contact = Contact.objects.create(
        episode=episode, contact_date=contact_date, minutes=minutes, minutes_in_classroom=minutes_in_classroom,
        modality=modality, activity_type=activity_type, language=language,
        participants=_checked_codes(participants, ParticipantRole.values, _("Choose who took part from the list.")),
        topics=_checked_codes(topics, Topic.values, _("Choose topics from the list.")),
        notes=notes.strip(), logged_by=actor,
    )
    _event(episode, EventKind.CONTACT, actor, date=contact_date.isoformat(), minutes=minutes,
           modality=modality, activity=activity_type)
    audit.record_change(user=actor, obj=contact, action=Action.CREATE)
    if episode.request_id is not None:
        _mark_first_contact(episode, contact_date)
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=contact)
    return contact


def _mark_first_contact(episode: Episode, contact_date: dt.date) -> None:
    """Time from request to first contact: a contact logged today counts from now; one logged for an
    earlier day from that day's noon (contacts carry a date, not a time), never before the request."""
    from abrazo.intake.services import request_mark_first_contact

    request = episode.request
    if request is None:
        return
    if contact_date == timezone.localdate():
        at = timezone.now()
    else:
        at = timezone.make_aware(dt.datetime.combine(contact_date, dt.time(12)))
    request_mark_first_contact(request, max(at, request.submitted_at))


# --- Action plan ----------------------------------------------------------------------------------


@atomic_service
def goal_add(
    *,
    actor: Any,
    episode: Episode,
    description: str,
    strategies: str = "",
    owner: str = "",
    target_date: dt.date | None = None,
    for_child: bool = False,
) -> Goal:
    _require_work(actor, episode)
    episode = _lock(episode)
    _require_open(episode)
    if not description.strip():
        raise ValidationError(_("Describe the goal."))
    if for_child and not episode.is_child_specific:
        raise ValidationError(_("Only child-focused consultation has goals for a child."))
    plan, _created = ActionPlan.objects.get_or_create(episode=episode, defaults={"created_by": actor})
    goal = Goal.objects.create(
        plan=plan, description=description.strip(), strategies=strategies.strip(), owner=owner.strip(),
        target_date=target_date, for_child=for_child,
    )
    _event(episode, EventKind.GOAL_ADDED, actor, goal=str(goal.pk))
    audit.record_change(user=actor, obj=goal, action=Action.CREATE)
    return goal


@atomic_service
def goal_rate(*, actor: Any, goal: Goal, attainment: int, expected_version: int) -> Goal:
    """Rate attainment 1-3. Rating is allowed at review and closure, not after the episode closed."""
    episode = goal.plan.episode
    _require_work(actor, episode)
    episode = _lock(episode)
    _require_open(episode)
    if attainment not in Attainment.values:
        raise ValidationError(_("Attainment is 1 (not met), 2 (partially met) or 3 (fully met)."))
    goal.attainment = attainment
    goal.rated_at = timezone.now()
    save_versioned(goal, expected_version=expected_version, update_fields=["attainment", "rated_at"])
    _event(episode, EventKind.GOAL_RATED, actor, goal=str(goal.pk), attainment=attainment)
    audit.record_change(user=actor, obj=goal, action=Action.UPDATE)
    return goal


@atomic_service
def goal_family_signoff(*, actor: Any, goal: Goal, family_member_name: str, signed_on: dt.date) -> Goal:
    episode = goal.plan.episode
    _require_work(actor, episode)
    episode = _lock(episode)
    _require_open(episode)
    if not goal.for_child:
        raise ValidationError(_("Only goals for the child need the family's sign-off."))
    if not family_member_name.strip():
        raise ValidationError(_("Say which family member signed off."))
    if signed_on > timezone.localdate():
        raise ValidationError(_("The sign-off cannot be dated in the future."))
    goal.family_signoff_name = family_member_name.strip()
    goal.family_signoff_on = signed_on
    save_versioned(goal, expected_version=goal.version, update_fields=["family_signoff_name", "family_signoff_on"])
    _event(episode, EventKind.GOAL_SIGNED, actor, goal=str(goal.pk))
    audit.record_change(user=actor, obj=goal, action=Action.UPDATE)
    return goal


# --- Referrals ------------------------------------------------------------------------------------


@atomic_service
def referral_add(
    *,
    actor: Any,
    episode: Episode,
    service_type: str,
    service_detail: str = "",
    status: str = ReferralStatus.SUGGESTED,
    outcome: str = "",
) -> Referral:
    _require_work(actor, episode)
    episode = _lock(episode)
    _require_open(episode)
    if service_type not in ServiceType.values or status not in ReferralStatus.values:
        raise ValidationError(_("Choose the service and the referral's status."))
    if service_type == ServiceType.OTHER and not service_detail.strip():
        raise ValidationError(_("Name the service."))
    referral = Referral.objects.create(
        episode=episode, service_type=service_type, service_detail=service_detail.strip(), status=status,
        outcome=outcome.strip(), recorded_by=actor,
    )
    _event(episode, EventKind.REFERRAL, actor, service=service_type, status=status)
    audit.record_change(user=actor, obj=referral, action=Action.CREATE)
    return referral


@atomic_service
def referral_update(
    *, actor: Any, referral: Referral, status: str, outcome: str, expected_version: int
) -> Referral:
    """Referrals are followed after closure too (an evaluation can take months), so no open check."""
    episode = referral.episode
    _require_work(actor, episode)
    _lock(episode)
    if status not in ReferralStatus.values:
        raise ValidationError(_("Choose the referral's status."))
    previous = referral.status
    referral.status, referral.outcome = status, outcome.strip()
    referral.status_on = timezone.localdate()
    referral.recorded_by = actor
    save_versioned(referral, expected_version=expected_version,
                   update_fields=["status", "outcome", "status_on", "recorded_by"])
    _event(episode, EventKind.REFERRAL_UPDATED, actor, service=referral.service_type, status=status,
           previous=previous)
    audit.record_change(user=actor, obj=referral, action=Action.UPDATE)
    return referral


# --- Phases, closure, follow-up ---------------------------------------------------------------------


@atomic_service
def episode_advance(
    *, actor: Any, episode: Episode, expected_version: int, to_phase: str | None = None
) -> Episode:
    """Move the episode forward to the next phase (or a later one the consultant names).

    Never backwards, never into CLOSED or FOLLOWED_UP (closure and follow-up have their own steps), and
    a child-specific episode does not leave CONSENT without consent on file or a supervisor's exception.
    """
    _require_work(actor, episode)
    current = _lock(episode)
    _require_open(current)
    if current.version != expected_version:
        from abrazo.core.concurrency import StaleEditError

        raise StaleEditError(str(StaleEditError.message))
    walk = current.phases
    target = to_phase or current.next_phase()
    if target is None or target not in walk or target in FINISHED_PHASES:
        raise ValidationError(_("This episode cannot move to that phase; close it instead."))
    if walk.index(target) <= walk.index(current.phase):
        raise ValidationError(_("Phases only move forward."))
    if (
        current.is_child_specific
        and walk.index(target) > walk.index(Phase.CONSENT)
        and not consent_cleared(current)
    ):
        raise ValidationError(_("Child-focused work cannot go past consent until consent is on file or a "
                                "supervisor records an exception."))
    previous = current.phase
    current.phase = target
    save_versioned(current, expected_version=expected_version, update_fields=["phase"])
    _event(current, EventKind.PHASE, actor, previous=previous, phase=target)
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    return current


@atomic_service
def episode_close(
    *,
    actor: Any,
    episode: Episode,
    reason: str,
    closed_successfully: bool,
    maintained_in_setting: bool | None,
    expected_version: int,
) -> Closure:
    """Close the episode and schedule the follow-up about a month later."""
    _require_work(actor, episode)
    current = _lock(episode)
    _require_open(current)
    if reason not in ClosureReason.values:
        raise ValidationError(_("Choose why the episode is closing."))
    if current.is_child_specific and maintained_in_setting is None:
        raise ValidationError(_("Say whether the child was maintained in the setting."))
    now = timezone.now()
    closure = Closure.objects.create(
        episode=current, reason=reason, closed_successfully=closed_successfully,
        maintained_in_setting=maintained_in_setting, closed_at=now, closed_by=actor,
    )
    previous = current.phase
    current.phase, current.closed_at = Phase.CLOSED, now
    save_versioned(current, expected_version=expected_version, update_fields=["phase", "closed_at"])
    followup = FollowUp.objects.create(
        episode=current, due_on=timezone.localdate() + dt.timedelta(days=FOLLOW_UP_AFTER_DAYS)
    )
    _event(current, EventKind.CLOSED, actor, previous=previous, reason=reason, successful=closed_successfully,
           maintained=maintained_in_setting, followup_due=followup.due_on.isoformat())
    # The post measures fall due at closure (and follow-ups a month on): issue 5's schedule.
    from abrazo.measures.administrations import administrations_due_at_closure

    administrations_due_at_closure(actor=actor, episode=current)
    audit.record_change(user=actor, obj=closure, action=Action.CREATE)
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    return closure


@atomic_service
def followup_record(
    *,
    actor: Any,
    followup: FollowUp,
    gains_maintained: bool,
    maintained_in_setting: bool | None,
    notes: str = "",
) -> FollowUp:
    episode = followup.episode
    _require_work(actor, episode)
    current = _lock(episode)
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if followup.completed_at is not None or current.phase != Phase.CLOSED:
        raise ValidationError(_("The follow-up has already been recorded."))
    if current.is_child_specific and maintained_in_setting is None:
        raise ValidationError(_("Say whether the child is still in the setting."))
    followup.completed_at, followup.completed_by = timezone.now(), actor
    followup.gains_maintained, followup.maintained_in_setting = gains_maintained, maintained_in_setting
    followup.notes = notes.strip()
    followup.save(update_fields=["completed_at", "completed_by", "gains_maintained", "maintained_in_setting",
                                 "notes", "updated_at"])
    current.phase = Phase.FOLLOWED_UP
    save_versioned(current, expected_version=current.version, update_fields=["phase"])
    _event(current, EventKind.FOLLOWUP, actor, gains=gains_maintained, maintained=maintained_in_setting)
    audit.record_change(user=actor, obj=followup, action=Action.UPDATE)
    return followup


def followup_reminders_send(*, today: dt.date | None = None) -> int:
    """Queue one reminder for each follow-up now due. Safe to run as often as cron likes: a follow-up
    is claimed with a conditional UPDATE before its mail is queued, so it is never reminded twice, even
    by two runs at once."""
    today = today or timezone.localdate()
    due = FollowUp.objects.filter(completed_at=None, reminder_sent_at=None, due_on__lte=today).values_list(
        "pk", flat=True
    )
    sent = 0
    for followup_id in list(due):
        with transaction.atomic():
            claimed = FollowUp.objects.filter(pk=followup_id, reminder_sent_at=None).update(
                reminder_sent_at=timezone.now()
            )
            if claimed:
                sent += 1
                transaction.on_commit(partial(tasks.send_followup_reminder.enqueue, str(followup_id)))
    return sent


# --- Groups (the targeted tier) and brief contacts (the universal tier) ----------------------------
#
# A group is run by its facilitator; coordinators and administrators may set one up for a consultant
# ("group.manage"). A brief contact is logged by whoever took the call ("brief.log"); turning it into a
# request goes through intake's own request_submit, so the request is numbered, prioritised and
# acknowledged exactly as one from the public form.

GROUP_MANAGE = "group.manage"
BRIEF_LOG = "brief.log"
MAX_MINUTES = 600
MAX_GUESTS = 500


def _require_on(actor: Any, permission: str, obj: Any, action: str = Action.UPDATE) -> None:
    if not access.can(actor, permission, obj):
        raise Refused(permission, object_type=f"consultations.{obj._meta.model_name}", object_id=obj.pk,
                      action=action)


def _submission_owner(actor: Any) -> str:
    return f"consultations:{actor.pk}"


def _checked_minutes(minutes: int) -> int:
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValidationError({"minutes": _("Minutes must be between 1 and 600.")})
    return minutes


@dataclass(frozen=True)
class GroupData:
    region: Region
    name: str
    kind: str
    audience: str
    language: Language
    facilitator: ConsultantProfile
    starts_on: dt.date
    co_facilitator: ConsultantProfile | None = None
    schedule: str = ""
    ends_on: dt.date | None = None
    is_active: bool = True


GROUP_FIELDS = ["region", "name", "kind", "audience", "language", "facilitator", "co_facilitator", "schedule",
                "starts_on", "ends_on", "is_active"]


def _apply_group_data(group: Group, data: GroupData) -> None:
    """Check the data against itself and the network, then copy it onto the group (unsaved)."""
    name = data.name.strip()
    if not name:
        raise ValidationError({"name": _("Name the group.")})
    if data.kind not in GroupKind.values or data.audience not in GroupAudience.values:
        raise ValidationError(_("Choose the kind of group and who it is for."))
    network_id = data.region.network_id
    if group.network_id is not None and group.network_id != network_id:
        raise ValidationError({"region": _("Choose a region of this group's network.")})
    if data.facilitator.network_id != network_id or not data.facilitator.is_active:
        raise ValidationError({"facilitator": _("Choose an active consultant of this network.")})
    co_facilitator = data.co_facilitator
    if co_facilitator is not None:
        if co_facilitator.pk == data.facilitator.pk:
            raise ValidationError({"co_facilitator": _("The co-facilitator must be someone other than the "
                                                       "facilitator.")})
        if co_facilitator.network_id != network_id or not co_facilitator.is_active:
            raise ValidationError({"co_facilitator": _("Choose an active consultant of this network.")})
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise ValidationError({"ends_on": _("A group cannot end before it starts.")})
    group.network_id = network_id
    group.region, group.name, group.kind, group.audience = data.region, name, data.kind, data.audience
    group.language, group.facilitator, group.co_facilitator = data.language, data.facilitator, co_facilitator
    group.schedule, group.starts_on, group.ends_on = data.schedule.strip(), data.starts_on, data.ends_on
    group.is_active = data.is_active


@atomic_service
def group_create(*, actor: Any, data: GroupData, submission_key: UUID | None = None) -> Group:
    """Start a group. Checked against the group as it will exist, so a consultant may start only groups they
    lead and a coordinator only groups of their region; a refusal rolls the whole creation back."""
    claim_submission(owner=_submission_owner(actor), key=submission_key, model=Group)
    group = Group()
    _apply_group_data(group, data)
    group.save()
    _require_on(actor, GROUP_MANAGE, group, Action.CREATE)
    audit.record_change(user=actor, obj=group, action=Action.CREATE)
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=group)
    return group


@atomic_service
def group_update(*, actor: Any, group: Group, data: GroupData, expected_version: int) -> Group:
    """Save an edit made on `expected_version`. The edited group must still be one the actor manages (a
    coordinator cannot move a group out of their region; a consultant cannot hand it to someone else)."""
    _require_on(actor, GROUP_MANAGE, group)
    current = Group.objects.select_for_update().get(pk=group.pk)
    _apply_group_data(current, data)
    save_versioned(current, expected_version=expected_version, update_fields=GROUP_FIELDS)
    _require_on(actor, GROUP_MANAGE, current)
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    return current


@atomic_service
def group_member_add(
    *, actor: Any, group: Group, name: str, role: str, program: Program | None = None, email: str = ""
) -> GroupMember:
    _require_on(actor, GROUP_MANAGE, group, Action.CREATE)
    if not name.strip():
        raise ValidationError({"name": _("Give the member's name.")})
    if role not in MemberRole.values:
        raise ValidationError({"role": _("Choose the member's role.")})
    if program is not None and program.network_id != group.network_id:
        raise ValidationError({"program": _("Choose a program of this network.")})
    member = GroupMember.objects.create(
        group=group, name=name.strip(), role=role, program=program, email=email.strip().lower()
    )
    audit.record_change(user=actor, obj=member, action=Action.CREATE)
    return member


@atomic_service
def group_member_remove(*, actor: Any, member: GroupMember, left_on: dt.date | None = None) -> GroupMember:
    """Take a member off the group from `left_on` (today by default). Their past attendance stays."""
    _require_on(actor, GROUP_MANAGE, member.group)
    member = GroupMember.objects.select_for_update().get(pk=member.pk)
    if member.left_on is not None:
        raise ValidationError(_("This member has already left the group."))
    member.left_on = left_on or timezone.localdate()
    member.save(update_fields=["left_on", "updated_at"])
    audit.record_change(user=actor, obj=member, action=Action.UPDATE)
    return member


def members_on(group: Group, day: dt.date) -> list[GroupMember]:
    """The members a session on `day` takes attendance for: everyone who had not left by then."""
    return list(group.members.filter(Q(left_on__isnull=True) | Q(left_on__gt=day)).order_by("name", "id"))


@atomic_service
def group_session_log(
    *,
    actor: Any,
    group: Group,
    date: dt.date,
    minutes: int,
    modality: str,
    present: Iterable[UUID],
    topics: Iterable[str] = (),
    guests: int = 0,
    notes: str = "",
    submission_key: UUID | None = None,
) -> GroupSession:
    """Log one meeting and its attendance: a row for every member of the group on that day, present or not,
    so that absences count as well as presences."""
    _require_on(actor, GROUP_MANAGE, group, Action.CREATE)
    group = Group.objects.select_for_update().get(pk=group.pk)
    claim_submission(owner=_submission_owner(actor), key=submission_key, model=GroupSession)
    if date > timezone.localdate():
        raise ValidationError({"date": _("A session cannot be logged for a future date.")})
    if date < group.starts_on:
        raise ValidationError({"date": _("A session cannot be dated before the group started.")})
    _checked_minutes(minutes)
    if modality not in Modality.values:
        raise ValidationError({"modality": _("Choose how the group met.")})
    if not 0 <= guests <= MAX_GUESTS:
        raise ValidationError({"guests": _("Guests must be between 0 and 500.")})
    members = members_on(group, date)
    present_ids = {UUID(str(pk)) for pk in present}
    if present_ids - {member.pk for member in members}:
        raise ValidationError(_("Mark attendance only for members of the group."))
    session = GroupSession.objects.create(
        group=group, date=date, minutes=minutes, modality=modality, guests=guests, notes=notes.strip(),
        topics=_checked_codes(topics, Topic.values, _("Choose topics from the list.")), logged_by=actor,
    )
    Attendance.objects.bulk_create(
        [Attendance(session=session, member=member, present=member.pk in present_ids) for member in members]
    )
    audit.record_change(user=actor, obj=session, action=Action.CREATE)
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=session)
    return session


@dataclass(frozen=True)
class BriefContactData:
    kind: str
    occurred_at: dt.datetime
    caller_role: str
    county: County
    topic: str
    minutes: int
    language: Language
    outcome: str
    setting_type: str = ""
    child_specific: bool = False
    imminent_risk: bool = False
    caller_name: str = ""
    caller_phone: str = ""
    caller_email: str = ""
    program_name: str = ""
    notes: str = ""


# Allowance for a phone whose clock runs a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=10)


@atomic_service
def brief_contact_log(
    *, actor: Any, network: Network, data: BriefContactData, submission_key: UUID | None = None
) -> BriefContact:
    """Log a helpline call or a drop-in conversation. Its region is the one that covers the county, and it is
    credited to the actor's consultant profile when they have one (coordinators take calls too)."""
    if data.kind not in BriefKind.values or data.caller_role not in RequesterRole.values:
        raise ValidationError(_("Choose the kind of contact and who called."))
    if data.topic not in BriefTopic.values:
        raise ValidationError({"topic": _("Choose the topic.")})
    if data.outcome not in BriefOutcome.values or data.outcome == BriefOutcome.REQUEST_CREATED:
        # "Turned into a request" is set by brief_contact_to_request, once the request exists.
        raise ValidationError({"outcome": _("Choose the outcome.")})
    if data.setting_type and data.setting_type not in SettingType.values:
        raise ValidationError({"setting_type": _("Choose the setting from the list.")})
    if data.occurred_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"occurred_at": _("A contact cannot be logged for a future time.")})
    _checked_minutes(data.minutes)
    served = NetworkCounty.objects.filter(network=network, county=data.county).first()
    if served is None:
        raise ValidationError({"county": _("%(county)s is not served by this network.") % {"county": data.county}})
    claim_submission(owner=_submission_owner(actor), key=submission_key, model=BriefContact)
    contact = BriefContact(
        network=network, region_id=served.region_id, logged_by=actor,
        consultant=ConsultantProfile.objects.filter(user=actor, network=network, is_active=True).first(),
        kind=data.kind, occurred_at=data.occurred_at, caller_role=data.caller_role, county=data.county,
        setting_type=data.setting_type, topic=data.topic, minutes=data.minutes, language=data.language,
        outcome=data.outcome, child_specific=data.child_specific, imminent_risk=data.imminent_risk,
        caller_name=data.caller_name.strip(), caller_phone=data.caller_phone.strip(),
        caller_email=data.caller_email.strip().lower(), program_name=data.program_name.strip(),
        notes=data.notes.strip(),
    )
    contact.save()
    _require_on(actor, BRIEF_LOG, contact, Action.CREATE)
    audit.record_change(user=actor, obj=contact, action=Action.CREATE)
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=contact)
    return contact


@dataclass(frozen=True)
class RequestDetails:
    """What a request needs beyond what the call recorded (pre-filled from the call where it has it)."""

    requester_name: str
    program_name: str
    address_line1: str
    city: str
    postal_code: str
    setting_type: str
    concern_text: str
    requester_email: str = ""
    requester_phone: str = ""


def request_details_from(contact: BriefContact) -> dict[str, Any]:
    """The conversion form's starting values: everything the call already told us."""
    when = timezone.localtime(contact.occurred_at)
    concern = _("%(kind)s on %(date)s about: %(topic)s.") % {
        "kind": contact.get_kind_display(), "date": when.strftime("%Y-%m-%d"), "topic": contact.get_topic_display()
    }
    return {
        "requester_name": contact.caller_name, "requester_email": contact.caller_email,
        "requester_phone": contact.caller_phone, "program_name": contact.program_name,
        "setting_type": contact.setting_type, "concern_text": concern,
    }


def _checked_details(details: RequestDetails) -> None:
    required = {
        "requester_name": (details.requester_name, _("Give the caller's name.")),
        "program_name": (details.program_name, _("Name the program (or the family's care setting).")),
        "address_line1": (details.address_line1, _("Give the program's street address.")),
        "city": (details.city, _("Give the city.")),
        "postal_code": (details.postal_code, _("Give the ZIP code.")),
        "concern_text": (details.concern_text, _("Describe the concern.")),
    }
    errors: dict[str, Any] = {field: message for field, (value, message) in required.items() if not value.strip()}
    if details.setting_type not in SettingType.values:
        errors["setting_type"] = _("Choose the setting type.")
    if not details.requester_email.strip() and not details.requester_phone.strip():
        errors["requester_email"] = _("Give an email address or a phone number, so that the network can reach "
                                      "the caller.")
    if errors:
        raise ValidationError(errors)


@atomic_service
def brief_contact_to_request(
    *, actor: Any, brief_contact: BriefContact, details: RequestDetails
) -> tuple[IntakeRequest, bool]:
    """Turn a call into a request for consultation, once: (the request, whether it was created now).

    The contact's row is locked first and the link checked under the lock, so a double click, a reload or two
    people converting the same call at once make exactly one request; the others get the existing one back.
    """
    # Imported here: intake's assignment calls back into this module (episode_open), so neither imports the
    # other's services at load time.
    from abrazo.intake import services as intake

    _require_on(actor, BRIEF_LOG, brief_contact)
    # The link is read from the locked row itself, never through a join: a statement that waited for the lock
    # sees the row as the other transaction left it, but a joined request row as it was before (PostgreSQL).
    contact = (
        BriefContact.objects.select_for_update(of=("self",))
        .select_related("network", "county", "language")
        .get(pk=brief_contact.pk)
    )
    if contact.request_id is not None:
        return IntakeRequest.objects.get(pk=contact.request_id), False
    _checked_details(details)
    data = intake.RequestData(
        requester_name=details.requester_name.strip(), requester_email=details.requester_email.strip(),
        requester_phone=details.requester_phone.strip(), requester_role=contact.caller_role,
        preferred_language=contact.language, program_name=details.program_name.strip(),
        address_line1=details.address_line1.strip(), city=details.city.strip(),
        postal_code=details.postal_code.strip(), county=contact.county, setting_type=details.setting_type,
        concern_categories=[contact.topic if contact.topic in ConcernCategory.values else ConcernCategory.OTHER],
        concern_text=details.concern_text.strip(), child_specific=contact.child_specific,
        imminent_risk=contact.imminent_risk,
    )
    request = intake.request_submit(network=contact.network, data=data, submitted_by=actor)
    contact.request, contact.outcome = request, BriefOutcome.REQUEST_CREATED
    contact.save(update_fields=["request", "outcome", "updated_at"])
    audit.record_change(user=actor, obj=contact, action=Action.UPDATE)
    return request, True

"""Every write of the cohort pages: cohorts, sessions, attendance, assignments and their completions,
where a graduate works now, and completing or withdrawing a participant (with the certificate's number,
its verification link and the email that sends it).

Services are keyword-only, atomic and audited. They check the permission themselves (`cohort.manage` on
the cohort, or on the region a new cohort would belong to), so a view that forgot cannot write. The
completion rule itself is `completion.py`; this module only gathers the numbers it needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from abrazo.accounts import access
from abrazo.accounts.models import Membership, Role
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core import crypto
from abrazo.core.concurrency import save_versioned
from abrazo.core.submissions import AlreadySubmitted as AlreadySubmitted  # re-exported for views and tests
from abrazo.core.submissions import claim_submission, remember_submission
from abrazo.directory.models import ConsultantProfile, County, Language, Network, Region
from abrazo.workforce import certificates, completion
from abrazo.workforce.models import (
    Assignment,
    AssignmentCompletion,
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    CohortStatus,
    Participant,
    ParticipantStatus,
    SessionModality,
    WorkforceSettings,
)
from abrazo.workforce.selectors import workforce_settings_for

COHORT_MANAGE = "cohort.manage"
ZERO = Decimal(0)
ATTENDANCE_TYPE = "workforce.attendance"
COMPLETION_TYPE = "workforce.assignmentcompletion"


def _require_permission(actor: Any, permission: str) -> None:
    if not access.has_permission(actor, permission):
        raise PermissionDenied(permission)


def _owner(actor: Any) -> str:
    return f"workforce-cohorts:{actor.pk}"


# --- Cohorts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortData:
    name: str
    starts_on: dt.date
    ends_on: dt.date
    region: Region | None = None
    status: str = CohortStatus.PLANNED
    applications_close_on: dt.date | None = None
    capacity: int = 25
    coordinator: Any = None
    description_en: str = ""
    description_es: str = ""


COHORT_FIELDS = ["name", "region", "status", "starts_on", "ends_on", "applications_close_on", "capacity",
                 "coordinator", "description_en", "description_es"]


def _check_cohort(*, actor: Any, network: Network, data: CohortData) -> None:
    problems: dict[str, Any] = {}
    if not data.name.strip():
        problems["name"] = _("Give the cohort a name.")
    if data.ends_on < data.starts_on:
        problems["ends_on"] = _("The cohort cannot end before it starts.")
    if data.status not in CohortStatus.values:
        problems["status"] = _("Choose a status.")
    if data.region is not None:
        if data.region.network_id != network.pk:
            problems["region"] = _("Choose a region of this network.")
        elif not access.can(actor, COHORT_MANAGE, data.region):
            problems["region"] = _("You may run cohorts only in the region you coordinate.")
    elif not access.can(actor, COHORT_MANAGE, network):
        problems["region"] = _("Only the network's administrators run network-wide cohorts: choose your region.")
    if data.coordinator is not None and not Membership.objects.filter(
        user=data.coordinator, network=network, is_active=True,
        role__in=[Role.NETWORK_ADMIN, Role.REGIONAL_COORDINATOR, Role.SUPERVISOR],
    ).exists():
        problems["coordinator"] = _("The cohort lead must be an administrator, coordinator or supervisor of "
                                    "this network.")
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def cohort_create(*, actor: Any, network: Network, data: CohortData, submission_key: UUID | None = None) -> Cohort:
    _require_permission(actor, COHORT_MANAGE)
    _check_cohort(actor=actor, network=network, data=data)
    claim_submission(owner=_owner(actor), key=submission_key, model=Cohort)
    cohort = Cohort(network=network)
    for name in COHORT_FIELDS:
        setattr(cohort, name, getattr(data, name))
    cohort.name = data.name.strip()
    cohort.save()
    access.require(actor, COHORT_MANAGE, cohort)  # the policy's own path decides on the saved row
    audit.record_change(user=actor, obj=cohort, action=Action.CREATE)
    remember_submission(owner=_owner(actor), key=submission_key, obj=cohort)
    return cohort


@transaction.atomic
def cohort_update(*, actor: Any, cohort: Cohort, expected_version: int, data: CohortData) -> Cohort:
    access.require(actor, COHORT_MANAGE, cohort)
    _check_cohort(actor=actor, network=cohort.network, data=data)
    for name in COHORT_FIELDS:
        setattr(cohort, name, getattr(data, name))
    cohort.name = data.name.strip()
    save_versioned(cohort, expected_version=expected_version, update_fields=COHORT_FIELDS)
    audit.record_change(user=actor, obj=cohort)
    return cohort


# --- Sessions -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionData:
    number: int
    title: str
    held_on: dt.date
    hours: Decimal
    modality: str = SessionModality.VIDEO
    location: str = ""


SESSION_FIELDS = ["number", "title", "held_on", "hours", "modality", "location"]
MIN_SESSION_HOURS, MAX_SESSION_HOURS = Decimal("0.25"), Decimal(24)


def _check_session(*, cohort: Cohort, data: SessionData, session: CohortSession | None = None) -> None:
    problems: dict[str, Any] = {}
    if data.number < 1:
        problems["number"] = _("Number sessions from 1.")
    elif cohort.sessions.filter(number=data.number).exclude(pk__in=[session.pk] if session else []).exists():
        problems["number"] = _("This cohort already has a session %(number)d.") % {"number": data.number}
    if not data.title.strip():
        problems["title"] = _("Give the session a title.")
    if not MIN_SESSION_HOURS <= data.hours <= MAX_SESSION_HOURS:
        problems["hours"] = _("A session lasts from a quarter of an hour to 24 hours.")
    if data.modality not in SessionModality.values:
        problems["modality"] = _("Choose how the session is held.")
    if session is not None and data.hours != session.hours:
        # Those present are credited the session's hours, and a graduate's certificate shows their credited
        # hours: changing them would change certificates already issued (their attendance is fixed too).
        graduates = session.attendance.filter(status=AttendanceStatus.PRESENT,
                                              participant__status=ParticipantStatus.COMPLETED).count()
        if graduates:
            problems["hours"] = ngettext(
                "%(count)d participant who has completed the cohort was present at this session: changing its "
                "hours would change the hours on their certificate, so the session's hours can no longer be "
                "changed.",
                "%(count)d participants who have completed the cohort were present at this session: changing its "
                "hours would change the hours on their certificates, so the session's hours can no longer be "
                "changed.",
                graduates,
            ) % {"count": graduates}
    if "hours" not in problems and session is not None and data.hours < session.hours:
        longer = session.attendance.filter(status=AttendanceStatus.PARTIAL, hours__gt=data.hours).count()
        if longer:
            problems["hours"] = _(
                "%(count)d participants are credited with more than %(hours)s hours of this session for attending "
                "part of it: correct their attendance first."
            ) % {"count": longer, "hours": certificates.hours_text(data.hours)}
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def session_create(
    *, actor: Any, cohort: Cohort, data: SessionData, submission_key: UUID | None = None
) -> CohortSession:
    access.require(actor, COHORT_MANAGE, cohort)
    _check_session(cohort=cohort, data=data)
    claim_submission(owner=_owner(actor), key=submission_key, model=CohortSession)
    session = CohortSession(cohort=cohort, **{name: getattr(data, name) for name in SESSION_FIELDS})
    session.title = data.title.strip()
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as clash:  # the same number added by someone else a moment ago
        raise ValidationError({"number": _("This cohort already has a session %(number)d.") % {
            "number": data.number}}) from clash
    audit.record_change(user=actor, obj=session, action=Action.CREATE)
    remember_submission(owner=_owner(actor), key=submission_key, obj=session)
    return session


@transaction.atomic
def session_update(*, actor: Any, session: CohortSession, expected_version: int, data: SessionData) -> CohortSession:
    access.require(actor, COHORT_MANAGE, session.cohort)
    _check_session(cohort=session.cohort, data=data, session=session)
    for name in SESSION_FIELDS:
        setattr(session, name, getattr(data, name))
    session.title = data.title.strip()
    try:
        with transaction.atomic():
            save_versioned(session, expected_version=expected_version, update_fields=SESSION_FIELDS)
    except IntegrityError as clash:
        raise ValidationError({"number": _("This cohort already has a session %(number)d.") % {
            "number": data.number}}) from clash
    # Present means the whole session: their credit follows the session's hours.
    changed = list(session.attendance.filter(status=AttendanceStatus.PRESENT).exclude(hours=data.hours)
                   .values_list("pk", flat=True))
    if changed:
        Attendance.objects.filter(pk__in=changed).update(hours=data.hours, updated_at=timezone.now())
        audit.record(user=actor, action=Action.UPDATE, object_type=ATTENDANCE_TYPE, object_ids=changed)
    audit.record_change(user=actor, obj=session)
    return session


# --- Attendance ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceEntry:
    participant_id: UUID
    status: str  # an AttendanceStatus, or "" for not recorded
    hours: Decimal | None = None  # for part of the session


@dataclass(frozen=True)
class SheetResult:
    created: int
    changed: int
    removed: int
    unchanged: int


class SheetRejected(ValidationError):
    """Rows that cannot be saved, by participant id, each with its message. Nothing was saved."""

    def __init__(self, problems: dict[UUID, str]) -> None:
        super().__init__(list(problems.values()))
        self.problems = problems


def _hours_message(problem: completion.HoursProblem, *, name: str, session_hours: Decimal) -> str:
    if problem == completion.HoursProblem.PARTIAL_NEEDS_HOURS:
        return _("%(name)s: give the hours attended of part of the session.") % {"name": name}
    if problem == completion.HoursProblem.MORE_THAN_SESSION:
        return _("%(name)s: part of the session is at most %(hours)s hours.") % {
            "name": name, "hours": certificates.hours_text(session_hours)}
    return _("%(name)s: choose present, part of the session, excused or absent.") % {"name": name}


@transaction.atomic
def attendance_record(*, actor: Any, session: CohortSession, entries: Sequence[AttendanceEntry]) -> SheetResult:
    """Record the attendance of many participants at one session at once. Saving the same sheet twice
    changes nothing the second time; a row left "not recorded" removes an earlier record. A completed
    participant's attendance is fixed (their certificate states their hours)."""
    access.require(actor, COHORT_MANAGE, session.cohort)
    session = CohortSession.objects.select_for_update().select_related("cohort").get(pk=session.pk)
    participants = {p.pk: p for p in access.visible(actor, COHORT_MANAGE, Participant.objects.filter(
        cohort_id=session.cohort_id, pk__in=[entry.participant_id for entry in entries]))}
    existing = {a.participant_id: a for a in session.attendance.filter(participant_id__in=list(participants))}
    problems: dict[UUID, str] = {}
    planned: list[tuple[Participant, str, Decimal]] = []
    for entry in entries:
        participant = participants.get(entry.participant_id)
        if participant is None:
            raise PermissionDenied("participant outside the cohort or the scope")
        before = existing.get(participant.pk)
        if participant.status == ParticipantStatus.COMPLETED:
            if entry.status != (before.status if before else "") or (
                before is not None and entry.status == AttendanceStatus.PARTIAL and entry.hours != before.hours
            ):
                problems[participant.pk] = _("%(name)s has completed the cohort: their attendance can no longer "
                                             "change.") % {"name": participant.full_name}
            continue
        if not entry.status:
            planned.append((participant, "", ZERO))
            continue
        try:
            hours = completion.credited_hours(entry.status, session_hours=session.hours, entered_hours=entry.hours)
        except completion.HoursRejected as rejected:
            problems[participant.pk] = _hours_message(rejected.problem, name=participant.full_name,
                                                      session_hours=session.hours)
            continue
        planned.append((participant, entry.status, hours))
    if problems:
        raise SheetRejected(problems)
    created = changed = removed = unchanged = 0
    touched: list[UUID] = []
    for participant, status, hours in planned:
        before = existing.get(participant.pk)
        if not status:
            if before is not None:
                touched.append(before.pk)
                before.delete()
                removed += 1
            continue
        if before is None:
            record = Attendance.objects.create(session=session, participant=participant, status=status, hours=hours,
                                               recorded_by=actor)
            touched.append(record.pk)
            created += 1
        elif before.status != status or before.hours != hours:
            before.status, before.hours, before.recorded_by = status, hours, actor
            before.save(update_fields=["status", "hours", "recorded_by", "updated_at"])
            touched.append(before.pk)
            changed += 1
        else:
            unchanged += 1
    if touched:
        audit.record(user=actor, action=Action.UPDATE, object_type=ATTENDANCE_TYPE, object_ids=touched)
    return SheetResult(created, changed, removed, unchanged)


# --- Assignments --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentData:
    title: str
    instructions: str = ""
    due_on: dt.date | None = None
    required_for_completion: bool = True


ASSIGNMENT_FIELDS = ["title", "instructions", "due_on", "required_for_completion"]


def _check_assignment(data: AssignmentData) -> None:
    if not data.title.strip():
        raise ValidationError({"title": _("Give the assignment a title.")})


@transaction.atomic
def assignment_create(
    *, actor: Any, cohort: Cohort, data: AssignmentData, submission_key: UUID | None = None
) -> Assignment:
    access.require(actor, COHORT_MANAGE, cohort)
    _check_assignment(data)
    claim_submission(owner=_owner(actor), key=submission_key, model=Assignment)
    assignment = Assignment.objects.create(cohort=cohort, **{name: getattr(data, name) for name in ASSIGNMENT_FIELDS})
    audit.record_change(user=actor, obj=assignment, action=Action.CREATE)
    remember_submission(owner=_owner(actor), key=submission_key, obj=assignment)
    return assignment


@transaction.atomic
def assignment_update(*, actor: Any, assignment: Assignment, expected_version: int, data: AssignmentData) -> Assignment:
    access.require(actor, COHORT_MANAGE, assignment.cohort)
    _check_assignment(data)
    for name in ASSIGNMENT_FIELDS:
        setattr(assignment, name, getattr(data, name))
    assignment.title = data.title.strip()
    save_versioned(assignment, expected_version=expected_version, update_fields=ASSIGNMENT_FIELDS)
    audit.record_change(user=actor, obj=assignment)
    return assignment


@dataclass(frozen=True)
class CompletionEntry:
    participant_id: UUID
    done: bool
    completed_on: dt.date | None = None
    notes: str = ""


@transaction.atomic
def assignment_completions_record(
    *, actor: Any, assignment: Assignment, entries: Sequence[CompletionEntry], today: dt.date | None = None
) -> SheetResult:
    """Record who has done an assignment: ticked rows are done (on the date given, today if none), unticked
    rows are not (an earlier record goes). Saving the same sheet twice changes nothing the second time."""
    access.require(actor, COHORT_MANAGE, assignment.cohort)
    assignment = Assignment.objects.select_for_update().select_related("cohort").get(pk=assignment.pk)
    today = today or timezone.localdate()
    participants = {p.pk: p for p in access.visible(actor, COHORT_MANAGE, Participant.objects.filter(
        cohort_id=assignment.cohort_id, pk__in=[entry.participant_id for entry in entries]))}
    existing = {c.participant_id: c for c in assignment.completions.filter(participant_id__in=list(participants))}
    problems: dict[UUID, str] = {}
    for entry in entries:
        participant = participants.get(entry.participant_id)
        if participant is None:
            raise PermissionDenied("participant outside the cohort or the scope")
        before = existing.get(participant.pk)
        if participant.status == ParticipantStatus.COMPLETED and entry.done != (before is not None):
            problems[participant.pk] = _("%(name)s has completed the cohort: their assignments can no longer "
                                         "change.") % {"name": participant.full_name}
        elif entry.done and entry.completed_on and entry.completed_on > today:
            problems[participant.pk] = _("%(name)s: the date an assignment was done cannot be in the future.") % {
                "name": participant.full_name}
    if problems:
        raise SheetRejected(problems)
    created = changed = removed = unchanged = 0
    touched: list[UUID] = []
    for entry in entries:
        participant = participants[entry.participant_id]
        before = existing.get(participant.pk)
        if participant.status == ParticipantStatus.COMPLETED:
            unchanged += 1
            continue
        if not entry.done:
            if before is not None:
                touched.append(before.pk)
                before.delete()
                removed += 1
            continue
        day, notes = entry.completed_on or (before.completed_on if before else today), entry.notes.strip()
        if before is None:
            record = AssignmentCompletion.objects.create(
                assignment=assignment, participant=participant, completed_on=day, notes=notes, recorded_by=actor)
            touched.append(record.pk)
            created += 1
        elif before.completed_on != day or before.notes != notes:
            before.completed_on, before.notes, before.recorded_by = day, notes, actor
            before.save(update_fields=["completed_on", "notes", "recorded_by", "updated_at"])
            touched.append(before.pk)
            changed += 1
        else:
            unchanged += 1
    if touched:
        audit.record(user=actor, action=Action.UPDATE, object_type=COMPLETION_TYPE, object_ids=touched)
    return SheetResult(created, changed, removed, unchanged)


# --- Where a graduate works now -------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkData:
    consultant_profile: ConsultantProfile | None
    current_employer: str
    works_in_iecmhc: bool | None
    counties_served: Iterable[County]
    languages: Iterable[Language]


@transaction.atomic
def participant_update_work(
    *, actor: Any, participant: Participant, expected_version: int, data: WorkData
) -> Participant:
    """Where the participant works now, which counties they serve and in which languages (the workforce
    capacity report reads these)."""
    access.require(actor, COHORT_MANAGE, participant)
    profile = data.consultant_profile
    if profile is not None and profile.network_id != participant.network_id:
        raise ValidationError({"consultant_profile": _("Choose a consultant of this network.")})
    participant.consultant_profile = profile
    participant.current_employer = data.current_employer.strip()
    participant.works_in_iecmhc = True if profile is not None else data.works_in_iecmhc
    save_versioned(participant, expected_version=expected_version,
                   update_fields=["consultant_profile", "current_employer", "works_in_iecmhc"])
    participant.counties_served.set(list(data.counties_served))
    participant.languages.set(list(data.languages))
    audit.record_change(user=actor, obj=participant)
    return participant


# --- Completing, withdrawing, reissuing the certificate link ----------------------------------------------


class CompletionRefused(ValidationError):
    """The participant does not meet the completion rule; `check` says by how much, and the messages say
    what is missing in words."""

    def __init__(self, check: completion.CompletionCheck) -> None:
        super().__init__(missing_messages(check), code="not_complete")
        self.check = check


def missing_messages(check: completion.CompletionCheck) -> list[str]:
    """What stands between a participant and completion, one sentence per missing thing."""
    messages = []
    if not check.has_sessions:
        messages.append(_("The cohort has no sessions yet, so nobody can have attended enough of it."))
    elif not check.attendance_met:
        messages.append(_(
            "Attended %(attended)s of %(total)s session hours; %(required)s are needed (%(share)s %%), so "
            "%(short)s more."
        ) % {
            "attended": certificates.hours_text(check.attended_hours),
            "total": certificates.hours_text(check.total_hours),
            "required": certificates.hours_text(check.hours_required),
            "share": certificates.hours_text(check.share_required * 100),
            "short": certificates.hours_text(check.hours_short),
        })
    for title in check.missing_assignments:
        messages.append(_("Required assignment not done: %(title)s.") % {"title": title})
    return messages


@dataclass(frozen=True)
class IssuedCertificate:
    participant: Participant
    token: str  # only in memory (the email, the issuer's session, tests); never stored


def check_of(participant: Participant) -> completion.CompletionCheck:
    cohort = participant.cohort
    assignments = list(cohort.assignments.all())
    return completion.check_completion(
        attended_hours=participant.attendance.aggregate(total=Sum("hours"))["total"] or ZERO,
        total_hours=cohort.sessions.aggregate(total=Sum("hours"))["total"] or ZERO,
        share_required=workforce_settings_for(cohort.network_id).completion_attendance_share,
        required_assignments=[(a.pk, a.title) for a in assignments if a.required_for_completion],
        done_assignments=set(participant.assignment_completions.values_list("assignment_id", flat=True)),
    )


def _locked(participant: Participant) -> Participant:
    return Participant.objects.select_for_update().get(pk=participant.pk)


def _issue_link(*, actor: Any, participant: Participant) -> str:
    """A new verification secret: store its hash, and email the link after commit."""
    token = certificates.new_token()
    participant.certificate_token_hash = certificates.hash_token(token)
    sealed = crypto.encrypt(token)  # the queued task holds the secret sealed, never in clear
    participant_id = str(participant.pk)
    transaction.on_commit(lambda: certificates.send_certificate_link.enqueue(
        participant_id=participant_id, sealed_token=sealed))
    return token


def _bump(participant: Participant, fields: list[str]) -> None:
    participant.version += 1
    participant.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def participant_complete(*, actor: Any, participant: Participant, today: dt.date | None = None) -> IssuedCertificate:
    """Mark a participant completed, if they meet the rule: a certificate number, a verification link, and
    an email with the link in their language. Refuses (CompletionRefused) listing what is missing."""
    access.require(actor, COHORT_MANAGE, participant)
    # The settings row is the network's lock for numbering: completions in one network take turns.
    WorkforceSettings.objects.select_for_update().filter(pk=workforce_settings_for(participant.network_id).pk).get()
    participant = _locked(participant)
    if participant.status == ParticipantStatus.COMPLETED:
        raise ValidationError(_("%(name)s has already completed the cohort.") % {"name": participant.full_name},
                              code="already_completed")
    if participant.status == ParticipantStatus.WITHDRAWN:
        raise ValidationError(_("%(name)s has withdrawn from the cohort.") % {"name": participant.full_name},
                              code="withdrawn")
    check = check_of(participant)
    if not check.complete:
        raise CompletionRefused(check)
    day = today or timezone.localdate()
    participant.status = ParticipantStatus.COMPLETED
    participant.completed_on = day
    participant.certificate_number = certificates.next_number(network_id=participant.network_id, year=day.year)
    token = _issue_link(actor=actor, participant=participant)
    _bump(participant, ["status", "completed_on", "certificate_number", "certificate_token_hash"])
    audit.record_change(user=actor, obj=participant)
    return IssuedCertificate(participant, token)


@transaction.atomic
def participant_withdraw(*, actor: Any, participant: Participant) -> Participant:
    """The participant leaves the cohort. A graduate's certificate is withdrawn with them: its number stays
    theirs, and its verification link says it is no longer valid."""
    access.require(actor, COHORT_MANAGE, participant)
    participant = _locked(participant)
    if participant.status == ParticipantStatus.WITHDRAWN:
        raise ValidationError(_("%(name)s has already withdrawn.") % {"name": participant.full_name},
                              code="already_withdrawn")
    participant.status = ParticipantStatus.WITHDRAWN
    _bump(participant, ["status"])
    audit.record_change(user=actor, obj=participant)
    return participant


@transaction.atomic
def certificate_reissue(*, actor: Any, participant: Participant) -> IssuedCertificate:
    """A new verification link for a graduate (the old one stops working), emailed to them again."""
    access.require(actor, COHORT_MANAGE, participant)
    participant = _locked(participant)
    if participant.status != ParticipantStatus.COMPLETED:
        raise ValidationError(_("Only a participant who completed the cohort has a certificate."),
                              code="not_completed")
    token = _issue_link(actor=actor, participant=participant)
    _bump(participant, ["certificate_token_hash"])
    audit.record_change(user=actor, obj=participant)
    return IssuedCertificate(participant, token)

"""Every write to the roster, incidents and exclusions: access-checked, atomic, audited.

Rules that need the database live here, so the screens, the API and the file imports answer the same:
a child belongs to one program and an incident is recorded at the child's program, in a classroom of
that program, on a day the child was enrolled and not in the future. An incident whose follow-up (or
response) excludes the child carries an `Exclusion` with the days of care lost, kept in step with the
incident when it is corrected.

Every write that touches a child re-evaluates the child's early warning inside the transaction (so a
warning and the incident that raised it commit together) and schedules the equity rollup's refresh.
Failures the person can fix are `ValidationError`s keyed by field name, so forms show them in place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.accounts.models import User
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import save_versioned
from abrazo.core.submissions import AlreadySubmitted as AlreadySubmitted  # re-exported for views and tests
from abrazo.core.submissions import claim_submission, remember_submission
from abrazo.directory.models import Classroom, Language, Program
from abrazo.equity import rollup
from abrazo.incidents import birs
from abrazo.incidents import warnings as early_warning
from abrazo.incidents.models import (
    Child,
    Enrollment,
    EnrollmentEndReason,
    Exclusion,
    ExclusionKind,
    Gender,
    Incident,
    IncidentSource,
    RaceEthnicity,
)

CHILD_EDIT = "child.edit"
INCIDENT_RECORD = "incident.record"

MAX_DAYS_LOST = Decimal("999.9")


def _submission_owner(actor: User) -> str:
    return f"incidents:{actor.pk}"


def _require(actor: User, permission: str, obj: Any) -> None:
    if not access.can(actor, permission, obj):
        raise PermissionDenied(permission)


def _touched(*children: Child) -> None:
    """What every write that touches a child does last: the early warning looks at the child's records as
    this transaction leaves them, and the equity rollup is refreshed once the transaction commits."""
    seen: list[UUID] = []
    for child in children:
        if child.pk in seen:
            continue
        seen.append(child.pk)
        early_warning.evaluate_child(child)
    rollup.schedule_refresh(seen)


def _check_classroom(program: Program, classroom: Classroom | None, field_name: str = "classroom") -> None:
    if classroom is not None and classroom.program_id != program.pk:
        raise ValidationError({field_name: _("Choose a classroom of %(program)s.") % {"program": program.name}})


def _format_period(start: dt.date, end: dt.date | None) -> str:
    if end is None:
        return _("from %(start)s") % {"start": start.isoformat()}
    return _("%(start)s to %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}


def _enrolled_on(child: Child, day: dt.date) -> bool:
    return child.enrollments.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day).exists()


def _check_enrolled(child: Child, day: dt.date, field_name: str) -> None:
    """The day must fall in one of the child's enrolment periods: rates divide by enrolment, so an event
    outside every period would count a child who is not in any denominator."""
    if _enrolled_on(child, day):
        return
    periods = [_format_period(start, end) for start, end in child.enrollments.values_list("start_date", "end_date")]
    if periods:
        message = _("%(code)s was not enrolled on %(date)s (enrolled %(periods)s). Check the date, or add the "
                    "enrolment period on the child's page.") % {
            "code": child.code, "date": day.isoformat(), "periods": "; ".join(periods)}
    else:
        message = _("%(code)s has no enrolment period yet. Add one on the child's page first.") % {"code": child.code}
    raise ValidationError({field_name: ValidationError(message, code="not_enrolled")})


def _check_not_future(day: dt.date, field_name: str, message: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field_name: ValidationError(message, code="future")})


# --- Children ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildData:
    code: str
    classroom: Classroom | None = None
    date_of_birth: dt.date | None = None
    race_ethnicity: str = RaceEthnicity.NOT_REPORTED
    gender: str = Gender.NOT_REPORTED
    iep: bool = False
    dll: bool = False
    home_language: Language | None = None
    extra: dict[str, str] = field(default_factory=dict)


CHILD_FIELDS = ["code", "classroom", "date_of_birth", "race_ethnicity", "gender", "iep", "dll", "home_language",
                "extra"]


def _code_taken_error(code: str) -> ValidationError:
    return ValidationError({"code": ValidationError(
        _("Another child of this program already has the code %(code)s.") % {"code": code}, code="duplicate_code"
    )})


def _apply_child_data(child: Child, program: Program, data: ChildData) -> None:
    code = data.code.strip()
    if not code:
        raise ValidationError({"code": _("Give the code your program uses for the child.")})
    _check_classroom(program, data.classroom)
    if data.date_of_birth is not None:
        _check_not_future(data.date_of_birth, "date_of_birth", _("The date of birth cannot be in the future."))
    if data.race_ethnicity not in RaceEthnicity.values:
        raise ValidationError({"race_ethnicity": _("Choose one of the listed groups.")})
    if data.gender not in Gender.values:
        raise ValidationError({"gender": _("Choose one of the listed options.")})
    taken = Child.objects.filter(program=program, code__iexact=code)
    if child.pk is not None and not child._state.adding:
        taken = taken.exclude(pk=child.pk)
    if taken.exists():
        raise _code_taken_error(code)
    child.code, child.classroom, child.date_of_birth = code, data.classroom, data.date_of_birth
    child.race_ethnicity, child.gender, child.iep, child.dll = data.race_ethnicity, data.gender, data.iep, data.dll
    child.home_language = data.home_language
    child.extra = {str(key): str(value) for key, value in data.extra.items()}


@transaction.atomic
def child_create(
    *, actor: User, program: Program, data: ChildData, enrolled_from: dt.date | None = None,
    submission_key: UUID | None = None,
) -> Child:
    """Add a child to the program's roster and, when `enrolled_from` is given, open their first enrolment."""
    _require(actor, CHILD_EDIT, program)
    claim_submission(owner=_submission_owner(actor), key=submission_key, model=Child)
    child = Child(network_id=program.network_id, program=program)
    _apply_child_data(child, program, data)
    try:
        with transaction.atomic():
            child.save()
    except IntegrityError as exc:  # a concurrent create took the code between the check and the insert
        raise _code_taken_error(child.code) from exc
    audit.record_change(user=actor, obj=child, action=Action.CREATE)
    if enrolled_from is not None:
        _enrollment_create(actor=actor, child=child, start_date=enrolled_from, end_date=None,
                           classroom=data.classroom, field_name="enrolled_from")
    _touched(child)
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=child)
    return child


@transaction.atomic
def child_update(*, actor: User, child: Child, expected_version: int, data: ChildData) -> Child:
    """Save an edit made on `expected_version`; a stale version raises StaleEditError."""
    _require(actor, CHILD_EDIT, child)
    _apply_child_data(child, child.program, data)
    try:
        with transaction.atomic():
            save_versioned(child, expected_version=expected_version, update_fields=CHILD_FIELDS)
    except IntegrityError as exc:
        raise _code_taken_error(child.code) from exc
    audit.record_change(user=actor, obj=child, action=Action.UPDATE)
    _touched(child)
    return child


# --- Enrolment periods ---------------------------------------------------------------------------


def _check_no_overlap(child: Child, start: dt.date, end: dt.date | None, *, exclude_pk: UUID | None,
                      field_name: str) -> None:
    others = child.enrollments.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    overlapping = others.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    if end is not None:
        overlapping = overlapping.filter(start_date__lte=end)
    clash = overlapping.first()
    if clash is not None:
        raise ValidationError({field_name: ValidationError(
            _("This period overlaps the enrolment %(period)s.") % {
                "period": _format_period(clash.start_date, clash.end_date)},
            code="overlap",
        )})


def _check_incidents_still_covered(child: Child) -> None:
    """Shortening an enrolment must not leave recorded incidents outside every period."""
    day = OuterRef("occurred_on")
    covered = Enrollment.objects.filter(child_id=child.pk, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )
    stranded = child.incidents.exclude(Exists(covered)).order_by("occurred_on").first()
    if stranded is not None:
        raise ValidationError({"end_date": ValidationError(
            _("An incident on %(date)s would fall outside every enrolment period. Choose a later date.") % {
                "date": stranded.occurred_on.isoformat()},
            code="strands_incidents",
        )})


def _enrollment_create(
    *, actor: User, child: Child, start_date: dt.date, end_date: dt.date | None, classroom: Classroom | None,
    field_name: str = "start_date",
) -> Enrollment:
    _check_classroom(child.program, classroom)
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": _("An enrolment cannot end before it starts.")})
    _check_no_overlap(child, start_date, end_date, exclude_pk=None, field_name=field_name)
    enrollment = Enrollment.objects.create(
        network_id=child.network_id, program_id=child.program_id, child=child, classroom=classroom,
        start_date=start_date, end_date=end_date,
    )
    audit.record_change(user=actor, obj=enrollment, action=Action.CREATE)
    return enrollment


@transaction.atomic
def enrollment_add(
    *, actor: User, child: Child, start_date: dt.date, end_date: dt.date | None = None,
    classroom: Classroom | None = None,
) -> Enrollment:
    """Add an enrolment period (a child who comes back, or one who was missing from the roster)."""
    _require(actor, CHILD_EDIT, child)
    Child.objects.select_for_update().filter(pk=child.pk).first()  # one period change per child at a time
    enrollment = _enrollment_create(actor=actor, child=child, start_date=start_date, end_date=end_date,
                                    classroom=classroom if classroom is not None else child.classroom)
    _touched(child)
    return enrollment


@transaction.atomic
def enrollment_end(*, actor: User, enrollment: Enrollment, end_date: dt.date, reason: str) -> Enrollment:
    """End (or correct the end of) an enrolment period."""
    child = enrollment.child
    _require(actor, CHILD_EDIT, child)
    Child.objects.select_for_update().filter(pk=child.pk).first()
    if reason not in EnrollmentEndReason.values:
        raise ValidationError({"end_reason": _("Choose why the enrolment ended.")})
    if end_date < enrollment.start_date:
        raise ValidationError({"end_date": _("An enrolment cannot end before it starts (%(start)s).") % {
            "start": enrollment.start_date.isoformat()}})
    _check_no_overlap(child, enrollment.start_date, end_date, exclude_pk=enrollment.pk, field_name="end_date")
    enrollment.end_date, enrollment.end_reason = end_date, reason
    enrollment.save(update_fields=["end_date", "end_reason", "updated_at"])
    _check_incidents_still_covered(child)
    audit.record_change(user=actor, obj=enrollment, action=Action.UPDATE)
    _touched(child)
    return enrollment


# --- Incidents -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentData:
    child: Child
    occurred_on: dt.date
    problem_behavior: str
    activity: str
    others_involved: str
    possible_motivation: str
    strategy_response: str
    admin_follow_up: str
    occurred_at: dt.time | None = None
    classroom: Classroom | None = None  # None: the child's classroom
    notes: str = ""


INCIDENT_FIELDS = ["child", "classroom", "occurred_on", "occurred_at", *birs.FIELDS, "notes",
                   "is_iss", "is_oss", "is_dismissal"]

# One incident leads to at most one exclusion record: the most consequential of what it says, so that
# the days of care lost are counted once. Hard exclusions come first; a soft one named by the follow-up
# comes before an in-school suspension, which loses no day of care and stays visible on the incident.
_FOLLOW_UP_EXCLUSIONS: dict[str, tuple[str, Decimal]] = {
    birs.AdminFollowUp.DISMISSAL: (ExclusionKind.DISMISSAL, Decimal("0")),
    birs.AdminFollowUp.SENT_HOME_DAYS: (ExclusionKind.OSS, Decimal("1")),
    birs.AdminFollowUp.SENT_HOME_REST_OF_DAY: (ExclusionKind.OSS, Decimal("0.5")),
    birs.AdminFollowUp.REDUCE_HOURS: (ExclusionKind.REDUCED_HOURS, Decimal("0")),
    birs.AdminFollowUp.CONDITIONAL_ENROLLMENT: (ExclusionKind.CONDITIONAL_ENROLLMENT, Decimal("0")),
    birs.AdminFollowUp.TRANSFER: (ExclusionKind.TRANSFER, Decimal("0")),
}


def derived_exclusion(strategy_response: str, admin_follow_up: str) -> tuple[str, Decimal] | None:
    """The kind of exclusion an incident with this response and follow-up records, and its default days
    of care lost; None when it excludes nobody."""
    if admin_follow_up in _FOLLOW_UP_EXCLUSIONS:
        return _FOLLOW_UP_EXCLUSIONS[admin_follow_up]
    if birs.is_iss(strategy_response, admin_follow_up):
        return ExclusionKind.ISS, Decimal("0")
    return None


def _check_incident_data(program: Program, data: IncidentData) -> Classroom | None:
    child = data.child
    if child.program_id != program.pk:
        raise ValidationError({"child": _("Choose a child on the roster of %(program)s.") % {"program": program.name}})
    _check_not_future(data.occurred_on, "occurred_on", _("An incident cannot be recorded for a future date."))
    for name, choices in birs.FIELDS.items():
        if getattr(data, name) not in choices.values:
            raise ValidationError({name: _("Choose one of the options.")})
    classroom = data.classroom if data.classroom is not None else child.classroom
    _check_classroom(program, classroom)
    _check_enrolled(child, data.occurred_on, "occurred_on")
    return classroom


def _apply_incident_data(incident: Incident, data: IncidentData, classroom: Classroom | None) -> None:
    incident.child, incident.classroom = data.child, classroom
    incident.occurred_on, incident.occurred_at = data.occurred_on, data.occurred_at
    for name in birs.FIELDS:
        setattr(incident, name, getattr(data, name))
    incident.notes = data.notes.strip()
    incident.derive_outcomes()


def _sync_exclusion(*, actor: User, incident: Incident, previous: Incident | None) -> Exclusion | None:
    """Create, adjust or remove the exclusion the incident leads to, so the two never disagree.

    What a person typed on the exclusion (days lost, until when, notes) is kept unless it was still
    the value derived from the incident as it was before this edit.
    """
    wanted = derived_exclusion(incident.strategy_response, incident.admin_follow_up)
    existing = Exclusion.objects.select_for_update().filter(incident=incident).first()
    if wanted is None:
        if existing is not None:
            audit.record_change(user=actor, obj=existing, action=Action.DELETE)
            existing.delete()
        return None
    kind, default_days = wanted
    if existing is None:
        exclusion = Exclusion.objects.create(
            network_id=incident.network_id, program_id=incident.program_id, child=incident.child, incident=incident,
            kind=kind, starts_on=incident.occurred_on, days_lost=default_days, recorded_by=actor,
        )
        audit.record_change(user=actor, obj=exclusion, action=Action.CREATE)
        return exclusion
    old = derived_exclusion(previous.strategy_response, previous.admin_follow_up) if previous else None
    if old is None or existing.days_lost == old[1]:
        existing.days_lost = default_days
    if previous is None or existing.starts_on == previous.occurred_on:
        existing.starts_on = incident.occurred_on
    if existing.ends_on is not None and existing.ends_on < existing.starts_on:
        existing.ends_on = None
    existing.kind, existing.child = kind, incident.child
    existing.version += 1  # an open exclusion edit form is stale now
    existing.save(update_fields=["kind", "child", "days_lost", "starts_on", "ends_on", "version", "updated_at"])
    audit.record_change(user=actor, obj=existing, action=Action.UPDATE)
    return existing


@transaction.atomic
def incident_record(
    *, actor: User, program: Program, data: IncidentData, submission_key: UUID | None = None,
    source: str = IncidentSource.FORM, external_id: str = "",
) -> Incident:
    """Record one incident at the program, with the exclusion it leads to (if any)."""
    _require(actor, INCIDENT_RECORD, program)
    claim_submission(owner=_submission_owner(actor), key=submission_key, model=Incident)
    classroom = _check_incident_data(program, data)
    incident = Incident(network_id=program.network_id, program=program, recorded_by=actor, source=source,
                        external_id=external_id)
    _apply_incident_data(incident, data, classroom)
    incident.save()
    audit.record_change(user=actor, obj=incident, action=Action.CREATE)
    _sync_exclusion(actor=actor, incident=incident, previous=None)
    _touched(incident.child)
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=incident)
    return incident


@transaction.atomic
def incident_update(*, actor: User, incident: Incident, expected_version: int, data: IncidentData) -> Incident:
    """Correct an incident (made on `expected_version`; a stale version raises StaleEditError). A different
    child of the same program may be chosen: both children's records are re-evaluated."""
    _require(actor, INCIDENT_RECORD, incident)
    previous = Incident.objects.select_related("child").get(pk=incident.pk)
    program = incident.program
    classroom = _check_incident_data(program, data)
    _apply_incident_data(incident, data, classroom)
    save_versioned(incident, expected_version=expected_version, update_fields=INCIDENT_FIELDS)
    audit.record_change(user=actor, obj=incident, action=Action.UPDATE)
    _sync_exclusion(actor=actor, incident=incident, previous=previous)
    _touched(incident.child, previous.child)
    return incident


# --- Exclusions recorded on their own --------------------------------------------------------------


@dataclass(frozen=True)
class ExclusionData:
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    days_lost: Decimal = Decimal("0")
    notes: str = ""


EXCLUSION_FIELDS = ["kind", "starts_on", "ends_on", "days_lost", "notes"]


def _check_exclusion_data(child: Child, data: ExclusionData) -> None:
    if data.kind not in ExclusionKind.values:
        raise ValidationError({"kind": _("Choose the kind of exclusion.")})
    _check_not_future(data.starts_on, "starts_on", _("An exclusion cannot be recorded before it starts."))
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise ValidationError({"ends_on": _("An exclusion cannot end before it starts.")})
    if not Decimal("0") <= data.days_lost <= MAX_DAYS_LOST or data.days_lost != data.days_lost.quantize(Decimal("0.1")):
        raise ValidationError({"days_lost": _("Give the days lost as a number from 0 to 999.9, in half days or "
                                              "tenths.")})
    _check_enrolled(child, data.starts_on, "starts_on")


@transaction.atomic
def exclusion_record(
    *, actor: User, child: Child, data: ExclusionData, submission_key: UUID | None = None
) -> Exclusion:
    """Record an exclusion with no incident behind it (reduced hours are often decided this way)."""
    _require(actor, INCIDENT_RECORD, child)
    claim_submission(owner=_submission_owner(actor), key=submission_key, model=Exclusion)
    _check_exclusion_data(child, data)
    exclusion = Exclusion.objects.create(
        network_id=child.network_id, program_id=child.program_id, child=child, kind=data.kind,
        starts_on=data.starts_on, ends_on=data.ends_on, days_lost=data.days_lost, notes=data.notes.strip(),
        recorded_by=actor,
    )
    audit.record_change(user=actor, obj=exclusion, action=Action.CREATE)
    _touched(child)
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=exclusion)
    return exclusion


@transaction.atomic
def exclusion_update(
    *, actor: User, exclusion: Exclusion, expected_version: int, data: ExclusionData
) -> Exclusion:
    """Correct an exclusion. One that came from an incident keeps the incident's kind: change the
    incident's follow-up instead, so that the two always agree."""
    _require(actor, INCIDENT_RECORD, exclusion)
    if exclusion.incident_id is not None and data.kind != exclusion.kind:
        raise ValidationError({"kind": ValidationError(
            _("This exclusion follows its incident's response and follow-up. To change its kind, edit the "
              "incident."), code="kind_follows_incident")})
    _check_exclusion_data(exclusion.child, data)
    exclusion.kind, exclusion.starts_on, exclusion.ends_on = data.kind, data.starts_on, data.ends_on
    exclusion.days_lost, exclusion.notes = data.days_lost, data.notes.strip()
    save_versioned(exclusion, expected_version=expected_version, update_fields=EXCLUSION_FIELDS)
    audit.record_change(user=actor, obj=exclusion, action=Action.UPDATE)
    _touched(exclusion.child)
    return exclusion


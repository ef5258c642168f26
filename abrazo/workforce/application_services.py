"""Every write of the applications area: an application arriving from the public, its review, withdrawal and
enrolment of the accepted applicant as a participant of the cohort.

An application can come from anyone (the public form), so `application_submit` takes no actor; everything
after arrival is a reviewer's decision checked against accounts.access ("application.review"). Emails to the
applicant are tasks enqueued after the transaction commits, so a rolled-back change never sends mail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import save_versioned
from abrazo.core.ratelimit import rate_limit_hit
from abrazo.core.submissions import AlreadySubmitted
from abrazo.directory.models import County, Language, LicenseType, NetworkCounty
from abrazo.incidents.models import RaceEthnicity
from abrazo.workforce.models import (
    ApplicantGender,
    Application,
    ApplicationStatus,
    Cohort,
    CohortStatus,
    Participant,
    ParticipantStatus,
)

REVIEW = "application.review"

# The statuses a reviewer chooses between; withdrawal has its own action and "submitted" is where all start.
REVIEW_STATUSES = (
    ApplicationStatus.IN_REVIEW, ApplicationStatus.ACCEPTED, ApplicationStatus.WAITLISTED, ApplicationStatus.DECLINED,
)
# The statuses that are a decision the applicant is told about by email.
DECISIONS = (ApplicationStatus.ACCEPTED, ApplicationStatus.WAITLISTED, ApplicationStatus.DECLINED)


# --- Rate limiting of the public form ---------------------------------------------------------

# As for the public request form (intake): no account, so the client address is the only brake on a flood.
# A person applies once or twice; five complete applications an hour from one address is already generous.
SUBMISSIONS_PER_WINDOW = 5
RATE_WINDOW_SECONDS = 60 * 60


def application_rate_limit_hit(*, address: str | None, now: datetime | None = None) -> bool:
    """Count one submission from this address; True when it is over the limit for the current window."""
    return rate_limit_hit(bucket="workforce-apply", address=address, limit=SUBMISSIONS_PER_WINDOW,
                          window_seconds=RATE_WINDOW_SECONDS, now=now)


# --- An application arrives ---------------------------------------------------------------------


def cohort_is_open(cohort: Cohort, *, today: date | None = None) -> bool:
    """Taking applications: recruiting, and the closing date (if any) not yet past."""
    day = today or timezone.localdate()
    return cohort.status == CohortStatus.RECRUITING and (
        cohort.applications_close_on is None or cohort.applications_close_on >= day
    )


@dataclass(frozen=True)
class ApplicationData:
    given_name: str
    family_name: str
    email: str
    county: County
    motivation: str
    phone: str = ""
    current_role: str = ""
    employer: str = ""
    degree: str = ""
    license_type: str = LicenseType.NONE
    license_eligible: bool = False
    years_experience_early_childhood: int | None = None
    background: str = ""
    languages: Sequence[Language] = ()
    other_languages: str = ""
    # Demographics: every one optional; empty means not reported.
    race_ethnicity: str = ""
    gender: str = ""
    gender_self_described: str = ""
    lived_experience: str = ""


_TEXT_FIELDS = (
    "given_name", "family_name", "phone", "current_role", "employer", "degree", "background", "motivation",
    "other_languages", "gender_self_described", "lived_experience",
)


def _region_of(*, cohort: Cohort, county: County) -> Any:
    served = NetworkCounty.objects.filter(network_id=cohort.network_id, county=county).first()
    if served is None:
        raise ValidationError(
            {"county": ValidationError(
                _("%(county)s is not one of the counties this network serves.") % {"county": county},
                code="county_not_served",
            )}
        )
    return served.region_id


def _demographics(data: ApplicationData) -> tuple[str, str, str]:
    """Blank answers are stored as not reported; a self-description with no choice made is taken as one."""
    race = data.race_ethnicity if data.race_ethnicity in RaceEthnicity.values else RaceEthnicity.NOT_REPORTED
    described = data.gender_self_described.strip()
    gender = data.gender if data.gender in ApplicantGender.values else ""
    if not gender:
        gender = ApplicantGender.SELF_DESCRIBED if described else ApplicantGender.NOT_REPORTED
    if gender != ApplicantGender.SELF_DESCRIBED:
        described = ""  # a description left over from a changed answer would contradict the choice
    return race, gender, described


def _language_code(language: str) -> str:
    available = {code for code, _name in settings.LANGUAGES}
    code = (language or "").split("-")[0].lower()
    return code if code in available else settings.LANGUAGE_CODE


def _enqueue_after_commit(task: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: task.enqueue(**kwargs))


@transaction.atomic
def application_submit(
    *, cohort: Cohort, data: ApplicationData, language: str, submission_token: str = "",
    today: date | None = None,
) -> Application:
    """Record an application from the public and acknowledge it by email in the page's language.

    A second submit of the same form (same token) raises AlreadySubmitted naming the first application:
    the unique constraint on (cohort, submission_token) makes that true even for two submits at once.
    """
    from abrazo.workforce.application_tasks import send_application_acknowledgement

    if not cohort_is_open(cohort, today=today):
        raise ValidationError(_("This cohort is no longer taking applications."), code="cohort_closed")
    token = (submission_token or "").strip()[:64]
    if token:
        first = Application.objects.filter(cohort=cohort, submission_token=token).first()
        if first is not None:
            raise AlreadySubmitted(first)
    region_id = _region_of(cohort=cohort, county=data.county)
    race, gender, described = _demographics(data)
    application = Application(
        network_id=cohort.network_id, cohort=cohort, county=data.county, region_id=region_id,
        email=data.email.strip().lower(), preferred_language=_language_code(language),
        license_type=data.license_type if data.license_type in LicenseType.values else LicenseType.NONE,
        license_eligible=data.license_eligible,
        years_experience_early_childhood=data.years_experience_early_childhood,
        race_ethnicity=race, gender=gender, submission_token=token,
    )
    for name in _TEXT_FIELDS:
        setattr(application, name, str(getattr(data, name)).strip())
    application.gender_self_described = described
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin's insert fails alone
            application.save()
    except IntegrityError:
        first = Application.objects.filter(cohort=cohort, submission_token=token).first() if token else None
        if first is None:
            raise
        raise AlreadySubmitted(first) from None
    application.languages.set(data.languages)
    audit.record(
        user=None, action=Action.CREATE, object_type="workforce.application", object_id=str(application.pk),
        email=application.email,
    )
    _enqueue_after_commit(send_application_acknowledgement, application_id=str(application.pk))
    return application


# --- Review -----------------------------------------------------------------------------------------


def _refuse_if_withdrawn(application: Application) -> None:
    if application.status == ApplicationStatus.WITHDRAWN:
        raise ValidationError(_("This application was withdrawn; it can no longer be changed."), code="withdrawn")


def _enrolled(application: Application) -> bool:
    return Participant.objects.filter(application=application).exists()


@transaction.atomic
def application_review(
    *, actor: Any, application: Application, status: str, score: int | None, notes: str, expected_version: int,
) -> Application:
    """Save a reviewer's score, notes and decision. A new decision (accepted, waitlisted, not accepted) is
    emailed to the applicant once, in their language; saving the same decision again sends nothing."""
    from abrazo.workforce.application_tasks import send_application_decision

    access.require(actor, REVIEW, application)
    if status not in REVIEW_STATUSES:
        raise ValidationError(_("Choose a decision."), code="invalid_status")
    if score is not None and not 0 <= score <= 100:
        raise ValidationError(_("The score is a number from 0 to 100."), code="invalid_score")
    current = Application.objects.select_for_update().get(pk=application.pk)
    _refuse_if_withdrawn(current)
    if current.status == ApplicationStatus.ACCEPTED and status != ApplicationStatus.ACCEPTED and _enrolled(current):
        # The participant row stays when a participant withdraws (their attendance and history stay with it),
        # so an enrolled applicant's acceptance is final: withdrawal is how a place ends.
        raise ValidationError(
            _("This applicant has been enrolled in the cohort, so the decision stays “accepted”, even after they "
              "withdraw. To end their place, withdraw them from the cohort's participants instead."),
            code="enrolled",
        )
    decision_changed = status != current.status and status in DECISIONS
    current.status = status
    current.review_score = score
    current.review_notes = notes.strip()
    current.reviewed_by = actor
    if decision_changed:
        current.decided_at = timezone.now()
    elif status not in DECISIONS:
        current.decided_at = None
    save_versioned(
        current, expected_version=expected_version,
        update_fields=["status", "review_score", "review_notes", "reviewed_by", "decided_at"],
    )
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    if decision_changed:
        _enqueue_after_commit(send_application_decision, application_id=str(current.pk))
    return current


@transaction.atomic
def application_withdraw(*, actor: Any, application: Application, expected_version: int) -> Application:
    """Mark an application withdrawn at the applicant's request (applicants have no account to do it)."""
    access.require(actor, REVIEW, application)
    current = Application.objects.select_for_update().get(pk=application.pk)
    _refuse_if_withdrawn(current)
    if _enrolled(current):
        raise ValidationError(
            _("This applicant is already enrolled. Withdraw them from the cohort's participants instead."),
            code="enrolled",
        )
    current.status = ApplicationStatus.WITHDRAWN
    current.reviewed_by = actor
    current.decided_at = None
    save_versioned(current, expected_version=expected_version, update_fields=["status", "reviewed_by", "decided_at"])
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    return current


# --- Enrolment ----------------------------------------------------------------------------------------


class EnrolmentRefused(ValidationError):
    """The application cannot be enrolled (not accepted, cohort full or over); the message says why."""


def places_taken(cohort: Cohort) -> int:
    """Participants holding a place: everyone enrolled or completed (a withdrawal frees the place)."""
    return Participant.objects.filter(cohort=cohort).exclude(status=ParticipantStatus.WITHDRAWN).count()


def enrolment_problem(application: Application) -> str:
    """Why this application cannot be enrolled now, or "" when it can (for the page and the service)."""
    if application.status != ApplicationStatus.ACCEPTED:
        return _("Only an accepted application can be enrolled. Record the decision first.")
    cohort = application.cohort
    if cohort.status == CohortStatus.COMPLETED:
        return _("This cohort has finished; nobody can be enrolled in it any more.")
    if places_taken(cohort) >= cohort.capacity:
        return _(
            "The cohort is full: all %(capacity)s places are taken. Raise the number of places on the cohort, or "
            "waitlist this applicant."
        ) % {"capacity": cohort.capacity}
    return ""


@transaction.atomic
def application_enrol(*, actor: Any, application: Application) -> Participant:
    """Enrol the accepted applicant as a participant of the cohort, copying name, email, language and
    languages. Enrolling twice returns the same participant; a full cohort refuses with a plain message."""
    access.require(actor, REVIEW, application)
    # The cohort row is the lock: two reviewers enrolling the last place at once are served one at a time.
    cohort = Cohort.objects.select_for_update().get(pk=application.cohort_id)
    current = Application.objects.get(pk=application.pk)
    current.cohort = cohort
    existing = Participant.objects.filter(application=current).first()
    if existing is not None:
        return existing
    problem = enrolment_problem(current)
    if problem:
        raise EnrolmentRefused(problem, code="not_enrollable")
    same_person = Participant.objects.filter(cohort=cohort, email__iexact=current.email).first()
    if same_person is not None:
        if same_person.application_id is not None:
            raise EnrolmentRefused(
                _("%(email)s is already a participant of this cohort, through another application.")
                % {"email": current.email},
                code="duplicate_participant",
            )
        # Staff added this person to the cohort by hand before the application was enrolled: link the two.
        same_person.application = current
        save_versioned(same_person, expected_version=same_person.version, update_fields=["application"])
        audit.record_change(user=actor, obj=same_person, action=Action.UPDATE)
        return same_person
    participant = Participant.objects.create(
        network_id=current.network_id, cohort=cohort, application=current, full_name=current.full_name,
        email=current.email, preferred_language=current.preferred_language, status=ParticipantStatus.ENROLLED,
    )
    participant.languages.set(current.languages.all())
    audit.record_change(user=actor, obj=participant, action=Action.CREATE)
    return participant

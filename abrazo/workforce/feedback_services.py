"""Asking for feedback after a training session, a whole cohort or a group (issue 6, "feedback from the field").

Each person asked gets their own administration of the shipped training feedback survey (no episode, no
program: a FeedbackRequest says which cohort, session or group it is about) and a private survey link by email,
in their language, through the measures survey-link machinery (the link's hash, expiry, single use, the
encrypted token in the queue and the email itself are measures.links'). Answers come back through the public
survey page like any other survey link.

Who may ask: for a cohort, whoever runs it (`cohort.manage`); for a group, whoever runs the group
(`group.manage`: its facilitator, the region's coordinator, the network admin). Feedback after an episode needs
nothing here: the consultation satisfaction survey is one of the episode's measures, which the consultant
schedules in the measures app (usually as an "after" measure: closing the episode gives an undated one the closure
date, but creates none) and sends as a survey link from there.

A cohort's participants are asked once per session (or once for the whole cohort): asking again skips those
who answered or still hold an open link, and sends a fresh link to those whose link expired unanswered. A
group's attendees are given by email address only (no names are kept); an address that already holds an open
link for the group is not sent another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.consultations.models import Group
from abrazo.core.submissions import claim_submission, remember_submission
from abrazo.measures import links
from abrazo.measures.models import (
    Administration,
    AdministrationStatus,
    Instrument,
    Respondent,
    SurveyLink,
    Timepoint,
)
from abrazo.workforce.models import (
    AttendanceStatus,
    Cohort,
    CohortSession,
    FeedbackContext,
    FeedbackRequest,
    Participant,
    ParticipantStatus,
)

COHORT_MANAGE = "cohort.manage"
GROUP_MANAGE = "group.manage"
TRAINING_FEEDBACK_KEY = "abrazo_training_feedback"
SATISFACTION_KEY = "abrazo_satisfaction"
LANGUAGES = ("en", "es")
MAX_GROUP_EMAILS = 200  # a large training day; more than this is a mailing list, not a group


@dataclass
class SendReport:
    """What one request for feedback did, for the message the person sees."""

    sent: list[FeedbackRequest] = field(default_factory=list)  # new administrations, each with its link
    resent: int = 0  # a fresh link for an administration whose link expired unanswered
    answered: int = 0  # already answered: not asked again
    waiting: int = 0  # still holding an open link: not asked again

    @property
    def emailed(self) -> int:
        return len(self.sent) + self.resent


def training_feedback_instrument() -> Instrument:
    """The shipped training feedback survey (installed by the measures and workforce data migrations)."""
    return Instrument.objects.get(network__isnull=True, key=TRAINING_FEEDBACK_KEY)


def _owner(actor: Any) -> str:
    return f"workforce-feedback:{actor.pk}"


def _language(code: str | None) -> str:
    return code if code in LANGUAGES else "en"


def _check_days(days_valid: int) -> None:
    if not 1 <= days_valid <= links.MAX_DAYS_VALID:
        raise ValidationError(
            _("A link can stay valid from 1 to %(most)d days.") % {"most": links.MAX_DAYS_VALID}, code="days_valid",
        )


def _issue_link(*, actor: Any, administration: Administration, email: str, language: str,
                days_valid: int) -> links.IssuedLink:
    """A private survey link for a feedback administration, emailed after commit by measures.links.

    Not links.link_create: that checks "measure.record", which belongs to an episode's consultant. The caller
    here has checked cohort.manage or group.manage instead, on the cohort or group the administration is about.
    A link re-sent after one expired unanswered withdraws the expired one, as link_create does."""
    return links.link_issue(actor=actor, administration=administration, email=email, language=language,
                            days_valid=days_valid)


def _new_request(
    *, actor: Any, instrument: Instrument, network_id: UUID, context: str, language: str, due_on: dt.date,
    cohort: Cohort | None = None, session: CohortSession | None = None, group: Group | None = None,
    participant: Participant | None = None,
) -> FeedbackRequest:
    administration = Administration.objects.create(
        network_id=network_id, instrument=instrument, episode=None, program=None,
        respondent_role=Respondent.OTHER, timepoint=Timepoint.POST, due_on=due_on, language=language,
        entered_by=actor,
    )
    audit.record_change(user=actor, obj=administration, action=Action.CREATE)
    request = FeedbackRequest.objects.create(
        network_id=network_id, administration=administration, context=context, cohort=cohort, session=session,
        group=group, participant=participant,
    )
    audit.record_change(user=actor, obj=request, action=Action.CREATE)
    return request


# --- a cohort ------------------------------------------------------------------------------------------


def cohort_recipients(*, cohort: Cohort, session: CohortSession | None) -> list[Participant]:
    """Who is asked: the cohort's participants who have not withdrawn; after a session whose attendance is
    recorded, only those who came (present or for part of it)."""
    participants = Participant.objects.filter(cohort=cohort).exclude(status=ParticipantStatus.WITHDRAWN)
    if session is not None and session.attendance.exists():
        came = session.attendance.filter(status__in=[AttendanceStatus.PRESENT, AttendanceStatus.PARTIAL])
        participants = participants.filter(pk__in=came.values("participant_id"))
    return list(participants.order_by("full_name", "pk"))


def _open_link_ids(administration_ids: Sequence[UUID], now: dt.datetime) -> set[UUID]:
    """Administrations among these holding a link that can still be answered."""
    return set(
        SurveyLink.objects.filter(
            administration_id__in=administration_ids, used_at=None, revoked_at=None, expires_at__gt=now,
        ).values_list("administration_id", flat=True)
    )


@transaction.atomic
def feedback_send_cohort(
    *, actor: Any, cohort: Cohort, session: CohortSession | None = None, days_valid: int = links.DEFAULT_DAYS_VALID,
    submission_key: UUID | None = None,
) -> SendReport:
    """Ask the cohort's participants (module docstring) for feedback on one session, or on the whole cohort when
    `session` is None: one administration, one FeedbackRequest and one emailed link each."""
    access.require(actor, COHORT_MANAGE, cohort)
    if session is not None and session.cohort_id != cohort.pk:
        raise ValidationError(_("Choose a session of this cohort."), code="session")
    _check_days(days_valid)
    claim_submission(owner=_owner(actor), key=submission_key, model=FeedbackRequest)
    # Two people asking at once: the second waits here, then sees the first one's requests.
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
    instrument = training_feedback_instrument()
    recipients = cohort_recipients(cohort=cohort, session=session)
    previous: dict[UUID, list[FeedbackRequest]] = {}
    for request in (FeedbackRequest.objects.filter(cohort=cohort, session=session, context=FeedbackContext.TRAINING,
                                                   participant__in=recipients)
                    .select_related("administration").exclude(administration__status=AdministrationStatus.CANCELLED)):
        previous.setdefault(request.participant_id, []).append(request)  # type: ignore[arg-type]
    now = timezone.now()
    open_links = _open_link_ids([r.administration_id for found in previous.values() for r in found], now)
    report = SendReport()
    due_on = session.held_on if session is not None else cohort.ends_on
    for participant in recipients:
        asked = previous.get(participant.pk, [])
        if any(r.administration.status == AdministrationStatus.COMPLETED for r in asked):
            report.answered += 1
        elif any(r.administration_id in open_links for r in asked):
            report.waiting += 1
        elif asked:
            administration = asked[0].administration
            _issue_link(actor=actor, administration=administration, email=participant.email,
                        language=_language(participant.preferred_language), days_valid=days_valid)
            report.resent += 1
        else:
            request = _new_request(
                actor=actor, instrument=instrument, network_id=cohort.network_id, context=FeedbackContext.TRAINING,
                language=_language(participant.preferred_language), due_on=due_on, cohort=cohort, session=session,
                participant=participant,
            )
            _issue_link(actor=actor, administration=request.administration, email=participant.email,
                        language=request.administration.language, days_valid=days_valid)
            report.sent.append(request)
    if report.sent:
        remember_submission(owner=_owner(actor), key=submission_key, obj=report.sent[0])
    return report


# --- a group -------------------------------------------------------------------------------------------


def parse_emails(text: str) -> tuple[list[str], list[str]]:
    """Addresses from what staff pasted (one a line; commas and semicolons also separate), each once whatever
    its case, and the entries that are not addresses."""
    found: list[str] = []
    seen: set[str] = set()
    wrong: list[str] = []
    for entry in text.replace(",", "\n").replace(";", "\n").splitlines():
        email = entry.strip().strip("<>").strip()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError:
            wrong.append(email)
            continue
        if email.casefold() not in seen:
            seen.add(email.casefold())
            found.append(email)
    return found, wrong


@transaction.atomic
def feedback_send_group(
    *, actor: Any, group: Group, emails: Sequence[str], language: str, days_valid: int = links.DEFAULT_DAYS_VALID,
    submission_key: UUID | None = None,
) -> SendReport:
    """Ask the people at a group for feedback: one administration, FeedbackRequest and emailed link per address.
    Only the address is kept (on the link, to send it); an address already holding an open link for this group
    is not asked again."""
    access.require(actor, GROUP_MANAGE, group)
    _check_days(days_valid)
    if not emails:
        raise ValidationError(_("Enter at least one email address."), code="no_emails")
    if len(emails) > MAX_GROUP_EMAILS:
        raise ValidationError(
            _("Send to at most %(most)d addresses at a time.") % {"most": MAX_GROUP_EMAILS}, code="too_many",
        )
    for email in emails:
        validate_email(email)
    claim_submission(owner=_owner(actor), key=submission_key, model=FeedbackRequest)
    Group.objects.select_for_update().filter(pk=group.pk).first()
    instrument = training_feedback_instrument()
    now = timezone.now()
    waiting_for = Q()
    for email in emails:
        waiting_for |= Q(sent_to__iexact=email)
    holding = {
        address.casefold() for address in SurveyLink.objects.filter(
            waiting_for, administration__feedback_request__group=group, used_at=None, revoked_at=None,
            expires_at__gt=now, administration__status=AdministrationStatus.SCHEDULED,
        ).values_list("sent_to", flat=True)
    }
    report = SendReport()
    language = _language(language)
    for email in emails:
        if email.casefold() in holding:
            report.waiting += 1
            continue
        request = _new_request(
            actor=actor, instrument=instrument, network_id=group.network_id, context=FeedbackContext.GROUP,
            language=language, due_on=timezone.localdate(), group=group,
        )
        _issue_link(actor=actor, administration=request.administration, email=email, language=language,
                    days_valid=days_valid)
        report.sent.append(request)
    if report.sent:
        remember_submission(owner=_owner(actor), key=submission_key, obj=report.sent[0])
    return report

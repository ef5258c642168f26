"""Private survey links: a teacher (or any respondent) answers one administration without an account.

The link carries a random token; only its SHA-256 is stored, so a database dump, a replica or a backup
opens no survey. A link expires, works once, and is withdrawn when a new one is sent for the same
administration. Every open and every use is audited against the administration (with no user: the
respondent has no account). The email that carries the link goes through the task queue after the
transaction commits; the queued task holds the token encrypted with the field keys, never in clear.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action, Outcome
from abrazo.core import crypto
from abrazo.core.mail import deliver
from abrazo.core.ratelimit import rate_limit_hit
from abrazo.measures import administrations
from abrazo.measures.models import (
    Administration,
    AdministrationStatus,
    AnswerSource,
    SurveyLink,
)

RECORD = "measure.record"
DEFAULT_DAYS_VALID = 14
MAX_DAYS_VALID = 60
TOKEN_BYTES = 32  # 256 bits: guessing one is hopeless, so the rate limit below only damps floods
# token_urlsafe(32) is 43 characters; anything much longer is not ours and is refused before hashing.
MAX_TOKEN_LENGTH = 100
ADMINISTRATION_TYPE = "measures.administration"
LINK_TYPE = "measures.surveylink"

# Opens and submissions per client address per window. A teacher opening her link a few times, or a
# school sharing one address, stays far below it.
PUBLIC_HITS_PER_WINDOW = 60
RATE_WINDOW_SECONDS = 10 * 60


class LinkState(StrEnum):
    ACTIVE = "active"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


class LinkClosed(Exception):
    """The link exists but can no longer be answered; `state` says why, for a plain message."""

    def __init__(self, state: LinkState, link: SurveyLink) -> None:
        super().__init__(state.value)
        self.state = state
        self.link = link


@dataclass(frozen=True)
class IssuedLink:
    link: SurveyLink
    token: str  # only in memory, for the email and for tests; never stored

    @property
    def path(self) -> str:
        return survey_path(self.token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_path(token: str) -> str:
    return reverse("measures:survey", kwargs={"token": token})


def _site_url() -> str:
    return str(getattr(settings, "ABRAZO_SITE_URL", "")).rstrip("/")


def link_state(link: SurveyLink, *, now: datetime | None = None) -> LinkState:
    """Why a link can or cannot be answered. An answered administration closes its link as used (even when
    the answers came another way), a cancelled one as withdrawn."""
    status = link.administration.status
    if link.used_at is not None or status == AdministrationStatus.COMPLETED:
        return LinkState.USED
    if link.revoked_at is not None or status == AdministrationStatus.CANCELLED:
        return LinkState.REVOKED
    if link.expires_at <= (now or timezone.now()):
        return LinkState.EXPIRED
    return LinkState.ACTIVE


def consent_needed(administration: Administration) -> bool:
    """Whether the respondent is asked to agree before answering: the answers service's rule, so that
    the page asks exactly when the service will insist."""
    return administrations.needs_consent(administration)


def language_of_link(code: str) -> str:
    available = {language for language, _name in settings.LANGUAGES}
    return code if code in available else settings.LANGUAGE_CODE


# --- Staff side -----------------------------------------------------------------------------------


def administration_for_links(*, user: Any, administration_id: UUID) -> Administration:
    """The administration a person may send links for; 404 outside their scope (existence not revealed)."""
    administration = access.get_or_404(
        user, RECORD, Administration.objects.select_related("instrument", "program"), pk=administration_id,
    )
    audit.record_view(user=user, obj=administration)
    return administration


def links_of(*, administration: Administration) -> list[SurveyLink]:
    return list(administration.links.select_related("created_by").order_by("-created_at"))


def _revoke_open_links(*, actor: Any, administration: Administration, now: datetime) -> int:
    revoked = 0
    for previous in administration.links.filter(used_at=None, revoked_at=None):
        previous.revoked_at = now
        previous.save(update_fields=["revoked_at", "updated_at"])
        audit.record(user=actor, action=Action.UPDATE, object_type=LINK_TYPE, object_id=str(previous.pk))
        revoked += 1
    return revoked


@transaction.atomic
def link_create(
    *, actor: Any, administration: Administration, email: str, language: str, days_valid: int = DEFAULT_DAYS_VALID,
) -> IssuedLink:
    """Make a new link for the administration, withdraw any link still open for it, and email it (after
    commit) in the respondent's language. For the people who record the administration's measures."""
    access.require(actor, RECORD, administration)
    return link_issue(actor=actor, administration=administration, email=email, language=language,
                      days_valid=days_valid)


@transaction.atomic
def link_issue(
    *, actor: Any, administration: Administration, email: str, language: str, days_valid: int = DEFAULT_DAYS_VALID,
) -> IssuedLink:
    """What `link_create` does, without asking whether `actor` may: callers decide who may. `link_create`
    checks "measure.record" (an episode's consultant); workforce feedback checks who runs the cohort or the
    group the administration is about. Everything else (open and scheduled only, expiry range, withdrawing
    the open link, the audit, the email after commit) is the same for every caller."""
    # Locked so that two people sending a link at once leave exactly one open.
    administration = Administration.objects.select_for_update().select_related("instrument").get(
        pk=administration.pk
    )
    if administration.status != AdministrationStatus.SCHEDULED:
        raise ValidationError(
            _("This measure is no longer waiting for answers, so no survey link can be sent for it."),
            code="not_scheduled",
        )
    if administration.instrument.scores_only:
        raise ValidationError(
            _("This instrument records scores only: there are no questions to send to a respondent."),
            code="scores_only",
        )
    if not 1 <= days_valid <= MAX_DAYS_VALID:
        raise ValidationError(
            _("A link can stay valid from 1 to %(most)d days.") % {"most": MAX_DAYS_VALID}, code="days_valid",
        )
    now = timezone.now()
    _revoke_open_links(actor=actor, administration=administration, now=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = SurveyLink.objects.create(
        administration=administration, token_hash=hash_token(token), language=language_of_link(language),
        expires_at=now + timedelta(days=days_valid), sent_to=email.strip(), created_by=actor,
    )
    audit.record(user=actor, action=Action.CREATE, object_type=LINK_TYPE, object_id=str(link.pk))
    sealed = crypto.encrypt(token)
    transaction.on_commit(lambda: send_survey_link.enqueue(link_id=str(link.pk), sealed_token=sealed))
    return IssuedLink(link=link, token=token)


@transaction.atomic
def link_revoke(*, actor: Any, link: SurveyLink) -> SurveyLink:
    """Withdraw a link that has not been answered (a wrong address, a teacher who left)."""
    access.require(actor, RECORD, link.administration)
    link = SurveyLink.objects.select_for_update().select_related("administration").get(pk=link.pk)
    if link.used_at is None and link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at", "updated_at"])
        audit.record(user=actor, action=Action.UPDATE, object_type=LINK_TYPE, object_id=str(link.pk))
    return link


# --- The email ------------------------------------------------------------------------------------


# What a survey is about, for its wording. The values are workforce.FeedbackContext's: measures does not import
# workforce (which builds on measures), it only reads the FeedbackRequest that workforce hangs on an administration.
ABOUT_CONSULTATION = "episode"
ABOUT_TRAINING = "training"
ABOUT_GROUP = "group"
# The joins a respondent's page and email need, so that neither costs a query per field.
RESPONDENT_JOINS = (
    "administration__instrument", "administration__program", "administration__network",
    "administration__episode__consultant__user", "administration__feedback_request__cohort",
    "administration__feedback_request__session", "administration__feedback_request__group",
)


def survey_about(administration: Administration) -> str:
    """Training or group feedback when workforce asked for it through a FeedbackRequest; anything else is
    worded as consultation (the satisfaction survey at closure, a teacher's measure on an episode)."""
    request = getattr(administration, "feedback_request", None)  # no row: the reverse accessor raises, so None
    if request is not None and request.context in (ABOUT_TRAINING, ABOUT_GROUP):
        return str(request.context)
    return ABOUT_CONSULTATION


def respondent_context(link: SurveyLink) -> dict[str, Any]:
    """What a respondent may learn about the administration: the instrument, the program's name and the
    consultant's first name; for training or group feedback, the cohort's name and the session's title, or
    the group's name, which they took part in. Never the child, the episode, or anyone's full name."""
    administration = link.administration
    episode, program = administration.episode, administration.program
    full_name = episode.consultant.user.full_name.strip() if episode is not None else ""
    about = survey_about(administration)
    request = getattr(administration, "feedback_request", None) if about != ABOUT_CONSULTATION else None
    cohort = getattr(request, "cohort", None)
    session = getattr(request, "session", None)
    group = getattr(request, "group", None)
    return {
        "instrument_name": administration.instrument.name,
        "minutes": administration.instrument.minutes,
        "program_name": program.name if program is not None else "",
        "consultant_first_name": full_name.split(" ")[0] if full_name else "",
        "network_name": administration.network.name,
        "expires_at": link.expires_at,
        "about": about,
        "cohort_name": cohort.name if cohort is not None else "",
        "session_title": session.title if session is not None else "",
        "group_name": group.name if group is not None else "",
    }


def _link_with_context(link_id: str) -> SurveyLink | None:
    return SurveyLink.objects.select_related(*RESPONDENT_JOINS).filter(pk=link_id).first()


@task()
def send_survey_link(link_id: str, sealed_token: str) -> None:
    """Email the link to the respondent, in the link's language. A link withdrawn or answered before the
    queue reached it is not sent."""
    link = _link_with_context(link_id)
    if link is None or not link.sent_to or link_state(link) != LinkState.ACTIVE:
        return
    token = crypto.decrypt(sealed_token)
    with translation.override(link.language):
        context = {**respondent_context(link), "url": _site_url() + survey_path(token)}
        subject = render_to_string("measures/links/email/survey_link_subject.txt", context).strip()
        body = render_to_string("measures/links/email/survey_link_body.txt", context)
    network = link.administration.network
    reply_to = [network.contact_email] if getattr(network, "contact_email", "") else None
    deliver(EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, [link.sent_to], reply_to=reply_to,
        headers={"Content-Language": link.language},
    ))


# --- Public side (no account) ---------------------------------------------------------------------


def public_rate_limit_hit(*, address: str | None, now: datetime | None = None) -> bool:
    """Count one public survey request from this address; True when over the limit for the window."""
    return rate_limit_hit(bucket="measures-survey", address=address, limit=PUBLIC_HITS_PER_WINDOW,
                          window_seconds=RATE_WINDOW_SECONDS, now=now)


def _find(token: str, *, lock: bool = False) -> SurveyLink:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise Http404
    links = SurveyLink.objects.select_related(*RESPONDENT_JOINS)
    if lock:
        # Only the link row: the nullable joins cannot be locked on PostgreSQL.
        links = links.select_for_update(of=("self",))
    link = links.filter(token_hash=hash_token(token)).first()
    if link is None:
        raise Http404
    return link


def _audit_public(link: SurveyLink, action: str, outcome: str = Outcome.ALLOWED) -> None:
    audit.record(user=None, action=action, object_type=ADMINISTRATION_TYPE,
                 object_id=str(link.administration_id), outcome=outcome)


def link_open(*, token: str) -> SurveyLink:
    """The link behind a token, for showing the survey: Http404 for an unknown token, LinkClosed for one
    that is used, expired or withdrawn. Every open of a real link is audited."""
    link = _find(token)
    state = link_state(link)
    _audit_public(link, Action.VIEW, Outcome.ALLOWED if state == LinkState.ACTIVE else Outcome.DENIED)
    if state != LinkState.ACTIVE:
        raise LinkClosed(state, link)
    return link


def _use(*, token: str, record: Any) -> SurveyLink:
    """Lock the link, check it is still open, run `record(link)`, mark it used and audit; a closed link is
    audited as refused (outside the rolled-back transaction) and raises LinkClosed."""
    try:
        with transaction.atomic():
            # The row lock makes a second submission (a double tap, two tabs) wait, then see the link used.
            link = _find(token, lock=True)
            state = link_state(link)
            if state != LinkState.ACTIVE:
                raise LinkClosed(state, link)
            record(link)
            link.used_at = timezone.now()
            link.save(update_fields=["used_at", "updated_at"])
            _audit_public(link, Action.UPDATE)
    except LinkClosed as closed:
        _audit_public(closed.link, Action.UPDATE, Outcome.DENIED)
        raise
    return link


def link_use(*, token: str, answers: Mapping[str, Any], respondent_consent: bool | None) -> SurveyLink:
    """Record the respondent's answers through the administrations service and close the link. Raises
    the service's AnswersRejected (nothing saved, link still open) when an answer is not acceptable."""

    def record(link: SurveyLink) -> None:
        administrations.administration_record_answers(
            actor=None, administration=link.administration, answers=answers, language=link.language,
            source=AnswerSource.LINK, respondent_consent=respondent_consent,
        )

    return _use(token=token, record=record)


def link_decline(*, token: str) -> SurveyLink:
    """The respondent does not agree to answer: keep that on the administration and close the link, so
    the consultant sees the answer and nobody is asked again by the same link."""

    def record(link: SurveyLink) -> None:
        administration = link.administration
        administration.respondent_consent = False
        administration.save(update_fields=["respondent_consent", "updated_at"])

    return _use(token=token, record=record)

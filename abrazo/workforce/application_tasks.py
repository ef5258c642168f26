"""Emails to applicants, sent by the task queue after the change that causes them has committed.

Each message is written in the applicant's preferred language (the language of the page they applied
from). Tasks take the application's id (not the object), so a queued task reads the application as it is
when it runs: a decision changed back before the queue ran is not announced.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from abrazo.core.mail import deliver
from abrazo.workforce.models import Application, ApplicationStatus

TEMPLATES = "workforce/applications/email"
DECISION_TEMPLATES = {
    ApplicationStatus.ACCEPTED: "decision_accepted",
    ApplicationStatus.WAITLISTED: "decision_waitlisted",
    ApplicationStatus.DECLINED: "decision_declined",
}


def email_language(application: Application) -> str:
    """The applicant's language if the site speaks it, else the site's default."""
    available = {code for code, _name in settings.LANGUAGES}
    code = application.preferred_language or ""
    return code if code in available else settings.LANGUAGE_CODE


def _send(application: Application, template: str) -> None:
    language = email_language(application)
    with translation.override(language):
        cohort = application.cohort
        description = cohort.description_es if language == "es" and cohort.description_es else cohort.description_en
        context = {
            "application": application, "cohort": cohort, "network": cohort.network, "description": description,
        }
        subject = render_to_string(f"{TEMPLATES}/{template}_subject.txt", context).strip()
        body = render_to_string(f"{TEMPLATES}/{template}_body.txt", context)
    # Replies go to the network's own inbox, not to the no-reply sender.
    network = cohort.network
    reply_to = [network.contact_email] if network.contact_email else None
    deliver(EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, [application.email], reply_to=reply_to,
        headers={"Content-Language": language},
    ))


@task()
def send_application_acknowledgement(application_id: str) -> None:
    """Tell the applicant we have their application and what happens next."""
    application = Application.objects.select_related("cohort__network").filter(pk=application_id).first()
    if application is not None and application.status != ApplicationStatus.WITHDRAWN:
        _send(application, "acknowledgement")


@task()
def send_application_decision(application_id: str) -> None:
    """Tell the applicant the decision, once per decision.

    `decision_emailed_at` later than `decided_at` means this decision was already told (a task run twice,
    or a save that did not change the decision); the stamp is written in the same transaction as the send,
    so a failed send leaves it unset and a retry sends again.
    """
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",)).select_related("cohort__network")
            .filter(pk=application_id).first()
        )
        if application is None or application.status not in DECISION_TEMPLATES or application.decided_at is None:
            return
        if application.decision_emailed_at is not None and application.decision_emailed_at >= application.decided_at:
            return
        # A plain UPDATE, not a versioned save: the system noting a sent email must not make a reviewer's
        # open form stale.
        Application.objects.filter(pk=application.pk).update(decision_emailed_at=timezone.now())
        _send(application, DECISION_TEMPLATES[ApplicationStatus(application.status)])

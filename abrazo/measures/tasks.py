"""Emails about administrations, sent by the task queue after the transaction that caused them commits.

As in the consultations app, a task takes the record's id as a string and reloads it, so the message
describes what is in the database when it is sent, in the recipient's preferred language. The mail names
the instrument, the time point, the program and the due date, with a link; never answers, scores or a
child's code.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from abrazo.core.mail import deliver


def _site_url() -> str:
    return str(getattr(settings, "ABRAZO_SITE_URL", "")).rstrip("/")


@task()
def send_administration_reminder(administration_id: str) -> None:
    from abrazo.measures.models import Administration, AdministrationStatus

    administration = (
        Administration.objects.select_related("instrument", "episode__program", "episode__consultant__user")
        .filter(pk=administration_id, status=AdministrationStatus.SCHEDULED, episode__isnull=False)
        .first()
    )
    if administration is None:  # done, cancelled or gone by the time the queue ran
        return
    episode = administration.episode
    assert episode is not None  # filtered above
    user = episode.consultant.user
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "administration": administration, "episode": episode, "user": user,
            "instrument": administration.instrument.name, "timepoint": administration.get_timepoint_display(),
            "url": _site_url() + reverse("measures:administration-enter", args=[administration.pk]),
        }
        subject = render_to_string("measures/administrations/email/reminder_subject.txt", context).strip()
        body = render_to_string("measures/administrations/email/reminder_body.txt", context)
    deliver(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))

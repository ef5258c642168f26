"""Emails about episodes, sent by the task queue after the transaction that caused them commits.

Each task takes the record's id as a string (task arguments must be JSON) and reloads it, so a message
always describes what is in the database when it is sent. The message is written in the recipient's
preferred language. Mail never carries note text or a child's code: only what the episode is and a link.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from abrazo.core.mail import deliver


def _site_url() -> str:
    return str(getattr(settings, "ABRAZO_SITE_URL", "")).rstrip("/")


def _send(*, template: str, context: dict[str, object], to: str, language: str) -> None:
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"consultations/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"consultations/email/{template}_body.txt", context)
    deliver(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to]))


@task()
def send_assignment_email(episode_id: str) -> None:
    from abrazo.consultations.models import Episode

    episode = (
        Episode.objects.select_related("program", "program__county", "consultant__user", "language")
        .filter(pk=episode_id)
        .first()
    )
    if episode is None:  # removed before the queue reached it: nothing to announce
        return
    user = episode.consultant.user
    _send(
        template="assignment",
        context={"episode": episode, "user": user, "url": _site_url() + episode.get_absolute_url()},
        to=user.email,
        language=user.preferred_language,
    )


@task()
def send_followup_reminder(followup_id: str) -> None:
    from abrazo.consultations.models import FollowUp

    followup = (
        FollowUp.objects.select_related("episode__program", "episode__consultant__user")
        .filter(pk=followup_id, completed_at=None)
        .first()
    )
    if followup is None:  # already done (or gone) by the time the queue ran
        return
    user = followup.episode.consultant.user
    _send(
        template="followup_due",
        context={
            "followup": followup, "episode": followup.episode, "user": user,
            "url": _site_url() + followup.episode.get_absolute_url(),
        },
        to=user.email,
        language=user.preferred_language,
    )

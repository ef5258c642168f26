"""The email that carries a resource to a family member or a teacher, sent by the task queue after the share
has committed.

The task takes the share's id as a string (task arguments must be JSON) and reloads it, so the message describes
what is in the database when it is sent. Everything in it is written in the recipient's language; it links to
the resource's public page (no sign-in needed) and never names the child or the episode.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from abrazo.core.mail import deliver


def resource_link(path: str, language: str) -> str:
    """The absolute address of a public page, asking for it in the reader's language."""
    site = str(getattr(settings, "ABRAZO_SITE_URL", "")).rstrip("/")
    return f"{site}{path}?{urlencode({'lang': language})}"


def _language_name(code: str) -> str:
    """The language's name as it reads mid-sentence in the active language, from the reference table: Spanish
    writes language names in lower case ("solo en inglés"), English capitalises them."""
    from abrazo.directory.models import Language

    language = Language.objects.filter(code=code).first()
    if language is None:
        return code
    if (translation.get_language() or "").startswith("es"):
        return language.name_es.lower()
    return language.name_en


@task()
def send_resource_share(share_id: str) -> None:
    from abrazo.library.models import ResourceShare

    share = (ResourceShare.objects.select_related("resource", "sent_by", "episode__network")
             .filter(pk=share_id).first())
    if share is None:  # gone before the queue reached it: nothing to send
        return
    resource = share.resource
    with translation.override(share.language):
        context = {
            "share": share,
            "resource": resource,
            "sender": share.sent_by.full_name,
            "network": share.episode.network.name,
            # Only when the library has no version in the recipient's language: the language it is in.
            "other_language": _language_name(resource.language) if resource.language != share.language else "",
            "url": resource_link(resource.get_absolute_url(), share.language),
        }
        subject = render_to_string("library/plans/email/share_subject.txt", context)
        body = render_to_string("library/plans/email/share_body.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),  # one line: a title can never break the header
        body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[share.recipient_email],
        headers={"Content-Language": share.language},
    )
    deliver(message)

"""Background work of the library's curation: emails to the people who suggest resources, and the periodic link
and review-date check.

Emails are written in the language the person used the site in when they suggested the resource (English when
Abrazo does not speak it). Tasks take ids, not objects, so a queued task reads the resource as it is when sent.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from abrazo.core.mail import deliver
from abrazo.library.models import Resource
from abrazo.library.plan_tasks import resource_link

logger = logging.getLogger(__name__)


def email_language(resource: Resource) -> str:
    available = {code for code, _name in settings.LANGUAGES}
    return resource.suggester_language if resource.suggester_language in available else settings.LANGUAGE_CODE


def _site_address(path: str, language: str) -> str:
    """A public page as a full address that opens in the email's language; empty without SITE_URL, since a path
    alone is no link in an email (the system check abrazo.W001 warns a deployment that forgot it)."""
    if not str(getattr(settings, "ABRAZO_SITE_URL", "") or "").strip():
        return ""
    return resource_link(path, language)


def _send(resource: Resource, template: str, **context: Any) -> None:
    language = email_language(resource)
    with translation.override(language):
        context = {"resource": resource, "network": resource.network, **context}
        # One line whatever the title held: a line break in a subject would stop the email altogether.
        subject = " ".join(render_to_string(f"library/email/{template}_subject.txt", context).split())
        body = render_to_string(f"library/email/{template}_body.txt", context)
    # Replies go to the network's own inbox, not to the no-reply sender.
    reply_to = [resource.network.contact_email] if resource.network.contact_email else None
    deliver(EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, [resource.suggested_by_email], reply_to=reply_to,
        headers={"Content-Language": language},
    ))


def _suggestion(resource_id: str) -> Resource | None:
    resource = Resource.objects.select_related("network").filter(pk=resource_id).first()
    return resource if resource is not None and resource.suggested_by_email else None


@task()
def send_suggestion_received(resource_id: str) -> None:
    """Thank the person who suggested a resource and tell them what happens next."""
    resource = _suggestion(resource_id)
    if resource is not None:
        _send(resource, "suggestion_received",
              suggest_address=_site_address(reverse("library:suggest"), email_language(resource)))


@task()
def send_suggestion_published(resource_id: str) -> None:
    """Tell the person who suggested a resource that it is in the library now, with its address."""
    resource = _suggestion(resource_id)
    if resource is not None:
        _send(resource, "suggestion_published",
              address=_site_address(resource.get_absolute_url(), email_language(resource)))


@task()
def send_suggestion_declined(resource_id: str) -> None:
    """Tell the person who suggested a resource that the curators decided not to add it, and why."""
    resource = _suggestion(resource_id)
    if resource is not None:
        _send(resource, "suggestion_declined")


@task()
def check_resource_links() -> dict[str, int]:
    """Check every published resource's link; count those past their review date. Scheduled daily or weekly
    (docs: `abrazo check_resource_links`)."""
    from abrazo.library.resource_services import resource_links_check

    summary = resource_links_check()
    logger.info("resource links checked: %s", summary)
    return asdict(summary)

"""Emails to requesters, sent by the task queue after the change that causes them has committed.

Each message is written in the requester's preferred language when Abrazo speaks it, English otherwise.
Tasks take the request's id (not the object) so that a queued task reads the request as it is when sent.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from abrazo.core.mail import deliver
from abrazo.intake.models import Request


def email_language(request: Request) -> str:
    """The requester's preferred language if the site has it, else the site's default."""
    available = {code for code, _name in settings.LANGUAGES}
    code = request.preferred_language_id or ""
    return code if code in available else settings.LANGUAGE_CODE


def _send(request: Request, template: str, **context: object) -> None:
    language = email_language(request)
    with translation.override(language):
        context = {"request": request, "network": request.network, **context}
        subject = render_to_string(f"intake/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"intake/email/{template}_body.txt", context)
    # Replies go to the network's own inbox, not to the no-reply sender.
    reply_to = [request.network.contact_email] if request.network.contact_email else None
    deliver(EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, [request.requester_email], reply_to=reply_to,
        headers={"Content-Language": language},
    ))


def _request(request_id: str) -> Request | None:
    return Request.objects.select_related("network", "county").filter(pk=request_id).first()


@task()
def send_acknowledgement(request_id: str) -> None:
    """Tell the requester we have their request and its reference number."""
    request = _request(request_id)
    if request is not None:
        _send(request, "acknowledgement")


@task()
def send_information_request(request_id: str) -> None:
    """Send the coordinator's question to the requester."""
    request = _request(request_id)
    if request is not None and request.info_request_message:
        _send(request, "information_request")

"""Emails about the audit trail, sent by the task queue after the transaction that caused them commits.

An emergency ("break glass") access alerts every network administrator of the record's network. The message says
who opened which record and until when, with a link to its review; never the written reason (it may describe the
child, and email leaves Abrazo's protection), nor anything about the child. The reason is on the review page.
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
def notify_break_glass(grant_id: str) -> None:
    from abrazo.accounts.models import Role, User
    from abrazo.audit.break_glass_selectors import grant_rows
    from abrazo.audit.models import BreakGlassGrant

    grant = BreakGlassGrant.objects.select_related("user", "network").filter(pk=grant_id).first()
    if grant is None:
        return
    admins = User.objects.filter(
        is_active=True, memberships__network_id=grant.network_id, memberships__role=Role.NETWORK_ADMIN,
        memberships__is_active=True,
    ).distinct().order_by("email")
    url = _site_url() + reverse("audit:break-glass-detail", args=[grant.pk])
    for admin in admins:
        with translation.override(admin.preferred_language or settings.LANGUAGE_CODE):
            row = grant_rows([grant])[0]  # labels in the recipient's language
            context = {"grant": grant, "row": row, "admin": admin, "url": url}
            subject = render_to_string("audit/email/break_glass_subject.txt", context).strip()
            body = render_to_string("audit/email/break_glass_body.txt", context)
        # Through the outbox: a mail server that is down delays the alert, it does not lose it.
        deliver(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [admin.email]))

"""Background work for exports: writing a large file, telling its owner, and expiring old files.

Tasks take the export's id (not the object), so a queued task reads the export as it is when it runs.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from abrazo.core.mail import deliver
from abrazo.reports import export_service
from abrazo.reports.models import ExportFile, ExportStatus


def email_language(export: ExportFile) -> str:
    """The owner's preferred language if the site has it, else the site's default."""
    available = {code for code, _name in settings.LANGUAGES}
    code = export.owner.preferred_language or ""
    return code if code in available else settings.LANGUAGE_CODE


def send_ready_email(export: ExportFile) -> None:
    """Tell the owner their file is ready (or could not be made). The email holds a link to the exports
    centre, never the file or anything from it."""
    language = email_language(export)
    with translation.override(language):
        kind = export_service.KINDS.get(export.kind)
        context = {"export": export, "kind_label": kind.label if kind else export.kind,
                   "centre_url": f"{settings.ABRAZO_SITE_URL}{reverse('exports:centre')}",
                   "ready": export.status == ExportStatus.READY}
        subject = render_to_string("exports/email/ready_subject.txt", context).strip()
        body = render_to_string("exports/email/ready_body.txt", context)
    deliver(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [export.owner.email],
                         headers={"Content-Language": language}))


@task()
def build_export(export_id: str) -> None:
    """Write a queued export's file, then email its owner (a failure is told too, so nobody waits for a file that
    will not come). Idempotent: a second delivery of the task builds nothing and sends no second email, since
    export_build calls `notify` only in the run that moved the export to ready or failed."""
    export_service.export_build(export_id=export_id, notify=send_ready_email)


@task()
def expire_exports() -> int:
    """Delete the files of expired exports (also `abrazo expire_exports`, for cron)."""
    return export_service.expire_exports()

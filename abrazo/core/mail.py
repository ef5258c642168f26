"""Every email Abrazo sends goes through `deliver`, so that a mail server that is down never fails the action that
caused the email and never loses the message.

The tasks that write emails run on the task queue after the action has committed. When the mail server cannot be
reached (refused connection, timeout, an SMTP error) `deliver` keeps the message in the outbox (`OutgoingMail`,
encrypted like clinical notes) instead of raising: a raised error would only mark the task failed, and neither
task backend retries a failed task, so the email would be gone. The outbox is emptied by `flush_outbox` (also the
`abrazo flush_outbox` command, for cron): each message is tried again with a growing wait between attempts and
deleted from the outbox as soon as the server takes it, so it is delivered once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from abrazo.core.models import OutgoingMail

logger = logging.getLogger(__name__)

# The first retry after one minute, then twice as long each time up to an hour: a restarted mail server is
# noticed quickly, a long outage is not hammered. Twenty-four attempts cover about a day before giving up.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
MAX_ATTEMPTS = 24


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def _to_json(message: EmailMessage) -> str:
    return json.dumps(
        {
            "subject": message.subject,
            "body": message.body,
            "from_email": message.from_email,
            "to": list(message.to),
            "cc": list(message.cc),
            "bcc": list(message.bcc),
            "reply_to": list(message.reply_to),
            "headers": dict(message.extra_headers),
        }
    )


def _from_json(stored: str) -> EmailMessage:
    fields = json.loads(stored)
    return EmailMessage(
        fields["subject"],
        fields["body"],
        fields["from_email"],
        fields["to"],
        cc=fields["cc"],
        bcc=fields["bcc"],
        reply_to=fields["reply_to"],
        headers=fields["headers"],
    )


def _schedule_flush(when: datetime) -> None:
    """Ask the task queue to empty the outbox at `when`, if it can wait (the database queue can; the immediate
    queue of tests and development cannot, and there the command or the next flush does it)."""
    from abrazo.core.tasks import flush_outbox as flush_task

    if not flush_task.get_backend().supports_defer:
        return
    transaction.on_commit(lambda: flush_task.using(run_after=when).enqueue())


def deliver(message: EmailMessage) -> bool:
    """Send `message` now; when the mail server cannot take it, keep it in the outbox for a later attempt.

    True when it went out now. Only messages without attachments can wait (none of Abrazo's emails has one): a
    message with attachments that cannot be sent raises, as before.
    """
    try:
        message.send()
    except OSError as error:  # smtplib.SMTPException, ConnectionRefusedError and timeouts are all OSErrors
        if message.attachments:
            raise
        retry_at = timezone.now() + retry_delay(1)
        OutgoingMail.objects.create(
            message=_to_json(message), next_attempt_at=retry_at, last_error=type(error).__name__[:100]
        )
        # The class name only: an SMTP error's text can quote the recipient's address.
        logger.warning("mail server unavailable (%s): message kept in the outbox", type(error).__name__)
        _schedule_flush(retry_at)
        return False
    return True


@dataclass(frozen=True)
class FlushSummary:
    sent: int
    waiting: int
    given_up: int


def flush_outbox(*, now: datetime | None = None) -> FlushSummary:
    """Try again every message whose next attempt is due. Each is locked while it is tried (two workers never
    send the same message) and deleted in the same transaction once the server has taken it. The first failure
    stops the round: the server is still down, the others would fail the same way."""
    moment = now or timezone.now()
    sent = 0
    due = OutgoingMail.objects.filter(gave_up=False, next_attempt_at__lte=moment).values_list("pk", flat=True)
    connection = get_connection()
    for pk in list(due):
        with transaction.atomic():
            row = OutgoingMail.objects.select_for_update(skip_locked=True).filter(pk=pk, gave_up=False).first()
            if row is None:  # sent by another worker meanwhile
                continue
            message = _from_json(row.message)
            message.connection = connection
            try:
                message.send()
            except OSError as error:
                row.attempts += 1
                row.last_error = type(error).__name__[:100]
                row.gave_up = row.attempts >= MAX_ATTEMPTS
                row.next_attempt_at = moment + retry_delay(row.attempts)
                row.save(update_fields=["attempts", "last_error", "gave_up", "next_attempt_at"])
                if row.gave_up:
                    logger.error("outgoing mail %s given up after %s attempts", row.pk, row.attempts)
                else:
                    _schedule_flush(row.next_attempt_at)
                break
            row.delete()
            sent += 1
    waiting = OutgoingMail.objects.filter(gave_up=False).count()
    given_up = OutgoingMail.objects.filter(gave_up=True).count()
    if sent or waiting:
        logger.info("outbox flushed: %s sent, %s waiting", sent, waiting)
    return FlushSummary(sent=sent, waiting=waiting, given_up=given_up)

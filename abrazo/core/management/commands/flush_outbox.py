"""Send the emails that waited in the outbox because the mail server was down (core/mail.py).

The database task queue retries on its own; this command is for cron or a systemd timer (every few minutes) and for
an operator who has just brought the mail server back. Running it twice sends nothing twice: a delivered message
leaves the outbox in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from abrazo.core import mail


class Command(BaseCommand):
    help = "Send the emails waiting in the outbox (those the mail server could not take earlier)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="Try every waiting message now, not only those whose next attempt is due.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            from abrazo.core.models import OutgoingMail

            OutgoingMail.objects.filter(gave_up=False).update(next_attempt_at=mail.timezone.now())
        summary = mail.flush_outbox()
        self.stdout.write(f"{summary.sent} sent, {summary.waiting} waiting, {summary.given_up} given up")

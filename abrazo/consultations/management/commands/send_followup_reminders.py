"""Queue a reminder for every follow-up now due. Run it daily from cron; running it twice sends nothing twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from abrazo.consultations.services import followup_reminders_send


class Command(BaseCommand):
    help = "Email consultants whose closed episodes have a follow-up due (each follow-up is reminded once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None,
                            help="Treat this day (YYYY-MM-DD) as today; for catching up after an outage.")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = followup_reminders_send(today=options["date"])
        self.stdout.write(f"{sent} follow-up reminder(s) queued")

"""Queue a reminder for every administration due within three days or overdue. Run it daily from cron;
running it twice sends nothing twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from abrazo.measures.administrations import administration_reminders_send


class Command(BaseCommand):
    help = ("Email consultants about measures due within three days or overdue (each administration is "
            "reminded once).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None,
                            help="Treat this day (YYYY-MM-DD) as today; for catching up after an outage.")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = administration_reminders_send(today=options["date"])
        self.stdout.write(f"{sent} measure reminder(s) queued")

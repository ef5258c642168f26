"""`abrazo load_instruments`: install or update the instruments Abrazo ships, after an upgrade.

The data migration installs them once; a later release may reword an item or add a band, and this command
brings every database up to date in place: rows keep their ids (administrations keep pointing at them), a
second run changes nothing, and a network's own instruments are never touched.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from abrazo.measures.models import Instrument, Item, Scale
from abrazo.measures.shipped import SHIPPED, install


class Command(BaseCommand):
    help = (
        "Create or update the instruments Abrazo ships (satisfaction survey, consultative stance "
        "self-reflection, program readiness check) in place. Safe to run again: unchanged instruments stay "
        "as they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only", action="append", metavar="KEY", choices=[definition["key"] for definition in SHIPPED],
            help="Install only this instrument (may be repeated).",
        )

    def handle(self, *args: Any, only: list[str] | None = None, **options: Any) -> None:
        definitions = [definition for definition in SHIPPED if not only or definition["key"] in only]
        with transaction.atomic():
            report = install(Instrument, Item, Scale, definitions)
        self.stdout.write(self.style.SUCCESS(f"Shipped instruments: {report.summary()}."))

"""`abrazo expire_exports`: delete the files of exports past their expiry date (run it daily, e.g. from cron).

Opening the exports centre or a download also expires a person's own old files; this catches the files
nobody comes back for.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from abrazo.reports import export_service


class Command(BaseCommand):
    help = "Delete the files of exports past their expiry date."

    def handle(self, *args: Any, **options: Any) -> None:
        expired = export_service.expire_exports()
        self.stdout.write(f"{expired} export file(s) expired.")

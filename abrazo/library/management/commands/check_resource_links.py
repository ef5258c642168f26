"""Check every published resource's link and count the resources past their review date.

By default the check is queued for the task workers (`abrazo db_worker`), so a cron job or systemd timer returns
at once; `--now` runs it here and prints what it found. Running it twice only checks twice: it never notifies
anyone, it records each link's state on the resource for the curators' list.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from abrazo.library.curation_tasks import check_resource_links
from abrazo.library.resource_services import resource_links_check


class Command(BaseCommand):
    help = "Check the links of published library resources (queued for the workers, or --now) and count reviews due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="Run the check here and now instead of queueing it.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["now"]:
            result = check_resource_links.enqueue()
            self.stdout.write(f"link check queued ({result.id})")
            return
        summary = resource_links_check()
        self.stdout.write(
            f"{summary.checked} link(s) checked, {summary.broken} broken ({summary.newly_broken} newly), "
            f"{summary.review_overdue} resource(s) past their review date"
        )

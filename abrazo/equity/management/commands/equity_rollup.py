"""`abrazo equity_rollup [--network slug]`: rebuild the ChildYear rollup the equity dashboard reads.

Run it every night (rows for a new school year appear for children whose enrolment has no end date)
and after a bulk load; writes made through the app refresh the children they touch on their own.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abrazo.directory.models import Network
from abrazo.equity.rollup import rebuild_network


class Command(BaseCommand):
    help = "Rebuild the per-child, per-school-year rollup of one network (--network slug) or of every network."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--network", help="The network's short name (slug); every network when left out.")

    def handle(self, *args: Any, **options: Any) -> None:
        networks = Network.objects.order_by("slug")
        if options["network"]:
            networks = networks.filter(slug=options["network"])
            if not networks.exists():
                raise CommandError(f"No network with the short name {options['network']!r}.")
        for network in networks:
            started = time.perf_counter()
            rows = rebuild_network(network.pk)
            self.stdout.write(f"{network.slug}: {rows:,} child-years in {time.perf_counter() - started:.1f} s")

"""Rebuild the resource search structures from every resource (after migrating a database that already has
resources, after a bulk load that bypassed the services, or to be sure). Safe to run at any time: it works in
one transaction, so searches see the old index until the new one is complete."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from abrazo.library import search


class Command(BaseCommand):
    help = "Rebuild the resource library's search index (SQLite FTS5 or PostgreSQL full-text) from every resource."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        indexed = search.reindex_all()
        self.stdout.write(f"{indexed} resource(s) indexed in {time.perf_counter() - started:.1f} s")

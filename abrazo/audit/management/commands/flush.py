"""Django's `flush`, which keeps the audit ledger's TRUNCATE trigger (migration 0004) outside test runs.

PostgreSQL's test runner empties every table with one TRUNCATE after each transactional test (TransactionTestCase
calls this command). The ledger's statement trigger would refuse that and fail every such test, so in the test
posture only, and only for the flush's own transaction, the trigger is switched off and back on: other sessions
never see the table without it (ALTER TABLE holds an exclusive lock until the transaction ends). Anywhere else
the flush stops at the ledger, which is what an accidental `abrazo flush` against a real database should do.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from abrazo.audit.models import AccessEvent

TRUNCATE_TRIGGER = "audit_accessevent_no_truncate"


def _has_truncate_trigger(connection: Any) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND tgname = %s",
            [AccessEvent._meta.db_table, TRUNCATE_TRIGGER],
        )
        return cursor.fetchone() is not None


def _locked(error: CommandError) -> bool:
    return "locked" in str(error.__cause__ or "")


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database", DEFAULT_DB_ALIAS)]
        if settings.TESTING and connection.vendor == "sqlite":
            self._flush_sqlite_when_free(**options)
            return
        if not (settings.TESTING and connection.vendor == "postgresql" and _has_truncate_trigger(connection)):
            super().handle(**options)
            return
        table = connection.ops.quote_name(AccessEvent._meta.db_table)
        trigger = connection.ops.quote_name(TRUNCATE_TRIGGER)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
            super().handle(**options)
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")

    def _flush_sqlite_when_free(self, **options: Any) -> None:
        """The browser tests share one in-memory SQLite database with the live server's threads. When a test ends,
        a request the browser sent last may still be running there and hold a table lock, and SQLite's shared
        cache answers "table is locked" at once instead of waiting. Wait for it (a few seconds at most) rather
        than leave the tables full for the next test."""
        deadline = time.monotonic() + 10
        while True:
            try:
                super().handle(**options)
                return
            except CommandError as error:
                if not _locked(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

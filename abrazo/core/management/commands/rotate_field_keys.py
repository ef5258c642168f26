"""Re-encrypt every encrypted field with the newest key of ABRAZO_FIELD_KEYS, so an old key can be retired.

Rotation: generate a key (`--generate`), put it first in ABRAZO_FIELD_KEYS keeping the old ones after
it, restart, run this command, then remove the old keys. Values already under the newest key are
skipped, so the command can be interrupted and run again.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, transaction
from django.db.models import F, TextField, Value
from django.db.models.functions import Cast

from abrazo.core import crypto

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields (consultation notes) with the newest key in ABRAZO_FIELD_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--generate", action="store_true", help="Print a new random key and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate"]:
            self.stdout.write(Fernet.generate_key().decode())
            return
        total = 0
        seen_columns: set[tuple[str, str]] = set()
        for model, attname in crypto.encrypted_fields():
            # A proxy model shares its concrete model's table: rotating it again would only re-read it.
            column = (model._meta.db_table, attname)
            if column in seen_columns:
                continue
            seen_columns.add(column)
            rotated = self._rotate(model, attname)
            total += rotated
            self.stdout.write(f"{model._meta.label}.{attname}: {rotated} value(s) re-encrypted")
        self.stdout.write(f"{total} value(s) re-encrypted in all")
        self._warn_about_queued_tasks()

    def _warn_about_queued_tasks(self) -> None:
        """Queued tasks carry one-time secrets sealed with the field keys (survey and certificate links) in
        their arguments, which this command does not rewrite: they must run before the old key goes."""
        try:
            from django_tasks.base import TaskResultStatus
            from django_tasks_db.models import DBTaskResult

            waiting = DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).count()
        except (ImportError, DatabaseError):  # no task table (another backend): nothing is waiting there
            return
        if waiting:
            self.stdout.write(
                f"{waiting} queued task(s) may hold values sealed with an older key: keep the old key until "
                "the task worker has run them."
            )

    def _rotate(self, model: Any, attname: str) -> int:
        # The raw token is read through a cast, which bypasses the field's decryption, and written back
        # as a plain text value, which bypasses its encryption: rotation never holds the plain text.
        # The base manager: a default manager that hides rows (archived, soft-deleted) would leave them
        # under the old key, unreadable once it is retired.
        raw = (
            model._base_manager.filter(**{f"{attname}__isnull": False})
            .exclude(**{attname: ""})
            .annotate(token=Cast(F(attname), output_field=TextField()))
        )
        done = 0
        last_pk = None
        while True:
            page = raw.order_by("pk")
            if last_pk is not None:
                page = page.filter(pk__gt=last_pk)
            rows = list(page.values_list("pk", "token")[:BATCH])
            if not rows:
                return done
            with transaction.atomic():
                for pk, token in rows:
                    if crypto.is_under_primary_key(token):
                        continue
                    model._base_manager.filter(pk=pk).update(
                        **{attname: Value(crypto.rotate_token(token), output_field=TextField())}
                    )
                    done += 1
            last_pk = rows[-1][0]

"""`abrazo restore FILE [--force]` and `abrazo restore --verify-only FILE`.

Restores the database and the uploaded files from a backup made by `abrazo backup`, after checking the
manifest's signature and every part's checksum. A database that holds any table is refused unless --force,
which drops everything in it first: a restore over live data must be a decision, not a slip.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abrazo.core import backup
from abrazo.core.management.commands.backup import report_verification


class Command(BaseCommand):
    help = "Restore the database and the uploaded files from an `abrazo backup` file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="Drop everything in a non-empty database before restoring."
        )
        parser.add_argument(
            "--verify-only",
            action="store_true",
            help="Change nothing: restore into a scratch database, check migrations and row counts, drop it.",
        )
        parser.add_argument(
            "--trust-unsigned",
            action="store_true",
            help="Accept a backup whose manifest is unsigned or signed with a key this installation does not hold.",
        )

    def handle(
        self, *args: Any, file: Path, force: bool, verify_only: bool, trust_unsigned: bool, **options: Any
    ) -> None:
        if verify_only:
            report_verification(self, file, trust_unsigned=trust_unsigned)
            return
        try:
            manifest = backup.restore_backup(file, force=force, trust_unsigned=trust_unsigned)
        except backup.BackupError as exc:
            raise CommandError(f"Restore stopped: {exc}") from exc
        self.stdout.write(
            f"Restored {file} (taken {manifest['created_at']}): {sum(manifest['row_counts'].values())} rows in "
            f"{len(manifest['row_counts'])} tables, {manifest['media_files']} uploaded files. Run "
            "`abrazo migrate` if this release has newer migrations than the backup."
        )

"""`abrazo backup [--output FILE] [--verify]`: the database and the uploaded files in one verified file.

See abrazo/core/backup.py for what a backup holds and docs/operator-guide.md ("Backup and restore") for
the schedule, the recovery objectives and how to test a restore.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abrazo.core import backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump or SQLite's online backup) and the uploaded files into one file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", "-o", type=Path, help="The file to write (default: var/backups/abrazo-<UTC time>.tar)."
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Then restore it into a scratch database, check migrations and row counts, drop the scratch database.",
        )

    def handle(self, *args: Any, output: Path | None, verify: bool, **options: Any) -> None:
        target = output or backup.default_backup_path()
        started = time.monotonic()
        try:
            manifest = backup.create_backup(target)
        except backup.BackupError as exc:
            raise CommandError(f"Backup failed: {exc}") from exc
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            f"Backup written to {target}: {manifest['vendor']}, {len(manifest['row_counts'])} tables, {rows} rows, "
            f"{manifest['media_files']} uploaded files, {target.stat().st_size} bytes, "
            f"{time.monotonic() - started:.1f} s"
        )
        if verify:
            report_verification(self, target)


def report_verification(command: BaseCommand, path: Path, *, trust_unsigned: bool = False) -> None:
    """Verify a backup and say so; any problem is a CommandError (exit status 1) listing them all."""
    started = time.monotonic()
    verification = backup.verify_backup(path, trust_unsigned=trust_unsigned)
    if not verification.ok:
        raise CommandError(
            f"Backup {path} FAILED verification:\n" + "\n".join(f"  - {problem}" for problem in verification.problems)
        )
    command.stdout.write(
        f"Backup {path} verified: restored into a scratch database, no unapplied migrations, row counts of "
        f"{verification.tables_checked} tables match the manifest, "
        f"{'checksums match (signature not required)' if trust_unsigned else 'the signature and checksums match'} "
        f"({time.monotonic() - started:.1f} s)"
    )

"""`abrazo import_directory --kind programs --network SLUG FILE [--dry-run] [--as EMAIL]`.

The same checks and the same all-or-nothing write as the import pages (abrazo/directory/imports.py), for
operators loading a network's directory from files. The import runs as a person of the network, so that
the audit ledger names someone and a coordinator's region limits apply: the one given with --as, or the
network's longest-standing active administrator.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from abrazo.accounts.models import Membership, Role, User
from abrazo.directory import imports
from abrazo.directory.models import Network

MAX_ERRORS_SHOWN = 200


class Command(BaseCommand):
    help = "Check and import programs, classrooms, staff or consultants from a CSV or XLSX file, all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV or XLSX file.")
        parser.add_argument("--kind", required=True, choices=[kind.value for kind in imports.DirectoryKind])
        parser.add_argument("--network", required=True, help="The network's short name (slug).")
        parser.add_argument("--as", dest="as_email", default="", help="Email of the person importing.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and write nothing.")

    def _actor(self, network: Network, email: str) -> User:
        if email:
            user = User.objects.filter(email__iexact=email.strip()).first()
            if user is None:
                raise CommandError(f"No account has the email {email}.")
            return user
        membership = (
            Membership.objects.filter(network=network, role=Role.NETWORK_ADMIN, is_active=True, user__is_active=True)
            .select_related("user").order_by("created_at").first()
        )
        if membership is None:
            raise CommandError("The network has no active administrator; name the importer with --as EMAIL.")
        return membership.user

    def handle(self, *args: Any, file: Path, kind: str, network: str, as_email: str, dry_run: bool,
               **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        found = Network.objects.filter(slug=network).first()
        if found is None:
            raise CommandError(f"No network has the short name {network!r}.")
        actor = self._actor(found, as_email)
        started = time.perf_counter()
        try:
            with file.open("rb") as handle:
                table = imports.read_upload(handle, filename=file.name)
        except imports.ImportFileError as problem:
            raise CommandError(problem.message) from problem
        try:
            preview = imports.import_table(
                actor=actor, network=found, kind=imports.DirectoryKind(kind), table=table, dry_run=dry_run
            )
        except PermissionDenied as exc:
            raise CommandError(f"{actor.email} may not import into {network}.") from exc
        elapsed = time.perf_counter() - started
        if not preview.is_clean:
            for error in preview.errors[:MAX_ERRORS_SHOWN]:
                self.stderr.write(f"line {error.line or 'header'}, {error.column}: {error.message} [{error.value}]")
            hidden = len(preview.errors) - MAX_ERRORS_SHOWN
            if hidden > 0:
                self.stderr.write(f"... and {hidden} more problems.")
            raise CommandError(f"{len(preview.errors)} problems in {preview.rows} rows; nothing was imported.")
        summary = preview.summary
        self.stdout.write(
            f"{preview.rows} rows checked as {actor.email} in {elapsed:.1f} s: {summary.new} created, "
            f"{summary.updated} updated, {summary.unchanged} unchanged"
            + (" (dry run: nothing was written)." if dry_run else ".")
        )

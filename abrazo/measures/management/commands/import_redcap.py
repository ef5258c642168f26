"""`abrazo import-redcap DICTIONARY.csv [--network SLUG]`: a REDCap data dictionary into instruments.

One instrument per form, every column of every field kept (see `measures.redcap_import`). On success it
prints the JSON summary `{"instruments": [{"form", "fields", "field_types"}], "warnings": [...]}` on
stdout. A dictionary with any error imports nothing: every error (line, column, value, message) goes to
stderr and the command exits with status 2. `--dry-run` checks the file and prints the same summary
without writing anything.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abrazo.directory.models import Network
from abrazo.measures import redcap
from abrazo.measures.redcap_import import DictionaryRejected, check, import_dictionary

INPUT_ERROR = 2  # the exit status for a dictionary that cannot be read or has errors


def problem_line(problem: redcap.Problem) -> str:
    """'line 7, column "Field Type", value "radi": Unknown field type; ...' (one line per problem)."""
    value = problem.as_dict()["value"]
    where = f"line {problem.line}"
    if problem.column:
        where += f", column {json.dumps(problem.column, ensure_ascii=False)}"
    if value:
        where += f", value {json.dumps(value, ensure_ascii=False)}"
    return f"{where}: {problem.message}"


class Command(BaseCommand):
    help = (
        "Import a REDCap data dictionary (CSV, either header style) as instruments, one per form. Prints a "
        "JSON summary; a dictionary with errors imports nothing, lists every error on stderr and exits with "
        "status 2. Importing the same dictionary again updates the instruments in place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dictionary", help="Path to the data dictionary CSV ('-' for stdin).")
        parser.add_argument(
            "--network", default="",
            help="The network's short name (slug); required when there is more than one network.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the dictionary; write nothing.")
        parser.add_argument(
            "--replace", action="store_true",
            help="Delete the items of an imported form that the dictionary no longer has (by default they are kept).",
        )
        parser.add_argument("--compact", action="store_true", help="Print the summary on one line.")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["dictionary"]
        dictionary = redcap.read_dictionary(self._read(source))
        # Before anything else, so that a bad file is reported the same way with or without a database.
        problems = check(dictionary)
        if problems:
            self._reject(source, problems)
        if not options["dry_run"]:
            network = self._network(options["network"])
            try:
                import_dictionary(actor=None, network=network, dictionary=dictionary, replace=options["replace"])
            except DictionaryRejected as rejected:  # checked above; kept for a dictionary changed in between
                self._reject(source, rejected.problems)
        elif options["network"]:
            self._network(options["network"])  # a dry run still says when the network is wrong
        indent = None if options["compact"] else 2
        self.stdout.write(json.dumps(redcap.summary(dictionary), ensure_ascii=False, indent=indent))

    def _read(self, source: str) -> bytes:
        try:
            return sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        except OSError as exc:
            raise CommandError(f"{source}: cannot read the file ({exc.strerror or exc})",
                               returncode=INPUT_ERROR) from exc

    def _reject(self, source: str, problems: list[redcap.Problem]) -> None:
        for problem in problems:
            self.stderr.write(f"{source}: {problem_line(problem)}")
        raise CommandError(
            f"{source}: {len(problems)} error(s); nothing was imported.", returncode=INPUT_ERROR,
        )

    def _network(self, slug: str) -> Network:
        if slug:
            network = Network.objects.filter(slug=slug).first()
            if network is None:
                known = ", ".join(Network.objects.order_by("slug").values_list("slug", flat=True)) or "none"
                raise CommandError(f"No network with the short name {slug!r} (known: {known}).")
            return network
        networks = list(Network.objects.order_by("slug")[:2])
        if len(networks) == 1:
            return networks[0]
        if not networks:
            raise CommandError("There is no network yet; create one before importing instruments.")
        known = ", ".join(Network.objects.order_by("slug").values_list("slug", flat=True))
        raise CommandError(f"There is more than one network; say which with --network ({known}).")

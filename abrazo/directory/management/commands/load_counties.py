"""`abrazo load_counties FILE.csv`: add another state's counties to the reference data."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from abrazo.directory.models import County
from abrazo.directory.reference import load_counties

REQUIRED_COLUMNS = ("fips", "state_code", "name")


class Command(BaseCommand):
    help = (
        "Insert or update counties from a CSV file with the columns fips, state_code, name "
        "(the format of abrazo/directory/data/counties_ca.csv). All rows load, or none do."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_file", type=Path, help="Path to the CSV file.")

    def handle(self, *args: Any, csv_file: Path, **options: Any) -> None:
        if not csv_file.is_file():
            raise CommandError(f"No such file: {csv_file}")
        self.check_shape(csv_file)
        try:
            with transaction.atomic():
                count = load_counties(County, csv_file)
        except ValueError as exc:
            raise CommandError(f"{csv_file}: {exc}") from exc
        states = sorted(
            {row[1].strip().upper() for row in _rows(csv_file)[1:] if len(row) > 1}
        )
        self.stdout.write(self.style.SUCCESS(f"Loaded {count} counties ({', '.join(states)}) from {csv_file}."))

    @staticmethod
    def check_shape(path: Path) -> None:
        """Refuse a file the loader would misread, with the line at fault, before anything is written."""
        rows = _rows(path)
        if not rows:
            raise CommandError(f"{path} is empty")
        header = [cell.strip() for cell in rows[0]]
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            expected = ", ".join(REQUIRED_COLUMNS)
            raise CommandError(f"{path}: missing column(s) {', '.join(missing)}; expected {expected}")
        if len(rows) == 1:
            raise CommandError(f"{path} has no counties")
        for line, row in enumerate(rows[1:], start=2):
            if len(row) != len(header):
                raise CommandError(f"{path}, line {line}: expected {len(header)} values, found {len(row)}")
            values = dict(zip(header, (cell.strip() for cell in row), strict=True))
            state = values["state_code"]
            if len(state) != 2 or not state.isalpha():
                raise CommandError(f"{path}, line {line}: state_code must be a two-letter code, not {state!r}")
            if not values["name"]:
                raise CommandError(f"{path}, line {line}: the county name is empty")


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]

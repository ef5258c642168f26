"""`abrazo match --input problem.json`: the matching engine on a file, answer as JSON on stdout."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abrazo.directory.reference import DATA_DIR, read_rows
from abrazo.matching.engine import solve_batch
from abrazo.matching.problem import ProblemError, parse_problem, render_result

INPUT_ERROR = 2  # the exit status for a file that cannot be read or is malformed


@cache
def _reference_names() -> tuple[dict[str, str], dict[str, str]]:
    """English names of languages and counties from the shipped reference files (no database needed)."""
    languages = {row["code"]: row["name_en"] for row in read_rows(DATA_DIR / "languages.csv")}
    counties = {
        row["fips"]: row["name"] for path in sorted(DATA_DIR.glob("counties_*.csv")) for row in read_rows(path)
    }
    return languages, counties


def english_name(kind: str, code: str) -> str:
    """'es' -> 'Spanish'; '06019' or 'Fresno' -> 'Fresno County'; anything unknown is shown as written."""
    languages, counties = _reference_names()
    if kind == "language":
        return languages.get(code, code)
    if kind == "county":
        if code in counties:
            return f"{counties[code]} County"
        known_name = code in counties.values()
        return f"{code} County" if known_name and not code.endswith("County") else code
    return code


class Command(BaseCommand):
    help = (
        "Assign requests to consultants: most urgent requests first, then most requests, then the "
        "lowest preference cost. Reads a JSON problem and prints the assignment as JSON "
        "(format: docs/matching.md). A malformed file exits with status 2 and names the bad entry."
    )
    requires_system_checks: list[str] = []  # a pure computation; no need to wait for the checks

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, help="Path to the problem JSON file ('-' for stdin).")
        parser.add_argument("--compact", action="store_true", help="Print the answer on one line.")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["input"]
        data = self._load(source)
        try:
            problem = parse_problem(data)
        except ProblemError as exc:
            raise CommandError(f"{source}: {exc}", returncode=INPUT_ERROR) from exc
        result = solve_batch(problem.requests, problem.consultants, problem.weights)
        answer = render_result(result, problem, english_name)
        self.stdout.write(json.dumps(answer, ensure_ascii=False, indent=None if options["compact"] else 2))

    def _load(self, source: str) -> Any:
        try:
            if source == "-":
                text = sys.stdin.read()
            else:
                text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{source}: cannot read the file ({exc})", returncode=INPUT_ERROR) from exc
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
                returncode=INPUT_ERROR,
            ) from exc

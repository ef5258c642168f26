"""Bulk import of a program's roster and of BIRS-style incident files: check everything, then write all or nothing.

A file goes through three steps. `read_upload` reads it (CSV or XLSX, through core.tabular and its size
and zip-bomb limits). `preview` checks every row against the database and returns every problem, each with
its spreadsheet line, column, value and a message in the person's language, or, when the file is clean,
what importing it would do (new, updated, unchanged). A clean file is then `stage`d: its rows are kept on
the server, encrypted, under a random token tied to the person, the program and the kind of file, for
IMPORT_TTL_SECONDS; the browser only ever holds the token. `import_confirm` checks the staged rows again
(the database may have changed meanwhile) and writes them in one transaction; the token is claimed inside
that transaction, so confirming twice imports once.

Natural keys make a re-import harmless: a child is (program, code) and an enrolment is (child, start
date); an incident is (program, incident id in the file). Rows that match what is stored change nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import re
import secrets
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO, Any
from uuid import UUID

from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core import crypto, tabular
from abrazo.core.imports import ImportExpired, ImportRejected, ImportResult, table_error_message
from abrazo.core.storable_text import refused_character, without_refused
from abrazo.directory.models import Classroom, Language, Program
from abrazo.equity import rollup
from abrazo.incidents import birs
from abrazo.incidents import warnings as early_warning
from abrazo.incidents.models import (
    Child,
    Enrollment,
    Exclusion,
    Gender,
    Incident,
    IncidentSource,
    RaceEthnicity,
)
from abrazo.incidents.services import derived_exclusion

PERMISSION = "incident.import"
IMPORT_TTL_SECONDS = 60 * 60
# Far below tabular's own ceiling: the staged rows live in one cache entry between preview and confirm.
MAX_IMPORT_ROWS = 20_000
MAX_EXTRA_VALUE_LENGTH = 60
MAX_NOTES_LENGTH = 2_000
MAX_SHOWN_VALUE = 80


class ImportKind(StrEnum):
    ROSTER = "roster"
    INCIDENTS = "incidents"


# --- the columns of each file --------------------------------------------------------------------------

ROSTER_REQUIRED = ("child_id", "race_ethnicity", "gender", "enrolled_from")
ROSTER_COLUMNS = (
    "child_id", "race_ethnicity", "gender", "date_of_birth", "iep", "dll", "home_language", "classroom",
    "enrolled_from", "enrolled_until",
)
ROSTER_EXAMPLE = ("K-0001", "hispanic_latino", "girl", "2021-03-14", "no", "yes", "es", "", "2024-08-26", "")
# Columns the roster reads itself; every other column is kept in Child.extra.
_ROSTER_OWN = frozenset((*ROSTER_COLUMNS, "code", "program"))

INCIDENT_REQUIRED = ("incident_id", "child_id", "date", "time", *birs.FIELDS)
INCIDENT_COLUMNS = (*INCIDENT_REQUIRED, "classroom", "notes")
INCIDENT_EXAMPLE = (
    "2024-0001", "K-0001", "2024-10-07", "10:30", "Physical aggression", "Circle/Large group activity", "Peers",
    "Obtain desired item", "Verbal reminder", "Contact family", "", "",
)


def template_rows(kind: ImportKind) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The header and one example row of the downloadable template for a kind of file."""
    if kind == ImportKind.ROSTER:
        return ROSTER_COLUMNS, ROSTER_EXAMPLE
    return INCIDENT_COLUMNS, INCIDENT_EXAMPLE


# --- results ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet line (0 for the file as a whole), the column, the value and why."""

    line: int
    column: str
    value: str
    message: str


@dataclass
class Summary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    exclusions: int = 0  # exclusions created from incidents' follow-ups (incident files only)

    def as_dict(self) -> dict[str, int]:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged, "exclusions": self.exclusions}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        return cls(**{name: int(data.get(name, 0)) for name in ("new", "updated", "unchanged", "exclusions")})


@dataclass
class Preview:
    kind: ImportKind
    rows: int
    errors: list[RowError]
    summary: Summary

    @property
    def is_clean(self) -> bool:
        return not self.errors


class ImportFileError(Exception):
    """The upload is not a table we can read (too big, a zip bomb, not CSV or XLSX, no header...)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- reading the upload --------------------------------------------------------------------------------



def _table_error_message(exc: tabular.TableError, max_bytes: int, max_rows: int = MAX_IMPORT_ROWS) -> str:
    """tabular's messages are English; say the same thing in the person's language."""
    return table_error_message(
        exc,
        too_large=_("The file is larger than %(size)s MB. Split it into smaller files.")
        % {"size": max_bytes // (1024 * 1024)},
        too_many_rows=_("The file has more than %(rows)s rows. Split it into smaller files.") % {"rows": max_rows},
    )


def read_upload(
    upload: IO[bytes], *, filename: str, max_bytes: int = tabular.MAX_UPLOAD_BYTES, max_rows: int = MAX_IMPORT_ROWS
) -> tabular.Table:
    """Read an upload; the directory import (whose files are not staged row by row) allows more rows."""
    try:
        return tabular.read_table(upload, filename=filename, max_bytes=max_bytes, max_rows=max_rows)
    except tabular.TableError as exc:
        raise ImportFileError(_table_error_message(exc, max_bytes, max_rows)) from exc


# --- parsing values ------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([ap])?\.?\s*(?:m\.?)?$", re.IGNORECASE)


# Memoised: a roster repeats the same few hundred dates and labels down a million lines.
@functools.lru_cache(maxsize=1 << 16)
def parse_date(text: str) -> dt.date | None:
    """ISO (2024-10-07) or US month/day/year (10/7/2024); None when it is neither or not a real date."""
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _US_DATE.match(text)
        if not match:
            return None
        month, day, year = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_time(text: str) -> dt.time | None:
    """24-hour (14:05, 14:05:00) or 12-hour (2:05 PM, 2:05pm, 2:05 p.m.); None when it is neither."""
    match = _TIME.match(text.strip())
    if not match:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    meridiem = (match[4] or "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    try:
        return dt.time(hour, minute, second)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str:
    return birs.normalise_label(text).replace("-", " ")


def _choice_table(choices: type[models.TextChoices], synonyms: dict[str, Iterable[str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, label in zip(choices.values, choices.labels, strict=True):
        table[_fold(code)] = code
        table[_fold(code.replace("_", " "))] = code
        for language in ("en", "es"):
            with translation.override(language):
                table.setdefault(_fold(str(label)), code)
    for code, spellings in synonyms.items():
        for spelling in spellings:
            table.setdefault(_fold(spelling), code)
    return table


# The spellings rosters use in practice, in English and Spanish (accents and case are folded away).
_RACE_SYNONYMS: dict[str, Iterable[str]] = {
    RaceEthnicity.HISPANIC_LATINO: (
        "hispanic", "latino", "latina", "latinx", "latine", "hispanic or latino", "hispanic/latinx", "latino/a",
        "hispano", "hispana", "hispano o latino", "hispano/latino",
    ),
    RaceEthnicity.AMERICAN_INDIAN_ALASKA_NATIVE: (
        "american indian", "alaska native", "alaskan native", "native american", "american indian/alaska native",
        "american indian/alaskan native", "ai/an", "aian", "indigena", "nativo americano",
    ),
    RaceEthnicity.ASIAN: ("asian american", "asiatico", "asiatica"),
    RaceEthnicity.BLACK: (
        "black", "african american", "black/african american", "african-american", "afroamericano",
        "afroamericana", "negro", "negra",
    ),
    RaceEthnicity.NATIVE_HAWAIIAN_PACIFIC_ISLANDER: (
        "native hawaiian", "pacific islander", "native hawaiian/pacific islander",
        "native hawaiian or pacific islander", "nhpi", "nh/pi", "hawaiano", "isleno del pacifico",
    ),
    RaceEthnicity.WHITE: ("caucasian", "blanco", "blanca"),
    RaceEthnicity.TWO_OR_MORE: (
        "two or more", "two or more races", "2 or more races", "multiracial", "multi racial", "multiple races",
        "biracial", "mixed", "dos o mas razas", "multirracial",
    ),
    RaceEthnicity.NOT_REPORTED: (
        "unknown", "declined", "prefer not to say", "not reported", "not specified", "no reportado",
        "desconocido", "n/a",
    ),
}
_GENDER_SYNONYMS: dict[str, Iterable[str]] = {
    Gender.GIRL: ("f", "female", "g", "nina", "femenino", "mujer", "femenina"),
    Gender.BOY: ("m", "male", "b", "nino", "masculino", "hombre"),
    Gender.ANOTHER: ("x", "other", "nonbinary", "non binary", "otro", "otra", "no binario"),
    Gender.NOT_REPORTED: ("u", "unknown", "declined", "not reported", "desconocido", "no reportado"),
}
_TRUE = frozenset(("yes", "y", "true", "t", "1", "si", "x"))
_FALSE = frozenset(("no", "n", "false", "f", "0", ""))

_RACES: dict[str, str] = {}
_GENDERS: dict[str, str] = {}


def parse_race(text: str) -> str | None:
    if not _RACES:
        _RACES.update(_choice_table(RaceEthnicity, _RACE_SYNONYMS))
    return RaceEthnicity.NOT_REPORTED.value if not text.strip() else _RACES.get(_fold(text))


def parse_gender(text: str) -> str | None:
    if not _GENDERS:
        _GENDERS.update(_choice_table(Gender, _GENDER_SYNONYMS))
    return Gender.NOT_REPORTED.value if not text.strip() else _GENDERS.get(_fold(text))


def parse_yes_no(text: str) -> bool | None:
    folded = _fold(text)
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    return None


def _language_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, name_en, name_es in Language.objects.values_list("code", "name_en", "name_es"):
        table[_fold(code)] = code
        table.setdefault(_fold(name_en), code)
        table.setdefault(_fold(name_es), code)
    return table


def _unstorable_message(character: str) -> str:
    return _("This cell holds a control character (%(character)s) that cannot be stored; remove it.") % {
        "character": character}


def _shown(value: str) -> str:
    return value if len(value) <= MAX_SHOWN_VALUE else value[: MAX_SHOWN_VALUE - 1] + "…"


# --- the checks shared by both kinds of file -----------------------------------------------------------


class _Checker:
    """Collects errors for one file, and resolves the program of each row."""

    def __init__(self, *, user: Any, program: Program, table: tabular.Table) -> None:
        self.user = user
        self.program = program
        self.table = table
        self.errors: list[RowError] = []
        self.today = timezone.localdate()
        self._programs: dict[str, Program | None] | None = None

    def error(self, line: int, column: str, value: str, message: str) -> None:
        self.errors.append(RowError(line=line, column=column, value=_shown(value), message=message))

    def missing_columns(self, required: Sequence[str]) -> bool:
        missing = self.table.missing(required)
        if missing:
            self.error(
                0, ", ".join(missing), "",
                _("The file is missing these columns: %(columns)s. Download the template to see every column.")
                % {"columns": ", ".join(missing)},
            )
        return bool(missing)

    def unstorable(self, line: int, row: dict[str, str]) -> None:
        """A row error for each cell holding a character PostgreSQL refuses (NUL...), before any other check, so
        that it is a row error with its line and column on every database, never a database error at COPY."""
        for column, value in row.items():
            if value and (character := refused_character(value)):
                self.error(line, column, without_refused(value), _unstorable_message(character))

    def _program_table(self) -> dict[str, Program | None]:
        """Programs the importer may import into, by id and by license number (None: the number is shared)."""
        table: dict[str, Program | None] = {}
        programs = access.visible(self.user, PERMISSION, Program.objects.filter(network_id=self.program.network_id))
        for program in programs.select_related("network"):
            table[str(program.pk)] = program
            if program.license_number:
                key = _fold(program.license_number)
                table[key] = None if key in table else program
        return table

    def program_of(self, line: int, row: dict[str, str]) -> Program | None:
        """The program a row belongs to: the page's, or the one its `program` column names (id or license)."""
        raw = row.get("program", "").strip()
        if not raw:
            return self.program
        if self._programs is None:
            self._programs = self._program_table()
        key = _program_key(raw)
        if key not in self._programs:
            self.error(line, "program", raw, _("No program you may import into has this id or license number."))
            return None
        found = self._programs[key]
        if found is None:
            self.error(line, "program", raw, _("Several programs share this license number; use the program's id."))
        return found

    def programs_in_file(self) -> list[Program]:
        if "program" not in self.table.columns:
            return [self.program]
        if self._programs is None:
            self._programs = self._program_table()
        named = {row.get("program", "").strip() for row in self.table.rows}
        found = {self.program.pk: self.program} if "" in named else {}
        for raw in named - {""}:
            program = self._programs.get(_program_key(raw))
            if program is not None:
                found[program.pk] = program
        return list(found.values())

    def date(self, line: int, column: str, raw: str, *, required: bool, not_after_today: bool) -> dt.date | None:
        if not raw:
            if required:
                self.error(line, column, raw, _("A date is required here (YYYY-MM-DD or M/D/YYYY)."))
            return None
        value = parse_date(raw)
        if value is None:
            self.error(line, column, raw, _("This is not a date we can read; write it as YYYY-MM-DD or M/D/YYYY."))
            return None
        if not_after_today and value > self.today:
            self.error(line, column, raw, _("This date is in the future."))
            return None
        return value


@functools.lru_cache(maxsize=1 << 14)
def _program_key(text: str) -> str:
    """A program id in any spelling of a UUID, or a folded license number."""
    try:
        return str(UUID(text))
    except ValueError:
        return _fold(text)


def _children_named(programs: Iterable[Program], codes: Iterable[str]) -> models.QuerySet[Child]:
    """The stored children of these programs whose codes the file names, ignoring case, with their enrolments."""
    # A code PostgreSQL cannot store (NUL...) is a row error (_Checker.unstorable), and cannot be a query parameter.
    wanted = {code.strip().lower() for code in codes if not refused_character(code)} - {""}
    return (
        Child.objects.annotate(code_key=Lower("code"))
        .filter(program__in=list(programs), code_key__in=wanted)
        .prefetch_related("enrollments")
    )


def _classrooms(programs: Iterable[Program]) -> dict[tuple[UUID, str], Classroom]:
    return {
        (room.program_id, _fold(room.name)): room
        for room in Classroom.objects.filter(program__in=list(programs))
    }


# --- roster ----------------------------------------------------------------------------------------------

_CHILD_FIELDS = ("race_ethnicity", "gender", "date_of_birth", "iep", "dll", "home_language_id", "classroom_id", "extra")


@dataclass
class _RosterPlan:
    checker: _Checker
    rows: int = 0
    new_children: list[_NewChild] = field(default_factory=list)
    changed_children: dict[UUID, Child] = field(default_factory=dict)
    new_enrollments: list[_NewEnrollment] = field(default_factory=list)
    changed_enrollments: dict[UUID, Enrollment] = field(default_factory=dict)
    summary: Summary = field(default_factory=Summary)


def _roster_plan(*, user: Any, program: Program, table: tabular.Table, lock: bool = False) -> _RosterPlan:
    check = _Checker(user=user, program=program, table=table)
    plan = _RosterPlan(checker=check, rows=len(table.rows))
    code_column = "child_id" if "child_id" in table.columns or "code" not in table.columns else "code"
    required = tuple(code_column if name == "child_id" else name for name in ROSTER_REQUIRED)
    if check.missing_columns(required):
        return plan
    present = set(table.columns)
    extra_columns = [name for name in table.columns if name and name not in _ROSTER_OWN]

    programs = check.programs_in_file()
    classrooms = _classrooms(programs)
    languages = _language_table() if "home_language" in present else {}
    stored = _children_named(programs, (row.get(code_column, "") for row in table.rows))
    if lock:
        stored = stored.select_for_update()
    children: dict[tuple[UUID, str], Child] = {(child.program_id, child.code.lower()): child for child in stored}
    enrollments: dict[UUID, list[Enrollment]] = {
        child.pk: list(child.enrollments.all()) for child in children.values()
    }
    created: set[UUID] = set()
    first_line: dict[tuple[UUID, str], int] = {}
    first_values: dict[tuple[UUID, str], dict[str, Any]] = {}
    latest_start: dict[tuple[UUID, str], dt.date] = {}

    for line, row in table:
        errors_before = len(check.errors)
        check.unstorable(line, row)
        row_program = check.program_of(line, row)
        code = row.get(code_column, "").strip()
        if not code:
            check.error(line, code_column, code, _("The child's code is required."))
        elif len(code) > 40:
            check.error(line, code_column, code, _("A child's code has at most 40 characters."))
        values = _roster_values(check, line, row, present, classrooms, languages, row_program)
        extra_values = {}
        for name in extra_columns:
            value = row.get(name, "").strip()
            if len(value) > MAX_EXTRA_VALUE_LENGTH:
                check.error(line, name, value, _(
                    "Other roster columns hold short categories (at most %(limit)s characters), not free text."
                ) % {"limit": MAX_EXTRA_VALUE_LENGTH})
            extra_values[name] = value
        start = check.date(line, "enrolled_from", row.get("enrolled_from", ""), required=False, not_after_today=False)
        end = check.date(line, "enrolled_until", row.get("enrolled_until", ""), required=False, not_after_today=False)
        if start and end and end < start:
            check.error(line, "enrolled_until", row["enrolled_until"], _("The enrolment ends before it starts."))
        birth = values.get("date_of_birth")
        if birth and start and birth > start:
            check.error(line, "date_of_birth", row.get("date_of_birth", ""),
                        _("The child was born after the enrolment starts."))
        if len(check.errors) > errors_before or row_program is None:
            continue

        key = (row_program.pk, code.lower())  # codes are unique in a program whatever their case (services)
        # A child's classroom is that of their latest enrolment; it may differ between a child's lines.
        classroom_id = values.pop("classroom_id", None)
        details = {**values, "extra": extra_values}
        if key in first_line and details != first_values[key]:
            check.error(line, code_column, code, _(
                "This child is also on line %(line)s with different details; give a child the same details on "
                "every line."
            ) % {"line": first_line[key]})
            continue
        first_line.setdefault(key, line)
        first_values.setdefault(key, details)
        if "classroom" in present and (key not in latest_start or (start and start >= latest_start[key])):
            values["classroom_id"] = classroom_id
        if start and (key not in latest_start or start > latest_start[key]):
            latest_start[key] = start

        child: Any = children.get(key)  # a stored Child, or a _NewChild an earlier line of the file planned
        is_new = child is None
        details_changed = False
        if child is None:
            child = _NewChild(network_id=row_program.network_id, program_id=row_program.pk, code=code, **values)
            child.extra = {name: value for name, value in extra_values.items() if value}
            children[key] = child
            enrollments[child.pk] = []
            created.add(child.pk)
            plan.new_children.append(child)
        elif child.pk in created:
            child.classroom_id = values.get("classroom_id", child.classroom_id)
        elif _apply_child_values(child, values, extra_values):
            plan.changed_children[child.pk] = child
            details_changed = True

        enrolment = "unchanged"
        if start is None:
            if not enrollments[child.pk]:
                check.error(line, "enrolled_from", "", _(
                    "This child has no enrolment yet: give the date they were enrolled from."
                ))
        else:
            enrolment = _plan_enrollment(
                check, line, row, plan, child, enrollments[child.pk], start=start, end=end,
                classroom_id=classroom_id, classroom_given="classroom" in present,
                until_given="enrolled_until" in present,
            )
        _count(plan.summary, "new" if is_new else "updated" if details_changed or enrolment != "unchanged"
               else "unchanged")
    return plan


def _count(summary: Summary, outcome: str) -> None:
    setattr(summary, outcome, getattr(summary, outcome) + 1)


def _roster_values(
    check: _Checker, line: int, row: dict[str, str], present: set[str],
    classrooms: dict[tuple[UUID, str], Classroom], languages: dict[str, str], program: Program | None,
) -> dict[str, Any]:
    """The child's demographics from one row, for the columns the file has (absent columns change nothing)."""
    values: dict[str, Any] = {}
    race = parse_race(row.get("race_ethnicity", ""))
    if race is None:
        check.error(line, "race_ethnicity", row["race_ethnicity"], _(
            "Unknown race/ethnicity. Use one of: Hispanic/Latino, American Indian or Alaska Native, Asian, Black or "
            "African American, Native Hawaiian or Other Pacific Islander, White, Two or more races, or leave it "
            "blank for not reported."
        ))
    values["race_ethnicity"] = race
    gender = parse_gender(row.get("gender", ""))
    if gender is None:
        check.error(line, "gender", row["gender"], _("Unknown gender. Use girl, boy, another, or leave it blank."))
    values["gender"] = gender
    if "date_of_birth" in present:
        values["date_of_birth"] = check.date(
            line, "date_of_birth", row.get("date_of_birth", ""), required=False, not_after_today=True
        )
    for name in ("iep", "dll"):
        if name in present:
            flag = parse_yes_no(row.get(name, ""))
            if flag is None:
                check.error(line, name, row[name], _("Write yes or no (or leave it blank for no)."))
            values[name] = bool(flag)
    if "home_language" in present:
        raw = row.get("home_language", "").strip()
        values["home_language_id"] = languages.get(_fold(raw)) if raw else None
        if raw and values["home_language_id"] is None:
            check.error(line, "home_language", raw, _(
                "Unknown language. Use its name in English or Spanish, or its two-letter code (en, es...)."
            ))
    if "classroom" in present:
        raw = row.get("classroom", "").strip()
        room = classrooms.get((program.pk, _fold(raw))) if raw and program else None
        if raw and program and room is None:
            check.error(line, "classroom", raw, _("The program has no classroom with this name."))
        values["classroom_id"] = room.pk if room else None
    return values


def _apply_child_values(child: Child, values: dict[str, Any], extra_values: dict[str, str]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(child, name) != value:
            setattr(child, name, value)
            changed = True
    extra = dict(child.extra or {})
    for name, value in extra_values.items():
        if value:
            extra[name] = value
        else:
            extra.pop(name, None)
    if extra != (child.extra or {}):
        child.extra = extra
        changed = True
    return changed


def _plan_enrollment(
    check: _Checker, line: int, row: dict[str, str], plan: _RosterPlan, child: Child | _NewChild,
    periods: list[Any],  # stored Enrollments and _NewEnrollments planned by earlier lines
    *, start: dt.date, end: dt.date | None, classroom_id: UUID | None, classroom_given: bool, until_given: bool,
) -> str:
    same = next((period for period in periods if period.start_date == start), None)
    if same is not None:
        changed = False
        if until_given and same.end_date != end:
            same.end_date, changed = end, True
        if classroom_given and same.classroom_id != classroom_id:
            same.classroom_id, changed = classroom_id, True
        if changed and not isinstance(same, _NewEnrollment):  # a new one is inserted with its final values
            plan.changed_enrollments[same.pk] = same
        return "updated" if changed else "unchanged"
    for period in periods:
        if start <= (period.end_date or dt.date.max) and (end or dt.date.max) >= period.start_date:
            check.error(line, "enrolled_from", row.get("enrolled_from", ""), _(
                "This enrolment overlaps the child's enrolment from %(start)s to %(end)s. Give the earlier one an end "
                "date first."
            ) % {"start": period.start_date.isoformat(),
                 "end": period.end_date.isoformat() if period.end_date else _("now")})
            return "unchanged"
    added = _NewEnrollment(
        network_id=child.network_id, program_id=child.program_id, child_id=child.pk, classroom_id=classroom_id,
        start_date=start, end_date=end,
    )
    periods.append(added)
    plan.new_enrollments.append(added)
    return "new"


class _NewChild:
    """A child the plan will insert: plain attributes, not a model instance (a million Child() took 20 s)."""

    __slots__ = (
        "classroom_id",
        "code",
        "date_of_birth",
        "dll",
        "extra",
        "gender",
        "home_language_id",
        "iep",
        "network_id",
        "pk",
        "program_id",
        "race_ethnicity",
    )

    def __init__(self, *, network_id: UUID, program_id: UUID, code: str, **values: Any) -> None:
        self.pk = uuid.uuid4()
        self.network_id, self.program_id, self.code = network_id, program_id, code
        self.classroom_id = values.get("classroom_id")
        self.date_of_birth = values.get("date_of_birth")
        self.race_ethnicity = values.get("race_ethnicity") or RaceEthnicity.NOT_REPORTED.value
        self.gender = values.get("gender") or Gender.NOT_REPORTED.value
        self.iep, self.dll = bool(values.get("iep")), bool(values.get("dll"))
        self.home_language_id = values.get("home_language_id")
        self.extra: dict[str, str] = {}


class _NewEnrollment:
    __slots__ = ("child_id", "classroom_id", "end_date", "network_id", "pk", "program_id", "start_date")

    def __init__(self, *, network_id: UUID, program_id: UUID, child_id: UUID, classroom_id: UUID | None,
                 start_date: dt.date, end_date: dt.date | None) -> None:
        self.pk = uuid.uuid4()
        self.network_id, self.program_id, self.child_id = network_id, program_id, child_id
        self.classroom_id, self.start_date, self.end_date = classroom_id, start_date, end_date


# The columns each insert writes, in order: every concrete column of the model (checked below, so that a field
# added to Child or Enrollment later fails here loudly instead of being left to a default COPY does not know).
_CHILD_COLUMNS = ("id", "created_at", "updated_at", "version", "network_id", "program_id", "code", "classroom_id",
                  "date_of_birth", "race_ethnicity", "gender", "iep", "dll", "home_language_id", "extra")
_ENROLLMENT_COLUMNS = ("id", "created_at", "updated_at", "network_id", "program_id", "child_id", "classroom_id",
                       "start_date", "end_date", "end_reason")
assert {f.column for f in Child._meta.concrete_fields} == set(_CHILD_COLUMNS)
assert {f.column for f in Enrollment._meta.concrete_fields} == set(_ENROLLMENT_COLUMNS)
COPY_FROM = 5_000  # fewer new rows than this go through bulk_create: COPY's set-up is not worth it


def _copy_text(value: Any) -> str:
    """A value in COPY's text format: backslash-N for NULL, t/f, ISO dates; backslash, tab, newlines escaped."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows into a table inside the current transaction, in blocks of about 1 MB of text.

    psycopg's copy.write_row dumps value by value; text built here and sent in blocks is several times faster,
    which is what lets the import keep up with a raw COPY of the same rows."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # fixed names from this module, no input
    buffer = io.StringIO()
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            buffer.write("\t".join([_copy_text(value) for value in row]))
            buffer.write("\n")
            if buffer.tell() >= 1 << 20:
                copy.write(buffer.getvalue().encode())
                buffer.seek(0)
                buffer.truncate()
        if buffer.tell():
            copy.write(buffer.getvalue().encode())


def _insert_new(plan: _RosterPlan, now: dt.datetime) -> None:
    children, periods = plan.new_children, plan.new_enrollments
    stamp = now.isoformat()
    if connection.vendor == "postgresql" and len(children) + len(periods) >= COPY_FROM:
        _copy_rows("incidents_child", _CHILD_COLUMNS, (
            (c.pk, stamp, stamp, 1, c.network_id, c.program_id, c.code, c.classroom_id, c.date_of_birth,
             c.race_ethnicity, c.gender, c.iep, c.dll, c.home_language_id, json.dumps(c.extra))
            for c in children
        ))
        _copy_rows("incidents_enrollment", _ENROLLMENT_COLUMNS, (
            (p.pk, stamp, stamp, p.network_id, p.program_id, p.child_id, p.classroom_id, p.start_date, p.end_date, "")
            for p in periods
        ))
        return
    Child.objects.bulk_create([
        Child(id=c.pk, network_id=c.network_id, program_id=c.program_id, code=c.code, classroom_id=c.classroom_id,
              date_of_birth=c.date_of_birth, race_ethnicity=c.race_ethnicity, gender=c.gender, iep=c.iep, dll=c.dll,
              home_language_id=c.home_language_id, extra=c.extra)
        for c in children
    ], batch_size=500)
    Enrollment.objects.bulk_create([
        Enrollment(id=p.pk, network_id=p.network_id, program_id=p.program_id, child_id=p.child_id,
                   classroom_id=p.classroom_id, start_date=p.start_date, end_date=p.end_date)
        for p in periods
    ], batch_size=500)


def _write_roster(plan: _RosterPlan) -> list[UUID]:
    now = timezone.now()
    changed = list(plan.changed_children.values())
    for child in changed:
        child.version += 1
        child.updated_at = now
    if changed:
        Child.objects.bulk_update(changed, [*_CHILD_FIELDS, "version", "updated_at"], batch_size=500)
    _insert_new(plan, now)
    periods = list(plan.changed_enrollments.values())
    for period in periods:
        period.updated_at = now
    if periods:
        Enrollment.objects.bulk_update(periods, ["end_date", "classroom_id", "updated_at"], batch_size=500)
    touched = {child.pk for child in plan.new_children} | set(plan.changed_children)
    touched |= {period.child_id for period in plan.new_enrollments} | {period.child_id for period in periods}
    return sorted(touched, key=str)


# --- incidents ------------------------------------------------------------------------------------------

_INCIDENT_FIELDS = (
    "child_id", "classroom_id", "occurred_on", "occurred_at", *birs.FIELDS, "notes",
)


def exclusion_kind_for(incident: Incident) -> str | None:
    """The kind of Exclusion an incident records: the same rule as a single incident (services)."""
    wanted = derived_exclusion(incident.strategy_response, incident.admin_follow_up)
    return str(wanted[0]) if wanted else None


@dataclass
class _IncidentPlan:
    checker: _Checker
    rows: int = 0
    new_incidents: list[Incident] = field(default_factory=list)
    changed_incidents: list[Incident] = field(default_factory=list)
    previous: dict[UUID, dict[str, Any]] = field(default_factory=dict)  # a changed incident's values before
    summary: Summary = field(default_factory=Summary)


def _covering(periods: Iterable[Enrollment], day: dt.date) -> Enrollment | None:
    for period in periods:
        if period.start_date <= day and (period.end_date is None or day <= period.end_date):
            return period
    return None


def _incident_plan(*, user: Any, program: Program, table: tabular.Table, lock: bool = False) -> _IncidentPlan:
    check = _Checker(user=user, program=program, table=table)
    plan = _IncidentPlan(checker=check, rows=len(table.rows))
    if check.missing_columns(INCIDENT_REQUIRED):
        return plan
    present = set(table.columns)
    programs = check.programs_in_file()
    classrooms = _classrooms(programs)
    children = {
        (child.program_id, child.code.lower()): child
        for child in _children_named(programs, (row.get("child_id", "") for row in table.rows))
    }
    ids = {value for row in table.rows if not refused_character(value := row.get("incident_id", "").strip())} - {""}
    stored = Incident.objects.filter(program__in=programs, external_id__in=ids).select_related("exclusion")
    if lock:
        stored = stored.select_for_update(of=("self",))
    existing = {(incident.program_id, incident.external_id): incident for incident in stored}
    seen: dict[tuple[UUID, str], int] = {}

    for line, row in table:
        errors_before = len(check.errors)
        check.unstorable(line, row)
        row_program = check.program_of(line, row)
        external_id = row.get("incident_id", "").strip()
        if not external_id:
            check.error(line, "incident_id", external_id, _("The incident id is required."))
        elif len(external_id) > 64:
            check.error(line, "incident_id", external_id, _("An incident id has at most 64 characters."))
        elif row_program is not None:
            if (row_program.pk, external_id) in seen:
                check.error(line, "incident_id", external_id, _("This incident id is also on line %(line)s.") % {
                    "line": seen[(row_program.pk, external_id)]
                })
            seen.setdefault((row_program.pk, external_id), line)
        code = row.get("child_id", "").strip()
        child = children.get((row_program.pk, code.lower())) if row_program else None
        if not code:
            check.error(line, "child_id", code, _("The child's code is required."))
        elif row_program is not None and child is None:
            check.error(line, "child_id", code, _(
                "No child with this code is on the program's roster. Import the roster first."
            ))
        day = check.date(line, "date", row.get("date", ""), required=True, not_after_today=True)
        period = None
        if day and child:
            period = _covering(child.enrollments.all(), day)
            if period is None:
                check.error(line, "date", row["date"], _("The child was not enrolled in the program on this date."))
        raw_time = row.get("time", "").strip()
        at = parse_time(raw_time) if raw_time else None
        if raw_time and at is None:
            check.error(line, "time", raw_time, _("This is not a time we can read; write it as 14:05 or 2:05 PM."))
        options = {}
        for name in birs.FIELDS:
            raw = row.get(name, "").strip()
            options[name] = birs.parse_option(name, raw) if raw else None
            if not raw:
                check.error(line, name, raw, _("This BIRS field is required."))
            elif options[name] is None:
                check.error(line, name, raw, _(
                    "This is not one of the BIRS options for this field (use the BIRS wording, in English or "
                    "Spanish, or Abrazo's code)."
                ))
        classroom_id = None
        raw_room = row.get("classroom", "").strip()
        if raw_room and row_program:
            room = classrooms.get((row_program.pk, _fold(raw_room)))
            if room is None:
                check.error(line, "classroom", raw_room, _("The program has no classroom with this name."))
            classroom_id = room.pk if room else None
        notes = row.get("notes", "").strip()
        if len(notes) > MAX_NOTES_LENGTH:
            check.error(line, "notes", notes, _("Notes have at most %(limit)s characters.") % {
                "limit": MAX_NOTES_LENGTH
            })
        if len(check.errors) > errors_before or row_program is None or child is None or day is None:
            continue

        if classroom_id is None:  # not given: the classroom the child was in that day
            classroom_id = (period.classroom_id if period else None) or child.classroom_id
        values: dict[str, Any] = {
            "child_id": child.pk, "classroom_id": classroom_id, "occurred_on": day, "occurred_at": at, **options,
        }
        if "notes" in present:
            values["notes"] = notes
        incident = existing.get((row_program.pk, external_id))
        if incident is None:
            incident = Incident(
                network_id=row_program.network_id, program_id=row_program.pk, external_id=external_id,
                source=IncidentSource.IMPORT, recorded_by=user, **values,
            )
            incident.derive_outcomes()
            plan.new_incidents.append(incident)
            plan.summary.new += 1
            plan.summary.exclusions += exclusion_kind_for(incident) is not None
        elif any(getattr(incident, name) != value for name, value in values.items()):
            plan.previous[incident.pk] = {
                name: getattr(incident, name) for name in ("child_id", "occurred_on", *birs.FIELDS)
            }
            for name, value in values.items():
                setattr(incident, name, value)
            incident.derive_outcomes()
            plan.changed_incidents.append(incident)
            plan.summary.updated += 1
            had = getattr(incident, "exclusion", None) is not None
            plan.summary.exclusions += (not had) and exclusion_kind_for(incident) is not None
        else:
            plan.summary.unchanged += 1
    return plan


def _new_exclusion(incident: Incident, actor: Any) -> Exclusion | None:
    wanted = derived_exclusion(incident.strategy_response, incident.admin_follow_up)
    if wanted is None:
        return None
    kind, days_lost = wanted
    return Exclusion(
        network_id=incident.network_id, program_id=incident.program_id, child_id=incident.child_id,
        incident=incident, kind=kind, starts_on=incident.occurred_on, days_lost=days_lost, recorded_by=actor,
    )


def _write_incidents(plan: _IncidentPlan, actor: Any) -> tuple[list[UUID], list[UUID]]:
    """Write the plan; return the ids of the incidents written and of the children they concern.

    A corrected incident's exclusion follows it as services._sync_exclusion does for one incident: created,
    re-kinded or removed, keeping days lost someone typed unless they were still the derived default.
    """
    now = timezone.now()
    Incident.objects.bulk_create(plan.new_incidents, batch_size=500)
    exclusions = [made for incident in plan.new_incidents if (made := _new_exclusion(incident, actor))]
    changed_exclusions: list[Exclusion] = []
    dropped: list[UUID] = []
    for incident in plan.changed_incidents:
        incident.version += 1
        incident.updated_at = now
        wanted = derived_exclusion(incident.strategy_response, incident.admin_follow_up)
        current: Exclusion | None = getattr(incident, "exclusion", None)
        if current is None:
            made = _new_exclusion(incident, actor)
            if made is not None:
                exclusions.append(made)
            continue
        if wanted is None:
            dropped.append(current.pk)  # the file now says nothing exclusionary happened
            continue
        previous = plan.previous[incident.pk]
        old = derived_exclusion(previous["strategy_response"], previous["admin_follow_up"])
        if old is None or current.days_lost == old[1]:
            current.days_lost = wanted[1]
        if current.starts_on == previous["occurred_on"]:
            current.starts_on = incident.occurred_on
        if current.ends_on is not None and current.ends_on < current.starts_on:
            current.ends_on = None
        current.kind, current.child_id = wanted[0], incident.child_id
        current.version += 1
        current.updated_at = now
        changed_exclusions.append(current)
    if plan.changed_incidents:
        Incident.objects.bulk_update(
            plan.changed_incidents,
            [*_INCIDENT_FIELDS, "is_iss", "is_oss", "is_dismissal", "version", "updated_at"], batch_size=500,
        )
    if dropped:
        Exclusion.objects.filter(pk__in=dropped).delete()
    if changed_exclusions:
        Exclusion.objects.bulk_update(
            changed_exclusions, ["kind", "child_id", "days_lost", "starts_on", "ends_on", "version", "updated_at"],
            batch_size=500,
        )
    Exclusion.objects.bulk_create(exclusions, batch_size=500)
    written = [*plan.new_incidents, *plan.changed_incidents]
    children = {incident.child_id for incident in written}
    children |= {previous["child_id"] for previous in plan.previous.values()}
    return [incident.pk for incident in written], sorted(children, key=str)


# --- preview, staging, confirm --------------------------------------------------------------------------


def _plan(kind: ImportKind, *, user: Any, program: Program, table: tabular.Table, lock: bool = False) -> Any:
    planner = _roster_plan if kind == ImportKind.ROSTER else _incident_plan
    return planner(user=user, program=program, table=table, lock=lock)


def _as_preview(kind: ImportKind, plan: Any) -> Preview:
    errors = sorted(plan.checker.errors, key=lambda error: error.line)
    return Preview(kind=kind, rows=plan.rows, errors=errors, summary=plan.summary)


def preview(*, user: Any, program: Program, kind: ImportKind, table: tabular.Table) -> Preview:
    """Every problem in the file, or what importing it would do. Writes nothing."""
    access.require(user, PERMISSION, program)
    return _as_preview(kind, _plan(kind, user=user, program=program, table=table))


def _cache_key(token: str) -> str:
    return f"abrazo:import:rows:{token}"


def _done_key(token: str) -> str:
    return f"abrazo:import:done:{token}"


def _owner(user: Any, program: Program, kind: ImportKind) -> dict[str, str]:
    return {"user": str(user.pk), "program": str(program.pk), "kind": str(kind)}


def stage(*, user: Any, program: Program, kind: ImportKind, table: tabular.Table, summary: Summary) -> str:
    """Keep a checked file on the server until it is confirmed; return the token that names it.

    The rows are children's records, so the cache entry is encrypted like any other field holding them.
    """
    access.require(user, PERMISSION, program)
    token = secrets.token_urlsafe(24)
    payload = {
        **_owner(user, program, kind), "columns": table.columns, "rows": table.rows,
        "lines": table.line_numbers, "summary": summary.as_dict(),
    }
    packed = crypto.encrypt(zlib.compress(json.dumps(payload).encode()).hex())
    cache.set(_cache_key(token), packed, timeout=IMPORT_TTL_SECONDS)
    return token


@dataclass(frozen=True)
class Staged:
    table: tabular.Table
    summary: Summary


def load_staged(*, user: Any, program: Program, kind: ImportKind, token: str) -> Staged | None:
    """The staged file, if the token names one this person staged for this program and kind."""
    if not token or len(token) > 64:
        return None
    packed = cache.get(_cache_key(token))
    if not packed:
        return None
    try:
        payload = json.loads(zlib.decompress(bytes.fromhex(crypto.decrypt(packed))))
    except (crypto.FieldDecryptionError, ValueError, zlib.error):
        return None
    if any(payload.get(name) != value for name, value in _owner(user, program, kind).items()):
        return None
    table = tabular.Table(columns=payload["columns"], rows=payload["rows"], line_numbers=payload["lines"])
    return Staged(table=table, summary=Summary.from_dict(payload["summary"]))


def finished(*, user: Any, program: Program, kind: ImportKind, token: str) -> ImportResult | None:
    """What a confirmed import did, for its result page (and for a second click on Confirm)."""
    if not token or len(token) > 64:
        return None
    done = cache.get(_done_key(token))
    if not isinstance(done, dict) or done.get("owner") != _owner(user, program, kind):
        return None
    return ImportResult(kind=kind, summary=Summary.from_dict(done["summary"]), already_done=True)


def import_confirm(*, actor: Any, program: Program, kind: ImportKind, token: str) -> ImportResult:
    """Import a staged file, all or nothing. Raises ImportExpired or ImportRejected; a second confirm of the
    same token returns the first one's result and writes nothing."""
    access.require(actor, PERMISSION, program)
    previous = finished(user=actor, program=program, kind=kind, token=token)
    if previous is not None:
        return previous
    staged = load_staged(user=actor, program=program, kind=kind, token=token)
    if staged is None:
        raise ImportExpired
    with transaction.atomic():
        # The claim is a row of the database cache written in this transaction: a concurrent confirm waits
        # for it and then finds it taken; a failed import rolls it back so the person can try again.
        owner = _owner(actor, program, kind)
        if not cache.add(_done_key(token), {"owner": owner, "summary": {}}, timeout=IMPORT_TTL_SECONDS):
            return finished(user=actor, program=program, kind=kind, token=token) or ImportResult(
                kind=kind, summary=Summary(), already_done=True
            )
        plan = _plan(kind, user=actor, program=program, table=staged.table, lock=True)
        if plan.checker.errors:
            raise ImportRejected(_as_preview(kind, plan))
        _apply(kind, plan, actor=actor, program=program)
        cache.set(_done_key(token), {"owner": owner, "summary": plan.summary.as_dict()}, timeout=IMPORT_TTL_SECONDS)
        cache.delete(_cache_key(token))
    return ImportResult(kind=kind, summary=plan.summary)


def _apply(kind: ImportKind, plan: Any, *, actor: Any, program: Program) -> None:
    """Write a clean plan inside the caller's transaction: the rows, one audit line, then the follow-ups."""
    if kind == ImportKind.ROSTER:
        written = child_ids = _write_roster(plan)
        new_children = {child.pk for child in plan.new_children}
        object_type = "incidents.child"
    else:
        written, child_ids = _write_incidents(plan, actor)
        new_children = set()
        object_type = "incidents.incident"
    # One ledger line per import: the ids of the records created or changed (their count is the import's
    # size), never a value from the file. An operator's import larger than the pages allow names its first
    # MAX_IMPORT_ROWS records, so one audit row stays under a megabyte.
    audit.record(
        user=actor, action=Action.CREATE if plan.summary.new else Action.UPDATE, object_type=object_type,
        object_id=str(program.pk), object_ids=written[:MAX_IMPORT_ROWS],
    )
    if child_ids:
        _touched(child_ids, new_children=new_children)


def import_table(*, actor: Any, program: Program, kind: ImportKind, table: tabular.Table) -> ImportResult:
    """Check and import a table in one transaction, without staging it (operators' scripts and benchmarks).

    Any error rolls everything back and raises ImportRejected with every problem. The table may be larger
    than the pages allow; on PostgreSQL new rows go in through COPY."""
    access.require(actor, PERMISSION, program)
    with transaction.atomic():
        plan = _plan(kind, user=actor, program=program, table=table, lock=True)
        if plan.checker.errors:
            raise ImportRejected(_as_preview(kind, plan))
        _apply(kind, plan, actor=actor, program=program)
    return ImportResult(kind=kind, summary=plan.summary)


def _touched(child_ids: list[UUID], *, new_children: set[UUID] = frozenset()) -> None:  # type: ignore[assignment]
    """What services do after every write that touches a child, once for the whole import: each child's
    early warning is evaluated inside this transaction (so a warning commits with the incidents that raised
    it), and the equity rollup is refreshed once the transaction commits (schedule_refresh defers itself).

    A child this import adds has no incidents or exclusions yet, so no warning can be due: they are skipped
    (two queries each would be most of a million-row import's time)."""
    evaluated = [child_id for child_id in child_ids if child_id not in new_children]
    for start in range(0, len(evaluated), 500):
        for child in Child.objects.filter(pk__in=evaluated[start:start + 500]):
            early_warning.evaluate_child(child)
    rollup.schedule_refresh(child_ids)

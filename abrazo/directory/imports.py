"""Bulk import of a network's directory: programs, classrooms, staff and consultants, all or nothing.

The same three steps as the roster import (abrazo/incidents/imports.py), whose reader, error type and upload
forms this module reuses. `import_preview` reads a table and returns every problem (spreadsheet line, column,
value, a message in the person's language) or, for a clean file, what importing it would do. A checked file
is `import_stage`d: its bytes are kept on the server, compressed and encrypted, under a random token tied to
the person, the network and the kind of file; `import_confirm` reads the same bytes again, checks them again
(the database may have changed) and writes everything in one transaction. The token is claimed inside that
transaction, so a second click on Confirm imports nothing.

Natural keys make a re-import harmless (rows equal to what is stored are not written at all):

- a program is (network, license number): the only program field the database keeps unique in a network.
  License-exempt care has no number, so such programs are added and edited on their own page, not here;
- a classroom is (program, name), the database's own unique pair (names compared ignoring case);
- a staff member is (program, email): staff rows have no unique column, and an email address is the one
  thing a program knows for each person that does not change with a name or a position;
- a consultant is their account's email, unique across Abrazo (a profile is one-to-one with an account).

Classrooms and staff name their program by its license number, so a file from one system fits every program.
A coordinator imports only inside her region: a row whose program (or county, or region) is elsewhere is an
error on that row, and the file is refused as a whole like any other error.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
import secrets
import unicodedata
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import IO, Any
from uuid import UUID

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.accounts.models import Membership, Role, User
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core import crypto, tabular
from abrazo.core.imports import ImportExpired, ImportRejected, ImportResult
from abrazo.core.storable_text import refused_character, without_refused
from abrazo.directory.models import (
    AgeGroup,
    Agency,
    Auspice,
    Classroom,
    ConsultantProfile,
    County,
    Language,
    LicenseType,
    Network,
    NetworkCounty,
    Program,
    ProgramStaff,
    QualityRating,
    Region,
    SettingType,
    StaffPosition,
)
from abrazo.incidents import imports as roster_imports
from abrazo.incidents.imports import ImportFileError, RowError

PERMISSION = "directory.import"
IMPORT_TTL_SECONDS = 60 * 60
MAX_SHOWN_VALUE = 80
SAMPLE_ROWS = 20  # rows shown on the preview with what would happen to them
AUDIT_MAX_IDS = 1_000  # an import's ledger line names at most this many records; its counts name them all
BATCH = 1_000
# A state's whole program list fits (California licenses about 40,000 facilities); the file's bytes, not its
# rows, are kept between preview and confirm, so this is bounded by the upload size rather than the cache.
MAX_ROWS = 100_000

__all__ = [
    "PERMISSION", "DirectoryKind", "ImportFileError", "RowError", "import_confirm", "import_preview", "import_stage",
    "import_table", "read_upload", "template_rows",
]


class DirectoryKind(StrEnum):
    PROGRAMS = "programs"
    CLASSROOMS = "classrooms"
    STAFF = "staff"
    CONSULTANTS = "consultants"


# --- columns ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str  # the English header, as tabular.normalise_header spells it
    required: bool
    example: str
    aliases: tuple[str, ...] = ()  # other spellings people use, Spanish first (accents do not matter)


SPECS: dict[DirectoryKind, tuple[Column, ...]] = {
    DirectoryKind.PROGRAMS: (
        Column("license_number", True, "157800123", ("numero_de_licencia", "licencia", "license")),
        Column("name", True, "Sunrise Center", ("nombre", "program_name")),
        Column("setting_type", True, "center", ("tipo_de_programa", "tipo", "setting")),
        Column("auspice", True, "non_profit", ("auspicio",)),
        Column("address_line1", True, "100 Main St", ("direccion", "address", "street_address")),
        Column("address_line2", False, "", ("direccion_2",)),
        Column("city", True, "Fresno", ("ciudad",)),
        Column("postal_code", True, "93721", ("codigo_postal", "zip", "zip_code")),
        Column("county", True, "Fresno", ("condado", "county_fips", "fips")),
        Column("is_rural", False, "no", ("rural",)),
        Column("serves_infants", False, "yes", ("atiende_bebes", "bebes", "infants")),
        Column("serves_toddlers", False, "yes", ("atiende_ninos_pequenos", "ninos_pequenos", "toddlers")),
        Column("serves_preschoolers", False, "no", ("atiende_preescolares", "preescolares", "preschoolers")),
        Column("quality_rating", False, "tier_3", ("calificacion_de_calidad", "calidad")),
        Column("phone", False, "559-555-0100", ("telefono",)),
        Column("email", False, "office@example.org", ("correo_electronico", "correo")),
        Column("is_active", False, "yes", ("activo", "active")),
    ),
    DirectoryKind.CLASSROOMS: (
        Column("program", True, "157800123", ("programa", "license_number", "numero_de_licencia", "licencia")),
        Column("name", True, "Butterflies", ("nombre", "classroom", "salon", "aula")),
        Column("age_group", True, "toddler", ("grupo_de_edad", "edades")),
        Column("capacity", True, "12", ("capacidad",)),
        Column("is_active", False, "yes", ("activo", "active")),
    ),
    DirectoryKind.STAFF: (
        Column("program", True, "157800123", ("programa", "license_number", "numero_de_licencia", "licencia")),
        Column("email", True, "ana@example.org", ("correo_electronico", "correo")),
        Column("full_name", True, "Ana Ruiz", ("nombre_completo", "nombre", "name")),
        Column("position", True, "teacher", ("puesto", "cargo")),
        Column("phone", False, "", ("telefono",)),
        Column("is_active", False, "yes", ("activo", "active")),
    ),
    DirectoryKind.CONSULTANTS: (
        Column("email", True, "maria@example.org", ("correo_electronico", "correo")),
        Column("full_name", True, "María López", ("nombre_completo", "nombre", "name")),
        Column("region", True, "central", ("region_code",)),
        Column("agency", True, "Valley Family Services", ("agencia",)),
        Column("license_type", True, "lmft", ("tipo_de_licencia",)),
        Column("license_number", False, "LMFT 12345", ("numero_de_licencia", "licencia")),
        Column("license_eligible", False, "no", ("elegible_para_licencia",)),
        Column("degree", False, "MA", ("titulo",)),
        Column("endorsement_level", False, "", ("nivel_de_endoso", "endorsement")),
        Column("languages", False, "en; es", ("idiomas",)),
        Column("counties", False, "Fresno; 06039", ("condados",)),
        Column("fte", False, "1.0", ("tiempo_completo", "equivalente_tiempo_completo")),
        Column("caseload_capacity", False, "12", ("capacidad_de_casos", "caseload")),
        Column("is_active", False, "yes", ("activo", "active")),
    ),
}

_MODEL = {
    DirectoryKind.PROGRAMS: Program, DirectoryKind.CLASSROOMS: Classroom,
    DirectoryKind.STAFF: ProgramStaff, DirectoryKind.CONSULTANTS: ConsultantProfile,
}


def template_rows(kind: DirectoryKind) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The header and one example row of the downloadable template for a kind of file."""
    columns = SPECS[kind]
    return tuple(column.name for column in columns), tuple(column.example for column in columns)


# --- results ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleRow:
    line: int
    key: str
    outcome: str  # "new", "updated" or "unchanged"


@dataclass
class Summary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        return cls(**{name: int(data.get(name, 0)) for name in ("new", "updated", "unchanged")})


@dataclass
class Preview:
    kind: DirectoryKind
    rows: int
    errors: list[RowError]
    summary: Summary
    sample: list[SampleRow]

    @property
    def is_clean(self) -> bool:
        return not self.errors


# --- folding and parsing --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 14)  # a file repeats the same choices, counties and yes/no down every line
def fold(text: str) -> str:
    """'  Niños_Pequeños ' -> 'ninos pequenos': accents, case, underscores and repeated spaces do not count."""
    if text.isascii():  # most cells: nothing to decompose
        plain = text.casefold()
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(plain.replace("_", " ").replace("-", " ").split())


_TRUE = frozenset(("yes", "y", "true", "t", "1", "si", "s", "x"))
_FALSE = frozenset(("no", "n", "false", "f", "0"))


def _choice_table(
    choices: type[models.TextChoices], synonyms: dict[str, Iterable[str]] | None = None
) -> dict[str, str]:
    """Every spelling of a choice people write: the code, and the label in English and in Spanish."""
    table: dict[str, str] = {}
    for code, label in zip(choices.values, choices.labels, strict=True):
        table[fold(code)] = code
        for language in ("en", "es"):
            with translation.override(language):
                table.setdefault(fold(str(label)), code)
    for code, spellings in (synonyms or {}).items():
        for spelling in spellings:
            table.setdefault(fold(spelling), code)
    return table


_CHOICE_SYNONYMS: dict[type[models.TextChoices], dict[str, Iterable[str]]] = {
    SettingType: {
        SettingType.CENTER: ("center", "centre", "child care center", "centro"),
        SettingType.FCC_SMALL: ("small fcc", "small family child care", "fcch small"),
        SettingType.FCC_LARGE: ("large fcc", "large family child care", "fcch large"),
        SettingType.FFN: ("family friend and neighbor", "ffn care"),
        SettingType.HEAD_START: ("hs",),
        SettingType.EARLY_HEAD_START: ("ehs",),
    },
    Auspice: {
        Auspice.NON_PROFIT: ("nonprofit", "non-profit", "sin fines de lucro"), Auspice.FOR_PROFIT: ("forprofit",),
    },
    QualityRating: {
        QualityRating.NOT_PARTICIPATING: ("", "no", "not rated"),
        QualityRating.TIER_1: ("1",), QualityRating.TIER_2: ("2",), QualityRating.TIER_3: ("3",),
        QualityRating.TIER_4: ("4",), QualityRating.TIER_5: ("5",),
    },
    AgeGroup: {
        AgeGroup.INFANT: ("infant", "bebes", "infantes"), AgeGroup.TODDLER: ("toddlers", "ninos pequenos"),
        AgeGroup.PRESCHOOL: ("preschoolers", "preescolar", "preescolares"), AgeGroup.MIXED: ("mixed", "mixto"),
    },
    StaffPosition: {
        StaffPosition.DIRECTOR: ("director", "directora", "administrator"),
        StaffPosition.TEACHER: ("teacher", "maestra", "maestro"),
        StaffPosition.ASSISTANT_TEACHER: ("assistant", "asistente"),
        StaffPosition.FCC_PROVIDER: ("provider", "proveedora"),
    },
    LicenseType: {LicenseType.NONE: ("none", "unlicensed", "associate", "ninguna")},
}
_CHOICES: dict[type[models.TextChoices], dict[str, str]] = {}


def parse_choice(choices: type[models.TextChoices], text: str) -> str | None:
    if choices not in _CHOICES:
        _CHOICES[choices] = _choice_table(choices, _CHOICE_SYNONYMS.get(choices))
    return _CHOICES[choices].get(fold(text))


def parse_yes_no(text: str) -> bool | None:
    folded = fold(text)
    return True if folded in _TRUE else False if folded in _FALSE else None


_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
_SPLIT = re.compile(r"[;,|/]")


def _shown(value: str) -> str:
    return value if len(value) <= MAX_SHOWN_VALUE else value[: MAX_SHOWN_VALUE - 1] + "…"


def _max_length(model: type[models.Model], name: str) -> int:
    return int(model._meta.get_field(name).max_length or 0)  # type: ignore[union-attr]


# --- the checker shared by every kind ---------------------------------------------------------------------


class _Checker:
    """Errors of one file, and the lookups its rows are checked against (each read once, before the rows)."""

    def __init__(self, *, user: Any, network: Network, kind: DirectoryKind, table: tabular.Table) -> None:
        self.user = user
        self.network = network
        self.kind = kind
        self.table = table
        self.errors: list[RowError] = []
        self.summary = Summary()
        self.sample: list[SampleRow] = []
        self.present: set[str] = set()
        self.rows: list[tuple[int, dict[str, str]]] = []
        regions = access.visible(user, PERMISSION, Region.objects.filter(network=network))
        self.allowed_regions: set[UUID] = set(regions.values_list("pk", flat=True))

    def error(self, line: int, column: str, value: str, message: str) -> None:
        self.errors.append(RowError(line=line, column=column, value=_shown(value), message=message))

    def outcome(self, line: int, key: str, outcome: str) -> None:
        setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)
        if len(self.sample) < SAMPLE_ROWS:
            self.sample.append(SampleRow(line=line, key=key, outcome=outcome))

    def read_header(self) -> bool:
        """Map the file's headers (English or Spanish) onto the spec's names; False when a required one is missing."""
        spec = SPECS[self.kind]
        names: dict[str, str] = {}
        for column in spec:
            for spelling in (column.name, *column.aliases):
                names.setdefault(fold(spelling), column.name)
        mapping: dict[str, str] = {}
        for header in self.table.columns:
            if not header:
                continue
            canonical = names.get(fold(header))
            if canonical is None:
                self.error(0, header, "", _(
                    "Unknown column “%(column)s”. The columns are: %(columns)s. Download the template to see them."
                ) % {"column": header, "columns": ", ".join(column.name for column in spec)})
            elif canonical in mapping.values():
                self.error(0, header, "", _("The column “%(column)s” is given twice (under two names).") % {
                    "column": canonical
                })
            else:
                mapping[header] = canonical
        self.present = set(mapping.values())
        missing = [column.name for column in spec if column.required and column.name not in self.present]
        if missing:
            self.error(0, ", ".join(missing), "", _(
                "The file is missing these columns: %(columns)s. Download the template to see every column."
            ) % {"columns": ", ".join(missing)})
        if self.errors:
            return False
        self.rows = []
        for line, row in self.table:
            values = {mapping[name]: value.strip() for name, value in row.items() if name in mapping}
            # A character PostgreSQL cannot store (NUL...) is a row error on every database, not a database
            # error at the write on PostgreSQL only; the row is left out of the plan (the file is refused anyway).
            refused = [(column_name, value, character) for column_name, value in values.items()
                       if value and (character := refused_character(value))]
            for column_name, value, character in refused:
                self.error(line, column_name, without_refused(value), _(
                    "This cell holds a control character (%(character)s) that cannot be stored; remove it."
                ) % {"character": character})
            if not refused:
                self.rows.append((line, values))
        return True

    # Cell parsers: each records its own error and returns None for a bad value.

    def text(self, line: int, row: dict[str, str], column: str, model: type[models.Model],
             field_name: str | None = None, *, required: bool = False) -> str | None:
        value = row.get(column, "")
        if not value:
            if required:
                self.error(line, column, value, _("This column is required."))
                return None
            return ""
        limit = _max_length(model, field_name or column)
        if len(value) > limit:
            self.error(line, column, value, _("At most %(limit)s characters.") % {"limit": limit})
            return None
        return value

    def email(self, line: int, row: dict[str, str], column: str, *, required: bool) -> str | None:
        value = row.get(column, "").lower()
        if not value:
            if required:
                self.error(line, column, value, _("An email address is required."))
                return None
            return ""
        try:
            validate_email(value)
        except ValidationError:
            self.error(line, column, value, _("This is not an email address."))
            return None
        if len(value) > 254:
            self.error(line, column, value, _("At most %(limit)s characters.") % {"limit": 254})
            return None
        return value

    def choice(self, line: int, row: dict[str, str], column: str, choices: type[models.TextChoices]) -> str | None:
        value = row.get(column, "")
        found = parse_choice(choices, value)
        if found is None:
            self.error(line, column, value, _("Unknown value. Use one of: %(codes)s (or its name in English or "
                                              "Spanish).") % {"codes": ", ".join(choices.values)})
        return found

    def flag(self, line: int, row: dict[str, str], column: str, *, default: bool) -> bool | None:
        value = row.get(column, "")
        if not value:
            return default
        found = parse_yes_no(value)
        if found is None:
            self.error(line, column, value, _("Write yes or no (sí or no)."))
        return found

    def whole(self, line: int, row: dict[str, str], column: str, *, low: int, high: int) -> int | None:
        value = row.get(column, "")
        try:
            number = int(Decimal(value)) if value and Decimal(value) == int(Decimal(value)) else None
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not low <= number <= high:
            self.error(line, column, value, _("Write a whole number from %(low)s to %(high)s.") % {
                "low": low, "high": high
            })
            return None
        return number

    def duplicate(self, seen: dict[Any, int], key: Any, line: int, column: str, value: str) -> bool:
        if key in seen:
            self.error(line, column, value, _("This is also on line %(line)s; each record may appear once.") % {
                "line": seen[key]
            })
            return True
        seen[key] = line
        return False

    def in_scope(self, line: int, column: str, value: str, region_id: UUID) -> bool:
        if region_id in self.allowed_regions:
            return True
        self.error(line, column, value, _("This is in a region you do not coordinate; you may not import it."))
        return False


# --- a plan: what a clean file would write ---------------------------------------------------------------


@dataclass
class _Plan:
    checker: _Checker
    new: list[models.Model] = field(default_factory=list)
    changed: list[models.Model] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    # Writes a kind needs beyond its own rows: before them (accounts, memberships) and after (links).
    extra: list[Callable[[], None]] = field(default_factory=list)
    after: list[Callable[[], None]] = field(default_factory=list)


def _changes(obj: models.Model, values: dict[str, Any]) -> bool:
    """Set the values that differ; True when any did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _county_tables(network: Network) -> tuple[dict[str, str], dict[str, UUID]]:
    """Counties of the network's state by FIPS code and by name ('Fresno', 'Fresno County', 'condado de
    Fresno'), and the region serving each county the network serves."""
    by_text: dict[str, str] = {}
    for fips, name in County.objects.filter(state_code=network.state_code).values_list("fips", "name"):
        by_text[fips] = fips
        by_text[fold(name)] = fips
        by_text[fold(f"{name} county")] = fips
        by_text[fold(f"condado de {name}")] = fips
    served = dict(NetworkCounty.objects.filter(network=network).values_list("county_id", "region_id"))
    return by_text, served


def _county_key(text: str) -> str:
    digits = text.strip()
    if digits.isdigit() and len(digits) == 4:  # a FIPS code a spreadsheet read as a number: 06019 -> 6019
        return "0" + digits
    return digits if digits.isdigit() else fold(text)


def _find_county(check: _Checker, counties: dict[str, str], line: int, column: str, raw: str) -> str | None:
    key = _county_key(raw)
    fips = counties.get(key)
    if fips is None and len(key) == 3 and key.isdigit():
        fips = next((code for code in counties.values() if code.endswith(key)), None)
    if fips is None:
        check.error(line, column, raw, _(
            "No county of %(state)s has this name or FIPS code."
        ) % {"state": check.network.state_code})
    return fips


# --- programs ---------------------------------------------------------------------------------------------

_PROGRAM_TEXT = ("name", "address_line1", "address_line2", "city", "phone")
_PROGRAM_FLAGS = {"is_rural": False, "serves_infants": False, "serves_toddlers": False,
                  "serves_preschoolers": False, "is_active": True}


def _plan_programs(check: _Checker) -> _Plan:
    plan = _Plan(checker=check)
    counties, served = _county_tables(check.network)
    stored: dict[str, Program] = {
        fold(program.license_number): program
        for program in Program.objects.filter(network=check.network).exclude(license_number="")
    }
    present = check.present
    seen: dict[str, int] = {}
    touched: set[str] = {"region_id"}
    for line, row in check.rows:
        errors_before = len(check.errors)
        license_number = check.text(line, row, "license_number", Program, required=True)
        if license_number and check.duplicate(seen, fold(license_number), line, "license_number", license_number):
            license_number = None
        values: dict[str, Any] = {}
        for name in _PROGRAM_TEXT:
            if name in present:
                values[name] = check.text(line, row, name, Program, required=name in ("name", "address_line1", "city"))
        values["setting_type"] = check.choice(line, row, "setting_type", SettingType)
        values["auspice"] = check.choice(line, row, "auspice", Auspice)
        if "quality_rating" in present:
            values["quality_rating"] = check.choice(line, row, "quality_rating", QualityRating)
        postal = row.get("postal_code", "")
        if len(postal) == 4 and postal.isdigit():
            postal = "0" + postal  # a spreadsheet that read 02134 as a number dropped the zero
        if not _ZIP.match(postal):
            check.error(line, "postal_code", row.get("postal_code", ""), _("Write a ZIP code: 5 digits, or ZIP+4."))
        values["postal_code"] = postal
        if "email" in present:
            values["email"] = check.email(line, row, "email", required=False)
        for name, default in _PROGRAM_FLAGS.items():
            if name in present:
                values[name] = check.flag(line, row, name, default=default)
        raw_county = row.get("county", "")
        fips = _find_county(check, counties, line, "county", raw_county) if raw_county else None
        if not raw_county:
            check.error(line, "county", raw_county, _("This column is required."))
        region_id = served.get(fips) if fips else None
        if fips and region_id is None:
            check.error(line, "county", raw_county, _("This network does not serve this county."))
        elif region_id is not None:
            check.in_scope(line, "county", raw_county, region_id)
        program = stored.get(fold(license_number)) if license_number else None
        if program is not None and program.region_id not in check.allowed_regions:
            check.error(line, "license_number", license_number or "", _(
                "This license number belongs to a program in a region you do not coordinate."
            ))
        if len(check.errors) > errors_before or license_number is None or region_id is None:
            continue
        values["county_id"] = fips
        values["region_id"] = region_id
        touched.update(values)
        if program is None:
            program = Program(network_id=check.network.pk, license_number=license_number, **values)
            plan.new.append(program)
            check.outcome(line, license_number, "new")
        elif _changes(program, values):
            plan.changed.append(program)
            check.outcome(line, license_number, "updated")
        else:
            check.outcome(line, license_number, "unchanged")
    plan.fields = sorted(touched)
    return plan


# --- classrooms and staff: rows of a program named by its license number ---------------------------------


def _program_table(check: _Checker) -> dict[str, tuple[UUID, UUID] | None]:
    """(program id, region id) by folded license number; None when two programs share it after folding."""
    table: dict[str, tuple[UUID, UUID] | None] = {}
    rows = Program.objects.filter(network=check.network).exclude(license_number="")
    for pk, number, region_id in rows.values_list("pk", "license_number", "region_id"):
        key = fold(number)
        table[key] = None if key in table else (pk, region_id)
    return table


def _program_of(check: _Checker, programs: dict[str, tuple[UUID, UUID] | None], line: int,
                row: dict[str, str]) -> UUID | None:
    raw = row.get("program", "")
    if not raw:
        check.error(line, "program", raw, _("The program's license number is required."))
        return None
    key = fold(raw)
    if key not in programs:
        check.error(line, "program", raw, _("No program of this network has this license number."))
        return None
    found = programs[key]
    if found is None:
        check.error(line, "program", raw, _("Several programs have this license number; correct them first."))
        return None
    return found[0] if check.in_scope(line, "program", raw, found[1]) else None


def _plan_classrooms(check: _Checker) -> _Plan:
    plan = _Plan(checker=check)
    programs = _program_table(check)
    stored: dict[tuple[UUID, str], Classroom] = {}
    for stored_room in Classroom.objects.filter(program__network=check.network):
        stored.setdefault((stored_room.program_id, stored_room.name.casefold()), stored_room)
    seen: dict[tuple[UUID, str], int] = {}
    touched: set[str] = set()
    for line, row in check.rows:
        errors_before = len(check.errors)
        program_id = _program_of(check, programs, line, row)
        name = check.text(line, row, "name", Classroom, required=True)
        if name and program_id and check.duplicate(seen, (program_id, name.casefold()), line, "name", name):
            name = None
        values: dict[str, Any] = {
            "age_group": check.choice(line, row, "age_group", AgeGroup),
            "capacity": check.whole(line, row, "capacity", low=1, high=500),
        }
        if "is_active" in check.present:
            values["is_active"] = check.flag(line, row, "is_active", default=True)
        if len(check.errors) > errors_before or program_id is None or not name:
            continue
        touched.update(values)
        key_text = f"{row['program']} / {name}"
        room = stored.get((program_id, name.casefold()))
        if room is None:
            plan.new.append(Classroom(program_id=program_id, name=name, **values))
            check.outcome(line, key_text, "new")
        elif _changes(room, values):
            plan.changed.append(room)
            check.outcome(line, key_text, "updated")
        else:
            check.outcome(line, key_text, "unchanged")
    plan.fields = sorted(touched)
    return plan


def _plan_staff(check: _Checker) -> _Plan:
    plan = _Plan(checker=check)
    programs = _program_table(check)
    stored: dict[tuple[UUID, str], ProgramStaff | None] = {}
    for stored_person in ProgramStaff.objects.filter(program__network=check.network).exclude(email=""):
        stored_key = (stored_person.program_id, stored_person.email.lower())
        stored[stored_key] = None if stored_key in stored else stored_person  # None: two staff share the address
    seen: dict[tuple[UUID, str], int] = {}
    touched: set[str] = set()
    for line, row in check.rows:
        errors_before = len(check.errors)
        program_id = _program_of(check, programs, line, row)
        email = check.email(line, row, "email", required=True)
        if email and program_id and check.duplicate(seen, (program_id, email), line, "email", email):
            email = None
        values: dict[str, Any] = {
            "full_name": check.text(line, row, "full_name", ProgramStaff, required=True),
            "position": check.choice(line, row, "position", StaffPosition),
        }
        if "phone" in check.present:
            values["phone"] = check.text(line, row, "phone", ProgramStaff)
        if "is_active" in check.present:
            values["is_active"] = check.flag(line, row, "is_active", default=True)
        if program_id and email and (program_id, email) in stored and stored[(program_id, email)] is None:
            check.error(line, "email", email, _(
                "Several staff of this program have this email address; correct them in the directory first."
            ))
        if len(check.errors) > errors_before or program_id is None or not email:
            continue
        touched.update(values)
        key_text = f"{row['program']} / {email}"
        person = stored.get((program_id, email))
        if person is None:
            plan.new.append(ProgramStaff(program_id=program_id, email=email, **values))
            check.outcome(line, key_text, "new")
        elif _changes(person, values):
            plan.changed.append(person)
            check.outcome(line, key_text, "updated")
        else:
            check.outcome(line, key_text, "unchanged")
    plan.fields = sorted(touched)
    return plan


# --- consultants -------------------------------------------------------------------------------------------

_CONSULTANT_TEXT = ("license_number", "degree", "endorsement_level")


def _language_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, name_en, name_es in Language.objects.values_list("code", "name_en", "name_es"):
        table[fold(code)] = code
        table.setdefault(fold(name_en), code)
        table.setdefault(fold(name_es), code)
    return table


def _plan_consultants(check: _Checker) -> _Plan:
    plan = _Plan(checker=check)
    network = check.network
    counties, served = _county_tables(network)
    languages = _language_table() if "languages" in check.present else {}
    regions: dict[str, Region] = {}
    for stored_region in Region.objects.filter(network=network):
        regions[fold(stored_region.code)] = stored_region
        regions.setdefault(fold(stored_region.name), stored_region)
    # Adding a consultant (a new account, or a consultant membership and profile for an account of the network
    # that has another role) is consultant.create, which access.py keeps with network admins, as the web's form
    # does; a coordinator's file may update her region's consultants (consultant.edit) but add none.
    may_add_in = set(access.visible(check.user, "consultant.create", Region.objects.filter(network=network))
                     .values_list("pk", flat=True))
    agencies = {fold(agency.name): agency for agency in Agency.objects.filter(network=network)}
    emails = {row.get("email", "").lower() for _line, row in check.rows} - {""}
    users: dict[str, User] = {
        account.email.lower(): account for account in User.objects.annotate(key=Lower("email")).filter(key__in=emails)
    }
    profiles = {
        profile.user_id: profile
        for profile in ConsultantProfile.objects.filter(user__in=list(users.values())).prefetch_related(
            "languages", "counties"
        )
    }
    members = set(
        Membership.objects.filter(user__in=list(users.values()), network=network, is_active=True)
        .values_list("user_id", "role")
    )
    seen: dict[str, int] = {}
    touched: set[str] = set()
    new_users: list[User] = []
    new_members: list[Membership] = []
    renamed: list[User] = []
    links: list[tuple[ConsultantProfile, list[str] | None, list[str] | None]] = []

    for line, row in check.rows:
        errors_before = len(check.errors)
        email = check.email(line, row, "email", required=True)
        if email and check.duplicate(seen, email, line, "email", email):
            email = None
        full_name = check.text(line, row, "full_name", User, required=True)
        region = regions.get(fold(row.get("region", "")))
        if region is None:
            check.error(line, "region", row.get("region", ""), _("No region of this network has this code or name."))
        else:
            check.in_scope(line, "region", row["region"], region.pk)
        agency = agencies.get(fold(row.get("agency", "")))
        if agency is None:
            check.error(line, "agency", row.get("agency", ""), _("No agency of this network has this name."))
        values: dict[str, Any] = {"license_type": check.choice(line, row, "license_type", LicenseType)}
        for name in _CONSULTANT_TEXT:
            if name in check.present:
                values[name] = check.text(line, row, name, ConsultantProfile)
        if values["license_type"] not in (None, LicenseType.NONE) and not row.get("license_number"):
            check.error(line, "license_number", "", _(
                "Give the license number, or write “none” as the license type."
            ))
        if "license_eligible" in check.present:
            values["license_eligible"] = check.flag(line, row, "license_eligible", default=False)
        if "is_active" in check.present:
            values["is_active"] = check.flag(line, row, "is_active", default=True)
        if "caseload_capacity" in check.present and row.get("caseload_capacity"):
            values["caseload_capacity"] = check.whole(line, row, "caseload_capacity", low=0, high=200)
        if "fte" in check.present and row.get("fte"):
            try:
                fte = Decimal(row["fte"]).quantize(Decimal("0.01"))
            except InvalidOperation:
                fte = None
            if fte is None or not Decimal("0") < fte <= Decimal("1"):
                check.error(line, "fte", row["fte"], _("Write the FTE as a number above 0 and at most 1, e.g. 0.5."))
            values["fte"] = fte
        wanted_languages: list[str] | None = None
        if "languages" in check.present:
            wanted_languages = []
            for part in filter(None, (piece.strip() for piece in _SPLIT.split(row.get("languages", "")))):
                code = languages.get(fold(part))
                if code is None:
                    check.error(line, "languages", part, _(
                        "Unknown language. Use its name in English or Spanish, or its code (en, es...)."
                    ))
                elif code not in wanted_languages:
                    wanted_languages.append(code)
        wanted_counties: list[str] | None = None
        if "counties" in check.present:
            wanted_counties = []
            for part in filter(None, (piece.strip() for piece in re.split(r"[;|]", row.get("counties", "")))):
                fips = _find_county(check, counties, line, "counties", part)
                if fips and fips not in served:
                    check.error(line, "counties", part, _("This network does not serve this county."))
                elif fips and fips not in wanted_counties:
                    wanted_counties.append(fips)
        user: User | None = users.get(email or "")
        profile = profiles.get(user.pk) if user else None
        if user is not None and profile is None and not any(user_id == user.pk for user_id, _role in members):
            check.error(line, "email", email or "", _("This email address belongs to an account outside this network."))
        if profile is not None and profile.network_id != network.pk:
            check.error(line, "email", email or "", _("This email address belongs to a consultant of another network."))
        elif profile is not None and profile.region_id not in check.allowed_regions:
            check.error(line, "email", email or "", _("This consultant works in a region you do not coordinate."))
        if email and profile is None and region is not None and region.pk in check.allowed_regions and (
                region.pk not in may_add_in):
            check.error(line, "email", email or "", _(
                "No consultant has this email address, and only a network administrator may add one."
            ))
        if len(check.errors) > errors_before or not email or not full_name or region is None or agency is None:
            continue

        values.update(region_id=region.pk, agency_id=agency.pk)
        touched.update(values)
        if user is None:
            user = User(email=email, full_name=full_name)
            user.set_unusable_password()  # the consultant sets a password through the reset email
            new_users.append(user)
        elif user.full_name != full_name:
            user.full_name = full_name
            renamed.append(user)
        if (user.pk, Role.CONSULTANT.value) not in members:
            new_members.append(Membership(user=user, network=network, role=Role.CONSULTANT, is_active=True))
            members.add((user.pk, Role.CONSULTANT.value))
        if profile is None:
            profile = ConsultantProfile(network_id=network.pk, user=user, **values)
            plan.new.append(profile)
            links.append((profile, wanted_languages or [], wanted_counties or []))
            check.outcome(line, email, "new")
            continue
        languages_now = sorted(language.pk for language in profile.languages.all())
        counties_now = sorted(county.pk for county in profile.counties.all())
        relinked = (wanted_languages is not None and sorted(wanted_languages) != languages_now) or (
            wanted_counties is not None and sorted(wanted_counties) != counties_now
        )
        if relinked:
            links.append((profile, wanted_languages, wanted_counties))
        if _changes(profile, values) or relinked or user in renamed:
            plan.changed.append(profile)
            check.outcome(line, email, "updated")
        else:
            check.outcome(line, email, "unchanged")
    plan.fields = sorted(touched)

    def write_accounts() -> None:
        User.objects.bulk_create(new_users, batch_size=BATCH)
        if renamed:
            User.objects.bulk_update(renamed, ["full_name"], batch_size=BATCH)
        Membership.objects.bulk_create(new_members, batch_size=BATCH)

    def write_links() -> None:
        # Replace the links of each profile whose list the file gives (None: the column is absent, keep them).
        language_link = ConsultantProfile.languages.through
        county_link = ConsultantProfile.counties.through
        language_pairs = [(profile.pk, codes) for profile, codes, _counties in links if codes is not None]
        county_pairs = [(profile.pk, codes) for profile, _languages, codes in links if codes is not None]
        language_link.objects.filter(consultantprofile_id__in=[pk for pk, _codes in language_pairs]).delete()
        county_link.objects.filter(consultantprofile_id__in=[pk for pk, _codes in county_pairs]).delete()
        language_link.objects.bulk_create(
            [language_link(consultantprofile_id=pk, language_id=code)
             for pk, codes in language_pairs for code in codes],
            batch_size=BATCH,
        )
        county_link.objects.bulk_create(
            [county_link(consultantprofile_id=pk, county_id=code) for pk, codes in county_pairs for code in codes],
            batch_size=BATCH,
        )

    plan.extra = [write_accounts]
    plan.after = [write_links]
    return plan


_PLANNERS: dict[DirectoryKind, Callable[[_Checker], _Plan]] = {
    DirectoryKind.PROGRAMS: _plan_programs, DirectoryKind.CLASSROOMS: _plan_classrooms,
    DirectoryKind.STAFF: _plan_staff, DirectoryKind.CONSULTANTS: _plan_consultants,
}


def _plan(*, user: Any, network: Network, kind: DirectoryKind, table: tabular.Table) -> _Plan:
    if not access.has_permission(user, PERMISSION):
        raise PermissionDenied(PERMISSION)
    check = _Checker(user=user, network=network, kind=kind, table=table)
    if not check.allowed_regions:
        raise PermissionDenied(PERMISSION)  # a role with the permission but no reach in this network
    if not check.read_header():
        return _Plan(checker=check)
    return _PLANNERS[kind](check)


def _as_preview(kind: DirectoryKind, plan: _Plan) -> Preview:
    check = plan.checker
    errors = sorted(check.errors, key=lambda error: error.line)
    return Preview(kind=kind, rows=len(check.table.rows), errors=errors, summary=check.summary, sample=check.sample)


def _write(plan: _Plan, *, actor: Any, kind: DirectoryKind) -> list[UUID]:
    """Write a clean plan (inside the caller's transaction); return the ids of the records written."""
    model: Any = _MODEL[kind]
    for step in plan.extra:
        step()
    now = timezone.now()
    for obj in plan.new:
        if isinstance(obj, ConsultantProfile):
            obj.user_id = obj.user.pk  # the account was created just before, in write_accounts
    model.objects.bulk_create(plan.new, batch_size=BATCH)
    for obj in plan.changed:
        obj.version += 1  # type: ignore[attr-defined]
        obj.updated_at = now  # type: ignore[attr-defined]
    if plan.changed:
        model.objects.bulk_update(plan.changed, [*plan.fields, "version", "updated_at"], batch_size=BATCH)
    for step in plan.after:
        step()
    return [obj.pk for obj in (*plan.new, *plan.changed)]


def _audit(*, actor: Any, kind: DirectoryKind, summary: Summary, written: list[UUID]) -> None:
    # One ledger line per import: its counts in object_id, and the ids of the records it created or changed
    # (at most AUDIT_MAX_IDS, so a 40,000-row import does not write a megabyte of ids); never a file value.
    audit.record(
        user=actor, action=Action.CREATE if summary.new else Action.UPDATE,
        object_type=_MODEL[kind]._meta.label_lower,
        object_id=f"import +{summary.new} ~{summary.updated} ={summary.unchanged}",
        object_ids=written[:AUDIT_MAX_IDS],
    )


# --- the services ---------------------------------------------------------------------------------------


def import_preview(*, user: Any, network: Network, kind: DirectoryKind, table: tabular.Table) -> Preview:
    """Every problem in the file, or what importing it would do. Writes nothing."""
    return _as_preview(kind, _plan(user=user, network=network, kind=kind, table=table))


@transaction.atomic
def import_table(
    *, actor: Any, network: Network, kind: DirectoryKind, table: tabular.Table, dry_run: bool = False
) -> Preview:
    """Check and import a table in one go (the management command); nothing is written when any row is wrong.

    A dry run checks everything and writes nothing."""
    plan = _plan(user=actor, network=network, kind=kind, table=table)
    preview = _as_preview(kind, plan)
    if preview.is_clean and not dry_run:
        written = _write(plan, actor=actor, kind=kind)
        _audit(actor=actor, kind=kind, summary=preview.summary, written=written)
    return preview


def _rows_key(token: str) -> str:
    return f"abrazo:directory-import:file:{token}"


def _done_key(token: str) -> str:
    return f"abrazo:directory-import:done:{token}"


def _owner(user: Any, network: Network, kind: DirectoryKind) -> dict[str, str]:
    return {"user": str(user.pk), "network": str(network.pk), "kind": str(kind)}


def import_stage(
    *, user: Any, network: Network, kind: DirectoryKind, raw: bytes, filename: str, preview: Preview
) -> str:
    """Keep an uploaded file's bytes until it is confirmed; return the random token that names them.

    The bytes rather than the parsed rows: confirm reads exactly what was checked, through the same reader.
    Staff and consultants' contact details are personal data, so the entry is encrypted like such fields."""
    if not access.has_permission(user, PERMISSION):
        raise PermissionDenied(PERMISSION)
    token = secrets.token_urlsafe(24)
    payload = {
        **_owner(user, network, kind), "filename": filename[:200], "sha256": hashlib.sha256(raw).hexdigest(),
        "data": zlib.compress(raw).hex(), "rows": preview.rows, "summary": preview.summary.as_dict(),
        "sample": [[row.line, row.key, row.outcome] for row in preview.sample],
    }
    cache.set(_rows_key(token), crypto.encrypt(json.dumps(payload)), timeout=IMPORT_TTL_SECONDS)
    return token


@dataclass(frozen=True)
class Staged:
    raw: bytes
    filename: str
    rows: int = 0
    summary: Summary = field(default_factory=Summary)
    sample: list[SampleRow] = field(default_factory=list)


def load_staged(*, user: Any, network: Network, kind: DirectoryKind, token: str) -> Staged | None:
    if not token or len(token) > 64:
        return None
    packed = cache.get(_rows_key(token))
    if not packed:
        return None
    try:
        payload = json.loads(crypto.decrypt(packed))
        raw = zlib.decompress(bytes.fromhex(payload["data"]))
    except (crypto.FieldDecryptionError, ValueError, KeyError, zlib.error):
        return None
    if any(payload.get(name) != value for name, value in _owner(user, network, kind).items()):
        return None
    if hashlib.sha256(raw).hexdigest() != payload.get("sha256"):
        return None
    return Staged(
        raw=raw, filename=str(payload.get("filename", "")), rows=int(payload.get("rows", 0)),
        summary=Summary.from_dict(payload.get("summary", {})),
        sample=[SampleRow(line=int(line), key=str(key), outcome=str(outcome))
                for line, key, outcome in payload.get("sample", [])],
    )


def finished(*, user: Any, network: Network, kind: DirectoryKind, token: str) -> ImportResult | None:
    """What a confirmed import did (for its result page, and for a second click on Confirm)."""
    if not token or len(token) > 64:
        return None
    done = cache.get(_done_key(token))
    if not isinstance(done, dict) or done.get("owner") != _owner(user, network, kind):
        return None
    return ImportResult(kind=kind, summary=Summary.from_dict(done["summary"]), already_done=True)


def import_confirm(*, actor: Any, network: Network, kind: DirectoryKind, token: str) -> ImportResult:
    """Import a staged file, all or nothing. Raises ImportExpired or ImportRejected; a second confirm of the
    same token returns the first one's result and writes nothing."""
    previous = finished(user=actor, network=network, kind=kind, token=token)
    if previous is not None:
        return previous
    staged = load_staged(user=actor, network=network, kind=kind, token=token)
    if staged is None:
        raise ImportExpired
    table = read_upload(io.BytesIO(staged.raw), filename=staged.filename)
    owner = _owner(actor, network, kind)
    with transaction.atomic():
        # The claim is a row of the database cache written in this transaction: a concurrent confirm waits for
        # it and then finds it taken; a rejected import rolls the claim back so the person can try again.
        if not cache.add(_done_key(token), {"owner": owner, "summary": {}}, timeout=IMPORT_TTL_SECONDS):
            return finished(user=actor, network=network, kind=kind, token=token) or ImportResult(
                kind=kind, summary=Summary(), already_done=True
            )
        plan = _plan(user=actor, network=network, kind=kind, table=table)
        preview = _as_preview(kind, plan)
        if not preview.is_clean:
            raise ImportRejected(preview)
        written = _write(plan, actor=actor, kind=kind)
        _audit(actor=actor, kind=kind, summary=preview.summary, written=written)
        cache.set(_done_key(token), {"owner": owner, "summary": preview.summary.as_dict()},
                  timeout=IMPORT_TTL_SECONDS)
        cache.delete(_rows_key(token))
    return ImportResult(kind=kind, summary=preview.summary)


def read_upload(upload: IO[bytes], *, filename: str, max_bytes: int = tabular.MAX_UPLOAD_BYTES) -> tabular.Table:
    """Read a CSV or XLSX upload through the roster import's reader (size and zip-bomb limits, translated
    messages), with this import's own row limit."""
    return roster_imports.read_upload(upload, filename=filename, max_bytes=max_bytes, max_rows=MAX_ROWS)


def read_bytes(raw: bytes, *, filename: str) -> tabular.Table:
    """Read a file already in memory (the upload page reads it once to check it and once to stage it)."""
    return read_upload(io.BytesIO(raw), filename=filename)


def upload_bytes(upload: IO[bytes], *, max_bytes: int = tabular.MAX_UPLOAD_BYTES) -> bytes:
    """Read at most one byte past the limit, so read_upload can refuse an oversized file with its message."""
    return upload.read(max_bytes + 1)

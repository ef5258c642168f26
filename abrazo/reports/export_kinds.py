"""What can be exported: one entry per record list, its columns, who may export it and in which form.

Each kind has two forms:

- **identified**, for people who hold the kind's record permission (the same permission that shows the list
  in Abrazo, e.g. "incident.view"): the rows `access.visible` gives them, nothing more;
- **de-identified**, for evaluators (who hold no record permission, only "report.view_suppressed"): no
  names, emails, phone numbers, free text or notes; records named by a pseudonym (a keyed HMAC of the
  primary key, so the same episode has the same pseudonym in the episodes and the contacts file, but
  the key is not in anyone's hands); dates coarsened to the month; a child's age in whole years; a
  program named only by its county and setting type. Then, as DOMAIN.md §7 asks of counts of children,
  rows are grouped by their quasi-identifiers (county, setting type, month) and every group of 1 to
  the network's `suppress_up_to` rows is dropped, with complementary groups dropped too
  (`equity.suppression.suppress_column`) so that a dropped group cannot be recovered from a published
  total by subtraction.

Either way an export also needs "export.download" (reports/export_service.py checks both).

Values are the stored codes of choices (language-independent, stable for analysis), ISO dates, UTC times.
Notes are never exported (they are encrypted at rest and clinical).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from abrazo.accounts import access
from abrazo.accounts.models import Role

DEID_PERMISSION = "report.view_suppressed"
DOWNLOAD_PERMISSION = "export.download"


class Kind:
    """Column types, which decide how a value is written by both CSV paths and the XLSX writer."""

    TEXT = "text"  # neutralised against formulas
    INT = "int"
    DECIMAL = "decimal"
    BOOL = "bool"  # "true"/"false"
    DATE = "date"  # ISO date
    DATETIME = "datetime"  # ISO, UTC, to the second: 2025-03-01T14:05:00Z
    TIME = "time"
    UUID = "uuid"


@dataclass(frozen=True)
class Column:
    header: str
    path: str  # an ORM lookup path from the kind's model
    kind: str = Kind.TEXT


# --- de-identification ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _pseudonym_key(secret: str) -> bytes:
    # A key of its own, derived from SECRET_KEY: the pseudonyms change if the secret does, and the secret
    # itself is never used directly as an HMAC key for exported values.
    return hmac.new(secret.encode(), b"abrazo.reports.export_pseudonym.v1", hashlib.sha256).digest()


def pseudonym(label: str, pk: Any) -> str:
    """A stable pseudonymous id for a record: 16 hex characters of HMAC-SHA256(key, "label:pk")."""
    if pk is None:
        return ""
    key = _pseudonym_key(settings.SECRET_KEY)
    return hmac.new(key, f"{label}:{pk}".encode(), hashlib.sha256).hexdigest()[:16]


def month(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC) if value.tzinfo else value
    return f"{value.year:04d}-{value.month:02d}"


def age_years(born: dt.date | None, on: dt.date | dt.datetime | None) -> int | None:
    if born is None or on is None:
        return None
    on_day = on.date() if isinstance(on, dt.datetime) else on
    return on_day.year - born.year - ((on_day.month, on_day.day) < (born.month, born.day))


@dataclass(frozen=True)
class DeidColumn:
    header: str
    paths: tuple[str, ...]  # ORM paths read for this column
    make: Callable[..., Any]  # the values of `paths` -> the exported value


def _same(value: Any) -> Any:
    return value


def _pseudo(label: str) -> Callable[[Any], str]:
    return lambda pk: pseudonym(label, pk)


def _months_to_years(months: int | None) -> int | None:
    return None if months is None else months // 12


def _deid(header: str, path: str, make: Callable[..., Any] = _same) -> DeidColumn:
    return DeidColumn(header, (path,), make)


@dataclass(frozen=True)
class Deidentified:
    columns: tuple[DeidColumn, ...]
    # Headers of the quasi-identifier columns that group rows for suppression; empty: no suppression
    # (programs are organisations, not counts of children).
    group_by: tuple[str, ...] = ()


# --- the kinds ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportKind:
    key: str
    label: Any  # lazy translation
    model_label: str  # "intake.request": the audit event's object type
    permissions: tuple[str, ...]  # holding any of these (not as an evaluator) gives the identified form
    columns: tuple[Column, ...]
    base: Callable[[], QuerySet[Any]]  # every row of every network, ordered
    # (user, permission, exclude_roles=...) -> the rows the user reaches (through memberships not excluded)
    scoped: Callable[..., QuerySet[Any]]
    deidentified: Deidentified | None = None
    # The date the "from"/"until" filter applies to (a DateField or DateTimeField); None: no date filter.
    date_path: str | None = None
    order_by: tuple[str, ...] = field(default=("pk",))

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]


def _visible(model_path: str) -> Callable[..., QuerySet[Any]]:
    def scoped(user: Any, permission: str, exclude_roles: Collection[Role] = ()) -> QuerySet[Any]:
        from django.apps import apps

        model: type[Model] = apps.get_model(model_path)
        return access.visible(user, permission, model._default_manager.all(), exclude_roles=exclude_roles)

    return scoped


def _contacts(user: Any, permission: str, exclude_roles: Collection[Role] = ()) -> QuerySet[Any]:
    # Contacts have no scope path of their own: they are reached through the episodes the user may see
    # the clinical side of (episode.manage or episode.notes; evaluators through report.view_suppressed).
    from abrazo.consultations.models import Contact, Episode

    if permission == DEID_PERMISSION:
        episodes = access.visible(user, permission, Episode.objects.all(), exclude_roles=exclude_roles)
    else:
        episodes = Episode.objects.filter(
            access.scope_q(user, "episode.manage", Episode, exclude_roles=exclude_roles)
            | access.scope_q(user, "episode.notes", Episode, exclude_roles=exclude_roles)
        )
    return Contact.objects.filter(episode__in=episodes.values("pk"))


def _model(path: str) -> Callable[[], QuerySet[Any]]:
    def base() -> QuerySet[Any]:
        from django.apps import apps

        return apps.get_model(path)._default_manager.all()

    return base


# Short names for the column table below.
INT, DEC, B, DAY, TS, TM, U = Kind.INT, Kind.DECIMAL, Kind.BOOL, Kind.DATE, Kind.DATETIME, Kind.TIME, Kind.UUID

_PLACE = (
    DeidColumn("county", ("program__county__name",), _same),
    DeidColumn("setting_type", ("program__setting_type",), _same),
)

KINDS: dict[str, ExportKind] = {}


def _register(kind: ExportKind) -> None:
    KINDS[kind.key] = kind


_register(ExportKind(
    key="requests", date_path="submitted_at", label=_("Requests for consultation"), model_label="intake.request",
    permissions=("request.view",), base=_model("intake.Request"), scoped=_visible("intake.Request"),
    columns=(
        Column("id", "pk", U), Column("reference", "reference"), Column("status", "status"),
        Column("priority", "priority"), Column("submitted_at_utc", "submitted_at", TS),
        Column("requester_name", "requester_name"), Column("requester_email", "requester_email"),
        Column("requester_phone", "requester_phone"), Column("requester_role", "requester_role"),
        Column("program_name", "program_name"), Column("county", "county__name"), Column("region", "region__name"),
        Column("setting_type", "setting_type"), Column("child_specific", "child_specific", B),
        Column("child_age_months", "child_age_months", INT), Column("imminent_risk", "imminent_risk", B),
        Column("consultant", "consultant__user__full_name"), Column("assigned_at_utc", "assigned_at", TS),
        Column("first_contact_at_utc", "first_contact_at", TS),
    ),
    deidentified=Deidentified(
        columns=(
            _deid("request", "pk", _pseudo("intake.request")), _deid("month", "submitted_at", month),
            _deid("status", "status"), _deid("priority", "priority"), _deid("requester_role", "requester_role"),
            _deid("county", "county__name"), _deid("region", "region__name"),
            _deid("setting_type", "setting_type"), _deid("child_specific", "child_specific"),
            _deid("child_age_years", "child_age_months", _months_to_years),
            _deid("imminent_risk", "imminent_risk"),
        ),
        group_by=("county", "setting_type", "month"),
    ),
))

_register(ExportKind(
    key="episodes", date_path="opened_at", label=_("Consultation episodes"), model_label="consultations.episode",
    permissions=("episode.view",), base=_model("consultations.Episode"), scoped=_visible("consultations.Episode"),
    columns=(
        Column("id", "pk", U), Column("program_id", "program_id", U), Column("program", "program__name"),
        Column("county", "program__county__name"), Column("region", "program__region__name"),
        Column("setting_type", "program__setting_type"), Column("episode_type", "episode_type"),
        Column("phase", "phase"), Column("child_code", "child_code"),
        Column("consultant", "consultant__user__full_name"), Column("language", "language_id"),
        Column("opened_at_utc", "opened_at", TS), Column("closed_at_utc", "closed_at", TS),
    ),
    deidentified=Deidentified(
        columns=(
            _deid("episode", "pk", _pseudo("consultations.episode")), *_PLACE,
            _deid("region", "program__region__name"), _deid("episode_type", "episode_type"), _deid("phase", "phase"),
            _deid("language", "language_id"), _deid("month", "opened_at", month),
            _deid("closed_month", "closed_at", month),
        ),
        group_by=("county", "setting_type", "month"),
    ),
))

_register(ExportKind(
    key="contacts", date_path="contact_date", label=_("Contacts (visits, calls, messages)"),
    model_label="consultations.contact",
    permissions=("episode.manage", "episode.notes"), base=_model("consultations.Contact"), scoped=_contacts,
    columns=(
        Column("id", "pk", U), Column("episode_id", "episode_id", U), Column("contact_date", "contact_date", DAY),
        Column("minutes", "minutes", INT), Column("minutes_in_classroom", "minutes_in_classroom", INT),
        Column("modality", "modality"), Column("activity_type", "activity_type"), Column("language", "language_id"),
        Column("program", "episode__program__name"), Column("consultant", "episode__consultant__user__full_name"),
    ),
    deidentified=Deidentified(
        columns=(
            _deid("contact", "pk", _pseudo("consultations.contact")),
            _deid("episode", "episode_id", _pseudo("consultations.episode")),
            _deid("month", "contact_date", month), _deid("minutes", "minutes"),
            _deid("minutes_in_classroom", "minutes_in_classroom"), _deid("modality", "modality"),
            _deid("activity_type", "activity_type"), _deid("language", "language_id"),
            DeidColumn("county", ("episode__program__county__name",), _same),
            DeidColumn("setting_type", ("episode__program__setting_type",), _same),
        ),
        group_by=("county", "setting_type", "month"),
    ),
))

_INCIDENT_CODES = ("problem_behavior", "activity", "others_involved", "possible_motivation", "strategy_response",
                   "admin_follow_up")

_register(ExportKind(
    key="incidents", date_path="occurred_on", label=_("Behavior incidents"), model_label="incidents.incident",
    permissions=("incident.view",), base=_model("incidents.Incident"), scoped=_visible("incidents.Incident"),
    columns=(
        Column("id", "pk", U), Column("program", "program__name"), Column("child_code", "child__code"),
        Column("occurred_on", "occurred_on", DAY), Column("occurred_at", "occurred_at", TM),
        *(Column(name, name) for name in _INCIDENT_CODES),
        Column("in_school_suspension", "is_iss", B), Column("out_of_school_suspension", "is_oss", B),
        Column("dismissal", "is_dismissal", B),
    ),
    deidentified=Deidentified(
        columns=(
            _deid("incident", "pk", _pseudo("incidents.incident")),
            _deid("child", "child_id", _pseudo("incidents.child")), *_PLACE,
            _deid("month", "occurred_on", month),
            DeidColumn("child_age_years", ("child__date_of_birth", "occurred_on"), age_years),
            *(_deid(name, name) for name in _INCIDENT_CODES),
            _deid("in_school_suspension", "is_iss"), _deid("out_of_school_suspension", "is_oss"),
            _deid("dismissal", "is_dismissal"),
        ),
        group_by=("county", "setting_type", "month"),
    ),
))

_register(ExportKind(
    key="exclusions", date_path="starts_on", label=_("Exclusions (suspensions, expulsions)"),
    model_label="incidents.exclusion",
    permissions=("incident.view",), base=_model("incidents.Exclusion"), scoped=_visible("incidents.Exclusion"),
    columns=(
        Column("id", "pk", U), Column("program", "program__name"), Column("child_code", "child__code"),
        Column("incident_id", "incident_id", U), Column("kind", "kind"), Column("starts_on", "starts_on", DAY),
        Column("ends_on", "ends_on", DAY), Column("days_lost", "days_lost", DEC),
    ),
    deidentified=Deidentified(
        columns=(
            _deid("exclusion", "pk", _pseudo("incidents.exclusion")),
            _deid("child", "child_id", _pseudo("incidents.child")), *_PLACE,
            _deid("kind", "kind"), _deid("month", "starts_on", month),
            DeidColumn("child_age_years", ("child__date_of_birth", "starts_on"), age_years),
            _deid("days_lost", "days_lost"),
        ),
        group_by=("county", "setting_type", "month"),
    ),
))

_register(ExportKind(
    key="programs", label=_("Programs and sites"), model_label="directory.program",
    permissions=("program.view",), base=_model("directory.Program"), scoped=_visible("directory.Program"),
    columns=(
        Column("id", "pk", U), Column("name", "name"), Column("setting_type", "setting_type"),
        Column("auspice", "auspice"), Column("license_number", "license_number"),
        Column("address_line1", "address_line1"), Column("city", "city"), Column("postal_code", "postal_code"),
        Column("county", "county__name"), Column("region", "region__name"), Column("rural", "is_rural", B),
        Column("phone", "phone"), Column("email", "email"), Column("active", "is_active", B),
    ),
    deidentified=Deidentified(
        columns=(
            _deid("county", "county__name"), _deid("region", "region__name"), _deid("setting_type", "setting_type"),
            _deid("auspice", "auspice"), _deid("rural", "is_rural"), _deid("serves_infants", "serves_infants"),
            _deid("serves_toddlers", "serves_toddlers"), _deid("serves_preschoolers", "serves_preschoolers"),
            _deid("active", "is_active"),
        ),
    ),
))

_register(ExportKind(
    key="consultants", label=_("Consultants"), model_label="directory.consultantprofile",
    permissions=("consultant.view",), base=_model("directory.ConsultantProfile"),
    scoped=_visible("directory.ConsultantProfile"),
    columns=(
        Column("id", "pk", U), Column("name", "user__full_name"), Column("email", "user__email"),
        Column("region", "region__name"), Column("agency", "agency__name"), Column("license_type", "license_type"),
        Column("fte", "fte", DEC), Column("caseload_capacity", "caseload_capacity", INT),
        Column("active", "is_active", B),
    ),
    # No de-identified form: consultants are the network's staff, few enough per region to be recognised
    # from their region, agency and licence, so evaluators get them only as report aggregates.
))


# --- who gets what ----------------------------------------------------------------------------------


# Memberships in these roles never justify the identified form, and so never widen its rows either.
IDENTIFIED_EXCLUDED_ROLES: frozenset[Role] = frozenset({Role.EVALUATOR})


def identified_permission(user: Any, kind: ExportKind) -> str | None:
    """The record permission that gives this user the identified form, or None.

    A grant held only as an evaluator does not count: evaluators hold program.view (programs are
    organisations they may browse), but their files are always de-identified."""
    for permission in kind.permissions:
        grants = access.POLICY.get(permission, {})
        for membership in user.active_memberships if getattr(user, "is_authenticated", False) else []:
            role = Role(membership.role)
            if role not in IDENTIFIED_EXCLUDED_ROLES and role in grants:
                return permission
    return None


def form_for(user: Any, kind: ExportKind) -> str | None:
    """"identified", "deidentified", or None when the user may not export this kind at all (without
    export.download nobody may)."""
    if not access.has_permission(user, DOWNLOAD_PERMISSION):
        return None
    if identified_permission(user, kind) is not None:
        return "identified"
    if kind.deidentified is not None and access.has_permission(user, DEID_PERMISSION):
        return "deidentified"
    return None


def kinds_for(user: Any) -> list[tuple[ExportKind, str]]:
    return [(kind, form) for kind in KINDS.values() if (form := form_for(user, kind)) is not None]


def scoped_queryset(user: Any, kind: ExportKind, form: str) -> QuerySet[Any]:
    if form == "identified":
        permission = identified_permission(user, kind)
        # Only the memberships that justified the identified form reach its rows: a person who is also an
        # evaluator must not get identified rows network-wide through the evaluator's program.view.
        return kind.scoped(user, permission or "", exclude_roles=IDENTIFIED_EXCLUDED_ROLES).order_by(*kind.order_by)
    return kind.scoped(user, DEID_PERMISSION).order_by(*kind.order_by)


def deid_paths(spec: Deidentified) -> list[str]:
    return [path for column in spec.columns for path in column.paths]


def deid_row_maker(spec: Deidentified) -> Callable[[Sequence[Any]], list[Any]]:
    """A function turning one values_list row (of deid_paths) into the de-identified row."""
    plan: list[tuple[Callable[..., Any], slice]] = []
    start = 0
    for column in spec.columns:
        plan.append((column.make, slice(start, start + len(column.paths))))
        start += len(column.paths)

    def make(values: Sequence[Any]) -> list[Any]:
        return [_plain(maker(*values[where])) for maker, where in plan]

    return make


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    return value

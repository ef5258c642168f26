"""Every read of the directory that a view or the API needs, scoped by the user."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Count, Prefetch, Q, QuerySet

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.directory.models import (
    Agency,
    Classroom,
    ConsultantProfile,
    County,
    Program,
    ProgramStaff,
    Region,
)


@dataclass(frozen=True)
class ProgramFilters:
    query: str = ""
    region_id: UUID | None = None
    county_fips: str = ""
    setting_type: str = ""
    language: str = ""
    rural: bool | None = None
    include_inactive: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_search(self) -> bool:
        return bool(self.query)


def program_queryset_for(*, user: Any, filters: ProgramFilters | None = None) -> QuerySet[Program]:
    """Programs the user may see, filtered; not evaluated, so a paginator can slice it."""
    filters = filters or ProgramFilters()
    programs = access.visible(user, "program.view", Program.objects.all())
    if not filters.include_inactive:
        programs = programs.filter(is_active=True)
    if filters.query:
        words = filters.query.split()
        for word in words[:6]:
            programs = programs.filter(
                Q(name__icontains=word) | Q(license_number__iexact=word) | Q(city__icontains=word)
                | Q(postal_code=word)
            )
    if filters.region_id:
        programs = programs.filter(region_id=filters.region_id)
    if filters.county_fips:
        programs = programs.filter(county_id=filters.county_fips)
    if filters.setting_type:
        programs = programs.filter(setting_type=filters.setting_type)
    if filters.language:
        programs = programs.filter(languages__code=filters.language)
    if filters.rural is not None:
        programs = programs.filter(is_rural=filters.rural)
    return programs.select_related("county", "region").order_by("name", "id")


def program_page_record(*, user: Any, programs: list[Program], filters: ProgramFilters) -> None:
    """Audit the ids actually shown on a page of the program list."""
    audit.record_list(
        user=user, model=Program, ids=[p.pk for p in programs],
        action=Action.SEARCH if filters.is_search else Action.LIST,
    )


def program_get_for(*, user: Any, program_id: UUID, permission: str = "program.view") -> Program:
    """The program if the user may see it (or edit it, with permission="program.edit"); else 404."""
    program = access.get_or_404(
        user, permission,
        Program.objects.select_related("county", "region", "network").prefetch_related("languages"),
        pk=program_id,
    )
    audit.record_view(user=user, obj=program)
    return program


def classroom_list_for(*, user: Any, program: Program) -> list[Classroom]:
    classrooms = list(
        access.visible(user, "classroom.view", Classroom.objects.filter(program=program, is_active=True))
        .annotate(staff_count=Count("staff", filter=Q(staff__is_active=True)))
        .order_by("name")
    )
    return classrooms


def staff_list_for(*, user: Any, program: Program) -> list[ProgramStaff]:
    staff = list(
        access.visible(user, "staff.view", ProgramStaff.objects.filter(program=program, is_active=True))
        .prefetch_related("languages", "classrooms")
        .order_by("full_name")
    )
    if staff:
        audit.record_list(user=user, model=ProgramStaff, ids=[s.pk for s in staff])
    return staff


def consultant_queryset_for(*, user: Any, query: str = "", region_id: UUID | None = None,
                            language: str = "") -> QuerySet[ConsultantProfile]:
    consultants = access.visible(user, "consultant.view", ConsultantProfile.objects.filter(is_active=True))
    if query:
        consultants = consultants.filter(
            Q(user__full_name__icontains=query) | Q(user__email__iexact=query) | Q(license_number__iexact=query)
        )
    if region_id:
        consultants = consultants.filter(region_id=region_id)
    if language:
        consultants = consultants.filter(languages__code=language)
    return (
        consultants.select_related("user", "agency", "region", "supervisor")
        .prefetch_related("languages", Prefetch("counties", queryset=County.objects.order_by("name")))
        .order_by("user__full_name", "id")
    )


def consultant_get_for(*, user: Any, consultant_id: UUID, permission: str = "consultant.view") -> ConsultantProfile:
    consultant = access.get_or_404(
        user, permission,
        ConsultantProfile.objects.select_related("user", "agency", "region", "supervisor").prefetch_related(
            "languages", "counties"
        ),
        pk=consultant_id,
    )
    audit.record_view(user=user, obj=consultant)
    return consultant


def agency_queryset_for(*, user: Any) -> QuerySet[Agency]:
    return (
        access.visible(user, "agency.view", Agency.objects.all())
        .select_related("region")
        .annotate(consultant_count=Count("consultants", filter=Q(consultants__is_active=True)))
        .order_by("name")
    )


def agency_get_for(*, user: Any, agency_id: UUID, permission: str = "agency.view") -> Agency:
    return access.get_or_404(user, permission, Agency.objects.select_related("region"), pk=agency_id)


def region_queryset_for(*, user: Any) -> QuerySet[Region]:
    return (
        access.visible(user, "region.view", Region.objects.all())
        .annotate(
            county_count=Count("network_counties", distinct=True),
            program_count=Count("programs", filter=Q(programs__is_active=True), distinct=True),
        )
        .order_by("name")
    )


def region_get_for(*, user: Any, region_id: UUID) -> Region:
    return access.get_or_404(
        user, "region.view", Region.objects.prefetch_related("network_counties__county"), pk=region_id
    )


def regions_for_program_form(*, user: Any) -> QuerySet[Region]:
    """Regions in which the user may create programs."""
    return access.visible(user, "program.create", Region.objects.all()).order_by("name")

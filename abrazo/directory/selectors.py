"""Every read of the directory that a view or the API needs, scoped by the user."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from abrazo.accounts import access
from abrazo.accounts.models import Role
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.directory.models import (
    Agency,
    Classroom,
    ConsultantProfile,
    County,
    Language,
    Network,
    NetworkCounty,
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


# The columns the programs list shows: loading only these halves the cost of building a page.
PROGRAM_LIST_FIELDS = (
    "id", "name", "setting_type", "city", "license_number", "is_rural", "is_active",
    "county__fips", "county__name", "region__id", "region__name",
)


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
    classrooms: list[Classroom] = list(
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


@dataclass(frozen=True)
class ConsultantFilters:
    query: str = ""
    region_id: UUID | None = None
    county_fips: str = ""
    language: str = ""
    agency_id: UUID | None = None

    @property
    def is_search(self) -> bool:
        return bool(self.query)


def consultant_queryset_for(*, user: Any, filters: ConsultantFilters | None = None) -> QuerySet[ConsultantProfile]:
    """Active consultants the user may see, filtered; languages and counties come in two more queries."""
    filters = filters or ConsultantFilters()
    consultants = access.visible(user, "consultant.view", ConsultantProfile.objects.filter(is_active=True))
    if filters.query:
        for word in filters.query.split()[:6]:
            consultants = consultants.filter(
                Q(user__full_name__icontains=word) | Q(user__email__iexact=word) | Q(license_number__iexact=word)
            )
    if filters.region_id:
        consultants = consultants.filter(region_id=filters.region_id)
    if filters.county_fips:
        consultants = consultants.filter(counties__fips=filters.county_fips)
    if filters.language:
        consultants = consultants.filter(languages__code=filters.language)
    if filters.agency_id:
        consultants = consultants.filter(agency_id=filters.agency_id)
    return (
        consultants.select_related("user", "agency", "region", "supervisor")
        .prefetch_related("languages", Prefetch("counties", queryset=County.objects.order_by("name")))
        .order_by("user__full_name", "id")
    )


def consultant_page_record(*, user: Any, consultants: list[ConsultantProfile], filters: ConsultantFilters) -> None:
    """Consultants are people: audit the ids shown on a page of the list."""
    audit.record_list(
        user=user, model=ConsultantProfile, ids=[c.pk for c in consultants],
        action=Action.SEARCH if filters.is_search else Action.LIST,
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


def region_get_for(*, user: Any, region_id: UUID, permission: str = "region.view") -> Region:
    return access.get_or_404(
        user, permission,
        Region.objects.select_related("network").prefetch_related(
            Prefetch(
                "network_counties",
                queryset=NetworkCounty.objects.select_related("county").order_by("county__name"),
            )
        ),
        pk=region_id,
    )


def regions_for_program_form(*, user: Any) -> QuerySet[Region]:
    """Regions in which the user may create programs."""
    return access.visible(user, "program.create", Region.objects.all()).order_by("name")


def classroom_get_for(*, user: Any, classroom_id: UUID, permission: str = "classroom.view") -> Classroom:
    """The classroom if the user holds the permission on it (its program decides); else 404."""
    return access.get_or_404(
        user, permission, Classroom.objects.select_related("program", "program__network"), pk=classroom_id
    )


def staff_get_for(*, user: Any, staff_id: UUID, permission: str = "staff.view") -> ProgramStaff:
    staff = access.get_or_404(
        user, permission,
        ProgramStaff.objects.select_related("program").prefetch_related("languages", "classrooms"),
        pk=staff_id,
    )
    audit.record_view(user=user, obj=staff)
    return staff


def network_for(*, user: Any, permission: str) -> Network | None:
    """The network in which the user holds the permission (a new record goes there), if any."""
    roles = set(access.roles_with(permission))
    for membership in user.active_memberships:
        if membership.role in roles:
            return membership.network
    return None


def network_ids_of(user: Any) -> list[UUID]:
    return [membership.network_id for membership in user.active_memberships]


def served_counties_for(*, network_ids: list[UUID], region_ids: QuerySet[Any] | list[UUID] | None = None
                        ) -> QuerySet[County]:
    """Counties the networks serve (optionally only those of some regions), by name."""
    served = NetworkCounty.objects.filter(network_id__in=network_ids)
    if region_ids is not None:
        served = served.filter(region_id__in=region_ids)
    return County.objects.filter(fips__in=served.values("county_id")).order_by("name")


def program_form_counties_for(*, user: Any, program: Program | None = None) -> QuerySet[County]:
    """Counties offered on a program form: those of the regions where the user may add programs,
    and for an existing program those of its own region too (program staff may edit, not add)."""
    in_reach = Q(region_id__in=access.visible(user, "program.create", Region.objects.all()).values("pk"))
    if program is not None:
        in_reach |= Q(network_id=program.network_id, region_id=program.region_id)
    served = NetworkCounty.objects.filter(in_reach)
    return County.objects.filter(fips__in=served.values("county_id")).order_by("name")


def regions_for_permission(*, user: Any, permission: str) -> QuerySet[Region]:
    """Regions on which the user holds the permission (e.g. where they may place a consultant)."""
    return access.visible(user, permission, Region.objects.all()).order_by("name")


def agencies_of(*, network: Network) -> QuerySet[Agency]:
    return Agency.objects.filter(network=network, is_active=True).order_by("name")


def supervisors_of(*, network: Network) -> QuerySet[Any]:
    from abrazo.accounts.models import User

    return User.objects.filter(
        memberships__network=network, memberships__role=Role.SUPERVISOR, memberships__is_active=True
    ).distinct().order_by("full_name")


def agency_consultants_for(*, user: Any, agency: Agency) -> list[ConsultantProfile]:
    """Consultants of the agency that the user may see (a consultant sees only themself)."""
    consultants = list(
        access.visible(user, "consultant.view", ConsultantProfile.objects.filter(agency=agency, is_active=True))
        .select_related("user", "region")
        .order_by("user__full_name")
    )
    if consultants:
        audit.record_list(user=user, model=ConsultantProfile, ids=[c.pk for c in consultants])
    return consultants


def region_agencies_for(*, user: Any, region: Region) -> QuerySet[Agency]:
    return access.visible(user, "agency.view", Agency.objects.filter(region=region)).order_by("name")


def current_version_of(*, obj: Any) -> int:
    """The stored version of a record the user already holds, to let a stale editor try again."""
    version = type(obj)._default_manager.filter(pk=obj.pk).values_list("version", flat=True).first()
    return int(version) if version is not None else int(obj.version)


def _folded(text: str) -> str:
    # "Árabe" sorts with the A's: accents are set aside for the order only.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def language_choices(*, first: Sequence[str] = ("en", "es")) -> list[tuple[str, str]]:
    """Every language of the reference table as (code, name in the page's language): `first` in that order (the
    languages Abrazo itself speaks), then the others alphabetically. Call it when the form is built, so the names
    follow the page's language."""
    languages = {language.code: str(language) for language in Language.objects.all()}
    leading = [(code, languages[code]) for code in first if code in languages]
    others = sorted(((code, name) for code, name in languages.items() if code not in first),
                    key=lambda pair: _folded(pair[1]))
    return [*leading, *others]


# --- the network of the public pages ---------------------------------------------------------------------
#
# Public pages (the home, content pages, sitemap, library, suggestion, request and application forms, voices)
# are reached without signing in and often without a network in the address. They all decide which network is
# meant by the same rules, so that the home's links lead to the same network's library and forms:
#   1. the network named in the address (/library/n/<slug>/ ...);
#   2. on the forms staff also use (request, suggestion, application): a signed-in person's own network, because
#      staff enter requests for their own network from their pages;
#   3. the network named by the ABRAZO_SITE_NETWORK setting;
#   4. the deployment's only network;
#   5. then each page's own way: the first by name (the home and the forms, which need one), or a choice among the
#      networks that have something to show (the library, voices).


def _decided_network(*, slug: str | None, user: Any) -> Network | list[Network]:
    """The network meant without asking the visitor; else the first two networks by name (several could be
    meant). 404 when there is no such network, or none at all."""
    if slug:
        return get_object_or_404(Network, slug=slug)
    if user is not None and getattr(user, "is_authenticated", False):
        own: Network | None = user.primary_network
        if own is not None:
            return own
    configured = str(getattr(settings, "ABRAZO_SITE_NETWORK", "") or "")
    if configured:
        return get_object_or_404(Network, slug=configured)
    networks = list(Network.objects.order_by("name", "pk")[:2])
    if not networks:
        raise Http404
    return networks[0] if len(networks) == 1 else networks


def public_network(*, slug: str | None, user: Any = None) -> Network:
    """The network of a public page that must have one (the home, a form): by the rules above, else the first by
    name. Pass `user` only where a signed-in person's own network should win (the forms staff use)."""
    decided = _decided_network(slug=slug, user=user)
    return decided[0] if isinstance(decided, list) else decided


def public_network_or_choice(*, slug: str | None, offered: QuerySet[Network]) -> Network | None:
    """The network of a public page that may let the visitor choose (the library, voices): by the rules above,
    else the only one of `offered` (the networks with something to show); None: the visitor chooses among them."""
    decided = _decided_network(slug=slug, user=None)
    if not isinstance(decided, list):
        return decided
    candidates = list(offered.order_by("name", "pk")[:2])
    return candidates[0] if len(candidates) == 1 else None

"""The landing dashboard: who you are here, counts of what your role may see, and where to go next.

Counts only for now; later issues add their own panels. Every count goes through accounts.access, so
a tile never shows more than the lists behind it would, and the number of queries does not depend on
how much data there is (one per tile, plus at most one to find the person's own program or profile).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from abrazo.accounts import access
from abrazo.accounts.models import Membership, Role


@dataclass(frozen=True)
class Tile:
    label: str
    count: int
    url: str | None  # None when there is no list page of its own yet


@dataclass(frozen=True)
class QuickLink:
    label: str
    url: str
    hint: str = ""


@dataclass(frozen=True)
class Dashboard:
    name: str
    role_label: str
    scope_label: str
    tiles: list[Tile] = field(default_factory=list)
    links: list[QuickLink] = field(default_factory=list)

    @property
    def has_role(self) -> bool:
        return bool(self.role_label)


def _tile_sources() -> list[tuple[Any, str, models.QuerySet[Any], str | None]]:
    from abrazo.consultations.models import Episode, Phase
    from abrazo.directory.models import Agency, Classroom, ConsultantProfile, Program, ProgramStaff, Region
    from abrazo.incidents.models import EarlyWarning, WarningStatus
    from abrazo.intake.models import Request, RequestStatus
    from abrazo.library.models import Resource, ResourceStatus

    waiting = [RequestStatus.NEW, RequestStatus.NEEDS_INFO, RequestStatus.WAITLISTED]
    return [
        (_("Open early warnings"), "warning.view", EarlyWarning.objects.filter(status=WarningStatus.OPEN),
         "incidents:warning-list"),
        (_("Open requests"), "request.view", Request.objects.filter(status__in=waiting), "intake:request-list"),
        (_("Open episodes"), "episode.view", Episode.objects.exclude(phase__in=[Phase.CLOSED, Phase.FOLLOWED_UP]),
         "consultations:episode-list"),
        (_("Library suggestions waiting"), "resource.curate", Resource.objects.filter(status=ResourceStatus.SUGGESTED),
         "library:curation-queue"),
        (_("Programs"), "program.view", Program.objects.filter(is_active=True), "directory:program-list"),
        (_("Classrooms"), "classroom.view", Classroom.objects.filter(is_active=True), None),
        (_("Program staff"), "staff.view", ProgramStaff.objects.filter(is_active=True), None),
        (_("Consultants"), "consultant.view", ConsultantProfile.objects.filter(is_active=True),
         "directory:consultant-list"),
        (_("Agencies"), "agency.view", Agency.objects.filter(is_active=True), "directory:agency-list"),
        (_("Regions"), "region.view", Region.objects.all(), "directory:region-list"),
    ]


def _tiles_for(user: Any) -> list[Tile]:
    tiles = []
    for label, permission, rows, url_name in _tile_sources():
        if not access.has_permission(user, permission):
            continue
        count = access.visible(user, permission, rows).count()
        tiles.append(Tile(label=str(label), count=count, url=reverse(url_name) if url_name else None))
    return tiles


def _primary_membership(user: Any) -> Membership | None:
    role = user.primary_role
    return next((m for m in user.active_memberships if m.role == role), None)


def _consultant_profile(user: Any) -> Any:
    from abrazo.directory.models import ConsultantProfile

    return (
        access.visible(user, "consultant.view", ConsultantProfile.objects.filter(user=user))
        .select_related("agency")
        .first()
    )


def _own_programs(user: Any) -> list[Any]:
    """The programs a staff member belongs to, as far as access lets them see them (one query)."""
    from abrazo.directory.models import Program

    program_ids = [m.program_id for m in user.active_memberships if m.role == Role.PROGRAM_STAFF and m.program_id]
    if not program_ids:
        return []
    return list(
        access.visible(user, "program.view", Program.objects.filter(pk__in=program_ids)).order_by("name")[:5]
    )


def _with_query(url_name: str, **params: Any) -> str:
    return f"{reverse(url_name)}?{urlencode(params)}"


def _links_for(user: Any, consultant_profile: Any) -> list[QuickLink]:
    roles = user.roles
    links: list[QuickLink] = []
    if Role.NETWORK_ADMIN in roles:
        links.append(QuickLink(
            gettext("Audit log"), reverse("audit:event-list"), gettext("Who opened, listed or changed records")
        ))
        if (user.is_staff and access.has_permission(user, "admin_site.use")) or user.is_superuser:
            links.append(QuickLink(
                gettext("Administration"), reverse("admin:index"),
                gettext("Accounts, roles and reference data (Django admin)"),
            ))
        links.append(QuickLink(gettext("Regions and counties"), reverse("directory:region-list")))
    coordinator_regions = [m.region for m in user.active_memberships if m.role == Role.REGIONAL_COORDINATOR]
    for region in coordinator_regions:
        if region is None:
            continue
        links.append(QuickLink(
            gettext("Programs in %(region)s") % {"region": region.name},
            _with_query("directory:program-list", region=region.pk),
            gettext("Browse, add and update the programs of your region"),
        ))
        links.append(QuickLink(
            gettext("Consultants in %(region)s") % {"region": region.name},
            _with_query("directory:consultant-list", region=region.pk),
        ))
    if Role.SUPERVISOR in roles:
        links.append(QuickLink(
            gettext("Your consultants"), reverse("directory:consultant-list"),
            gettext("The consultants you supervise"),
        ))
    if Role.CONSULTANT in roles:
        if consultant_profile is not None:
            links.append(QuickLink(
                gettext("Your consultant profile"), consultant_profile.get_absolute_url(),
                gettext("License, languages and the counties you serve"),
            ))
        links.append(QuickLink(
            gettext("Programs in the counties you serve"), reverse("directory:program-list")
        ))
    if Role.PROGRAM_STAFF in roles:
        for program in _own_programs(user):
            links.append(QuickLink(
                program.name, program.get_absolute_url(), gettext("Your program: details, classrooms and staff")
            ))
    if Role.EVALUATOR in roles:
        links.append(QuickLink(
            gettext("Programs"), reverse("directory:program-list"), gettext("The programs of the network")
        ))
    links.append(QuickLink(
        gettext("Account security"), reverse("mfa_index"),
        gettext("Two-factor authentication, recovery codes and sessions"),
    ))
    seen: set[str] = set()
    unique = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            unique.append(link)
    return unique


def _scope_label(membership: Membership | None, consultant_profile: Any) -> str:
    if membership is None:
        return ""
    if membership.program is not None:
        return membership.program.name
    if membership.region is not None:
        return membership.region.name
    if membership.agency is not None:
        return membership.agency.name
    if membership.role == Role.CONSULTANT and consultant_profile is not None:
        return consultant_profile.agency.name
    return membership.network.name


def dashboard_for(user: Any) -> Dashboard:
    """What the landing page shows this person: their role and scope, counts, and quick links."""
    membership = _primary_membership(user)
    consultant_profile = _consultant_profile(user) if Role.CONSULTANT in user.roles else None
    return Dashboard(
        name=user.get_short_name(),
        role_label=str(membership.get_role_display()) if membership else "",
        scope_label=_scope_label(membership, consultant_profile),
        tiles=_tiles_for(user),
        links=_links_for(user, consultant_profile) if membership else [],
    )

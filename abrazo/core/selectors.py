"""The landing dashboard: counts of what each role may see (later issues add their own panels)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from abrazo.accounts import access


@dataclass(frozen=True)
class Tile:
    label: str
    count: int
    url_name: str


def dashboard_for(user: Any) -> list[Tile]:
    from abrazo.directory.models import Agency, Classroom, ConsultantProfile, Program, ProgramStaff, Region

    candidates = [
        (_("Programs"), "program.view", Program, "directory:program-list"),
        (_("Classrooms"), "classroom.view", Classroom, "directory:program-list"),
        (_("Program staff"), "staff.view", ProgramStaff, "directory:program-list"),
        (_("Consultants"), "consultant.view", ConsultantProfile, "directory:consultant-list"),
        (_("Agencies"), "agency.view", Agency, "directory:agency-list"),
        (_("Regions"), "region.view", Region, "directory:region-list"),
    ]
    tiles = []
    for label, permission, model, url_name in candidates:
        if not access.has_permission(user, permission):
            continue
        count = access.visible(user, permission, model.objects.filter(is_active=True) if hasattr(
            model, "is_active") else model.objects.all()).count()
        tiles.append(Tile(label=str(label), count=count, url_name=url_name))
    return tiles

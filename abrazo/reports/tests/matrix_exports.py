"""Records for the permission matrix (tests/security/matrix.py) for the exports centre: what each URL's id names,
and one record inside and outside each person's reach.

An export file is not reached through a scope but through ownership: whatever a person's role and scope, the only
files they may download or delete are their own (export_service.export_get_for). So the inside record is a file of
the person the matrix signs in as, and the outside record is a file of a colleague who holds the same role with the
same membership in the same network: a geographic scope would reach it, ownership must not. The names carry a
"{role}" placeholder, which the matrix fills with the role it is checking (see MatrixWorld.inside_and_outside).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from abrazo.accounts.access import Scope
from abrazo.accounts.models import Membership
from abrazo.accounts.tests.factories import UserFactory
from abrazo.reports.export_kinds import kinds_for
from abrazo.reports.models import ExportFile, ExportFormat, ExportStatus

URL_OBJECTS: dict[str, str] = {
    "exports:download": "export_file",
    "exports:delete": "export_file",
}

# Every scope maps to the same pair, filled per role: ownership, not geography, decides.
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    "export_file": dict.fromkeys(Scope, ("export_file_of_{role}", "export_file_of_{role}_colleague")),
}

# Views that act on POST only: the matrix sends them an empty POST (a GET would answer 405 inside and outside
# alike and so say nothing about ownership), and this is the answer when the action is granted.
POST_ANSWERS: dict[str, int] = {
    "exports:delete": 302,  # the file is deleted and the person goes back to the centre
}


def _colleague(person: Any) -> Any:
    """Someone else holding the same memberships as `person` (same role, network, region, agency, program)."""
    colleague = UserFactory()
    for membership in person.active_memberships:
        Membership.objects.create(
            user=colleague, network_id=membership.network_id, role=membership.role, region_id=membership.region_id,
            agency_id=membership.agency_id, program_id=membership.program_id,
        )
    return colleague


def _ready_file(owner: Any, network: Any) -> ExportFile:
    """A finished export that its owner could download right now: a kind they may export, in the form they get
    it (identified or de-identified), so that only ownership and the permission decide. A person who may
    export nothing (no export.download) gets a programs file: the matrix expects a 404 for it anyway."""
    offered = kinds_for(owner)
    kind_key, form = (offered[0][0].key, offered[0][1]) if offered else ("programs", "identified")
    export = ExportFile(
        owner=owner, network=network, kind=kind_key, file_format=ExportFormat.CSV,
        deidentified=form == "deidentified", status=ExportStatus.READY, row_count=1,
        finished_at=timezone.now(), expires_at=timezone.now() + dt.timedelta(days=7),
    )
    export.file.save("matrix.csv", ContentFile(b"id\r\n1\r\n"), save=False)
    export.size_bytes = export.file.size
    export.save()
    return export


def build_objects(objects: dict[str, Any], people: dict[str, Any]) -> dict[str, Any]:
    """One ready file of each of the world's people, and one of a same-role colleague of each."""
    made: dict[str, Any] = {}
    for role, person in people.items():
        made[f"export_file_of_{role}"] = _ready_file(person, objects["network"])
        made[f"export_file_of_{role}_colleague"] = _ready_file(_colleague(person), objects["network"])
    return made

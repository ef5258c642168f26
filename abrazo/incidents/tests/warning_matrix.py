"""Early-warning records for the permission matrix (tests/security/matrix.py): what each URL's id names, and one
record inside and outside each scope of the `world` fixture's people."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from abrazo.accounts.access import Scope
from abrazo.incidents.models import EarlyWarning, WarningReason
from abrazo.incidents.tests.factories import ChildFactory, IncidentFactory

URL_OBJECTS: dict[str, str] = {
    "incidents:warning-detail": "warning",
    "incidents:warning-request": "warning",
    "incidents:warning-close": "warning",
}

# warning_a: a child of program A (region A, the world's program staff's program); warning_b: program B
# (region B); other_warning: the other network.
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    "warning": {
        Scope.NETWORK: ("warning_a", "other_warning"),
        Scope.REGION: ("warning_a", "warning_b"),
        Scope.PROGRAM: ("warning_a", "warning_b"),
    },
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    """An open warning (a child sent home yesterday) at programs A and B and in the other network."""
    made: dict[str, Any] = {}
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for name, program in (("warning_a", objects["program_a"]), ("warning_b", objects["program_b"]),
                          ("other_warning", objects["other_program"])):
        child = ChildFactory(program=program)
        IncidentFactory(child=child, occurred_on=yesterday, oss=True)
        made[name] = EarlyWarning.objects.create(
            network=program.network, program=program, child=child, reason=WarningReason.OSS,
            triggered_on=yesterday, incident_count=1,
        )
    return made

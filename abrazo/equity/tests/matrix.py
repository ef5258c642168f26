"""Records for the permission matrix (tests/security/matrix.py): what each URL's id names, and one record
inside and outside each scope."""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope

URL_OBJECTS: dict[str, str] = {
    "equity:program": "program",
    # A region's dashboard: the regions of the matrix world, plus the program-staff case, which the plain
    # "region" kind has no row for. Program staff (scope: their program) may open their own program's
    # region, where the page points to their program's dashboard and shows no region figure; another
    # region does not exist for them.
    "equity:region": "equity_region",
}
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    "equity_region": {
        Scope.NETWORK: ("region_a", "other_region"),
        Scope.REGION: ("region_a", "region_b"),
        Scope.PROGRAM: ("region_a", "region_b"),
    },
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    return {}  # the regions and programs of the matrix world are enough

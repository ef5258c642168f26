"""Records for the permission matrix (tests/security/matrix.py) for the workforce capacity pages.

The report (workforce:capacity-report) and its export (workforce:capacity-export) take no id in the path: the
network, cohorts and region travel as query parameters and are checked by capacity_selectors (another network's
id is a 404, tested in test_capacity_views). So the matrix checks them per role only, and these tables stay
empty."""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope

URL_OBJECTS: dict[str, str] = {}

SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    return {}

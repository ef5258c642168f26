"""Records for the permission matrix (tests/security/matrix.py) for the workforce supervision pages: what each URL's
id names, and one record inside and outside each scope."""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope

URL_OBJECTS: dict[str, str] = {}

SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    return {}

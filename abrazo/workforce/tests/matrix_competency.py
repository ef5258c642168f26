"""Records for the permission matrix (tests/security/matrix.py) for the workforce competency pages: what each URL's
id names, and one record inside and outside each scope."""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope

URL_OBJECTS: dict[str, str] = {
    "workforce:competency-domain-edit": "competency_domain",
    # Rating a consultant and their growth page are checked against the consultant's profile (the directory's
    # "consultant" kind: consultant_a is the world's consultant, supervised by the world's supervisor, in region A).
    "workforce:competency-assessment-new": "consultant",
    "workforce:competency-growth": "consultant",
}

# The framework belongs to the network: competency_domain_a is a domain of the world's network, and
# other_competency_domain one of the other network's.
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    "competency_domain": {Scope.NETWORK: ("competency_domain_a", "other_competency_domain")},
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    from abrazo.workforce.competency_selectors import competency_framework_for

    return {
        "competency_domain_a": competency_framework_for(objects["network"])[0],
        "other_competency_domain": competency_framework_for(objects["other_network"])[0],
    }

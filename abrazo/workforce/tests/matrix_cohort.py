"""Records for the permission matrix (tests/security/matrix.py) for the workforce cohort pages: what each URL's
id names, and one record inside and outside each scope."""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope

URL_OBJECTS: dict[str, str] = {
    "workforce:cohort-detail": "cohort",
    "workforce:cohort-edit": "cohort",
    "workforce:session-new": "cohort",  # a new session is checked against its cohort
    "workforce:assignment-new": "cohort",  # so is a new assignment
    "workforce:session-edit": "cohort_session",
    "workforce:session-attendance": "cohort_session",
    "workforce:assignment-edit": "assignment",
    "workforce:assignment-completions": "assignment",
    "workforce:participant-detail": "participant",
    "workforce:participant-edit": "participant",
    "workforce:participant-complete": "participant",  # GET shows where they stand (here: already completed)
    "workforce:participant-withdraw": "participant",  # GET asks for confirmation
    "workforce:certificate": "participant",
    "workforce:certificate-pdf": "participant",
    "workforce:certificate-reissue": "participant",  # GET asks for confirmation
    "workforce:certificate-verify": "certificate_token",  # public, named by its secret (a slug): 200 for all
    "workforce:certificate-verify-pdf": "certificate_token",
}


def _pairs(kind: str) -> dict[Scope, tuple[str, str]]:
    # The network scope's outside record is the other network's; the region scope's is region B's.
    return {Scope.NETWORK: (f"{kind}_a", f"other_{kind}"), Scope.REGION: (f"{kind}_a", f"{kind}_b")}


# cohort_a: a cohort of region A (the world's coordinator runs region A); cohort_b: region B; other_cohort: the
# other network. Each has one session, one assignment and one graduate (participant_*), whose certificate
# link is certificate_token_a / other_certificate_token.
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    "cohort": _pairs("cohort"),
    "cohort_session": _pairs("cohort_session"),
    "assignment": _pairs("assignment"),
    "participant": _pairs("participant"),
    "certificate_token": {Scope.NETWORK: ("certificate_token_a", "other_certificate_token")},
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    from types import SimpleNamespace

    from abrazo.workforce.tests.factories_cohort import (
        AssignmentFactory,
        CohortFactory,
        SessionFactory,
        graduate,
    )

    made: dict[str, Any] = {}
    for name, network, region in (("{}_a", "network", "region_a"), ("{}_b", "network", "region_b"),
                                  ("other_{}", "other_network", "other_region")):
        cohort = CohortFactory(network=objects[network], region=objects[region])
        made[name.format("cohort")] = cohort
        made[name.format("cohort_session")] = SessionFactory(cohort=cohort, number=1)
        made[name.format("assignment")] = AssignmentFactory(cohort=cohort)
        done = graduate(cohort=cohort)
        made[name.format("participant")] = done.participant
        # Only the secret's hash is stored: the matrix gets the secret itself as the slug of the URL.
        made[name.format("certificate_token")] = SimpleNamespace(slug=done.token, pk=done.token)
    return made

"""Records for the permission matrix (tests/security/matrix.py) for the workforce supervision pages: what each URL's
id names, and one record inside and outside each scope."""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope

URL_OBJECTS: dict[str, str] = {
    "workforce:supervision-detail": "supervision_log",
    "workforce:supervision-edit": "supervision_log",
    # Signing off and returning answer GET with a confirmation page (200), POST does the work.
    "workforce:supervision-sign-off": "supervision_log",
    "workforce:supervision-return": "supervision_log",
}

# supervision_log_a: consultant_a's (region A, supervised by the world's supervisor), waiting for sign-off so
# that its edit and sign-off pages open; supervision_log_b: consultant_b's (region B, another supervisor);
# other_supervision_log: the other network's consultant's.
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    "supervision_log": {
        scope: ("supervision_log_a", "other_supervision_log" if scope == Scope.NETWORK else "supervision_log_b")
        for scope in (Scope.NETWORK, Scope.REGION, Scope.SELF, Scope.SUPERVISEES)
    },
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    from abrazo.workforce.tests.factories_supervision import SupervisionLogFactory, a_supervisor

    consultant_a = objects["consultant_a"]
    assert consultant_a.supervisor is not None  # the world's supervisor
    return {
        "supervision_log_a": SupervisionLogFactory(supervisee=consultant_a),
        "supervision_log_b": SupervisionLogFactory(supervisee=objects["consultant_b"],
                                                   supervisor=a_supervisor(objects["network"])),
        "other_supervision_log": SupervisionLogFactory(supervisee=objects["other_consultant"],
                                                       supervisor=a_supervisor(objects["other_network"])),
    }

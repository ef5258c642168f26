"""Records for the permission matrix (tests/security/matrix.py): what each URL's id names, and one record
inside and outside each scope."""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope

URL_OBJECTS: dict[str, str] = {
    "incidents:child-new": "program",  # a new child is checked against its program (child.edit)
    "incidents:child-detail": "child",
    "incidents:child-edit": "child",
    "incidents:enrollment-add": "child",
    "incidents:enrollment-end": "enrollment",
    "incidents:exclusion-new": "child",  # an exclusion on its own is checked against the child (incident.record)
    "incidents:exclusion-edit": "exclusion",
    "incidents:incident-new": "program",  # a new incident is checked against its program (incident.record)
    "incidents:incident-detail": "incident",
    "incidents:incident-edit": "incident",
    # Roster and incident files are imported into one program (incident.import).
    "incidents:import-roster": "program",
    "incidents:import-roster-confirm": "program",
    "incidents:import-incidents": "program",
    "incidents:import-incidents-confirm": "program",
}

# child_a: program A (region A, where the world's consultant holds an episode, so ENGAGED for the consultant
# and their supervisor); child_b: program B (region B, another consultant's episode); other_child: the other
# network. Each has its enrolment, an incident and an exclusion, placed the same way.
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    kind: {
        scope: (f"{kind}_a", f"other_{kind}" if scope == Scope.NETWORK else f"{kind}_b")
        for scope in (Scope.NETWORK, Scope.REGION, Scope.PROGRAM, Scope.ENGAGED)
    }
    for kind in ("child", "enrollment", "incident", "exclusion")
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    """A child at programs A, B and the other network's, each enrolled, with an incident and an exclusion."""
    from abrazo.incidents.tests.factories import ChildFactory, ExclusionFactory, IncidentFactory

    made: dict[str, Any] = {}
    for suffix, program, classroom in (
        ("a", "program_a", "classroom_a"), ("b", "program_b", "classroom_b"),
        ("other", "other_program", "other_classroom"),
    ):
        def name(kind: str, suffix: str = suffix) -> str:
            return f"other_{kind}" if suffix == "other" else f"{kind}_{suffix}"

        child = ChildFactory(program=objects[program], classroom=objects.get(classroom))
        made[name("child")] = child
        made[name("enrollment")] = child.enrollments.get()
        made[name("incident")] = IncidentFactory(child=child, oss=True)
        made[name("exclusion")] = ExclusionFactory(child=child)
    return made

"""Group and brief-contact records for the permission matrix (tests/security/matrix.py): what each URL's id
names, and one record inside and outside each scope of the `world` fixture's people."""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope
from abrazo.consultations.tests.group_factories import BriefContactFactory, GroupFactory, GroupMemberFactory
from abrazo.directory.tests.factories import county

URL_OBJECTS: dict[str, str] = {
    "consultations:group-detail": "group",
    "consultations:group-edit": "group",
    "consultations:group-member-add": "group",
    "consultations:group-session-new": "group",
    "consultations:group-member-remove": "groupmember",
    "consultations:brief-detail": "briefcontact",
    "consultations:brief-to-request": "briefcontact",
}

# *_a: region A, led / logged by the world's consultant, whom the world's supervisor supervises;
# *_b: region B, another consultant; other_*: the other network.
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    kind: {
        scope: (f"{kind}_a", f"other_{kind}" if scope == Scope.NETWORK else f"{kind}_b")
        for scope in (Scope.NETWORK, Scope.REGION, Scope.SELF, Scope.SUPERVISEES)
    }
    for kind in ("group", "groupmember", "briefcontact")
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    """A group (with a member) and a helpline call for each of consultants A, B and the other network's."""
    made: dict[str, Any] = {}
    for suffix, consultant, fips in (("a", "consultant_a", "06019"), ("b", "consultant_b", "06037"),
                                     ("other", "other_consultant", "06019")):
        def name(kind: str, suffix: str = suffix) -> str:
            return f"other_{kind}" if suffix == "other" else f"{kind}_{suffix}"

        profile = objects[consultant]
        group = GroupFactory(facilitator=profile)
        made[name("group")] = group
        made[name("groupmember")] = GroupMemberFactory(group=group)
        made[name("briefcontact")] = BriefContactFactory(consultant=profile, county=county(fips))
    return made

"""Emergency ("break glass") grants for the permission matrix (tests/security/matrix.py): what the review page's id
names, and one grant inside and outside the network administrator's scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from abrazo.accounts.access import Scope

URL_OBJECTS: dict[str, str] = {"audit:break-glass-detail": "break_glass_grant"}

# break_glass_grant: a grant in the world's network; other_break_glass_grant: one in the other network.
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    "break_glass_grant": {Scope.NETWORK: ("break_glass_grant", "other_break_glass_grant")},
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    """One grant per network, already expired and held by a supervisor of its own, so that it opens nothing to the
    matrix's people (an active grant of the world's supervisor would change their answers)."""
    from abrazo.accounts.models import Role
    from abrazo.accounts.tests.factories import make_person
    from abrazo.audit.models import BreakGlassGrant

    made: dict[str, Any] = {}
    granted = timezone.now() - timedelta(days=2)
    for name, network, episode in (
        ("break_glass_grant", objects["network"], objects["episode_b"]),
        ("other_break_glass_grant", objects["other_network"], objects["other_episode"]),
    ):
        made[name] = BreakGlassGrant.objects.create(
            network=network, user=make_person(network, Role.SUPERVISOR), role=Role.SUPERVISOR,
            object_type="consultations.episode", object_id=episode.pk,
            reason="Matrix: a grant that ended two days ago.", granted_at=granted,
            expires_at=granted + timedelta(hours=1),
        )
    return made

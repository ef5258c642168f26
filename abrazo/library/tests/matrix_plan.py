"""Records for the permission matrix (tests/security/matrix.py) for resources in an episode's work: what each URL's id
names, and one record inside and outside each scope.

The episode's resources section and the attach page take an episode (the episode matrix's episode_a, episode_b,
other_episode); remove and send take a resource attached to one of those episodes' plans (started by their goal)."""

from __future__ import annotations

from typing import Any

from abrazo.accounts.access import Scope
from abrazo.library.tests.factories_plan import PlanResourceFactory

URL_OBJECTS: dict[str, str] = {
    "library:plan-episode-section": "episode",
    "library:plan-resources": "episode",
    "library:plan-resource-remove": "plan_resource",
    "library:plan-resource-send": "plan_resource",
}

# plan_resource_a hangs off episode_a (program A, the world's consultant), plan_resource_b off episode_b (program
# B, another consultant), other_plan_resource off the other network's episode: the same placement as the episodes.
SCOPED_OBJECTS: dict[str, dict[Scope, tuple[str, str]]] = {
    "plan_resource": {
        scope: ("plan_resource_a", "other_plan_resource" if scope == Scope.NETWORK else "plan_resource_b")
        for scope in (Scope.NETWORK, Scope.REGION, Scope.PROGRAM, Scope.SELF, Scope.SUPERVISEES)
    },
}


def build_objects(objects: dict[str, Any]) -> dict[str, Any]:
    """A published resource of each episode's network, attached to that episode's plan."""
    made: dict[str, Any] = {}
    for goal, name in (("goal_a", "plan_resource_a"), ("goal_b", "plan_resource_b"),
                       ("other_goal", "other_plan_resource")):
        made[name] = PlanResourceFactory(plan=objects[goal].plan)
    return made

"""Early warning: noticing a child whose incidents cross the network's threshold."""

from __future__ import annotations

from abrazo.incidents.models import Child, EarlyWarning


def evaluate_child(child: Child) -> EarlyWarning | None:
    """Open a warning for the child when their incidents or exclusions now cross the network's
    threshold and none is open; return the open warning, if any. Called inside the writing transaction."""
    raise NotImplementedError

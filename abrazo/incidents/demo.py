"""Demo rosters, incidents and exclusions (filled in by the demo step of issue 4)."""

from __future__ import annotations

from typing import Any


def load_incidents(builder: Any, network: Any) -> None:
    return None


def wipe_incidents(network: Any) -> None:
    return None

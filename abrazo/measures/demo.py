"""Demo administrations: pre/post measures on the demo's episodes (filled in by issue 5's demo step)."""

from __future__ import annotations

from typing import Any


def load_measures(builder: Any, network: Any) -> None:
    return None


def wipe_measures(network: Any) -> None:
    return None

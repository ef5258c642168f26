"""Keeping the ChildYear rollup current (see equity/models.py)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID


def refresh_children(child_ids: Iterable[UUID]) -> None:
    """Recompute the ChildYear rows of these children from their enrolments, incidents and exclusions."""
    raise NotImplementedError


def schedule_refresh(child_ids: Iterable[UUID]) -> None:
    """Refresh after the current transaction commits, through the task queue."""
    raise NotImplementedError


def rebuild_network(network_id: UUID) -> int:
    """Rebuild every ChildYear row of a network (after a demo load or a bulk import); return the rows written.

    Set-based (a few SQL statements, not a loop over children) so that it scales to a state.
    """
    raise NotImplementedError

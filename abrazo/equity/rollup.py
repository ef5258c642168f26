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

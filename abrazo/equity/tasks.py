"""Background work for the equity rollup, run by the task queue after the write that caused it commits.

Tasks take child ids as strings (task arguments must be JSON) and recompute from what is in the
database when they run, so a task that runs late, or twice, still leaves the right rows.
"""

from __future__ import annotations

from uuid import UUID

from django_tasks import task

# Children per task: a bulk import of incidents becomes several modest tasks.
CHILDREN_PER_TASK = 1000


@task()
def refresh_child_years(child_ids: list[str]) -> None:
    """Recompute the ChildYear rows of these children."""
    from abrazo.equity.rollup import refresh_children

    refresh_children(UUID(child_id) for child_id in child_ids)

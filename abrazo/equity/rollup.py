"""Keeping the ChildYear rollup current (see equity/models.py).

Every row is written by one INSERT ... SELECT (one grouping of enrolment-years, incidents and exclusions)
shared by the refresh of a few children and the rebuild of a network, so the two cannot disagree. It is
plain SQL that PostgreSQL and SQLite both run: the school years are a small VALUES list made here (one row
per year with its first and last day) instead of `generate_series`, which SQLite lacks; dates are compared
with dates, never taken apart, so no date function of either database is needed.

Rows are inserted in (school year, child) order. A year's rows then sit together on disk (the dashboard
reads one year), and the child indexes and foreign-key checks walk their keys in order instead of at
random: at state scale (2.5 million rows) that made the rebuild about 45% faster on PostgreSQL.

A child has a row for each school year one of their enrolments overlaps. An enrolment with no end date
reaches the current school year (or the year it starts in, if later): rows for the new year appear when
the rollup is rebuilt after July 1, which is why `abrazo equity_rollup` runs every night.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from functools import partial
from typing import Any
from uuid import UUID

from django.db import connection, transaction
from django.utils import timezone

from abrazo.equity.counts import _db_date, _db_uuid, school_year_of
from abrazo.equity.models import ChildYear

# Ids per statement when refreshing many children: below SQLite's oldest limit on bound variables.
CHUNK = 400
_EXCLUSION_KINDS = ("iss", "oss", "dismissal")

_INSERT = """
    INSERT INTO equity_childyear (
        network_id, region_id, program_id, child_id, school_year, race_ethnicity, gender, iep, dll,
        home_language, incidents, iss, oss, dismissals, exclusions, days_lost
    )
    WITH years (y, y_start, y_end) AS (VALUES {years}),
    facts (child_id, y, enrolled, incidents, iss, oss, dismissals, exclusions, days_lost) AS (
        -- One row per enrolment-year, incident and exclusion, summed per (child, year) below: a single
        -- grouping, where joining three grouped sets made SQLite scan the two counts for every enrolled
        -- child (quadratic: a state-scale rebuild never finished).
        SELECT en.child_id, y.y, 1, 0, 0, 0, 0, 0, 0
        FROM incidents_enrollment en
        JOIN years y ON en.start_date <= y.y_end
             AND (en.end_date >= y.y_start OR (en.end_date IS NULL AND (y.y <= %s OR en.start_date >= y.y_start)))
        WHERE en.{scope}
        UNION ALL
        SELECT i.child_id, y.y, 0, 1,
               CASE WHEN i.is_iss THEN 1 ELSE 0 END,
               CASE WHEN i.is_oss THEN 1 ELSE 0 END,
               CASE WHEN i.is_dismissal THEN 1 ELSE 0 END,
               CASE WHEN i.is_iss OR i.is_oss OR i.is_dismissal THEN 1 ELSE 0 END,
               0
        FROM incidents_incident i
        JOIN years y ON i.occurred_on >= y.y_start AND i.occurred_on <= y.y_end
        WHERE i.{scope}
        UNION ALL
        -- An exclusion recorded with its incident is that incident (already counted by its flags);
        -- only those recorded on their own add an event. Days lost count for every exclusion.
        SELECT x.child_id, y.y, 0, 0,
               CASE WHEN x.incident_id IS NULL AND x.kind = 'iss' THEN 1 ELSE 0 END,
               CASE WHEN x.incident_id IS NULL AND x.kind = 'oss' THEN 1 ELSE 0 END,
               CASE WHEN x.incident_id IS NULL AND x.kind = 'dismissal' THEN 1 ELSE 0 END,
               CASE WHEN x.incident_id IS NULL AND x.kind IN ('iss', 'oss', 'dismissal') THEN 1 ELSE 0 END,
               COALESCE(x.days_lost, 0)
        FROM incidents_exclusion x
        JOIN years y ON x.starts_on >= y.y_start AND x.starts_on <= y.y_end
        WHERE x.{scope}
    ),
    per_year AS (
        -- Only the years a child was enrolled get a row; events in other years are not counted.
        SELECT child_id, y, SUM(incidents) AS incidents, SUM(iss) AS iss, SUM(oss) AS oss,
               SUM(dismissals) AS dismissals, SUM(exclusions) AS exclusions, SUM(days_lost) AS days_lost
        FROM facts
        GROUP BY child_id, y
        HAVING MAX(enrolled) = 1
    )
    SELECT c.network_id, p.region_id, c.program_id, c.id, t.y, c.race_ethnicity, c.gender, c.iep, c.dll,
           COALESCE(c.home_language_id, ''),
           t.incidents, t.iss, t.oss, t.dismissals, t.exclusions, t.days_lost
    FROM per_year t
    JOIN incidents_child c ON c.id = t.child_id
    JOIN directory_program p ON p.id = c.program_id
    ORDER BY t.y, t.child_id
"""


def _years_between(first: date, last: date) -> tuple[str, list[Any]]:
    """The VALUES rows (year, first day, last day) of every school year from `first` to `last`."""
    rows, params = [], []
    for year in range(school_year_of(first), school_year_of(last) + 1):
        rows.append("(%s, %s, %s)")
        params += [year, _db_date(date(year, 7, 1)), _db_date(date(year + 1, 6, 30))]
    if connection.vendor == "postgresql" and rows:
        # PostgreSQL types a VALUES column from its first row; say once that these are int and date.
        rows[0] = "(%s::integer, %s::date, %s::date)"
    return ", ".join(rows), params


def _write(scope_sql: str, scope_params: Sequence[Any], *, today: date | None = None) -> int:
    """Insert the rows of the children the scope selects (on enrolments, incidents and exclusions)."""
    today = today or timezone.localdate()
    with connection.cursor() as cursor:
        # The years to consider: from the earliest date the scope has to the latest (or today).
        cursor.execute(
            f"""SELECT MIN(d), MAX(d) FROM (
                    SELECT MIN(en.start_date) AS d FROM incidents_enrollment en WHERE en.{scope_sql}
                    UNION ALL SELECT MAX(en.end_date) FROM incidents_enrollment en WHERE en.{scope_sql}
                    UNION ALL SELECT MAX(en.start_date) FROM incidents_enrollment en WHERE en.{scope_sql}
                ) bounds""",  # noqa: S608 - the scope is a constant of this module; values are parameters
            [*scope_params, *scope_params, *scope_params],
        )
        first, last = cursor.fetchone()
        if first is None:
            return 0
        first, last = _as_date(first), max(_as_date(last), today)
        years, year_params = _years_between(first, last)
        cursor.execute(
            _INSERT.format(years=years, scope=scope_sql),
            [*year_params, school_year_of(today), *scope_params, *scope_params, *scope_params],
        )
        return cursor.rowcount


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def refresh_children(child_ids: Iterable[UUID]) -> None:
    """Recompute the ChildYear rows of these children from their enrolments, incidents and exclusions."""
    ids = sorted(set(child_ids), key=str)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        with transaction.atomic():
            ChildYear.objects.filter(child_id__in=chunk).delete()
            placeholders = ", ".join(["%s"] * len(chunk))
            _write(f"child_id IN ({placeholders})", [_db_uuid(child_id) for child_id in chunk])


def schedule_refresh(child_ids: Iterable[UUID]) -> None:
    """Refresh after the current transaction commits, through the task queue."""
    from abrazo.equity import tasks

    ids = sorted({str(child_id) for child_id in child_ids})
    if not ids:
        return
    # A big import touches thousands of children: several modest tasks, not one huge argument list.
    size = tasks.CHILDREN_PER_TASK
    for start in range(0, len(ids), size):
        transaction.on_commit(partial(tasks.refresh_child_years.enqueue, child_ids=ids[start:start + size]))


def rebuild_network(network_id: UUID) -> int:
    """Rebuild every ChildYear row of a network (after a demo load or a bulk import); return the rows written.

    Set-based (a few SQL statements, not a loop over children) so that it scales to a state.
    """
    with transaction.atomic():
        ChildYear.objects.filter(network_id=network_id).delete()
        written = _write("network_id = %s", [_db_uuid(network_id)])
        if connection.vendor == "postgresql" and written > 10_000:
            # A bulk rewrite leaves the planner's statistics stale until autovacuum comes by; with
            # stale ones it can choose a plan made for an empty table for the first dashboards.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE equity_childyear")
    return written

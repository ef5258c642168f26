"""Counting children and events per group for the equity engine, from the database.

Not scoped by user: callers (equity.selectors, the dashboard, reports) decide which units a person may
see and pass their ids here. Whole school years are read from the ChildYear rollup; any other period
is counted from enrolments and incidents directly. Both paths give the same numbers (tested).

Only children enrolled in the period are counted, and only their events. An incident of a child with
no enrolment overlapping the period (recorded after the enrolment ended, or before it began) is left
out on purpose: the risk ratio compares children *with* the outcome to children *enrolled*, so every
child in the numerator must also be in the denominator. Counting such an incident would let a group's
risk exceed 1 and make the 2x2 table of the Fisher test impossible (a > n1).

The aggregation is done by the database in one GROUP BY per unit (enrolled children, children with at
least one event, events), over per-child rows that come either from ChildYear or from the source
tables; the outer aggregation is the same SQL for both, so they cannot drift apart in how they count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any
from uuid import UUID

from django.db import connection, models
from django.utils import timezone

from abrazo.equity.metrics import GroupCounts

# Dimensions every roster has; any key of Child.extra is also a dimension, named "extra:<key>".
DIMENSIONS = ("race_ethnicity", "gender", "iep", "dll", "home_language")
NOT_REPORTED = "not_reported"  # the group of children with no value for the dimension


@dataclass(frozen=True)
class Period:
    start: date  # inclusive
    end: date  # inclusive

    @classmethod
    def school_year(cls, starting: int) -> Period:
        """July `starting` to June of the next year."""
        return cls(date(starting, 7, 1), date(starting + 1, 6, 30))

    @property
    def whole_school_year(self) -> int | None:
        if self.start.month == 7 and self.start.day == 1 and self.end == date(self.start.year + 1, 6, 30):
            return self.start.year
        return None


@dataclass(frozen=True)
class Unit:
    kind: str  # "network", "region" or "program"
    id: UUID


@dataclass
class UnitCounts:
    unit: Unit
    groups: list[GroupCounts]  # the unit's children split by the dimension, groups sorted by code
    next_level: list[GroupCounts] | None  # the same for the unit one level up (None for a network)
    by_program: dict[UUID, list[GroupCounts]] = field(default_factory=dict)  # when asked for


# What each outcome counts: the ChildYear column (fast path), the incident flag and the kinds of
# standalone Exclusion rows (direct path). An exclusion recorded *with* an incident is that incident
# already (its flags say what it was), so only exclusions without one are added.
OUTCOME_COLUMNS = {
    "incident": "incidents", "iss": "iss", "oss": "oss", "dismissal": "dismissals", "exclusion": "exclusions",
}
_INCIDENT_CONDITIONS = {
    "incident": "",
    "iss": "AND i.is_iss",
    "oss": "AND i.is_oss",
    "dismissal": "AND i.is_dismissal",
    "exclusion": "AND (i.is_iss OR i.is_oss OR i.is_dismissal)",
}
_STANDALONE_KINDS: dict[str, tuple[str, ...]] = {
    "incident": (),
    "iss": ("iss",),
    "oss": ("oss",),
    "dismissal": ("dismissal",),
    "exclusion": ("iss", "oss", "dismissal"),
}
UNIT_KINDS = ("network", "region", "program")
# Keys of Child.extra are roster column names; anything else is refused rather than quoted into SQL.
_EXTRA_KEY = re.compile(r"^[\w-]{1,64}$")


def school_year_of(day: date) -> int:
    """The school year a day belongs to, named by the year it starts (July to June)."""
    return day.year if day.month >= 7 else day.year - 1


def _db_uuid(value: UUID) -> Any:
    """A UUID as the database stores it (native on PostgreSQL, 32 hex digits on SQLite)."""
    return models.UUIDField().get_db_prep_value(value, connection)


def _db_date(value: date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _extra_key(dimension: str) -> str:
    key = dimension.removeprefix("extra:")
    if not _EXTRA_KEY.match(key):
        raise ValueError(f"not a roster column name: {key!r}")
    return key


def _group_sql(dimension: str, *, rollup: bool) -> tuple[str, list[Any]]:
    """The SQL expression naming a row's group (and its parameters). `cy` is ChildYear, `c` the child."""
    row = "cy" if rollup else "c"
    if dimension in ("iep", "dll"):
        return f"CASE WHEN {row}.{dimension} THEN 'yes' ELSE 'no' END", []
    params: list[Any] = []
    if dimension in ("race_ethnicity", "gender"):
        column = f"{row}.{dimension}"
    elif dimension == "home_language":
        column = "cy.home_language" if rollup else "c.home_language_id"
    elif dimension.startswith("extra:"):
        key = _extra_key(dimension)
        # Values are short labels; a number or a boolean is read as its text (SQLite gives 1 for true,
        # PostgreSQL "true": both paths use the same expression on one database, so they still agree).
        if connection.vendor == "postgresql":
            column, params = "(c.extra ->> %s)", [key]
        else:
            column, params = "CAST(json_extract(c.extra, %s) AS TEXT)", [f'$."{key}"']
    else:
        raise ValueError(f"unknown dimension: {dimension!r}")
    return f"COALESCE(NULLIF({column}, ''), '{NOT_REPORTED}')", params


def _rollup_rows(
    network_id: UUID, unit: Unit, school_year: int, dimension: str, outcome: str
) -> tuple[str, list[Any]]:
    """One row per enrolled child (child, program, group, events) read from ChildYear."""
    group, group_params = _group_sql(dimension, rollup=True)
    join = "JOIN incidents_child c ON c.id = cy.child_id" if dimension.startswith("extra:") else ""
    unit_filter, unit_params = "", []
    if unit.kind in ("region", "program"):
        unit_filter, unit_params = f"AND cy.{unit.kind}_id = %s", [_db_uuid(unit.id)]
    sql = f"""
        SELECT cy.child_id AS child_id, cy.program_id AS program_id, {group} AS grp,
               cy.{OUTCOME_COLUMNS[outcome]} AS events
        FROM equity_childyear cy {join}
        WHERE cy.network_id = %s AND cy.school_year = %s {unit_filter}
    """  # noqa: S608 - every fragment is a constant of this module; values travel as parameters
    return sql, [*group_params, _db_uuid(network_id), school_year, *unit_params]


def _table_rows(network_id: UUID, unit: Unit, period: Period, dimension: str, outcome: str) -> tuple[str, list[Any]]:
    """One row per enrolled child (child, program, group, events) counted from the source tables."""
    group, group_params = _group_sql(dimension, rollup=False)
    network, start, end = _db_uuid(network_id), _db_date(period.start), _db_date(period.end)
    # The unit's children, as a condition on a child alias; events are narrowed to them before counting
    # so that a program's dashboard does not aggregate the whole network's incidents.
    if unit.kind == "network":
        children_of_unit, unit_params = "", []
        events_of_unit, events_params = "", []
    else:
        if unit.kind == "program":
            programs_of_unit = "%s"
        else:
            programs_of_unit = "SELECT up.id FROM directory_program up WHERE up.region_id = %s"
        children_of_unit = f"AND c.program_id IN ({programs_of_unit})"
        unit_params = [_db_uuid(unit.id)]
        children_of_programs = "SELECT uc.id FROM incidents_child uc WHERE uc.program_id IN"
        events_of_unit = "AND {alias}.child_id IN (" + children_of_programs + " (" + programs_of_unit + "))"
        events_params = [_db_uuid(unit.id)]
    kinds = _STANDALONE_KINDS[outcome]
    standalone = ""
    standalone_params: list[Any] = []
    if kinds:
        standalone = f"""
            UNION ALL
            SELECT x.child_id FROM incidents_exclusion x
            WHERE x.network_id = %s AND x.starts_on >= %s AND x.starts_on <= %s AND x.incident_id IS NULL
              AND x.kind IN ({", ".join(["%s"] * len(kinds))}) {events_of_unit.format(alias="x")}
        """  # noqa: S608
        standalone_params = [network, start, end, *kinds, *events_params]
    sql = f"""
        SELECT c.id AS child_id, c.program_id AS program_id, {group} AS grp, COALESCE(ev.n, 0) AS events
        FROM incidents_child c
        LEFT JOIN (
            SELECT e.child_id AS child_id, COUNT(*) AS n FROM (
                SELECT i.child_id FROM incidents_incident i
                WHERE i.network_id = %s AND i.occurred_on >= %s AND i.occurred_on <= %s
                  {_INCIDENT_CONDITIONS[outcome]} {events_of_unit.format(alias="i")}
                {standalone}
            ) e GROUP BY e.child_id
        ) ev ON ev.child_id = c.id
        WHERE c.network_id = %s {children_of_unit}
          AND EXISTS (
              SELECT 1 FROM incidents_enrollment en
              WHERE en.child_id = c.id AND en.start_date <= %s AND (en.end_date IS NULL OR en.end_date >= %s)
          )
    """  # noqa: S608
    params = [
        *group_params, network, start, end, *events_params, *standalone_params,
        network, *unit_params, end, start,
    ]
    return sql, params


def _aggregate(rows_sql: str, params: Sequence[Any], *, per_program: bool) -> list[tuple[Any, ...]]:
    """Enrolled children, children with an event and events per group (and per program) of the rows."""
    keys = "r.program_id, r.grp" if per_program else "r.grp"
    order = ""
    if per_program:
        # Rows arrive grouped by program and sorted by code (byte order, as Python sorts strings), so
        # thousands of programs are split with one pass instead of a sort per program.
        collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
        order = f"ORDER BY r.program_id, r.grp{collate}"
    sql = f"""
        SELECT {keys}, COUNT(*), SUM(CASE WHEN r.events > 0 THEN 1 ELSE 0 END), SUM(r.events)
        FROM ({rows_sql}) r
        GROUP BY {keys}
        {order}
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _group_counts(rows: Sequence[tuple[Any, ...]]) -> list[GroupCounts]:
    groups = [GroupCounts(group=str(g), enrolled=int(n), children_with_outcome=int(a), events=int(d or 0))
              for g, n, a, d in rows]
    return sorted(groups, key=lambda counts: counts.group)


def _count_unit(
    network_id: UUID, unit: Unit, period: Period, dimension: str, outcome: str, *, rollup: bool, per_program: bool
) -> list[tuple[Any, ...]]:
    if rollup:
        school_year = period.whole_school_year
        assert school_year is not None  # the caller chose the fast path for a whole school year
        sql, params = _rollup_rows(network_id, unit, school_year, dimension, outcome)
    else:
        sql, params = _table_rows(network_id, unit, period, dimension, outcome)
    return _aggregate(sql, params, per_program=per_program)


def reads_rollup(period: Period, *, today: date | None = None) -> bool:
    """Whole school years up to the current one are in ChildYear; a later year (open enrolments that
    reach into it have no rows there yet) and any other period are counted from the source tables."""
    school_year = period.whole_school_year
    current = school_year_of(today or timezone.localdate())
    return school_year is not None and school_year <= current


def _next_level(network_id: UUID, unit: Unit) -> Unit | None:
    if unit.kind == "network":
        return None
    if unit.kind == "region":
        return Unit("network", network_id)
    from abrazo.directory.models import Program

    region_id = Program.objects.filter(pk=unit.id, network_id=network_id).values_list("region_id", flat=True).first()
    return Unit("region", region_id) if region_id is not None else None


def _validate(unit: Unit, dimension: str, outcome: str) -> None:
    if unit.kind not in UNIT_KINDS:
        raise ValueError(f"unknown unit kind: {unit.kind!r}")
    if outcome not in OUTCOME_COLUMNS:
        raise ValueError(f"unknown outcome: {outcome!r}")
    if dimension.startswith("extra:"):
        _extra_key(dimension)
    elif dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension: {dimension!r}")


def count_groups(
    *, network_id: UUID, unit: Unit, period: Period, dimension: str, outcome: str, by_program: bool = False
) -> UnitCounts:
    """Children enrolled at any time in the period, children with at least one event of the outcome
    in the period, and those events, per group of the dimension (and per program when asked)."""
    _validate(unit, dimension, outcome)
    return _count_groups(
        network_id=network_id, unit=unit, period=period, dimension=dimension, outcome=outcome,
        by_program=by_program, rollup=reads_rollup(period),
    )


def _count_groups(
    *, network_id: UUID, unit: Unit, period: Period, dimension: str, outcome: str, by_program: bool, rollup: bool
) -> UnitCounts:
    """count_groups with the path chosen by the caller (the tests compare both on the same data)."""
    _validate(unit, dimension, outcome)
    groups = _group_counts(_count_unit(network_id, unit, period, dimension, outcome, rollup=rollup, per_program=False))
    upper = _next_level(network_id, unit)
    next_level = None
    if upper is not None:
        next_level = _group_counts(
            _count_unit(network_id, upper, period, dimension, outcome, rollup=rollup, per_program=False)
        )
    elif unit.kind == "program":
        next_level = []  # a program outside the network: nothing above it to compare with
    programs: dict[UUID, list[GroupCounts]] = {}
    if by_program:
        rows = _count_unit(network_id, unit, period, dimension, outcome, rollup=rollup, per_program=True)
        for program_id, program_rows in groupby(rows, key=itemgetter(0)):
            key = program_id if isinstance(program_id, UUID) else UUID(program_id)  # SQLite gives the hex text
            programs[key] = [GroupCounts(str(g), int(n), int(a), int(d or 0)) for _, g, n, a, d in program_rows]
    return UnitCounts(unit=unit, groups=groups, next_level=next_level, by_program=programs)

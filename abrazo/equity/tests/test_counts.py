"""Counting children and events per group: hand-counted examples, and the rollup path against the tables."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from abrazo.directory.tests.factories import ProgramFactory
from abrazo.equity.counts import NOT_REPORTED, Period, Unit, _count_groups, count_groups, reads_rollup
from abrazo.equity.metrics import GroupCounts
from abrazo.equity.rollup import rebuild_network
from abrazo.incidents.models import Child, Enrollment, Exclusion, Incident

YEAR = 2024  # July 2024 to June 2025
SCHOOL_YEAR = Period.school_year(YEAR)


# --- building rosters (small helpers; the roster app's factories are not ours to change) ------------

def child(program: Any, code: str, **demographics: Any) -> Child:
    return Child.objects.create(network_id=program.network_id, program=program, code=code, **demographics)


def enrol(kid: Child, start: date, end: date | None = None) -> Enrollment:
    return Enrollment.objects.create(
        network_id=kid.network_id, program_id=kid.program_id, child=kid, start_date=start, end_date=end
    )


def incident(kid: Child, on: date, *, follow_up: str = "contact_family", response: str = "verbal_reminder") -> Incident:
    """An incident; its ISS/OSS/dismissal flags follow from the response and the follow-up, as in BIRS."""
    record = Incident(
        network_id=kid.network_id, program_id=kid.program_id, child=kid, occurred_on=on,
        problem_behavior="disruption", activity="circle", others_involved="peers", possible_motivation="avoid_task",
        strategy_response=response, admin_follow_up=follow_up,
    )
    record.save()
    return record


def exclusion(kid: Child, on: date, kind: str, *, with_incident: Incident | None = None, days: str = "1") -> Exclusion:
    return Exclusion.objects.create(
        network_id=kid.network_id, program_id=kid.program_id, child=kid, incident=with_incident, kind=kind,
        starts_on=on, days_lost=Decimal(days),
    )


def oss(kid: Child, on: date) -> Incident:
    return incident(kid, on, follow_up="sent_home_days")


def counts(*rows: tuple[str, int, int, int]) -> list[GroupCounts]:
    return [GroupCounts(group=g, enrolled=n, children_with_outcome=a, events=d) for g, n, a, d in rows]


def both_paths(**kwargs: Any) -> tuple[Any, Any]:
    """The same question answered from ChildYear and from the source tables."""
    return _count_groups(rollup=True, **kwargs), _count_groups(rollup=False, **kwargs)


# --- a small network counted by hand -------------------------------------------------------------------

@dataclass
class Roster:
    world: Any
    a1: Child
    a2: Child
    a4: Child


@pytest.fixture
def roster(world: Any) -> Roster:
    """Program A (region A) and program B (region B), school year 2024 (July 2024 - June 2025).

    A1 black boy, IEP, English, two enrolments in the year; OSS in Sept, plain incident in March, and an
       ISS in the previous year (outside the period).
    A2 white girl, DLL, Spanish; enrolment ends 15 Aug 2024; OSS incident in July + a standalone OSS.
    A3 black girl, enrolment ended June 2024 (not enrolled in the year) yet an OSS dated Sept 2024.
    A4 Hispanic boy, no home language; ISS incident (with its linked exclusion record), a standalone
       dismissal, and a standalone reduced-hours exclusion (a soft exclusion: no outcome counts it).
    A5 black boy, English, enrolled from June 2025; an OSS in Aug 2025 (next year).
    B1 white boy; two OSS incidents.   B2 black girl; nothing.
    Another network's child with an OSS never counts.
    """
    program_a, program_b = world.program_a, world.program_b
    a1 = child(program_a, "A1", race_ethnicity="black", gender="boy", iep=True, home_language_id="en",
               extra={"funding": "state"})
    enrol(a1, date(2024, 8, 1), date(2024, 12, 15))
    enrol(a1, date(2025, 2, 1))
    oss(a1, date(2024, 9, 10))
    incident(a1, date(2025, 3, 1))
    incident(a1, date(2023, 10, 1), response="time_outside_classroom")

    a2 = child(program_a, "A2", race_ethnicity="white", gender="girl", dll=True, home_language_id="es",
               extra={"funding": "head_start"})
    enrol(a2, date(2023, 9, 1), date(2024, 8, 15))
    oss(a2, date(2024, 7, 20))
    exclusion(a2, date(2024, 8, 1), "oss")

    a3 = child(program_a, "A3", race_ethnicity="black", gender="girl")
    enrol(a3, date(2022, 9, 1), date(2024, 6, 30))
    oss(a3, date(2024, 9, 5))

    a4 = child(program_a, "A4", race_ethnicity="hispanic_latino", gender="boy")
    enrol(a4, date(2024, 7, 1), date(2025, 6, 30))
    iss = incident(a4, date(2024, 10, 10), response="time_outside_classroom")
    exclusion(a4, date(2024, 10, 10), "iss", with_incident=iss, days="0.5")
    exclusion(a4, date(2025, 1, 10), "dismissal", days="5")
    exclusion(a4, date(2024, 11, 1), "reduced_hours", days="2")

    a5 = child(program_a, "A5", race_ethnicity="black", gender="boy", home_language_id="en")
    enrol(a5, date(2025, 6, 1), date(2025, 9, 1))
    oss(a5, date(2025, 8, 1))

    b1 = child(program_b, "B1", race_ethnicity="white", gender="boy", extra={"funding": "state"})
    enrol(b1, date(2024, 9, 1))
    oss(b1, date(2024, 9, 15))
    oss(b1, date(2024, 9, 16))

    b2 = child(program_b, "B2", race_ethnicity="black", gender="girl")
    enrol(b2, date(2024, 9, 1))

    elsewhere = child(world.other_program, "X1", race_ethnicity="white", gender="boy")
    enrol(elsewhere, date(2024, 9, 1))
    oss(elsewhere, date(2024, 9, 20))

    rebuild_network(world.network.pk)
    return Roster(world=world, a1=a1, a2=a2, a4=a4)


NETWORK_OSS_BY_RACE = counts(("black", 3, 1, 1), ("hispanic_latino", 1, 0, 0), ("white", 2, 2, 4))


@pytest.mark.parametrize("rollup", [True, False], ids=["childyear", "tables"])
def test_network_oss_by_race_counts_enrolled_children_only(roster: Roster, rollup: bool) -> None:
    # given the roster above
    network = roster.world.network
    # when the network is counted for OSS by race/ethnicity over school year 2024
    result = _count_groups(
        network_id=network.pk, unit=Unit("network", network.pk), period=SCHOOL_YEAR, dimension="race_ethnicity",
        outcome="oss", by_program=False, rollup=rollup,
    )
    # then black = A1, A5, B2 (A3 is not enrolled, so her OSS is ignored; A5's OSS is next year);
    # white = A2 (incident + standalone OSS = 2 events) and B1 (2 events); Hispanic = A4, no OSS
    assert result.groups == NETWORK_OSS_BY_RACE
    assert result.next_level is None


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        # A1 two incidents this year (not the 2023 ISS); A4 one; A2 one; B1 two
        ("incident", counts(("black", 3, 1, 2), ("hispanic_latino", 1, 1, 1), ("white", 2, 2, 3))),
        # the ISS incident counts once: its linked exclusion record is not another event
        ("iss", counts(("black", 3, 0, 0), ("hispanic_latino", 1, 1, 1), ("white", 2, 0, 0))),
        ("dismissal", counts(("black", 3, 0, 0), ("hispanic_latino", 1, 1, 1), ("white", 2, 0, 0))),
        # A4: the ISS incident and the standalone dismissal (reduced hours is no exclusion outcome)
        ("exclusion", counts(("black", 3, 1, 1), ("hispanic_latino", 1, 1, 2), ("white", 2, 2, 4))),
    ],
)
def test_each_outcome_counts_incident_flags_plus_standalone_exclusions(
    roster: Roster, outcome: str, expected: list[GroupCounts]
) -> None:
    network = roster.world.network
    # when the network is counted for the outcome on both paths
    from_rollup, from_tables = both_paths(
        network_id=network.pk, unit=Unit("network", network.pk), period=SCHOOL_YEAR, dimension="race_ethnicity",
        outcome=outcome, by_program=False,
    )
    # then both give the hand-counted numbers
    assert from_rollup.groups == expected
    assert from_tables.groups == expected


@pytest.mark.parametrize(
    ("dimension", "expected"),
    [
        ("gender", counts(("boy", 4, 2, 3), ("girl", 2, 1, 2))),
        ("iep", counts(("no", 5, 2, 4), ("yes", 1, 1, 1))),
        ("dll", counts(("no", 5, 2, 3), ("yes", 1, 1, 2))),
        # A4, B1 and B2 have no home language recorded
        ("home_language", counts(("en", 2, 1, 1), ("es", 1, 1, 2), (NOT_REPORTED, 3, 1, 2))),
        # a roster column of the program's own; children without it are "not reported"
        ("extra:funding", counts(("head_start", 1, 1, 2), (NOT_REPORTED, 3, 0, 0), ("state", 2, 2, 3))),
    ],
)
def test_every_dimension_splits_the_same_children(roster: Roster, dimension: str, expected: list[GroupCounts]) -> None:
    network = roster.world.network
    from_rollup, from_tables = both_paths(
        network_id=network.pk, unit=Unit("network", network.pk), period=SCHOOL_YEAR, dimension=dimension,
        outcome="oss", by_program=False,
    )
    assert from_rollup.groups == expected
    assert from_tables.groups == expected


@pytest.mark.parametrize("rollup", [True, False], ids=["childyear", "tables"])
def test_program_unit_compares_with_its_region(roster: Roster, rollup: bool) -> None:
    world = roster.world
    # when program A is counted
    result = _count_groups(
        network_id=world.network.pk, unit=Unit("program", world.program_a.pk), period=SCHOOL_YEAR,
        dimension="race_ethnicity", outcome="oss", by_program=False, rollup=rollup,
    )
    # then its own children (A1, A5 black; A4 Hispanic; A2 white), and region A one level up
    program_a = counts(("black", 2, 1, 1), ("hispanic_latino", 1, 0, 0), ("white", 1, 1, 2))
    assert result.groups == program_a
    assert result.next_level == program_a  # region A holds only program A


@pytest.mark.parametrize("rollup", [True, False], ids=["childyear", "tables"])
def test_region_unit_compares_with_the_network(roster: Roster, rollup: bool) -> None:
    world = roster.world
    result = _count_groups(
        network_id=world.network.pk, unit=Unit("region", world.region_b.pk), period=SCHOOL_YEAR,
        dimension="race_ethnicity", outcome="oss", by_program=False, rollup=rollup,
    )
    assert result.groups == counts(("black", 1, 0, 0), ("white", 1, 1, 2))
    assert result.next_level == NETWORK_OSS_BY_RACE


@pytest.mark.parametrize("rollup", [True, False], ids=["childyear", "tables"])
def test_by_program_gives_each_programs_groups(roster: Roster, rollup: bool) -> None:
    world = roster.world
    result = _count_groups(
        network_id=world.network.pk, unit=Unit("network", world.network.pk), period=SCHOOL_YEAR,
        dimension="race_ethnicity", outcome="oss", by_program=True, rollup=rollup,
    )
    assert result.by_program == {
        world.program_a.pk: counts(("black", 2, 1, 1), ("hispanic_latino", 1, 0, 0), ("white", 1, 1, 2)),
        world.program_b.pk: counts(("black", 1, 0, 0), ("white", 1, 1, 2)),
    }


def test_custom_period_is_counted_from_the_tables(roster: Roster, django_assert_max_num_queries: Any) -> None:
    network = roster.world.network
    autumn = Period(date(2024, 9, 1), date(2024, 12, 31))
    # when the autumn term is counted (not a whole school year, so there is no rollup for it)
    assert not reads_rollup(autumn)
    with django_assert_max_num_queries(1):
        result = count_groups(
            network_id=network.pk, unit=Unit("network", network.pk), period=autumn, dimension="race_ethnicity",
            outcome="oss",
        )
    # then A2 (left in August), A5 (starts June) and A3 drop out; A1's September OSS and B1's two count
    assert result.groups == counts(("black", 2, 1, 1), ("hispanic_latino", 1, 0, 0), ("white", 1, 1, 2))


def test_whole_past_school_years_read_the_rollup_and_later_ones_do_not() -> None:
    today = date(2026, 11, 21)
    assert reads_rollup(Period.school_year(2026), today=today)
    assert reads_rollup(Period.school_year(2019), today=today)
    # open enrolments have no rows for a year that has not started yet
    assert not reads_rollup(Period.school_year(2027), today=today)
    assert not reads_rollup(Period(date(2026, 7, 1), date(2027, 6, 29)), today=today)


def test_whole_school_year_reads_only_the_rollup(roster: Roster) -> None:
    # given a rollup that no longer matches the tables (a write nobody refreshed)
    network = roster.world.network
    oss(roster.a4, date(2024, 11, 5))
    # when count_groups is asked for the whole year, then it answers from ChildYear (A4 still without OSS)
    result = count_groups(
        network_id=network.pk, unit=Unit("network", network.pk), period=SCHOOL_YEAR, dimension="race_ethnicity",
        outcome="oss",
    )
    assert result.groups == NETWORK_OSS_BY_RACE


@pytest.mark.parametrize(("kind", "most"), [("network", 2), ("region", 3), ("program", 4)])
def test_query_count_is_bounded(roster: Roster, django_assert_max_num_queries: Any, kind: str, most: int) -> None:
    world = roster.world
    unit_id = {"network": world.network.pk, "region": world.region_a.pk, "program": world.program_a.pk}[kind]
    # one aggregate for the unit, one for the level above (programs look their region up), one by program
    with django_assert_max_num_queries(most):
        count_groups(
            network_id=world.network.pk, unit=Unit(kind, unit_id), period=SCHOOL_YEAR, dimension="race_ethnicity",
            outcome="exclusion", by_program=True,
        )


def test_a_unit_of_another_network_counts_nothing(roster: Roster) -> None:
    world = roster.world
    result = count_groups(
        network_id=world.network.pk, unit=Unit("program", world.other_program.pk), period=SCHOOL_YEAR,
        dimension="race_ethnicity", outcome="oss",
    )
    assert result.groups == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("dimension", "shoe_size"), ("dimension", "extra:x'); DROP TABLE x; --"), ("outcome", "tantrum")],
)
def test_unknown_dimensions_and_outcomes_are_refused(world: Any, field: str, value: str) -> None:
    arguments = {"dimension": "gender", "outcome": "oss", field: value}
    with pytest.raises(ValueError, match=r"unknown|roster column"):
        count_groups(network_id=world.network.pk, unit=Unit("network", world.network.pk), period=SCHOOL_YEAR,
                     **arguments)


# --- the two paths agree on random rosters ----------------------------------------------------------------

RACES = ["black", "white", "hispanic_latino", "asian", "not_reported"]
FOLLOW_UPS = ["contact_family", "sent_home_days", "sent_home_rest_of_day", "dismissal", "temporary_removal",
              "family_meeting"]
RESPONSES = ["verbal_reminder", "time_outside_classroom", "redirect"]
KINDS = ["iss", "oss", "dismissal", "reduced_hours", "transfer"]


def random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def random_roster(world: Any, seed: int, children: int = 36) -> list[Any]:
    """Children in three programs with random demographics, 0-2 enrolments, incidents and exclusions
    from 2022 to 2026, some of them outside every enrolment."""
    rng = random.Random(seed)
    program_c = ProgramFactory(network=world.network, region=world.region_a, county=world.program_a.county)
    programs = [world.program_a, world.program_b, program_c]
    first, last = date(2022, 7, 1), date(2026, 10, 31)
    for index in range(children):
        kid = child(
            rng.choice(programs), f"R{index}", race_ethnicity=rng.choice(RACES), gender=rng.choice(["boy", "girl"]),
            iep=rng.random() < 0.2, dll=rng.random() < 0.3, home_language_id=rng.choice(["en", "es", None]),
            extra=rng.choice([{}, {"funding": "state"}, {"funding": "private"}, {"funding": ""}]),
        )
        start = random_day(rng, first, last)
        for _ in range(rng.choice([0, 1, 1, 2])):
            end = start + timedelta(days=rng.randrange(30, 700)) if rng.random() < 0.7 else None
            enrol(kid, start, end)
            if end is None:
                break
            start = end + timedelta(days=rng.randrange(1, 200))
        for _ in range(rng.choice([0, 0, 1, 2, 4])):
            record = incident(kid, random_day(rng, first, last), follow_up=rng.choice(FOLLOW_UPS),
                              response=rng.choice(RESPONSES))
            if record.is_oss and rng.random() < 0.5:
                exclusion(kid, record.occurred_on, "oss", with_incident=record)
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            exclusion(kid, random_day(rng, first, last), rng.choice(KINDS))
    return programs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollup_and_tables_agree_on_random_rosters(world: Any, seed: int) -> None:
    # given a random roster and its rollup
    programs = random_roster(world, seed)
    rebuild_network(world.network.pk)
    units = [Unit("network", world.network.pk), Unit("region", world.region_a.pk), Unit("program", programs[2].pk)]
    compared = 0
    for year in (2022, 2023, 2025, 2026):
        for unit in units:
            for dimension in ("race_ethnicity", "gender", "iep", "dll", "home_language", "extra:funding"):
                for outcome in ("incident", "iss", "oss", "dismissal", "exclusion"):
                    # when the same question is answered on both paths
                    from_rollup, from_tables = both_paths(
                        network_id=world.network.pk, unit=unit, period=Period.school_year(year), dimension=dimension,
                        outcome=outcome, by_program=True,
                    )
                    # then the answers are identical
                    assert from_rollup == from_tables, (year, unit, dimension, outcome)
                    compared += sum(g.enrolled for g in from_rollup.groups)
    assert compared > 0  # the roster did put enrolled children in those years

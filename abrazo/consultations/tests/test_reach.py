"""Reach: everything the network reached in a period, across the three tiers, within the asker's scope.

A worked example for March 2025, counted in local days (America/Los_Angeles):

episodes (program A and A2 in region A by the world's consultant; program B in region B by another)
  E1 program A   opened 10 Feb, still open          -> in (open during March)
  E2 program A   opened 15 Mar, closed 20 Mar        -> in
  E3 program A   opened 5 Jan, closed 27 Feb         -> out (closed before March)
  E4 program A   opened 2 Apr                        -> out (after March)
  E5 program A2  opened 31 Mar 23:00                 -> in (last hour of March)
  E6 program B   opened 10 Mar                       -> in, region B
group A (region A): members m1, m2, m3
  25 Feb  m3 present, 5 guests                       -> out
   4 Mar  m1, m2 present, m3 absent, 2 guests        -> in
  18 Mar  m1 present                                 -> in
group B (region B): 11 Mar, four members present, 1 guest
brief contacts, region A: calls 1 Mar 00:05 and 31 Mar 23:30 (in), 28 Feb 23:59 and 1 Apr 00:10 (out),
  a drop-in 12 Mar (in); region B: a call 5 Mar; another network: a call 6 Mar.

Region A's coordinator: 3 episodes at 2 programs; 2 sessions, 2 participants (m1, m2), 2 guests;
2 calls and 1 drop-in; total 3 + 2 + 2 + 3 = 10. The administrator adds region B: 4 episodes at 3
programs; 3 sessions, 6 participants, 3 guests; 3 calls, 1 drop-in; total 4 + 6 + 3 + 4 = 17.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from abrazo.consultations import selectors
from abrazo.consultations.models import BriefKind, Phase
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.consultations.tests.group_factories import (
    AttendanceFactory,
    BriefContactFactory,
    GroupFactory,
    GroupMemberFactory,
    GroupSessionFactory,
)
from abrazo.directory.tests.factories import ProgramFactory, county

pytestmark = pytest.mark.django_db

MARCH = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A moment of 2025 in the site's time zone."""
    return timezone.make_aware(dt.datetime(2025, month, day, hour, minute))


@pytest.fixture
def march(episodes):
    world, mine, theirs = episodes.world, episodes.consultant, episodes.other_consultant
    # The `episodes` fixture's own episodes opened a week ago, far from March 2025: they never count.
    program_a2 = ProgramFactory(network=world.network, region=world.region_a, county=county("06019"))

    def episode(program, consultant, opened, closed=None):
        return EpisodeFactory(program=program, consultant=consultant, opened_at=opened, closed_at=closed,
                              phase=Phase.CLOSED if closed else Phase.IMPLEMENTATION)

    episode(world.program_a, mine, at(2, 10))
    episode(world.program_a, mine, at(3, 15), at(3, 20))
    episode(world.program_a, mine, at(1, 5), at(2, 27))
    episode(world.program_a, mine, at(4, 2))
    episode(program_a2, mine, at(3, 31, 23))
    episode(world.program_b, theirs, at(3, 10))

    group_a = GroupFactory(facilitator=mine, starts_on=dt.date(2025, 1, 1))
    m1, m2, m3 = (GroupMemberFactory(group=group_a) for _ in range(3))
    for date, guests, roll in (
        (dt.date(2025, 2, 25), 5, {m3: True}),
        (dt.date(2025, 3, 4), 2, {m1: True, m2: True, m3: False}),
        (dt.date(2025, 3, 18), 0, {m1: True}),
    ):
        session = GroupSessionFactory(group=group_a, date=date, guests=guests)
        for member, present in roll.items():
            AttendanceFactory(session=session, member=member, present=present)
    group_b = GroupFactory(facilitator=theirs, starts_on=dt.date(2025, 1, 1))
    session_b = GroupSessionFactory(group=group_b, date=dt.date(2025, 3, 11), guests=1)
    for _ in range(4):
        AttendanceFactory(session=session_b)

    for moment in (at(3, 1, 0, 5), at(3, 31, 23, 30), at(2, 28, 23, 59), at(4, 1, 0, 10)):
        BriefContactFactory(consultant=mine, occurred_at=moment)
    BriefContactFactory(consultant=mine, occurred_at=at(3, 12), kind=BriefKind.DROP_IN)
    BriefContactFactory(consultant=theirs, county=county("06037"), occurred_at=at(3, 5))
    BriefContactFactory(occurred_at=at(3, 6))
    return episodes


def counts(reach: selectors.Reach) -> dict[str, int]:
    return {
        "episodes": reach.episodes, "programs": reach.programs, "group_sessions": reach.group_sessions,
        "group_participants": reach.group_participants, "group_guests": reach.group_guests,
        "helpline_calls": reach.helpline_calls, "drop_ins": reach.drop_ins, "total": reach.total,
    }


REGION_A = {"episodes": 3, "programs": 2, "group_sessions": 2, "group_participants": 2, "group_guests": 2,
            "helpline_calls": 2, "drop_ins": 1, "total": 10}
NOTHING = dict.fromkeys(REGION_A, 0)


@pytest.mark.parametrize(("role", "expected"), [
    ("regional_coordinator", REGION_A),
    ("supervisor", REGION_A),  # the world's supervisor supervises the consultant who did all of region A's work
    ("consultant", REGION_A),
    ("network_admin", {"episodes": 4, "programs": 3, "group_sessions": 3, "group_participants": 6,
                       "group_guests": 3, "helpline_calls": 3, "drop_ins": 1, "total": 17}),
    # program staff see their own program's episodes, and no groups or calls
    ("program_staff", {**NOTHING, "episodes": 2, "programs": 1, "total": 2}),
    ("evaluator", NOTHING),
])
def test_reach_of_march_for_each_role(march, role, expected):
    # given the worked example in this module's docstring
    # when each role asks for March's reach
    reach = selectors.reach_counts(user=march.person(role), start=MARCH[0], end=MARCH[1])
    # then they get the counts of their own scope
    assert counts(reach) == expected
    assert reach.brief_contacts == expected["helpline_calls"] + expected["drop_ins"]


def test_a_single_day_counts_that_local_day_only(march):
    # given the last day of March: the call at 23:30 and the episode opened at 23:00 belong to it
    reach = selectors.reach_counts(user=march.person("regional_coordinator"), start=MARCH[1], end=MARCH[1])
    # then that day reaches the call, the late-evening episode, and E1 (open all along)
    assert (reach.helpline_calls, reach.drop_ins, reach.episodes, reach.group_sessions) == (1, 0, 2, 0)


def test_reach_is_a_handful_of_queries(march, django_assert_max_num_queries):
    admin = march.person("network_admin")
    admin.active_memberships  # noqa: B018  # read once per request in real use
    with django_assert_max_num_queries(4):
        selectors.reach_counts(user=admin, start=MARCH[0], end=MARCH[1])


def test_a_period_that_ends_before_it_starts_is_an_error(march):
    with pytest.raises(ValueError, match="ends before it starts"):
        selectors.reach_counts(user=march.person("network_admin"), start=MARCH[1], end=MARCH[0])

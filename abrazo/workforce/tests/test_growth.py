"""Growth in competencies per domain, against changes and gaps worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from abrazo.workforce.growth import (
    SELF,
    SUPERVISOR,
    Assessment,
    GrowthSummary,
    Trajectory,
    growth_by_domain,
    summarise,
)
from abrazo.workforce.models import RaterKind

DOMAINS = ("reflective_practice", "classroom_consultation", "systems_collaboration")


def test_rater_kinds_are_the_models():
    assert {SELF, SUPERVISOR} == set(RaterKind.values)


def test_first_latest_change_and_gap_per_domain():
    # given self-assessments in January, July and (a new year) January, and supervisor ratings in February and
    # August, given out of date order
    assessments = [
        Assessment(date(2025, 7, 10), SELF, {"reflective_practice": 2, "classroom_consultation": 3,
                                             "systems_collaboration": 1}),
        Assessment(date(2025, 1, 15), SELF, {"reflective_practice": 1, "classroom_consultation": 3,
                                             "systems_collaboration": 2}),
        Assessment(date(2025, 2, 1), SUPERVISOR, {"reflective_practice": 1, "classroom_consultation": 2,
                                                  "systems_collaboration": 2}),
        Assessment(date(2025, 8, 3), SUPERVISOR, {"reflective_practice": 2, "classroom_consultation": 2,
                                                  "systems_collaboration": 1}),
        Assessment(date(2026, 1, 12), SELF, {"reflective_practice": 3, "classroom_consultation": 4,
                                             "systems_collaboration": 1}),
    ]
    # when growth is worked out
    reflective, classroom, systems = growth_by_domain(assessments, DOMAINS)
    # then reflective practice went from 1 (Jan 2025) to 3 (Jan 2026) on self: +2; supervisor 1 -> 2: +1;
    # latest self 3 against latest supervisor 2: a gap of +1
    assert reflective.self_rated == Trajectory(ratings=3, first=1, first_on=date(2025, 1, 15), latest=3,
                                               latest_on=date(2026, 1, 12))
    assert (reflective.self_rated.change, reflective.self_rated.direction) == (2, "up")
    assert (reflective.supervisor.change, reflective.supervisor.direction) == (1, "up")
    assert reflective.gap == 1
    # classroom: self 3 -> 4 (+1), supervisor 2 -> 2 (0, "same"), gap 4 - 2 = +2
    assert (classroom.self_rated.change, classroom.supervisor.change, classroom.supervisor.direction) == (1, 0, "same")
    assert classroom.gap == 2
    # systems: self 2 -> 1 (-1, down), supervisor 2 -> 1 (-1), gap 1 - 1 = 0
    assert (systems.self_rated.change, systems.self_rated.direction, systems.supervisor.change) == (-1, "down", -1)
    assert systems.gap == 0
    # and summarised: self improved on 2 domains, declined on 1; supervisor improved 1, unchanged 1, declined 1
    growth = [reflective, classroom, systems]
    assert summarise(growth, SELF) == GrowthSummary(improved=2, unchanged=0, declined=1, not_compared=0)
    assert summarise(growth, SUPERVISOR) == GrowthSummary(improved=1, unchanged=1, declined=1, not_compared=0)


def test_one_rating_is_a_starting_point_not_no_change():
    growth = growth_by_domain([Assessment(date(2025, 3, 1), SELF, {"reflective_practice": 2})], DOMAINS)
    reflective = growth[0]
    assert (reflective.self_rated.first, reflective.self_rated.latest) == (2, 2)
    assert reflective.self_rated.change is None and reflective.self_rated.direction is None
    # no supervisor rating yet: no gap
    assert reflective.supervisor == Trajectory() and reflective.gap is None
    # and the domains nobody rated have empty trajectories
    assert growth[1].self_rated.ratings == 0
    assert summarise(growth, SELF) == GrowthSummary(improved=0, unchanged=0, declined=0, not_compared=3)


def test_a_domain_added_later_starts_from_its_first_rating():
    # given a domain that joined the framework after the first self-assessment
    assessments = [
        Assessment(date(2025, 1, 1), SELF, {"reflective_practice": 1}),
        Assessment(date(2025, 6, 1), SELF, {"reflective_practice": 2, "systems_collaboration": 2}),
        Assessment(date(2025, 12, 1), SELF, {"reflective_practice": 2, "systems_collaboration": 4}),
    ]
    reflective, _classroom, systems = growth_by_domain(assessments, DOMAINS)
    # then its change is 4 - 2 = +2 from June, while reflective practice counts from January (2 - 1 = +1)
    assert (systems.self_rated.first_on, systems.self_rated.change) == (date(2025, 6, 1), 2)
    assert (reflective.self_rated.ratings, reflective.self_rated.change) == (3, 1)


def test_two_on_the_same_day_keep_the_order_given_and_unknown_domains_are_left_out():
    assessments = [
        Assessment(date(2025, 5, 5), SUPERVISOR, {"reflective_practice": 2, "retired_domain": 1}),
        Assessment(date(2025, 5, 5), SUPERVISOR, {"reflective_practice": 3}),  # a correction the same day
    ]
    reflective = growth_by_domain(assessments, DOMAINS)[0]
    assert (reflective.supervisor.first, reflective.supervisor.latest, reflective.supervisor.change) == (2, 3, 1)


def test_bad_levels_and_kinds_are_refused():
    with pytest.raises(ValueError, match="between 1 and 4"):
        growth_by_domain([Assessment(date(2025, 1, 1), SELF, {"reflective_practice": 5})], DOMAINS)
    with pytest.raises(ValueError, match="rater kind"):
        growth_by_domain([Assessment(date(2025, 1, 1), "peer", {"reflective_practice": 2})], DOMAINS)

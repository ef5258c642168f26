"""Who sees which equity unit, exactly or suppressed, and what the dashboard's figures are, per role.

The data (school year 2024-25, outcome: sent home) is small and built by hand so every figure can be
checked on paper:

    program A (Sunrise Center, region A)     enrolled  sent home  events
      Black                                       40         12        12
      Hispanic/Latino                            100         14        14
      White                                       60          4         4
      all                                        200         30        30
    program B (Harbor Kids, region B): 33 white children, 11 sent home (each once)

Black children at A: RR = (12/40) / (18/160) = 2.6667. White children: 4 < 10 with the outcome, not
calculated. An evaluator's "sent home" column at A is [12, 14, 4] with total 30: 4 is hidden (1-10) and
so is the next smallest, 12 (otherwise 30 - 14 - 12 = 4 gives it away).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404

from abrazo.audit.models import AccessEvent
from abrazo.equity import rollup, selectors
from abrazo.equity.counts import Period
from abrazo.incidents.models import RaceEthnicity
from abrazo.incidents.tests.factories import ChildFactory, IncidentFactory

pytestmark = pytest.mark.django_db

YEAR = 2024
PERIOD = Period.school_year(YEAR)
ENROLLED_FROM = dt.date(YEAR, 8, 15)
SENT_HOME_ON = dt.date(YEAR, 10, 7)


def children(program: Any, race: str, enrolled: int, sent_home: int, **fields: Any) -> list[Any]:
    """`enrolled` children of one group at a program for the school year, the first `sent_home` of them
    sent home once in October."""
    made = [ChildFactory(program=program, race_ethnicity=race, enrolled__start=ENROLLED_FROM,
                         enrolled__end=dt.date(YEAR + 1, 6, 15), **fields) for _ in range(enrolled)]
    for child in made[:sent_home]:
        IncidentFactory(child=child, oss=True, occurred_on=SENT_HOME_ON)
    return made


def build_equity_data(world: Any) -> None:
    children(world.program_a, RaceEthnicity.BLACK, 40, 12)
    children(world.program_a, RaceEthnicity.HISPANIC_LATINO, 100, 14)
    children(world.program_a, RaceEthnicity.WHITE, 60, 4)
    children(world.program_b, RaceEthnicity.WHITE, 33, 11)
    rollup.rebuild_network(world.network.pk)


@pytest.fixture
def data(world):
    build_equity_data(world)
    return world


def board_for(user: Any, kind: str, unit_id: Any, dimensions: tuple[str, ...] = ("race_ethnicity",)) -> Any:
    unit = selectors.unit_get_for(user=user, kind=kind, unit_id=unit_id)
    return selectors.dashboard_for(user=user, unit=unit, period=PERIOD, outcome="oss", dimensions=list(dimensions))


def rows_by_code(board: Any, dimension: str = "race_ethnicity") -> dict[str, Any]:
    report = board.dimension(dimension)
    return {row.code: row for row in report.rows}


class TestUnits:
    def test_each_role_is_offered_the_units_of_its_scope(self, world):
        # given the world's people
        def offered(role: str) -> set[tuple[str, str, bool]]:
            return {(u.kind, u.name, u.exact) for u in selectors.units_for(world.people[role])}

        # then the admin has the network, both regions and both programs, exactly
        assert offered("network_admin") == {
            ("network", "Golden State Network", True), ("region", "Central Valley", True),
            ("region", "Los Angeles", True), ("program", "Sunrise Center", True), ("program", "Harbor Kids", True),
        }
        # the coordinator their region and its program
        assert offered("regional_coordinator") == {("region", "Central Valley", True),
                                                   ("program", "Sunrise Center", True)}
        # program staff their own program only
        assert offered("program_staff") == {("program", "Sunrise Center", True)}
        # the evaluator everything of the network, suppressed
        assert offered("evaluator") == {
            ("network", "Golden State Network", False), ("region", "Central Valley", False),
            ("region", "Los Angeles", False), ("program", "Sunrise Center", False),
            ("program", "Harbor Kids", False),
        }
        # consultants and supervisors nothing
        assert offered("consultant") == set() and offered("supervisor") == set()

    @pytest.mark.parametrize("role, kind, attribute", [
        ("program_staff", "program", "program_b"),
        ("program_staff", "region", "region_b"),
        ("regional_coordinator", "program", "program_b"),
        ("regional_coordinator", "region", "region_b"),
        ("network_admin", "program", "other_program"),
        ("evaluator", "program", "other_program"),
        ("consultant", "program", "program_a"),
        ("supervisor", "region", "region_a"),
    ])
    def test_a_unit_outside_the_scope_does_not_exist(self, world, role, kind, attribute):
        # given a person and a unit outside their scope
        user, unit = world.people[role], getattr(world, attribute)
        # when they ask for it, then it is a 404, and the refusal is in the ledger
        with pytest.raises(Http404):
            selectors.unit_get_for(user=user, kind=kind, unit_id=unit.pk)
        assert AccessEvent.objects.filter(user_id=user.pk, outcome="denied", object_id=str(unit.pk)).exists()

    def test_program_staff_on_their_own_region_get_a_pointer_and_no_figures(self, data):
        # given the director of program A
        director = data.people["program_staff"]
        # when they open region A
        unit = selectors.unit_get_for(user=director, kind="region", unit_id=data.region_a.pk)
        board = selectors.dashboard_for(user=director, unit=unit, period=PERIOD, outcome="oss",
                                        dimensions=["race_ethnicity"])
        # then the page has no figure, only their program to go to
        assert unit.figures is False
        assert [p.name for p in unit.programs] == ["Sunrise Center"]
        assert board.dimensions == [] and board.programs == []


class TestExactFigures:
    def test_the_director_sees_program_a_exactly_and_nothing_of_program_b(self, data):
        # given the director of program A
        board = board_for(data.people["program_staff"], "program", data.program_a.pk)
        report = board.dimension("race_ethnicity")
        rows = rows_by_code(board)
        # then the counts are program A's own (200 children, not 233 with program B's)
        assert (str(report.total_enrolled), str(report.total_with_outcome)) == ("200", "30")
        assert [(code, str(r.enrolled), str(r.with_outcome), str(r.events)) for code, r in rows.items()] == [
            ("black", "40", "12", "12"), ("hispanic_latino", "100", "14", "14"), ("white", "60", "4", "4"),
        ]
        # and the ratio of Black children is calculated, white children's is not (4 < 10)
        assert rows["black"].ratio == pytest.approx(2.6667, abs=1e-4)
        assert rows["black"].ratio_method == "rr"
        assert rows["white"].ratio is None
        assert "fewer than 10 children in this group had the outcome" in rows["white"].not_calculated
        # and a program has no drill-down
        assert board.programs == []

    def test_the_admin_drills_down_to_both_programs_of_the_network(self, data):
        board = board_for(data.people["network_admin"], "network", data.network.pk)
        assert [(r.program.name, str(r.enrolled), str(r.with_outcome)) for r in board.programs] == [
            ("Harbor Kids", "33", "11"), ("Sunrise Center", "200", "30"),
        ]
        assert [str(count) for count in board.programs_total] == ["233", "41", "41"]

    def test_the_coordinator_drills_down_to_their_region_only(self, data):
        board = board_for(data.people["regional_coordinator"], "region", data.region_a.pk)
        assert [r.program.name for r in board.programs] == ["Sunrise Center"]

    def test_the_page_view_is_audited_with_the_unit_and_parameters_and_no_child(self, data):
        # given the admin
        admin = data.people["network_admin"]
        # when they look at program A
        board_for(admin, "program", data.program_a.pk)
        # then one event names the program and the parameters
        event = AccessEvent.objects.filter(user_id=admin.pk, object_type="directory.program").get()
        assert event.action == "view" and event.object_id == str(data.program_a.pk)
        assert event.object_ids == ["period=2024-07-01..2025-06-30", "outcome=oss", "dimensions=race_ethnicity",
                                    "sight=exact"]

    def test_three_school_years_of_trend_with_a_count_per_dimension_per_year(self, data, monkeypatch):
        # given a count of the calls to count_groups
        from abrazo.equity import counts

        calls = []
        real = counts.count_groups

        def counting(**kwargs):
            calls.append((kwargs["dimension"], kwargs["period"]))
            return real(**kwargs)

        monkeypatch.setattr(counts, "count_groups", counting)
        # when the admin opens the network for 2024-25 with two dimensions
        board = board_for(data.people["network_admin"], "network", data.network.pk, ("race_ethnicity", "gender"))
        # then each dimension is counted once per school year (2024-25 is the period itself)
        assert sorted(calls, key=str) == sorted(
            [(dim, Period.school_year(year)) for dim in ("race_ethnicity", "gender") for year in (2022, 2023, 2024)],
            key=str,
        )
        black = next(s for s in board.dimension("race_ethnicity").trend if s.code == "black")
        assert [(p.year, p.risk) for p in black.points] == [(2022, None), (2023, None), (2024, pytest.approx(0.3))]


class TestSuppressedFigures:
    def test_complementary_suppression_down_each_column(self, data):
        # given the evaluator
        board = board_for(data.people["evaluator"], "program", data.program_a.pk)
        report = board.dimension("race_ethnicity")
        rows = rows_by_code(board)
        # then enrolment (40, 100, 60) is shown; in "sent home" (12, 14, 4 of 30) the 4 is hidden and the 12 is
        # hidden too, so that 30 - 14 - 12 cannot give the 4 away
        assert [str(r.enrolled) for r in rows.values()] == ["40", "100", "60"]
        assert [str(r.with_outcome) for r in rows.values()] == ["hidden", "14", "hidden"]
        assert [str(r.events) for r in rows.values()] == ["hidden", "14", "hidden"]
        assert str(report.total_with_outcome) == "30"
        # and every figure resting on a hidden count is hidden: Black children's ratio too
        assert rows["black"].ratio is None and rows["black"].risk is None and rows["black"].alert is None
        assert rows["black"].child_composition is None
        assert "privacy" in rows["black"].not_calculated
        # while Hispanic children's, resting on shown counts, stay
        assert rows["hispanic_latino"].risk == pytest.approx(0.14)
        assert rows["hispanic_latino"].ratio == pytest.approx((14 / 100) / (16 / 100))

    def test_the_evaluator_drill_down_is_suppressed(self, data):
        board = board_for(data.people["evaluator"], "network", data.network.pk)
        # programs: sent home 11 (B) and 30 (A) of 41: 11 is above 10, nothing is hidden there; enrolled 33/200
        assert [(r.program.name, str(r.with_outcome)) for r in board.programs] == [
            ("Harbor Kids", "11"), ("Sunrise Center", "30")]
        assert all(row.alerts is None for row in board.programs)  # no alert counts for suppressed sight

    def test_the_evaluator_view_is_audited_as_suppressed(self, data):
        evaluator = data.people["evaluator"]
        board_for(evaluator, "region", data.region_b.pk)
        event = AccessEvent.objects.get(user_id=evaluator.pk, object_type="directory.region")
        assert "sight=suppressed" in event.object_ids


def test_settings_are_created_with_the_defaults(world):
    settings = selectors.settings_for(world.network.pk)
    assert (settings.min_cell, settings.min_n, settings.suppress_up_to) == (10, 30, 10)
    assert selectors.settings_for(world.network.pk).pk == settings.pk


def test_school_year_presets_run_july_to_june():
    assert selectors.current_school_year(dt.date(2025, 6, 30)) == 2024
    assert selectors.current_school_year(dt.date(2025, 7, 1)) == 2025
    assert selectors.preset_years(dt.date(2025, 9, 1)) == [2025, 2024, 2023, 2022, 2021]
    assert selectors.trend_years(Period(dt.date(2025, 1, 1), dt.date(2025, 3, 31))) == [2022, 2023, 2024]


def test_extra_roster_columns_present_in_the_unit_become_dimensions(world):
    # given children of program A with two extra columns, one of them not a usable column name, and one at B
    ChildFactory(program=world.program_a, extra={"funding": "state_preschool", "bad key!": "x"})
    ChildFactory(program=world.program_b, extra={"site_type": "family"})
    unit = selectors.unit_get_for(user=world.people["program_staff"], kind="program", unit_id=world.program_a.pk)
    # then program A's dashboard offers the five dimensions and "funding" only
    assert selectors.dimensions_for(unit.choice) == [
        "race_ethnicity", "gender", "iep", "dll", "home_language", "extra:funding"]
    assert selectors.dimension_label("extra:funding") == "Funding"

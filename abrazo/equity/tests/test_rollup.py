"""The ChildYear rollup: what a row holds, refreshing a few children, rebuilding a network, the task and
the command."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from abrazo.equity import rollup
from abrazo.equity.counts import school_year_of
from abrazo.equity.models import ChildYear
from abrazo.equity.tests.test_counts import child, enrol, exclusion, incident, oss, random_roster
from abrazo.incidents.models import Child

CURRENT = school_year_of(timezone.localdate())


def rows_of(network_id: Any) -> set[tuple[Any, ...]]:
    """Every rollup row of a network, without its surrogate id (rebuilt rows get new ids)."""
    return set(
        ChildYear.objects.filter(network_id=network_id).values_list(
            "network_id", "region_id", "program_id", "child_id", "school_year", "race_ethnicity", "gender", "iep",
            "dll", "home_language", "incidents", "iss", "oss", "dismissals", "exclusions", "days_lost",
        )
    )


def years_of(kid: Any) -> dict[int, tuple[Any, ...]]:
    return {
        row[0]: row[1:]
        for row in ChildYear.objects.filter(child=kid).values_list(
            "school_year", "incidents", "iss", "oss", "dismissals", "exclusions", "days_lost"
        )
    }


def test_a_row_per_school_year_enrolled_with_that_years_events(world: Any) -> None:
    # given a child enrolled Sept 2023 - Aug 2024, then from Feb 2025 with no end date
    kid = child(world.program_a, "K1", race_ethnicity="black", gender="boy", iep=True, home_language_id="es")
    enrol(kid, date(2023, 9, 1), date(2024, 8, 15))
    enrol(kid, date(2025, 2, 1))
    # an ISS (with its own exclusion record, half a day), a standalone dismissal (5 days) and a
    # reduced-hours exclusion (2 days) in 2024; an OSS in 2023; an incident from before the first enrolment
    iss = incident(kid, date(2024, 10, 10), response="time_outside_classroom")
    exclusion(kid, date(2024, 10, 10), "iss", with_incident=iss, days="0.5")
    exclusion(kid, date(2025, 1, 10), "dismissal", days="5")
    exclusion(kid, date(2024, 11, 1), "reduced_hours", days="2")
    oss(kid, date(2024, 3, 3))
    incident(kid, date(2021, 1, 1))
    # when the network is rebuilt
    rollup.rebuild_network(world.network.pk)
    # then school years 2023 and 2024, and every year from 2025 up to the current one
    years = years_of(kid)
    assert sorted(years) == list(range(2023, CURRENT + 1))
    # (incidents, iss, oss, dismissals, exclusions, days lost)
    assert years[2023] == (1, 0, 1, 0, 1, Decimal("0"))
    assert years[2024] == (1, 1, 0, 1, 2, Decimal("7.5"))
    assert years[2025] == (0, 0, 0, 0, 0, Decimal("0"))
    # and the child's demographics and place are copied in
    row = ChildYear.objects.get(child=kid, school_year=2024)
    assert (row.network_id, row.region_id, row.program_id) == (world.network.pk, world.region_a.pk, world.program_a.pk)
    assert (row.race_ethnicity, row.gender, row.iep, row.dll, row.home_language) == ("black", "boy", True, False, "es")


def test_a_child_with_no_enrolment_has_no_rows(world: Any) -> None:
    kid = child(world.program_a, "K2", race_ethnicity="white", gender="girl")
    oss(kid, date(2024, 9, 9))
    rollup.refresh_children([kid.pk])
    assert not ChildYear.objects.filter(child=kid).exists()


def test_refresh_follows_changes_to_incidents_and_enrolments(world: Any) -> None:
    # given a child with a rollup row for 2024 and no events
    kid = child(world.program_a, "K3", race_ethnicity="white", gender="girl")
    enrolment = enrol(kid, date(2024, 9, 1), date(2025, 6, 1))
    rollup.refresh_children([kid.pk])
    assert years_of(kid) == {2024: (0, 0, 0, 0, 0, Decimal("0"))}
    # when an OSS is recorded and the child refreshed
    oss(kid, date(2024, 12, 2))
    rollup.refresh_children([kid.pk])
    # then the row counts it
    assert years_of(kid) == {2024: (1, 0, 1, 0, 1, Decimal("0"))}
    # when the enrolment is extended into the next year and the demographics corrected
    enrolment.end_date = date(2025, 9, 30)
    enrolment.save()
    Child.objects.filter(pk=kid.pk).update(race_ethnicity="two_or_more")
    rollup.refresh_children([kid.pk])
    # then there is a second row, and both carry the correction
    assert sorted(years_of(kid)) == [2024, 2025]
    assert set(ChildYear.objects.filter(child=kid).values_list("race_ethnicity", flat=True)) == {"two_or_more"}
    # when the enrolment is deleted, the rows go
    enrolment.delete()
    rollup.refresh_children([kid.pk])
    assert years_of(kid) == {}


def test_refresh_touches_only_the_children_named(world: Any) -> None:
    kid, other = child(world.program_a, "K4"), child(world.program_b, "K5")
    enrol(kid, date(2024, 9, 1), date(2024, 12, 1))
    enrol(other, date(2024, 9, 1), date(2024, 12, 1))
    rollup.rebuild_network(world.network.pk)
    oss(kid, date(2024, 10, 1))
    oss(other, date(2024, 10, 1))
    rollup.refresh_children([kid.pk])
    assert years_of(kid)[2024][2] == 1
    assert years_of(other)[2024][2] == 0  # not refreshed yet


@pytest.mark.parametrize("seed", [4, 5])
def test_rebuild_equals_refreshing_every_child(world: Any, monkeypatch: Any, seed: int) -> None:
    # given a random roster, rebuilt as a whole
    random_roster(world, seed, children=50)
    written = rollup.rebuild_network(world.network.pk)
    rebuilt = rows_of(world.network.pk)
    assert written == len(rebuilt) > 0
    # when every row is dropped and the children are refreshed in chunks of 7
    ChildYear.objects.all().delete()
    monkeypatch.setattr(rollup, "CHUNK", 7)
    rollup.refresh_children(Child.objects.filter(network=world.network).values_list("pk", flat=True))
    # then the rows are the same
    assert rows_of(world.network.pk) == rebuilt


def test_rebuild_leaves_other_networks_alone(world: Any) -> None:
    ours, theirs = child(world.program_a, "K6"), child(world.other_program, "K7")
    enrol(ours, date(2024, 9, 1), date(2024, 12, 1))
    enrol(theirs, date(2024, 9, 1), date(2024, 12, 1))
    rollup.rebuild_network(world.other_network.pk)
    assert rollup.rebuild_network(world.network.pk) == 1
    assert ChildYear.objects.filter(child=theirs).count() == 1
    # rebuilding again replaces rows instead of adding to them
    assert rollup.rebuild_network(world.network.pk) == 1
    assert ChildYear.objects.filter(network=world.network).count() == 1


def test_an_empty_network_rebuilds_to_nothing(world: Any) -> None:
    assert rollup.rebuild_network(world.network.pk) == 0


def test_schedule_refresh_runs_the_task_after_commit(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    kid = child(world.program_a, "K8")
    enrol(kid, date(2024, 9, 1), date(2025, 6, 1))
    rollup.refresh_children([kid.pk])
    # when an OSS is recorded and a refresh scheduled inside the same transaction
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        oss(kid, date(2024, 10, 1))
        rollup.schedule_refresh([kid.pk, kid.pk])
        # then nothing has changed before the commit
        assert years_of(kid)[2024][2] == 0
    assert len(callbacks) == 1
    # when the commit's callbacks run (the immediate backend runs the task at once)
    for callback in callbacks:
        callback()
    # then the row counts the OSS
    assert years_of(kid)[2024][2] == 1


def test_schedule_refresh_splits_big_imports_into_several_tasks(
    world: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from abrazo.equity import tasks

    kids = [child(world.program_a, f"K9-{n}") for n in range(5)]
    for kid in kids:
        enrol(kid, date(2024, 9, 1), date(2025, 6, 1))
    monkeypatch.setattr(tasks, "CHILDREN_PER_TASK", 2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rollup.schedule_refresh(kid.pk for kid in kids)
    assert len(callbacks) == 3
    assert ChildYear.objects.filter(child__in=kids).count() == 5


def test_schedule_refresh_of_nobody_enqueues_nothing(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rollup.schedule_refresh([])
    assert callbacks == []


def test_command_rebuilds_one_network_or_all(world: Any) -> None:
    enrol(child(world.program_a, "K10"), date(2024, 9, 1), date(2024, 12, 1))
    enrol(child(world.other_program, "K11"), date(2024, 9, 1), date(2024, 12, 1))
    out = StringIO()
    call_command("equity_rollup", "--network", "golden-state", stdout=out)
    assert "golden-state: 1 child-years" in out.getvalue()
    assert ChildYear.objects.count() == 1
    call_command("equity_rollup", stdout=StringIO())
    assert ChildYear.objects.count() == 2


def test_command_names_an_unknown_network(world: Any) -> None:
    with pytest.raises(CommandError, match="nowhere"):
        call_command("equity_rollup", "--network", "nowhere")



@pytest.mark.skipif(connection.vendor != "sqlite", reason="the plan of SQLite's query planner")
def test_the_rebuild_drives_from_one_scan_and_looks_up_the_rest_on_sqlite(db):
    # A state-scale rebuild on SQLite once never finished: the statement joined three grouped sets and SQLite
    # scanned both counts again for every enrolled child. The plan's top level must now drive from one scan
    # and look everything else up through an index.
    years, year_params = rollup._years_between(date(2024, 7, 1), date(2026, 6, 30))
    statement = rollup._INSERT.format(years=years, scope="network_id = %s")
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN QUERY PLAN " + statement, [*year_params, CURRENT, "n", "n", "n"]
        )
        plan = cursor.fetchall()
    top_level = [detail for _id, parent, _unused, detail in plan if parent == 0]
    scans = [detail for detail in top_level if detail.startswith("SCAN")]
    assert len(scans) == 1, top_level
    assert any(detail.startswith("SEARCH c ") for detail in top_level), top_level

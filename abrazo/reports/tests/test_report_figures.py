"""The network report's figures against a worked example built by hand (every expected number is counted in the
comments, not by the engine), the period arithmetic, and the scoping of each role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from abrazo.consultations.models import ActivityType, EpisodeType, Modality, Phase
from abrazo.consultations.tests.factories import (
    ClosureFactory,
    ConsentFactory,
    ContactFactory,
    EpisodeFactory,
    FollowUpFactory,
)
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ProgramStaffFactory, county
from abrazo.intake.models import RequestStatus
from abrazo.intake.tests.factories import RequestFactory
from abrazo.measures.models import Administration, AdministrationStatus, Instrument
from abrazo.reports import report_engine as engine
from abrazo.reports import report_sections
from abrazo.reports import report_selectors as selectors

FY = engine.fiscal_year(2024)  # 2024-07-01 .. 2025-06-30; the previous is FY 2023


def at(year: int, month: int, day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


def rows(report: report_sections.Report, key: str) -> dict[str, Any]:
    table = report.table(key)
    assert table is not None, key
    return {row.label: row for row in table.rows}


@pytest.fixture
def example(world: Any) -> Any:
    """The worked example: program A (region A, Fresno) and program B (region B, Los Angeles)."""
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    a, b = world.program_a, world.program_b
    # Requests: FY 2024 has R1, R2, R3 (region A) and R4 (region B) = 4; FY 2023 has R0 and the three waitlisted
    # ones W1-W3 (region A) = 4.
    region_a = {"network": world.network, "region": world.region_a, "county": county("06019"), "program": a,
                "consultant": consultant, "status": RequestStatus.ASSIGNED}
    RequestFactory(submitted_at=at(2024, 8, 1), first_contact_at=at(2024, 8, 11), **region_a)  # 10 days
    RequestFactory(submitted_at=at(2024, 9, 15), first_contact_at=at(2024, 9, 18), **region_a)  # 3 days
    RequestFactory(submitted_at=at(2025, 3, 10), first_contact_at=at(2025, 3, 30), **region_a)  # 20 days
    RequestFactory(network=world.network, region=world.region_b, county=county("06037"), program=b,
                   submitted_at=at(2024, 10, 2))
    RequestFactory(submitted_at=at(2023, 10, 1), **region_a)
    waiting = dict(region_a, consultant=None, status=RequestStatus.WAITLISTED, submitted_at=at(2024, 3, 1))
    RequestFactory(waitlisted_at=at(2025, 6, 1), **waiting)  # W1: 29 days on 2025-06-30
    RequestFactory(waitlisted_at=at(2025, 4, 1), **waiting)  # W3: 90 days on 2025-06-30
    RequestFactory(**dict(waiting, status=RequestStatus.ASSIGNED, consultant=consultant),
                   waitlisted_at=at(2025, 5, 1), assigned_at=at(2025, 6, 15))  # W2: left the list on 06-15

    # Episodes opened in FY 2024: E1 (classroom), E2 (child, consent), E3 (child, no consent) at A; E4 at B = 4,
    # of which 3 with consent where needed. FY 2023: E5 at A.
    e1 = EpisodeFactory(program=a, consultant=consultant, opened_at=at(2024, 8, 10), phase=Phase.CLOSED)
    e2 = EpisodeFactory(program=a, consultant=consultant, opened_at=at(2024, 9, 20), child=True, phase=Phase.CLOSED)
    e3 = EpisodeFactory(program=a, consultant=consultant, opened_at=at(2024, 10, 1), child=True, phase=Phase.CLOSED)
    e4 = EpisodeFactory(program=b, opened_at=at(2024, 11, 1))
    e5 = EpisodeFactory(program=a, consultant=consultant, opened_at=at(2023, 9, 1))
    ConsentFactory(episode=e2, given_on=dt.date(2024, 9, 21))
    assert e3.episode_type == EpisodeType.CHILD_FAMILY
    # Contacts in FY 2024: 4 (E1 twice, E2, E4), 225 minutes = 3.75 h, 60 in the classroom; on site 2 (150'),
    # video 1 (30'), phone 1 (45'). FY 2023: one of 60' (E5).
    ContactFactory(episode=e1, contact_date=dt.date(2024, 8, 15), minutes=60, minutes_in_classroom=60,
                   modality=Modality.ON_SITE, activity_type=ActivityType.OBSERVATION)
    ContactFactory(episode=e1, contact_date=dt.date(2024, 9, 1), minutes=30, modality=Modality.VIDEO)
    ContactFactory(episode=e2, contact_date=dt.date(2024, 10, 5), minutes=90, modality=Modality.ON_SITE,
                   activity_type=ActivityType.FAMILY_MEETING)
    ContactFactory(episode=e4, contact_date=dt.date(2024, 11, 5), minutes=45, modality=Modality.PHONE)
    ContactFactory(episode=e5, contact_date=dt.date(2023, 9, 10), minutes=60)
    # Closed in FY 2024: E1 (successful, no child), E2 (successful, maintained), E3 (not successful, not
    # maintained) = 3 closed, 2 successful, 1 maintained of 2 known.
    ClosureFactory(episode=e1, closed_at=at(2025, 1, 15), closed_successfully=True, maintained_in_setting=None)
    ClosureFactory(episode=e2, closed_at=at(2025, 2, 1), closed_successfully=True, maintained_in_setting=True)
    ClosureFactory(episode=e3, closed_at=at(2025, 2, 10), closed_successfully=False, maintained_in_setting=False)
    FollowUpFactory(episode=e2, due_on=dt.date(2025, 3, 3), completed_at=at(2025, 3, 5), maintained_in_setting=True)
    # Staff of the programs reached: 2 active at A, 1 at B (and one inactive at A, not counted) = 3.
    ProgramStaffFactory(program=a)
    ProgramStaffFactory(program=a)
    ProgramStaffFactory(program=a, is_active=False)
    ProgramStaffFactory(program=b)
    # Satisfaction: three surveys in FY 2024 rate "worth it" 5, 4 and 2: 2 of 3 agree = 66.7 %.
    survey = Instrument.objects.get(key=selectors.SATISFACTION_KEY, network__isnull=True)
    for score, episode in (("5", e1), ("4", e2), ("2", e3)):
        Administration.objects.create(
            network=world.network, instrument=survey, episode=episode, program=a, respondent_role="teacher",
            timepoint="post", status=AdministrationStatus.COMPLETED, completed_on=dt.date(2025, 2, 15),
            answers={"sat_worthwhile": score})
    return world


def admin_report(world: Any, scope: str | None = None) -> report_sections.Report:
    sight = selectors.sight_for(user=world.people["network_admin"], scope_key=scope)
    return report_sections.build(sight, FY, with_equity=False)


def test_funnel_against_the_worked_example(example: Any) -> None:
    funnel = rows(admin_report(example), "funnel")
    assert funnel["Requests received"].current == 4
    assert funnel["Requests received"].previous == 4
    assert funnel["Episodes opened, all"].current == 4
    assert funnel["Episodes opened, all"].previous == 1
    assert funnel["Episodes opened (with consent where a child is at the centre)"].current == 3
    assert funnel["Episodes closed"].current == 3
    assert funnel["Closed successfully"].current == 2
    assert funnel["Closed successfully, % of closed"].current == pytest.approx(200 / 3)
    assert funnel["Child maintained in the setting at closure"].current == 1
    assert funnel["Maintained at closure, % of child episodes closed"].current == pytest.approx(50.0)
    assert funnel["Follow-ups completed"].current == 1
    assert funnel["Child still in the setting at follow-up"].current == 1


def test_comparison_with_the_previous_period(example: Any) -> None:
    funnel = rows(admin_report(example), "funnel")
    opened = funnel["Episodes opened, all"]
    assert (opened.change.absolute, opened.change.percent) == (3, 300.0)  # 1 -> 4
    assert funnel["Requests received"].change.percent == 0.0  # 4 -> 4
    assert funnel["Episodes closed"].change.percent is None  # 0 -> 3: no percentage of nothing


def test_reach_services_and_dosage(example: Any) -> None:
    report = admin_report(example)
    reach = rows(report, "reach")
    assert reach["Programs reached"].current == 2
    assert reach["Programs reached"].previous == 1  # E5's program A
    assert reach["Staff at the programs reached"].current == 3
    assert reach["Children served in child/family consultation"].current == 1
    assert reach["Episodes with a contact"].current == 3
    assert {r: v.current for r, v in rows(report, "reach_region").items()} == {"Central Valley": 1, "Los Angeles": 1}
    assert {r: v.current for r, v in rows(report, "reach_county").items()} == {"Fresno": 1, "Los Angeles": 1}
    totals = rows(report, "services_total")
    assert totals["Contacts (visits, calls, messages)"].current == 4
    assert totals["Contacts (visits, calls, messages)"].previous == 1
    assert totals["Hours"].current == pytest.approx(3.75)
    assert totals["Hours in the classroom (observing, modelling)"].current == pytest.approx(1.0)
    modality = {label: row.current for label, row in rows(report, "visits_modality").items()}
    assert modality == {"On site": 2, "Video": 1, "Phone": 1}
    hours = {label: row.current for label, row in rows(report, "hours_modality").items()}
    assert hours == {"On site": pytest.approx(2.5), "Video": pytest.approx(0.5), "Phone": pytest.approx(0.75)}
    # Dosage of E1 (2 contacts, 1.5 h), E2 (1, 1.5 h), E3 (0, 0 h).
    dosage = rows(report, "dosage")
    assert dosage["Episodes closed"].current == 3
    assert dosage["Median hours"].current == pytest.approx(1.5)
    assert dosage["Mean hours"].current == pytest.approx(1.0)
    assert dosage["Median contacts"].current == 1
    assert dosage["Mean contacts"].current == pytest.approx(1.0)


def test_timeliness_and_waitlist(example: Any) -> None:
    timely = rows(admin_report(example), "timeliness")
    assert timely["Requests first contacted in the period"].current == 3
    # Days 3, 10, 20: the median is 10; the 90th percentile sits 0.8 of the way from 10 to 20 = 18.
    assert timely["Median days from request to first contact"].current == 10
    assert timely["90th percentile days from request to first contact"].current == pytest.approx(18.0)
    # On 2025-06-30: W1 (29 days) and W3 (90 days); W2 was assigned on 06-15.
    assert timely["On the waitlist at the end of the period"].current == 2
    assert timely["Median days waiting at the end of the period"].current == pytest.approx(59.5)
    assert timely["Longest wait at the end of the period (days)"].current == 90
    assert timely["On the waitlist at the end of the period"].previous == 0
    assert timely["On the waitlist now"].current == 2  # W1 and W3 are still waitlisted


def test_satisfaction_percent_agree(example: Any) -> None:
    satisfaction = rows(admin_report(example), "satisfaction")
    assert satisfaction["Surveys completed"].current == 3
    worthwhile = next(row for label, row in satisfaction.items() if label.startswith("The time I spent"))
    assert worthwhile.current == pytest.approx(200 / 3)


def test_scopes_narrow_the_figures(example: Any) -> None:
    region_b = admin_report(example, f"region:{example.region_b.pk}")
    assert rows(region_b, "funnel")["Requests received"].current == 1
    assert rows(region_b, "services_total")["Contacts (visits, calls, messages)"].current == 1
    fresno = admin_report(example, "county:06019")
    assert rows(fresno, "funnel")["Requests received"].current == 3
    consultant = ConsultantProfile.objects.get(user=example.people["consultant"])
    mine = admin_report(example, f"consultant:{consultant.pk}")
    assert rows(mine, "funnel")["Episodes opened, all"].current == 3  # E4 belongs to another consultant


def test_a_coordinator_counts_only_her_region(example: Any) -> None:
    sight = selectors.sight_for(user=example.people["regional_coordinator"], scope_key=None)
    report = report_sections.build(sight, FY, with_equity=False)
    assert rows(report, "funnel")["Requests received"].current == 3  # R4 is in region B
    assert rows(report, "services_total")["Contacts (visits, calls, messages)"].current == 3


def test_a_consultant_counts_only_her_caseload(example: Any) -> None:
    sight = selectors.sight_for(user=example.people["consultant"], scope_key=None)
    report = report_sections.build(sight, FY, with_equity=False)
    assert rows(report, "funnel")["Episodes opened, all"].current == 3
    assert rows(report, "funnel")["Requests received"].current == 3  # assigned to her


@pytest.mark.parametrize("role, scope", [
    ("regional_coordinator", "region_b"), ("program_staff", "program_b"), ("consultant", "network_other"),
    ("supervisor", "program_b"),
])
def test_a_scope_out_of_reach_is_not_found(world: Any, role: str, scope: str) -> None:
    from django.http import Http404

    keys = {"region_b": f"region:{world.region_b.pk}", "program_b": f"program:{world.program_b.pk}",
            "network_other": f"network:{world.other_network.pk}"}
    with pytest.raises(Http404):
        selectors.sight_for(user=world.people[role], scope_key=keys[scope])


# --- the engine on its own --------------------------------------------------------------------------------


def test_periods_and_their_previous() -> None:
    assert engine.fiscal_year(2024) == engine.Period(dt.date(2024, 7, 1), dt.date(2025, 6, 30), engine.FISCAL_YEAR)
    assert engine.previous(engine.quarter(2025, 1)) == engine.quarter(2024, 4)
    assert engine.previous(engine.month(2025, 3)) == engine.month(2025, 2)
    custom = engine.Period(dt.date(2025, 3, 10), dt.date(2025, 3, 19))
    assert engine.previous(custom) == engine.Period(dt.date(2025, 2, 28), dt.date(2025, 3, 9))
    assert engine.preset("last_fiscal_year", dt.date(2025, 7, 1)) == engine.fiscal_year(2024)
    assert engine.preset("this_fiscal_year", dt.date(2025, 6, 30)) == engine.fiscal_year(2024)
    assert engine.preset("last_quarter", dt.date(2025, 2, 14)) == engine.quarter(2024, 4)
    # A custom range that is exactly a fiscal year is compared with the previous fiscal year, not 365 days back.
    exact_year = engine.recognised(engine.Period(dt.date(2024, 7, 1), dt.date(2025, 6, 30)))
    assert engine.previous(exact_year) == engine.fiscal_year(2023)
    assert engine.recognised(custom) == custom


def test_percentiles_match_a_spreadsheet() -> None:
    # PERCENTILE.INC({1,2,3,4,10}, 0.9) = 4 + 0.6 * 6 = 7.6
    assert engine.percentile([10, 1, 3, 2, 4], 90) == pytest.approx(7.6)
    assert engine.weighted_percentile({1: 1, 2: 1, 3: 1, 4: 1, 10: 1}, 90) == pytest.approx(7.6)
    assert engine.weighted_percentile({5: 3, 7: 1}, 50) == 5
    assert engine.median([]) is None
    assert engine.change(4, 1) == engine.Change(3, 300.0)


def test_equity_summary_follows_the_equity_permissions(world: Any) -> None:
    admin = selectors.sight_for(user=world.people["network_admin"], scope_key=None)
    summary = selectors.equity_summary(admin, FY)
    assert summary.board is not None and summary.board.exact
    assert [d.dimension for d in summary.board.dimensions] == ["race_ethnicity"]
    evaluator = selectors.sight_for(user=world.people["evaluator"], scope_key=None)
    assert not selectors.equity_summary(evaluator, FY).board.exact  # the equity dashboard's suppressed sight
    consultant = selectors.sight_for(user=world.people["consultant"], scope_key=None)
    assert selectors.equity_summary(consultant, FY).board is None  # consultants hold no equity permission
    county_sight = selectors.sight_for(user=world.people["network_admin"], scope_key="county:06019")
    assert "network, a region or a program" in selectors.equity_summary(county_sight, FY).reason

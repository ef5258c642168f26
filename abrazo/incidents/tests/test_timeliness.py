"""The timeliness report: children excluded before anyone asked for consultation, and the days it took to ask,
checked against numbers worked out by hand, for each role's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.incidents import timeliness
from abrazo.incidents.models import ExclusionKind
from abrazo.incidents.tests.factories import ChildFactory, ExclusionFactory, IncidentFactory
from abrazo.intake.tests.factories import RequestFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2025, 1, 1), dt.date(2025, 6, 30)


def noon(year: int, month: int, day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, 12))


def on(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


@pytest.fixture
def history(world):
    """Seven children (worked example in the comments) in programs A and B, and one in another network."""
    a, b = world.program_a, world.program_b

    def request_for(child, when):
        return RequestFactory(network=world.network, region=child.program.region, program=child.program,
                              child=child, submitted_at=when)

    # c1: incident 3 Feb, sent home 10 Feb, request 20 Feb -> excluded before a request; 17 days
    c1 = ChildFactory(program=a, code="A-1")
    IncidentFactory(child=c1, occurred_on=on(2025, 2, 3))
    IncidentFactory(child=c1, occurred_on=on(2025, 2, 10), oss=True)
    request_for(c1, noon(2025, 2, 20))
    # c2: incident 3 Mar, request 5 Mar, sent home 12 Mar -> request before the exclusion; 2 days
    c2 = ChildFactory(program=a, code="A-2")
    IncidentFactory(child=c2, occurred_on=on(2025, 3, 3))
    request_for(c2, noon(2025, 3, 5))
    IncidentFactory(child=c2, occurred_on=on(2025, 3, 12), oss=True)
    # c3: one incident, nothing else -> no request yet
    c3 = ChildFactory(program=a, code="A-3")
    IncidentFactory(child=c3, occurred_on=on(2025, 4, 1))
    # c4: dismissal recorded on its own on 5 May, and an episode (no request) opened that day for code "a-4":
    # the same day counts as in time; 0 days
    c4 = ChildFactory(program=a, code="A-4")
    ExclusionFactory(child=c4, kind=ExclusionKind.DISMISSAL, starts_on=on(2025, 5, 5))
    EpisodeFactory(program=a, child=True, child_code="a-4", opened_at=noon(2025, 5, 5))
    # c5: incidents only before the period -> not counted
    c5 = ChildFactory(program=a, code="A-5")
    IncidentFactory(child=c5, occurred_on=on(2024, 12, 10), oss=True)
    # c6: asked in November 2024, before any incident (15 Jan) -> request before exclusion; 0 days
    c6 = ChildFactory(program=a, code="A-6")
    request_for(c6, noon(2024, 11, 1))
    IncidentFactory(child=c6, occurred_on=on(2025, 1, 15))
    # c7 (program B): incident 1 Feb, sent home 3 Feb (recorded on its own), an episode for its code from a
    # request of 3 Mar that does not name the child -> excluded before a request; 30 days
    c7 = ChildFactory(program=b, code="B-7")
    IncidentFactory(child=c7, occurred_on=on(2025, 2, 1))
    ExclusionFactory(child=c7, kind=ExclusionKind.OSS, starts_on=on(2025, 2, 3))
    unnamed = RequestFactory(network=world.network, region=world.region_b, program=b, submitted_at=noon(2025, 3, 3))
    EpisodeFactory(program=b, child=True, child_code="B-7", request=unnamed, opened_at=noon(2025, 3, 10))
    # c8: another network's child sent home in the period
    IncidentFactory(child=ChildFactory(program=world.other_program, code="A-1"), occurred_on=on(2025, 2, 10), oss=True)
    return world


def figures(report, name):
    return next(row.figures for row in report.programs if row.program.name == name)


class TestArithmetic:
    def test_a_network_administrator_sees_each_program_and_the_network(self, history):
        # when the administrator asks for the first half of 2025
        report = timeliness.timeliness_report_for(user=history.people["network_admin"], start=START, end=END)
        # then program A: c1, c2, c3, c4, c6; one sent home before a request (c1); three asked first
        # (c2, c4, c6); one without a request (c3); days 17, 2, 0, 0 -> median 1, mean 4.75
        assert [row.program.name for row in report.programs] == ["Harbor Kids", "Sunrise Center"]
        assert figures(report, "Sunrise Center") == timeliness.Timeliness(
            children=5, excluded_before_request=1, requested_before_exclusion=3, with_request=4,
            median_days=1.0, mean_days=4.75)
        # and program B: c7, sent home before the request its episode came from; 30 days
        assert figures(report, "Harbor Kids") == timeliness.Timeliness(
            children=1, excluded_before_request=1, requested_before_exclusion=0, with_request=1,
            median_days=30.0, mean_days=30.0)
        # and the network: days 0, 0, 2, 17, 30 -> median 2, mean 9.8; nothing of the other network
        assert report.total == timeliness.Timeliness(
            children=6, excluded_before_request=2, requested_before_exclusion=3, with_request=5,
            median_days=2.0, mean_days=9.8)
        assert report.total.without_request == 1

    def test_program_staff_and_the_coordinator_see_their_program_only(self, history):
        for role in ("program_staff", "regional_coordinator"):
            report = timeliness.timeliness_report_for(user=history.people[role], start=START, end=END)
            assert [row.program.name for row in report.programs] == ["Sunrise Center"]
            assert report.total.children == 5

    def test_a_period_with_only_the_later_events(self, history):
        # given March to June only: c2 (incident and exclusion in March), c3, c4
        report = timeliness.timeliness_report_for(user=history.people["program_staff"], start=on(2025, 3, 1), end=END)
        # then c1 (February) and c6 (January) drop out; c2 still asked before being sent home
        assert report.total == timeliness.Timeliness(
            children=3, excluded_before_request=0, requested_before_exclusion=2, with_request=2,
            median_days=1.0, mean_days=1.0)

    def test_consultants_and_evaluators_get_nothing(self, history):
        for role in ("consultant", "evaluator", "supervisor"):
            report = timeliness.timeliness_report_for(user=history.people[role], start=START, end=END)
            assert (report.programs, report.total.children) == ([], 0)

    def test_no_request_at_all_gives_no_days(self):
        # given two children never asked about, one sent home
        children = [timeliness.ChildTimeline("p", on(2025, 1, 2), None, on(2025, 1, 3), on(2025, 1, 3)),
                    timeliness.ChildTimeline("p", on(2025, 1, 2), None, None, None)]
        # then one was excluded before any request, and there are no days to average
        assert timeliness.summarise(children) == timeliness.Timeliness(2, 1, 0, 0, None, None)


class TestPage:
    def test_the_report_page_shows_the_figures_for_the_period(self, client, history, django_assert_max_num_queries):
        client.force_login(history.people["network_admin"])
        client.get(reverse("incidents:timeliness"))  # the session's first request records the session itself
        # then the report costs three queries (children with their dates, programs, the ledger) whatever the
        # number of children, besides the nine of signing in and keeping the session
        with django_assert_max_num_queries(12):
            response = client.get(reverse("incidents:timeliness"), {"start": "2025-01-01", "end": "2025-06-30"})
        assert response.status_code == 200
        rows = [(row.program.name, row.figures.children) for row in response.context["report"].programs]
        assert rows == [("Harbor Kids", 1), ("Sunrise Center", 5)]
        html = response.content.decode()
        assert "4.8" in html and "9.8" in html  # means, to one decimal

    def test_a_period_that_ends_before_it_starts_is_explained(self, client, history):
        client.force_login(history.people["program_staff"])
        response = client.get(reverse("incidents:timeliness"), {"start": "2025-06-30", "end": "2025-01-01"})
        assert response.status_code == 200
        assert "comes before its start" in response.content.decode()

    def test_an_evaluator_is_not_shown_the_page(self, client, history):
        client.force_login(history.people["evaluator"])
        assert client.get(reverse("incidents:timeliness")).status_code == 404

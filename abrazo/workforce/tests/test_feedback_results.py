"""Percentages by question over HTTP: which surveys each role counts (consultation, training, group; region,
cohort, period), exact for staff and suppressed for evaluators, the chart, the CSV and XLSX exports, and the
audit trail. Expected figures are worked out by hand in each test."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.consultations.tests.group_factories import GroupFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.measures.models import Administration
from abrazo.workforce.feedback_selectors import Filters, report_for, year_of
from abrazo.workforce.models import FeedbackContext
from abrazo.workforce.tests.factories_feedback import (
    FeedbackCohortFactory,
    SatisfactionFactory,
    satisfaction_answers,
    training_answers,
    training_feedback,
)

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("workforce:feedback-overview")
EXPORT = reverse("workforce:feedback-export")


@pytest.fixture
def episodes(world):
    """Satisfaction surveys: three in region A ("worth it" 5, 4, 2; referrals: does not apply twice, then 4) and
    one in region B ("worth it" 1), all answered today."""
    episode_a = EpisodeFactory(program=world.program_a)
    for worth, referrals in (("5", "9"), ("4", "9"), ("2", "4")):
        SatisfactionFactory(episode=episode_a, answers=satisfaction_answers(sat_worthwhile=worth,
                                                                            sat_referrals=referrals))
    SatisfactionFactory(episode=EpisodeFactory(program=world.program_b),
                        answers=satisfaction_answers(sat_worthwhile="1"))
    return episode_a


def last_year() -> int:
    """The last year (July to June) that has ended: the newest the suppressed sight may show."""
    return year_of(timezone.localdate()) - 1


def in_last_year() -> dt.date:
    return dt.date(last_year() + 1, 3, 15)


def question(report, key):
    return next(q for q in report.published.questions if q.key == key)


def counts(row):
    return [choice.count.value for choice in row.choices]


class TestWhoCountsWhat:
    def test_the_admin_counts_every_consultation_survey_of_the_network(self, world, episodes):
        report = report_for(user=world.people["network_admin"], network=world.network, filters=Filters())
        worth = question(report, "sat_worthwhile")
        # 5, 4, 2, 1: one each of 1, 2, 4 and 5; agree 2 of 4 = 50%
        assert report.exact and report.published.respondents.value == 4
        assert counts(worth) == [1, 1, 0, 1, 1] and worth.n.value == 4
        assert [choice.percent for choice in worth.choices] == [25.0, 25.0, 0.0, 25.0, 25.0]
        assert worth.agree.value == 2 and worth.agree_percent == 50.0
        # referrals: 9, 9, 4, 9 (the factory's default) -> n = 1, three "does not apply", 100% agree
        referrals = question(report, "sat_referrals")
        assert (referrals.n.value, referrals.not_applicable.value, referrals.agree_percent) == (1, 3, 100.0)
        # the yes/no share question and the comments are not rated questions
        assert {q.key for q in report.published.questions}.isdisjoint({"sat_share_comment", "sat_most_helpful"})
        assert len(report.published.questions) == 10

    def test_the_coordinator_counts_only_their_regions_programs(self, world, episodes):
        report = report_for(user=world.people["regional_coordinator"], network=world.network, filters=Filters())
        worth = question(report, "sat_worthwhile")
        # region A only: 5, 4, 2 -> 2 of 3 agree = 66.67%
        assert counts(worth) == [0, 1, 0, 1, 1] and round(worth.agree_percent, 2) == 66.67
        assert report.published.respondents.value == 3

    def test_a_region_filter_and_a_period(self, world, episodes):
        admin = world.people["network_admin"]
        report = report_for(user=admin, network=world.network, filters=Filters(region_id=world.region_b.pk))
        assert counts(question(report, "sat_worthwhile")) == [1, 0, 0, 0, 0]
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        report = report_for(user=admin, network=world.network, filters=Filters(completed_from=tomorrow))
        assert report.published.respondents.value == 0
        assert all(choice.percent is None for choice in question(report, "sat_worthwhile").choices)

    def test_training_feedback_by_cohort_and_the_coordinators_region(self, world):
        # given two surveys about a region A cohort, one about a region B cohort, one about a network-wide cohort
        cohort_a = FeedbackCohortFactory(network=world.network, region=world.region_a)
        cohort_b = FeedbackCohortFactory(network=world.network, region=world.region_b)
        everywhere = FeedbackCohortFactory(network=world.network, region=None)
        training_feedback(cohort=cohort_a, answers=training_answers(trn_worth_time="5"))
        training_feedback(cohort=cohort_a, answers=training_answers(trn_worth_time="3"))
        training_feedback(cohort=cohort_b, answers=training_answers(trn_worth_time="1"))
        training_feedback(cohort=everywhere, answers=training_answers(trn_worth_time="4"))
        training = Filters(context=FeedbackContext.TRAINING)
        # then the admin counts all four, or two with the cohort A filter
        admin = report_for(user=world.people["network_admin"], network=world.network, filters=training)
        assert counts(question(admin, "trn_worth_time")) == [1, 0, 1, 1, 1]
        only_a = report_for(user=world.people["network_admin"], network=world.network,
                            filters=Filters(context=FeedbackContext.TRAINING, cohort_id=cohort_a.pk))
        assert counts(question(only_a, "trn_worth_time")) == [0, 0, 1, 0, 1]
        assert only_a.cohort_name == cohort_a.name
        # and the coordinator of region A counts their region's cohort only (not the network-wide one)
        mine = report_for(user=world.people["regional_coordinator"], network=world.network, filters=training)
        assert counts(question(mine, "trn_worth_time")) == [0, 0, 1, 0, 1]
        # and consultation surveys are not mixed in
        assert question(mine, "trn_recommend").n.value == 2

    def test_group_feedback_counts_the_groups_the_person_may_see(self, world):
        profile = ConsultantProfile.objects.get(user=world.people["consultant"])
        group_a = GroupFactory(facilitator=profile)
        training_feedback(group=group_a, answers=training_answers(trn_respected="4"))
        training_feedback(cohort=FeedbackCohortFactory(network=world.network, region=world.region_a))
        report = report_for(user=world.people["regional_coordinator"], network=world.network,
                            filters=Filters(context=FeedbackContext.GROUP))
        assert report.published.respondents.value == 1
        assert counts(question(report, "trn_respected")) == [0, 0, 0, 1, 0]

    def test_the_other_networks_surveys_are_never_counted(self, world, episodes):
        SatisfactionFactory(episode=EpisodeFactory(program=world.other_program))
        report = report_for(user=world.people["network_admin"], network=world.network, filters=Filters())
        assert report.published.respondents.value == 4


class TestSuppressedForEvaluators:
    def test_a_handful_of_surveys_is_withheld(self, world, episodes):
        Administration.objects.update(completed_on=in_last_year())
        report = report_for(user=world.people["evaluator"], network=world.network,
                            filters=Filters.for_year(last_year()))
        worth = question(report, "sat_worthwhile")
        assert not report.exact and report.published.respondents.hidden
        assert worth.withheld and worth.n.hidden and all(c.percent is None for c in worth.choices)

    def test_fifteen_surveys_show_n_and_hide_the_small_answer_with_its_complement(self, world):
        # given 15 surveys in region A: 14 strongly agree that it was worth it, 1 disagrees
        episode = EpisodeFactory(program=world.program_a)
        for worth in ["5"] * 14 + ["2"]:
            SatisfactionFactory(episode=episode, answers=satisfaction_answers(sat_worthwhile=worth),
                                completed_on=in_last_year())
        # when the evaluator looks at the last year, for the whole network and for region A
        report = report_for(user=world.people["evaluator"], network=world.network,
                            filters=Filters.for_year(last_year()))
        worth = question(report, "sat_worthwhile")
        # then n = 15 is shown; the 1 is hidden, and 14 too (15 - 14 would give it away); zeros stay
        assert worth.n.value == 15 and report.published.respondents.value == 15
        assert [str(choice.count) for choice in worth.choices] == ["0", "hidden", "0", "0", "hidden"]
        assert worth.agree.hidden and worth.agree_percent is None
        # while a question everyone rated 5 shows 100%
        listened = question(report, "sat_listened")
        assert listened.choices[4].count.value == 15 and listened.agree_percent == 100.0
        # and region A, all 15 of them, shows the same, hidden alike
        region = report_for(user=world.people["evaluator"], network=world.network,
                            filters=Filters.for_year(last_year(), region_id=world.region_a.pk))
        assert [str(choice.count) for choice in question(region, "sat_worthwhile").choices] == [
            "0", "hidden", "0", "0", "hidden"]
        # and the admin sees exact figures: 14 of 15 agree = 93.33%
        exact = report_for(user=world.people["network_admin"], network=world.network, filters=Filters())
        assert round(question(exact, "sat_worthwhile").agree_percent, 2) == 93.33


class TestThePage:
    def test_the_page_shows_the_table_and_the_chart_and_is_audited(
        self, client, world, episodes, django_assert_max_num_queries
    ):
        client.force_login(world.people["network_admin"])
        with django_assert_max_num_queries(25):
            response = client.get(OVERVIEW)
        assert response.status_code == 200
        html = response.content.decode()
        assert "The time I spent with my consultant was worth it." in html
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in html and 'role="img"' in html
        assert "50% agree" in html
        event = AccessEvent.objects.filter(action=Action.VIEW, object_type="directory.network").latest("occurred_at")
        assert event.object_id == str(world.network.pk)
        assert "context=episode" in event.object_ids and "sight=exact" in event.object_ids

    def test_the_page_in_spanish(self, client, world, episodes, settings):
        client.force_login(world.people["network_admin"])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        response = client.get(OVERVIEW)
        assert "El tiempo que pasé con mi consultor(a) valió la pena." in response.content.decode()

    def test_the_evaluator_is_told_the_figures_are_suppressed(self, client, world, episodes):
        client.force_login(world.people["evaluator"])
        html = client.get(OVERVIEW).content.decode()
        assert "Suppressed figures" in html and "hidden" in html

    def test_a_bad_period_keeps_the_form_and_shows_no_figures(self, client, world, episodes):
        client.force_login(world.people["network_admin"])
        response = client.get(OVERVIEW, {"context": "episode", "completed_from": "2026-05-01",
                                         "completed_until": "2026-04-01"})
        assert response.status_code == 200 and response.context["report"] is None
        assert response.context["form"].errors["completed_until"]

    def test_a_cohort_outside_the_coordinators_region_is_not_a_choice(self, client, world):
        cohort_b = FeedbackCohortFactory(network=world.network, region=world.region_b)
        client.force_login(world.people["regional_coordinator"])
        response = client.get(OVERVIEW, {"context": "training", "cohort": str(cohort_b.pk)})
        assert response.context["report"] is None and response.context["form"].errors["cohort"]

    @pytest.mark.parametrize("role", ["consultant", "program_staff"])
    def test_roles_without_feedback_view_get_nothing(self, client, world, role):
        client.force_login(world.people[role])
        assert client.get(OVERVIEW).status_code == 404
        assert client.get(EXPORT).status_code == 404

    def test_a_network_that_is_not_theirs_is_not_found(self, client, world):
        client.force_login(world.people["network_admin"])
        assert client.get(OVERVIEW, {"network": str(world.other_network.pk)}).status_code == 404


class TestExports:
    def test_csv_has_one_row_per_question_and_answer_as_on_the_page_and_is_audited(self, client, world, episodes):
        client.force_login(world.people["network_admin"])
        response = client.get(EXPORT, {"format": "csv", "context": "episode"})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert 'filename="feedback-golden-state-network-episode.csv"' in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][:6] == ["Feedback about", "Survey", "Question", "Answer", "People", "Percent of n"]
        assert len(rows) == 1 + 10 * 5  # ten rated questions, five answers each
        worth_agree = next(row for row in rows if row[2].startswith("The time I spent") and row[3] == "Agree")
        assert worth_agree[4:10] == ["1", "25.0", "4", "0", "2", "50.0"]
        event = AccessEvent.objects.get(action=Action.EXPORT)
        assert "format=csv" in event.object_ids

    def test_xlsx_for_an_evaluator_carries_the_hidden_labels(self, client, world, episodes):
        Administration.objects.update(completed_on=in_last_year())
        client.force_login(world.people["evaluator"])
        response = client.get(EXPORT, {"format": "xlsx"})
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[1][4] == "hidden" and rows[1][10] == "withheld: too few answers to publish"

    def test_an_unknown_format_is_not_found(self, client, world):
        client.force_login(world.people["network_admin"])
        assert client.get(EXPORT, {"format": "pdf"}).status_code == 404


class TestFixedCellsForEvaluators:
    """The suppressed sight narrows one way at a time, to whole years (July to June) that have ended, and every
    cell of a year is suppressed together, so that no two choices can be subtracted from each other."""

    def test_free_periods_and_years_still_running_are_refused(self, world, episodes):
        evaluator, admin = world.people["evaluator"], world.people["network_admin"]
        this_year = year_of(timezone.localdate())
        for filters in (Filters(), Filters(completed_from=dt.date(this_year - 1, 1, 1),
                                           completed_until=dt.date(this_year - 1, 5, 31)),
                        Filters.for_year(this_year),
                        Filters(completed_from=dt.date(this_year - 1, 7, 1),
                                completed_until=dt.date(this_year, 5, 31))):
            with pytest.raises(PermissionDenied):
                report_for(user=evaluator, network=world.network, filters=filters)
        # while staff with exact figures keep free periods
        report = report_for(user=admin, network=world.network, filters=Filters(completed_from=dt.date(2020, 1, 1)))
        assert report.published.respondents.value == 4

    def test_training_is_narrowed_by_cohort_and_not_by_region(self, world):
        cohort = FeedbackCohortFactory(network=world.network, region=world.region_a)
        for _ in range(12):
            training_feedback(cohort=cohort, completed_on=in_last_year())
        evaluator = world.people["evaluator"]
        training = FeedbackContext.TRAINING
        with pytest.raises(PermissionDenied):
            report_for(user=evaluator, network=world.network,
                       filters=Filters.for_year(last_year(), context=training, region_id=world.region_a.pk))
        report = report_for(user=evaluator, network=world.network,
                            filters=Filters.for_year(last_year(), context=training, cohort_id=cohort.pk))
        assert report.published.respondents.value == 12 and report.cohort_name == cohort.name

    def test_the_network_and_its_regions_together_give_no_hidden_count_away(self, world):
        # given last year's answers to "worth it": region A 0, 0, 0, 25, 30; region B 0, 0, 3, 20, 15 (the example
        # of test_feedback_stats, where the network and the regions published one by one give the 3s away)
        from abrazo.equity.suppression import is_determined
        from abrazo.workforce.tests.test_feedback_stats import reader_system

        counts = {"a": [0, 0, 0, 25, 30], "b": [0, 0, 3, 20, 15]}
        for region, program in (("a", world.program_a), ("b", world.program_b)):
            episode = EpisodeFactory(program=program)
            for code, count in enumerate(counts[region], start=1):
                for _ in range(count):
                    SatisfactionFactory(episode=episode, answers=satisfaction_answers(sat_worthwhile=str(code)),
                                        completed_on=in_last_year())
        # when the evaluator reads the network, region A and region B for that year
        evaluator = world.people["evaluator"]
        cells = {"network": None, "a": world.region_a.pk, "b": world.region_b.pk}
        seen = {}
        for cell, region_id in cells.items():
            report = report_for(user=evaluator, network=world.network,
                                filters=Filters.for_year(last_year(), region_id=region_id))
            seen[cell] = type(report.published)(respondents=report.published.respondents,
                                                questions=(question(report, "sat_worthwhile"),), exact=False, high=10)
        # then nothing hidden can be worked out from all three together
        counts["network"] = [a + b for a, b in zip(counts["a"], counts["b"], strict=True)]
        values, relations, hidden = reader_system(seen, counts, {"network": ("a", "b"), "a": ("a",), "b": ("b",)})
        assert hidden and not any(is_determined(values, relations, hidden, index) for index in hidden)
        assert str(seen["network"].questions[0].choices[2].count) == "hidden"


class TestFixedCellsOnThePage:
    def test_the_evaluator_chooses_a_year_and_is_told_why(self, client, world, episodes):
        Administration.objects.update(completed_on=in_last_year())
        client.force_login(world.people["evaluator"])
        # when the evaluator opens the page, even asking for any dates
        response = client.get(OVERVIEW, {"context": "episode", "completed_from": "2020-01-01"})
        html = response.content.decode()
        form = response.context["form"]
        # then the form offers whole years that have ended, newest first, and no dates
        assert "completed_from" not in form.fields and "completed_until" not in form.fields
        assert form.fields["year"].choices[0] == (str(last_year()), f"July {last_year()} to June {last_year() + 1}")
        assert str(last_year() + 1) not in [value for value, _label in form.fields["year"].choices]
        # and last year's four surveys are counted (hidden: four is small), with a note saying why
        report = response.context["report"]
        assert report.filters.completed_from == dt.date(last_year(), 7, 1)
        assert report.published.respondents.hidden
        assert "could be subtracted from each other to reveal the answers of a few people" in html
        event = AccessEvent.objects.filter(action=Action.VIEW, object_type="directory.network").latest("occurred_at")
        assert f"completed={last_year()}-07-01..{last_year() + 1}-06-30" in event.object_ids

    def test_a_year_still_running_or_training_by_region_is_refused_with_a_message(self, client, world):
        client.force_login(world.people["evaluator"])
        response = client.get(OVERVIEW, {"context": "episode", "year": str(last_year() + 1)})
        assert response.context["report"] is None and response.context["form"].errors["year"]
        response = client.get(OVERVIEW, {"context": "training", "year": str(last_year()),
                                         "region": str(world.region_a.pk)})
        assert response.context["report"] is None
        assert "whole network or one cohort" in response.context["form"].errors["region"][0]
        assert client.get(EXPORT, {"format": "csv", "context": "training", "year": str(last_year()),
                                   "region": str(world.region_a.pk)}).status_code == 404

    def test_staff_with_exact_figures_keep_free_dates_and_no_note(self, client, world, episodes):
        client.force_login(world.people["network_admin"])
        response = client.get(OVERVIEW, {"context": "episode", "completed_from": "2020-01-01"})
        form = response.context["form"]
        assert "year" not in form.fields and "completed_from" in form.fields
        assert response.context["report"].published.respondents.value == 4
        assert "could be subtracted from each other" not in response.content.decode()

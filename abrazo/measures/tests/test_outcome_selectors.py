"""Pre/post outcomes as each role may see them: pairing, statistics (expected values worked out here, in plain
Python, not by the module under test), scope, evaluator suppression, the audit and the number of queries."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from abrazo.audit.models import AccessEvent
from abrazo.consultations.models import EpisodeType, Phase
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.directory.tests.factories import ConsultantProfileFactory, ProgramStaffFactory
from abrazo.incidents.models import RaceEthnicity
from abrazo.incidents.tests.factories import ChildFactory
from abrazo.measures import outcome_selectors as selectors
from abrazo.measures.models import Administration, AdministrationStatus, Level, Respondent, Timepoint
from abrazo.measures.tests.factories import InstrumentFactory, ScaleFactory

pytestmark = pytest.mark.django_db

T_975_11 = 2.200985160082949  # Student's t, 97.5th percentile, 11 degrees of freedom (from tables)
CLOSED = dt.datetime(2025, 6, 15, 12, tzinfo=dt.UTC)

# Program A, Hispanic/Latino children: 12 pairs (6 answered in Spanish, 6 in English).
HISPANIC_PRE = [10, 11, 12, 13, 14, 15, 10, 11, 12, 13, 14, 15]
HISPANIC_CHANGE = [3, 1, 2, 4, 0, 2, 3, -1, 2, 5, 1, 2]
# Program A, Black children: 5 pairs, in English.
BLACK_PRE = [12, 12, 13, 14, 15]
BLACK_CHANGE = [1, 2, 0, 3, -2]
# Program B (region B, another consultant): 6 White children, in English.
WHITE_PRE = [9, 10, 11, 12, 13, 14]
WHITE_CHANGE = [1, 1, 1, 2, 0, 1]


@dataclass
class OutcomeData:
    world: Any
    instrument: Any
    scale: Any
    teacher_instrument: Any
    stress: Any


def _administration(episode, instrument, timepoint, scores, *, child=None, staff=None, language="en",
                    completed_on=dt.date(2025, 1, 10), status=AdministrationStatus.COMPLETED) -> Administration:
    return Administration.objects.create(
        network=episode.network, instrument=instrument, episode=episode, program=episode.program, child=child,
        respondent_staff=staff, respondent_role=Respondent.TEACHER, timepoint=timepoint, status=status,
        completed_on=completed_on if status == AdministrationStatus.COMPLETED else None, language=language,
        scores=scores,
    )


def _child_pairs(instrument, consultant, program, race, pres, changes, languages) -> None:
    for pre, change, language in zip(pres, changes, languages, strict=True):
        child = ChildFactory(program=program, race_ethnicity=race, enrolled=False)
        episode = EpisodeFactory(program=program, consultant=consultant, episode_type=EpisodeType.CHILD_FAMILY,
                                 phase=Phase.CLOSED, closed_at=CLOSED)
        staff = ProgramStaffFactory(program=program)
        _administration(episode, instrument, Timepoint.PRE, {"social": {"raw": pre, "band": ""}}, child=child,
                        staff=staff, language=language, completed_on=dt.date(2024, 10, 1))
        _administration(episode, instrument, Timepoint.POST, {"social": {"raw": pre + change}}, child=child,
                        staff=staff, language=language, completed_on=dt.date(2025, 6, 1))


def build_outcome_data(world) -> OutcomeData:
    consultant = world.people["consultant"].consultant_profile
    instrument = InstrumentFactory(network=world.network, level=Level.CHILD, name_en="Child social skills")
    scale = ScaleFactory(instrument=instrument, key="social", name_en="Social skills", higher_is_better=True,
                         reliability=0.8, position=1)
    _child_pairs(instrument, consultant, world.program_a, RaceEthnicity.HISPANIC_LATINO, HISPANIC_PRE,
                 HISPANIC_CHANGE, ["es"] * 6 + ["en"] * 6)
    _child_pairs(instrument, consultant, world.program_a, RaceEthnicity.BLACK, BLACK_PRE, BLACK_CHANGE, ["en"] * 5)
    other_consultant = ConsultantProfileFactory(network=world.network, region=world.region_b)
    _child_pairs(instrument, other_consultant, world.program_b, RaceEthnicity.WHITE, WHITE_PRE, WHITE_CHANGE,
                 ["en"] * 6)
    # Another network's pairs: nobody here may count them.
    stranger = ConsultantProfileFactory(network=world.other_network, region=world.other_program.region)
    _child_pairs(instrument, stranger, world.other_program, RaceEthnicity.WHITE, [1, 2], [50, 50], ["en", "en"])

    # Not pairs: a pre with no post, and a post whose only pre came after it; a scheduled post is not counted.
    lonely = EpisodeFactory(program=world.program_a, consultant=consultant, phase=Phase.CLOSED, closed_at=CLOSED)
    _administration(lonely, instrument, Timepoint.PRE, {"social": {"raw": 1}}, child=ChildFactory(
        program=world.program_a, enrolled=False))
    late = EpisodeFactory(program=world.program_a, consultant=consultant, phase=Phase.CLOSED, closed_at=CLOSED)
    late_child = ChildFactory(program=world.program_a, enrolled=False)
    _administration(late, instrument, Timepoint.POST, {"social": {"raw": 90}}, child=late_child,
                    completed_on=dt.date(2025, 1, 1))
    _administration(late, instrument, Timepoint.PRE, {"social": {"raw": 1}}, child=late_child,
                    completed_on=dt.date(2025, 2, 1))
    _administration(lonely, instrument, Timepoint.POST, {"social": {"raw": 99}}, status=AdministrationStatus.SCHEDULED)

    # A teacher-level measure where lower is better (stress), 11 teachers in program A, no reliability.
    teacher_instrument = InstrumentFactory(network=world.network, level=Level.TEACHER, name_en="Teacher stress")
    stress = ScaleFactory(instrument=teacher_instrument, key="stress", name_en="Stress", higher_is_better=False,
                          position=1)
    for index in range(11):
        episode = EpisodeFactory(program=world.program_a, consultant=consultant, phase=Phase.CLOSED,
                                 closed_at=CLOSED)
        staff = ProgramStaffFactory(program=world.program_a)
        # A first pre, replaced by a later one before the post: the later one counts.
        _administration(episode, teacher_instrument, Timepoint.PRE, {"stress": {"raw": 100}}, staff=staff,
                        completed_on=dt.date(2024, 9, 1))
        _administration(episode, teacher_instrument, Timepoint.PRE, {"stress": {"raw": 20 + index}}, staff=staff,
                        completed_on=dt.date(2024, 10, 1))
        _administration(episode, teacher_instrument, Timepoint.POST, {"stress": {"raw": 20 + index - (index % 3)}},
                        staff=staff, completed_on=dt.date(2025, 6, 1))
    return OutcomeData(world=world, instrument=instrument, scale=scale, teacher_instrument=teacher_instrument,
                       stress=stress)


@pytest.fixture
def data(world) -> OutcomeData:
    return build_outcome_data(world)


def unit(user, kind, obj) -> selectors.OutcomeUnit:
    return selectors.unit_from_key(user=user, key=f"{kind}:{obj.pk}")


def social(report) -> selectors.ScaleReport:
    instrument = next(found for found in report.instruments if found.name == "Child social skills")
    return instrument.scales[0]


def group(scale_report, dimension, label) -> selectors.GroupStats:
    breakdown = next(found for found in scale_report.breakdowns if found.dimension == dimension)
    return next(stats for stats in breakdown.groups if stats.label == label)


def expected(pres, changes) -> dict[str, float]:
    """The statistics worked out by hand (statistics module, textbook formulas)."""
    posts = [pre + change for pre, change in zip(pres, changes, strict=True)]
    n = len(pres)
    mean_change = statistics.mean(changes)
    sd_change = statistics.stdev(changes)
    sd_average = (statistics.stdev(pres) + statistics.stdev(posts)) / 2
    correction = 1 - 3 / (4 * (n - 1) - 1)
    return {
        "n": n, "mean_pre": statistics.mean(pres), "mean_post": statistics.mean(posts), "mean_change": mean_change,
        "sd_change": sd_change, "d_z": mean_change / sd_change, "hedges_g": correction * mean_change / sd_average,
        "margin": T_975_11 * sd_change / math.sqrt(n),
    }


class TestStatistics:
    def test_a_group_of_twelve_pairs_has_the_statistics_worked_out_by_hand(self, data):
        # given 12 Hispanic/Latino children's pre and post social-skills scores in program A
        admin = data.world.people["network_admin"]
        # when the network administrator asks for program A's outcomes
        report = selectors.report_for(user=admin, unit=unit(admin, "program", data.world.program_a),
                                      filters=selectors.Filters())
        hispanic = group(social(report), selectors.RACE, "Hispanic/Latino")
        want = expected(HISPANIC_PRE, HISPANIC_CHANGE)
        # then mean change 2.0 = 24 / 12, its CI from t(11), d_z, g and the shares match the hand calculation
        assert hispanic.n.value == 12
        assert hispanic.mean_pre == pytest.approx(want["mean_pre"])
        assert hispanic.mean_post == pytest.approx(want["mean_post"])
        assert hispanic.mean_change == pytest.approx(2.0)
        assert hispanic.ci_low == pytest.approx(2.0 - want["margin"])
        assert hispanic.ci_high == pytest.approx(2.0 + want["margin"])
        assert hispanic.sd_change == pytest.approx(want["sd_change"])
        assert hispanic.d_z == pytest.approx(want["d_z"])
        assert hispanic.hedges_g == pytest.approx(want["hedges_g"])
        assert (hispanic.improved.value, hispanic.worse.value, hispanic.unchanged.value) == (10, 1, 1)
        assert hispanic.share_improved == pytest.approx(10 / 12)

    def test_overall_row_counts_every_pair_of_the_unit_and_nothing_that_is_not_a_pair(self, data):
        admin = data.world.people["network_admin"]
        report = selectors.report_for(user=admin, unit=unit(admin, "program", data.world.program_a),
                                      filters=selectors.Filters())
        overall = social(report).overall
        pres, changes = HISPANIC_PRE + BLACK_PRE, HISPANIC_CHANGE + BLACK_CHANGE
        # then 17 pairs: the lonely pre, the pre dated after its post and the scheduled post are not pairs
        assert overall.n.value == 17
        assert overall.mean_change == pytest.approx(statistics.mean(changes))
        # and reliable change uses S_diff = sqrt(2) * SD_pre * sqrt(1 - 0.8) of all 17 pairs
        threshold = 1.96 * math.sqrt(2) * statistics.stdev(pres) * math.sqrt(0.2)
        assert overall.reliably_improved.value == sum(change > threshold for change in changes)
        assert overall.reliably_worse.value == sum(change < -threshold for change in changes)

    def test_language_groups_are_the_language_of_the_post(self, data):
        admin = data.world.people["network_admin"]
        report = selectors.report_for(user=admin, unit=unit(admin, "program", data.world.program_a),
                                      filters=selectors.Filters())
        scale = social(report)
        assert group(scale, selectors.LANGUAGE, "Spanish").n.value == 6
        assert group(scale, selectors.LANGUAGE, "English").n.value == 11

    def test_a_lower_is_better_scale_counts_a_decrease_as_improvement_and_the_latest_pre_is_used(self, data):
        admin = data.world.people["network_admin"]
        report = selectors.report_for(user=admin, unit=unit(admin, "program", data.world.program_a),
                                      filters=selectors.Filters())
        teacher = next(found for found in report.instruments if found.name == "Teacher stress")
        stress = teacher.scales[0].overall
        changes = [-(index % 3) for index in range(11)]  # the later pre (20 + i), not the first one (100)
        assert stress.n.value == 11
        assert stress.mean_change == pytest.approx(statistics.mean(changes))
        assert (stress.improved.value, stress.worse.value, stress.unchanged.value) == (7, 0, 4)
        assert stress.reliably_improved is None  # no reliability given
        # and race is not known for a teacher-level measure: said, not guessed
        race = next(found for found in teacher.scales[0].breakdowns if found.dimension == selectors.RACE)
        assert race.available is False and race.groups == []

    def test_filters_narrow_by_type_period_and_instrument(self, data):
        admin = data.world.people["network_admin"]
        network = unit(admin, "network", data.world.network)
        before = selectors.report_for(user=admin, unit=network, filters=selectors.Filters(
            closed_until=dt.date(2025, 6, 14)))
        assert before.instruments == []
        child_family = selectors.report_for(user=admin, unit=network, filters=selectors.Filters(
            episode_type=EpisodeType.CHILD_FAMILY, closed_from=dt.date(2025, 6, 15), closed_until=dt.date(2025, 6, 15)))
        assert [found.name for found in child_family.instruments] == ["Child social skills"]
        only_stress = selectors.report_for(user=admin, unit=network, filters=selectors.Filters(
            instrument_id=data.teacher_instrument.pk))
        assert [found.name for found in only_stress.instruments] == ["Teacher stress"]


class TestScope:
    @pytest.mark.parametrize(("role", "pairs"), [
        ("network_admin", 23), ("evaluator", 23),
    ])
    def test_network_roles_count_the_whole_network(self, data, role, pairs):
        person = data.world.people[role]
        report = selectors.report_for(user=person, unit=unit(person, "network", data.world.network),
                                      filters=selectors.Filters())
        assert social(report).overall.n.value == pairs

    def test_coordinator_sees_their_region_and_not_the_other(self, data):
        coordinator = data.world.people["regional_coordinator"]
        report = selectors.report_for(user=coordinator, unit=unit(coordinator, "region", data.world.region_a),
                                      filters=selectors.Filters())
        assert social(report).overall.n.value == 17
        with pytest.raises(Http404):
            unit(coordinator, "region", data.world.region_b)
        with pytest.raises(Http404):
            unit(coordinator, "network", data.world.network)

    def test_supervisor_sees_their_consultants_episodes_only(self, data):
        supervisor = data.world.people["supervisor"]
        team = selectors.units_for(supervisor)[0]
        assert team.kind == selectors.TEAM and team.exact
        report = selectors.report_for(user=supervisor, unit=team, filters=selectors.Filters())
        assert social(report).overall.n.value == 17  # program B's pairs are another consultant's

    @pytest.mark.parametrize("role", ["consultant", "program_staff"])
    def test_roles_without_the_permission_get_nothing(self, data, role):
        person = data.world.people[role]
        assert selectors.units_for(person) == []
        with pytest.raises(Http404):
            selectors.unit_from_key(user=person, key=None)

    def test_another_networks_unit_is_404_and_audited_as_denied(self, data):
        admin = data.world.people["network_admin"]
        with pytest.raises(Http404):
            unit(admin, "network", data.world.other_network)
        assert AccessEvent.objects.filter(user_id=admin.pk, outcome="denied",
                                          object_id=str(data.world.other_network.pk)).exists()


class TestEvaluatorSuppression:
    def test_small_groups_are_withheld_and_no_count_of_1_to_10_is_published(self, data):
        evaluator = data.world.people["evaluator"]
        network = unit(evaluator, "network", data.world.network)
        assert network.exact is False
        report = selectors.report_for(user=evaluator, unit=network, filters=selectors.Filters())
        scale = social(report)
        black = group(scale, selectors.RACE, "Black or African American")
        # then the group of 5 is withheld: its count reads "hidden" and it has no statistic
        assert black.withheld and black.n.hidden and str(black.n) == "hidden"
        assert black.mean_change is None and black.hedges_g is None and black.share_improved is None
        # and every published count, anywhere, is 0 or more than 10
        for stats in [scale.overall, *(g for b in scale.breakdowns for g in b.groups)]:
            for count in (stats.n, stats.improved, stats.worse, stats.unchanged, stats.reliably_improved,
                          stats.reliably_worse):
                assert count is None or count.value is None or count.value == 0 or count.value > 10
            assert stats.n_dropped is None
            # and a share is shown only where its count is
            assert stats.share_improved is None or not stats.improved.hidden
        # and the overall row of 23 pairs keeps its statistics
        assert scale.overall.n.value == 23 and scale.overall.mean_change is not None

    def test_evaluators_program_with_under_11_pairs_shows_nothing(self, data):
        evaluator = data.world.people["evaluator"]
        report = selectors.report_for(user=evaluator, unit=unit(evaluator, "program", data.world.program_b),
                                      filters=selectors.Filters())
        overall = social(report).overall
        assert overall.withheld and overall.n.hidden and overall.mean_change is None

    def test_exact_sight_shows_small_groups(self, data):
        admin = data.world.people["network_admin"]
        report = selectors.report_for(user=admin, unit=unit(admin, "network", data.world.network),
                                      filters=selectors.Filters())
        black = group(social(report), selectors.RACE, "Black or African American")
        assert black.n.value == 5 and not black.withheld
        assert black.mean_change == pytest.approx(statistics.mean(BLACK_CHANGE))


class TestAuditAndQueries:
    def test_each_report_is_audited_with_the_unit_and_parameters(self, data):
        evaluator = data.world.people["evaluator"]
        selectors.report_for(user=evaluator, unit=unit(evaluator, "region", data.world.region_a),
                             filters=selectors.Filters(episode_type=EpisodeType.CLASSROOM))
        event = AccessEvent.objects.filter(user_id=evaluator.pk, action="view").latest("occurred_at")
        assert event.object_type == "directory.region" and event.object_id == str(data.world.region_a.pk)
        assert "episode_type=classroom" in event.object_ids and "sight=suppressed" in event.object_ids

    def test_queries_do_not_grow_with_pairs(self, data):
        admin = data.world.people["network_admin"]
        network = unit(admin, "network", data.world.network)
        with CaptureQueriesContext(connection) as queries:
            selectors.report_for(user=admin, unit=network, filters=selectors.Filters())
        # settings, audit, memberships, administrations, instruments, scales, languages (and the audit's own)
        assert len(queries) <= 10

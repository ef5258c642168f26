"""The demo's competency ratings (competency_demo), loaded the way the workforce demo calls it: the default
framework, three self-assessments and three supervisor ratings per supervised consultant over the past year,
growth that only goes up a level at a time, the same on every load, and wiped cleanly with the network."""

from __future__ import annotations

from collections import defaultdict
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.utils import timezone

from abrazo.directory import demo
from abrazo.directory.models import ConsultantProfile, Network
from abrazo.workforce.models import CompetencyAssessment, CompetencyDomain, CompetencyRating, RaterKind

pytestmark = pytest.mark.django_db


def load(*args: str) -> Network:
    call_command("demo", "--scale", "tiny", *args, stdout=StringIO())
    return Network.objects.get(slug=demo.SCALES["tiny"].slug)


def test_three_rounds_of_self_and_supervisor_ratings_for_every_supervised_consultant():
    network = load()
    supervised = ConsultantProfile.objects.filter(network=network, is_active=True, supervisor__isnull=False)
    assert supervised.exists()
    assert CompetencyDomain.objects.filter(network=network).count() == 8
    for consultant in supervised:
        assessments = list(CompetencyAssessment.objects.filter(consultant=consultant).order_by("assessed_on"))
        kinds = [a.rater_kind for a in assessments]
        assert kinds.count(RaterKind.SELF) == 3 and kinds.count(RaterKind.SUPERVISOR) == 3
        for assessment in assessments:
            expected_rater = consultant.user_id if assessment.rater_kind == RaterKind.SELF else consultant.supervisor_id
            assert assessment.rater_id == expected_rater
            assert assessment.assessed_on <= timezone.localdate()
            assert assessment.ratings.count() == 8


def test_ratings_grow_a_level_at_a_time_and_the_supervisor_never_rates_higher_than_the_consultant():
    network = load()
    series: dict[tuple, list[tuple]] = defaultdict(list)
    for rating in (CompetencyRating.objects.filter(assessment__network=network)
                   .select_related("assessment", "domain").order_by("assessment__assessed_on")):
        assessment = rating.assessment
        series[(assessment.consultant_id, rating.domain.key, assessment.rater_kind)].append(rating.level)
    assert series
    for levels in series.values():
        assert all(1 <= level <= 4 for level in levels)
        assert all(0 <= later - earlier <= 2 for earlier, later in pairwise(levels))
    for (consultant, key, kind), levels in series.items():
        if kind == RaterKind.SUPERVISOR:
            own = series[(consultant, key, RaterKind.SELF)]
            assert all(theirs <= mine for theirs, mine in zip(levels, own, strict=True))
    # and some consultants did grow
    assert any(levels[-1] > levels[0] for levels in series.values())


def test_reloading_gives_the_same_ratings_and_wipes_cleanly():
    network = load()
    before = sorted(map(str, CompetencyAssessment.objects.filter(network=network).values_list("pk", flat=True)))
    levels = sorted(CompetencyRating.objects.filter(assessment__network=network)
                    .values_list("assessment_id", "domain_id", "level"))
    network = load("--reset")
    assert sorted(map(str, CompetencyAssessment.objects.filter(network=network).values_list("pk", flat=True))) == before
    assert sorted(CompetencyRating.objects.filter(assessment__network=network)
                  .values_list("assessment_id", "domain_id", "level")) == levels

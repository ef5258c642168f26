"""The demo's outcome measures: plausible counts, scores that are the engine's, pre before post, modest
improvement with some children and classrooms worse, deterministic, and wiped without leftovers."""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter, defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from abrazo.consultations.models import Episode, EpisodeType
from abrazo.directory import demo
from abrazo.directory.models import ConsultantProfile, Network
from abrazo.measures import demo as measures_demo
from abrazo.measures import specs
from abrazo.measures.demo import (
    CHILD_RATING,
    CHILD_RATING_KEY,
    CLASSROOM_OBSERVATION,
    CLASSROOM_OBSERVATION_KEY,
    DEMO_INSTRUMENTS,
    LICENCE_HOLDER,
    drawn_effect_size,
    stored_scores,
    wipe_measures,
)
from abrazo.measures.models import (
    Administration,
    AdministrationStatus,
    AnswerSource,
    Instrument,
    Scale,
    SurveyLink,
    Timepoint,
)
from abrazo.measures.shipped import SHIPPED_KEYS, TRAINING_FEEDBACK
from abrazo.workforce.feedback_demo import wipe_feedback


def load(*args: str) -> Network:
    call_command("demo", "--scale", "tiny", *args, stdout=StringIO())
    return Network.objects.get(slug=demo.SCALES["tiny"].slug)


def measures_digest(network: Network) -> str:
    rows = sorted(tuple(map(str, row)) for row in Administration.objects.filter(network=network).values_list(
        "id", "instrument_id", "episode_id", "child_id", "respondent_staff_id", "respondent_role", "timepoint",
        "due_on", "status", "completed_on", "language", "answers", "scores", "source", "entered_by_id"))
    links = sorted(tuple(map(str, row)) for row in SurveyLink.objects.filter(
        administration__network=network).values_list("id", "token_hash", "expires_at", "used_at"))
    return hashlib.sha256(repr((rows, links)).encode()).hexdigest()


def test_the_demo_scales_are_drawn_with_modest_effect_sizes() -> None:
    # given the two made-up scores-only instruments
    for instrument in DEMO_INSTRUMENTS:
        for scale in instrument.scales:
            # then each scale's change is drawn with d_z between 0.3 and 0.6 in its good direction
            assert 0.3 <= drawn_effect_size(scale) <= 0.6, scale.key
    # and neither name claims to be a real tool
    assert {i.name_en for i in DEMO_INSTRUMENTS} == {
        "Child social-emotional rating (scores only)", "Classroom practice observation (scores only)"}


@pytest.mark.django_db
def test_tiny_demo_measures_are_plausible_and_scored_by_the_engine() -> None:
    # given the tiny demo
    network = load()
    today = timezone.localdate()
    # Training and group feedback is about cohorts and groups, not episodes: the workforce demo's, checked in
    # abrazo/workforce/tests/test_feedback_demo.py.
    administrations = list(Administration.objects.filter(network=network).select_related("instrument", "episode")
                           .exclude(instrument__key=TRAINING_FEEDBACK["key"]))
    by_key = Counter(a.instrument.key for a in administrations)

    # then the network has its two scores-only instruments, by structure only, with three entered scales each
    own = Instrument.objects.filter(network=network)
    assert sorted(own.values_list("key", flat=True)) == sorted([CHILD_RATING_KEY, CLASSROOM_OBSERVATION_KEY])
    for instrument in own:
        assert instrument.scores_only and instrument.licence_holder == LICENCE_HOLDER and not instrument.items.exists()
        assert Scale.objects.filter(instrument=instrument, kind="entered").count() == 3
    # every kind of administration is there, in plausible numbers for ~60 episodes
    episodes = Episode.objects.filter(network=network)
    assert 40 <= episodes.count() <= 120
    assert set(by_key) == {*SHIPPED_KEYS, CHILD_RATING_KEY, CLASSROOM_OBSERVATION_KEY} - {TRAINING_FEEDBACK["key"]}
    assert 100 <= len(administrations) <= 600
    assert by_key["abrazo_satisfaction"] >= 0.5 * episodes.filter(closed_at__isnull=False).count()
    # every consultant reflects on their stance twice a year, with one of their episodes when they have one
    consultants = ConsultantProfile.objects.filter(network=network)
    assert by_key["abrazo_consultative_stance"] == 2 * consultants.count()
    for a in administrations:
        if a.instrument.key == "abrazo_consultative_stance":
            assert a.respondent_role == "consultant" and a.respondent_staff_id is None
            assert a.episode is None or a.episode.consultant.user_id == a.entered_by_id or a.entered_by_id is None

    # every completed administration's scores are what the engine gives for its answers
    completed = [a for a in administrations if a.status == AdministrationStatus.COMPLETED]
    assert len(completed) >= 0.7 * len(administrations)
    for administration in completed:
        expected = specs.score_administration(administration.instrument, administration.answers)
        assert administration.scores == stored_scores(expected), administration.pk
        assert administration.completed_on < today
    # and the others carry no answers nor scores
    for administration in administrations:
        if administration.status != AdministrationStatus.COMPLETED:
            assert administration.answers == {} and administration.scores == {} and administration.completed_on is None

    # pre comes before post (and post before follow-up) on every episode and instrument
    dated: dict[tuple, dict[str, object]] = defaultdict(dict)
    for a in completed:
        dated[(a.episode_id, a.instrument_id)][a.timepoint] = a.completed_on
    assert dated
    for times in dated.values():
        if Timepoint.PRE in times and Timepoint.POST in times:
            assert times[Timepoint.PRE] < times[Timepoint.POST]
        if Timepoint.POST in times and Timepoint.FOLLOW_UP in times:
            assert times[Timepoint.POST] < times[Timepoint.FOLLOW_UP]
    # child ratings belong to child episodes (with the roster child where one was linked), observations to rooms
    for a in administrations:
        if a.instrument.key == CHILD_RATING_KEY:
            assert a.episode.episode_type == EpisodeType.CHILD_FAMILY
            assert a.child_id == Episode.objects.get(pk=a.episode_id).request.child_id
        elif a.instrument.key == CLASSROOM_OBSERVATION_KEY:
            assert a.episode.episode_type == EpisodeType.CLASSROOM and a.child_id is None
    assert any(a.child_id for a in administrations if a.instrument.key == CHILD_RATING_KEY)
    # readiness only at the start of programmatic episodes
    assert {(a.episode.episode_type, a.timepoint) for a in administrations
            if a.instrument.key == "abrazo_program_readiness"} == {(EpisodeType.PROGRAMMATIC, Timepoint.PRE)}
    # open episodes only have their pre done; something is scheduled ahead and something is overdue
    assert not [a for a in completed if a.instrument.key != "abrazo_consultative_stance"
                and a.episode.closed_at is None and a.timepoint != Timepoint.PRE]
    scheduled = [a for a in administrations if a.status == AdministrationStatus.SCHEDULED]
    assert any(a.due_on >= today for a in scheduled) and any(a.due_on < today for a in scheduled)
    assert all(a.reminded_at for a in scheduled if a.due_on < today - timedelta(days=3))
    # the demo consultant has one due within a fortnight and one overdue
    mine = [a for a in scheduled if a.episode and a.episode.consultant.user.email.startswith("consultant@")]
    assert any(today <= a.due_on <= today + timedelta(days=14) for a in mine)
    assert any(a.due_on < today for a in mine)
    # some surveys are in Spanish, most came through a (used) link
    satisfaction = [a for a in completed if a.instrument.key == "abrazo_satisfaction"]
    spanish = sum(a.language == "es" for a in satisfaction) / len(satisfaction)
    assert 0.1 <= spanish <= 0.7
    by_link = [a for a in satisfaction if a.source == AnswerSource.LINK]
    assert len(by_link) > len(satisfaction) / 3
    links = SurveyLink.objects.filter(administration__network=network)
    assert links.count() == len(by_link) and not links.filter(used_at__isnull=True).exists()


@pytest.mark.django_db
def test_tiny_demo_satisfaction_comments_say_whether_they_may_be_shared() -> None:
    # given the tiny demo's completed satisfaction surveys
    network = load()
    surveys = list(Administration.objects.filter(network=network, instrument__key="abrazo_satisfaction",
                                                 status=AdministrationStatus.COMPLETED))
    commented = [a for a in surveys if {"sat_most_helpful", "sat_could_be_better"} & set(a.answers)]
    # then some wrote a comment, in the survey's language
    assert commented
    for administration in commented:
        comments = measures_demo.COMMENTS["sat_most_helpful"][administration.language] + measures_demo.COMMENTS[
            "sat_could_be_better"][administration.language]
        assert {administration.answers.get("sat_most_helpful"), administration.answers.get("sat_could_be_better")} <= {
            *comments, None}
    # and each of them said yes or no to sharing it (most yes), while those who wrote nothing were not asked
    shared = [a.answers.get("sat_share_comment") for a in commented]
    assert set(shared) <= {"1", "0"} and None not in shared
    assert shared.count("1") > len(shared) / 2
    assert not [a for a in surveys if a not in commented and "sat_share_comment" in a.answers]


@pytest.mark.django_db
def test_tiny_demo_outcomes_improve_modestly_with_attrition_and_some_worse() -> None:
    # given the tiny demo's pre/post pairs of the outcome scales (satisfaction-type: higher is better, and one
    # concern scale where lower is better)
    network = load()
    administrations = Administration.objects.filter(network=network).select_related("instrument")
    scores: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for a in administrations.filter(status=AdministrationStatus.COMPLETED):
        scores[(a.instrument.key, a.episode_id)][a.timepoint] = a.scores
    direction = {s.key: 1 if s.higher_is_better else -1 for i in DEMO_INSTRUMENTS for s in i.scales}
    direction.update(overall=1)
    changes: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (key, _episode), times in scores.items():
        if Timepoint.PRE not in times or Timepoint.POST not in times:
            continue
        for scale, pre in times[Timepoint.PRE].items():
            if scale in direction and pre["raw"] is not None and times[Timepoint.POST][scale]["raw"] is not None:
                changes[(key, scale)].append(direction[scale] * (times[Timepoint.POST][scale]["raw"] - pre["raw"]))

    expected = {(CHILD_RATING_KEY, s.key) for s in CHILD_RATING.scales}
    expected |= {(CLASSROOM_OBSERVATION_KEY, s.key) for s in CLASSROOM_OBSERVATION.scales}
    expected.add(("abrazo_consultative_stance", "overall"))
    assert expected <= set(changes)
    pooled: dict[str, list[float]] = defaultdict(list)
    for key in sorted(expected):
        values = changes[key]
        assert len(values) >= 5, key
        # then not everyone improves on any scale
        assert any(value < 0 for value in values), key
        pooled[key[0]].extend(value / statistics.stdev(values) for value in values)
    # but, over each instrument's scales, scores move in the good direction, and modestly (the mean of the
    # standardised changes is the pooled d_z; a tiny network's ten pairs make it noisy, hence the wide range)
    for instrument, values in pooled.items():
        assert 0.05 <= statistics.mean(values) <= 1.0, instrument
    everything = [value for values in pooled.values() for value in values]
    assert 0.2 <= statistics.mean(everything) <= 0.8

    # about a fifth of closed episodes' posts are missing (never done or cancelled)
    pres = posts = 0
    for key in (CHILD_RATING_KEY, CLASSROOM_OBSERVATION_KEY):
        closed = {e for (k, e), times in scores.items() if k == key and Timepoint.PRE in times}
        closed &= set(Episode.objects.filter(network=network, closed_at__isnull=False).values_list("id", flat=True))
        pres += len(closed)
        posts += sum(Timepoint.POST in scores[(key, e)] for e in closed)
    assert 0.05 <= 1 - posts / pres <= 0.4
    assert administrations.filter(timepoint=Timepoint.FOLLOW_UP, status=AdministrationStatus.COMPLETED).exists()


@pytest.mark.django_db
def test_tiny_demo_measures_are_deterministic_and_wiped_without_leftovers(monkeypatch: pytest.MonkeyPatch) -> None:
    # given the tiny demo loaded once
    network = load()
    first = measures_digest(network)
    count = Administration.objects.filter(network=network).count()
    # when it is reset and loaded again, written in many small batches this time (as at state scale)
    monkeypatch.setattr(measures_demo, "FLUSH_ROWS", 25)
    network = load("--reset")
    # then every administration and link is the same, ids included
    assert Administration.objects.filter(network=network).count() == count
    assert measures_digest(network) == first
    # and wiping removes the network's administrations, links and own instruments, leaving the shipped ones
    episodes = Episode.objects.filter(network=network).count()
    wipe_feedback(network)  # training feedback hangs on administrations (the workforce wipe does this first)
    wipe_measures(network)
    assert not Administration.objects.filter(network=network).exists()
    assert not SurveyLink.objects.filter(administration__network=network).exists()
    assert not Instrument.objects.filter(network=network).exists()
    assert not Scale.objects.filter(instrument__network=network).exists()
    assert set(Instrument.objects.filter(network__isnull=True).values_list("key", flat=True)) >= set(SHIPPED_KEYS)
    assert Episode.objects.filter(network=network).count() == episodes

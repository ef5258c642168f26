"""Editing an instrument's scales: adding, changing and deleting a subscale or total, judged by the scoring
engine with the whole definition, and the completed administrations scored again in the same transaction
(hand-computed below). Shipped instruments stay read-only; stale pages and second clicks change nothing."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from abrazo.audit.models import AccessEvent, Action
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.core.concurrency import StaleEditError
from abrazo.core.tests.concurrency import at_once, needs_postgresql
from abrazo.directory.models import ConsultantProfile
from abrazo.measures import administrations, services
from abrazo.measures.models import Administration, AdministrationStatus, Item, Respondent, Scale, ScaleKind
from abrazo.measures.services import BandData, EnteredScaleData, InstrumentData, ScaleData
from abrazo.measures.tests.factories import (
    AdministrationFactory,
    EnteredScaleFactory,
    InstrumentFactory,
    ItemFactory,
    LicensedInstrumentFactory,
    NormTableFactory,
    ScaleFactory,
    ShippedInstrumentFactory,
)

pytestmark = pytest.mark.django_db

GIVEN_ON = dt.date(2025, 1, 15)
BANDS = (BandData(label_en="Low", label_es="Bajo", low=0, high=7), BandData(label_en="High", label_es="Alto", low=8,
                                                                            high=16))


@pytest.fixture
def episode(world):
    profile = ConsultantProfile.objects.get(user=world.people["consultant"])
    return EpisodeFactory(program=world.program_a, consultant=profile)


def record(world, episode, instrument, answers, on=GIVEN_ON):
    """A completed administration, recorded (and scored) the way the entry form records it."""
    administration = AdministrationFactory(episode=episode, instrument=instrument,
                                           respondent_role=Respondent.CONSULTANT)
    return administrations.administration_record_answers(
        actor=world.people["consultant"], administration=administration, answers=answers, language="en",
        source="form", completed_on=on)


@pytest.fixture
def stress(world, episode):
    """Four 0-4 items and a plain sum of all four; two completed administrations, one with q4 unanswered."""
    instrument = InstrumentFactory(network=world.network, name_en="Teacher stress")
    for position in range(1, 5):
        ItemFactory(instrument=instrument, key=f"q{position}", position=position, label_en=f"Question {position}")
    ScaleFactory(instrument=instrument, key="total", name_en="Total", items=["q1", "q2", "q3", "q4"])
    full = record(world, episode, instrument, {"q1": "3", "q2": "1", "q3": "4", "q4": "2"})
    partial = record(world, episode, instrument, {"q1": "0", "q2": "4", "q3": "1"})
    instrument.refresh_from_db()
    return instrument, full, partial


def total_data(**changes):
    values = {"kind": ScaleKind.ITEMS, "name_en": "Total", "items": ("q1", "q2", "q3", "q4"),
              "reverse_items": ("q2",), "max_missing_share": 0.25, "bands": BANDS}
    values.update(changes)
    return ScaleData(**values)


def update(world, instrument, key, data, role="evaluator", **extra):
    scale = Scale.objects.select_related("instrument").get(instrument=instrument, key=key)
    return services.scale_update(actor=world.people[role], scale=scale,
                                 expected_version=extra.pop("version", scale.instrument.version), data=data, **extra)


class TestChangingAScaleRescores:
    def test_the_stored_scores_before_any_change(self, stress):
        # given the plain sum with no missing item allowed
        _instrument, full, partial = stress
        # then 3 + 1 + 4 + 2 = 10, and the administration missing q4 has no total
        assert full.scores["total"]["raw"] == 10.0
        assert partial.scores["total"]["raw"] is None and partial.scores["total"]["reason"] == "too_many_missing"

    def test_reverse_scoring_prorating_and_bands_rescore_every_completed_administration(self, world, stress):
        instrument, full, partial = stress
        versions = (full.version, partial.version)
        # when the evaluator reverses q2, lets one item in four be missing, and adds bands
        change = update(world, instrument, "total", total_data())
        # then both completed administrations are scored again, by hand:
        # full: q2 reversed is 0 + 4 - 1 = 3, so 3 + 3 + 4 + 2 = 12, in "High" (8-16)
        # partial: q2 reversed is 0; 0 + 0 + 1 = 1 over 3 answered, prorated 1 x 4 / 3 = 1.333..., in "Low"
        assert change.rescored == 2
        full.refresh_from_db()
        partial.refresh_from_db()
        assert (full.scores["total"]["raw"], full.scores["total"]["band"], full.scores["total"]["prorated"]) == (
            12.0, "High", False)
        assert partial.scores["total"]["raw"] == pytest.approx(4 / 3)
        assert (partial.scores["total"]["band"], partial.scores["total"]["prorated"],
                partial.scores["total"]["missing"]) == ("Low", True, 1)
        # and the definition is stored: the item's reverse flag, the share, the bands
        assert Item.objects.get(instrument=instrument, key="q2").reverse_scored
        scale = Scale.objects.get(instrument=instrument, key="total")
        assert (scale.max_missing_share, scale.bands[1]) == (0.25, {"label_en": "High", "label_es": "Alto",
                                                                     "low": 8, "high": 16})
        # and each rescored administration moved to a new version (an answer correction on an older page is stale)
        assert (full.version, partial.version) == (versions[0] + 1, versions[1] + 1)
        # and the instrument's version moved, so a second editor's page is stale
        instrument.refresh_from_db()
        assert instrument.version == 2

    def test_a_mean_is_the_mean_of_the_answered_items(self, world, stress):
        instrument, full, partial = stress
        update(world, instrument, "total", total_data(method="mean", bands=()))
        full.refresh_from_db()
        partial.refresh_from_db()
        # full: (3 + 3 + 4 + 2) / 4 = 3; partial: (0 + 0 + 1) / 3, a mean is never prorated upwards
        assert full.scores["total"]["raw"] == 3.0
        assert partial.scores["total"]["raw"] == pytest.approx(1 / 3)

    def test_the_change_and_the_rescoring_are_audited(self, world, stress):
        instrument, full, partial = stress
        update(world, instrument, "total", total_data())
        scale = Scale.objects.get(instrument=instrument, key="total")
        assert AccessEvent.objects.filter(action=Action.UPDATE, object_id=str(scale.pk)).count() == 1
        assert AccessEvent.objects.filter(action=Action.UPDATE, object_type="measures.item").count() == 1
        rescoring = AccessEvent.objects.get(action=Action.UPDATE, object_type="measures.administration",
                                            user_id=world.people["evaluator"].pk)
        assert set(rescoring.object_ids) == {str(full.pk), str(partial.pk)}

    def test_a_change_that_does_not_move_a_score_leaves_the_administrations_alone(self, world, stress):
        instrument, full, _partial = stress
        version = full.version
        change = update(world, instrument, "total", ScaleData(kind=ScaleKind.ITEMS, name_en="Total stress",
                                                              name_es="Estrés total", items=("q1", "q2", "q3", "q4")))
        full.refresh_from_db()
        assert change.rescored == 0 and full.version == version
        assert Scale.objects.get(instrument=instrument, key="total").name_es == "Estrés total"

    def test_adding_a_subscale_and_a_combined_total(self, world, stress):
        instrument, full, _partial = stress
        evaluator = world.people["evaluator"]
        update(world, instrument, "total", total_data())
        instrument.refresh_from_db()
        calm = services.scale_add(actor=evaluator, instrument=instrument, expected_version=instrument.version,
                                  data=ScaleData(kind=ScaleKind.ITEMS, name_en="Calm", items=("q1", "q2"),
                                                 reverse_items=("q2",)))
        both = services.scale_add(actor=evaluator, instrument=instrument, expected_version=instrument.version,
                                  data=ScaleData(kind=ScaleKind.COMPOSITE, name_en="Both", parts=("total", "calm")))
        full.refresh_from_db()
        # calm: 3 + (4 - 1) = 6; both: total 12 + calm 6 = 18
        total = Scale.objects.get(instrument=instrument, key="total")
        assert (calm.scale.key, both.scale.key) == ("calm", "both")
        assert total.position < calm.scale.position < both.scale.position  # added at the end, in order
        assert (full.scores["calm"]["raw"], full.scores["both"]["raw"]) == (6.0, 18.0)
        assert AccessEvent.objects.filter(action=Action.CREATE, object_id=str(both.scale.pk)).count() == 1


class TestRefusals:
    def test_a_stale_page_changes_nothing(self, world, stress):
        instrument, full, _partial = stress
        with pytest.raises(StaleEditError):
            update(world, instrument, "total", total_data(), version=instrument.version + 5)
        full.refresh_from_db()
        assert full.scores["total"]["raw"] == 10.0
        assert not Item.objects.get(instrument=instrument, key="q2").reverse_scored

    def test_a_second_click_changes_once(self, world, stress):
        instrument, _full, _partial = stress
        key = uuid.uuid4()
        update(world, instrument, "total", total_data(), submission_key=key)
        with pytest.raises(services.AlreadySubmitted) as again:
            update(world, instrument, "total", total_data(), submission_key=key)
        assert again.value.existing == instrument

    @pytest.mark.parametrize("role", ["consultant", "supervisor", "regional_coordinator", "program_staff"])
    def test_people_who_do_not_manage_instruments_may_not(self, world, stress, role):
        instrument, _full, _partial = stress
        with pytest.raises(PermissionDenied):
            update(world, instrument, "total", total_data(), role=role)

    def test_another_networks_instrument_and_shipped_ones_are_refused(self, world):
        theirs = ScaleFactory(instrument=InstrumentFactory(network=world.other_network))
        shipped = ScaleFactory(instrument=ShippedInstrumentFactory(key="shipped-for-test"))
        for scale in (theirs, shipped):
            with pytest.raises(PermissionDenied):
                services.scale_update(actor=world.people["network_admin"], scale=scale, expected_version=1,
                                      data=ScaleData(kind=ScaleKind.ITEMS, name_en="Mine"))
            with pytest.raises(PermissionDenied):
                services.scale_delete(actor=world.people["network_admin"], scale=scale, expected_version=1)
        assert Scale.objects.filter(pk__in=[theirs.pk, shipped.pk]).count() == 2

    @pytest.mark.parametrize(("changes", "field", "message"), [
        ({"bands": (BandData(label_en="Low", low=0, high=9), BandData(label_en="High", low=8, high=16))}, "bands",
         "Total: its bands overlap or are not in order from lowest to highest."),
        ({"bands": (BandData(label_en="Low", low=0, high=40),)}, "bands",
         "Total: the band Low goes beyond the scores 0 to 16."),
        ({"items": ()}, "items", "Choose the items the scale adds up."),
        ({"reverse_items": ("q2", "q9")}, "reverse_items",
         "Only the scale's own items can be marked reverse-scored here: q9 is not one of them."),
        ({"items": ("q1", "q7")}, "items", "These are not items this instrument can score: q7."),
        ({"max_missing_share": 1.0}, "max_missing_share",
         "The share of items that may be missing must be at least 0% and below 100%."),
        ({"name_en": " "}, "name_en", "Give the scale's English name."),
        ({"reliability": 1.5}, "reliability", "The reliability must be above 0 and below 1."),
    ])
    def test_an_impossible_definition_is_refused_by_field_and_nothing_changes(self, world, stress, changes, field,
                                                                              message):
        instrument, full, _partial = stress
        with pytest.raises(ValidationError) as refused:
            update(world, instrument, "total", total_data(**changes))
        assert refused.value.message_dict == {field: [message]}
        full.refresh_from_db()
        instrument.refresh_from_db()
        assert (full.scores["total"]["raw"], instrument.version) == (10.0, 1)

    def test_a_text_item_is_not_offered_and_is_refused(self, world, stress):
        instrument, _full, _partial = stress
        ItemFactory(instrument=instrument, key="comment", position=9, field_type="notes", choices=[],
                    score_min=None, score_max=None)
        assert "comment" not in [item.key for item in services.scorable_items(list(instrument.items.all()))]
        with pytest.raises(ValidationError, match=re.escape("These are not items this instrument can score: comment.")):
            update(world, instrument, "total", total_data(items=("q1", "comment")))

    def test_two_scales_cannot_share_a_short_name(self, world, stress):
        instrument, _full, _partial = stress
        with pytest.raises(ValidationError) as refused:
            services.scale_add(actor=world.people["evaluator"], instrument=instrument, expected_version=1,
                               data=ScaleData(kind=ScaleKind.ITEMS, name_en="Total", items=("q1",)))
        assert refused.value.message_dict == {"key": [
            "Another scale of this instrument already has the short name “total”; give this one another."]}

    def test_an_entered_score_cannot_be_added_to_an_item_instrument(self, world, stress):
        instrument, _full, _partial = stress
        with pytest.raises(ValidationError, match=re.escape("This kind of scale does not fit this instrument.")):
            services.scale_add(actor=world.people["evaluator"], instrument=instrument, expected_version=1,
                               data=ScaleData(kind=ScaleKind.ENTERED, name_en="Typed", minimum=0, maximum=9))


@pytest.fixture
def rating(world, episode):
    """A licensed, scores-only rating: two 0-40 subscales and a 0-80 total, one completed administration."""
    instrument = LicensedInstrumentFactory(network=world.network, name_en="Protective factors")
    for position, (key, name, high) in enumerate([("social", "Social", 40), ("emotion", "Emotion", 40),
                                                  ("total", "Total", 80)]):
        EnteredScaleFactory(instrument=instrument, key=key, name_en=name, position=position, score_min=0,
                            score_max=high)
    given = record(world, episode, instrument, {"social": "20", "emotion": "15", "total": "35"})
    instrument.refresh_from_db()
    return instrument, given


def entered(name, high, **changes):
    values = {"kind": ScaleKind.ENTERED, "name_en": name, "minimum": 0, "maximum": high}
    values.update(changes)
    return ScaleData(**values)


class TestScoresOnly:
    def test_narrowing_a_range_below_a_recorded_score_is_refused_naming_the_measure(self, world, rating):
        instrument, _given = rating
        with pytest.raises(ValidationError) as refused:
            update(world, instrument, "social", entered("Social", 10))
        assert refused.value.messages == [
            "This change cannot score a completed measure (given on Jan. 15, 2025): “Social” is 20, outside 0 to "
            "10. Nothing was changed."]
        assert Scale.objects.get(instrument=instrument, key="social").score_max == 40

    def test_a_total_may_become_the_sum_of_subscales_that_agree(self, world, rating):
        instrument, _given = rating
        change = update(world, instrument, "total", entered("Total", 80, sum_of=("social", "emotion")))
        assert change.scale.sum_of == ["social", "emotion"] and change.rescored == 0

    def test_but_not_when_a_completed_total_disagrees_with_them(self, world, rating, episode):
        instrument, _given = rating
        record(world, episode, instrument, {"social": "20", "emotion": "16", "total": "35"}, on=dt.date(2025, 2, 3))
        with pytest.raises(ValidationError) as refused:
            update(world, instrument, "total", entered("Total", 80, sum_of=("social", "emotion")))
        assert refused.value.message_dict == {"sum_of": [
            "A completed measure (given on Feb. 3, 2025) has a total of 35, but its scores add up to 36. Correct "
            "that measure first, or do not make this score their sum."]}

    @pytest.mark.parametrize(("sum_of", "named"), [(("total",), "Total"), (("nothing",), "nothing")])
    def test_a_total_adds_up_other_entered_scores_only(self, world, rating, sum_of, named):
        instrument, _given = rating
        with pytest.raises(ValidationError) as refused:
            update(world, instrument, "total", entered("Total", 80, sum_of=sum_of))
        assert named in refused.value.message_dict["sum_of"][0]

    def test_an_entered_score_that_measures_hold_cannot_be_deleted(self, world, rating):
        instrument, _given = rating
        scale = Scale.objects.get(instrument=instrument, key="emotion")
        with pytest.raises(ValidationError) as refused:
            services.scale_delete(actor=world.people["evaluator"], scale=scale, expected_version=1)
        assert refused.value.messages == [
            "1 completed measure holds a score entered for Emotion, so it cannot be deleted."]

    def test_a_score_another_builds_on_cannot_be_deleted(self, world, rating):
        instrument, _given = rating
        update(world, instrument, "total", entered("Total", 80, sum_of=("social", "emotion")))
        scale = Scale.objects.get(instrument=instrument, key="social")
        with pytest.raises(ValidationError) as refused:
            services.scale_delete(actor=world.people["evaluator"], scale=scale, expected_version=2)
        assert refused.value.messages == ["Total is built on Social; change or delete Total first."]

    def test_describing_a_new_instrument_can_mark_its_total(self, world):
        instrument = services.instrument_create_scores_only(
            actor=world.people["evaluator"], network=world.network,
            data=InstrumentData(name_en="Rating", level="child", respondent="teacher", licence_holder="Publisher"),
            scales=[EnteredScaleData(name_en="Part A", minimum=0, maximum=10),
                    EnteredScaleData(name_en="Part B", minimum=0, maximum=10),
                    EnteredScaleData(name_en="Total", minimum=0, maximum=20, total_of_others=True)],
        )
        assert instrument.scales.get(key="total").sum_of == ["part_a", "part_b"]
        assert instrument.scales.get(key="part_a").sum_of == []

    def test_only_one_score_can_be_the_total(self, world):
        with pytest.raises(ValidationError, match=re.escape("Only one score can be the total of the others.")):
            services.instrument_create_scores_only(
                actor=world.people["evaluator"], network=world.network,
                data=InstrumentData(name_en="Rating", level="child", respondent="teacher", licence_holder="P"),
                scales=[EnteredScaleData(name_en="A", minimum=0, maximum=10, total_of_others=True),
                        EnteredScaleData(name_en="B", minimum=0, maximum=10, total_of_others=True)],
            )


class TestDeleting:
    def test_deleting_a_subscale_drops_its_score_and_its_norm_table(self, world, stress):
        instrument, full, _partial = stress
        instrument_version = instrument.version
        calm = services.scale_add(actor=world.people["evaluator"], instrument=instrument,
                                  expected_version=instrument_version,
                                  data=ScaleData(kind=ScaleKind.ITEMS, name_en="Calm", items=("q1",))).scale
        NormTableFactory(scale=calm)
        full.refresh_from_db()
        assert full.scores["calm"]["raw"] == 3.0
        change = services.scale_delete(actor=world.people["evaluator"], scale=calm,
                                       expected_version=instrument.version)
        full.refresh_from_db()
        assert change.rescored == 2 and "calm" not in full.scores and full.scores["total"]["raw"] == 10.0
        assert not Scale.objects.filter(pk=calm.pk).exists()
        assert AccessEvent.objects.filter(action=Action.DELETE, object_id=str(calm.pk)).count() == 1

    def test_a_combined_scale_keeps_its_parts(self, world, stress):
        instrument, _full, _partial = stress
        services.scale_add(actor=world.people["evaluator"], instrument=instrument, expected_version=1,
                           data=ScaleData(kind=ScaleKind.COMPOSITE, name_en="Overall", parts=("total",)))
        refusal = re.escape("Overall is built on Total; change or delete Overall first.")
        with pytest.raises(ValidationError, match=refusal):
            services.scale_delete(actor=world.people["evaluator"],
                                  scale=Scale.objects.get(instrument=instrument, key="total"), expected_version=2)

    def test_the_only_scale_of_an_instrument_in_use_stays(self, world, stress):
        instrument, _full, _partial = stress
        with pytest.raises(ValidationError, match="Total is the only scale of an instrument that has measures"):
            services.scale_delete(actor=world.people["evaluator"],
                                  scale=Scale.objects.get(instrument=instrument, key="total"), expected_version=1)

    def test_the_only_scale_of_an_unused_instrument_may_go(self, world):
        scale = ScaleFactory(instrument=InstrumentFactory(network=world.network))
        services.scale_delete(actor=world.people["network_admin"], scale=scale, expected_version=1)
        assert not Scale.objects.filter(pk=scale.pk).exists()

    def test_cancelled_administrations_do_not_hold_a_scale(self, world, episode):
        scale = ScaleFactory(instrument=InstrumentFactory(network=world.network))
        AdministrationFactory(episode=episode, instrument=scale.instrument, status=AdministrationStatus.CANCELLED)
        services.scale_delete(actor=world.people["network_admin"], scale=scale, expected_version=1)
        assert Administration.objects.filter(instrument=scale.instrument).count() == 1


# --- at the same moment (PostgreSQL; the sequential siblings above cover SQLite) -------------------------


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_edits_of_one_instruments_scales_at_once_one_wins(world):
    # given an instrument at version 1 with two scales, edited by two people from the same page version
    instrument = InstrumentFactory(network=world.network)
    ItemFactory(instrument=instrument, key="q1", position=1)
    ScaleFactory(instrument=instrument, key="a", name_en="A", items=["q1"])
    ScaleFactory(instrument=instrument, key="b", name_en="B", items=["q1"])

    def save(key: str) -> object:
        scale = Scale.objects.select_related("instrument").get(instrument=instrument, key=key)
        return services.scale_update(actor=world.people["evaluator"], scale=scale, expected_version=1,
                                     data=ScaleData(kind=ScaleKind.ITEMS, name_en=f"{key} saved", items=("q1",)))

    # when both save at once
    outcomes = at_once(2, save, prepare=lambda index: "ab"[index])
    # then one is saved and the other is told the page was stale
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["ScaleChange", "StaleEditError"], outcomes
    assert Scale.objects.filter(instrument=instrument, name_en__endswith="saved").count() == 1
    instrument.refresh_from_db()
    assert instrument.version == 2


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_answers_recorded_while_a_scale_changes_end_up_scored_with_the_new_scale(world):
    # given a scheduled measure of a four-item sum
    profile = ConsultantProfile.objects.get(user=world.people["consultant"])
    episode = EpisodeFactory(program=world.program_a, consultant=profile)
    instrument = InstrumentFactory(network=world.network)
    for position in range(1, 5):
        ItemFactory(instrument=instrument, key=f"q{position}", position=position)
    ScaleFactory(instrument=instrument, key="total", name_en="Total", items=["q1", "q2", "q3", "q4"])
    scheduled = AdministrationFactory(episode=episode, instrument=instrument, respondent_role=Respondent.CONSULTANT)

    def work(which: str) -> object:
        if which == "answers":
            return administrations.administration_record_answers(
                actor=world.people["consultant"], administration=scheduled, language="en", source="form",
                answers={"q1": "3", "q2": "1", "q3": "4", "q4": "2"}, completed_on=GIVEN_ON)
        scale = Scale.objects.select_related("instrument").get(instrument=instrument, key="total")
        return services.scale_update(actor=world.people["evaluator"], scale=scale, expected_version=1,
                                     data=total_data(bands=()))

    # when the answers are recorded at the moment q2 becomes reverse-scored
    outcomes = at_once(2, work, prepare=lambda index: ("answers", "scale")[index])
    assert not any(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    # then, whichever came first, the stored total is the new definition's: 3 + (4 - 1) + 4 + 2 = 12
    scheduled.refresh_from_db()
    assert scheduled.scores["total"]["raw"] == 12.0

"""Stored instruments turned into the scoring engine's spec, and stored answers scored with it.

Every expected score below is worked out by hand in the comments. The PSS-shaped instrument is built by
structure only (DOMAIN.md §8: 10 items 0-4, items 4, 5, 7 and 8 reversed, total 0-40): item keys, no wording.
"""

from __future__ import annotations

import math

import pytest

from abrazo.measures.models import Instrument, ScaleKind, ScaleMethod
from abrazo.measures.scoring import (
    AnswerError,
    AnswerOutOfRange,
    Composite,
    EnteredScore,
    Item,
    SpecError,
    Subscale,
    UnknownAnswer,
    Unscored,
)
from abrazo.measures.specs import (
    band_label,
    score_administration,
    score_administrations,
    scoring_item,
    spec_for,
)
from abrazo.measures.tests.factories import (
    EnteredScaleFactory,
    InstrumentFactory,
    ItemFactory,
    LicensedInstrumentFactory,
    NormTableFactory,
    ScaleFactory,
)

pytestmark = pytest.mark.django_db

REVERSED = (4, 5, 7, 8)


def shipped(key: str) -> Instrument:
    return Instrument.objects.get(network__isnull=True, key=key)


@pytest.fixture
def pss() -> Instrument:
    instrument = InstrumentFactory(key="pss-shaped")
    for number in range(1, 11):
        ItemFactory(instrument=instrument, key=f"pss_{number}", position=number, label_en="", label_es="",
                    reverse_scored=number in REVERSED)
    ItemFactory(instrument=instrument, key="pss_comment", position=11, field_type="notes", choices=[],
                score_min=None, score_max=None)
    ScaleFactory(instrument=instrument, key="total", position=1, items=[f"pss_{n}" for n in range(1, 11)],
                 max_missing_share=0.2, bands=[
                     {"key": "low", "label_en": "Low", "label_es": "Bajo", "low": 0, "high": 13},
                     {"key": "moderate", "label_en": "Moderate", "label_es": "Moderado", "low": 14, "high": 26},
                     {"key": "high", "label_en": "High", "label_es": "Alto", "low": 27, "high": 40},
                 ])
    return instrument


def pss_answers(*values: object) -> dict[str, object]:
    return {f"pss_{number}": value for number, value in enumerate(values, start=1)}


# --- a PSS-shaped instrument built by hand ----------------------------------------------------------------


def test_the_pss_shaped_spec_has_ten_items_coded_0_to_4_with_four_reversed_and_a_banded_total(pss):
    # when its spec is built
    spec = spec_for(pss)
    # then the ten items are there in order, the comment is not, items 4, 5, 7, 8 are reversed
    assert spec.columns == tuple(f"pss_{n}" for n in range(1, 11))
    assert [item.key for item in spec.items if item.reverse] == ["pss_4", "pss_5", "pss_7", "pss_8"]
    assert spec.items[0] == Item("pss_1", codes=frozenset({0.0, 1.0, 2.0, 3.0, 4.0}))
    total = spec.subscales[0]
    assert (total.key, total.method, total.max_missing, len(total.items)) == ("total", "sum", 2, 10)
    assert [(band.label, band.low, band.high) for band in total.bands] == [
        ("low", 0, 13), ("moderate", 14, 26), ("high", 27, 40)]


def test_a_pss_shaped_administration_scored_by_hand(pss):
    # given answers 3,1,2,3,0,1,2,4,1,2 (REDCap gives codes as strings) and a comment
    answers = pss_answers("3", "1", "2", "3", "0", "1", "2", "4", "1", "2") | {"pss_comment": "a hard month"}
    # when scored
    total = score_administration(pss, answers)["total"]
    # then item 4 counts 4-3=1, item 5 4-0=4, item 7 4-2=2, item 8 4-4=0: 3+1+2+1+4+1+2+0+1+2 = 17, moderate
    assert (total.raw, total.band, total.prorated, total.answered, total.missing) == (17.0, "moderate", False, 10, 0)


def test_a_pss_shaped_total_is_prorated_with_two_answers_missing_and_not_with_three(pss):
    # given the same answers with items 9 and 10 blank: 3+1+2+1+4+1+2+0 = 14 from eight items
    two_missing = pss_answers(3, 1, 2, 3, 0, 1, 2, 4, None, "")
    # when scored, then the sum is prorated to 14 x 10 / 8 = 17.5
    total = score_administration(pss, two_missing)["total"]
    assert (total.raw, total.prorated, total.band) == (17.5, True, "moderate")
    # and with item 8 blank too, three of ten missing is more than 20%: no score
    three_missing = score_administration(pss, two_missing | {"pss_8": None})["total"]
    assert (three_missing.raw, three_missing.reason) == (None, Unscored.TOO_MANY_MISSING)


def test_pss_shaped_answers_out_of_range_unknown_or_not_numbers_are_refused(pss):
    with pytest.raises(AnswerOutOfRange) as out_of_range:
        score_administration(pss, pss_answers(5))
    assert out_of_range.value.item == "pss_1" and out_of_range.value.allowed == (0, 1, 2, 3, 4)
    with pytest.raises(UnknownAnswer):
        score_administration(pss, {"pss_11": 2})
    with pytest.raises(AnswerError):
        score_administration(pss, {"pss_1": "often"})


def test_a_batch_of_stored_answers_scores_like_one_at_a_time(pss):
    # given three administrations, one with a comment and one with two blanks
    answer_sets = [
        pss_answers(3, 1, 2, 3, 0, 1, 2, 4, 1, 2) | {"pss_comment": "ok"},
        pss_answers(3, 1, 2, 3, 0, 1, 2, 4),
        pss_answers(*["4"] * 10),
    ]
    # when scored together
    batch = score_administrations(pss, answer_sets)
    # then each row is what scoring it alone gives: 17, 17.5 and 4*6 + 0*4 = 24
    assert [batch.row(row)["total"].raw for row in range(3)] == [17.0, 17.5, 24.0]
    for row, answers in enumerate(answer_sets):
        assert batch.row(row) == score_administration(pss, answers)


def test_a_bad_answer_in_a_batch_names_its_row(pss):
    with pytest.raises(AnswerError) as error:
        score_administrations(pss, [pss_answers(1), pss_answers("x")])
    assert error.value.row == 1 and "row 1" in str(error.value)


# --- the shipped instruments, scored by hand ----------------------------------------------------------------


SATISFACTION_EXAMPLE = {
    "sat_worthwhile": "5", "sat_knowledgeable": "4", "sat_listened": "5", "sat_respected": "4",
    "sat_resources": "3", "sat_referrals": "9",  # 9 = does not apply
    "conf_understand": "4", "conf_stay_calm": "3", "conf_keep_in_program": "3", "conf_know_where_to_turn": "2",
    "sat_most_helpful": "Ideas for circle time", "sat_could_be_better": "",
}


def test_satisfaction_scored_by_hand_with_does_not_apply_left_out():
    # when the example is scored
    scores = score_administration(shipped("abrazo_satisfaction"), SATISFACTION_EXAMPLE)
    # then satisfaction is the mean of the five that apply: (5+4+5+4+3)/5 = 4.2, high
    satisfaction = scores["satisfaction"]
    assert (satisfaction.raw, satisfaction.band, satisfaction.answered, satisfaction.missing) == (4.2, "high", 5, 1)
    assert satisfaction.prorated is True
    # and confidence is (4+3+3+2)/4 = 3.0, moderate
    assert (scores["confidence"].raw, scores["confidence"].band) == (3.0, "moderate")


def test_satisfaction_with_two_of_six_unanswered_is_not_scored_and_ratings_outside_1_to_5_are_refused():
    instrument = shipped("abrazo_satisfaction")
    answers = SATISFACTION_EXAMPLE | {"sat_resources": None}
    # one of six may be missing (a quarter of six rounds down to one): the second makes it unscored
    assert score_administration(instrument, answers)["satisfaction"].reason == Unscored.TOO_MANY_MISSING
    with pytest.raises(AnswerOutOfRange):
        score_administration(instrument, {"sat_worthwhile": 9})  # "does not apply" is only for referrals
    with pytest.raises(AnswerOutOfRange):
        score_administration(instrument, {"conf_stay_calm": 0})


STANCE_EXAMPLE = {
    "stance_trust_first": 3, "stance_steady_presence": 3, "stance_name_strengths": 2,  # relationship 8/3
    "stance_wonder_together": 2, "stance_own_reactions": 2, "stance_use_supervision": 1,  # reflective 5/3
    "stance_ask_about_culture": 2, "stance_check_assumptions": 3, "stance_look_at_fairness": 2,  # cultural 7/3
    "stance_plan_together": 3, "stance_their_goals_first": 3, "stance_family_partners": 3,  # collaborative 3
}


def test_consultative_stance_scored_by_hand():
    scores = score_administration(shipped("abrazo_consultative_stance"), STANCE_EXAMPLE)
    expected = {
        "relationship_based": (8 / 3, "strength"),  # 2.67 >= 2.5
        "reflective": (5 / 3, "growing_edge"),  # 1.67 < 2
        "culturally_responsive": (7 / 3, "developing"),  # 2.33 in 2-2.49
        "collaborative": (3.0, "strength"),
        "overall": (29 / 12, "developing"),  # (8+5+7+9)/12 = 2.42
    }
    for key, (raw, band) in expected.items():
        assert math.isclose(scores[key].raw, raw) and scores[key].band == band, key


def test_a_skipped_stance_sentence_leaves_that_stance_unscored_but_the_overall_prorated():
    # given the collaborative "plan together" sentence skipped
    answers = STANCE_EXAMPLE | {"stance_plan_together": None}
    scores = score_administration(shipped("abrazo_consultative_stance"), answers)
    # then collaborative (three sentences, none may be missing) has no score, overall is (29-3)/11 = 2.36
    assert scores["collaborative"].reason == Unscored.TOO_MANY_MISSING
    assert math.isclose(scores["overall"].raw, 26 / 11) and scores["overall"].prorated
    assert scores["overall"].band == "developing"


def test_program_readiness_scored_by_hand_with_bands_in_the_readers_language():
    instrument = shipped("abrazo_program_readiness")
    keys = ["ready_director_support", "ready_staff_time", "ready_staff_willing", "ready_shared_hopes",
            "ready_family_communication", "ready_welcome_to_observe", "ready_policy_review", "ready_language"]
    # given yes, yes, partly, partly, no, yes, partly, yes = 2+2+1+1+0+2+1+2 = 11
    answers = dict(zip(keys, [2, 2, 1, 1, 0, 2, 1, 2], strict=True)) | {"ready_notes": "Starts in March"}
    readiness = score_administration(instrument, answers)["readiness"]
    assert (readiness.raw, readiness.band) == (11.0, "getting_ready")
    # the last one unanswered: 9 x 8 / 7 = 10.29, still getting ready; all yes 16 ready; all no 0 not yet
    prorated = score_administration(instrument, answers | {"ready_language": None})["readiness"]
    assert math.isclose(prorated.raw, 72 / 7) and prorated.band == "getting_ready"
    assert score_administration(instrument, dict.fromkeys(keys, "2"))["readiness"].band == "ready"
    assert score_administration(instrument, dict.fromkeys(keys, "0"))["readiness"].band == "not_yet"
    # and for a Spanish reader the bands read in Spanish, from the spec or from a stored key
    spanish = spec_for(instrument, language="es")
    assert score_administration(instrument, answers, spec=spanish)["readiness"].band == "Preparándose"
    scale = instrument.scales.get(key="readiness")
    assert band_label(scale, "not_yet", "es") == "Todavía no está listo"
    assert band_label(scale, "ready", "en") == "Ready to begin"


# --- other shapes of stored instruments ----------------------------------------------------------------------


def test_a_scores_only_instrument_with_norms_by_age_and_a_composite():
    # given a licensed tool with two entered scores 0-100, a norm table for each of two age bands on the first
    # (rows stored out of order), and a total that is their sum
    instrument = LicensedInstrumentFactory(key="licensed")
    first = EnteredScaleFactory(instrument=instrument, key="first", position=1)
    EnteredScaleFactory(instrument=instrument, key="second", position=2)
    ScaleFactory(instrument=instrument, key="total", position=3, kind=ScaleKind.COMPOSITE, parts=["first", "second"],
                 bands=[{"label_en": "Typical", "label_es": "Típico", "low": 0, "high": 150},
                        {"label_en": "Strength", "label_es": "Fortaleza", "low": 151, "high": 200}])
    NormTableFactory(scale=first, rows=[
        {"min_months": 48, "max_months": 60, "raw_low": 0, "raw_high": 49, "standard_score": 45, "percentile": 31},
        {"min_months": 36, "max_months": 47, "raw_low": 50, "raw_high": 100, "standard_score": 60, "percentile": 84},
        {"min_months": 36, "max_months": 47, "raw_low": 0, "raw_high": 49, "standard_score": 50, "percentile": 50},
        {"min_months": 48, "max_months": 60, "raw_low": 50, "raw_high": 100, "standard_score": 55, "percentile": 69},
    ])
    # when the spec is built
    spec = spec_for(instrument)
    # then it is scores-only, the norms are grouped youngest first with rows lowest first
    assert spec.columns == ("first", "second")
    assert isinstance(spec.entered[0], EnteredScore) and isinstance(spec.composites[0], Composite)
    ages = [(band.min_months, band.max_months, [row.raw_low for row in band.rows])
            for band in spec.entered[0].norms.age_bands]
    assert ages == [(36, 47, [0, 50]), (48, 60, [0, 50])]
    # and a child of 50 months with 60 and 95 gets 55 (69th percentile) and a total of 155, labelled in English
    scores = score_administration(instrument, {"first": "60", "second": 95}, age_months=50.5)
    assert (scores["first"].standard_score, scores["first"].percentile) == (55, 69)
    assert (scores["total"].raw, scores["total"].band) == (155.0, "Strength")


def test_items_of_other_field_types():
    # given a yes/no item reversed, a slider with no range, a text score 0-30 used by a scale,
    # a dropdown coded with letters nobody scores, a checkbox and a calc
    instrument = InstrumentFactory()
    yes_no = ItemFactory(instrument=instrument, key="yes_no", field_type="yesno", choices=[], reverse_scored=True)
    slider = ItemFactory(instrument=instrument, key="slider", field_type="slider", choices=[], score_min=None,
                         score_max=None)
    text = ItemFactory(instrument=instrument, key="typed", field_type="text", choices=[], validation="integer",
                       score_min=0, score_max=30)
    letters = ItemFactory(instrument=instrument, key="letters", field_type="dropdown", score_min=None,
                          score_max=None, choices=[["a", "Apple", "Manzana"], ["b", "Pear", "Pera"]])
    ItemFactory(instrument=instrument, key="boxes", field_type="checkbox")
    ItemFactory(instrument=instrument, key="calculated", field_type="calc", choices=[], calculation="[typed]*2")
    ScaleFactory(instrument=instrument, key="sum", items=["yes_no", "slider", "typed"])
    # when the spec is built
    spec = spec_for(instrument)
    # then yes/no is 0/1, the slider 0-100, the text score its range; the rest are left out
    assert spec.columns == ("yes_no", "slider", "typed")
    assert scoring_item(yes_no).codes == frozenset({0.0, 1.0})
    assert (scoring_item(slider).low, scoring_item(slider).high) == (0.0, 100.0)
    assert scoring_item(text, used_by_scale=True).whole_numbers is True
    assert scoring_item(letters) is None
    # and "yes" (1) reversed counts 0: 0 + 40 + 12 = 52
    scores = score_administration(instrument, {"yes_no": "1", "slider": 40, "typed": "12", "boxes": "a"})
    assert scores["sum"].raw == 52.0


def test_a_scale_over_an_item_that_cannot_be_scored_names_it():
    instrument = InstrumentFactory()
    ItemFactory(instrument=instrument, key="letters", choices=[["a", "A", "A"], ["b", "B", "B"]])
    ItemFactory(instrument=instrument, key="comment", field_type="notes", choices=[])
    ScaleFactory(instrument=instrument, key="broken", items=["letters"])
    with pytest.raises(SpecError, match="letters"):
        spec_for(instrument)
    instrument.scales.update(items=["comment"])
    with pytest.raises(SpecError, match="comment: a scale uses it, but a notes field is never scored"):
        spec_for(instrument)


def test_an_instrument_without_scales_or_with_bad_bands_raises_spec_error():
    instrument = InstrumentFactory()
    ItemFactory(instrument=instrument, key="only")
    with pytest.raises(SpecError, match="nothing to score"):
        spec_for(instrument)
    ScaleFactory(instrument=instrument, key="total", items=["only"], method=ScaleMethod.MEAN,
                 bands=[{"label_en": "A", "low": 0, "high": 3}, {"label_en": "B", "low": 2, "high": 4}])
    with pytest.raises(SpecError, match="overlap"):
        spec_for(instrument)


def test_missing_codes_of_a_stored_item_are_not_allowed_answers():
    instrument = InstrumentFactory()
    ItemFactory(instrument=instrument, key="rated", missing_codes=["4"])
    ScaleFactory(instrument=instrument, key="total", items=["rated"])
    spec = spec_for(instrument)
    assert spec.items[0].codes == frozenset({0.0, 1.0, 2.0, 3.0})
    assert spec.items[0].missing_codes == frozenset({4.0})
    assert score_administration(instrument, {"rated": 4}, spec=spec)["total"].reason == Unscored.NO_ANSWERS


def test_spec_for_reads_the_definition_in_a_few_queries(django_assert_max_num_queries):
    instrument = shipped("abrazo_consultative_stance")
    with django_assert_max_num_queries(2):
        spec = spec_for(instrument)
    assert isinstance(spec.subscales[0], Subscale) and len(spec.subscales) == 5

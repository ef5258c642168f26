"""The scoring engine against hand-computed examples, and its properties (hypothesis).

Pure module: no database. Instruments appear by structure only (item keys, ranges, reversed items);
no instrument's item wording is written here. The bands and norm values are made up for the tests.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abrazo.measures.scoring import (
    AnswerError,
    AnswerOutOfRange,
    Band,
    Composite,
    EnteredScore,
    InstrumentSpec,
    Item,
    NoNorm,
    NormAgeBand,
    NormRow,
    NormTable,
    Scores,
    SpecError,
    Subscale,
    UnknownAnswer,
    Unscored,
    score,
    score_many,
)

NAN = float("nan")

# The Perceived Stress Scale's structure (DOMAIN.md §8): 10 items scored 0-4, items 4, 5, 7 and 8
# reverse-scored, total 0-40. Bands here are illustrative test bands.
PSS_ITEMS = tuple(Item(f"pss_{n}", 0, 4, reverse=n in (4, 5, 7, 8)) for n in range(1, 11))
PSS_BANDS = (Band("low", 0, 13), Band("moderate", 14, 26), Band("high", 27, 40))


def pss(max_missing_share: float = 0.2) -> InstrumentSpec:
    total = Subscale("total", tuple(item.key for item in PSS_ITEMS), "sum", max_missing_share, PSS_BANDS)
    return InstrumentSpec("pss10", items=PSS_ITEMS, subscales=(total,))


def answers(*values: float | None) -> dict[str, float | None]:
    return {f"pss_{n}": value for n, value in enumerate(values, start=1)}


# Items 1..10 answered 3,1,2,3,0,1,2,4,1,2. Reversed: item 4 3->1, item 5 0->4, item 7 2->2, item 8 4->0.
# Scored values 3,1,2,1,4,1,2,0,1,2: total 17.
PSS_EXAMPLE = (3, 1, 2, 3, 0, 1, 2, 4, 1, 2)


# --- hand-computed examples --------------------------------------------------------------------------


def test_pss_total_reverses_items_4_5_7_8_and_bands_the_sum():
    # given every item answered
    # when the administration is scored
    result = score(pss(), answers(*PSS_EXAMPLE))["total"]
    # then the reversed items count as 4 - answer and the sum is 17, a moderate score
    assert result.raw == 17
    assert (result.prorated, result.answered, result.missing, result.reason) == (False, 10, 0, None)
    assert result.band == "moderate"


def test_all_reversed_items_at_maximum_and_others_at_minimum_give_zero():
    values = [4 if n in (4, 5, 7, 8) else 0 for n in range(1, 11)]
    assert score(pss(), answers(*values))["total"].raw == 0
    values = [0 if n in (4, 5, 7, 8) else 4 for n in range(1, 11)]
    assert score(pss(), answers(*values))["total"].raw == 40


def test_one_missing_item_is_prorated_from_the_answered_nine():
    # given item 10 (answered 2) left blank: the nine answered items score 15
    result = score(pss(), answers(*PSS_EXAMPLE[:9], None))["total"]
    # then the sum is prorated to 15 x 10 / 9
    assert result.raw == pytest.approx(150 / 9)
    assert (result.prorated, result.answered, result.missing) == (True, 9, 1)
    assert result.band == "moderate"


def test_missing_exactly_the_allowed_share_is_still_scored():
    # given 20% allowed and two of ten items missing (items 9 and 10): answered items score 14
    result = score(pss(0.2), answers(*PSS_EXAMPLE[:8], None, None))["total"]
    # then 14 x 10 / 8 = 17.5
    assert result.raw == 17.5
    assert result.prorated is True
    assert result.missing == 2


def test_missing_beyond_the_allowed_share_is_not_scored():
    result = score(pss(0.2), answers(*PSS_EXAMPLE[:7], None, None, None))["total"]
    assert result.raw is None
    assert result.reason == Unscored.TOO_MANY_MISSING
    assert (result.prorated, result.answered, result.missing, result.band) == (False, 7, 3, None)


def test_no_prorating_allowed_means_one_missing_item_leaves_no_score():
    result = score(pss(0.0), answers(*PSS_EXAMPLE[:9], None))["total"]
    assert result.raw is None
    assert result.reason == Unscored.TOO_MANY_MISSING


def test_nothing_answered_is_not_scored_whatever_the_share():
    result = score(pss(0.9), {})["total"]
    assert result.raw is None
    assert result.reason == Unscored.NO_ANSWERS
    assert result.missing == 10


def test_allowed_missing_count_is_exact_despite_binary_fractions():
    # 0.29 x 100 is 28.999999999999996 in binary floating point; 29 items may still be missing
    keys = tuple(f"i{n}" for n in range(100))
    assert Subscale("s", keys, max_missing_share=0.29).max_missing == 29
    assert Subscale("s", keys[:10], max_missing_share=0.2).max_missing == 2
    assert Subscale("s", keys[:4], max_missing_share=0.2).max_missing == 0
    assert Subscale("s", keys[:5], max_missing_share=0.2).max_missing == 1


def test_mean_subscale_is_the_mean_of_answered_items():
    items = tuple(Item(f"t{n}", 1, 9) for n in range(1, 5))
    efficacy = Subscale("efficacy", ("t1", "t2", "t3", "t4"), "mean", 0.25)
    spec = InstrumentSpec("efficacy", items=items, subscales=(efficacy,))
    complete = score(spec, {"t1": 7, "t2": 8, "t3": 6, "t4": 9})["efficacy"]
    assert complete.raw == 7.5
    assert complete.prorated is False
    one_missing = score(spec, {"t1": 7, "t2": 8, "t3": None, "t4": 9})["efficacy"]
    assert one_missing.raw == 8
    assert one_missing.prorated is True
    assert score(spec, {"t1": 7, "t2": 8})["efficacy"].reason == Unscored.TOO_MANY_MISSING


@pytest.mark.parametrize(
    ("raw", "band"),
    [(0, "low"), (13, "low"), (13.4, "low"), (13.5, "moderate"), (14, "moderate"), (26, "moderate"),
     (26.49, "moderate"), (26.5, "high"), (27, "high"), (40, "high"), (40.5, None), (-0.5, None)],
)
def test_bands_have_inclusive_edges_and_gaps_split_half_way(raw, band):
    # Bands are entered as printed (0-13, 14-26, 27-40); a prorated 13.5 sits between two of them.
    spec = InstrumentSpec("entered", entered=(EnteredScore("total", -10, 50, bands=PSS_BANDS),))
    assert score(spec, {"total": raw})["total"].band == band


def test_a_prorated_score_between_two_bands_goes_to_the_nearer_edge():
    # given items 2 and 3 missing: the eight answered items score 0+0+0+0+0+0+4+2 = 6 -> 6 x 10 / 8 = 7.5
    spec = pss(0.2)
    result = score(spec, answers(0, None, None, 4, 4, 0, 4, 4, 4, 2))["total"]
    assert result.raw == pytest.approx(6 * 10 / 8)
    assert result.band == "low"
    # 3+0+0+0+0+0+4+4 = 11 -> 11 x 10 / 8 = 13.75: between "0-13" and "14-26", nearer to 14
    result = score(spec, answers(3, None, None, 4, 4, 0, 4, 4, 4, 4))["total"]
    assert result.raw == 13.75
    assert result.band == "moderate"


NORMS = NormTable(
    age_bands=(
        NormAgeBand(rows=(NormRow(0, 10, 40, 16), NormRow(11, 20, 50, 50), NormRow(21, 30, 60, 84)),
                    min_months=36, max_months=47),
        NormAgeBand(rows=(NormRow(0, 12, 40, 16), NormRow(13, 24, 50, 50), NormRow(25, 30, 60, None)),
                    min_months=48, max_months=60),
    ),
    source="made-up test table",
)


def norm_spec() -> InstrumentSpec:
    return InstrumentSpec("normed", entered=(EnteredScore("raw", 0, 40, whole_numbers=True, norms=NORMS),))


@pytest.mark.parametrize(
    ("raw", "age", "standard", "percentile", "reason"),
    [
        (11, 36, 50, 50, None),  # first age band, second row's lower edge
        (11, 47, 50, 50, None),
        (11, 47.9, 50, 50, None),  # 47 completed months
        (11, 48, 40, 16, None),  # next age band: 11 is in its first row
        (12, 60, 40, 16, None),
        (25, 55, 60, None, None),  # the table gives no percentile there
        (11, None, None, None, NoNorm.AGE_REQUIRED),
        (11, 35, None, None, NoNorm.AGE_OUTSIDE),
        (11, 61, None, None, NoNorm.AGE_OUTSIDE),
        (31, 40, None, None, NoNorm.RAW_OUTSIDE),
    ],
)
def test_norm_lookup_by_age_band(raw, age, standard, percentile, reason):
    result = score(norm_spec(), {"raw": raw}, age_months=age)["raw"]
    assert (result.standard_score, result.percentile, result.norm_reason) == (standard, percentile, reason)


def test_a_norm_table_without_age_bands_needs_no_age():
    table = NormTable(age_bands=(NormAgeBand(rows=(NormRow(0, 20, None, 30), NormRow(21, 40, None, 70))),))
    spec = InstrumentSpec("n", entered=(EnteredScore("raw", 0, 40, norms=table),))
    result = score(spec, {"raw": 21})["raw"]
    assert (result.standard_score, result.percentile, result.norm_reason) == (None, 70, None)


def test_an_unscored_scale_has_no_norm_reason():
    result = score(norm_spec(), {}, age_months=40)["raw"]
    assert (result.raw, result.reason, result.norm_reason) == (None, Unscored.NOT_ENTERED, None)


# A scores-only instrument shaped like a licensed strengths tool: T-scores 28-72 entered per scale.
T_BANDS = (Band("concern", 28, 40), Band("typical", 41, 59), Band("strength", 60, 72))


def scores_only() -> InstrumentSpec:
    return InstrumentSpec(
        "strengths",
        entered=(
            EnteredScore("initiative", 28, 72, whole_numbers=True, bands=T_BANDS),
            EnteredScore("self_regulation", 28, 72, whole_numbers=True, bands=T_BANDS),
            EnteredScore("attachment", 28, 72, whole_numbers=True, bands=T_BANDS),
            EnteredScore("total", 28, 72, whole_numbers=True, bands=T_BANDS),
        ),
    )


def test_scores_only_instrument_bands_entered_scores():
    result = score(scores_only(), {"initiative": 40, "self_regulation": 41, "attachment": 60, "total": 72})
    assert [scale.band for scale in result.scales] == ["concern", "typical", "strength", "strength"]
    assert result["initiative"].raw == 40
    assert (result["initiative"].answered, result["initiative"].missing) == (1, 0)


def test_scores_only_blank_score_is_not_entered():
    result = score(scores_only(), {"initiative": 50})
    assert result["total"].raw is None
    assert result["total"].reason == Unscored.NOT_ENTERED
    assert (result["total"].answered, result["total"].missing) == (0, 1)


@pytest.mark.parametrize("value", [27, 73, 45.5, math.inf])
def test_scores_only_value_outside_its_declared_range_is_refused(value):
    with pytest.raises(AnswerOutOfRange) as caught:
        score(scores_only(), {"initiative": value})
    error = caught.value
    assert (error.code, error.item, error.value, error.minimum, error.maximum) == (
        "out_of_range", "initiative", value, 28, 72)
    assert error.whole_numbers is True
    assert "initiative" in str(error)
    assert "28 to 72" in str(error)


def test_scores_only_decimals_allowed_for_mean_scored_domains():
    spec = InstrumentSpec("interactions", entered=(EnteredScore("emotional_support", 1, 7),))
    assert score(spec, {"emotional_support": 5.25})["emotional_support"].raw == 5.25


def test_out_of_range_item_names_the_item_and_its_range():
    with pytest.raises(AnswerOutOfRange) as caught:
        score(pss(), answers(1, 2, 5))
    error = caught.value
    assert (error.item, error.value, error.minimum, error.maximum, error.allowed, error.row) == (
        "pss_3", 5, 0, 4, None, None)
    assert str(error) == "pss_3: 5 is not a whole number from 0 to 4"


def test_a_fraction_on_a_whole_number_item_is_refused():
    with pytest.raises(AnswerOutOfRange):
        score(pss(), answers(1.5))


def test_unknown_and_non_numeric_answers_are_refused():
    with pytest.raises(UnknownAnswer) as caught:
        score(pss(), {"pss_11": 1})
    assert (caught.value.code, caught.value.item) == ("unknown_item", "pss_11")
    with pytest.raises(AnswerError) as not_number:
        score(pss(), {"pss_1": "3"})
    assert (not_number.value.code, not_number.value.item) == ("invalid_answer", "pss_1")
    with pytest.raises(AnswerError):
        score(pss(), {"pss_1": True})


def test_coded_items_reverse_between_their_lowest_and_highest_code_and_missing_codes_are_blank():
    # given an item coded 1, 2, 3 ("always", "sometimes", "needs more effort") with 9 = "not observed"
    items = (Item("a", codes=frozenset({1, 2, 3}), reverse=True, missing_codes=frozenset({9})),
             Item("b", codes=frozenset({1, 2, 3}), missing_codes=frozenset({9})))
    spec = InstrumentSpec("stance", items=items, subscales=(Subscale("stance", ("a", "b"), "mean", 0.5),))
    assert score(spec, {"a": 1, "b": 2})["stance"].raw == 2.5  # a: 1 + 3 - 1 = 3
    result = score(spec, {"a": 9, "b": 2})["stance"]
    assert (result.raw, result.prorated, result.missing) == (2, True, 1)
    with pytest.raises(AnswerOutOfRange) as caught:
        score(spec, {"a": 4})
    assert caught.value.allowed == (1, 2, 3)
    assert str(caught.value) == "a: 4 is not one of the allowed codes 1, 2, 3"


def test_composite_total_sums_subscales_and_is_unscored_when_a_part_is():
    items = tuple(Item(f"x{n}", 1, 5, reverse=n == 3) for n in range(1, 7))
    spec = InstrumentSpec(
        "two_parts",
        items=items,
        subscales=(Subscale("first", ("x1", "x2", "x3"), max_missing_share=0.34),
                   Subscale("second", ("x4", "x5", "x6"))),
        composites=(Composite("total", ("first", "second"), bands=(Band("low", 6, 17), Band("high", 18, 30))),),
    )
    # x3 reversed: 6 - 5 = 1 -> first = 2 + 4 + 1 = 7; second = 3 + 3 + 5 = 11; total 18
    result = score(spec, {"x1": 2, "x2": 4, "x3": 5, "x4": 3, "x5": 3, "x6": 5})
    assert (result["first"].raw, result["second"].raw, result["total"].raw) == (7, 11, 18)
    assert result["total"].band == "high"
    assert (result["total"].answered, result["total"].missing) == (6, 0)
    # first prorated from two items: (2 + 4) x 3 / 2 = 9; the total says it contains a prorated part
    prorated = score(spec, {"x1": 2, "x2": 4, "x4": 3, "x5": 3, "x6": 5})["total"]
    assert (prorated.raw, prorated.prorated, prorated.missing) == (20, True, 1)
    unscored = score(spec, {"x1": 2, "x2": 4, "x3": 5, "x4": 3})["total"]
    assert (unscored.raw, unscored.reason) == (None, Unscored.PART_UNSCORED)


def test_results_follow_spec_order():
    spec = InstrumentSpec(
        "order", items=(Item("a", 0, 1),),
        subscales=(Subscale("s2", ("a",)), Subscale("s1", ("a",))), composites=(Composite("c", ("s1", "s2")),),
    )
    assert [scale.key for scale in score(spec, {"a": 1}).scales] == ["s2", "s1", "c"]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Item("a", 3, 1), "minimum is above maximum"),
        (lambda: Item("a", codes=frozenset({1}), minimum=0, maximum=1), "either a range or codes"),
        (lambda: InstrumentSpec("x", items=(Item("a", 0, 1),), subscales=(Subscale("s", ("b",)),)), "unknown items b"),
        (lambda: InstrumentSpec("x", items=(Item("a", 0, 1), Item("a", 0, 1)), subscales=(Subscale("s", ("a",)),)),
         "duplicate key a"),
        (lambda: InstrumentSpec("x", items=(Item("a", 0, 1),), subscales=(Subscale("s", ("a",), max_missing_share=1),)),
         "max_missing_share"),
        (lambda: InstrumentSpec("x", entered=(EnteredScore("s", 0, 9, bands=(Band("a", 0, 5), Band("b", 5, 9))),)),
         "must not overlap"),
        (lambda: InstrumentSpec("x", entered=(EnteredScore("s", 0, 9),), items=(Item("a", 0, 1),)), "not both"),
        (lambda: InstrumentSpec("x", entered=(EnteredScore("s", 0, 9),), composites=(Composite("c", ("t",)),)),
         "unknown t"),
        (lambda: InstrumentSpec("x", entered=(EnteredScore("s", 0, 9, norms=NormTable(age_bands=(
            NormAgeBand(rows=(NormRow(0, 9, 50),), min_months=0, max_months=24),
            NormAgeBand(rows=(NormRow(0, 9, 50),), min_months=24, max_months=48),
        ))),)), "age bands must be in ascending order"),
        (lambda: InstrumentSpec("x", entered=(EnteredScore("s", 0, 9, norms=NormTable(age_bands=(
            NormAgeBand(rows=(NormRow(0, 9),)),))),)), "needs a standard score or a percentile"),
    ],
)
def test_malformed_definitions_are_refused_with_their_place(build, message):
    with pytest.raises(SpecError, match=message):
        build()


# --- score_many --------------------------------------------------------------------------------------


def test_score_many_scores_each_row_like_score():
    matrix = np.array([
        PSS_EXAMPLE,
        [*PSS_EXAMPLE[:9], NAN],
        [*PSS_EXAMPLE[:7], NAN, NAN, NAN],
        [NAN] * 10,
    ], dtype=float)
    batch = score_many(pss(), matrix)
    total = batch["total"]
    assert total.raw[0] == 17
    assert total.raw[1] == pytest.approx(150 / 9)
    assert np.isnan(total.raw[2])
    assert total.reason_codes() == [None, None, Unscored.TOO_MANY_MISSING, Unscored.NO_ANSWERS]
    assert total.band_names() == ["moderate", "moderate", None, None]
    assert total.prorated.tolist() == [False, True, False, False]
    assert total.answered.tolist() == [10, 9, 7, 0]
    for row in range(4):
        values = [None if math.isnan(v) else v for v in matrix[row]]
        assert batch.row(row) == score(pss(), answers(*values))


def test_score_many_reports_the_first_bad_answer_row_by_row():
    matrix = np.zeros((3, 10))
    matrix[2, 0] = 7  # a bad first column in a later row...
    matrix[1, 5] = -1  # ...comes after a bad later column in an earlier row
    with pytest.raises(AnswerOutOfRange) as caught:
        score_many(pss(), matrix)
    assert (caught.value.row, caught.value.item, caught.value.value) == (1, "pss_6", -1)
    assert str(caught.value) == "row 1: pss_6: -1 is not a whole number from 0 to 4"


def test_score_many_uses_ages_for_norms():
    batch = score_many(norm_spec(), [[11], [11], [11], [31]], ages=[40, 50, NAN, 40])
    column = batch["raw"]
    assert np.array_equal(column.standard_score[:2], [50, 40])
    assert [batch.row(r)["raw"].norm_reason for r in range(4)] == [
        None, None, NoNorm.AGE_REQUIRED, NoNorm.RAW_OUTSIDE]


def test_score_many_checks_the_matrix_shape():
    with pytest.raises(ValueError, match="10 columns"):
        score_many(pss(), np.zeros((2, 9)))


# --- properties --------------------------------------------------------------------------------------


@given(low=st.integers(-5, 5), width=st.integers(0, 10), offset=st.integers(0, 10))
def test_reversing_twice_is_identity(low, width, offset):
    item = Item("a", low, low + width, reverse=True)
    value = low + min(offset, width)
    assert item.reversed_value(item.reversed_value(value)) == value
    assert item.low <= item.reversed_value(value) <= item.high


@given(
    low=st.integers(0, 3), width=st.integers(1, 6), n_items=st.integers(1, 12),
    data=st.data(), share=st.sampled_from([0.0, 0.1, 0.2, 0.5, 0.9]),
)
def test_a_scored_sum_lies_between_n_min_and_n_max(low, width, n_items, data, share):
    items = tuple(Item(f"i{n}", low, low + width, reverse=n % 3 == 0) for n in range(n_items))
    spec = InstrumentSpec("p", items=items, subscales=(Subscale("s", tuple(i.key for i in items), "sum", share),))
    given_answers = {
        item.key: data.draw(st.none() | st.integers(low, low + width)) for item in items
    }
    result = score(spec, given_answers)["s"]
    if result.raw is not None:
        assert n_items * low - 1e-9 <= result.raw <= n_items * (low + width) + 1e-9
    assert result.answered + result.missing == n_items


@given(values=st.lists(st.integers(0, 4), min_size=10, max_size=10), share=st.sampled_from([0.1, 0.2, 0.5]))
def test_prorating_changes_nothing_when_nothing_is_missing(values, share):
    strict = score(pss(0.0), answers(*values))["total"]
    lenient = score(pss(share), answers(*values))["total"]
    assert strict == lenient
    assert lenient.prorated is False
    assert lenient.raw == sum(4 - v if n in (4, 5, 7, 8) else v for n, v in enumerate(values, start=1))


def ranges_strategy(max_count: int) -> st.SearchStrategy[list[tuple[float, float]]]:
    """Ascending, non-overlapping inclusive ranges on a half-point grid."""
    return st.lists(st.integers(-10, 60), min_size=0, max_size=2 * max_count, unique=True).map(
        lambda points: [(a / 2, b / 2) for a, b in zip(sorted(points)[::2], sorted(points)[1::2], strict=False)]
    )


@st.composite
def norm_tables(draw: st.DrawFn) -> NormTable | None:
    if not draw(st.booleans()):
        return None
    by_age = draw(st.booleans())
    age_limits: list[tuple[int | None, int | None]] = [(0, 35), (36, 59), (60, None)] if by_age else [(None, None)]
    bands = []
    for low, high in age_limits:
        rows = draw(ranges_strategy(4).filter(bool))
        bands.append(NormAgeBand(
            rows=tuple(NormRow(a, b, draw(st.none() | st.integers(20, 80)), draw(st.integers(1, 99)))
                       for a, b in rows),
            min_months=low, max_months=high,
        ))
    return NormTable(age_bands=tuple(bands))


def bands_strategy() -> st.SearchStrategy[tuple[Band, ...]]:
    return ranges_strategy(3).map(lambda ranges: tuple(Band(f"b{n}", a, b) for n, (a, b) in enumerate(ranges)))


@st.composite
def item_specs(draw: st.DrawFn) -> InstrumentSpec:
    n_items = draw(st.integers(1, 8))
    items = []
    for n in range(n_items):
        missing_codes = frozenset(draw(st.sets(st.sampled_from([8, 9]), max_size=1)))
        if draw(st.booleans()):
            codes = frozenset(draw(st.sets(st.integers(-2, 6), min_size=1, max_size=4)))
            items.append(Item(f"i{n}", codes=codes, reverse=draw(st.booleans()), missing_codes=missing_codes))
        else:
            low = draw(st.integers(-2, 3))
            whole = draw(st.booleans())
            items.append(Item(f"i{n}", low, low + draw(st.integers(0, 4)), reverse=draw(st.booleans()),
                              whole_numbers=whole, missing_codes=missing_codes))
    keys = [item.key for item in items]
    subscales = []
    for n in range(draw(st.integers(1, 3))):
        chosen = draw(st.permutations(keys))[: draw(st.integers(1, n_items))]
        subscales.append(Subscale(
            f"s{n}", tuple(chosen), draw(st.sampled_from(["sum", "mean"])),
            draw(st.sampled_from([0.0, 0.2, 0.34, 0.5, 0.9])), draw(bands_strategy()), draw(norm_tables()),
        ))
    composites = []
    if draw(st.booleans()):
        parts = tuple(draw(st.permutations([s.key for s in subscales]))[: draw(st.integers(1, len(subscales)))])
        composites.append(Composite("c", parts, draw(st.sampled_from(["sum", "mean"])), draw(bands_strategy()),
                                    draw(norm_tables())))
    return InstrumentSpec("generated", items=tuple(items), subscales=tuple(subscales), composites=tuple(composites))


@st.composite
def entered_specs(draw: st.DrawFn) -> InstrumentSpec:
    entered = []
    for n in range(draw(st.integers(1, 4))):
        low = draw(st.integers(0, 20))
        entered.append(EnteredScore(f"e{n}", low, low + draw(st.integers(0, 20)), draw(st.booleans()),
                                    draw(bands_strategy()), draw(norm_tables())))
    composites = (Composite("c", tuple(e.key for e in entered), draw(st.sampled_from(["sum", "mean"]))),)
    return InstrumentSpec("entered", entered=tuple(entered), composites=composites if draw(st.booleans()) else ())


def valid_value(spec: InstrumentSpec, column: int) -> st.SearchStrategy[float]:
    if spec.scores_only:
        entered = spec.entered[column]
        if entered.whole_numbers:
            return st.integers(int(entered.minimum), int(entered.maximum)).map(float)
        return st.floats(entered.minimum, entered.maximum, allow_nan=False)
    item = spec.items[column]
    if item.codes is not None:
        choices = sorted(item.codes | item.missing_codes)
        return st.sampled_from(choices).map(float)
    if item.whole_numbers:
        values = st.integers(int(item.low), int(item.high)).map(float)
    else:
        values = st.floats(item.low, item.high, allow_nan=False)
    if item.missing_codes:
        return values | st.sampled_from(sorted(item.missing_codes)).map(float)
    return values


@st.composite
def batches(draw: st.DrawFn) -> tuple[InstrumentSpec, np.ndarray, list[float]]:
    spec = draw(item_specs() | entered_specs())
    n_rows = draw(st.integers(1, 6))
    matrix = np.array([
        [draw(st.just(NAN) | valid_value(spec, column)) for column in range(len(spec.columns))]
        for _ in range(n_rows)
    ], dtype=float).reshape(n_rows, len(spec.columns))
    ages = [draw(st.just(NAN) | st.floats(0, 80)) for _ in range(n_rows)]
    return spec, matrix, ages


def as_answers(spec: InstrumentSpec, row: np.ndarray) -> dict[str, float | None]:
    return {key: None if math.isnan(value) else float(value) for key, value in zip(spec.columns, row, strict=True)}


@settings(max_examples=300, deadline=None)
@given(batch=batches())
def test_score_many_equals_score_row_by_row(batch):
    spec, matrix, ages = batch
    result = score_many(spec, matrix, ages=ages)
    for row in range(matrix.shape[0]):
        age = None if math.isnan(ages[row]) else ages[row]
        expected: Scores = score(spec, as_answers(spec, matrix[row]), age_months=age)
        assert result.row(row) == expected


@settings(max_examples=150, deadline=None)
@given(batch=batches(), data=st.data())
def test_score_many_refuses_the_same_answer_as_score(batch, data):
    spec, matrix, _ = batch
    row = data.draw(st.integers(0, matrix.shape[0] - 1))
    column = data.draw(st.integers(0, matrix.shape[1] - 1))
    matrix[row, column] = data.draw(st.sampled_from([-50.0, 0.5, 99.0, math.inf]))
    try:
        score(spec, as_answers(spec, matrix[row]))
    except AnswerOutOfRange as single:
        with pytest.raises(AnswerOutOfRange) as caught:
            score_many(spec, matrix)
        assert caught.value.row is not None
        # the batch stops at its first bad row; that is this row unless an earlier one was already bad
        assert caught.value.row <= row
        if caught.value.row == row:
            assert caught.value.item == single.item
    else:
        score_many(spec, matrix)  # 0.5 is allowed where decimals are: then neither refuses

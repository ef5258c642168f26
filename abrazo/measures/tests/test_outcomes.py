"""Pre/post outcome statistics: hand-computed worked examples, edge cases and properties (hypothesis).

Pure module: no database, so these run without pytest-django's db fixture.
"""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

from abrazo.measures.outcomes import (
    DEFAULT_MIN_N,
    NotCalculated,
    PairedResult,
    by_group,
    paired_change,
    publishable,
    reliable_change_index,
    reliable_change_sd,
    withhold,
)

# The worked example: five respondents, pre 10..18 by 2, post a reordering of 13..21 by 2.
#   pre     10  12  14  16  18    mean 14, deviations -4 -2 0 2 4, squares 40, var 40/4 = 10, SD sqrt(10)
#   post    13  17  15  21  19    mean 17, deviations -4 0 -2 4 2, squares 40, var 10, SD sqrt(10)
#   change   3   5   1   5   1    mean 3, deviations 0 2 -2 2 -2, squares 16, var 16/4 = 4, SD 2
PRE = [10, 12, 14, 16, 18]
POST = [13, 17, 15, 21, 19]


def optional_fields(result: PairedResult) -> list[str]:
    return [f.name for f in fields(result) if f.name not in {"higher_is_better", "n", "n_dropped", "not_calculated"}]


def assert_no_nan_or_inf(result: PairedResult) -> None:
    for name in optional_fields(result):
        value = getattr(result, name)
        assert value is None or math.isfinite(value), name


def assert_every_none_has_a_reason(result: PairedResult) -> None:
    for name in optional_fields(result):
        if name == "reliability":
            continue
        assert (getattr(result, name) is None) == (result.reason(name) is not None), name


# --- Worked example ------------------------------------------------------------------------------


def test_mean_change_sd_t_test_and_d_z_of_the_worked_example() -> None:
    # Given the five pairs above, where a higher score is better
    # When the paired change is computed
    result = paired_change(PRE, POST, higher_is_better=True)
    # Then the means and spreads are the hand-computed ones
    assert (result.n, result.n_dropped) == (5, 0)
    assert (result.mean_pre, result.mean_post, result.mean_change) == (14.0, 17.0, 3.0)
    assert result.sd_pre == pytest.approx(math.sqrt(10))
    assert result.sd_post == pytest.approx(math.sqrt(10))
    assert result.sd_change == pytest.approx(2.0)
    # SE = 2 / sqrt(5) = 0.894427; t = 3 / 0.894427 = 3.354102
    assert result.se_change == pytest.approx(0.894427191)
    assert result.t_statistic == pytest.approx(3.354101966)
    # d_z = mean change / SD of change = 3 / 2
    assert result.d_z == pytest.approx(1.5)
    # 95% CI = 3 +/- t(0.975, df 4) * SE = 3 +/- 2.776445 * 0.894427 = 3 +/- 2.483328
    t_critical = stats.t.ppf(0.975, 4)
    assert t_critical == pytest.approx(2.776445105)
    assert result.ci_low == pytest.approx(3 - t_critical * 2 / math.sqrt(5))
    assert result.ci_low == pytest.approx(0.516672, abs=1e-6)
    assert result.ci_high == pytest.approx(5.483328, abs=1e-6)
    # and the p-value is scipy's paired t-test
    assert result.p_value == pytest.approx(stats.ttest_rel(POST, PRE).pvalue)
    assert result.p_value == pytest.approx(0.028460, abs=1e-6)
    assert result.not_calculated.keys() == {
        "reliable_change_sd",
        "reliable_change_threshold",
        "n_reliably_improved",
        "n_reliably_worse",
        "share_reliably_improved",
        "share_reliably_worse",
    }


def test_hedges_g_with_the_small_sample_correction_and_its_interval() -> None:
    # Given the worked example
    result = paired_change(PRE, POST, higher_is_better=True)
    # Then r = cov / (SD_pre * SD_post): var(change) = 10 + 10 - 2 cov = 4, so cov = 8 and r = 8 / 10
    assert result.correlation == pytest.approx(0.8)
    # d_av = 3 / ((sqrt10 + sqrt10) / 2) = 3 / sqrt(10) = 0.948683; J = 1 - 3 / (4 * 4 - 1) = 0.8
    assert result.hedges_correction == pytest.approx(0.8)
    assert result.hedges_g == pytest.approx(0.8 * 3 / math.sqrt(10))
    assert result.hedges_g == pytest.approx(0.758947, abs=1e-6)
    # V_d = (1/5 + 0.9 / 10) * 2 * (1 - 0.8) = 0.29 * 0.4 = 0.116 (d^2 = 9/10); V_g = 0.8^2 * 0.116 = 0.07424
    se_g = math.sqrt(0.07424)
    assert se_g == pytest.approx(0.272470, abs=1e-6)
    # CI = g +/- 1.959964 * 0.272470 = 0.758947 +/- 0.534032
    assert result.g_ci_low == pytest.approx(0.224915, abs=1e-6)
    assert result.g_ci_high == pytest.approx(1.292978, abs=1e-6)


def test_shares_and_reliable_change_with_the_groups_own_pre_sd() -> None:
    # Given the worked example and a reliability of 0.9
    result = paired_change(PRE, POST, higher_is_better=True, reliability=0.9)
    # Then S_diff = sqrt(2) * sqrt(10) * sqrt(1 - 0.9) = sqrt(2) = 1.414214; threshold 1.96 * S_diff = 2.771859
    assert result.reliable_change_sd == pytest.approx(math.sqrt(2))
    assert result.reliable_change_threshold == pytest.approx(2.771859, abs=1e-6)
    # every change (3 5 1 5 1) is an improvement; 3, 5 and 5 are beyond 2.77 points
    assert (result.n_improved, result.n_worse, result.n_unchanged) == (5, 0, 0)
    assert (result.share_improved, result.share_worse, result.share_unchanged) == (1.0, 0.0, 0.0)
    assert (result.n_reliably_improved, result.n_reliably_worse) == (3, 0)
    assert (result.share_reliably_improved, result.share_reliably_worse) == (0.6, 0.0)
    assert result.reliability == 0.9


def test_reliable_change_with_a_reference_sd() -> None:
    # Given a normative SD of 5 and reliability 0.92: S_diff = sqrt(2) * 5 * sqrt(0.08) = 5 * sqrt(0.16) = 2
    result = paired_change(PRE, POST, higher_is_better=True, reliability=0.92, sd_reference=5)
    # Then the threshold is 3.92 points: only the two changes of 5 are reliable
    assert result.reliable_change_sd == pytest.approx(2.0)
    assert result.reliable_change_threshold == pytest.approx(3.92)
    assert (result.n_reliably_improved, result.share_reliably_improved) == (2, 0.4)
    # and one respondent's RCI is the change over S_diff
    assert reliable_change_index(16, 21, s_diff=2.0) == 2.5
    assert reliable_change_sd(5, 0.92) == pytest.approx(2.0)
    assert reliable_change_index(16, 21, s_diff=0.0) is None


def test_lower_is_better_counts_a_decrease_as_improvement() -> None:
    # Given a stress scale (lower is better): changes -4, -2, 0, +3, -1
    pre = [30, 25, 20, 10, 15]
    post = [26, 23, 20, 13, 14]
    # When the change is computed with a reliability giving S_diff = sqrt(2) * SD_pre * sqrt(0.5) = SD_pre
    result = paired_change(pre, post, higher_is_better=False, reliability=0.5)
    # Then the raw mean change keeps its sign: (-4 - 2 + 0 + 3 - 1) / 5 = -0.8
    assert result.mean_change == pytest.approx(-0.8)
    # and three decreased (improved), one increased (worse), one unchanged
    assert (result.n_improved, result.n_worse, result.n_unchanged) == (3, 1, 1)
    assert (result.share_improved, result.share_worse, result.share_unchanged) == (0.6, 0.2, 0.2)
    # SD_pre: mean 20, deviations 10 5 0 -10 -5, squares 250, var 62.5, SD 7.905694 = S_diff;
    # threshold 15.495 points: no change is reliable in either direction
    assert result.reliable_change_sd == pytest.approx(math.sqrt(62.5))
    assert (result.n_reliably_improved, result.n_reliably_worse) == (0, 0)


def test_lower_is_better_orients_reliable_change_too() -> None:
    # Given S_diff = 2 (reference SD 5, reliability 0.92) and changes -5 (better), +5 (worse), -1 (noise)
    result = paired_change([20, 20, 20], [15, 25, 19], higher_is_better=False, reliability=0.92, sd_reference=5)
    # Then RCIs -2.5, +2.5, -0.5 give one reliable improvement and one reliable deterioration
    assert (result.n_reliably_improved, result.n_reliably_worse) == (1, 1)
    assert result.share_reliably_improved == pytest.approx(1 / 3)


# --- Edge cases ----------------------------------------------------------------------------------


def test_the_same_change_for_everyone_has_no_d_z_and_no_test() -> None:
    # Given every pair improving by exactly 2
    result = paired_change([1, 2, 3, 4], [3, 4, 5, 6], higher_is_better=True)
    # Then the SD of the change is 0 and d_z, the t-test and its CI are undefined, with the reason
    assert result.mean_change == 2.0
    assert result.sd_change == 0.0
    for name in ("d_z", "t_statistic", "p_value", "ci_low", "ci_high", "g_ci_low", "g_ci_high"):
        assert getattr(result, name) is None
        assert result.reason(name) == NotCalculated.NO_SPREAD_IN_CHANGE
    # while g_av is standardised by the scores' spread, which exists: SD 1.290994, J = 1 - 3/11
    assert result.hedges_g == pytest.approx((1 - 3 / 11) * 2 / math.sqrt(5 / 3))
    assert result.correlation == pytest.approx(1.0)
    assert_no_nan_or_inf(result)


def test_changes_equal_up_to_rounding_count_as_no_spread() -> None:
    # Given scores that are item means, each raised by a tenth (not exact in binary)
    pre = [1.1, 2.2, 3.3, 4.4]
    post = [value + 0.1 for value in pre]
    assert np.std(np.subtract(post, pre), ddof=1) > 0  # the noise the module must see through
    # Then the change has no spread rather than an astronomic d_z
    result = paired_change(pre, post, higher_is_better=True)
    assert result.sd_change == 0.0
    assert result.d_z is None


def test_a_score_equal_up_to_rounding_counts_as_unchanged() -> None:
    # Given one score computed as 10/3 and as 1/3 * 10 (they differ in the last bit)
    assert 10 / 3 != 1 / 3 * 10
    result = paired_change([10 / 3], [1 / 3 * 10], higher_is_better=True)
    # Then the respondent is unchanged, not improved
    assert (result.n_improved, result.n_unchanged) == (0, 1)


def test_one_pair_gives_means_and_shares_but_no_spread() -> None:
    # Given a single pair
    result = paired_change([4], [6], higher_is_better=True, reliability=0.8)
    # Then means and shares are there
    assert (result.n, result.mean_change, result.share_improved) == (1, 2.0, 1.0)
    # and everything needing a spread is None because there are too few pairs
    for name in ("sd_change", "se_change", "d_z", "p_value", "ci_low", "hedges_g", "correlation"):
        assert getattr(result, name) is None
        assert result.reason(name) == NotCalculated.TOO_FEW_PAIRS
    assert result.reason("reliable_change_sd") == NotCalculated.TOO_FEW_PAIRS
    assert_every_none_has_a_reason(result)


def test_one_pair_with_a_reference_sd_still_has_reliable_change() -> None:
    result = paired_change([4], [10], higher_is_better=True, reliability=0.92, sd_reference=5)
    # RCI = 6 / 2 = 3 > 1.96
    assert (result.n_reliably_improved, result.share_reliably_improved) == (1, 1.0)


def test_two_pairs_give_d_z_but_no_hedges_g() -> None:
    # Given two pairs: J = 1 - 3 / (4 * 1 - 1) = 0, so g would always be 0
    result = paired_change([1, 2], [2, 5], higher_is_better=True)
    # Then d_z = 2 / sqrt(2) (changes 1 and 3: mean 2, SD sqrt(2)) and g is withheld with the reason
    assert result.d_z == pytest.approx(2 / math.sqrt(2))
    assert result.hedges_g is None
    assert result.reason("hedges_g") == NotCalculated.TOO_FEW_PAIRS_FOR_CORRECTION
    assert result.reason("hedges_correction") == NotCalculated.TOO_FEW_PAIRS_FOR_CORRECTION


def test_missing_values_drop_the_pair_and_are_counted() -> None:
    # Given pairs with a missing pre, a missing post, a nan and an infinity
    pre = [10, None, 14, 16, float("nan"), 18, 12]
    post = [13, 15, None, 21, 17, float("inf"), 17]
    # When the change is computed
    result = paired_change(pre, post, higher_is_better=True)
    # Then the complete pairs (10->13, 16->21, 12->17) are used and four are dropped
    assert (result.n, result.n_dropped) == (3, 4)
    assert result.mean_change == pytest.approx((3 + 5 + 5) / 3)
    assert result.mean_pre == pytest.approx((10 + 16 + 12) / 3)


def test_no_complete_pair_gives_no_statistics_and_no_errors() -> None:
    result = paired_change([None, 3], [4, None], higher_is_better=True, reliability=0.8)
    assert (result.n, result.n_dropped) == (0, 2)
    assert (result.n_improved, result.n_worse, result.n_unchanged) == (0, 0, 0)
    assert result.mean_change is None
    assert result.reason("mean_change") == NotCalculated.NO_PAIRS
    assert result.reason("d_z") == NotCalculated.NO_PAIRS
    assert result.reason("share_reliably_improved") == NotCalculated.NO_PAIRS
    assert_every_none_has_a_reason(result)
    assert paired_change([], [], higher_is_better=False).n == 0


def test_no_spread_at_pre_leaves_the_correlation_and_gs_interval_undefined() -> None:
    # Given everyone starting at 20 and ending at 21, 23, 25
    result = paired_change([20, 20, 20], [21, 23, 25], higher_is_better=True, reliability=0.9)
    # Then r cannot be computed, so g has a value but no interval, and S_diff has no pre SD to use
    assert result.correlation is None
    assert result.hedges_g == pytest.approx((1 - 3 / 7) * 3 / 1.0)  # SD_av = (0 + 2) / 2 = 1
    assert result.g_ci_low is None
    assert result.reason("g_ci_low") == NotCalculated.CORRELATION_UNDEFINED
    assert result.reason("reliable_change_sd") == NotCalculated.NO_SPREAD_AT_PRE


def test_identical_scores_everywhere_have_no_effect_size() -> None:
    result = paired_change([5, 5, 5], [5, 5, 5], higher_is_better=True)
    assert result.share_unchanged == 1.0
    assert result.hedges_g is None
    assert result.reason("hedges_g") == NotCalculated.NO_SPREAD_IN_SCORES
    assert_no_nan_or_inf(result)


@pytest.mark.parametrize("reliability", [1.0, 1.2, -0.1, float("nan")])
def test_a_reliability_outside_zero_to_one_is_not_used(reliability: float) -> None:
    result = paired_change(PRE, POST, higher_is_better=True, reliability=reliability)
    assert result.reliable_change_sd is None
    assert result.reason("n_reliably_improved") == NotCalculated.RELIABILITY_OUT_OF_RANGE


@pytest.mark.parametrize("sd_reference", [0.0, -3.0, float("inf")])
def test_a_reference_sd_that_is_not_positive_is_not_used(sd_reference: float) -> None:
    result = paired_change(PRE, POST, higher_is_better=True, reliability=0.9, sd_reference=sd_reference)
    assert result.reason("reliable_change_sd") == NotCalculated.REFERENCE_SD_NOT_POSITIVE


def test_unpaired_lists_are_a_mistake() -> None:
    with pytest.raises(ValueError, match="paired one to one"):
        paired_change([1, 2], [1], higher_is_better=True)


# --- Groups and publication ----------------------------------------------------------------------


def test_by_group_splits_by_the_key_in_order_of_first_appearance() -> None:
    # Given respondents described by (race/ethnicity, language), and one with no language recorded
    rows = [
        (10, 13, ("Latino", "es")),
        (12, 17, ("Black", "en")),
        (14, 15, ("Latino", "es")),
        (16, 21, ("Latino", "en")),
        (18, 19, ("Black", None)),
    ]
    # When grouped by language
    results = by_group(rows, lambda group: group[1], higher_is_better=True)
    # Then each language (and "not recorded") has its own pairs
    assert list(results) == ["es", "en", None]
    assert results["es"].n == 2
    assert results["es"].mean_change == pytest.approx((3 + 1) / 2)
    assert results["en"].mean_change == pytest.approx((5 + 5) / 2)
    assert results[None].n == 1
    # and grouping by race/ethnicity uses the other element
    by_race = by_group(rows, lambda group: group[0], higher_is_better=True)
    assert {race: result.n for race, result in by_race.items()} == {"Latino": 3, "Black": 2}


def test_by_group_holds_every_group_to_the_whole_samples_reliable_change_threshold() -> None:
    # Given the worked example split in two groups and reliability 0.9
    rows = list(zip(PRE, POST, ["a", "b", "a", "b", "a"], strict=True))
    results = by_group(rows, lambda label: label, higher_is_better=True, reliability=0.9)
    # Then both use S_diff = sqrt(2) from the whole sample's pre SD of sqrt(10), not their own
    assert results["a"].reliable_change_sd == pytest.approx(math.sqrt(2))
    assert results["b"].reliable_change_sd == pytest.approx(math.sqrt(2))
    # group b (12->17, 16->21) has pre SD 2.83 of its own but is held to the same 2.77-point threshold
    assert results["b"].n_reliably_improved == 2
    # and an explicit reference wins
    explicit = by_group(rows, lambda label: label, higher_is_better=True, reliability=0.92, sd_reference=5)
    assert explicit["a"].reliable_change_sd == pytest.approx(2.0)


def test_groups_of_ten_or_fewer_pairs_are_not_publishable() -> None:
    # Given groups of 10 and 11 complete pairs (plus a dropped pair that does not count)
    ten = paired_change([*range(10), None], [*range(1, 11), 3], higher_is_better=True)
    eleven = paired_change(list(range(11)), list(range(1, 12)), higher_is_better=True)
    # Then only the group of 11 may show its statistics by default
    assert DEFAULT_MIN_N == 11
    assert publishable(ten) is False
    assert publishable(eleven) is True
    # and a network's own threshold is honoured
    assert publishable(eleven, min_n=20) is False
    assert publishable(ten, min_n=5) is True


def test_withhold_blanks_every_statistic_but_keeps_the_counts_of_pairs() -> None:
    # Given a result with statistics
    result = paired_change(PRE, POST, higher_is_better=True, reliability=0.9)
    # When it is withheld
    hidden = withhold(result)
    # Then only the counts of pairs remain, each statistic saying why it is missing
    assert (hidden.n, hidden.n_dropped, hidden.higher_is_better) == (5, 0, True)
    for name in optional_fields(hidden):
        if name == "reliability":
            continue
        assert getattr(hidden, name) is None, name
        assert hidden.reason(name) == NotCalculated.WITHHELD_SMALL_GROUP
    assert result.mean_change == 3.0  # the original is untouched


# --- Properties ----------------------------------------------------------------------------------

scores = st.integers(min_value=0, max_value=40)
optional_scores = st.none() | scores
pair_lists = st.lists(st.tuples(optional_scores, optional_scores), max_size=30)
complete_pair_lists = st.lists(st.tuples(scores, scores), min_size=3, max_size=30)


def split(pairs: list[tuple[int | None, int | None]]) -> tuple[list[int | None], list[int | None]]:
    return [pair[0] for pair in pairs], [pair[1] for pair in pairs]


@given(pair_lists, st.booleans(), st.none() | st.floats(min_value=0, max_value=0.99))
def test_results_never_hold_nan_or_inf_and_every_gap_has_a_reason(
    pairs: list[tuple[int | None, int | None]], higher_is_better: bool, reliability: float | None
) -> None:
    pre, post = split(pairs)
    result = paired_change(pre, post, higher_is_better=higher_is_better, reliability=reliability)
    assert_no_nan_or_inf(result)
    assert_every_none_has_a_reason(result)
    assert result.n + result.n_dropped == len(pairs)


@given(pair_lists, st.booleans())
def test_shares_sum_to_one(pairs: list[tuple[int | None, int | None]], higher_is_better: bool) -> None:
    pre, post = split(pairs)
    result = paired_change(pre, post, higher_is_better=higher_is_better)
    assert result.n_improved is not None and result.n_worse is not None and result.n_unchanged is not None
    assert result.n_improved + result.n_worse + result.n_unchanged == result.n
    if result.n:
        assert result.share_improved is not None and result.share_worse is not None
        assert result.share_unchanged is not None
        assert result.share_improved + result.share_worse + result.share_unchanged == pytest.approx(1.0)


@given(complete_pair_lists, st.booleans(), st.floats(min_value=0, max_value=0.99))
def test_swapping_pre_and_post_negates_the_change_and_swaps_improved_and_worse(
    pairs: list[tuple[int, int]], higher_is_better: bool, reliability: float
) -> None:
    pre, post = split(pairs)  # type: ignore[arg-type]
    forward = paired_change(pre, post, higher_is_better=higher_is_better, reliability=reliability, sd_reference=4)
    backward = paired_change(post, pre, higher_is_better=higher_is_better, reliability=reliability, sd_reference=4)
    assert backward.mean_change == pytest.approx(-forward.mean_change)  # type: ignore[operator]
    if forward.d_z is None:
        assert backward.d_z is None
    else:
        assert backward.d_z == pytest.approx(-forward.d_z)
        assert backward.p_value == pytest.approx(forward.p_value)
    if forward.hedges_g is not None:
        assert backward.hedges_g == pytest.approx(-forward.hedges_g)
    assert (backward.n_improved, backward.n_worse) == (forward.n_worse, forward.n_improved)
    assert (backward.n_reliably_improved, backward.n_reliably_worse) == (
        forward.n_reliably_worse,
        forward.n_reliably_improved,
    )


@given(complete_pair_lists, st.integers(min_value=-1000, max_value=1000), st.booleans())
def test_adding_a_constant_to_both_sides_changes_nothing_but_the_means(
    pairs: list[tuple[int, int]], constant: int, higher_is_better: bool
) -> None:
    pre, post = split(pairs)  # type: ignore[arg-type]
    original = paired_change(pre, post, higher_is_better=higher_is_better, reliability=0.8)
    shifted = paired_change(
        [value + constant for value in pre],  # type: ignore[operator]
        [value + constant for value in post],  # type: ignore[operator]
        higher_is_better=higher_is_better,
        reliability=0.8,
    )
    assert shifted.mean_pre == pytest.approx(original.mean_pre + constant)  # type: ignore[operator]
    for name in optional_fields(original):
        if name in {"mean_pre", "mean_post"}:
            continue
        before, after = getattr(original, name), getattr(shifted, name)
        if before is None:
            assert after is None, name
        else:
            # Shifting by a large constant costs floating-point digits in the SDs and r (seen: 5e-8 relative
            # in g's interval), so the comparison allows a millionth, far below any shown precision.
            assert after == pytest.approx(before, rel=1e-6, abs=1e-9), name
    assert shifted.not_calculated == original.not_calculated


@given(complete_pair_lists, st.booleans())
def test_the_intervals_contain_their_estimates(pairs: list[tuple[int, int]], higher_is_better: bool) -> None:
    pre, post = split(pairs)  # type: ignore[arg-type]
    result = paired_change(pre, post, higher_is_better=higher_is_better)
    if result.ci_low is not None:
        assert result.ci_high is not None and result.mean_change is not None
        assert result.ci_low <= result.mean_change <= result.ci_high
    if result.g_ci_low is not None:
        assert result.g_ci_high is not None and result.hedges_g is not None
        assert result.g_ci_low <= result.hedges_g <= result.g_ci_high


@given(
    st.lists(
        st.tuples(st.floats(min_value=-100, max_value=100), st.floats(min_value=-100, max_value=100)),
        min_size=2,
        max_size=40,
    )
)
def test_the_p_value_is_scipys_paired_t_test(pairs: list[tuple[float, float]]) -> None:
    pre, post = split(pairs)  # type: ignore[arg-type]
    result = paired_change(pre, post, higher_is_better=True)
    assume(result.p_value is not None)
    expected = stats.ttest_rel(post, pre)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-6, abs=1e-12)
    assert result.t_statistic == pytest.approx(expected.statistic, rel=1e-6)
    # and the CI is the one scipy gives for the same test
    interval = expected.confidence_interval(0.95)
    assert (result.ci_low, result.ci_high) == pytest.approx((interval.low, interval.high), rel=1e-6, abs=1e-9)

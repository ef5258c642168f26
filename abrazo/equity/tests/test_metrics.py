"""The equity metrics against every worked example of DOMAIN.md §6, and their properties (hypothesis).

Pure module: no database, so these run without pytest-django's db fixture.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from abrazo.equity.metrics import (
    Z_95,
    GroupCounts,
    GroupResult,
    NotCalculated,
    Thresholds,
    analyse,
    fisher_exact_p,
    risk,
    risk_ratio,
    risk_ratio_with_ci,
    weighted_risk_ratio,
)

NO_GATES = Thresholds(min_cell=0, min_n=0)


def by_group(results: list[GroupResult]) -> dict[str, GroupResult]:
    return {result.group: result for result in results}


def brute_force_fisher(a: int, b: int, c: int, d: int) -> Fraction:
    """Two-sided Fisher p by enumerating every table with the same margins, in exact fractions."""
    row1, column1, total = a + b, a + c, a + b + c + d

    def probability(x: int) -> Fraction:
        return Fraction(math.comb(column1, x) * math.comb(total - column1, row1 - x), math.comb(total, row1))

    observed = probability(a)
    support = range(max(0, row1 + column1 - total), min(row1, column1) + 1)
    return sum((probability(x) for x in support if probability(x) <= observed), Fraction(0))


# --- Worked examples (DOMAIN.md §6) -------------------------------------------------------------


def test_risk_ratio_and_interval_of_the_idea_guide_example() -> None:
    # Given 316 of 6,224 children in the group and 906 of 45,810 others with the outcome
    # When the risk ratio is computed with its 95% interval
    ratio, low, high = risk_ratio_with_ci(316, 6224, 906, 45810) or (0.0, 0.0, 0.0)
    # Then it matches the guide's figures to four decimals
    assert round(ratio, 4) == 2.5671
    assert round(low, 4) == 2.2649
    assert round(high, 4) == 2.9098
    assert risk(316, 6224) == pytest.approx(0.050771208)


def test_the_examples_were_computed_with_the_exact_normal_quantile_not_1_96() -> None:
    # Given the synthetic example whose upper bound tells 1.96 and 1.95996... apart
    # Then only the exact quantile, the module's default, reproduces DOMAIN.md's 6.2451 and 47.822
    assert round(risk_ratio_with_ci(40, 200, 30, 600)[2], 4) == 6.2451  # type: ignore[index]
    assert round(risk_ratio_with_ci(40, 200, 30, 600, z=1.96)[2], 4) == 6.2452  # type: ignore[index]
    assert round(risk_ratio_with_ci(5, 20, 2, 80)[2], 3) == 47.822  # type: ignore[index]
    assert round(risk_ratio_with_ci(5, 20, 2, 80, z=1.96)[2], 3) == 47.824  # type: ignore[index]
    assert round(Z_95, 2) == 1.96


def test_gated_group_has_a_raw_ratio_but_nothing_is_shown() -> None:
    # Given 1 of 221 children in the group and 31 of 6,333 others
    assert round(risk_ratio(1, 221, 31, 6333) or 0, 4) == 0.9244
    groups = [GroupCounts("asian", 221, 1, 1), GroupCounts("others", 6333, 31, 40)]
    # When the unit is analysed with the default thresholds (10 / 30)
    result = by_group(analyse(groups))["asian"]
    # Then a = 1 < 10: no ratio, no interval, no p, and the reason says why; the risk is still given
    assert result.not_calculated_reason == NotCalculated.GROUP_TOO_FEW_WITH_OUTCOME
    assert (result.risk_ratio, result.ci_low, result.ci_high, result.fisher_p) == (None, None, None, None)
    assert result.risk_ratio_method is None
    assert result.risk == pytest.approx(1 / 221)


def test_alternate_risk_ratio_when_the_district_comparison_is_empty() -> None:
    # Given a district group of 189 of 4,697 whose district comparison has 0 of 1,192 with the outcome,
    # and a state where the children not in the group are 5,100 of 341,183
    district = [GroupCounts("black", 4697, 189, 250), GroupCounts("others", 1192, 0, 0)]
    state = [GroupCounts("black", 20000, 800, 900), GroupCounts("others", 341183, 5100, 6000)]
    # When it is analysed with the state as the next level
    result = by_group(analyse(district, next_level=state))["black"]
    # Then the alternate risk ratio is used: (189/4697) / (5100/341183)
    assert result.risk_ratio_method == "arr"
    assert result.not_calculated_reason is None
    assert round(result.risk_ratio or 0, 4) == 2.6919
    # and its interval and p come from the table actually used (the state comparison)
    expected = risk_ratio_with_ci(189, 4697, 5100, 341183)
    assert (result.risk_ratio, result.ci_low, result.ci_high) == expected
    assert result.fisher_p == fisher_exact_p(189, 4697 - 189, 5100, 341183 - 5100)


def test_alternate_comparison_too_small_as_well_means_not_calculated() -> None:
    # Given the same district, but a next level whose other children are too few as well
    district = [GroupCounts("black", 4697, 189, 250), GroupCounts("others", 1192, 0, 0)]
    small_state = [GroupCounts("black", 5000, 200, 260), GroupCounts("others", 1500, 9, 9)]
    for next_level in (small_state, None):
        result = by_group(analyse(district, next_level=next_level))["black"]
        # Then nothing is compared
        assert result.not_calculated_reason == NotCalculated.COMPARISON_TOO_SMALL
        assert (result.risk_ratio, result.ci_low, result.fisher_p, result.risk_ratio_method) == (None,) * 4


def test_synthetic_forty_of_two_hundred() -> None:
    # Given 40 of 200 vs 30 of 600
    ratio, low, high = risk_ratio_with_ci(40, 200, 30, 600) or (0.0, 0.0, 0.0)
    # Then RR 4.0, CI 2.5620-6.2451, Fisher p about 2.28e-9
    assert ratio == pytest.approx(4.0)
    assert (round(low, 4), round(high, 4)) == (2.5620, 6.2451)
    assert fisher_exact_p(40, 160, 30, 570) == pytest.approx(2.28e-9, rel=1e-3)
    # And analyse shows the same for a group that passes the default gates
    result = by_group(analyse([GroupCounts("boys", 200, 40, 55), GroupCounts("girls", 600, 30, 31)]))["boys"]
    assert (result.risk_ratio, result.ci_low, result.ci_high) == (ratio, low, high)
    assert result.risk_ratio_method == "rr"
    assert result.fisher_p == pytest.approx(2.28e-9, rel=1e-3)


def test_synthetic_five_of_twenty_is_computable_but_gated_at_ten_and_thirty() -> None:
    # Given 5 of 20 vs 2 of 80
    ratio, low, high = risk_ratio_with_ci(5, 20, 2, 80) or (0.0, 0.0, 0.0)
    # Then RR 10, CI 2.091-47.822, Fisher p 0.003259
    assert ratio == pytest.approx(10.0)
    assert (round(low, 3), round(high, 3)) == (2.091, 47.822)
    assert round(fisher_exact_p(5, 15, 2, 78), 6) == 0.003259
    # But with the default thresholds the group is gated (a = 5 < 10)
    groups = [GroupCounts("g", 20, 5, 7), GroupCounts("rest", 80, 2, 2)]
    gated = by_group(analyse(groups))["g"]
    assert gated.not_calculated_reason == NotCalculated.GROUP_TOO_FEW_WITH_OUTCOME
    assert gated.risk_ratio is None
    # and with thresholds lowered to 1 it is shown
    shown = by_group(analyse(groups, thresholds=Thresholds(min_cell=1, min_n=1)))["g"]
    assert shown.risk_ratio == pytest.approx(10.0)
    assert round(shown.fisher_p or 0, 6) == 0.003259


def test_group_with_enough_outcomes_but_too_few_enrolled() -> None:
    groups = [GroupCounts("g", 25, 12, 12), GroupCounts("rest", 500, 40, 50)]
    result = by_group(analyse(groups))["g"]
    assert result.not_calculated_reason == NotCalculated.GROUP_TOO_FEW_ENROLLED
    assert result.risk_ratio is None


def test_fisher_reference_table() -> None:
    assert round(fisher_exact_p(8, 2, 1, 5), 6) == 0.034965
    assert fisher_exact_p(8, 2, 1, 5) == pytest.approx(float(brute_force_fisher(8, 2, 1, 5)), rel=1e-12)


@pytest.mark.parametrize("table", [(1, 9, 5, 14), (0, 36, 15, 21), (1, 30, 10, 21), (2, 9, 5, 14)])
def test_fisher_counts_tables_exactly_as_probable_as_the_observed_one(table: tuple[int, int, int, int]) -> None:
    # Given tables where another table is exactly as probable as the observed one (a tie that floating
    # point blurs by a last digit)
    # Then both tails include it, as the exact computation does
    assert fisher_exact_p(*table) == pytest.approx(float(brute_force_fisher(*table)), rel=1e-9)


def test_birs_profile_example() -> None:
    # Given three groups with (enrolled, children with an event, events)
    groups = [GroupCounts("first", 20, 6, 18), GroupCounts("second", 50, 5, 8), GroupCounts("third", 30, 4, 6)]
    # When analysed with the gates lowered (a = 6 would be gated at the default 10)
    first = analyse(groups, thresholds=Thresholds(min_cell=1, min_n=1))[0]
    # Then
    assert round(first.risk_ratio or 0, 4) == 2.6667
    assert round(first.event_ratio or 0, 4) == 5.1429
    assert round(first.e_formula_upper or 0, 5) == 0.30328
    assert first.alert is True
    assert first.enrollment_share == pytest.approx(0.2)
    assert first.child_composition == pytest.approx(6 / 15)
    assert first.event_composition == pytest.approx(18 / 32)
    assert first.event_rate == pytest.approx(0.9)


def test_birs_profile_under_default_gates_keeps_compositions_and_alert_but_no_ratios() -> None:
    groups = [GroupCounts("first", 20, 6, 18), GroupCounts("second", 50, 5, 8), GroupCounts("third", 30, 4, 6)]
    first = analyse(groups)[0]
    assert first.not_calculated_reason == NotCalculated.GROUP_TOO_FEW_WITH_OUTCOME
    assert (first.risk_ratio, first.event_ratio, first.weighted_risk_ratio) == (None, None, None)
    assert first.alert is True
    assert round(first.e_formula_upper or 0, 5) == 0.30328


def test_alert_needs_more_than_ten_enrolled() -> None:
    # Given a group of 10 children, 5 of whom are all the children with an event
    groups = [GroupCounts("tiny", 10, 5, 5), GroupCounts("rest", 90, 0, 0)]
    tiny = analyse(groups)[0]
    # Then its composition is far above the bound, but B_g = 10 is not more than 10
    assert tiny.child_composition == 1.0
    assert tiny.child_composition > (tiny.e_formula_upper or 2)
    assert tiny.alert is False


def test_weighted_risk_ratio_example() -> None:
    shares = {"a": 0.2, "b": 0.3, "c": 0.5}
    risks = {"a": 0.10, "b": 0.04, "c": 0.02}
    assert round(weighted_risk_ratio(shares, risks, "a") or 0, 4) == 3.6364
    assert weighted_risk_ratio(shares, {"a": 0.1, "b": 0.0, "c": 0.0}, "a") is None
    assert weighted_risk_ratio(shares, risks, "missing") is None


def test_weighted_risk_ratio_in_analyse_uses_the_units_shares_and_risks() -> None:
    groups = [GroupCounts("boys", 200, 40, 55), GroupCounts("girls", 600, 30, 31)]
    boys = analyse(groups, weighted=True)[0]
    # With the unit's own enrolment as weights the WRR equals the plain RR: (1-p)R_g / sum p_j R_j
    # = R_g (B - B_g) / (C - C_g).
    assert boys.weighted_risk_ratio == pytest.approx(4.0)
    assert analyse(groups)[0].weighted_risk_ratio is None


def test_zero_cells_add_a_half_to_all_four_cells() -> None:
    # Given no child with the outcome in the group: the table becomes [[0.5, 100.5], [10.5, 190.5]]
    ratio, low, high = risk_ratio_with_ci(0, 100, 10, 200) or (0.0, 0.0, 0.0)
    assert ratio == pytest.approx((0.5 / 101) / (10.5 / 201))
    spread = Z_95 * math.sqrt(1 / 0.5 - 1 / 101 + 1 / 10.5 - 1 / 201)
    assert low == pytest.approx(ratio * math.exp(-spread))
    assert high == pytest.approx(ratio * math.exp(spread))
    # and the raw ratio is undefined when the comparison has nobody with the outcome
    assert risk_ratio(5, 100, 0, 200) is None
    assert risk_ratio(0, 100, 5, 200) == 0.0


def test_divisions_by_zero_give_none() -> None:
    assert risk(0, 0) is None
    assert risk_ratio(1, 0, 1, 10) is None
    assert risk_ratio_with_ci(1, 10, 0, 0) is None
    empty = analyse([GroupCounts("a", 0, 0, 0), GroupCounts("b", 0, 0, 0)], thresholds=NO_GATES)
    for result in empty:
        assert result.risk is None and result.enrollment_share is None and result.event_rate is None
        assert result.child_composition is None and result.e_formula_upper is None and result.event_ratio is None
        assert result.not_calculated_reason == NotCalculated.GROUP_TOO_FEW_ENROLLED
        assert result.alert is False
    assert analyse([]) == []


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="more children with the outcome"):
        analyse([GroupCounts("a", 5, 6, 6)])
    with pytest.raises(ValueError, match="twice"):
        analyse([GroupCounts("a", 5, 1, 1), GroupCounts("a", 5, 1, 1)])
    with pytest.raises(ValueError, match="negative"):
        fisher_exact_p(-1, 2, 3, 4)


# --- Properties ----------------------------------------------------------------------------------


@st.composite
def group_counts(draw: st.DrawFn, name: str, max_enrolled: int = 400) -> GroupCounts:
    enrolled = draw(st.integers(0, max_enrolled))
    with_outcome = draw(st.integers(0, enrolled))
    events = draw(st.integers(with_outcome, with_outcome * 4))
    return GroupCounts(name, enrolled, with_outcome, events)


@st.composite
def units(draw: st.DrawFn) -> list[GroupCounts]:
    size = draw(st.integers(1, 6))
    return [draw(group_counts(f"g{i}")) for i in range(size)]


thresholds_strategy = st.builds(Thresholds, min_cell=st.integers(0, 12), min_n=st.integers(0, 40))


def all_floats(result: GroupResult) -> list[float]:
    return [value for value in vars(result).values() if isinstance(value, float)]


@given(units(), st.none() | units(), thresholds_strategy, st.booleans())
def test_no_ratio_is_ever_shown_for_a_gated_group(
    groups: list[GroupCounts], next_level: list[GroupCounts] | None, thresholds: Thresholds, weighted: bool
) -> None:
    for result in analyse(groups, thresholds=thresholds, next_level=next_level, weighted=weighted):
        gated = (
            result.children_with_outcome < thresholds.min_cell
            or result.enrolled < max(thresholds.min_n, 1)
            or result.not_calculated_reason is not None
        )
        if gated:
            assert result.not_calculated_reason is not None
            assert result.risk_ratio is None and result.risk_ratio_method is None
            assert result.ci_low is None and result.ci_high is None and result.fisher_p is None
            assert result.event_ratio is None and result.weighted_risk_ratio is None
        else:
            assert result.risk_ratio is not None and result.fisher_p is not None
            assert result.risk_ratio_method in ("rr", "arr")
        if result.enrolled > 0:
            assert result.risk == result.children_with_outcome / result.enrolled


@given(units(), st.none() | units(), thresholds_strategy)
def test_the_comparison_used_always_passes_the_thresholds(
    groups: list[GroupCounts], next_level: list[GroupCounts] | None, thresholds: Thresholds
) -> None:
    totals = (sum(g.children_with_outcome for g in groups), sum(g.enrolled for g in groups))
    for counts, result in zip(groups, analyse(groups, thresholds=thresholds, next_level=next_level), strict=True):
        c, n2 = totals[0] - counts.children_with_outcome, totals[1] - counts.enrolled
        if result.risk_ratio_method == "rr":
            assert c >= thresholds.min_cell and n2 >= max(thresholds.min_n, 1)
            assert result.risk_ratio == risk_ratio_with_ci(counts.children_with_outcome, counts.enrolled, c, n2)[0]  # type: ignore[index]
        elif result.risk_ratio_method == "arr":
            assert next_level is not None
            assert c < thresholds.min_cell or n2 < max(thresholds.min_n, 1)
            c_alt = sum(g.children_with_outcome for g in next_level if g.group != counts.group)
            n2_alt = sum(g.enrolled for g in next_level if g.group != counts.group)
            assert c_alt >= thresholds.min_cell and n2_alt >= max(thresholds.min_n, 1)


@given(units(), st.none() | units(), thresholds_strategy, st.booleans())
def test_results_never_hold_nan_or_infinity(
    groups: list[GroupCounts], next_level: list[GroupCounts] | None, thresholds: Thresholds, weighted: bool
) -> None:
    for result in analyse(groups, thresholds=thresholds, next_level=next_level, weighted=weighted):
        assert all(math.isfinite(value) for value in all_floats(result))


@given(units())
def test_compositions_and_shares_of_all_groups_sum_to_one(groups: list[GroupCounts]) -> None:
    results = analyse(groups)
    for field, total in (
        ("enrollment_share", sum(g.enrolled for g in groups)),
        ("child_composition", sum(g.children_with_outcome for g in groups)),
        ("event_composition", sum(g.events for g in groups)),
    ):
        values = [getattr(result, field) for result in results]
        if total == 0:
            assert values == [None] * len(groups)
        else:
            assert math.fsum(values) == pytest.approx(1.0)


@given(
    st.integers(1, 60).flatmap(lambda n1: st.tuples(st.integers(1, n1), st.just(n1))),
    st.integers(1, 60).flatmap(lambda n2: st.tuples(st.integers(1, n2), st.just(n2))),
    st.integers(2, 50),
)
def test_risk_ratio_identities(group: tuple[int, int], other: tuple[int, int], k: int) -> None:
    (a, n1), (c, n2) = group, other
    ratio = risk_ratio(a, n1, c, n2)
    assert ratio is not None
    # Scaling a group's counts by k keeps its risk, so the ratio is unchanged
    assert risk_ratio(a * k, n1 * k, c, n2) == pytest.approx(ratio)
    assert risk_ratio(a, n1, c * k, n2 * k) == pytest.approx(ratio)
    # Swapping the two sides inverts the ratio, and its interval
    swapped = risk_ratio(c, n2, a, n1)
    assert swapped == pytest.approx(1 / ratio)
    rr, low, high = risk_ratio_with_ci(a, n1, c, n2) or (0.0, 0.0, 0.0)
    rr_swapped, low_swapped, high_swapped = risk_ratio_with_ci(c, n2, a, n1) or (0.0, 0.0, 0.0)
    assert rr_swapped == pytest.approx(1 / rr)
    assert low_swapped == pytest.approx(1 / high) and high_swapped == pytest.approx(1 / low)
    # With no zero cell the shown ratio is the raw one
    assert rr == pytest.approx(ratio)
    # Equal risks give 1, with an interval around it
    even = risk_ratio_with_ci(a, n1, a * k, n1 * k)
    assert even is not None and even[0] == pytest.approx(1.0) and even[1] <= 1.0 <= even[2]


@given(
    st.integers(0, 300).flatmap(lambda n1: st.tuples(st.integers(0, n1), st.just(n1))),
    st.integers(0, 300).flatmap(lambda n2: st.tuples(st.integers(0, n2), st.just(n2))),
)
def test_interval_contains_the_ratio(group: tuple[int, int], other: tuple[int, int]) -> None:
    (a, n1), (c, n2) = group, other
    assume(n1 > 0 and n2 > 0)
    ratio, low, high = risk_ratio_with_ci(a, n1, c, n2) or (math.nan, math.nan, math.nan)
    assert 0 < low <= ratio <= high
    assert all(math.isfinite(value) for value in (ratio, low, high))


cells = st.integers(0, 12)


@given(cells, cells, cells, cells)
def test_fisher_matches_brute_force_on_small_tables(a: int, b: int, c: int, d: int) -> None:
    p = fisher_exact_p(a, b, c, d)
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(float(brute_force_fisher(a, b, c, d)), rel=1e-9, abs=1e-15)


@given(st.integers(0, 2000), st.integers(0, 2000), st.integers(0, 2000), st.integers(0, 2000))
def test_fisher_p_is_a_probability_and_symmetric(a: int, b: int, c: int, d: int) -> None:
    p = fisher_exact_p(a, b, c, d)
    assert 0.0 <= p <= 1.0
    # The test does not depend on which row or column comes first, nor on transposing
    assert fisher_exact_p(c, d, a, b) == pytest.approx(p, rel=1e-9, abs=1e-300)
    assert fisher_exact_p(a, c, b, d) == pytest.approx(p, rel=1e-9, abs=1e-300)


def test_fisher_agrees_with_scipy_on_large_tables() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    for table in ((316, 6224 - 316, 906, 45810 - 906), (189, 4697 - 189, 5100, 341183 - 5100), (12, 40, 30, 400)):
        a, b, c, d = table
        expected = scipy_stats.fisher_exact([[a, b], [c, d]]).pvalue
        assert fisher_exact_p(*table) == pytest.approx(expected, rel=1e-6, abs=1e-300)

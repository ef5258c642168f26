"""The quick engine (`analyse` and `UnitAnalyser`, built for 40,000 programs in one run) gives exactly the
figures of the straightforward one, written out below as `analyse` first was, on random units (hypothesis).

"Exactly" is bit for bit: results are compared through repr, which tells apart floats that == would not
(-0.0 and 0.0) and shows every digit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abrazo.equity.metrics import (
    RESULT_FIELDS,
    GroupCounts,
    GroupResult,
    NotCalculated,
    Thresholds,
    UnitAnalyser,
    analyse,
    fisher_exact_p,
    risk,
    risk_ratio_with_ci,
    weighted_risk_ratio,
)

# --- the reference: one group at a time, every figure through the public helpers -------------------------


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def _reference_comparison(
    counts: GroupCounts, totals: tuple[int, int], next_level: Sequence[GroupCounts] | None, thresholds: Thresholds
) -> tuple[int, int, str] | None:
    least_enrolled = max(thresholds.min_n, 1)
    c, n2 = totals[0] - counts.children_with_outcome, totals[1] - counts.enrolled
    if c >= thresholds.min_cell and n2 >= least_enrolled:
        return c, n2, "rr"
    if next_level is None:
        return None
    c_alt = sum(other.children_with_outcome for other in next_level if other.group != counts.group)
    n2_alt = sum(other.enrolled for other in next_level if other.group != counts.group)
    if c_alt >= thresholds.min_cell and n2_alt >= least_enrolled and c_alt <= n2_alt:
        return c_alt, n2_alt, "arr"
    return None


def reference_analyse(
    groups: Sequence[GroupCounts], *, thresholds: Thresholds, next_level: Sequence[GroupCounts] | None, weighted: bool
) -> list[GroupResult]:
    total_enrolled = sum(g.enrolled for g in groups)
    total_with_outcome = sum(g.children_with_outcome for g in groups)
    total_events = sum(g.events for g in groups)
    shares = {g.group: g.enrolled / total_enrolled for g in groups if total_enrolled}
    risks = {g.group: g.children_with_outcome / g.enrolled for g in groups if g.enrolled}
    results = []
    for counts in groups:
        a, n1 = counts.children_with_outcome, counts.enrolled
        reason = None
        comparison = None
        if a < thresholds.min_cell:
            reason = NotCalculated.GROUP_TOO_FEW_WITH_OUTCOME
        elif n1 < max(thresholds.min_n, 1):
            reason = NotCalculated.GROUP_TOO_FEW_ENROLLED
        else:
            comparison = _reference_comparison(counts, (total_with_outcome, total_enrolled), next_level, thresholds)
            if comparison is None:
                reason = NotCalculated.COMPARISON_TOO_SMALL
        ratio = ci_low = ci_high = fisher_p = None
        if comparison is not None:
            c, n2, _ = comparison
            with_ci = risk_ratio_with_ci(a, n1, c, n2)
            if with_ci is not None:
                ratio, ci_low, ci_high = with_ci
                fisher_p = fisher_exact_p(a, n1 - a, c, n2 - c)
            else:
                comparison, reason = None, NotCalculated.COMPARISON_TOO_SMALL
        within_unit = comparison is not None and comparison[2] == "rr"
        share = _ratio(n1, total_enrolled)
        child_composition = _ratio(a, total_with_outcome)
        e_formula_upper = None
        if share is not None and total_with_outcome:
            e_formula_upper = share + math.sqrt(share * (1 - share) / total_with_outcome)
        event_rate = _ratio(counts.events, n1)
        event_ratio = None
        if within_unit and event_rate is not None:
            others_rate = _ratio(total_events - counts.events, total_enrolled - n1)
            event_ratio = _ratio(event_rate, others_rate) if others_rate is not None else None
        alert = (child_composition is not None and e_formula_upper is not None
                 and child_composition > e_formula_upper and n1 > 10)
        results.append(GroupResult(
            group=counts.group, enrolled=n1, children_with_outcome=a, events=counts.events, risk=risk(a, n1),
            risk_ratio=ratio, risk_ratio_method=comparison[2] if comparison is not None else None,
            not_calculated_reason=reason, ci_low=ci_low, ci_high=ci_high, fisher_p=fisher_p,
            event_rate=event_rate, event_ratio=event_ratio, enrollment_share=share,
            child_composition=child_composition, event_composition=_ratio(counts.events, total_events),
            e_formula_upper=e_formula_upper, alert=alert,
            weighted_risk_ratio=weighted_risk_ratio(shares, risks, counts.group) if weighted and within_unit else None,
        ))
    return results


# --- random units ----------------------------------------------------------------------------------------

NAMES = ("asian", "black", "hispanic_latino", "not_reported", "white", "two_or_more")


@st.composite
def units(draw: st.DrawFn, *, max_enrolled: int = 80) -> list[GroupCounts]:
    """Mutually exclusive groups with possible counts, small enough that every gate is met and missed."""
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=len(NAMES)))
    groups = []
    for name in names:
        enrolled = draw(st.integers(0, max_enrolled))
        with_outcome = draw(st.integers(0, enrolled))
        events = draw(st.integers(with_outcome, 3 * with_outcome))
        groups.append(GroupCounts(name, enrolled, with_outcome, events))
    return groups


thresholds_strategy = st.builds(Thresholds, min_cell=st.integers(0, 12), min_n=st.integers(0, 40))


def as_text(results: list[GroupResult]) -> list[str]:
    return [repr(result) for result in results]


@settings(max_examples=400, deadline=None)
@given(unit=units(), next_level=st.none() | units(max_enrolled=400), thresholds=thresholds_strategy,
       weighted=st.booleans())
def test_analyse_gives_the_reference_figures_bit_for_bit(
    unit: list[GroupCounts], next_level: list[GroupCounts] | None, thresholds: Thresholds, weighted: bool
) -> None:
    # given a random unit, thresholds and maybe a next level
    # when analysed by the engine and by the reference
    found = analyse(unit, thresholds=thresholds, next_level=next_level, weighted=weighted)
    expected = reference_analyse(unit, thresholds=thresholds, next_level=next_level, weighted=weighted)
    # then every figure is the same, to the last bit
    assert as_text(found) == as_text(expected)


@settings(max_examples=200, deadline=None)
@given(many=st.lists(units(), max_size=8), next_level=st.none() | units(max_enrolled=400),
       thresholds=thresholds_strategy, weighted=st.booleans())
def test_one_analyser_for_many_units_gives_what_analyse_gives_each(
    many: list[list[GroupCounts]], next_level: list[GroupCounts] | None, thresholds: Thresholds, weighted: bool
) -> None:
    # given several units against one next level (units repeat: the analyser remembers Fisher p)
    many = many + many[:2]
    analyser = UnitAnalyser(thresholds=thresholds, next_level=next_level, weighted=weighted)
    for unit in many:
        # when one analyser takes them one after the other, as objects and as plain tuples
        as_objects = analyser.analyse(unit)
        as_rows = analyser.rows([(g.group, g.enrolled, g.children_with_outcome, g.events) for g in unit])
        # then both are what the reference gives each unit on its own
        expected = reference_analyse(unit, thresholds=thresholds, next_level=next_level, weighted=weighted)
        assert as_text(as_objects) == as_text(expected)
        assert [repr(tuple(getattr(result, name) for name in RESULT_FIELDS)) for result in expected] == [
            repr(row) for row in as_rows]


def test_a_table_compared_one_level_up_has_its_alternate_ratio_and_p() -> None:
    # given a program whose other children are too few, in a file with plenty (the path analysers take
    # for a real ratio; random units rarely reach it with the default thresholds)
    everyone = [GroupCounts("black", 300, 60, 90), GroupCounts("white", 900, 45, 50)]
    program = [GroupCounts("black", 40, 12, 15), GroupCounts("white", 5, 1, 1)]
    analyser = UnitAnalyser(next_level=everyone)
    # when analysed twice by one analyser
    first, again = analyser.analyse(program), analyser.analyse(program)
    # then black is compared with the 900 white children of the file: RR (12/40)/(45/900) = 6
    black = first[0]
    assert (black.risk_ratio_method, black.risk_ratio) == ("arr", pytest.approx(6.0))
    assert black.fisher_p == fisher_exact_p(12, 28, 45, 855)
    # and the remembered p is the same
    assert again == first == reference_analyse(program, thresholds=Thresholds(), next_level=everyone, weighted=False)


@pytest.mark.parametrize(("unit", "message"), [
    ([("black", 5, 1, 1), ("black", 3, 0, 0)], "unit: group 'black' is listed twice"),
    ([("black", 5, -1, 0)], "unit: group 'black' has a negative count"),
    ([("white", 2, 0, 0), ("black", 5, 6, 6)], "unit: group 'black' has more children with the outcome"),
])
def test_rows_refuse_impossible_counts_as_analyse_does(unit: list[tuple[str, int, int, int]], message: str) -> None:
    # given counts no roster can give
    # when analysed as tuples, and as objects
    with pytest.raises(ValueError, match=message):
        UnitAnalyser().rows(unit)
    # then both refuse them with the same message
    with pytest.raises(ValueError, match=message):
        analyse([GroupCounts(*counts) for counts in unit])


def test_a_bad_next_level_is_refused_when_the_analyser_is_made() -> None:
    # given a next level listing a group twice
    # when an analyser is made with it
    # then it is refused before any unit is analysed
    with pytest.raises(ValueError, match="next level: group 'white' is listed twice"):
        UnitAnalyser(next_level=[GroupCounts("white", 5, 1, 1), GroupCounts("white", 5, 1, 1)])

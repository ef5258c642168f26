"""The pure rule for a scores-only total that is the sum of its subscales (entered_totals)."""

from __future__ import annotations

import pytest

from abrazo.measures.entered_totals import TotalMismatch, fill_totals, number, number_text, sum_of_parts

TOTALS = {"total": ["social", "emotion"]}


def test_a_blank_total_is_filled_with_the_sum():
    filled, mismatches = fill_totals(TOTALS, {"social": "20", "emotion": "15", "total": " "})
    assert filled == {"social": "20", "emotion": "15", "total": "35"} and mismatches == []


def test_decimal_commas_and_binary_noise():
    # 0,1 + 0,2 is 0.30000000000000004 in binary; a person wrote 0.3
    filled, mismatches = fill_totals(TOTALS, {"social": "0,1", "emotion": "0.2", "total": "0,3"})
    assert mismatches == [] and filled["total"] == "0,3"
    filled, _ = fill_totals(TOTALS, {"social": "0,1", "emotion": "0.2"})
    assert filled["total"] == "0.3"


def test_a_typed_total_that_disagrees_is_reported_with_the_sum():
    _filled, mismatches = fill_totals(TOTALS, {"social": "20", "emotion": "15", "total": "36"})
    assert mismatches == [TotalMismatch(key="total", typed="36", expected=35.0)]


@pytest.mark.parametrize("answers", [{"social": "20", "total": "50"}, {"social": "20", "emotion": "n/a"},
                                     {"social": "20", "emotion": "", "total": ""}])
def test_with_a_part_missing_or_not_a_number_nothing_is_said(answers):
    filled, mismatches = fill_totals(TOTALS, answers)
    assert filled == answers and mismatches == []


def test_a_total_that_is_not_a_number_is_left_to_whoever_judges_answers():
    filled, mismatches = fill_totals(TOTALS, {"social": "1", "emotion": "2", "total": "three"})
    assert filled["total"] == "three" and mismatches == []


def test_the_small_pieces():
    assert sum_of_parts(["a", "b"], {"a": 1, "b": 2.5}) == 3.5
    assert sum_of_parts(["a", "b"], {"a": 1}) is None
    assert (number("nan"), number(True), number(float("inf")), number(" 4 ")) == (None, None, None, 4.0)
    assert [number_text(value) for value in (57.0, 12.5, -0.0000001, 1234567.0)] == ["57", "12.5", "0", "1234567"]

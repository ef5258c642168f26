"""Percentages by question (feedback_stats), checked against counts worked out by hand, exact and suppressed."""

from __future__ import annotations

import pytest

from abrazo.equity.suppression import Relation, is_determined
from abrazo.workforce import feedback_stats as stats

AGREEMENT = tuple((str(code), label) for code, label in
                  enumerate(["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"], start=1))
WORTH = stats.Question("worth", "It was worth my time.", AGREEMENT)
MATERIALS = stats.Question("materials", "The materials were useful.", (*AGREEMENT, ("9", "Does not apply")),
                           missing_codes=frozenset({"9"}))
SHARE = stats.Question("share", "May we share?", (("1", "Yes"), ("0", "No")))


def answers(column: str, codes: list[object]) -> list[dict[str, object]]:
    return [{column: code} if code is not None else {} for code in codes]


class TestTally:
    def test_counts_and_percentages_of_an_agreement_question_by_hand(self):
        # given eight people: 5, 4, 4, 3, (blank), 2, 5, 4
        rows = answers("worth", ["5", "4", "4", "3", None, "2", "5", "4"])
        # when tallied
        result = stats.tally([WORTH], rows)
        row = result.questions[0]
        # then seven answered (one skipped): 0 / 1 / 1 / 3 / 2, i.e. 0%, 14.29%, 14.29%, 42.86%, 28.57%
        assert result.respondents == 8
        assert (row.n, row.skipped, row.not_applicable) == (7, 1, 0)
        assert [choice.count for choice in row.choices] == [0, 1, 1, 3, 2]
        assert [round(choice.percent, 2) for choice in row.choices] == [0.0, 14.29, 14.29, 42.86, 28.57]
        # and agree or strongly agree is 3 + 2 = 5 of 7 = 71.43%
        assert row.agree == 5 and round(row.agree_percent, 2) == 71.43
        assert row.choices[0].label == "Strongly disagree"

    def test_does_not_apply_is_neither_in_n_nor_among_the_choices(self):
        # given six people: does not apply twice, 5, 4, 1 and one blank
        rows = answers("materials", ["9", "5", "9", "4", None, "1"])
        # when tallied
        row = stats.tally([MATERIALS], rows).questions[0]
        # then n is 3, the two "does not apply" are counted apart, and percentages are of 3
        assert (row.n, row.not_applicable, row.skipped) == (3, 2, 1)
        assert [choice.code for choice in row.choices] == ["1", "2", "3", "4", "5"]
        assert [choice.count for choice in row.choices] == [1, 0, 0, 1, 1]
        assert [round(choice.percent, 2) for choice in row.choices] == [33.33, 0.0, 0.0, 33.33, 33.33]
        assert row.agree == 2 and round(row.agree_percent, 2) == 66.67

    def test_codes_as_numbers_or_decimals_count_as_their_choice_and_unknown_codes_as_skipped(self):
        rows = answers("worth", [4, 4.0, " 5 ", "4.0", "7", True])
        row = stats.tally([WORTH], rows).questions[0]
        assert [choice.count for choice in row.choices] == [0, 0, 0, 3, 1]
        assert (row.n, row.skipped) == (4, 2)

    def test_a_question_that_is_not_on_an_agreement_scale_has_no_agree_share(self):
        row = stats.tally([SHARE], answers("share", ["1", "0", "1"])).questions[0]
        assert row.agree is None and row.agree_percent is None
        assert [round(choice.percent, 2) for choice in row.choices] == [66.67, 33.33]

    def test_nobody_answering_gives_no_percentage_rather_than_zero(self):
        row = stats.tally([WORTH], answers("worth", [None, None])).questions[0]
        assert row.n == 0 and row.skipped == 2
        assert all(choice.percent is None for choice in row.choices) and row.agree_percent is None


class TestPublished:
    def test_exact_sight_shows_every_count(self):
        result = stats.tally([WORTH], answers("worth", ["5"] * 3 + ["2"]))
        published = stats.publish_exact(result)
        row = published.questions[0]
        assert published.exact and published.respondents.value == 4
        assert [choice.count.value for choice in row.choices] == [0, 1, 0, 0, 3]
        assert row.agree.value == 3 and row.agree_percent == 75.0 and not row.withheld

    def test_a_small_question_is_withheld_entirely_for_evaluators(self):
        # given seven answers (7 is 1..10)
        result = stats.tally([WORTH], answers("worth", ["5"] * 4 + ["4"] * 3))
        # when published suppressed
        published = stats.publish_suppressed(result, hidden_label="hidden")
        row = published.questions[0]
        # then the respondents, n, every count and every percentage are hidden
        assert str(published.respondents) == "hidden"
        assert row.withheld and row.n.hidden
        assert all(choice.count.hidden and choice.percent is None for choice in row.choices)
        assert row.agree.hidden and row.agree_percent is None

    def test_small_counts_are_hidden_with_a_complement_and_n_stays(self):
        # given 25 answers: 0, 0, 2, 8, 15 (agree 23)
        result = stats.tally([WORTH], answers("worth", ["3"] * 2 + ["4"] * 8 + ["5"] * 15))
        # when published suppressed
        row = stats.publish_suppressed(result, hidden_label="hidden").questions[0]
        # then 2 and 8 are hidden, and 15 too: 2 + 8 = 10 would otherwise be 25 - 15, which narrows both down
        assert row.n.value == 25 and not row.withheld
        assert [str(choice.count) for choice in row.choices] == ["0", "0", "hidden", "hidden", "hidden"]
        # and their percentages with them; the zeros keep theirs
        assert [choice.percent for choice in row.choices] == [0.0, 0.0, None, None, None]
        # and agree, one of whose parts is hidden, is hidden too
        assert row.agree.hidden and row.agree_percent is None

    def test_agree_is_shown_when_both_its_choices_are(self):
        # given 35 answers: 15 agree and 20 strongly agree
        result = stats.tally([WORTH], answers("worth", ["4"] * 15 + ["5"] * 20))
        row = stats.publish_suppressed(result).questions[0]
        assert [choice.count.value for choice in row.choices] == [0, 0, 0, 15, 20]
        assert row.agree.value == 35 and row.agree_percent == 100.0

    @pytest.mark.parametrize("counts", [[1, 2, 5, 40, 60], [0, 3, 12, 30, 30], [11, 0, 1, 0, 50], [4, 4, 4, 4, 4]])
    def test_no_hidden_choice_can_be_worked_out_from_n_and_the_others(self, counts):
        codes = [str(code) for code, count in enumerate(counts, start=1) for _ in range(count)]
        row = stats.publish_suppressed(stats.tally([WORTH], answers("worth", codes))).questions[0]
        values = [*counts, sum(counts)]
        hidden = frozenset(index for index, choice in enumerate(row.choices) if choice.count.hidden) | (
            frozenset({5}) if row.n.hidden else frozenset())
        # every 1..10 count is hidden, and none of the hidden ones follows from the published ones
        assert all(index in hidden for index, count in enumerate(counts) if 1 <= count <= 10)
        assert not any(is_determined(values, [Relation(5, (0, 1, 2, 3, 4))], hidden, index) for index in hidden
                       if values[index] > 0 or index == 5)

    def test_does_not_apply_is_hidden_when_small(self):
        rows = answers("materials", ["9"] * 3 + ["5"] * 20)
        row = stats.publish_suppressed(stats.tally([MATERIALS], rows)).questions[0]
        assert row.not_applicable.hidden and row.n.value == 20
        rows = answers("materials", ["9"] * 12 + ["5"] * 20)
        row = stats.publish_suppressed(stats.tally([MATERIALS], rows)).questions[0]
        assert row.not_applicable.value == 12

    def test_a_threshold_other_than_ten(self):
        result = stats.tally([WORTH], answers("worth", ["5"] * 4 + ["4"] * 3))
        row = stats.publish_suppressed(result, high=2).questions[0]
        assert row.n.value == 7 and [choice.count.value for choice in row.choices] == [0, 0, 0, 3, 4]

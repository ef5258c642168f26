"""Percentages by question (feedback_stats), checked against counts worked out by hand, exact and suppressed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# --- cells suppressed together: the network and its regions (or cohorts) ------------------------------------


def codes_for(counts: list[int]) -> list[str]:
    return [str(code) for code, count in enumerate(counts, start=1) for _ in range(count)]


def reader_system(published: dict[str, stats.Published], counts: dict[str, list[int]], layout):
    """What a reader of every cell knows: each cell's five choices and n (n = the choices), each network count =
    the sum of its leaves' counts; and which of those values every cell hides."""
    values, relations, hidden, where = [], [], set(), {}
    for cell, row in ((cell, published[cell].questions[0]) for cell in layout):
        spots = []
        for choice, value in zip(row.choices, counts[cell], strict=True):
            spots.append(len(values))
            if choice.count.hidden:
                hidden.add(len(values))
            values.append(value)
        n = len(values)
        values.append(sum(counts[cell]))
        if row.n.hidden:
            hidden.add(n)
        relations.append(Relation(n, tuple(spots)))
        where[cell] = [*spots, n]
    for cell, leaves in layout.items():
        if tuple(leaves) != (cell,):
            relations += [Relation(where[cell][measure], tuple(where[leaf][measure] for leaf in leaves))
                          for measure in range(6)]
    return values, relations, frozenset(hidden)


class TestCellsSuppressedTogether:
    """Region A: 0, 0, 0, 25, 30 (nothing small); region B: 0, 0, 3, 20, 15; the network: 0, 0, 3, 45, 45.

    Published each on its own, B hides the 3 and its smallest other answer (15), and the network its 3 and a 45;
    then a reader gets the network's "agree" as 25 + 20 = 45 from the regions, and the network's 3 and B's 3
    as the rest of n. Suppressed together, no hidden count can be worked out from all three."""

    COUNTS = {"network": [0, 0, 3, 45, 45], "a": [0, 0, 0, 25, 30], "b": [0, 0, 3, 20, 15]}
    LAYOUT = {stats.NETWORK_CELL: ("a", "b"), "a": ("a",), "b": ("b",)}

    def leaves(self) -> dict[str, list[dict[str, object]]]:
        return {cell: answers("worth", codes_for(self.COUNTS[cell])) for cell in ("a", "b")}

    def test_published_one_by_one_the_regions_give_the_networks_small_count_away(self):
        published = {cell: stats.publish_suppressed(stats.tally([WORTH], answers("worth", codes_for(counts))))
                     for cell, counts in self.COUNTS.items()}
        values, relations, hidden = reader_system(published, self.COUNTS, self.LAYOUT)
        neutral = 2  # the network's 3
        assert neutral in hidden and is_determined(values, relations, hidden, neutral)

    def test_published_together_nothing_hidden_can_be_worked_out(self):
        published = stats.publish_cells([WORTH], self.leaves(), self.LAYOUT)
        values, relations, hidden = reader_system(published, self.COUNTS, self.LAYOUT)
        # every 1..10 count is hidden, and no hidden count follows from everything the three cells show
        assert all(index in hidden for index, value in enumerate(values) if 1 <= value <= 10)
        assert not any(is_determined(values, relations, hidden, index) for index in hidden)
        network = published[stats.NETWORK_CELL]
        assert network.questions[0].n.value == 93 and network.respondents.value == 93
        assert not network.exact and str(network.questions[0].choices[2].count) == "hidden"

    def test_a_kept_answer_is_used_and_keyed_by_the_counts(self):
        kept: dict[str, list[int]] = {}

        def remember(fingerprint, compute):
            kept.setdefault(fingerprint, compute())
            return kept[fingerprint]

        first = stats.publish_cells([WORTH], self.leaves(), self.LAYOUT, remember=remember)
        assert len(kept) == 2  # the number of surveys, and the one question
        assert stats.publish_cells([WORTH], self.leaves(), self.LAYOUT, remember=remember) == first
        assert len(kept) == 2
        more = self.leaves() | {"b": [*self.leaves()["b"], {"worth": "5"}]}
        stats.publish_cells([WORTH], more, self.LAYOUT, remember=remember)
        assert len(kept) == 4

    def test_a_leaf_must_be_a_cell(self):
        with pytest.raises(ValueError):
            stats.publish_cells([WORTH], {}, {stats.NETWORK_CELL: ("a",)})


@settings(deadline=None, max_examples=60)
@given(st.lists(st.lists(st.integers(0, 14), min_size=5, max_size=5), min_size=1, max_size=4))
def test_random_regions_published_together_give_no_hidden_count_away(regions: list[list[int]]) -> None:
    # given a few regions' answers to one question, and the network as their sum
    names = [f"r{number}" for number in range(len(regions))]
    counts = dict(zip(names, regions, strict=True))
    counts[stats.NETWORK_CELL] = [sum(column) for column in zip(*regions, strict=True)]
    layout = {stats.NETWORK_CELL: tuple(names), **{name: (name,) for name in names}}
    # when every cell is published together
    published = stats.publish_cells([WORTH], {name: answers("worth", codes_for(counts[name])) for name in names},
                                    layout)
    # then, from everything every cell shows, no hidden count can be worked out (except those the relations force
    # to zero whatever is hidden), and every count of 1 to 10 is hidden
    values, relations, hidden = reader_system(published, counts, layout)
    assert all(index in hidden for index, value in enumerate(values) if 1 <= value <= 10)
    forced = {index for index in range(len(values))
              if is_determined(values, relations, frozenset(range(len(values))), index)}
    assert not any(is_determined(values, relations, hidden, index) for index in hidden - forced)

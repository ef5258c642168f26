"""Suppression of small counts (DOMAIN.md §7): worked examples by hand, and properties checked by an
independent solver (numpy's SVD null space) rather than the module's own exact elimination.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abrazo.equity.suppression import (
    DEFAULT_HIGH,
    Relation,
    SuppressedTable,
    is_determined,
    is_primary,
    label,
    suppress,
    suppress_column,
    suppress_table,
    table_layout,
)

# --- An independent judge: can a reader work a hidden value out? -------------------------------


def recoverable_by_numpy(values: Sequence[int], relations: Sequence[Relation], hidden: frozenset[int]) -> set[int]:
    """Hidden values fixed by the published ones: those on which every null-space vector of the
    relations (restricted to the hidden unknowns) vanishes. Floating point SVD, tolerance 1e-9."""
    unknowns = sorted(hidden)
    if not unknowns:
        return set()
    column = {index: position for position, index in enumerate(unknowns)}
    rows = []
    for relation in relations:
        row = np.zeros(len(unknowns))
        if relation.total in column:
            row[column[relation.total]] += 1
        for part in relation.parts:
            if part in column:
                row[column[part]] -= 1
        rows.append(row)
    matrix = np.array(rows) if rows else np.zeros((0, len(unknowns)))
    if matrix.shape[0] == 0:
        return set()
    _, singular, right = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null_space = right[rank:]  # rows spanning every direction the hidden values can move in together
    return {index for index in unknowns if np.all(np.abs(null_space[:, column[index]]) < 1e-9)}


def values_each_can_take(
    values: Sequence[int], relations: Sequence[Relation], hidden: frozenset[int], high: int, *, enough: int = 0
) -> dict[int, set[int]]:
    """By brute force: the values each hidden 1..high count takes over every whole-number assignment of the
    hidden values that a reader cannot rule out: hidden 1..high counts in 1..high, other hidden values in
    0..cap, the published values as published, every relation adding up. The cap (twice the largest value
    plus high) can only leave assignments out, so it can only make a count look more exposed than it is.
    With `enough`, stops as soon as every count is seen taking that many values.

    Depth first over the hidden values, trying each value of the one with the fewest left. Before each choice
    the choices are cut down to those each relation still allows given the others' (a branch cut by mistake
    could only hide an assignment, again making a count look more exposed); every assignment counted is
    checked against every relation.
    """
    cap = 2 * max(values, default=0) + high
    primary = [index for index in sorted(hidden) if 1 <= values[index] <= high]
    equations = []
    for relation in relations:
        terms: dict[int, int] = {relation.total: 1}
        for part in relation.parts:
            terms[part] = terms.get(part, 0) - 1
        constant = sum(c * values[index] for index, c in terms.items() if index not in hidden)
        equations.append(({index: c for index, c in terms.items() if c and index in hidden}, constant))
    seen: dict[int, set[int]] = {index: set() for index in primary}

    def cut(low: dict[int, int], top: dict[int, int]) -> bool:
        """Narrow the choices in place until no relation narrows them further; False if one runs out."""
        changed = True
        while changed:
            changed = False
            for terms, constant in equations:
                least = constant + sum(min(c * low[i], c * top[i]) for i, c in terms.items())
                most = constant + sum(max(c * low[i], c * top[i]) for i, c in terms.items())
                if not least <= 0 <= most:
                    return False
                for i, c in terms.items():
                    # c * x_i = -(the rest), and the rest lies in [least, most] less x_i's own share
                    rest_least = least - min(c * low[i], c * top[i])
                    rest_most = most - max(c * low[i], c * top[i])
                    bounds = sorted((-rest_most / c, -rest_least / c))
                    new_low, new_top = max(low[i], math.ceil(bounds[0])), min(top[i], math.floor(bounds[1]))
                    if new_low > new_top:
                        return False
                    if (new_low, new_top) != (low[i], top[i]):
                        low[i], top[i], changed = new_low, new_top, True
        return True

    def solutions(low: dict[int, int], top: dict[int, int]) -> Iterator[dict[int, int]]:
        if not cut(low, top):
            return
        open_values = [index for index in hidden if low[index] < top[index]]
        if not open_values:
            assert all(constant + sum(c * low[i] for i, c in terms.items()) == 0 for terms, constant in equations)
            yield low
            return
        index = min(open_values, key=lambda i: (top[i] - low[i], i))
        for value in range(low[index], top[index] + 1):
            yield from solutions({**low, index: value}, {**top, index: value})

    low = {index: 1 if index in primary else 0 for index in hidden}
    top = {index: high if index in primary else cap for index in hidden}
    if not enough:
        for solution in solutions(low, top):
            for index in primary:
                seen[index].add(solution[index])
        return seen
    # Enough values for each: ask, value by value, for one assignment with it (each one found counts for all)
    for index in primary:
        for value in range(1, high + 1):
            if len(seen[index]) >= enough:
                break
            if value in seen[index]:
                continue
            for solution in solutions({**low, index: value}, {**top, index: value}):
                for other in primary:
                    seen[other].add(solution[other])
                break
    return seen


def column_relations(size: int) -> list[Relation]:
    return [Relation(total=size, parts=tuple(range(size)))]


def table_values(cells: Sequence[Sequence[int]]) -> list[int]:
    columns = len(cells[0])
    values = [count for row in cells for count in row]
    values += [sum(row) for row in cells]
    values += [sum(row[c] for row in cells) for c in range(columns)]
    values.append(sum(sum(row) for row in cells))
    return values


# --- Worked examples -----------------------------------------------------------------------------


def test_primary_means_one_to_high() -> None:
    assert [is_primary(count) for count in (0, 1, 10, 11)] == [False, True, True, False]
    assert is_primary(5, high=4) is False
    assert label() == "1-10"
    assert label(5) == "1-5"


def test_a_column_with_one_small_cell_gets_its_next_smallest_cell_hidden() -> None:
    # Given counts 3, 50, 60 published with their total 113
    hidden = suppress_column([3, 50, 60])
    # Then the 3 is hidden, and so is the 50, or 3 would be 113 - 50 - 60
    assert hidden == {0, 1}


def test_a_column_prefers_a_nonzero_complement_over_a_zero() -> None:
    # Given counts 0, 4, 30, 25: the 4 is small, the 0 is smaller but hiding it protects nothing
    assert suppress_column([0, 4, 30, 25]) == {1, 3}


def test_a_column_with_two_small_cells_needs_nothing_more() -> None:
    assert suppress_column([4, 7, 60]) == {0, 1}


def test_zeros_are_shown() -> None:
    assert suppress_column([0, 50, 60]) == frozenset()
    assert suppress_column([0, 0, 0]) == frozenset()


def test_a_small_total_is_hidden_with_its_parts() -> None:
    # Given 2 and 3 with total 5: all three are 1..10
    assert suppress_column([2, 3]) == {0, 1, 2}


def test_a_given_total_is_index_len_counts() -> None:
    # Given a total that also counts children not listed (an unknown group), the relation is kept:
    # hiding too much is safe, hiding too little is not
    assert suppress_column([3, 50], total=80) == {0, 1}
    assert suppress_column([30, 50], total=85) == frozenset()
    assert suppress_column([30, 50, 3], total=90) == {0, 2}


def test_a_two_way_table_hides_a_rectangle() -> None:
    # Given a 3 x 3 table with one small cell (3) and its margins
    cells = [[3, 20, 30], [25, 40, 50], [12, 15, 60]]
    table = suppress_table(cells)
    # Then: the 3; its row's next smallest (20); its column's next smallest (12); then row three has a
    # single hidden cell (12), so its next smallest (15) too. Rows 1 and 3 and columns 1 and 2 now each
    # hide two cells, and the four cells move together (+t, -t, -t, +t), so none can be worked out.
    assert table == SuppressedTable(
        cells=[[True, True, False], [False, False, False], [True, True, False]],
        row_totals=[False, False, False],
        column_totals=[False, False, False],
        grand_total=False,
    )


def test_a_table_whose_small_cell_is_alone_in_a_row_hides_the_row_total() -> None:
    # Given a one-column table: the row total equals the cell, so they cover each other
    table = suppress_table([[4], [40]])
    assert table.cells == [[True], [True]]
    assert table.row_totals == [True, True]
    assert table.column_totals == [False] and table.grand_total is False


def test_two_ones_whose_sum_is_published_are_hidden_with_the_next_smallest() -> None:
    # Given 1, 1, 50 with total 52: hiding the 1s alone leaves their sum, 2, and each is at least 1
    column = [1, 1, 50]
    assert values_each_can_take([*column, 52], column_relations(3), frozenset({0, 1}), DEFAULT_HIGH) == {
        0: {1},
        1: {1},
    }
    # When suppressed, the 50 is hidden too: now each 1 could be anything from 1 to 10
    hidden = suppress_column(column)
    assert hidden == {0, 1, 2}
    assert values_each_can_take([*column, 52], column_relations(3), hidden, DEFAULT_HIGH) == {
        0: set(range(1, 11)),
        1: set(range(1, 11)),
    }


def test_a_hidden_sum_of_high_or_less_is_widened() -> None:
    # Given 1, 2, 60 with total 63: the hidden pair adds up to 3, so each would be 1 or 2
    assert values_each_can_take([1, 2, 60, 63], column_relations(3), frozenset({0, 1}), DEFAULT_HIGH) == {
        0: {1, 2},
        1: {1, 2},
    }
    assert suppress_column([1, 2, 60]) == {0, 1, 2}
    # and a sum of exactly high is not enough either (6 + 4 = 10: neither could be 10)
    assert suppress_column([6, 4, 60]) == {0, 1, 2}
    # while 4 + 7 = 11 leaves each anywhere in 1..10 (4 = 11 - 7, and 1 + 10 = 11)
    assert suppress_column([4, 7, 60]) == {0, 1}


def test_hidden_counts_pinned_at_the_top_are_widened() -> None:
    # Given 10, 10, 50 with total 70: the hidden pair adds up to 20, more than 10, yet each is at most 10,
    # so each must be 10
    assert values_each_can_take([10, 10, 50, 70], column_relations(3), frozenset({0, 1}), DEFAULT_HIGH) == {
        0: {10},
        1: {10},
    }
    assert suppress_column([10, 10, 50]) == {0, 1, 2}
    # and 5 + 7 = 12 would tell a reader that neither is 1 (the other is at most 10)
    assert suppress_column([5, 7, 60]) == {0, 1, 2}


def test_several_small_counts_whose_sum_exceeds_high_can_still_be_pinned() -> None:
    # Given high 2 and 1, 1, 1, 50: the hidden three add up to 3 > 2, but three counts of at least 1
    # adding up to 3 are all 1
    assert values_each_can_take([1, 1, 1, 50, 53], column_relations(4), frozenset({0, 1, 2}), 2) == {
        0: {1},
        1: {1},
        2: {1},
    }
    assert suppress_column([1, 1, 1, 50], high=2) == {0, 1, 2, 3}


def test_a_two_way_table_whose_margins_tie_two_small_counts_together() -> None:
    # Given 2 and 10 on a diagonal: hiding the four cells stops subtraction, but the margins give
    # d = 35 - b = 35 - (27 - a) = a + 8, so a is 1 or 2 and d is 9 or 10
    cells = [[2, 25], [74, 10]]
    values = table_values(cells)
    cell, row_total, column_total, grand, relations = table_layout(2, 2)
    rectangle = frozenset(index for row in cell for index in row)
    assert recoverable_by_numpy(values, relations, rectangle) == set()
    assert values_each_can_take(values, relations, rectangle, DEFAULT_HIGH) == {0: {1, 2}, 3: {9, 10}}
    # When suppressed, two column totals are hidden as well, which unties them
    table = suppress_table(cells)
    assert table == SuppressedTable(
        cells=[[True, True], [True, True]], row_totals=[False, False], column_totals=[True, True], grand_total=False
    )
    hidden = rectangle | set(column_total)
    assert values_each_can_take(values, relations, hidden, DEFAULT_HIGH) == {0: set(range(1, 11)), 3: set(range(1, 11))}
    assert row_total and grand


def test_several_relations_together_can_give_a_value_away() -> None:
    # Given three small values, each pair of them published in a total with one large value:
    #   57 = A + B + 50, 68 = A + C + 60, 79 = B + C + 70
    values = [3, 4, 5, 50, 60, 70, 57, 68, 79]
    relations = [Relation(6, (0, 1, 3)), Relation(7, (0, 2, 4)), Relation(8, (1, 2, 5))]
    # Every relation hides two values, yet three equations in three unknowns give all three away
    primary = frozenset({0, 1, 2})
    assert all(is_determined(values, relations, primary, index) for index in primary)
    assert recoverable_by_numpy(values, relations, primary) == primary
    # When suppressed, each relation's large value is hidden as well: in 57 = A + B + 50 the hidden pair
    # would add up to 7 (so neither could be above 6), in 68 = A + C + 60 to 8, in 79 = B + C + 70 to 9
    hidden = suppress(values, relations)
    assert hidden == {0, 1, 2, 3, 4, 5}
    assert recoverable_by_numpy(values, relations, hidden) == set()
    # Hiding the 50 alone would stop the exact recovery, but not the narrowing
    assert recoverable_by_numpy(values, relations, frozenset({0, 1, 2, 3})) == set()
    assert values_each_can_take(values, relations, frozenset({0, 1, 2, 3}), DEFAULT_HIGH)[0] == set(range(1, 8))


def test_the_complement_chosen_is_one_that_actually_protects() -> None:
    # Given 51 = A + 25 + B + 4 and 117 = A + 70 + 25 + B (A = B = 11) and a 70 that equals the 70
    values = [11, 70, 25, 8, 11, 4, 70, 51, 117]
    relations = [Relation(6, (1,)), Relation(7, (0, 2, 4, 5)), Relation(8, (0, 1, 2, 4))]
    # When suppressed: the 4 and the 8 are primary; the 4's relation then hides A (11), and the second
    # relation, left with A alone, hides B (11). Subtracting the two relations still gives the 4 away.
    # Hiding the 25 would not help (it sits in both relations); hiding the total 51 does.
    hidden = suppress(values, relations)
    assert hidden == {0, 3, 4, 5, 7}
    assert recoverable_by_numpy(values, relations, hidden) == set()
    assert recoverable_by_numpy(values, relations, frozenset({0, 2, 3, 4, 5})) == {5}


def test_linked_tables_race_by_gender_and_race_by_dll_share_the_race_totals() -> None:
    # Given race x gender and race x DLL, published side by side with the same race totals
    gender = [[3, 40], [20, 25], [30, 35]]
    dll = [[10, 33], [15, 30], [22, 43]]
    g_cell, race_total, gender_total, grand, gender_relations = table_layout(3, 2)
    # The second table's cells and DLL totals follow the first table's values; race totals and the
    # grand total are the same values in both.
    offset = grand + 1
    d_cell = [[offset + 2 * r + c for c in range(2)] for r in range(3)]
    dll_total = [offset + 6, offset + 7]
    values = table_values(gender) + [count for row in dll for count in row] + [47, 106]
    relations = [
        *gender_relations,
        *(Relation(race_total[r], tuple(d_cell[r])) for r in range(3)),
        *(Relation(dll_total[c], tuple(d_cell[r][c] for r in range(3))) for c in range(2)),
        Relation(grand, tuple(dll_total)),
    ]
    assert all(values[relation.total] == sum(values[part] for part in relation.parts) for relation in relations), (
        "the example itself must add up"
    )
    # When suppressed
    hidden = suppress(values, relations)
    # Then the 3 (and the 10 in the DLL table, which is small too) are hidden, and nothing hidden can
    # be recovered from either table or the two together
    assert g_cell[0][0] in hidden and d_cell[0][0] in hidden
    assert all(values[index] > DEFAULT_HIGH or index in hidden for index in range(len(values)) if values[index])
    assert recoverable_by_numpy(values, relations, hidden) == set()
    assert not any(is_determined(values, relations, hidden, index) for index in hidden)
    # Hiding 3 alone in the gender table leaves race total 43 = 3 + 40 recoverable...
    only_primary = frozenset(index for index, value in enumerate(values) if is_primary(value))
    assert g_cell[0][0] in recoverable_by_numpy(values, relations, only_primary)
    # ...and so would a DLL row whose one small cell were hidden alone: 10 = 43 - 33
    assert d_cell[0][0] in recoverable_by_numpy(values, relations, only_primary | {g_cell[0][1]})
    assert gender_total[0] in range(len(values))


def test_is_determined_for_a_published_value_and_bad_indexes() -> None:
    values = [3, 50, 53]
    relations = column_relations(2)
    assert is_determined(values, relations, frozenset({0}), 1) is True  # published: known
    assert is_determined(values, relations, frozenset({0}), 0) is True  # 53 - 50
    assert is_determined(values, relations, frozenset({0, 1}), 0) is False
    with pytest.raises(ValueError):
        is_determined(values, relations, frozenset(), 5)
    with pytest.raises(ValueError):
        suppress(values, [Relation(9, (0,))])


def test_a_known_total_is_never_hidden_and_a_part_is_hidden_beside_the_small_one() -> None:
    # Given counts 3, 50, 60 whose total 113 is published exactly on another page
    values, relations = [3, 50, 60, 113], column_relations(3)
    # When they are suppressed with the total known
    hidden = suppress(values, relations, known=[3])
    # Then the total stays shown, and the 50 is hidden beside the 3 (or 3 = 113 - 50 - 60)
    assert hidden == {0, 1}
    assert not is_determined(values, relations, hidden, 0)


def test_a_small_known_total_is_shown_and_its_parts_hidden() -> None:
    # Given 2 and 3 of a total 5 that another page shows
    values, relations = [2, 3, 5], column_relations(2)
    # When suppressed with the total known: the total would be hidden otherwise
    assert suppress(values, relations) == {0, 1, 2}
    hidden = suppress(values, relations, known=[2])
    # Then only the parts are hidden: each is 0..5 to a reader, and neither can be worked out
    assert hidden == {0, 1}
    assert recoverable_by_numpy(values, relations, hidden) == set()


def test_known_zeros_are_not_hidden_to_widen_a_known_small_total() -> None:
    # Given a known total of 5 split 2, 3, 0, 0: every part is within 0..5 whatever is hidden
    values, relations = [2, 3, 0, 0, 5], column_relations(4)
    # Then the zeros are left shown: hiding them would not widen anything
    assert suppress(values, relations, known=[4]) == {0, 1}


def test_known_row_totals_move_the_complement_inside_the_table() -> None:
    # Given a 2 x 3 table whose row totals another page shows (cells, row totals, column totals, grand total)
    cells = [[2, 30, 40], [25, 35, 45]]
    cell, row_total, column_total, grand, relations = table_layout(2, 3)
    values = table_values(cells)
    # When suppressed with the row totals and the grand total (their sum) known
    hidden = suppress(values, relations, known=[*row_total, grand])
    # Then no row total is hidden; the 2, another cell of its row and a rectangle of cells are
    assert not hidden & {*row_total, grand}
    assert cell[0][0] in hidden
    assert len(hidden & set(cell[0])) >= 2
    assert hidden <= {*cell[0], *cell[1], *column_total}
    assert recoverable_by_numpy(values, relations, hidden) == set()


def test_a_known_index_must_exist() -> None:
    with pytest.raises(ValueError):
        suppress([1, 2, 3], column_relations(2), known=[7])



# --- Properties ----------------------------------------------------------------------------------

counts = st.one_of(st.integers(0, 12), st.integers(0, 80))


def assert_safe(values: Sequence[int], relations: Sequence[Relation], hidden: frozenset[int], high: int) -> None:
    assert hidden <= set(range(len(values)))
    # every 1..high count is hidden
    assert all(index in hidden for index, value in enumerate(values) if 1 <= value <= high)
    # nothing hidden can be recovered, by the independent solver or by the module's own check
    assert recoverable_by_numpy(values, relations, hidden) == set()
    assert not any(is_determined(values, relations, hidden, index) for index in hidden)
    # and no relation is left with exactly one hidden member
    for relation in relations:
        assert len({relation.total, *relation.parts} & hidden) != 1
    assert_hidden_sums_are_wide(values, relations, hidden, high)


def assert_hidden_sums_are_wide(
    values: Sequence[int], relations: Sequence[Relation], hidden: frozenset[int], high: int
) -> None:
    """Where a total is published, its hidden parts add up to 0 (nothing, or hidden zeros) or more than high."""
    for relation in relations:
        if relation.total not in hidden:
            hidden_sum = sum(values[part] for part in relation.parts if part in hidden)
            assert hidden_sum == 0 or hidden_sum > high, (relation, hidden_sum)


@settings(deadline=None)
@given(st.lists(counts, min_size=1, max_size=8), st.integers(1, 10))
def test_a_column_is_safe(column: list[int], high: int) -> None:
    hidden = suppress_column(column, high=high)
    assert_safe([*column, sum(column)], column_relations(len(column)), hidden, high)
    assert suppress_column(column, high=high) == hidden  # deterministic


@settings(deadline=None)
@given(st.lists(counts, min_size=1, max_size=8))
def test_a_column_with_one_small_cell_hides_exactly_one_more(column: list[int]) -> None:
    small = [index for index, value in enumerate(column) if is_primary(value)]
    others = [index for index, value in enumerate(column) if value > DEFAULT_HIGH]
    if len(small) != 1 or len(others) < 1 or sum(column) <= DEFAULT_HIGH:
        return
    hidden = suppress_column(column)
    cheapest_other = min(others, key=lambda index: (column[index], index))
    assert hidden == {small[0], cheapest_other}


@st.composite
def tables(draw: st.DrawFn) -> list[list[int]]:
    rows = draw(st.integers(1, 4))
    columns = draw(st.integers(1, 4))
    return [[draw(counts) for _ in range(columns)] for _ in range(rows)]


@settings(deadline=None)
@given(tables(), st.integers(1, 10))
def test_a_two_way_table_is_safe(cells: list[list[int]], high: int) -> None:
    result = suppress_table(cells, high=high)
    rows, columns = len(cells), len(cells[0])
    cell, row_total, column_total, grand, relations = table_layout(rows, columns)
    hidden = frozenset(
        [cell[r][c] for r in range(rows) for c in range(columns) if result.cells[r][c]]
        + [row_total[r] for r in range(rows) if result.row_totals[r]]
        + [column_total[c] for c in range(columns) if result.column_totals[c]]
        + ([grand] if result.grand_total else [])
    )
    assert_safe(table_values(cells), relations, hidden, high)


@st.composite
def linked_problems(
    draw: st.DrawFn, max_rows: int = 4, cell_counts: st.SearchStrategy[int] = counts
) -> tuple[list[int], list[Relation]]:
    """Two tables (race x gender, race x DLL) that share their row totals and grand total."""
    rows = draw(st.integers(1, max_rows))
    left = [[draw(cell_counts) for _ in range(2)] for _ in range(rows)]
    # The second table's rows must add up to the same race totals: split each total at random
    right = []
    for row in left:
        first = draw(st.integers(0, sum(row)))
        right.append([first, sum(row) - first])
    _, row_total, _, grand, relations = table_layout(rows, 2)
    offset = grand + 1
    right_cell = [[offset + 2 * r + c for c in range(2)] for r in range(rows)]
    right_total = [offset + 2 * rows, offset + 2 * rows + 1]
    values = table_values(left) + [count for row in right for count in row]
    values += [sum(row[c] for row in right) for c in range(2)]
    relations += [Relation(row_total[r], tuple(right_cell[r])) for r in range(rows)]
    relations += [Relation(right_total[c], tuple(right_cell[r][c] for r in range(rows))) for c in range(2)]
    relations.append(Relation(grand, tuple(right_total)))
    return values, relations


@settings(deadline=None)
@given(linked_problems())
def test_linked_tables_are_safe(problem: tuple[list[int], list[Relation]]) -> None:
    values, relations = problem
    assert all(values[r.total] == sum(values[p] for p in r.parts) for r in relations)
    assert_safe(values, relations, suppress(values, relations), DEFAULT_HIGH)


@st.composite
def random_relations(draw: st.DrawFn) -> tuple[list[int], list[Relation], frozenset[int]]:
    """Arbitrary additive relations (not only tables) and an arbitrary hidden set."""
    parts_count = draw(st.integers(1, 7))
    values = [draw(counts) for _ in range(parts_count)]
    relations = []
    for _ in range(draw(st.integers(1, 5))):
        parts = tuple(sorted(draw(st.sets(st.integers(0, parts_count - 1), min_size=1))))
        relations.append(Relation(total=len(values), parts=parts))
        values.append(sum(values[part] for part in parts))
    hidden = draw(st.frozensets(st.integers(0, len(values) - 1)))
    return values, relations, hidden


@settings(deadline=None)
@given(random_relations())
def test_is_determined_agrees_with_an_independent_solver(
    problem: tuple[list[int], list[Relation], frozenset[int]],
) -> None:
    values, relations, hidden = problem
    recoverable = recoverable_by_numpy(values, relations, hidden)
    for index in hidden:
        assert is_determined(values, relations, hidden, index) == (index in recoverable)


@settings(deadline=None)
@given(random_relations())
def test_arbitrary_relations_are_made_safe(problem: tuple[list[int], list[Relation], frozenset[int]]) -> None:
    values, relations, _ = problem
    hidden = suppress(values, relations)
    assert all(index in hidden for index, value in enumerate(values) if is_primary(value))
    assert_hidden_sums_are_wide(values, relations, hidden, DEFAULT_HIGH)
    # Values the relations force to zero stay determined whatever is hidden; every other is protected
    forced_zero = recoverable_by_numpy(values, relations, frozenset(range(len(values))))
    assert recoverable_by_numpy(values, relations, hidden) <= forced_zero
    assert all(values[index] == 0 for index in forced_zero)


# --- Brute force on tiny tables: no hidden small count can be pinned down ----------------------------

tiny_counts = st.one_of(st.integers(0, 12), st.integers(0, 30))


@settings(deadline=None, max_examples=200)
@given(st.lists(tiny_counts, min_size=1, max_size=4), st.integers(2, 10))
def test_in_a_tiny_column_each_hidden_small_count_could_be_anything_from_1_to_high(
    column: list[int], high: int
) -> None:
    values = [*column, sum(column)]
    hidden = suppress_column(column, high=high)
    can_take = values_each_can_take(values, column_relations(len(column)), hidden, high)
    if len(column) not in hidden:  # a published total: each hidden small count keeps the whole 1..high
        assert all(taken == set(range(1, high + 1)) for taken in can_take.values()), can_take
    else:  # a small total caps its small parts: with high 2, 1 and 1 of 2 are given away whatever is hidden
        small_parts = sum(1 for count in column if is_primary(count, high=high))
        assert all(len(taken) >= 2 for taken in can_take.values()) or small_parts >= high, can_take


@settings(deadline=None, max_examples=300)
@given(st.integers(1, 3), st.integers(1, 3), st.data(), st.integers(5, 10))
def test_in_a_tiny_table_every_hidden_small_count_takes_at_least_two_values(
    rows: int, columns: int, data: st.DataObject, high: int
) -> None:
    cells = [[data.draw(tiny_counts) for _ in range(columns)] for _ in range(rows)]
    *_, relations = table_layout(rows, columns)
    values = table_values(cells)
    hidden = suppress(values, relations, high=high)
    can_take = values_each_can_take(values, relations, hidden, high, enough=2)
    assert all(len(taken) >= 2 for taken in can_take.values()), (cells, sorted(hidden), can_take)


@settings(deadline=None, max_examples=300)
@given(linked_problems(max_rows=2, cell_counts=tiny_counts))
def test_in_tiny_linked_tables_every_hidden_small_count_takes_at_least_two_values(
    problem: tuple[list[int], list[Relation]],
) -> None:
    values, relations = problem
    hidden = suppress(values, relations)
    can_take = values_each_can_take(values, relations, hidden, DEFAULT_HIGH, enough=2)
    assert all(len(taken) >= 2 for taken in can_take.values()), (values, sorted(hidden), can_take)


@given(st.lists(st.integers(0, 1000), max_size=10), st.integers(1, 20))
def test_zero_is_never_primary_and_primary_is_exactly_one_to_high(column: list[int], high: int) -> None:
    for value in column:
        assert is_primary(value, high=high) == (1 <= value <= high)
    assert is_primary(0, high=high) is False


# --- Known totals: random tables whose row totals are public elsewhere -------------------------------


@st.composite
def tables_with_known_rows(draw: st.DrawFn) -> tuple[list[int], list[Relation], frozenset[int]]:
    rows, columns = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    cells = [[draw(counts) for _ in range(columns)] for _ in range(rows)]
    _, row_total, _, grand, relations = table_layout(rows, columns)
    known = frozenset(draw(st.sets(st.sampled_from(row_total), min_size=1)))
    if known == set(row_total):
        known |= {grand}  # the sum of known totals is known
    return table_values(cells), relations, known


@settings(deadline=None, max_examples=300)
@given(tables_with_known_rows(), st.integers(1, 10))
def test_with_known_totals_no_hidden_count_can_be_worked_out(
    problem: tuple[list[int], list[Relation], frozenset[int]], high: int
) -> None:
    values, relations, known = problem
    hidden = suppress(values, relations, high=high, known=known)
    # Known values stay shown, every other 1..high count is hidden
    assert not hidden & known
    assert all(index in hidden for index, value in enumerate(values) if is_primary(value, high=high)
               and index not in known)
    # Nothing hidden can be worked out from what is shown plus the known totals (they count as shown), by the
    # independent solver and by the module's own check, except what they give away whatever is hidden
    unavoidable = recoverable_by_numpy(values, relations, frozenset(range(len(values))) - known)
    assert recoverable_by_numpy(values, relations, hidden) <= unavoidable
    assert all(not is_determined(values, relations, hidden, index) for index in hidden - unavoidable)
    assert suppress(values, relations, high=high, known=known) == hidden  # deterministic


@settings(deadline=None, max_examples=150)
@given(st.integers(1, 3), st.integers(2, 3), st.data(), st.integers(5, 10))
def test_in_a_tiny_table_with_known_rows_hidden_small_counts_keep_two_values(
    rows: int, columns: int, data: st.DataObject, high: int
) -> None:
    cells = [[data.draw(tiny_counts) for _ in range(columns)] for _ in range(rows)]
    _, row_total, _, grand, relations = table_layout(rows, columns)
    values = table_values(cells)
    known = frozenset([*row_total, grand])
    hidden = suppress(values, relations, high=high, known=known)
    can_take = values_each_can_take(values, relations, hidden, high, enough=2)
    # Each hidden small count keeps two values, unless the known totals pin it whatever is hidden (a row whose
    # known total is 1)
    everything = values_each_can_take(values, relations, frozenset(range(len(values))) - known, high, enough=2)
    assert all(len(taken) >= min(2, len(everything[index])) for index, taken in can_take.items()), (
        cells, sorted(hidden), can_take)

"""Suppression of small counts (DOMAIN.md §7): worked examples by hand, and properties checked by an
independent solver (numpy's SVD null space) rather than the module's own exact elimination.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def test_several_relations_together_can_give_a_value_away() -> None:
    # Given three small values, each pair of them published in a total with one large value:
    #   57 = A + B + 50, 68 = A + C + 60, 79 = B + C + 70
    values = [3, 4, 5, 50, 60, 70, 57, 68, 79]
    relations = [Relation(6, (0, 1, 3)), Relation(7, (0, 2, 4)), Relation(8, (1, 2, 5))]
    # Every relation hides two values, yet three equations in three unknowns give all three away
    primary = frozenset({0, 1, 2})
    assert all(is_determined(values, relations, primary, index) for index in primary)
    assert recoverable_by_numpy(values, relations, primary) == primary
    # When suppressed, the smallest large value sharing a relation with A (the 50) is hidden as well
    hidden = suppress(values, relations)
    assert hidden == {0, 1, 2, 3}
    assert recoverable_by_numpy(values, relations, hidden) == set()


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
def linked_problems(draw: st.DrawFn) -> tuple[list[int], list[Relation]]:
    """Two tables (race x gender, race x DLL) that share their row totals and grand total."""
    rows = draw(st.integers(1, 4))
    left = [[draw(counts) for _ in range(2)] for _ in range(rows)]
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
    # Values the relations force to zero stay determined whatever is hidden; every other is protected
    forced_zero = recoverable_by_numpy(values, relations, frozenset(range(len(values))))
    assert recoverable_by_numpy(values, relations, hidden) <= forced_zero
    assert all(values[index] == 0 for index in forced_zero)


@given(st.lists(st.integers(0, 1000), max_size=10), st.integers(1, 20))
def test_zero_is_never_primary_and_primary_is_exactly_one_to_high(column: list[int], high: int) -> None:
    for value in column:
        assert is_primary(value, high=high) == (1 <= value <= high)
    assert is_primary(0, high=high) is False

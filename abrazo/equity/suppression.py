"""Publishing counts of children safely (DOMAIN.md §7). Pure: no Django.

Primary suppression hides every count of children from 1 to `high` (zero may be shown).
Complementary suppression then hides more cells until no hidden count can be worked out from the
published ones by adding and subtracting. A published set of counts is described as a list of
values and a list of additive relations `total = sum(parts)` (a row total, a column total, a
grand total, or a total shared by linked tables such as race x gender and race alone), so that one
algorithm serves a single column, a two-way table with margins and several linked tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

DEFAULT_HIGH = 10


@dataclass(frozen=True)
class Relation:
    total: int  # index of the total in the values list
    parts: tuple[int, ...]  # indexes of the values that add up to it


def is_primary(count: int, *, high: int = DEFAULT_HIGH) -> bool:
    """Whether a count of children must be hidden on its own account (1..high)."""
    return 1 <= count <= high


def _members(relation: Relation) -> tuple[int, ...]:
    return (relation.total, *relation.parts)


def _coefficients(relation: Relation) -> dict[int, int]:
    """The relation as `total - sum(parts) = 0`; an index listed twice adds up (it is one unknown)."""
    coefficients: dict[int, int] = {relation.total: 1}
    for part in relation.parts:
        coefficients[part] = coefficients.get(part, 0) - 1
    return {index: value for index, value in coefficients.items() if value}


def _check(values: Sequence[int], relations: Sequence[Relation]) -> None:
    for relation in relations:
        for index in _members(relation):
            if not 0 <= index < len(values):
                raise ValueError(f"relation {relation} refers to value {index}, but there are {len(values)} values")


def _determined_hidden(relations: Sequence[Relation], hidden: frozenset[int]) -> frozenset[int]:
    """The hidden values a reader can work out from the published ones, by exact linear algebra.

    Moving the published members of every relation to the right-hand side leaves a linear system in
    the hidden values. A hidden value is determined exactly when its unit vector lies in the row space
    of that system, that is when every solution of the homogeneous system has it at zero. In reduced
    row echelon form that holds for a pivot column whose row has no other entry (any other entry sits
    in a free column, and the free columns span the null space). Fractions keep the arithmetic exact;
    rows are kept sparse because a relation touches few of the values of a large table.
    """
    pivots: dict[int, dict[int, Fraction]] = {}  # pivot column -> its row, fully reduced, pivot entry 1
    for relation in relations:
        row = {index: Fraction(value) for index, value in _coefficients(relation).items() if index in hidden}
        # Rows already in the basis have zeros in each other's pivot columns, so removing one pivot
        # column from the new row never brings back another.
        for column in [column for column in row if column in pivots]:
            factor = row.get(column)
            if factor:
                _add_multiple(row, pivots[column], -factor)
        if not row:
            continue  # a consequence of the relations already seen
        column = min(row)
        lead = row[column]
        row = {index: value / lead for index, value in row.items()}
        for other in pivots.values():
            factor = other.get(column)
            if factor:
                _add_multiple(other, row, -factor)
        pivots[column] = row
    return frozenset(column for column, row in pivots.items() if len(row) == 1)


def _add_multiple(target: dict[int, Fraction], source: dict[int, Fraction], factor: Fraction) -> None:
    """target += factor * source, dropping entries that become zero (sparse rows)."""
    for index, value in source.items():
        updated = target.get(index, Fraction(0)) + factor * value
        if updated:
            target[index] = updated
        else:
            target.pop(index, None)


def _preference(values: Sequence[int], index: int) -> tuple[bool, int, int]:
    """Which published value to hide first: a nonzero one (hiding a zero protects little, as a reader
    can guess it), the smallest (losing the least information), then the first, so results are stable."""
    return (values[index] == 0, values[index], index)


def _cheapest(values: Sequence[int], candidates: Iterable[int]) -> int | None:
    return min(candidates, key=lambda index: _preference(values, index), default=None)


def suppress(values: Sequence[int], relations: Sequence[Relation], *, high: int = DEFAULT_HIGH) -> frozenset[int]:
    """Indexes of the values to hide: primary cells plus the fewest, smallest complementary cells
    needed so that no hidden value is determined by the published values and the relations.

    The smallest cells are chosen greedily, which is what statistical agencies do by hand; it is not
    guaranteed to be the fewest possible. Only exact derivation (adding and subtracting) is guarded
    against, not the ranges a reader might narrow a hidden count to.
    """
    _check(values, relations)
    hidden = {index for index, value in enumerate(values) if is_primary(value, high=high)}

    # A relation with exactly one hidden member gives it away by subtraction: hide the next smallest.
    # Every pass hides one more value, so this ends after at most len(values) passes.
    while True:
        exposed = next(
            (
                members
                for members in (set(_members(relation)) for relation in relations)
                if len(members) > 1 and len(members & hidden) == 1
            ),
            None,
        )
        if exposed is None:
            break
        # Never None: the relation has more than one member and only one of them is hidden.
        choice = _cheapest(values, exposed - hidden)
        if choice is None:
            break
        hidden.add(choice)

    # Several relations together can still pin a value down (a hidden cell recovered from a row and a
    # column). Hide more until linear algebra finds nothing determined; again one more value per pass.
    # Values the relations alone force to zero (determined even with everything hidden) are left out:
    # no amount of hiding protects them, and zero may be shown anyway.
    forced_zero: frozenset[int] | None = None  # worked out only when needed: it is the costliest step
    while True:
        determined = _determined_hidden(relations, frozenset(hidden))
        if determined and forced_zero is None:
            forced_zero = _determined_hidden(relations, frozenset(range(len(values))))
        determined -= forced_zero or frozenset()
        if not determined:
            break
        choice = _complement_for(values, relations, frozenset(hidden), determined)
        if choice is None:  # everything that could cover it is hidden already
            break
        hidden.add(choice)
    return frozenset(hidden)


def _complement_for(
    values: Sequence[int], relations: Sequence[Relation], hidden: frozenset[int], determined: frozenset[int]
) -> int | None:
    """The published value to hide next: the most preferred one sharing a relation with a determined
    value that makes it undetermined; failing that, the most preferred one sharing a relation with it;
    failing that, the most preferred published value of all."""
    target = min(determined)
    near = sorted(
        {index for relation in relations if target in _members(relation) for index in _members(relation)} - hidden,
        key=lambda index: _preference(values, index),
    )
    for candidate in near:
        if target not in _determined_hidden(relations, hidden | {candidate}):
            return candidate
    if near:
        return near[0]
    return _cheapest(values, (index for index in range(len(values)) if index not in hidden))


def suppress_column(counts: Sequence[int], *, total: int | None = None, high: int = DEFAULT_HIGH) -> frozenset[int]:
    """A list of counts published with its total (computed when not given): indexes of the counts to
    hide; the index len(counts) stands for the total itself."""
    values = [*counts, sum(counts) if total is None else total]
    return suppress(values, [Relation(total=len(counts), parts=tuple(range(len(counts))))], high=high)


def table_layout(rows: int, columns: int) -> tuple[list[list[int]], list[int], list[int], int, list[Relation]]:
    """Where a two-way table with margins sits in one values list (cells row by row, then the row
    totals, the column totals and the grand total) and its relations, for callers that link a table
    with others: (cell indexes, row total indexes, column total indexes, grand total index, relations)."""
    cell = [[r * columns + c for c in range(columns)] for r in range(rows)]
    row_total = [rows * columns + r for r in range(rows)]
    column_total = [rows * columns + rows + c for c in range(columns)]
    grand = rows * columns + rows + columns
    relations = [Relation(row_total[r], tuple(cell[r])) for r in range(rows)]
    relations += [Relation(column_total[c], tuple(cell[r][c] for r in range(rows))) for c in range(columns)]
    relations += [Relation(grand, tuple(row_total)), Relation(grand, tuple(column_total))]
    return cell, row_total, column_total, grand, relations


@dataclass(frozen=True)
class SuppressedTable:
    cells: list[list[bool]]  # True = hidden
    row_totals: list[bool]
    column_totals: list[bool]
    grand_total: bool


def suppress_table(cells: Sequence[Sequence[int]], *, high: int = DEFAULT_HIGH) -> SuppressedTable:
    """A two-way table published with row, column and grand totals."""
    rows = len(cells)
    columns = len(cells[0]) if rows else 0
    if any(len(row) != columns for row in cells):
        raise ValueError("every row of the table must have the same number of cells")
    cell, row_total, column_total, grand, relations = table_layout(rows, columns)
    values = [count for row in cells for count in row]
    values += [sum(row) for row in cells]
    values += [sum(row[c] for row in cells) for c in range(columns)]
    values.append(sum(values[: rows * columns]))
    hidden = suppress(values, relations, high=high)
    return SuppressedTable(
        cells=[[index in hidden for index in row] for row in cell],
        row_totals=[index in hidden for index in row_total],
        column_totals=[index in hidden for index in column_total],
        grand_total=grand in hidden,
    )


def is_determined(values: Sequence[int], relations: Sequence[Relation], hidden: frozenset[int], index: int) -> bool:
    """Whether hidden value `index` can be worked out exactly from the published values (linear algebra).

    A published value is known, so it counts as determined; `values` only fixes how many there are
    (whether a value can be worked out does not depend on the values themselves)."""
    _check(values, relations)
    if not 0 <= index < len(values):
        raise ValueError(f"no value {index} among {len(values)}")
    if index not in hidden:
        return True
    return index in _determined_hidden(relations, hidden)


def label(high: int = DEFAULT_HIGH) -> str:
    """How a hidden count is shown: '1-10'."""
    return f"1-{high}"

"""Publishing counts of children safely (DOMAIN.md §7). Pure: no Django.

Primary suppression hides every count of children from 1 to `high` (zero may be shown).
Complementary suppression then hides more cells until no hidden count can be worked out from the
published ones by adding and subtracting. A published set of counts is described as a list of
values and a list of additive relations `total = sum(parts)` (a row total, a column total, a
grand total, or a total shared by linked tables such as race x gender and race alone), so that one
algorithm serves a single column, a two-way table with margins and several linked tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_HIGH = 10


@dataclass(frozen=True)
class Relation:
    total: int  # index of the total in the values list
    parts: tuple[int, ...]  # indexes of the values that add up to it


def is_primary(count: int, *, high: int = DEFAULT_HIGH) -> bool:
    """Whether a count of children must be hidden on its own account (1..high)."""
    raise NotImplementedError


def suppress(values: Sequence[int], relations: Sequence[Relation], *, high: int = DEFAULT_HIGH) -> frozenset[int]:
    """Indexes of the values to hide: primary cells plus the fewest, smallest complementary cells
    needed so that no hidden value is determined by the published values and the relations."""
    raise NotImplementedError


def suppress_column(counts: Sequence[int], *, total: int | None = None, high: int = DEFAULT_HIGH) -> frozenset[int]:
    """A list of counts published with its total (computed when not given): indexes of the counts to
    hide; the index len(counts) stands for the total itself."""
    raise NotImplementedError


@dataclass(frozen=True)
class SuppressedTable:
    cells: list[list[bool]]  # True = hidden
    row_totals: list[bool]
    column_totals: list[bool]
    grand_total: bool


def suppress_table(cells: Sequence[Sequence[int]], *, high: int = DEFAULT_HIGH) -> SuppressedTable:
    """A two-way table published with row, column and grand totals."""
    raise NotImplementedError


def is_determined(values: Sequence[int], relations: Sequence[Relation], hidden: frozenset[int], index: int) -> bool:
    """Whether hidden value `index` can be worked out exactly from the published values (linear algebra)."""
    raise NotImplementedError


def label(high: int = DEFAULT_HIGH) -> str:
    """How a hidden count is shown: '1-10'."""
    return f"1-{high}"

"""Publishing counts of children safely (DOMAIN.md §7). Pure: no Django.

Primary suppression hides every count of children from 1 to `high` (zero may be shown).
Complementary suppression then hides more cells until no hidden count can be worked out from the
published ones by adding and subtracting, nor narrowed down from "1 to `high`". A published set of counts is
described as a list of values and a list of additive relations `total = sum(parts)` (a row total, a column
total, a grand total, or a total shared by linked tables such as race x gender and race alone), so that one
algorithm serves a single column, a two-way table with margins and several linked tables.

What a reader is assumed to know: the published values, the relations, which hidden values are counts of
1..high (they read "1-10"), that every count is at least 0, and any value the caller says is known anyway
(published exactly elsewhere: such a value is never hidden, and counts as published). Two rules protect the
hidden ones:

- No exact recovery. No hidden value is a linear consequence of the published ones (checked exactly with
  rational elimination), except values the relations force to zero whatever is hidden, and values the known
  ones give away whatever is hidden.
- No narrowing. A reader can also use the bounds: in a column 1, 1, 50 with total 52 the hidden pair adds up
  to 2, so each is 1; in 1, 2, 60 with total 63 each is 1 or 2. So, for every relation whose total is
  published, the hidden members must add up to 0 or to more than `high`, and, given only that the other
  hidden members are in 1..high (when they read "1-10") or at least 0, each hidden 1..high member could
  still be anything from 1 to `high`. Two hidden cells 10 and 10 with a hidden sum of 20 fail the second
  half (each must be 10). A failing relation gets its smallest published member hidden (nonzero first).
  A relation whose total is hidden says nothing on its own, but that total may be bounded through other
  relations (race totals shared by linked tables under a published grand total: two hidden race totals
  adding up to 10 cap every hidden count in both rows). Exact elimination alone cannot see this: once the
  first rule holds no hidden total is derivable exactly, only bounded. So bounds are also propagated through
  all the relations together, and through the sums derivable by combining them (the rows of the reduced
  system: in a table whose margins tie two hidden cells together, one may say that d = a + 8): each
  relation narrows each member from the others' bounds, until nothing changes. Every hidden 1..high value
  must keep the range it would have if everything were hidden: a hidden total of 1..high caps its 1..high
  parts whatever is done, and that much is allowed. A value narrowed this way gets a published value hidden
  from the relation that narrowed it (for a derived sum, from the relations holding its hidden totals).

Limitations. Propagation is sound (whatever it finds, a reader can find) but not complete: it is not the
linear programme a determined reader could solve over all relations at once. Audited with an integer
programme on 1,500 random tables of up to 5 x 5, no hidden count could be pinned down, while about 1 in 140
could be narrowed by one at an end of its range (1..6 to 2..6); the tests enumerate small tables by brute
force. The reader is assumed to know only that a value hidden as a complement is at least 0: a label that
tells it apart from "1-10" says it is 0 or more than `high`, which narrows the others (a hidden 1 and 11
adding up to 12: the 1 is given away), so label every hidden count alike when that matters. A relation whose
total is larger than its parts (the total also counts an unlisted group) is used as "total >= parts" for
bounds; one whose total is smaller is not used for bounds.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

DEFAULT_HIGH = 10

_Number = int | Fraction  # exact: whole numbers while they stay whole, fractions when they must


@dataclass(frozen=True)
class Relation:
    total: int  # index of the total in the values list
    parts: tuple[int, ...]  # indexes of the values that add up to it


@dataclass(frozen=True)
class Count:
    """A count as published: the number, or hidden with the label that stands in for it."""

    value: int | None  # None when hidden
    label: str = ""

    @property
    def hidden(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return self.label if self.value is None else str(self.value)


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
    in a free column, and the free columns span the null space).
    """
    rows: list[dict[int, _Number]] = [
        {index: value for index, value in _coefficients(relation).items() if index in hidden} for relation in relations
    ]
    return frozenset(column for column, row in _reduced(rows).items() if len(row) == 1)


def _reduced(rows: Iterable[dict[int, _Number]], constant: int | None = None) -> dict[int, dict[int, _Number]]:
    """The reduced row echelon form of sparse rows, as pivot column -> row (pivot entry 1, and zero in every
    other pivot column). Column `constant`, if given, holds the right-hand side: it is never a pivot, and a
    row left with nothing else is dropped (for values that add up it only says 0 = 0). The arithmetic is
    exact: whole numbers stay whole while the pivots are 1 or -1 (always, in tables; much faster than
    fractions), fractions come in only when they must. Rows are kept sparse because a relation touches few
    of the values of a large table.
    """
    pivots: dict[int, dict[int, _Number]] = {}
    for row in rows:
        # Rows already in the basis have zeros in each other's pivot columns, so removing one pivot
        # column from the new row never brings back another.
        for column in [column for column in row if column in pivots]:
            factor = row.get(column)
            if factor:
                _add_multiple(row, pivots[column], -factor)
        candidates = [column for column in row if column != constant]
        if not candidates:
            continue  # a consequence of the relations already seen
        column = min(candidates)
        lead = row[column]
        if lead == -1:
            row = {index: -value for index, value in row.items()}
        elif lead != 1:
            row = {index: Fraction(value) / lead for index, value in row.items()}
        for other in pivots.values():
            factor = other.get(column)
            if factor:
                _add_multiple(other, row, -factor)
        pivots[column] = row
    return pivots


def _add_multiple(target: dict[int, _Number], source: dict[int, _Number], factor: _Number) -> None:
    """target += factor * source, dropping entries that become zero (sparse rows)."""
    for index, value in source.items():
        updated = target.get(index, 0) + factor * value
        if updated:
            target[index] = updated
        else:
            target.pop(index, None)


# --- Bounds a reader can put on hidden values ---------------------------------------------------------
#
# A relation is used as `sum(coefficient * value) = 0` when its values add up ("equal"), as `... >= 0`
# when its total is larger than its parts ("at least": the total also counts an unlisted group, so the parts
# can only be capped by it) and not at all when its total is smaller. Bounds are integers; None above
# means no upper bound.

_EQUAL, _AT_LEAST = "equal", "at least"


@dataclass(frozen=True)
class _Constraint:
    terms: tuple[tuple[int, int], ...]  # (index, coefficient)
    kind: str


def _constraints(values: Sequence[int], relations: Sequence[Relation]) -> list[_Constraint | None]:
    """Each relation as the reader can use it for bounds (None: not at all), in the same order."""
    constraints: list[_Constraint | None] = []
    for relation in relations:
        terms = tuple(_coefficients(relation).items())
        residual = sum(coefficient * values[index] for index, coefficient in terms)
        if residual < 0 or not terms:
            constraints.append(None)
        else:
            constraints.append(_Constraint(terms, _EQUAL if residual == 0 else _AT_LEAST))
    return constraints


def _starting_bounds(values: Sequence[int], hidden: Iterable[int], high: int) -> tuple[list[int], list[int | None]]:
    """A published value is known; a hidden one is 1..high when it reads "1-10", otherwise at least 0."""
    lower: list[int] = list(values)
    upper: list[int | None] = list(values)
    for index in hidden:
        if is_primary(values[index], high=high):
            lower[index], upper[index] = 1, high
        else:
            lower[index], upper[index] = 0, None
    return lower, upper


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def _implied(
    constraint: _Constraint, lower: Sequence[int], upper: Sequence[int | None]
) -> list[tuple[int, int | None, int | None]]:
    """(index, lower, upper) each member of the constraint must lie in given the other members' bounds
    (None: no bound from this constraint); fixed members are skipped.

    For `sum(c * x) = 0` each `c_j * x_j` is minus the sum of the others, so it lies between minus their
    largest and minus their smallest sum; infinite contributions are counted, not added, so the sum of the
    others is the total less one member's part.
    """
    smallest = largest = 0
    minus_infinite = plus_infinite = 0  # members whose contribution is unbounded below / above
    for index, coefficient in constraint.terms:
        least, most = _contribution(coefficient, lower[index], upper[index])
        if least is None:
            minus_infinite += 1
        else:
            smallest += least
        if most is None:
            plus_infinite += 1
        else:
            largest += most
    implied: list[tuple[int, int | None, int | None]] = []
    for index, coefficient in constraint.terms:
        bottom, top = lower[index], upper[index]
        if top == bottom:
            continue
        least, most = _contribution(coefficient, bottom, top)
        # The other members' smallest and largest sums (None: unbounded)
        others_small = None if minus_infinite - (least is None) else smallest - (least or 0)
        others_large = None if plus_infinite - (most is None) else largest - (most or 0)
        # coefficient * x lies in [-others_large, -others_small] (only the first bound for "at least")
        floor_bound = None if others_large is None else -others_large
        ceiling_bound = None if others_small is None or constraint.kind == _AT_LEAST else -others_small
        if coefficient < 0:
            floor_bound, ceiling_bound = ceiling_bound, floor_bound
        new_lower = None if floor_bound is None else _ceil_div(floor_bound, coefficient)
        new_upper = None if ceiling_bound is None else ceiling_bound // coefficient
        implied.append((index, new_lower, new_upper))
    return implied


def _contribution(coefficient: int, bottom: int, top: int | None) -> tuple[int | None, int | None]:
    """The smallest and largest `coefficient * x` for x in [bottom, top] (None: unbounded that way)."""
    if coefficient > 0:
        return coefficient * bottom, None if top is None else coefficient * top
    return None if top is None else coefficient * top, coefficient * bottom


@dataclass
class _Ranges:
    """Bounds on every value, and for each bound the relation that last narrowed it (-1: none did)."""

    lower: list[int]
    upper: list[int | None]
    lower_reason: list[int]
    upper_reason: list[int]


def _propagate(
    values: Sequence[int], constraints: Sequence[_Constraint | None], hidden: Iterable[int], high: int
) -> _Ranges:
    """The bounds a reader gets by narrowing each member of each relation from the others' bounds, over and
    over, until nothing changes. Every step is a valid deduction, so the true values stay inside. Integer
    bounds only move inwards, one unit at least, so this ends; the visit budget only guards against slow
    creeping in odd structures (stopping early leaves valid, if looser, bounds)."""
    lower, upper = _starting_bounds(values, hidden, high)
    ranges = _Ranges(lower, upper, [-1] * len(values), [-1] * len(values))
    containing: list[list[int]] = [[] for _ in values]
    for number, constraint in enumerate(constraints):
        if constraint is not None:
            for index, _ in constraint.terms:
                containing[index].append(number)
    queue = deque(number for number, constraint in enumerate(constraints) if constraint is not None)
    queued = [constraint is not None for constraint in constraints]
    budget = 50 * len(constraints) + 1000
    while queue and budget:
        budget -= 1
        number = queue.popleft()
        queued[number] = False
        constraint = constraints[number]
        assert constraint is not None  # only usable constraints are queued
        for index, new_lower, new_upper in _implied(constraint, lower, upper):
            changed = False
            if new_lower is not None and new_lower > lower[index]:
                lower[index], ranges.lower_reason[index], changed = new_lower, number, True
            current = upper[index]
            if new_upper is not None and (current is None or new_upper < current):
                upper[index], ranges.upper_reason[index], changed = new_upper, number, True
            if changed:
                for other in containing[index]:
                    if not queued[other]:
                        queued[other] = True
                        queue.append(other)
    return ranges


def _derived(
    values: Sequence[int],
    relations: Sequence[Relation],
    constraints: Sequence[_Constraint | None],
    containing: Sequence[Sequence[int]],
    hidden: Iterable[int],
    high: int,
) -> tuple[list[_Constraint], list[tuple[int, ...]]]:
    """Sums a reader can work out by combining relations: the reduced rows of the system in the hidden values,
    each with the published values folded into a constant at index len(values) (whose value is 1), scaled
    to whole coefficients; and, for each, where to hide more to loosen it: the members of the relations
    holding its hidden values other than 1..high counts (such as a hidden total whose parts are published in
    part), or, if it has none, of those holding its values.

    Relation by relation, bounds miss what cancels between relations: from 46 = A + B + C and 46 = A + C + D
    a reader gets B = D, and a bound on D then holds for B. The reduced rows carry such combinations. They
    are one basis among many, so this is a strengthening, not the whole linear programme.
    """
    constant = len(values)
    hidden = set(hidden)
    rows = []
    for constraint in constraints:
        if constraint is None or constraint.kind != _EQUAL:
            continue  # only equalities can be added and subtracted
        row: dict[int, _Number] = {}
        published = 0
        for index, coefficient in constraint.terms:
            if index in hidden:
                row[index] = coefficient
            else:
                published += coefficient * values[index]
        if row:
            if published:
                row[constant] = published
            rows.append(row)
    derived: list[_Constraint] = []
    where: list[tuple[int, ...]] = []
    for row in _reduced(rows, constant).values():
        scale = math.lcm(*(value.denominator for value in row.values()))
        derived.append(_Constraint(tuple((index, int(value * scale)) for index, value in row.items()), _EQUAL))
        unknowns = [index for index in row if index != constant]
        loose = [index for index in unknowns if not is_primary(values[index], high=high)]
        touched = {number for index in loose or unknowns for number in containing[index]}
        where.append(tuple(sorted({member for number in touched for member in _members(relations[number])})))
    return derived, where


def _preference(values: Sequence[int], index: int) -> tuple[bool, int, int]:
    """Which published value to hide first: a nonzero one (hiding a zero protects little, as a reader
    can guess it), the smallest (losing the least information), then the first, so results are stable."""
    return (values[index] == 0, values[index], index)


def _cheapest(values: Sequence[int], candidates: Iterable[int], known: frozenset[int] = frozenset()) -> int | None:
    """The most preferred of the candidates, leaving out values the reader knows anyway (hiding them is no use)."""
    return min((index for index in candidates if index not in known), key=lambda index: _preference(values, index),
               default=None)


def _part_ranges(
    values: Sequence[int], constraint: _Constraint, hidden_members: Iterable[int], high: int
) -> dict[int, tuple[int, int | None]]:
    """The range each hidden 1..high member of one relation keeps, from the other members' bounds alone."""
    lower, upper = _starting_bounds(values, hidden_members, high)
    ranges: dict[int, tuple[int, int | None]] = {}
    for index, new_lower, new_upper in _implied(constraint, lower, upper):
        if is_primary(values[index], high=high):
            top = upper[index]
            if new_upper is not None and (top is None or new_upper < top):
                top = new_upper
            ranges[index] = (lower[index] if new_lower is None else max(lower[index], new_lower), top)
    return ranges


def _relation_at_risk(
    values: Sequence[int], relation: Relation, constraint: _Constraint | None, hidden: set[int], high: int,
    known: frozenset[int] = frozenset(),
) -> bool:
    """Whether one relation, on its own, gives a hidden value away or narrows a hidden 1..high value.

    - exactly one member hidden: subtraction gives it away;
    - total published and the hidden parts adding up to 1..high: with a 1..high part among them, it is
      at most that sum (1, 1, 50 of 52: both 1s are 1);
    - total published and, from the other hidden members' bounds alone, a hidden 1..high part can no
      longer be 1 or no longer be `high` (10 and 10 hidden with a hidden sum of 20: both are 10).

    A total the reader knows anyway (`known`) caps its parts whatever is hidden (a known 3 keeps each part
    within 0..3), so there the last two rules only ask that each hidden 1..high part keep the range it would
    have with every other member that may be hidden hidden.
    """
    members = set(_members(relation))
    hidden_members = members & hidden
    if len(members) > 1 and len(hidden_members) == 1:
        return True
    if relation.total in hidden or not hidden_members:
        return False
    if relation.total in known:
        if constraint is None:
            return False
        widest = _part_ranges(values, constraint, members - known, high)
        return any(widest[index] != found for index, found in
                   _part_ranges(values, constraint, hidden_members, high).items())
    hidden_sum = sum(values[part] for part in relation.parts if part in hidden)
    if 0 < hidden_sum <= high:
        return True
    if constraint is None or not any(is_primary(values[index], high=high) for index in hidden_members):
        return False
    lower, upper = _starting_bounds(values, hidden_members, high)
    return any(
        is_primary(values[index], high=high)
        and ((new_lower is not None and new_lower > 1) or (new_upper is not None and new_upper < high))
        for index, new_lower, new_upper in _implied(constraint, lower, upper)
    )


def _protect_each_relation(
    values: Sequence[int],
    relations: Sequence[Relation],
    constraints: Sequence[_Constraint | None],
    containing: Sequence[Sequence[int]],
    hidden: set[int],
    high: int,
    known: frozenset[int] = frozenset(),
) -> None:
    """Hide values until no relation on its own gives a value away or narrows one (see `_relation_at_risk`),
    always mending the first relation at risk with its most preferred published member that is not known
    anyway. Only relations touching a newly hidden value are checked again: the others cannot have changed."""
    dirty = list(range(len(relations)))  # a heap: the first relation at risk is mended first
    heapq.heapify(dirty)
    waiting = set(dirty)
    while dirty:
        number = dirty[0]
        relation = relations[number]
        if not _relation_at_risk(values, relation, constraints[number], hidden, high, known):
            heapq.heappop(dirty)
            waiting.discard(number)
            continue
        choice = _cheapest(values, (index for index in _members(relation) if index not in hidden), known)
        if choice is None:  # everything in it is hidden already (or known): nothing more to do here
            heapq.heappop(dirty)
            waiting.discard(number)
            continue
        hidden.add(choice)
        for other in containing[choice]:
            if other not in waiting:
                waiting.add(other)
                heapq.heappush(dirty, other)


def _narrowed(
    ranges: _Ranges, widest: _Ranges | None, hidden: Iterable[int], values: Sequence[int], high: int
) -> int | None:
    """The constraint that narrowed the first hidden 1..high value whose range is narrower than it would be
    with everything hidden (`widest`; when not known yet, than 1..high), -1 if no constraint is known; None
    when there is no such value."""
    for index in sorted(hidden):
        if not is_primary(values[index], high=high):
            continue
        top, bottom = (high, 1) if widest is None else (widest.upper[index], widest.lower[index])
        if _is_lower(ranges.upper[index], top):
            return ranges.upper_reason[index]
        if ranges.lower[index] > bottom:
            return ranges.lower_reason[index]
    return None


def _is_lower(bound: int | None, reference: int | None) -> bool:
    return bound is not None and (reference is None or bound < reference)


def _widening_choice(
    values: Sequence[int],
    sources: Sequence[Sequence[int]],
    ranges: _Ranges,
    hidden: set[int],
    reason: int,
    known: frozenset[int] = frozenset(),
) -> int | None:
    """The published value to hide next for a narrowed value: the most preferred published value among those
    of the relation that narrowed it (`sources`: the members of each relation, or for a derived sum those of
    the relations holding its hidden totals); when they are all hidden, among those of the nearest relation,
    following what narrowed their bounds, that has one; failing that, the most preferred published value."""
    seen = {reason}
    queue = deque([reason] if reason >= 0 else [])
    while queue:
        members = sources[queue.popleft()]
        choice = _cheapest(values, (index for index in members if index not in hidden), known)
        if choice is not None:
            return choice
        for index in members:
            for cause in (ranges.lower_reason[index], ranges.upper_reason[index]):
                if cause >= 0 and cause not in seen:
                    seen.add(cause)
                    queue.append(cause)
    return _cheapest(values, (index for index in range(len(values)) if index not in hidden), known)


def _reader_ranges(
    values: Sequence[int],
    relations: Sequence[Relation],
    constraints: Sequence[_Constraint | None],
    containing: Sequence[Sequence[int]],
    hidden: Iterable[int],
    high: int,
) -> tuple[_Ranges, list[tuple[int, ...]]]:
    """The bounds a reader gets from the relations and the sums derivable from them, and for each constraint
    used (relations first, then derived sums) the values whose hiding could loosen it."""
    hidden = list(hidden)
    derived, where = _derived(values, relations, constraints, containing, hidden, high)
    ranges = _propagate([*values, 1], [*constraints, *derived], hidden, high)
    return ranges, [*(_members(relation) for relation in relations), *where]


def suppress(
    values: Sequence[int], relations: Sequence[Relation], *, high: int = DEFAULT_HIGH, known: Iterable[int] = (),
) -> frozenset[int]:
    """Indexes of the values to hide: primary cells plus the fewest, smallest complementary cells
    needed so that no hidden value is determined by the published values and the relations, and no hidden
    1..high value can be narrowed down from 1..high (module docstring).

    `known`: values the reader can read elsewhere (a total published exactly on another page). They are never
    hidden, small or not, since hiding them protects nothing; the complements are chosen among the other
    values, as if the known ones were published here. What the known values give away whatever is hidden (a
    known total of 3 caps its parts at 3; a known total with one other part) cannot be helped, and is allowed,
    as narrowing that is unavoidable is.

    The smallest cells are chosen greedily, which is what statistical agencies do by hand; it is not
    guaranteed to be the fewest possible. Hiding more never lets a reader learn more, but it can leave a
    relation with a single hidden member, so the checks are repeated, cheapest first, until all hold
    together; each round hides one more value, so this ends.
    """
    _check(values, relations)
    fixed = frozenset(known)
    if any(not 0 <= index < len(values) for index in fixed):
        raise ValueError(f"a known value is not among the {len(values)} values")
    hidden = {index for index, value in enumerate(values) if is_primary(value, high=high) and index not in fixed}
    hideable = frozenset(range(len(values))) - fixed
    constraints = _constraints(values, relations)
    containing: list[list[int]] = [[] for _ in values]
    for number, relation in enumerate(relations):
        for index in set(_members(relation)):
            containing[index].append(number)

    # Worked out only when needed (the costliest steps): values determined even with everything that may be
    # hidden hidden (no amount of hiding protects them: the relations force them to zero, and zero may be shown
    # anyway, or the known values give them away), and the ranges a reader would get with everything that may
    # be hidden hidden (narrowing that is unavoidable).
    forced: frozenset[int] | None = None
    widest: _Ranges | None = None
    while True:
        # A relation on its own: one hidden member given away by subtraction, or hidden parts narrowed.
        _protect_each_relation(values, relations, constraints, containing, hidden, high, fixed)

        # Several relations together can still pin a value down (a hidden cell recovered from a row and a
        # column).
        determined = _determined_hidden(relations, frozenset(hidden))
        if determined and forced is None:
            forced = _determined_hidden(relations, hideable)
        determined -= forced or frozenset()
        if determined:
            choice = _complement_for(values, relations, frozenset(hidden), determined, fixed)
            if choice is not None:  # None: everything that could cover it is hidden already
                hidden.add(choice)
                continue

        # ...or narrow one down, through totals that are hidden but bounded by other relations, or through sums
        # derived by combining relations.
        ranges, sources = _reader_ranges(values, relations, constraints, containing, hidden, high)
        narrowed = _narrowed(ranges, widest, hidden, values, high)
        if narrowed is not None and widest is None:  # narrowed from 1..high, but is that avoidable?
            widest, _ = _reader_ranges(values, relations, constraints, containing, hideable, high)
            narrowed = _narrowed(ranges, widest, hidden, values, high)
        if narrowed is None:
            break
        choice = _widening_choice(values, sources, ranges, hidden, narrowed, fixed)
        if choice is None:
            break
        hidden.add(choice)
    return frozenset(hidden)


def _complement_for(
    values: Sequence[int], relations: Sequence[Relation], hidden: frozenset[int], determined: frozenset[int],
    known: frozenset[int] = frozenset(),
) -> int | None:
    """The published value to hide next (never a known one): the most preferred one sharing a relation with a
    determined value that makes it undetermined; failing that, the most preferred one sharing a relation with
    it; failing that, the most preferred published value of all."""
    target = min(determined)
    near = sorted(
        {index for relation in relations if target in _members(relation) for index in _members(relation)}
        - hidden - known,
        key=lambda index: _preference(values, index),
    )
    for candidate in near:
        if target not in _determined_hidden(relations, hidden | {candidate}):
            return candidate
    if near:
        return near[0]
    return _cheapest(values, (index for index in range(len(values)) if index not in hidden), known)


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

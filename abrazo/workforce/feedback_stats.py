"""Percentages by question for satisfaction and feedback surveys (issue 6, DOMAIN.md §7 and §10). Pure: no Django.

For each rated question of a survey, over a set of completed answers:

- n: the people who chose an answer that counts. A blank answer is a skipped question, and an answer with a
  code the instrument marks as "does not apply" (a missing code) is counted apart, as not applicable: neither
  lowers nor raises a percentage;
- for each counted choice, how many chose it and its percentage of n;
- for a five-point agreement question (codes 1-5), how many agree or strongly agree (4 or 5) and the
  percentage.

Published for evaluators, the counts are suppressed (equity.suppression): every count of 1 to `high` people
is hidden, and more counts are hidden so that no hidden one can be worked out from n, which is the sum of
the choices. "Agree" is shown only when both of its choices are, so it adds nothing a reader could not add up
(publishing it beside hidden choices would tie them together, and the suppression would then have to hide n
and withhold the whole question). A question whose n is hidden is withheld: no count, no percentage. A
percentage is shown only when its count and n are. "Does not apply" is hidden when small; the number of
people who answered the survey at all is published alone (hidden when small). Neither is tied to n by an
equation a reader knows, since how many skipped a question is not published.

`publish_suppressed` publishes one set of answers on its own; `publish_cells` publishes several cells that add
up (the network and its regions, or the network and its cohorts) from one suppression over all of them, which is
what readers who may choose among the cells get (see the section below).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from abrazo.equity import suppression
from abrazo.equity.suppression import Count

AGREEMENT_CODES = frozenset({"1", "2", "3", "4", "5"})
AGREE_CODES = frozenset({"4", "5"})


@dataclass(frozen=True)
class Question:
    """One rated question as the survey offers it, in the reader's language."""

    key: str
    label: str
    choices: tuple[tuple[str, str], ...]  # (code, label) in the order offered, "does not apply" included
    missing_codes: frozenset[str] = frozenset()  # codes meaning "does not apply"

    @property
    def counted_codes(self) -> tuple[str, ...]:
        return tuple(code for code, _label in self.choices if code not in self.missing_codes)

    @property
    def agree_codes(self) -> frozenset[str]:
        """The codes that count as agreeing: 4 and 5 of a five-point agreement scale; none otherwise."""
        return AGREE_CODES if set(self.counted_codes) == AGREEMENT_CODES else frozenset()


def code_of(value: Any) -> str | None:
    """An answer as a choice code ("4" from "4", 4, 4.0 or " 4 "); None for a blank answer."""
    if value is None or isinstance(value, bool | list | tuple | dict):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
        text = text[:-2]
    return text or None


def percent(count: int, n: int) -> float | None:
    """count as a percentage of n; None when nobody answered."""
    return 100 * count / n if n else None


@dataclass(frozen=True)
class ChoiceCount:
    code: str
    label: str
    count: int
    percent: float | None


@dataclass(frozen=True)
class QuestionResult:
    key: str
    label: str
    n: int  # answered with a choice that counts
    not_applicable: int  # answered "does not apply"
    skipped: int  # left blank, or answered with a code the question does not offer
    choices: tuple[ChoiceCount, ...]  # the counted choices, in the order offered
    agree: int | None  # None: not an agreement question
    agree_percent: float | None


@dataclass(frozen=True)
class Results:
    respondents: int
    questions: tuple[QuestionResult, ...]


def tally_question(question: Question, answers: Sequence[Mapping[str, Any]]) -> QuestionResult:
    counted = question.counted_codes
    counts = dict.fromkeys(counted, 0)
    not_applicable = skipped = 0
    for answer in answers:
        code = code_of(answer.get(question.key))
        if code in counts:
            counts[code] += 1
        elif code is not None and code in question.missing_codes:
            not_applicable += 1
        else:
            skipped += 1
    n = sum(counts.values())
    labels = dict(question.choices)
    agree_codes = question.agree_codes
    agree = sum(counts[code] for code in agree_codes) if agree_codes else None
    return QuestionResult(
        key=question.key, label=question.label, n=n, not_applicable=not_applicable, skipped=skipped,
        choices=tuple(ChoiceCount(code, labels[code], counts[code], percent(counts[code], n)) for code in counted),
        agree=agree, agree_percent=percent(agree, n) if agree is not None else None,
    )


def tally(questions: Iterable[Question], answers: Iterable[Mapping[str, Any]]) -> Results:
    """Every question's counts and percentages over the answers (one mapping of item key -> answer each)."""
    rows = list(answers)
    return Results(respondents=len(rows), questions=tuple(tally_question(question, rows) for question in questions))


# --- as published ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedChoice:
    code: str
    label: str
    count: Count
    percent: float | None  # None: nobody answered, or hidden with its count


@dataclass(frozen=True)
class PublishedQuestion:
    key: str
    label: str
    n: Count
    not_applicable: Count
    choices: tuple[PublishedChoice, ...]
    agree: Count | None  # None: not an agreement question
    agree_percent: float | None
    withheld: bool = False  # suppressed sight: n is hidden, so nothing of the question is shown


@dataclass(frozen=True)
class Published:
    respondents: Count
    questions: tuple[PublishedQuestion, ...]
    exact: bool
    high: int  # counts 1..high are hidden in the suppressed sight


def publish_exact(results: Results, *, high: int = suppression.DEFAULT_HIGH) -> Published:
    """Every figure as it is: for staff who may see exact counts."""
    return Published(
        respondents=Count(results.respondents),
        questions=tuple(
            PublishedQuestion(
                key=row.key, label=row.label, n=Count(row.n), not_applicable=Count(row.not_applicable),
                choices=tuple(PublishedChoice(c.code, c.label, Count(c.count), c.percent) for c in row.choices),
                agree=Count(row.agree) if row.agree is not None else None, agree_percent=row.agree_percent,
            )
            for row in results.questions
        ),
        exact=True, high=high,
    )


def _suppress_question(row: QuestionResult, *, high: int, hidden_label: str) -> PublishedQuestion:
    """One question's counts as an evaluator may see them (module docstring)."""
    values = [choice.count for choice in row.choices]
    n_index = len(values)
    values.append(row.n)
    hidden = set(suppression.suppress(values, [suppression.Relation(n_index, tuple(range(n_index)))], high=high))
    return _published_question(row, hidden=hidden,
                               not_applicable_hidden=suppression.is_primary(row.not_applicable, high=high),
                               hidden_label=hidden_label)


def _published_question(row: QuestionResult, *, hidden: set[int], not_applicable_hidden: bool,
                        hidden_label: str) -> PublishedQuestion:
    """A question with the counts at `hidden` replaced by the label: the choices by their index, n at
    len(choices). A hidden n withholds the whole question."""
    values = [*(choice.count for choice in row.choices), row.n]
    n_index = len(row.choices)
    withheld = n_index in hidden
    if withheld:
        hidden = set(range(len(values)))

    def shown(index: int) -> Count:
        return Count(None, hidden_label) if index in hidden else Count(values[index])

    def share(index: int, pct: float | None) -> float | None:
        return None if index in hidden else pct

    agree: Count | None = None
    agree_percent = None
    if row.agree is not None:
        parts = [index for index, choice in enumerate(row.choices) if choice.code in AGREE_CODES]
        agree_hidden = any(index in hidden for index in parts)
        agree = Count(None, hidden_label) if agree_hidden else Count(row.agree)
        agree_percent = None if agree_hidden else row.agree_percent
    not_applicable = Count(None, hidden_label) if withheld or not_applicable_hidden else Count(row.not_applicable)
    return PublishedQuestion(
        key=row.key, label=row.label, n=shown(n_index), not_applicable=not_applicable,
        choices=tuple(PublishedChoice(choice.code, choice.label, shown(index), share(index, choice.percent))
                      for index, choice in enumerate(row.choices)),
        agree=agree, agree_percent=agree_percent, withheld=withheld,
    )


def publish_suppressed(results: Results, *, high: int = suppression.DEFAULT_HIGH,
                       hidden_label: str = "hidden") -> Published:
    """The figures an evaluator may see: small counts hidden, and what would give them away (module docstring)."""
    respondents = (Count(None, hidden_label) if suppression.is_primary(results.respondents, high=high)
                   else Count(results.respondents))
    return Published(
        respondents=respondents,
        questions=tuple(_suppress_question(row, high=high, hidden_label=hidden_label) for row in results.questions),
        exact=False, high=high,
    )


# --- fixed cells, suppressed together ----------------------------------------------------------------------
#
# Published results a reader can choose among must not be subtracted from each other: the whole network minus
# every region but one is that region, so a count hidden in the region's results but published in the others
# would come back. So the suppressed sight offers fixed cells only (the network, one region, one cohort) for one
# whole period, and every cell of the period is suppressed in one system, in which each cell's counts add up
# from the finest cells (the leaves: a cohort for training feedback, a region otherwise), question by question,
# and n is the sum of the choices. Whatever cell the reader picks, its hidden counts are those of that one
# system, so no combination of cells gives one away. Every leaf is in the system even when it is not offered,
# since it could be worked out as a difference.

NETWORK_CELL = "network"
CELLS_VERSION = 1
Remember = Callable[[str, Callable[[], list[int]]], list[int]]


class _Cells:
    """Counts of every cell, and the relations a reader knows between them."""

    def __init__(self, layout: Mapping[str, Sequence[str]]) -> None:
        self.layout = layout
        self.values: list[int] = []
        self.relations: list[suppression.Relation] = []

    def add(self, value: int) -> int:
        self.values.append(value)
        return len(self.values) - 1

    def relate_across(self, positions: Mapping[str, int]) -> None:
        """A measure of each cell (its position in `positions`) is the sum of the same measure of its leaves."""
        for cell, leaves in self.layout.items():
            if tuple(leaves) != (cell,) and leaves:
                self.relations.append(suppression.Relation(positions[cell], tuple(positions[leaf] for leaf in leaves)))

    def hidden(self, *, high: int, remember: Remember | None) -> set[int]:
        def compute() -> list[int]:
            return sorted(suppression.suppress(self.values, self.relations, high=high))

        if remember is None:
            return set(compute())
        text = repr((CELLS_VERSION, high, self.values, [(r.total, r.parts) for r in self.relations]))
        return set(remember(hashlib.sha256(text.encode()).hexdigest(), compute))


def publish_cells(
    questions: Sequence[Question], answers_by_leaf: Mapping[str, Sequence[Mapping[str, Any]]],
    layout: Mapping[str, Sequence[str]], *, high: int = suppression.DEFAULT_HIGH, hidden_label: str = "hidden",
    remember: Remember | None = None,
) -> dict[str, Published]:
    """Every cell's suppressed results, from one suppression per question (and one for the number of surveys)
    over all the cells together (see above). `layout`: each cell and the leaves it adds up (a leaf lists itself;
    every leaf must be a cell). `remember(fingerprint, compute)` may return a kept answer instead of computing."""
    for cell, leaves in layout.items():
        if any(tuple(layout.get(leaf, ())) != (leaf,) for leaf in leaves):
            raise ValueError(f"cell {cell!r}: every leaf must be a cell of its own")
    results = {cell: tally(questions, [answer for leaf in leaves for answer in answers_by_leaf.get(leaf, ())])
               for cell, leaves in layout.items()}

    people = _Cells(layout)
    respondents = {cell: people.add(result.respondents) for cell, result in results.items()}
    people.relate_across(respondents)
    hidden_people = people.hidden(high=high, remember=remember)

    hidden_rows: dict[str, list[tuple[set[int], bool]]] = {cell: [] for cell in layout}
    for number in range(len(questions)):
        system = _Cells(layout)
        where: dict[str, tuple[list[int], int, int]] = {}
        for cell, result in results.items():
            row = result.questions[number]
            choices = [system.add(choice.count) for choice in row.choices]
            n = system.add(row.n)
            system.relations.append(suppression.Relation(n, tuple(choices)))
            where[cell] = (choices, n, system.add(row.not_applicable))
        for measure in range(len(questions[number].counted_codes)):
            system.relate_across({cell: spots[0][measure] for cell, spots in where.items()})
        system.relate_across({cell: spots[1] for cell, spots in where.items()})
        system.relate_across({cell: spots[2] for cell, spots in where.items()})
        hidden = system.hidden(high=high, remember=remember)
        for cell, (choices, n, not_applicable) in where.items():
            local = {index for index, spot in enumerate([*choices, n]) if spot in hidden}
            hidden_rows[cell].append((local, not_applicable in hidden))

    return {
        cell: Published(
            respondents=Count(None, hidden_label) if respondents[cell] in hidden_people
            else Count(result.respondents),
            questions=tuple(
                _published_question(row, hidden=local, not_applicable_hidden=not_applicable, hidden_label=hidden_label)
                for row, (local, not_applicable) in zip(result.questions, hidden_rows[cell], strict=True)
            ),
            exact=False, high=high,
        )
        for cell, result in results.items()
    }

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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
    not_applicable = (Count(None, hidden_label) if withheld or suppression.is_primary(row.not_applicable, high=high)
                      else Count(row.not_applicable))
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

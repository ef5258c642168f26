"""Totals of scores-only instruments that are the sum of entered subscales. Pure: no Django.

A licensed tool's total is typed in from the licensee's scoring like its subscales, so Abrazo keeps what was
typed. When the network marks the total as the sum of named subscales (`Scale.sum_of`), a total left blank
is added up from them, and a typed total that disagrees with them is refused: one of the two was copied
wrong. A total is only added up or checked when every one of its subscales holds a number; with a subscale
missing, nothing can be said about it (the licensee may prorate).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Entered scores are typed with a few decimals at most (CLASS means); sums of them agree far closer than this.
TOLERANCE = 1e-6


def number(value: Any) -> float | None:
    """A finite number from what was typed ("57", "3.5", "3,5" with a decimal comma); None otherwise."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip().replace(",", ".")
    if not text:
        return None
    try:
        parsed = float(text)
    except ValueError:
        return None
    return parsed if math.isfinite(parsed) else None


def number_text(value: float) -> str:
    """A sum as a person writes it: 57, 12.5; binary noise such as 0.30000000000000004 rounded away."""
    rounded = round(value, 6)
    if rounded == 0:
        return "0"
    text = f"{rounded:.6f}".rstrip("0").rstrip(".")
    return text


@dataclass(frozen=True)
class TotalMismatch:
    """A typed total that is not the sum of its subscales."""

    key: str  # the total's key
    typed: str  # as typed
    expected: float  # the subscales' sum


def sum_of_parts(parts: Sequence[str], answers: Mapping[str, Any]) -> float | None:
    """The sum of the parts' entered numbers, or None when any part is blank or not a number."""
    total = 0.0
    for key in parts:
        value = number(answers.get(key))
        if value is None:
            return None
        total += value
    return total


def fill_totals(totals: Mapping[str, Sequence[str]], answers: Mapping[str, Any]) -> tuple[dict[str, Any],
                                                                                          list[TotalMismatch]]:
    """The answers with each blank total filled in with its parts' sum, and the typed totals that disagree.

    `totals` maps a total's key to the keys of the scores it is the sum of. Values that are not numbers are
    left as they are (whoever judges the answers says so)."""
    filled = dict(answers)
    mismatches = []
    for key, parts in totals.items():
        expected = sum_of_parts(parts, answers)
        if expected is None:
            continue
        typed_text = "" if answers.get(key) is None else str(answers.get(key)).strip()
        if not typed_text:
            filled[key] = number_text(expected)
            continue
        typed = number(typed_text)
        if typed is not None and not math.isclose(typed, expected, rel_tol=0.0, abs_tol=TOLERANCE):
            mismatches.append(TotalMismatch(key=key, typed=typed_text, expected=expected))
    return filled, mismatches

"""Scoring of outcome measures (DOMAIN.md §8). Pure: no Django, plain frozen data in, plain data out.

An `InstrumentSpec` is either **item-scored** (items, subscales computed from them) or **scores-only**
(licensed tools such as DECA, ASQ:SE-2, TPOT, CLASS, where only subscale/total scores are entered). Either
kind may add composites (a total as the sum or mean of subscales), cut-off bands and a normative lookup
table supplied by the licensee.

Two entry points give the same answers:

- `score(spec, answers, age_months=...)` scores one administration;
- `score_many(spec, matrix, ages=...)` scores a batch with numpy: rows are administrations, columns are
  `spec.columns` (items, or entered scores for a scores-only instrument) in spec order, NaN is missing.

Rules, written once here so the UI, exports and documentation agree:

- Reverse scoring: reversed value = min + max - value (min and max of the item's range or codes).
- Prorating: a subscale is scored when at most `floor(n_items * max_missing_share)` items are missing.
  A sum is prorated as sum of answered x n_items / n_answered; a mean is the mean of the answered items.
  With no item missing the raw score is the plain sum or mean (`prorated` is False). A subscale with no
  answered item is never scored.
- Bands and norm rows are ordered, non-overlapping ranges with *inclusive* edges, as manuals print them
  ("0-13", "14-26"). A score can fall between two printed ranges only when it is not a whole number (a
  prorated sum, a mean); it then belongs to the range whose edge is nearer, and exactly half-way goes to
  the upper range (so 13.5 is "14-26", 13.4 is "0-13"). Below the first or above the last range: no band.
- Norm tables may be split by age band in whole months (inclusive); ages are completed months (floored).

Sums are accumulated item by item in spec order in both entry points, so results agree to the last bit.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import Literal

import numpy as np
import numpy.typing as npt

Method = Literal["sum", "mean"]
METHODS: tuple[str, ...] = ("sum", "mean")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


# --- errors ------------------------------------------------------------------------------------------


class SpecError(ValueError):
    """An instrument definition that cannot be scored; the message names the place, e.g. `subscales[2].items`."""


class AnswerError(ValueError):
    """An answer that cannot be scored. The fields let the UI say it in the user's language; the message is
    English for logs. `row` is the administration's row in `score_many` (None for `score`)."""

    code = "invalid_answer"

    def __init__(
        self,
        *,
        item: str,
        value: object,
        minimum: float | None = None,
        maximum: float | None = None,
        allowed: tuple[float, ...] | None = None,
        whole_numbers: bool = False,
        row: int | None = None,
    ) -> None:
        self.item = item
        self.value = value
        self.minimum = minimum
        self.maximum = maximum
        self.allowed = allowed
        self.whole_numbers = whole_numbers
        self.row = row
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f"row {self.row}: " if self.row is not None else ""
        return f"{where}{self.item}: {_format_value(self.value)} is not a valid answer"


class AnswerOutOfRange(AnswerError):
    """The value is not a number in the item's (or entered score's) allowed range or set of codes."""

    code = "out_of_range"

    def _describe(self) -> str:
        where = f"row {self.row}: " if self.row is not None else ""
        if self.allowed is not None:
            codes = ", ".join(_format_number(code) for code in self.allowed)
            return f"{where}{self.item}: {_format_value(self.value)} is not one of the allowed codes {codes}"
        kind = "a whole number" if self.whole_numbers else "a number"
        return (
            f"{where}{self.item}: {_format_value(self.value)} is not {kind} from "
            f"{_format_number(self.minimum)} to {_format_number(self.maximum)}"
        )


class UnknownAnswer(AnswerError):
    """An answer for a key the instrument does not have (a typo, or answers meant for another instrument)."""

    code = "unknown_item"

    def _describe(self) -> str:
        where = f"row {self.row}: " if self.row is not None else ""
        return f"{where}{self.item}: the instrument has no such item"


def _format_value(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return _format_number(value)
    return repr(value)


def _format_number(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# --- reason codes ------------------------------------------------------------------------------------


class Unscored:
    """Why a raw score is None (stable codes: files and the API carry them)."""

    NO_ANSWERS = "no_answers"  # not a single item of the subscale answered
    TOO_MANY_MISSING = "too_many_missing"  # more items missing than prorating allows
    NOT_ENTERED = "not_entered"  # scores-only instrument: this score was left blank
    PART_UNSCORED = "part_unscored"  # a composite one of whose parts has no score


class NoNorm:
    """Why a scored scale has no standard score/percentile although it has a norm table."""

    AGE_REQUIRED = "age_required"  # the table is split by age and no age was given
    AGE_OUTSIDE = "age_outside_norms"  # no age band of the table covers the child's age
    RAW_OUTSIDE = "raw_outside_norms"  # the age band's rows do not cover the raw score


# Index 0 is "no reason"; score_many stores these indexes in small integer arrays.
_UNSCORED_CODES: tuple[str | None, ...] = (
    None, Unscored.NO_ANSWERS, Unscored.TOO_MANY_MISSING, Unscored.NOT_ENTERED, Unscored.PART_UNSCORED,
)
_NO_NORM_CODES: tuple[str | None, ...] = (None, NoNorm.AGE_REQUIRED, NoNorm.AGE_OUTSIDE, NoNorm.RAW_OUTSIDE)


# --- definitions -------------------------------------------------------------------------------------


def _finite(value: float, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SpecError(f"{where}: must be a finite number")
    return float(value)


@dataclass(frozen=True)
class Item:
    """One scored question. Either a range (`minimum`..`maximum`, whole numbers unless `whole_numbers` is
    False) or a set of allowed `codes`. `missing_codes` (e.g. 9 = "declined") are read as missing."""

    key: str
    minimum: float | None = None
    maximum: float | None = None
    codes: frozenset[float] | None = None
    reverse: bool = False
    whole_numbers: bool = True
    missing_codes: frozenset[float] = frozenset()

    def __post_init__(self) -> None:
        where = f"item {self.key}"
        if not self.key:
            raise SpecError("item: the key is empty")
        if self.codes is not None:
            if self.minimum is not None or self.maximum is not None:
                raise SpecError(f"{where}: give either a range or codes, not both")
            if not self.codes:
                raise SpecError(f"{where}: codes: empty")
            for code in self.codes:
                _finite(code, f"{where}: codes")
        else:
            if self.minimum is None or self.maximum is None:
                raise SpecError(f"{where}: give a range (minimum and maximum) or codes")
            if _finite(self.minimum, f"{where}: minimum") > _finite(self.maximum, f"{where}: maximum"):
                raise SpecError(f"{where}: minimum is above maximum")
        for code in self.missing_codes:
            _finite(code, f"{where}: missing_codes")
        if self.codes is not None and self.codes & self.missing_codes:
            raise SpecError(f"{where}: a code cannot be both allowed and missing")

    @cached_property
    def low(self) -> float:
        return float(min(self.codes)) if self.codes is not None else float(self.minimum)  # type: ignore[arg-type]

    @cached_property
    def high(self) -> float:
        return float(max(self.codes)) if self.codes is not None else float(self.maximum)  # type: ignore[arg-type]

    @property
    def sorted_codes(self) -> tuple[float, ...] | None:
        return tuple(sorted(float(code) for code in self.codes)) if self.codes is not None else None

    def reversed_value(self, value: float) -> float:
        return self.low + self.high - value if self.reverse else value

    def is_allowed(self, value: float) -> bool:
        if self.codes is not None:
            return value in self.codes
        if not self.low <= value <= self.high:
            return False
        return not self.whole_numbers or float(value).is_integer()


class _Banded:
    """Band lookup thresholds, computed once per definition (cached_property writes the instance dict
    directly, which a frozen dataclass allows)."""

    bands: tuple[Band, ...]

    @cached_property
    def band_thresholds(self) -> tuple[list[float], float] | None:
        return _thresholds([(band.low, band.high) for band in self.bands]) if self.bands else None


@dataclass(frozen=True)
class Band:
    """A cut-off range with inclusive edges, e.g. Band("moderate", 14, 26). `label` is a key the UI translates."""

    label: str
    low: float
    high: float


@dataclass(frozen=True)
class NormRow:
    """Raw scores `raw_low`..`raw_high` (inclusive) -> a standard score and/or a percentile."""

    raw_low: float
    raw_high: float
    standard_score: float | None = None
    percentile: float | None = None


@dataclass(frozen=True)
class NormAgeBand:
    """The rows that apply to children aged `min_months`..`max_months` (inclusive; None = open end)."""

    rows: tuple[NormRow, ...]
    min_months: int | None = None
    max_months: int | None = None

    @cached_property
    def thresholds(self) -> tuple[list[float], float]:
        return _thresholds([(row.raw_low, row.raw_high) for row in self.rows])

    def covers(self, age: int) -> bool:
        return (self.min_months is None or age >= self.min_months) and (
            self.max_months is None or age <= self.max_months
        )


@dataclass(frozen=True)
class NormTable:
    """A licensee's lookup table. One age band with open ends = the same norms at every age."""

    age_bands: tuple[NormAgeBand, ...]
    source: str = ""  # e.g. "Publisher, manual 2nd ed., table B.3" (shown with the score)

    @property
    def needs_age(self) -> bool:
        return not (len(self.age_bands) == 1 and self.age_bands[0].min_months is None
                    and self.age_bands[0].max_months is None)


@dataclass(frozen=True)
class Subscale(_Banded):
    """A score over items. `max_missing_share` is the largest share of missing items still scored (prorated)."""

    key: str
    items: tuple[str, ...]
    method: Method = "sum"
    max_missing_share: float = 0.0
    bands: tuple[Band, ...] = ()
    norms: NormTable | None = None

    @property
    def max_missing(self) -> int:
        # A count, so 20% of 10 items is exactly 2 whatever the binary rounding of 0.2 * 10.
        return math.floor(len(self.items) * self.max_missing_share + 1e-9)


@dataclass(frozen=True)
class EnteredScore(_Banded):
    """A score typed in from a licensed tool's own scoring (scores-only instruments), checked against its
    declared range. Decimals are allowed unless `whole_numbers` (CLASS domain scores are means)."""

    key: str
    minimum: float
    maximum: float
    whole_numbers: bool = False
    bands: tuple[Band, ...] = ()
    norms: NormTable | None = None

    def is_allowed(self, value: float) -> bool:
        if not self.minimum <= value <= self.maximum:
            return False
        return not self.whole_numbers or float(value).is_integer()


@dataclass(frozen=True)
class Composite(_Banded):
    """A total over subscales or entered scores (`parts`, by key): their sum or mean; unscored if any part is."""

    key: str
    parts: tuple[str, ...]
    method: Method = "sum"
    bands: tuple[Band, ...] = ()
    norms: NormTable | None = None


Scale = Subscale | EnteredScore | Composite


@dataclass(frozen=True)
class InstrumentSpec:
    """An instrument as the scoring engine sees it: item-scored (`items` + `subscales`) or scores-only
    (`entered`), plus optional `composites`. Built by the measures app from the stored definition."""

    key: str
    items: tuple[Item, ...] = ()
    subscales: tuple[Subscale, ...] = ()
    entered: tuple[EnteredScore, ...] = ()
    composites: tuple[Composite, ...] = ()
    _item_index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.items and self.entered:
            raise SpecError(f"{self.key}: an instrument is either item-scored or scores-only, not both")
        if self.subscales and not self.items:
            raise SpecError(f"{self.key}: subscales need items")
        if not self.subscales and not self.entered:
            raise SpecError(f"{self.key}: nothing to score (no subscales and no entered scores)")
        item_index: dict[str, int] = {}
        for position, item in enumerate(self.items):
            if item.key in item_index:
                raise SpecError(f"items[{position}]: duplicate key {item.key}")
            item_index[item.key] = position
        object.__setattr__(self, "_item_index", item_index)
        scale_keys: set[str] = set()
        for kind, scale in self._named_scales():
            if not scale.key:
                raise SpecError(f"{kind}: a key is empty")
            if scale.key in scale_keys:
                raise SpecError(f"{kind} {scale.key}: duplicate scale key")
            scale_keys.add(scale.key)
        for subscale in self.subscales:
            where = f"subscales {subscale.key}"
            if not subscale.items:
                raise SpecError(f"{where}: no items")
            if len(set(subscale.items)) != len(subscale.items):
                raise SpecError(f"{where}: an item is listed twice")
            unknown = [key for key in subscale.items if key not in item_index]
            if unknown:
                raise SpecError(f"{where}: unknown items {', '.join(unknown)}")
            if subscale.method not in METHODS:
                raise SpecError(f"{where}: method must be sum or mean")
            if not 0.0 <= _finite(subscale.max_missing_share, f"{where}: max_missing_share") < 1.0:
                raise SpecError(f"{where}: max_missing_share must be at least 0 and below 1")
        for entered in self.entered:
            where = f"entered {entered.key}"
            if _finite(entered.minimum, f"{where}: minimum") > _finite(entered.maximum, f"{where}: maximum"):
                raise SpecError(f"{where}: minimum is above maximum")
        part_keys = {subscale.key for subscale in self.subscales} | {entered.key for entered in self.entered}
        for composite in self.composites:
            where = f"composites {composite.key}"
            if not composite.parts:
                raise SpecError(f"{where}: no parts")
            unknown = [key for key in composite.parts if key not in part_keys]
            if unknown:
                raise SpecError(f"{where}: parts must be subscales or entered scores; unknown {', '.join(unknown)}")
            if composite.method not in METHODS:
                raise SpecError(f"{where}: method must be sum or mean")
        for kind, scale in self._named_scales():
            _check_ranges([(band.low, band.high) for band in scale.bands], f"{kind} {scale.key}: bands")
            if scale.norms is not None:
                _check_norms(scale.norms, f"{kind} {scale.key}: norms")

    def _named_scales(self) -> Iterator[tuple[str, Scale]]:
        yield from (("subscales", scale) for scale in self.subscales)
        yield from (("entered", scale) for scale in self.entered)
        yield from (("composites", scale) for scale in self.composites)

    @property
    def scores_only(self) -> bool:
        return not self.items

    @property
    def columns(self) -> tuple[str, ...]:
        """The keys of `score_many`'s matrix columns, in order."""
        if self.scores_only:
            return tuple(entered.key for entered in self.entered)
        return tuple(item.key for item in self.items)

    @property
    def scales(self) -> tuple[Scale, ...]:
        """Every scale in result order: subscales or entered scores, then composites."""
        return (*self.subscales, *self.entered, *self.composites)


def _check_ranges(ranges: Sequence[tuple[float, float]], where: str) -> None:
    previous_high: float | None = None
    for position, (low, high) in enumerate(ranges):
        low = _finite(low, f"{where}[{position}].low")
        high = _finite(high, f"{where}[{position}].high")
        if low > high:
            raise SpecError(f"{where}[{position}]: low is above high")
        if previous_high is not None and low <= previous_high:
            raise SpecError(f"{where}[{position}]: ranges must be in ascending order and must not overlap")
        previous_high = high


def _check_norms(norms: NormTable, where: str) -> None:
    if not norms.age_bands:
        raise SpecError(f"{where}: no age bands")
    previous_max: int | None = None
    for position, age_band in enumerate(norms.age_bands):
        band_where = f"{where}.age_bands[{position}]"
        if not age_band.rows:
            raise SpecError(f"{band_where}: no rows")
        low, high = age_band.min_months, age_band.max_months
        if low is not None and high is not None and low > high:
            raise SpecError(f"{band_where}: min_months is above max_months")
        if position > 0 and (low is None or previous_max is None or low <= previous_max):
            raise SpecError(f"{band_where}: age bands must be in ascending order and must not overlap")
        previous_max = high
        if high is None and position < len(norms.age_bands) - 1:
            raise SpecError(f"{band_where}: only the last age band may be open-ended")
        _check_ranges([(row.raw_low, row.raw_high) for row in age_band.rows], f"{band_where}.rows")
        for row_position, row in enumerate(age_band.rows):
            if row.standard_score is None and row.percentile is None:
                raise SpecError(f"{band_where}.rows[{row_position}]: needs a standard score or a percentile")


# --- range lookup (bands and norm rows share it) -----------------------------------------------------


def _thresholds(ranges: Sequence[tuple[float, float]]) -> tuple[list[float], float]:
    """Lower thresholds of each range after splitting the gaps half-way, and the last range's upper edge."""
    lowers = [ranges[0][0]]
    for (_, previous_high), (low, _) in pairwise(ranges):
        lowers.append((previous_high + low) / 2)
    return lowers, ranges[-1][1]


def _find_range(thresholds: tuple[list[float], float], value: float) -> int | None:
    lowers, top = thresholds
    if value < lowers[0] or value > top:
        return None
    return bisect_right(lowers, value) - 1


def _find_ranges(thresholds: tuple[list[float], float], values: FloatArray) -> IntArray:
    """Vectorised `_find_range`: -1 where no range (or the value is NaN)."""
    lowers, top = thresholds
    found = np.searchsorted(np.asarray(lowers), values, side="right").astype(np.int64) - 1
    found[~((values >= lowers[0]) & (values <= top))] = -1  # NaN compares False, so it lands here too
    return found


# --- results -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleScore:
    key: str
    raw: float | None
    reason: str | None  # an `Unscored` code when raw is None
    prorated: bool
    answered: int  # items answered (entered scores: 1 if entered); composites add their parts'
    missing: int
    band: str | None = None
    standard_score: float | None = None
    percentile: float | None = None
    norm_reason: str | None = None  # a `NoNorm` code when a norm table exists but did not apply


@dataclass(frozen=True)
class Scores:
    """The scores of one administration, in `spec.scales` order."""

    scales: tuple[ScaleScore, ...]

    def __getitem__(self, key: str) -> ScaleScore:
        for scale in self.scales:
            if scale.key == key:
                return scale
        raise KeyError(key)

    def as_dict(self) -> dict[str, ScaleScore]:
        return {scale.key: scale for scale in self.scales}


# --- one administration ------------------------------------------------------------------------------


def _as_number(key: str, value: object, row: int | None = None) -> float | None:
    """None for a missing answer (None or NaN), the value as a float otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise AnswerError(item=key, value=value, row=row)
    number = float(value)
    return None if math.isnan(number) else number


def _norm_lookup(
    norms: NormTable, raw: float, age_months: float | None
) -> tuple[float | None, float | None, str | None]:
    if norms.needs_age:
        if age_months is None:
            return None, None, NoNorm.AGE_REQUIRED
        age = math.floor(age_months)
        age_band = next((band for band in norms.age_bands if band.covers(age)), None)
        if age_band is None:
            return None, None, NoNorm.AGE_OUTSIDE
    else:
        age_band = norms.age_bands[0]
    position = _find_range(age_band.thresholds, raw)
    if position is None:
        return None, None, NoNorm.RAW_OUTSIDE
    row = age_band.rows[position]
    return row.standard_score, row.percentile, None


def _finish(scale: Scale, raw: float | None, reason: str | None, prorated: bool, answered: int, missing: int,
            age_months: float | None) -> ScaleScore:
    band = standard = percentile = norm_reason = None
    if raw is not None:
        if scale.band_thresholds is not None:
            position = _find_range(scale.band_thresholds, raw)
            band = scale.bands[position].label if position is not None else None
        if scale.norms is not None:
            standard, percentile, norm_reason = _norm_lookup(scale.norms, raw, age_months)
    return ScaleScore(scale.key, raw, reason, prorated, answered, missing, band, standard, percentile, norm_reason)


def score(spec: InstrumentSpec, answers: Mapping[str, object], *, age_months: float | None = None) -> Scores:
    """Score one administration. `answers` maps item keys (entered score keys for a scores-only instrument)
    to numbers; None, NaN, an absent key or an item's missing code is a missing answer.
    Raises `AnswerOutOfRange` / `UnknownAnswer` / `AnswerError` for an answer that cannot be scored."""
    if age_months is not None and not math.isfinite(age_months):
        age_months = None
    known = set(spec.columns)
    for key in answers:
        if key not in known:
            raise UnknownAnswer(item=str(key), value=answers[key])
    results: dict[str, ScaleScore] = {}
    if spec.scores_only:
        for entered in spec.entered:
            value = _as_number(entered.key, answers.get(entered.key))
            if value is None:
                results[entered.key] = _finish(entered, None, Unscored.NOT_ENTERED, False, 0, 1, age_months)
                continue
            if not entered.is_allowed(value):
                raise AnswerOutOfRange(item=entered.key, value=answers[entered.key], minimum=entered.minimum,
                                       maximum=entered.maximum, whole_numbers=entered.whole_numbers)
            results[entered.key] = _finish(entered, value, None, False, 1, 0, age_months)
    else:
        values: dict[str, float | None] = {}
        for item in spec.items:
            value = _as_number(item.key, answers.get(item.key))
            if value is not None and value in item.missing_codes:
                value = None
            if value is not None and not item.is_allowed(value):
                raise AnswerOutOfRange(item=item.key, value=answers[item.key], minimum=item.low, maximum=item.high,
                                       allowed=item.sorted_codes, whole_numbers=item.whole_numbers)
            values[item.key] = None if value is None else item.reversed_value(value)
        for subscale in spec.subscales:
            total = 0.0
            answered = 0
            for key in subscale.items:  # in spec order: score_many adds in the same order
                value = values[key]
                if value is not None:
                    total += value
                    answered += 1
            n_items = len(subscale.items)
            missing = n_items - answered
            raw: float | None
            reason: str | None = None
            if answered == 0:
                raw, reason = None, Unscored.NO_ANSWERS
            elif missing > subscale.max_missing:
                raw, reason = None, Unscored.TOO_MANY_MISSING
            elif subscale.method == "mean":
                raw = total / answered
            elif missing == 0:
                raw = total
            else:
                raw = total * n_items / answered
            prorated = raw is not None and missing > 0
            results[subscale.key] = _finish(subscale, raw, reason, prorated, answered, missing, age_months)
    for composite in spec.composites:
        parts = [results[key] for key in composite.parts]
        answered = sum(part.answered for part in parts)
        missing = sum(part.missing for part in parts)
        if any(part.raw is None for part in parts):
            results[composite.key] = _finish(composite, None, Unscored.PART_UNSCORED, False, answered, missing,
                                             age_months)
            continue
        total = 0.0
        for part in parts:
            total += part.raw  # type: ignore[operator]  # checked above
        raw = total / len(parts) if composite.method == "mean" else total
        prorated = any(part.prorated for part in parts)
        results[composite.key] = _finish(composite, raw, None, prorated, answered, missing, age_months)
    return Scores(tuple(results[scale.key] for scale in spec.scales))


# --- a batch -----------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ScaleColumns:
    """One scale's results for every row of a batch. NaN = None; `band` indexes `band_labels` (-1 = none);
    `reason`/`norm_reason` index the code tuples (0 = none)."""

    key: str
    raw: FloatArray
    reason: npt.NDArray[np.int8]
    prorated: BoolArray
    answered: IntArray
    missing: IntArray
    band: IntArray
    band_labels: tuple[str, ...]
    standard_score: FloatArray
    percentile: FloatArray
    norm_reason: npt.NDArray[np.int8]

    def reason_codes(self) -> list[str | None]:
        return [_UNSCORED_CODES[index] for index in self.reason.tolist()]

    def band_names(self) -> list[str | None]:
        return [self.band_labels[index] if index >= 0 else None for index in self.band.tolist()]


@dataclass(frozen=True, eq=False)
class BatchScores:
    scales: tuple[ScaleColumns, ...]
    rows: int

    def __getitem__(self, key: str) -> ScaleColumns:
        for scale in self.scales:
            if scale.key == key:
                return scale
        raise KeyError(key)

    def row(self, index: int) -> Scores:
        """Row `index` as `score` would have returned it (for storage, display and tests)."""

        def number(array: FloatArray) -> float | None:
            value = float(array[index])
            return None if math.isnan(value) else value

        return Scores(tuple(
            ScaleScore(
                key=columns.key,
                raw=number(columns.raw),
                reason=_UNSCORED_CODES[int(columns.reason[index])],
                prorated=bool(columns.prorated[index]),
                answered=int(columns.answered[index]),
                missing=int(columns.missing[index]),
                band=columns.band_labels[int(columns.band[index])] if columns.band[index] >= 0 else None,
                standard_score=number(columns.standard_score),
                percentile=number(columns.percentile),
                norm_reason=_NO_NORM_CODES[int(columns.norm_reason[index])],
            )
            for columns in self.scales
        ))


def _first_bad(bad: BoolArray) -> tuple[int, int]:
    row, column = (int(i) for i in np.argwhere(bad)[0])  # argwhere is row-major: the first row, then column
    return row, column


def _validate_batch(spec: InstrumentSpec, matrix: FloatArray) -> FloatArray:
    """Check every answer, blank the missing codes and reverse the reversed items: the item-value matrix."""
    values = np.array(matrix, dtype=np.float64, order="F")  # a copy; column slices are then contiguous
    if spec.scores_only:
        low = np.array([entered.minimum for entered in spec.entered])
        high = np.array([entered.maximum for entered in spec.entered])
        whole = np.array([entered.whole_numbers for entered in spec.entered])
        bad = (values < low) | (values > high) | (whole & (np.floor(values) != values) & ~np.isnan(values))
        if bad.any():
            row, position = _first_bad(bad)
            entered = spec.entered[position]
            raise AnswerOutOfRange(item=entered.key, value=float(matrix[row, position]), minimum=entered.minimum,
                                   maximum=entered.maximum, whole_numbers=entered.whole_numbers, row=row)
        return values
    bad = np.zeros(values.shape, dtype=bool)
    for position, item in enumerate(spec.items):
        column = values[:, position]  # a view: blanking missing codes edits `values`
        if item.missing_codes:
            column[np.isin(column, list(item.missing_codes))] = np.nan
        present = ~np.isnan(column)
        if item.codes is not None:
            bad[:, position] = present & ~np.isin(column, list(item.codes))
        else:
            bad[:, position] = (column < item.low) | (column > item.high)
            if item.whole_numbers:
                bad[:, position] |= present & (np.floor(column) != column)
    if bad.any():
        # The first bad answer in row-major order: the one `score` meets first going row by row.
        row, position = _first_bad(bad)
        item = spec.items[position]
        raise AnswerOutOfRange(item=item.key, value=float(matrix[row, position]), minimum=item.low,
                               maximum=item.high, allowed=item.sorted_codes, whole_numbers=item.whole_numbers,
                               row=row)
    for position, item in enumerate(spec.items):
        if item.reverse:
            column = values[:, position]
            column *= -1.0
            column += item.low + item.high
    return values


def _norm_columns(norms: NormTable, raw: FloatArray, ages: FloatArray | None) -> tuple[FloatArray, FloatArray,
                                                                                         npt.NDArray[np.int8]]:
    rows = raw.shape[0]
    standard = np.full(rows, np.nan)
    percentile = np.full(rows, np.nan)
    reason = np.zeros(rows, dtype=np.int8)
    scored = ~np.isnan(raw)
    if norms.needs_age:
        if ages is None:
            reason[scored] = _NO_NORM_CODES.index(NoNorm.AGE_REQUIRED)
            return standard, percentile, reason
        whole_ages = np.floor(ages)
        reason[scored & np.isnan(whole_ages)] = _NO_NORM_CODES.index(NoNorm.AGE_REQUIRED)
        unmatched = scored & ~np.isnan(whole_ages)
        groups: list[tuple[NormAgeBand, BoolArray]] = []
        for age_band in norms.age_bands:
            in_band = unmatched.copy()
            if age_band.min_months is not None:
                in_band &= whole_ages >= age_band.min_months
            if age_band.max_months is not None:
                in_band &= whole_ages <= age_band.max_months
            unmatched &= ~in_band
            groups.append((age_band, in_band))
        reason[unmatched] = _NO_NORM_CODES.index(NoNorm.AGE_OUTSIDE)
    else:
        groups = [(norms.age_bands[0], scored)]
    for age_band, selected in groups:
        if not selected.any():
            continue
        found = _find_ranges(age_band.thresholds, raw[selected])
        table_standard = np.array([np.nan if r.standard_score is None else r.standard_score for r in age_band.rows])
        table_percentile = np.array([np.nan if r.percentile is None else r.percentile for r in age_band.rows])
        hit = found >= 0
        chosen_standard = np.full(found.shape, np.nan)
        chosen_percentile = np.full(found.shape, np.nan)
        chosen_standard[hit] = table_standard[found[hit]]
        chosen_percentile[hit] = table_percentile[found[hit]]
        standard[selected] = chosen_standard
        percentile[selected] = chosen_percentile
        chosen_reason = np.where(hit, 0, _NO_NORM_CODES.index(NoNorm.RAW_OUTSIDE)).astype(np.int8)
        reason[selected] = chosen_reason
    return standard, percentile, reason


def _columns(scale: Scale, raw: FloatArray, reason: npt.NDArray[np.int8], prorated: BoolArray, answered: IntArray,
             missing: IntArray, ages: FloatArray | None) -> ScaleColumns:
    rows = raw.shape[0]
    if scale.band_thresholds is not None:
        band = _find_ranges(scale.band_thresholds, raw)
    else:
        band = np.full(rows, -1, dtype=np.int64)
    if scale.norms is not None:
        standard, percentile, norm_reason = _norm_columns(scale.norms, raw, ages)
    else:
        standard, percentile = np.full(rows, np.nan), np.full(rows, np.nan)
        norm_reason = np.zeros(rows, dtype=np.int8)
    return ScaleColumns(scale.key, raw, reason, prorated, answered, missing, band,
                        tuple(b.label for b in scale.bands), standard, percentile, norm_reason)


def score_many(spec: InstrumentSpec, matrix: npt.ArrayLike, *, ages: npt.ArrayLike | None = None) -> BatchScores:
    """Score a batch: rows are administrations, columns are `spec.columns` in order, NaN is missing.
    `ages` (months, NaN = unknown) is one per row. Same results as `score` row by row; raises the same
    errors, with `row` set to the first offending row."""
    data = np.asarray(matrix, dtype=np.float64)
    if data.ndim != 2 or data.shape[1] != len(spec.columns):
        raise ValueError(f"expected a matrix with {len(spec.columns)} columns ({', '.join(spec.columns)})")
    rows = data.shape[0]
    age_array: FloatArray | None = None
    if ages is not None:
        age_array = np.asarray(ages, dtype=np.float64)
        if age_array.shape != (rows,):
            raise ValueError("expected one age per row")
        age_array = np.where(np.isfinite(age_array), age_array, np.nan)
    values = _validate_batch(spec, data)
    results: dict[str, ScaleColumns] = {}
    none = np.int8(0)
    if spec.scores_only:
        for position, entered in enumerate(spec.entered):
            raw = values[:, position].copy()
            present = ~np.isnan(raw)
            reason = np.where(present, none, np.int8(_UNSCORED_CODES.index(Unscored.NOT_ENTERED))).astype(np.int8)
            results[entered.key] = _columns(entered, raw, reason, np.zeros(rows, dtype=bool),
                                            present.astype(np.int64), (~present).astype(np.int64), age_array)
    else:
        present_all = ~np.isnan(values)
        zero_filled = np.where(present_all, values, 0.0)
        index = spec._item_index
        for subscale in spec.subscales:
            total = np.zeros(rows)
            answered = np.zeros(rows, dtype=np.int64)
            for key in subscale.items:  # left to right, as `score` adds; adding 0.0 for a missing answer is exact
                total += zero_filled[:, index[key]]
                answered += present_all[:, index[key]]
            n_items = len(subscale.items)
            missing = n_items - answered
            scored = (answered > 0) & (missing <= subscale.max_missing)
            with np.errstate(divide="ignore", invalid="ignore"):
                if subscale.method == "mean":
                    raw = total / answered
                else:
                    raw = np.where(missing == 0, total, total * n_items / answered)
            raw = np.where(scored, raw, np.nan)
            reason = np.zeros(rows, dtype=np.int8)
            reason[~scored] = _UNSCORED_CODES.index(Unscored.TOO_MANY_MISSING)
            reason[answered == 0] = _UNSCORED_CODES.index(Unscored.NO_ANSWERS)
            prorated = scored & (missing > 0)
            results[subscale.key] = _columns(subscale, raw, reason, prorated, answered, missing, age_array)
    for composite in spec.composites:
        parts = [results[key] for key in composite.parts]
        total = np.zeros(rows)
        for part in parts:
            total = total + part.raw  # NaN from any unscored part spreads to the total
        raw = total / len(parts) if composite.method == "mean" else total
        scored = ~np.isnan(raw)
        reason = np.where(scored, none, np.int8(_UNSCORED_CODES.index(Unscored.PART_UNSCORED))).astype(np.int8)
        prorated = scored & np.logical_or.reduce([part.prorated for part in parts])
        answered = np.sum([part.answered for part in parts], axis=0).astype(np.int64)
        missing = np.sum([part.missing for part in parts], axis=0).astype(np.int64)
        results[composite.key] = _columns(composite, raw, reason, prorated, answered, missing, age_array)
    return BatchScores(tuple(results[scale.key] for scale in spec.scales), rows)

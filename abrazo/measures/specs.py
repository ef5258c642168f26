"""From a stored instrument to the scoring engine's specification, and scoring stored answers with it.

`scoring.py` is pure and knows nothing of models; this module is the one translation between the two, so
the fast-entry form, the survey link, REDCap record imports and the outcome reports all score alike.

What becomes part of the spec:

- Items that can be scored: radio and dropdown fields whose choice codes are all numbers (the allowed
  answers are those codes, less the item's missing codes), yes/no and true/false (0/1), sliders (their
  score range, else REDCap's 0-100), and any field with an explicit score range (`score_min`/`score_max`)
  that a scale uses (e.g. a text field validated as a number). Notes, plain text, descriptive, calc, file,
  sql and checkbox fields are left out: they are kept with the answers but never scored.
- Scales: scored from items (a subscale), entered as a score (scores-only instruments) or combining other
  scales (a composite), each with its bands and the licensee's norm table, grouped by age band.

Band labels: by default the band's stable `key` (or its English label when it has none), which is what is
stored with a score; pass `language` to get labels in the reader's language for display.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from abrazo.measures import scoring
from abrazo.measures.models import Instrument, Item, NormTable, Scale, ScaleKind

# Fields that hold no score whatever their settings (checkbox answers are sets of codes, not a value).
NEVER_SCORED = frozenset({"notes", "descriptive", "calc", "file", "sql", "checkbox"})
CHOICE_TYPES = frozenset({"radio", "dropdown"})
BINARY_TYPES = frozenset({"yesno", "truefalse"})
# REDCap's slider runs 0-100 unless the dictionary sets its own range.
SLIDER_RANGE = (0.0, 100.0)
_WHOLE_NUMBER_VALIDATIONS = frozenset({"integer"})


def _number(value: Any) -> float | None:
    """A finite float from a number or a numeric string (REDCap codes are strings); None otherwise."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", ".") if value.strip() else None
        if value is None:
            return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _missing_codes(item: Item) -> frozenset[float]:
    codes = set()
    for code in item.missing_codes or []:
        number = _number(code)
        if number is None:
            raise scoring.SpecError(f"item {item.key}: missing code {code!r} is not a number")
        codes.add(number)
    return frozenset(codes)


def _choice_codes(item: Item) -> list[float] | None:
    """The item's choice codes as numbers, or None when any code is not a number (e.g. 'a', 'b')."""
    codes = [_number(choice[0]) if isinstance(choice, list | tuple) and choice else None for choice in item.choices]
    if not codes or any(code is None for code in codes):
        return None
    return [code for code in codes if code is not None]


def _refuse_if_needed(item: Item, used_by_scale: bool, reason: str) -> None:
    """A field a scale needs but that cannot be scored is an error naming it, not a field silently dropped."""
    if used_by_scale:
        raise scoring.SpecError(f"item {item.key}: a scale uses it, but {reason}")


def scoring_item(item: Item, *, used_by_scale: bool = False) -> scoring.Item | None:
    """The engine's view of one item, or None for a field that is not scored (`SpecError` when a scale
    needs it)."""
    field_type = item.field_type
    missing = _missing_codes(item)
    if field_type in NEVER_SCORED:
        _refuse_if_needed(item, used_by_scale, f"a {field_type} field is never scored")
        return None
    if field_type in CHOICE_TYPES:
        codes = _choice_codes(item)
        if codes is None:
            _refuse_if_needed(item, used_by_scale, "its choice codes are not all numbers")
            return None
        allowed = frozenset(codes) - missing
        if not allowed:
            _refuse_if_needed(item, used_by_scale, "every choice is a missing code")
            return None
        return scoring.Item(item.key, codes=allowed, reverse=item.reverse_scored, missing_codes=missing)
    if field_type in BINARY_TYPES:
        return scoring.Item(item.key, codes=frozenset({0.0, 1.0}) - missing, reverse=item.reverse_scored,
                            missing_codes=missing)
    low, high = _number(item.score_min), _number(item.score_max)
    if field_type == "slider" and (low is None or high is None):
        low = _number(item.validation_min) if _number(item.validation_min) is not None else SLIDER_RANGE[0]
        high = _number(item.validation_max) if _number(item.validation_max) is not None else SLIDER_RANGE[1]
    if field_type == "slider" or (used_by_scale and low is not None and high is not None):
        if low is None or high is None:
            _refuse_if_needed(item, used_by_scale, "it has no score range")
            return None
        # A text score validated as a decimal number may take decimals; codes, sliders and integers may not.
        whole = field_type == "slider" or item.validation in _WHOLE_NUMBER_VALIDATIONS or not item.validation
        return scoring.Item(item.key, minimum=low, maximum=high, reverse=item.reverse_scored, whole_numbers=whole,
                            missing_codes=missing)
    _refuse_if_needed(item, used_by_scale,
                      f"a {field_type} field needs a score range (lowest and highest score) to be scored")
    return None


def _band_label(band: Mapping[str, Any], language: str | None) -> str:
    english = str(band.get("label_en") or "")
    if language is None:
        return str(band.get("key") or english or f"{band.get('low')}-{band.get('high')}")
    if language.startswith("es") and band.get("label_es"):
        return str(band["label_es"])
    return english or str(band.get("key") or "")


def _bands(scale: Scale, language: str | None) -> tuple[scoring.Band, ...]:
    bands = []
    for position, band in enumerate(scale.bands or []):
        where = f"scale {scale.key}: bands[{position}]"
        if not isinstance(band, Mapping):
            raise scoring.SpecError(f"{where}: not a band")
        low, high = _number(band.get("low")), _number(band.get("high"))
        if low is None or high is None:
            raise scoring.SpecError(f"{where}: low and high must be numbers")
        bands.append(scoring.Band(_band_label(band, language), low, high))
    # Stored lowest first; sorting only forgives a band typed out of order (overlaps still fail in the engine).
    return tuple(sorted(bands, key=lambda band: (band.low, band.high)))


def _optional_number(value: Any, where: str) -> float | None:
    if value is None or value == "":
        return None
    number = _number(value)
    if number is None:
        raise scoring.SpecError(f"{where}: {value!r} is not a number")
    return number


def _optional_months(value: Any, where: str) -> int | None:
    number = _optional_number(value, where)
    if number is None:
        return None
    if not number.is_integer():
        raise scoring.SpecError(f"{where}: ages are whole months")
    return int(number)


def norm_table(table: NormTable) -> scoring.NormTable:
    """The licensee's rows grouped by age band (youngest first, open start first), lowest raw score first."""
    groups: dict[tuple[int | None, int | None], list[scoring.NormRow]] = {}
    for position, row in enumerate(table.rows or []):
        where = f"norms {table.scale.key}: rows[{position}]"
        if not isinstance(row, Mapping):
            raise scoring.SpecError(f"{where}: not a row")
        age = (_optional_months(row.get("min_months"), f"{where}.min_months"),
               _optional_months(row.get("max_months"), f"{where}.max_months"))
        raw_low = _optional_number(row.get("raw_low"), f"{where}.raw_low")
        raw_high = _optional_number(row.get("raw_high"), f"{where}.raw_high")
        if raw_low is None or raw_high is None:
            raise scoring.SpecError(f"{where}: raw_low and raw_high are needed")
        groups.setdefault(age, []).append(scoring.NormRow(
            raw_low, raw_high,
            standard_score=_optional_number(row.get("standard_score"), f"{where}.standard_score"),
            percentile=_optional_number(row.get("percentile"), f"{where}.percentile"),
        ))
    ordered = sorted(groups.items(), key=lambda entry: (entry[0][0] is not None, entry[0][0] or 0))
    return scoring.NormTable(
        age_bands=tuple(
            scoring.NormAgeBand(tuple(sorted(rows, key=lambda row: row.raw_low)), min_months, max_months)
            for (min_months, max_months), rows in ordered
        ),
        source=table.source,
    )


def _norms(scale: Scale) -> scoring.NormTable | None:
    try:
        table = scale.norm_table
    except NormTable.DoesNotExist:
        return None
    return norm_table(table) if table.rows else None


def _method(scale: Scale) -> scoring.Method:
    if scale.method not in scoring.METHODS:
        raise scoring.SpecError(f"scale {scale.key}: method must be sum or mean, not {scale.method!r}")
    return "mean" if scale.method == "mean" else "sum"


def build_spec(instrument: Instrument, items: Sequence[Item], scales: Sequence[Scale], *,
               language: str | None = None) -> scoring.InstrumentSpec:
    """The spec from rows already fetched (lets a caller scoring many instruments fetch them in bulk)."""
    subscales: list[scoring.Subscale] = []
    entered: list[scoring.EnteredScore] = []
    composites: list[scoring.Composite] = []
    used: set[str] = set()
    for scale in scales:
        bands, norms = _bands(scale, language), _norms(scale)
        if scale.kind == ScaleKind.ITEMS:
            keys = tuple(str(key) for key in scale.items or [])
            used.update(keys)
            subscales.append(scoring.Subscale(scale.key, keys, _method(scale), scale.max_missing_share, bands, norms))
        elif scale.kind == ScaleKind.ENTERED:
            if scale.score_min is None or scale.score_max is None:
                raise scoring.SpecError(f"scale {scale.key}: an entered score needs its lowest and highest score")
            entered.append(scoring.EnteredScore(
                scale.key, scale.score_min, scale.score_max, whole_numbers=scale.whole_numbers,
                bands=bands, norms=norms,
            ))
        elif scale.kind == ScaleKind.COMPOSITE:
            parts = tuple(str(key) for key in scale.parts or [])
            composites.append(scoring.Composite(scale.key, parts, _method(scale), bands, norms))
        else:
            raise scoring.SpecError(f"scale {scale.key}: unknown kind {scale.kind!r}")
    spec_items: list[scoring.Item] = []
    if not instrument.scores_only:
        for item in items:
            converted = scoring_item(item, used_by_scale=item.key in used)
            if converted is not None:
                spec_items.append(converted)
    return scoring.InstrumentSpec(instrument.key, items=tuple(spec_items), subscales=tuple(subscales),
                                  entered=tuple(entered), composites=tuple(composites))


def spec_for(instrument: Instrument, *, language: str | None = None) -> scoring.InstrumentSpec:
    """The scoring engine's specification of a stored instrument. Raises `scoring.SpecError` (naming the item
    or scale at fault) when the definition cannot be scored, including when it has no scale at all."""
    items = list(instrument.items.all())
    scales = list(instrument.scales.select_related("norm_table").all())
    return build_spec(instrument, items, scales, language=language)


def band_label(scale: Scale, band: str | None, language: str) -> str | None:
    """A stored band key (what `spec_for` gives by default) in the reader's language."""
    if band is None:
        return None
    for stored in scale.bands or []:
        if band in (stored.get("key"), stored.get("label_en")):
            return _band_label(stored, language)
    return band


# --- scoring stored answers ----------------------------------------------------------------------------


def _answer_value(key: str, value: Any) -> float | None:
    """An answer as the engine takes it: None for blank; numbers and numeric strings (REDCap's) as floats."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        number = _number(value)
        if number is None:
            raise scoring.AnswerError(item=key, value=value)
        return number
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise scoring.AnswerError(item=key, value=value)
    return float(value)


def scored_answers(instrument: Instrument, spec: scoring.InstrumentSpec, answers: Mapping[str, Any],
                   *, known_keys: Iterable[str] | None = None) -> dict[str, float | None]:
    """The answers the engine scores: numbers for the spec's columns. Answers to fields that are not scored
    (a comment, a checkbox) are set aside; a key the instrument does not have at all is refused."""
    columns = set(spec.columns)
    known = set(known_keys) if known_keys is not None else {item.key for item in instrument.items.all()}
    known |= columns
    values: dict[str, float | None] = {}
    for key, value in answers.items():
        if key not in known:
            raise scoring.UnknownAnswer(item=str(key), value=value)
        if key in columns:
            values[key] = _answer_value(key, value)
    return values


def score_administration(instrument: Instrument, answers: Mapping[str, Any], *, age_months: float | None = None,
                         spec: scoring.InstrumentSpec | None = None) -> scoring.Scores:
    """Score one administration's answers (item key -> code or number; entered scores for a scores-only
    instrument). Pass `spec` when scoring many administrations of one instrument. Raises the engine's
    `AnswerOutOfRange` / `UnknownAnswer` / `AnswerError` for an answer that cannot be scored."""
    spec = spec or spec_for(instrument)
    return scoring.score(spec, scored_answers(instrument, spec, answers), age_months=age_months)


def score_administrations(instrument: Instrument, answer_sets: Sequence[Mapping[str, Any]], *,
                          ages: Sequence[float | None] | None = None,
                          spec: scoring.InstrumentSpec | None = None) -> scoring.BatchScores:
    """Score many administrations of one instrument at once (the engine's numpy path), row i = answer_sets[i]."""
    spec = spec or spec_for(instrument)
    known = {item.key for item in instrument.items.all()}
    position = {key: column for column, key in enumerate(spec.columns)}
    matrix = np.full((len(answer_sets), len(spec.columns)), np.nan)
    for row, answers in enumerate(answer_sets):
        try:
            values = scored_answers(instrument, spec, answers, known_keys=known)
        except scoring.AnswerError as error:
            # The same error, naming the row, as the engine's own batch errors do.
            raise type(error)(item=error.item, value=error.value, row=row) from error
        for key, value in values.items():
            if value is not None:
                matrix[row, position[key]] = value
    age_array = None if ages is None else np.array([np.nan if age is None else age for age in ages], dtype=float)
    return scoring.score_many(spec, matrix, ages=age_array)

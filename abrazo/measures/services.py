"""Every write to the instrument registry: access-checked, atomic, audited.

A network describes the licensed tools it uses (DECA, ASQ:SE-2, TPOT, CLASS...) by **scores only**: their
names, who licenses them, and the subscale and total scores with their ranges and bands; never the items.
It may then upload the licensee's normative table for a scale. Instruments Abrazo ships (no network) are
read-only for everyone: the selectors never hand them to these services, and the services refuse them too.

Definitions are checked by the scoring engine itself (`scoring.InstrumentSpec`), so what is saved here
is exactly what it can score: overlapping bands, a band above the score's range or a norm table whose
raw ranges overlap are refused with a message the person can act on, naming the scale or the file's line.
Failures the person can fix are `ValidationError`s keyed by field name (or none), so forms show them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from abrazo.accounts import access
from abrazo.accounts.models import User
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import StaleEditError, save_versioned
from abrazo.core.imports import table_error_message
from abrazo.core.submissions import AlreadySubmitted as AlreadySubmitted  # re-exported for views and tests
from abrazo.core.submissions import claim_submission, remember_submission, submitted_pk
from abrazo.core.tabular import MAX_UPLOAD_BYTES, Table, TableError, read_table
from abrazo.directory.models import Network
from abrazo.measures import entered_totals, scoring, specs
from abrazo.measures.administrations import _age_months, scores_as_stored
from abrazo.measures.models import (
    Administration,
    AdministrationStatus,
    Instrument,
    Item,
    Level,
    NormTable,
    Respondent,
    Scale,
    ScaleKind,
    ScaleMethod,
    Source,
)

INSTRUMENT_MANAGE = "instrument.manage"
LANGUAGES = ("en", "es")
NORM_COLUMNS = ("min_months", "max_months", "raw_low", "raw_high", "standard_score", "percentile")
MAX_NORM_ROWS = 5_000  # a manual's table is a few hundred rows; far more means the wrong file


def _submission_owner(actor: User) -> str:
    return f"measures:{actor.pk}"


def _require_manageable(actor: User, instrument: Instrument) -> None:
    if instrument.network_id is None:
        raise PermissionDenied(_("Instruments shipped with Abrazo cannot be changed."))
    if not access.can(actor, INSTRUMENT_MANAGE, instrument):
        raise PermissionDenied(INSTRUMENT_MANAGE)


# --- describing an instrument ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InstrumentData:
    name_en: str
    level: str
    respondent: str
    name_es: str = ""
    description_en: str = ""
    description_es: str = ""
    languages: tuple[str, ...] = ("en",)
    minutes: int | None = None
    licence_holder: str = ""
    licence_note: str = ""
    public_domain: bool = False
    is_active: bool = True


INSTRUMENT_FIELDS = ["name_en", "name_es", "description_en", "description_es", "level", "respondent", "languages",
                     "minutes", "licence_holder", "licence_note", "public_domain", "is_active"]


def _apply_instrument_data(instrument: Instrument, data: InstrumentData) -> None:
    name_en = data.name_en.strip()
    if not name_en:
        raise ValidationError({"name_en": _("Give the instrument's English name.")})
    if data.level not in Level.values:
        raise ValidationError({"level": _("Choose one of the listed levels.")})
    if data.respondent not in Respondent.values:
        raise ValidationError({"respondent": _("Choose one of the listed respondents.")})
    languages = [code for code in LANGUAGES if code in data.languages]
    if not languages:
        raise ValidationError({"languages": _("Choose at least one language the instrument is given in.")})
    if data.minutes is not None and not 0 < data.minutes <= 600:
        raise ValidationError({"minutes": _("Give the minutes it takes, from 1 to 600.")})
    if not data.public_domain and not data.licence_holder.strip():
        raise ValidationError({"licence_holder": _(
            "Name who licenses the instrument, or mark it as in the public domain.")})
    instrument.name_en, instrument.name_es = name_en, data.name_es.strip()
    instrument.description_en, instrument.description_es = data.description_en.strip(), data.description_es.strip()
    instrument.level, instrument.respondent, instrument.languages = data.level, data.respondent, languages
    instrument.minutes = data.minutes
    instrument.licence_holder, instrument.licence_note = data.licence_holder.strip(), data.licence_note.strip()
    instrument.public_domain, instrument.is_active = data.public_domain, data.is_active


@dataclass(frozen=True)
class BandData:
    """A cut-off range with inclusive edges, as the manual prints it (e.g. 0-13 "Typical")."""

    label_en: str
    low: float
    high: float
    label_es: str = ""


@dataclass(frozen=True)
class EnteredScaleData:
    """A score typed in from a licensed tool's own scoring, with its range and bands."""

    name_en: str
    minimum: float
    maximum: float
    name_es: str = ""
    key: str = ""  # a short name for files and REDCap; made from the English name when empty
    bands: tuple[BandData, ...] = ()
    higher_is_better: bool = True
    reliability: float | None = None
    # The instrument's total and the sum of every other score: added up when left blank at entry, and a
    # typed total that disagrees with the scores is refused.
    total_of_others: bool = False


# The engine's messages are English for logs; these say the common problems in the person's language.
_SPEC_PROBLEMS: tuple[tuple[str, Any], ...] = (
    ("ranges must be in ascending order and must not overlap",
     lambda: _("its bands overlap or are not in order from lowest to highest")),
    ("low is above high", lambda: _("a band's lowest score is above its highest score")),
    ("minimum is above maximum", lambda: _("the lowest score is above the highest score")),
    ("duplicate scale key", lambda: _("two scales have the same short name")),
    ("must be a finite number", lambda: _("a number is missing or not a number")),
)


def _spec_problem(error: scoring.SpecError) -> str:
    message = str(error)
    for fragment, translated in _SPEC_PROBLEMS:
        if fragment in message:
            return str(translated())
    return message


def _scale_keys(scales: Sequence[EnteredScaleData]) -> list[str]:
    keys = []
    for position, scale in enumerate(scales):
        key = slugify(scale.key.strip() or scale.name_en).replace("-", "_")[:64]
        keys.append(key or f"score_{position + 1}")
    return keys


def _check_scales(instrument_key: str, scales: Sequence[EnteredScaleData], keys: Sequence[str]) -> None:
    """Let the scoring engine judge the definition, then say its verdict in the person's words."""
    if not scales:
        raise ValidationError(_("Describe at least one score (a subscale or the total)."))
    totals = [scale for scale in scales if scale.total_of_others]
    if len(totals) > 1:
        raise ValidationError(_("Only one score can be the total of the others."))
    if totals and len(scales) < 2:
        raise ValidationError(_("%(scale)s is marked as the total of the other scores, but there are no other "
                                "scores.") % {"scale": totals[0].name_en.strip() or _("The total")})
    for scale, key in zip(scales, keys, strict=True):
        name = scale.name_en.strip() or key
        if not scale.name_en.strip():
            raise ValidationError(_("Every score needs an English name."))
        if scale.reliability is not None and not 0 < scale.reliability < 1:
            raise ValidationError(_("%(scale)s: the reliability must be above 0 and below 1.") % {"scale": name})
        try:
            entered = scoring.EnteredScore(
                key=key, minimum=scale.minimum, maximum=scale.maximum,
                bands=tuple(scoring.Band(label=band.label_en, low=band.low, high=band.high) for band in scale.bands),
            )
            scoring.InstrumentSpec(key=instrument_key, entered=(entered,))
        except scoring.SpecError as problem:
            raise ValidationError(_("%(scale)s: %(problem)s.") % {"scale": name, "problem": _spec_problem(problem)},
                                  code="invalid_scale") from problem
        for band in scale.bands:  # after the engine's checks: the range itself is sound by now
            if band.low < scale.minimum or band.high > scale.maximum:
                raise ValidationError(_("%(scale)s: the band %(band)s goes beyond the scores %(low)s to %(high)s.") % {
                    "scale": name, "band": band.label_en, "low": _number(scale.minimum),
                    "high": _number(scale.maximum)})
    try:
        scoring.InstrumentSpec(key=instrument_key, entered=tuple(
            scoring.EnteredScore(key=key, minimum=scale.minimum, maximum=scale.maximum)
            for scale, key in zip(scales, keys, strict=True)
        ))
    except scoring.SpecError as problem:
        raise ValidationError(_spec_problem(problem), code="invalid_scales") from problem


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _free_key(network: Network, name: str) -> str:
    base = slugify(name)[:56] or "instrument"
    taken = set(Instrument.objects.filter(network=network, key__startswith=base).values_list("key", flat=True))
    key, counter = base, 2
    while key in taken:
        key, counter = f"{base}-{counter}", counter + 1
    return key


@transaction.atomic
def instrument_create_scores_only(
    *, actor: User, network: Network, data: InstrumentData, scales: Sequence[EnteredScaleData],
    submission_key: UUID | None = None,
) -> Instrument:
    """Describe a licensed instrument whose subscale and total scores are entered (its items never stored)."""
    if not access.can(actor, INSTRUMENT_MANAGE, network):
        raise PermissionDenied(INSTRUMENT_MANAGE)
    claim_submission(owner=_submission_owner(actor), key=submission_key, model=Instrument)
    instrument = Instrument(network=network, scores_only=True, source=Source.LICENSED)
    _apply_instrument_data(instrument, data)
    instrument.key = _free_key(network, instrument.name_en)
    keys = _scale_keys(scales)
    _check_scales(instrument.key, scales, keys)
    instrument.save()
    audit.record_change(user=actor, obj=instrument, action=Action.CREATE)
    for position, (scale, key) in enumerate(zip(scales, keys, strict=True)):
        Scale.objects.create(
            instrument=instrument, key=key, position=position, name_en=scale.name_en.strip(),
            name_es=scale.name_es.strip(), kind=ScaleKind.ENTERED, method=ScaleMethod.SUM,
            score_min=scale.minimum, score_max=scale.maximum, higher_is_better=scale.higher_is_better,
            reliability=scale.reliability,
            bands=[{"label_en": band.label_en.strip(), "label_es": band.label_es.strip(), "low": band.low,
                    "high": band.high} for band in scale.bands],
            sum_of=[other for other in keys if other != key] if scale.total_of_others else [],
        )
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=instrument)
    return instrument


@transaction.atomic
def instrument_update(
    *, actor: User, instrument: Instrument, expected_version: int, data: InstrumentData
) -> Instrument:
    """Save an edit of the description made on `expected_version`; a stale version raises StaleEditError."""
    _require_manageable(actor, instrument)
    _apply_instrument_data(instrument, data)
    save_versioned(instrument, expected_version=expected_version, update_fields=INSTRUMENT_FIELDS)
    audit.record_change(user=actor, obj=instrument, action=Action.UPDATE)
    return instrument


# --- the scales of an instrument ------------------------------------------------------------------------
#
# A scale is edited as part of its instrument's definition: the instrument's version is the definition's
# version (a scale edit made on a stale page is refused, like a stale description edit), the candidate
# definition is judged whole by the scoring engine (`specs.build_spec`, what every score is computed with),
# and the completed administrations are rescored with it in the same transaction, so a stored score never
# disagrees with the definition on the page. An edit that would leave a completed administration unscorable
# (a narrowed range, a score that still holds answers) is refused and names one such administration.


@dataclass(frozen=True)
class ScaleData:
    """A subscale or total as a person describes it. Which fields count depends on `kind`: items, their
    reverse scoring, the method and the missing share for a scale scored from items; the range, whole
    numbers and the scores it is the sum of for an entered score; the parts and method for a combined one."""

    kind: str  # a ScaleKind value
    name_en: str
    name_es: str = ""
    key: str = ""  # a new scale's short name, made from the English name when empty; never changed afterwards
    method: str = ScaleMethod.SUM
    items: tuple[str, ...] = ()
    reverse_items: tuple[str, ...] = ()  # of `items`; reverse scoring belongs to the item, in every scale
    max_missing_share: float = 0.0  # 0.2 = up to 20% of the items may be missing (the sum is prorated)
    parts: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    whole_numbers: bool = False
    sum_of: tuple[str, ...] = ()
    bands: tuple[BandData, ...] = ()
    higher_is_better: bool = True
    reliability: float | None = None


@dataclass(frozen=True)
class ScaleChange:
    """What a scale edit did: the scale (None once deleted) and how many completed administrations'
    stored scores it changed."""

    instrument: Instrument
    scale: Scale | None
    rescored: int


def scale_kinds_for(instrument: Instrument) -> list[str]:
    """The kinds of scale an instrument can have: entered scores for a scores-only one, scales scored from
    items otherwise; either may combine its scales."""
    first = ScaleKind.ENTERED if instrument.scores_only else ScaleKind.ITEMS
    return [str(first), str(ScaleKind.COMPOSITE)]


def scorable_items(items: Sequence[Item]) -> list[Item]:
    """The items a scale may use: those the scoring engine can score (numeric choices, yes/no, sliders, and
    fields with a score range). Text, notes and checkbox fields never are."""
    found = []
    for item in items:
        try:
            if specs.scoring_item(item, used_by_scale=True) is not None:
                found.append(item)
        except scoring.SpecError:
            continue
    return found


def _scale_key(text: str) -> str:
    return slugify(text.strip()).replace("-", "_")[:64]


def _described(scales: Sequence[Scale], keys: Sequence[str]) -> str:
    names = {scale.key: scale.name for scale in scales}
    return ", ".join(names.get(key, key) for key in keys)


def _possible_range(scale: Scale, engine_items: dict[str, scoring.Item],
                    scales: dict[str, Scale]) -> tuple[float, float] | None:
    """The lowest and highest score the scale can take, to catch a band typed for another range."""
    if scale.kind == ScaleKind.ENTERED:
        if scale.score_min is None or scale.score_max is None:
            return None
        return scale.score_min, scale.score_max
    if scale.kind == ScaleKind.ITEMS:
        ranges = [(engine_items[key].low, engine_items[key].high) for key in scale.items if key in engine_items]
    else:
        found = [_possible_range(scales[key], engine_items, scales) for key in scale.parts if key in scales]
        ranges = [pair for pair in found if pair is not None]
        if len(ranges) != len(scale.parts):
            return None
    if not ranges:
        return None
    if scale.method == ScaleMethod.MEAN:
        # a mean of items lies between the lowest and highest item; a mean of parts between their means
        if scale.kind == ScaleKind.ITEMS:
            return min(low for low, _high in ranges), max(high for _low, high in ranges)
        return sum(low for low, _high in ranges) / len(ranges), sum(high for _low, high in ranges) / len(ranges)
    return sum(low for low, _high in ranges), sum(high for _low, high in ranges)


def _apply_scale_data(scale: Scale, data: ScaleData, *, others: Sequence[Scale], items: Sequence[Item]) -> None:
    """Check what the person can fix field by field (in their words) and set it on the unsaved scale."""
    name_en = data.name_en.strip()
    if not name_en:
        raise ValidationError({"name_en": _("Give the scale's English name.")})
    scale.name_en, scale.name_es = name_en[:200], data.name_es.strip()[:200]
    if data.reliability is not None and not 0 < data.reliability < 1:
        raise ValidationError({"reliability": _("The reliability must be above 0 and below 1.")})
    scale.reliability, scale.higher_is_better = data.reliability, data.higher_is_better
    by_key = {other.key: other for other in others}
    scale.items, scale.parts, scale.sum_of = [], [], []
    scale.max_missing_share, scale.whole_numbers = 0.0, False
    if scale.kind in (ScaleKind.ITEMS, ScaleKind.COMPOSITE):
        if data.method not in ScaleMethod.values:
            raise ValidationError({"method": _("Choose the sum or the mean.")})
        scale.method = data.method
    else:
        scale.method = ScaleMethod.SUM
    if scale.kind == ScaleKind.ITEMS:
        offered = [item.key for item in scorable_items(items)]
        chosen = set(data.items)
        if not chosen:
            raise ValidationError({"items": _("Choose the items the scale adds up.")})
        unknown = sorted(chosen - set(offered))
        if unknown:
            raise ValidationError({"items": _("These are not items this instrument can score: %(items)s.") % {
                "items": ", ".join(unknown)}})
        stray = [key for key in data.reverse_items if key not in chosen]
        if stray:
            raise ValidationError({"reverse_items": _(
                "Only the scale's own items can be marked reverse-scored here: %(items)s is not one of them.") % {
                "items": ", ".join(stray)}})
        if not 0 <= data.max_missing_share < 1:
            raise ValidationError({"max_missing_share": _(
                "The share of items that may be missing must be at least 0% and below 100%.")})
        scale.items = [key for key in offered if key in chosen]  # the instrument's order, as the engine adds
        scale.max_missing_share = float(data.max_missing_share)
    elif scale.kind == ScaleKind.ENTERED:
        if data.minimum is None or data.maximum is None:
            raise ValidationError({"minimum": _("Give the lowest and highest possible scores.")})
        scale.score_min, scale.score_max, scale.whole_numbers = data.minimum, data.maximum, data.whole_numbers
        if data.sum_of:
            parts = list(dict.fromkeys(data.sum_of))
            wrong = [key for key in parts if key == scale.key or key not in by_key
                     or by_key[key].kind != ScaleKind.ENTERED or by_key[key].sum_of]
            if wrong:
                names = {other.key: other.name for other in others} | {scale.key: scale.name}
                raise ValidationError({"sum_of": _(
                    "A total adds up other entered scores that are not totals themselves; %(scales)s cannot be "
                    "one of them.") % {"scales": ", ".join(names.get(key, key) for key in wrong)}})
            summing_me = [other for other in others if scale.key in (other.sum_of or [])]
            if summing_me:
                raise ValidationError({"sum_of": _(
                    "%(total)s is already the sum of this score, so this score cannot be a total itself.") % {
                    "total": summing_me[0].name}})
            scale.sum_of = parts
    else:
        parts = list(dict.fromkeys(data.parts))
        if not parts:
            raise ValidationError({"parts": _("Choose the scales it combines.")})
        wrong = [key for key in parts if key not in by_key or by_key[key].kind == ScaleKind.COMPOSITE]
        if wrong:
            raise ValidationError({"parts": _(
                "A combined scale combines subscales or entered scores, not other combined scales: %(scales)s.") % {
                "scales": ", ".join(by_key[key].name if key in by_key else key for key in wrong)}})
        scale.parts = parts
    scale.bands = [{"label_en": band.label_en.strip(), "label_es": band.label_es.strip(), "low": band.low,
                    "high": band.high} for band in data.bands]
    if any(not band["label_en"] for band in scale.bands):
        raise ValidationError({"bands": _("Every band needs an English label.")})


# The engine's messages about a scale definition, said in the person's words (more than the create path's).
_SCALE_PROBLEMS: tuple[tuple[str, Any], ...] = (
    ("max_missing_share must be", lambda: _("the share of items that may be missing must be below 100%")),
    ("an item is listed twice", lambda: _("an item is chosen twice")),
    ("unknown items", lambda: _("it uses items this instrument does not have")),
    ("a scale uses it, but", lambda: _("one of its items cannot be scored")),
    ("parts must be subscales or entered scores", lambda: _("it combines a scale this instrument does not have")),
    ("subscales need items", lambda: _("this instrument has no items to score")),
    ("either item-scored or scores-only", lambda: _("an instrument has entered scores or items, not both")),
)


def _definition_problem(scale: Scale, problem: scoring.SpecError) -> ValidationError:
    message = str(problem)
    for fragment, translated in _SCALE_PROBLEMS:
        if fragment in message:
            text = str(translated())
            break
    else:
        text = _spec_problem(problem)
    field_name = "bands" if "bands" in message else None
    error = _("%(scale)s: %(problem)s.") % {"scale": scale.name_en, "problem": text}
    return ValidationError({field_name: error} if field_name else error, code="invalid_scale")


def _check_definition(instrument: Instrument, items: Sequence[Item], scales: Sequence[Scale],
                      changed: Scale | None) -> scoring.InstrumentSpec | None:
    """Let the engine judge the whole candidate definition (what scores will be computed with); check that
    the changed scale's bands lie within the scores it can take. None when no scale is left."""
    if not scales:
        return None
    try:
        spec = specs.build_spec(instrument, items, scales)
    except scoring.SpecError as problem:
        at_fault = changed or scales[0]
        for scale in scales:  # the engine names the scale at fault by its key
            if re.search(rf"\b{re.escape(scale.key)}\b", str(problem)):
                at_fault = scale
                break
        raise _definition_problem(at_fault, problem) from problem
    if changed is not None and changed.bands:
        engine_items = {item.key: item for item in spec.items}
        possible = _possible_range(changed, engine_items, {scale.key: scale for scale in scales})
        if possible is not None:
            low, high = possible
            for band in changed.bands:
                if band["low"] < low - 1e-9 or band["high"] > high + 1e-9:
                    raise ValidationError({"bands": _(
                        "%(scale)s: the band %(band)s goes beyond the scores %(low)s to %(high)s.") % {
                        "scale": changed.name_en, "band": band["label_en"], "low": _number(round(low, 6)),
                        "high": _number(round(high, 6))}})
    return spec


def _when(administration: Administration) -> str:
    return formats.date_format(administration.completed_on) if administration.completed_on else "—"


def _answer_problem_text(error: scoring.AnswerError, scales: Sequence[Scale], items: Sequence[Item]) -> str:
    names = {scale.key: scale.name for scale in scales} | {item.key: (item.label_en or item.key) for item in items}
    name = names.get(error.item, error.item)
    if isinstance(error, scoring.UnknownAnswer):
        return _("it holds an answer to “%(item)s”, which this change would leave out") % {"item": name}
    value = _number(error.value) if isinstance(error.value, int | float) and math.isfinite(error.value) \
        else str(error.value)
    if error.minimum is not None and error.maximum is not None:
        return _("“%(item)s” is %(value)s, outside %(low)s to %(high)s") % {
            "item": name, "value": value, "low": _number(error.minimum), "high": _number(error.maximum)}
    return _("“%(item)s”: %(value)s cannot be scored") % {"item": name, "value": value}


def _rescore(*, actor: User, instrument: Instrument, items: Sequence[Item], scales: Sequence[Scale],
             spec: scoring.InstrumentSpec | None) -> int:
    """Score every completed administration again with the candidate definition and store the scores that
    changed (versions bumped, so an answer correction made on an older page is caught as stale). Raises
    ValidationError, naming an administration, when the definition cannot score what was recorded."""
    # Scheduled administrations are locked too: answers being recorded right now hold their row, so this
    # waits for them and then scores them with the new definition; answers recorded after this commits
    # wait for the lock and then read the new definition. Either way nothing is left scored the old way.
    live = list(
        Administration.objects.select_for_update(of=("self",)).select_related("child")
        .filter(instrument=instrument).exclude(status=AdministrationStatus.CANCELLED).order_by("completed_on", "pk")
    )
    completed = [administration for administration in live if administration.status == AdministrationStatus.COMPLETED]
    if not completed:
        return 0
    totals = {scale.key: list(scale.sum_of) for scale in scales if scale.kind == ScaleKind.ENTERED and scale.sum_of}
    for administration in completed:
        _filled, mismatches = entered_totals.fill_totals(totals, administration.answers or {})
        if mismatches:
            mismatch = mismatches[0]
            raise ValidationError({"sum_of": _(
                "A completed measure (given on %(date)s) has a total of %(typed)s, but its scores add up to "
                "%(expected)s. Correct that measure first, or do not make this score their sum.") % {
                "date": _when(administration), "typed": mismatch.typed,
                "expected": entered_totals.number_text(mismatch.expected)}})
    if spec is None:
        new_scores: list[dict[str, Any]] = [{} for _administration in completed]
    else:
        try:
            batch = specs.score_administrations(
                instrument, [administration.answers or {} for administration in completed],
                ages=[_age_months(administration, administration.completed_on) if administration.completed_on
                      else None for administration in completed],
                spec=spec,
            )
        except scoring.AnswerError as error:
            at = completed[error.row or 0]
            raise ValidationError(_(
                "This change cannot score a completed measure (given on %(date)s): %(problem)s. Nothing was "
                "changed.") % {"date": _when(at), "problem": _answer_problem_text(error, scales, items)},
                code="unscorable") from error
        new_scores = [scores_as_stored(batch.row(row)) for row in range(len(completed))]
    changed = []
    for administration, scores in zip(completed, new_scores, strict=True):
        if scores != (administration.scores or {}):
            administration.scores = scores
            administration.version += 1
            changed.append(administration)
    if changed:
        now = timezone.now()
        for administration in changed:
            administration.updated_at = now
        Administration.objects.bulk_update(changed, ["scores", "version", "updated_at"], batch_size=500)
        audit.record(user=actor, action=Action.UPDATE, object_type="measures.administration",
                     object_ids=[administration.pk for administration in changed])
    return len(changed)


def _definition(instrument: Instrument) -> tuple[list[Item], list[Scale]]:
    items = list(instrument.items.order_by("position", "key"))
    scales = list(instrument.scales.select_related("norm_table").order_by("position", "key"))
    return items, scales


def _begin_scale_change(actor: User, instrument: Instrument, expected_version: int,
                        submission_key: UUID | None) -> None:
    """Refuse shipped and foreign instruments, a second submit and a stale page; then hold the instrument
    (the conditional UPDATE of its version locks the row until commit, so scale edits take turns)."""
    _require_manageable(actor, instrument)
    claim_submission(owner=_submission_owner(actor), key=submission_key, model=Instrument)
    save_versioned(instrument, expected_version=expected_version, update_fields=[])


def _apply_reverse_scoring(scale: Scale, data: ScaleData, items: Sequence[Item]) -> list[Item]:
    """Set each of the scale's items reverse-scored or not, as ticked; the items whose flag changes."""
    if scale.kind != ScaleKind.ITEMS:
        return []
    reversed_keys = set(data.reverse_items)
    flipped = []
    for item in items:
        if item.key in scale.items and item.reverse_scored != (item.key in reversed_keys):
            item.reverse_scored = item.key in reversed_keys
            flipped.append(item)
    return flipped


def _save_scale_change(*, actor: User, instrument: Instrument, scale: Scale, flipped: Sequence[Item],
                       action: str, submission_key: UUID | None) -> None:
    scale.save()
    for item in flipped:
        item.save(update_fields=["reverse_scored", "updated_at"])
        audit.record_change(user=actor, obj=item, action=Action.UPDATE)
    audit.record_change(user=actor, obj=scale, action=action)
    audit.record_change(user=actor, obj=instrument, action=Action.UPDATE)
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=instrument)


@transaction.atomic
def scale_add(*, actor: User, instrument: Instrument, expected_version: int, data: ScaleData,
              submission_key: UUID | None = None) -> ScaleChange:
    """Add a subscale or total to an instrument of the actor's network, judged by the scoring engine with
    the rest of the definition; completed administrations are rescored with it."""
    _begin_scale_change(actor, instrument, expected_version, submission_key)
    if data.kind not in scale_kinds_for(instrument):
        raise ValidationError(_("This kind of scale does not fit this instrument."))
    items, scales = _definition(instrument)
    key = _scale_key(data.key or data.name_en)
    if not key:
        raise ValidationError({"key": _("Give the scale a short name of letters and numbers.")})
    if any(scale.key == key for scale in scales):
        raise ValidationError({"key": _(
            "Another scale of this instrument already has the short name “%(key)s”; give this one another.") % {
            "key": key}})
    scale = Scale(instrument=instrument, key=key, kind=data.kind,
                  position=max((scale.position for scale in scales), default=-1) + 1)
    _apply_scale_data(scale, data, others=scales, items=items)
    flipped = _apply_reverse_scoring(scale, data, items)
    candidate = [*scales, scale]
    spec = _check_definition(instrument, items, candidate, scale)
    rescored = _rescore(actor=actor, instrument=instrument, items=items, scales=candidate, spec=spec)
    _save_scale_change(actor=actor, instrument=instrument, scale=scale, flipped=flipped, action=Action.CREATE,
                       submission_key=submission_key)
    return ScaleChange(instrument=instrument, scale=scale, rescored=rescored)


@transaction.atomic
def scale_update(*, actor: User, scale: Scale, expected_version: int, data: ScaleData,
                 submission_key: UUID | None = None) -> ScaleChange:
    """Change a scale (its kind and short name stay); completed administrations are rescored with it."""
    instrument = scale.instrument
    _begin_scale_change(actor, instrument, expected_version, submission_key)
    items, scales = _definition(instrument)
    current = next((candidate for candidate in scales if candidate.pk == scale.pk), None)
    if current is None:  # deleted meanwhile by someone whose save came first
        raise StaleEditError(str(StaleEditError.message))
    others = [other for other in scales if other.pk != current.pk]
    _apply_scale_data(current, data, others=others, items=items)
    flipped = _apply_reverse_scoring(current, data, items)
    spec = _check_definition(instrument, items, scales, current)
    rescored = _rescore(actor=actor, instrument=instrument, items=items, scales=scales, spec=spec)
    _save_scale_change(actor=actor, instrument=instrument, scale=current, flipped=flipped, action=Action.UPDATE,
                       submission_key=submission_key)
    return ScaleChange(instrument=instrument, scale=current, rescored=rescored)


@transaction.atomic
def scale_delete(*, actor: User, scale: Scale, expected_version: int,
                 submission_key: UUID | None = None) -> ScaleChange:
    """Delete a scale (and its norm table) that no other scale builds on; completed administrations lose its
    score. An entered score that completed administrations hold, or the only scale of an instrument that
    has been given or scheduled, is refused: deleting would throw answers away or leave nothing to score."""
    instrument = scale.instrument
    _begin_scale_change(actor, instrument, expected_version, submission_key)
    items, scales = _definition(instrument)
    current = next((candidate for candidate in scales if candidate.pk == scale.pk), None)
    if current is None:
        raise StaleEditError(str(StaleEditError.message))
    remaining = [other for other in scales if other.pk != current.pk]
    for other in remaining:
        if current.key in (other.parts or []) or current.key in (other.sum_of or []):
            raise ValidationError(_("%(other)s is built on %(scale)s; change or delete %(other)s first.") % {
                "other": other.name, "scale": current.name})
    live = Administration.objects.filter(instrument=instrument).exclude(status=AdministrationStatus.CANCELLED)
    if not remaining and live.exists():
        raise ValidationError(_(
            "%(scale)s is the only scale of an instrument that has measures scheduled or done; add another scale "
            "before deleting this one.") % {"scale": current.name})
    if current.kind == ScaleKind.ENTERED:
        holding = live.filter(status=AdministrationStatus.COMPLETED, answers__has_key=current.key).count()
        if holding:
            raise ValidationError(ngettext(
                "%(count)s completed measure holds a score entered for %(scale)s, so it cannot be deleted.",
                "%(count)s completed measures hold a score entered for %(scale)s, so it cannot be deleted.",
                holding) % {"count": holding, "scale": current.name})
    spec = _check_definition(instrument, items, remaining, None)
    rescored = _rescore(actor=actor, instrument=instrument, items=items, scales=remaining, spec=spec)
    audit.record_change(user=actor, obj=current, action=Action.DELETE)
    current.delete()
    audit.record_change(user=actor, obj=instrument, action=Action.UPDATE)
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=instrument)
    return ScaleChange(instrument=instrument, scale=None, rescored=rescored)


def instrument_of_submission(*, actor: User, submission_key: UUID | None) -> Instrument | None:
    """The instrument a submission already changed, for a second click on a delete whose scale is gone."""
    instrument_id = submitted_pk(owner=_submission_owner(actor), key=submission_key)
    return Instrument.objects.filter(pk=instrument_id).first() if instrument_id else None


# --- normative tables -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NormRowData:
    line: int  # the file's line, for messages
    min_months: int | None
    max_months: int | None
    raw_low: float
    raw_high: float
    standard_score: float | None
    percentile: float | None


@dataclass
class NormFileProblems(Exception):
    """The file's problems, each naming its line; nothing was saved."""

    messages: list[str] = field(default_factory=list)


def _cell_number(text: str, *, whole: bool) -> float | None:
    if not text.strip():
        return None
    value = float(text.strip().replace(",", "."))  # ValueError for text; a decimal comma is common in Spanish
    if not math.isfinite(value):
        raise ValueError(text)
    if whole and not value.is_integer():
        raise ValueError(text)
    return value


def _norm_file_message(problem: TableError) -> str:
    """The spreadsheet reader's refusal in the person's language, with the norm table's own advice on size."""
    return table_error_message(
        problem,
        too_large=_("The file is larger than %(size)s MB; a norm table is far smaller. Check that you chose the "
                    "table's file.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)},
        too_many_rows=_("The file has more than %(count)s rows.") % {"count": MAX_NORM_ROWS},
    )


def _parse_norm_rows(table: Table) -> list[NormRowData]:
    """Every row checked, every problem collected with its line: a person fixes the file once, not line by line."""
    missing = table.missing(NORM_COLUMNS)
    if missing:
        raise NormFileProblems([_("The file has no column %(columns)s. The columns are: %(expected)s.") % {
            "columns": ", ".join(missing), "expected": ", ".join(NORM_COLUMNS)}])
    if not table.rows:
        raise NormFileProblems([_("The file has no rows.")])
    if len(table.rows) > MAX_NORM_ROWS:
        raise NormFileProblems([_("The file has more than %(count)s rows.") % {"count": MAX_NORM_ROWS}])
    problems: list[str] = []
    parsed: list[NormRowData] = []
    for line, row in table:
        values: dict[str, float | None] = {}
        row_problems = []
        for column in NORM_COLUMNS:
            try:
                values[column] = _cell_number(row.get(column, ""), whole=column.endswith("_months"))
            except ValueError:
                row_problems.append(_("%(column)s %(value)s is not a number") % {
                    "column": column, "value": repr(row.get(column, ""))} if not column.endswith("_months") else
                    _("%(column)s %(value)s is not a whole number of months") % {
                        "column": column, "value": repr(row.get(column, ""))})
        if not row_problems:
            if values["raw_low"] is None or values["raw_high"] is None:
                row_problems.append(_("raw_low and raw_high are both needed"))
            elif values["raw_low"] > values["raw_high"]:  # type: ignore[operator]
                row_problems.append(_("raw_low is above raw_high"))
            if values["standard_score"] is None and values["percentile"] is None:
                row_problems.append(_("give a standard_score or a percentile"))
            percentile = values["percentile"]
            if percentile is not None and not 0 <= percentile <= 100:
                row_problems.append(_("percentile must be from 0 to 100"))
            low_age, high_age = values["min_months"], values["max_months"]
            if (low_age is not None and low_age < 0) or (high_age is not None and high_age < 0):
                row_problems.append(_("months cannot be negative"))
            elif low_age is not None and high_age is not None and low_age > high_age:
                row_problems.append(_("min_months is above max_months"))
        if row_problems:
            problems.append(_("Line %(line)s: %(problems)s.") % {"line": line, "problems": "; ".join(row_problems)})
            continue
        parsed.append(NormRowData(
            line=line,
            min_months=None if values["min_months"] is None else int(values["min_months"]),
            max_months=None if values["max_months"] is None else int(values["max_months"]),
            raw_low=values["raw_low"], raw_high=values["raw_high"],  # type: ignore[arg-type]  # checked above
            standard_score=values["standard_score"], percentile=values["percentile"],
        ))
    if problems:
        raise NormFileProblems(problems)
    return parsed


def _age_bands(rows: Sequence[NormRowData]) -> list[list[NormRowData]]:
    """Rows grouped by age band, youngest first and lowest raw score first within a band (manuals often
    print tables from the highest score down)."""
    ordered = sorted(rows, key=lambda row: (
        row.min_months is not None, row.min_months or 0, row.max_months is None, row.max_months or 0, row.raw_low,
    ))
    bands: list[list[NormRowData]] = []
    for row in ordered:
        if bands and (bands[-1][0].min_months, bands[-1][0].max_months) == (row.min_months, row.max_months):
            bands[-1].append(row)
        else:
            bands.append([row])
    return bands


_NORM_PLACE = re.compile(r"age_bands\[(\d+)\](?:\.rows\[(\d+)\])?")


def _check_norms(scale: Scale, bands: list[list[NormRowData]]) -> None:
    """The engine judges the table; its verdict is said with the line of the file it is about."""
    table = scoring.NormTable(age_bands=tuple(
        scoring.NormAgeBand(
            rows=tuple(scoring.NormRow(raw_low=row.raw_low, raw_high=row.raw_high,
                                       standard_score=row.standard_score, percentile=row.percentile)
                       for row in band),
            min_months=band[0].min_months, max_months=band[0].max_months,
        )
        for band in bands
    ))
    low = min(row.raw_low for band in bands for row in band)
    high = max(row.raw_high for band in bands for row in band)
    try:
        scoring.InstrumentSpec(key=scale.instrument.key, entered=(
            scoring.EnteredScore(key=scale.key, minimum=low, maximum=high, norms=table),
        ))
    except scoring.SpecError as problem:
        message = str(problem)
        place = _NORM_PLACE.search(message)
        line: int | None = None
        if place:
            band = bands[int(place.group(1))]
            line = band[int(place.group(2))].line if place.group(2) is not None else band[0].line
        if "age bands must be in ascending order" in message:
            text = _("its age band overlaps another age band, or an open-ended age band is not the last one")
        elif "only the last age band may be open-ended" in message:
            text = _("only the oldest age band may leave max_months empty")
        elif "ranges must be in ascending order and must not overlap" in message:
            text = _("its raw scores overlap those of another row of the same age band")
        else:
            text = _spec_problem(problem)
        raise NormFileProblems([
            _("Line %(line)s: %(problem)s.") % {"line": line, "problem": text} if line is not None else text
        ]) from problem


@transaction.atomic
def norm_table_upload(*, actor: User, scale: Scale, upload: IO[bytes], filename: str, source: str) -> NormTable:
    """Replace the scale's norm table with the file's rows, all or nothing.

    Raises `NormFileProblems` (every row's problem with its line) or `ValidationError` (no source)."""
    _require_manageable(actor, scale.instrument)
    source = source.strip()
    if not source:
        raise ValidationError({"source": _("Say where the table comes from (manual, edition, table).")})
    try:
        table = read_table(upload, filename=filename, max_bytes=MAX_UPLOAD_BYTES, max_rows=MAX_NORM_ROWS)
    except TableError as problem:
        raise NormFileProblems([_norm_file_message(problem)]) from problem
    bands = _age_bands(_parse_norm_rows(table))
    _check_norms(scale, bands)
    rows = [
        {"min_months": row.min_months, "max_months": row.max_months, "raw_low": row.raw_low,
         "raw_high": row.raw_high, "standard_score": row.standard_score, "percentile": row.percentile}
        for band in bands for row in band
    ]
    norm_table, created = NormTable.objects.update_or_create(
        scale=scale, defaults={"source": source[:300], "rows": rows, "uploaded_by": actor},
    )
    audit.record_change(user=actor, obj=norm_table, action=Action.CREATE if created else Action.UPDATE)
    return norm_table

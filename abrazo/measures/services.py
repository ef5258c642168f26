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
from django.utils.text import slugify
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.accounts.models import User
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import save_versioned
from abrazo.core.submissions import AlreadySubmitted as AlreadySubmitted  # re-exported for views and tests
from abrazo.core.submissions import claim_submission, remember_submission
from abrazo.core.tabular import Table, TableError, read_table
from abrazo.directory.models import Network
from abrazo.measures import scoring
from abrazo.measures.models import Instrument, Level, NormTable, Respondent, Scale, ScaleKind, ScaleMethod, Source

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
        table = read_table(upload, filename=filename)
    except TableError as problem:
        raise NormFileProblems([str(problem)]) from problem
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

"""Writes for administrations: scheduling, recording answers (from the form, a survey link or REDCap),
scoring them, cancelling. The registry's writes are in `services.py`; this module is the same kind of
thing for the answers, kept apart because the two change for different reasons.

Answers are validated here, not in the forms, so that the fast-entry form, a survey link and a REDCap
record import refuse exactly the same things: a choice the item does not offer, a number outside the
item's range (REDCap's validation minimum and maximum, or the score range the engine knows), a required
item left blank, an answer to an item the instrument does not have. Branching logic decides which items
were shown: a hidden item is not required and its answer is dropped, as REDCap does when it saves.
Every problem is collected before anything is refused, so a person fixes them all in one go.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import save_versioned
from abrazo.core.submissions import AlreadySubmitted as AlreadySubmitted  # re-exported for views and tests
from abrazo.core.submissions import claim_submission, remember_submission
from abrazo.measures import branching, entered_totals, scoring, specs
from abrazo.measures.models import (
    Administration,
    AdministrationStatus,
    AnswerSource,
    Instrument,
    Item,
    Respondent,
    Scale,
    ScaleKind,
    Timepoint,
)

MEASURE_RECORD = "measure.record"
# The follow-up administration falls due a month after closure, like the episode's own follow-up.
FOLLOW_UP_AFTER = dt.timedelta(days=30)
# Consultants are reminded this many days before an administration falls due (and while it is overdue).
REMIND_DAYS_AHEAD = 3
LANGUAGES = ("en", "es")
MAX_TEXT_LENGTH = 5_000  # a free-text answer longer than this is a pasted document, not an answer

# Fields that carry no answer of their own: text to read, REDCap's calculations, uploads and SQL lookups.
NO_ANSWER_TYPES = frozenset({"descriptive", "calc", "file", "sql"})
CHOICE_TYPES = frozenset({"radio", "dropdown", "checkbox"})
BINARY_CODES = {"yesno": ("1", "0"), "truefalse": ("1", "0")}
NUMBER_VALIDATIONS = frozenset({"integer", "number", "number_1dp", "number_2dp", "number_3dp", "number_4dp",
                                "number_1dp_comma_decimal", "number_2dp_comma_decimal", "number_comma_decimal"})


class Problem:
    """Stable codes for what is wrong with an answer (the API and logs carry them)."""

    REQUIRED = "required"
    NOT_A_CHOICE = "not_a_choice"
    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"
    WHOLE_NUMBER = "whole_number"
    UNKNOWN_ITEM = "unknown_item"
    TOO_LONG = "too_long"
    INVALID = "invalid"
    CONSENT_REQUIRED = "consent_required"
    TOTAL_MISMATCH = "total_mismatch"  # a scores-only total typed that is not the sum of its subscales


CONSENT_KEY = "respondent_consent"  # the "item" a missing consent is reported against


@dataclass(frozen=True)
class AnswerProblem:
    """One unacceptable answer: which item, what is wrong (a `Problem` code) and the values to explain it.

    `message()` says it in the active language, naming the item by its wording (in the reader's language
    when the instrument has it) and the allowed range or choices."""

    item: str
    code: str
    value: Any = None
    label_en: str = ""
    label_es: str = ""
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str, ...] = ()
    whole_numbers: bool = False
    expected: float | None = None  # a total's sum of its subscales
    parts: tuple[tuple[str, str], ...] = ()  # the subscales a total adds up: (English, Spanish) names

    @property
    def label(self) -> str:
        return _in_reader_language(self.label_en, self.label_es) or self.item

    def message(self) -> str:
        name = _short(self.label)
        values = {"item": name, "value": _short(str(self.value)) if self.value is not None else "",
                  "minimum": _number_text(self.minimum), "maximum": _number_text(self.maximum),
                  "allowed": ", ".join(self.allowed)}
        if self.code == Problem.REQUIRED:
            return _("“%(item)s” needs an answer.") % values
        if self.code == Problem.NOT_A_CHOICE:
            return _("“%(item)s”: “%(value)s” is not one of the answers offered (%(allowed)s).") % values
        if self.code == Problem.NOT_A_NUMBER:
            return _("“%(item)s”: “%(value)s” is not a number.") % values
        if self.code in (Problem.OUT_OF_RANGE, Problem.WHOLE_NUMBER):
            if self.minimum is not None and self.maximum is not None:
                if self.whole_numbers:
                    return _("“%(item)s”: %(value)s is not allowed; give a whole number from %(minimum)s to "
                             "%(maximum)s.") % values
                return _("“%(item)s”: %(value)s is not allowed; give a number from %(minimum)s to "
                         "%(maximum)s.") % values
            if self.minimum is not None:
                return _("“%(item)s”: %(value)s is not allowed; give %(minimum)s or more.") % values
            if self.maximum is not None:
                return _("“%(item)s”: %(value)s is not allowed; give %(maximum)s or less.") % values
            return _("“%(item)s”: %(value)s is not allowed; give a whole number.") % values
        if self.code == Problem.UNKNOWN_ITEM:
            return _("“%(item)s” is not a question of this instrument.") % values
        if self.code == Problem.TOO_LONG:
            return _("“%(item)s”: the answer is too long.") % values
        if self.code == Problem.CONSENT_REQUIRED:
            return _("Confirm that the respondent agreed to answer.")
        if self.code == Problem.TOTAL_MISMATCH:
            # The entry form's own wording for the same refusal (one string to translate).
            return _("“%(total)s” is %(typed)s, but the scores it adds up (%(parts)s) come to %(expected)s. Correct "
                     "the total or those scores, or leave the total empty to have it added up.") % {
                "total": name, "typed": values["value"],
                "parts": ", ".join(_in_reader_language(english, spanish) for english, spanish in self.parts),
                "expected": entered_totals.number_text(self.expected or 0.0)}
        return _("“%(item)s”: “%(value)s” is not a valid answer.") % values


class AnswersRejected(ValidationError):
    """Answers that cannot be recorded; `problems` lists every one of them. Nothing was saved.

    A ValidationError, so a view that only knows Django's errors still shows the messages."""

    def __init__(self, problems: Sequence[AnswerProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__([problem.message() for problem in self.problems])

    def by_item(self) -> dict[str, list[AnswerProblem]]:
        found: dict[str, list[AnswerProblem]] = {}
        for problem in self.problems:
            found.setdefault(problem.item, []).append(problem)
        return found


def _in_reader_language(english: str, spanish: str) -> str:
    spanish_reader = (get_language() or "en").startswith("es")
    return spanish if spanish_reader and spanish else english


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _number(text: str) -> float | None:
    """A finite number from what a person typed ("3", "3.5", "3,5"); None when it is not one."""
    try:
        number = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _choice_labels(item: Item) -> list[tuple[str, str]]:
    """(code, label in the reader's language) for an item's offered answers."""
    if item.field_type in BINARY_CODES:
        yes, no = (_("Yes"), _("No")) if item.field_type == "yesno" else (_("True"), _("False"))
        return [("1", yes), ("0", no)]
    spanish = (get_language() or "en").startswith("es")
    labels = []
    for choice in item.choices or []:
        code = str(choice[0]) if choice else ""
        english = str(choice[1]) if len(choice) > 1 else code
        translated = str(choice[2]) if len(choice) > 2 and choice[2] else ""
        labels.append((code, translated if spanish and translated else english))
    return labels


def choice_codes(item: Item) -> list[str]:
    if item.field_type in BINARY_CODES:
        return list(BINARY_CODES[item.field_type])
    return [str(choice[0]) for choice in item.choices or [] if choice]


def _problem(item: Item, code: str, value: Any = None, **extra: Any) -> AnswerProblem:
    return AnswerProblem(item=item.key, code=code, value=value, label_en=item.label_en, label_es=item.label_es,
                         **extra)


def _branching_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers in the shape the branching evaluator reads: text, and sets of ticked codes for checkboxes."""
    shaped: dict[str, Any] = {}
    for key, value in answers.items():
        shaped[key] = frozenset(value) if isinstance(value, list | tuple | set | frozenset) else _as_text(value)
    return shaped


def shown_items(items: Sequence[Item], answers: Mapping[str, Any]) -> set[str]:
    """The keys of the items REDCap would show for these answers. An answer to a hidden item cannot show
    another item, so visibility is worked out again without hidden answers until nothing changes. Logic
    Abrazo cannot evaluate shows the item (the safe side: it can be answered, and nothing is dropped)."""
    shaped = _branching_answers(answers)
    shown = {item.key for item in items}
    for _round in range(len(items) + 1):
        visible_answers = {key: value for key, value in shaped.items() if key in shown}
        now_shown = set()
        for item in items:
            try:
                if branching.evaluate(item.branching_logic or "", visible_answers):
                    now_shown.add(item.key)
            except branching.BranchingError:
                now_shown.add(item.key)
        if now_shown == shown:
            break
        shown = now_shown
    return shown


def _check_number(item: Item, text: str, engine_item: scoring.Item | None) -> AnswerProblem | None:
    number = _number(text)
    if number is None:
        return _problem(item, Problem.NOT_A_NUMBER, text)
    low, high = _number(item.validation_min or ""), _number(item.validation_max or "")
    whole = item.validation == "integer"
    if engine_item is not None and engine_item.codes is None:
        low = engine_item.low if low is None else max(low, engine_item.low)
        high = engine_item.high if high is None else min(high, engine_item.high)
        whole = whole or engine_item.whole_numbers
    if (low is not None and number < low) or (high is not None and number > high):
        return _problem(item, Problem.OUT_OF_RANGE, text, minimum=low, maximum=high, whole_numbers=whole)
    if whole and not number.is_integer():
        return _problem(item, Problem.WHOLE_NUMBER, text, minimum=low, maximum=high, whole_numbers=True)
    return None


def _clean_item_answer(item: Item, value: Any, engine_item: scoring.Item | None) -> tuple[Any, AnswerProblem | None]:
    """The answer as it is stored (text, or a sorted list of codes for a checkbox) and its problem, if any."""
    if item.field_type == "checkbox":
        ticked = value if isinstance(value, list | tuple | set | frozenset) else [value] if _as_text(value) else []
        codes = sorted({_as_text(code) for code in ticked if _as_text(code)})
        offered = choice_codes(item)
        wrong = [code for code in codes if code not in offered]
        if wrong:
            return codes, _problem(item, Problem.NOT_A_CHOICE, ", ".join(wrong),
                                   allowed=tuple(label for _code, label in _choice_labels(item)))
        return codes, None
    if isinstance(value, list | tuple | set | frozenset):
        return value, _problem(item, Problem.INVALID, ", ".join(map(str, value)))
    text = _as_text(value)
    if item.field_type in CHOICE_TYPES or item.field_type in BINARY_CODES:
        offered = choice_codes(item)
        if text not in offered:
            # "3.0" from a spreadsheet is the code "3"
            number = _number(text)
            match = next((code for code in offered if number is not None and _number(code) == number), None)
            if match is None:
                return text, _problem(item, Problem.NOT_A_CHOICE, text,
                                      allowed=tuple(f"{code} = {label}" for code, label in _choice_labels(item)))
            text = match
        if engine_item is not None and engine_item.codes is not None:
            number = _number(text)
            if number is not None and number not in engine_item.codes and number not in engine_item.missing_codes:
                return text, _problem(item, Problem.NOT_A_CHOICE, text,
                                      allowed=tuple(_number_text(code) for code in engine_item.sorted_codes or ()))
        return text, None
    if len(text) > MAX_TEXT_LENGTH:
        return text[:MAX_TEXT_LENGTH], _problem(item, Problem.TOO_LONG)
    is_number = item.field_type == "slider" or item.validation in NUMBER_VALIDATIONS or (
        engine_item is not None and engine_item.codes is None)
    if is_number:
        problem = _check_number(item, text, engine_item)
        if problem is None:
            number = _number(text)
            text = _number_text(number) if number is not None else text
        return text, problem
    return text, None


def _entered_problem(scale: Scale, entered: scoring.EnteredScore, text: str) -> AnswerProblem | None:
    number = _number(text)
    problem = partial(AnswerProblem, item=scale.key, value=text, label_en=scale.name_en, label_es=scale.name_es)
    if number is None:
        return problem(code=Problem.NOT_A_NUMBER)
    if not entered.is_allowed(number):
        # inside the range but not whole (a T-score typed with decimals)
        code = Problem.WHOLE_NUMBER if entered.minimum <= number <= entered.maximum else Problem.OUT_OF_RANGE
        return problem(code=code, minimum=entered.minimum, maximum=entered.maximum,
                       whole_numbers=entered.whole_numbers)
    return None


@dataclass(frozen=True)
class CheckedAnswers:
    answers: dict[str, Any]  # what is stored: hidden and blank answers dropped
    problems: tuple[AnswerProblem, ...]


def _unscored_engine_items(items: Sequence[Item]) -> dict[str, scoring.Item]:
    """The engine's view of the items of an instrument with no scale yet, as `specs.build_spec` would give it
    with one (a slider keeps its range). An item the engine cannot read is judged by its own field alone:
    nothing scores it."""
    found: dict[str, scoring.Item] = {}
    for item in items:
        try:
            converted = specs.scoring_item(item)
        except scoring.SpecError:
            continue
        if converted is not None:
            found[item.key] = converted
    return found


def scoring_spec(instrument: Instrument, items: Sequence[Item],
                 scales: Sequence[Scale]) -> scoring.InstrumentSpec | None:
    """What the answers are scored with, or None when the instrument has no scale yet (a REDCap instrument
    starts with none): its answers are then kept, judged by their items alone, with no scores."""
    if not scales:
        return None
    return specs.build_spec(instrument, items, scales)


def check_answers(instrument: Instrument, answers: Mapping[str, Any], *, spec: scoring.InstrumentSpec | None,
                  items: Sequence[Item] | None = None, scales: Sequence[Scale] | None = None) -> CheckedAnswers:
    """Every problem with the answers, and the answers as they would be stored (pure of writes).

    `spec` is `scoring_spec(...)`: None for an instrument with no scale. A scores-only total that is the sum
    of its subscales (`Scale.sum_of`) is added up when left blank and refused when typed and different, so
    the entry form, a survey link and a REDCap import treat it alike."""
    items = list(items if items is not None else instrument.items.all())
    scales = list(scales if scales is not None else instrument.scales.all())
    problems: list[AnswerProblem] = []
    cleaned: dict[str, Any] = {}
    if instrument.scores_only:
        entered_by_key = {entered.key: entered for entered in spec.entered} if spec is not None else {}
        scale_by_key = {scale.key: scale for scale in scales if scale.kind == ScaleKind.ENTERED}
        totals = {scale.key: list(scale.sum_of) for scale in scales if scale.kind == ScaleKind.ENTERED and scale.sum_of}
        answers, mismatches = entered_totals.fill_totals(totals, answers)
        names = {scale.key: (scale.name_en, scale.name_es) for scale in scales}
        for mismatch in mismatches:
            total = scale_by_key[mismatch.key]
            problems.append(AnswerProblem(
                item=total.key, code=Problem.TOTAL_MISMATCH, value=mismatch.typed, label_en=total.name_en,
                label_es=total.name_es, expected=mismatch.expected,
                parts=tuple(names.get(key, (key, "")) for key in totals[mismatch.key])))
        for key, value in answers.items():
            if key not in scale_by_key:
                problems.append(AnswerProblem(item=str(key), code=Problem.UNKNOWN_ITEM, value=value))
                continue
            text = _as_text(value)
            if not text:
                continue
            problem = _entered_problem(scale_by_key[key], entered_by_key[key], text)
            if problem:
                problems.append(problem)
            number = _number(text)
            cleaned[key] = _number_text(number) if number is not None and problem is None else text
        return CheckedAnswers(cleaned, tuple(problems))
    by_key = {item.key: item for item in items}
    engine_items = {item.key: item for item in spec.items} if spec is not None else _unscored_engine_items(items)
    for key, value in answers.items():
        if key not in by_key:
            problems.append(AnswerProblem(item=str(key), code=Problem.UNKNOWN_ITEM, value=value))
    shown = shown_items(items, {key: value for key, value in answers.items() if key in by_key})
    for item in items:
        if item.key not in shown or item.field_type in NO_ANSWER_TYPES:
            continue  # REDCap drops what a hidden field held; descriptive text and calculations hold nothing
        value = answers.get(item.key)
        stored, problem = _clean_item_answer(item, value, engine_items.get(item.key))
        if stored in ("", [], None):
            if item.required:
                problems.append(_problem(item, Problem.REQUIRED))
            continue
        if problem is not None:
            problems.append(problem)
        cleaned[item.key] = stored
    return CheckedAnswers(cleaned, tuple(problems))


def _age_months(administration: Administration, on: dt.date) -> float | None:
    child = administration.child
    born = getattr(child, "date_of_birth", None) if child is not None else None
    if born is None:
        return None
    months = (on.year - born.year) * 12 + (on.month - born.month) - (1 if on.day < born.day else 0)
    return float(months) if months >= 0 else None


def scores_as_stored(scores: scoring.Scores) -> dict[str, dict[str, Any]]:
    """The engine's scores in the shape kept on an administration: scale key -> its numbers and codes."""
    return {
        scale.key: {
            "raw": scale.raw, "band": scale.band, "standard_score": scale.standard_score,
            "percentile": scale.percentile, "prorated": scale.prorated, "answered": scale.answered,
            "missing": scale.missing, "reason": scale.reason or scale.norm_reason,
        }
        for scale in scores.scales
    }


def needs_consent(administration: Administration) -> bool:
    """Whether someone other than the consultant answers, so their agreement is asked for and recorded."""
    return administration.respondent_role != Respondent.CONSULTANT


def _submission_owner(actor: Any) -> str:
    return f"measures-administration:{actor.pk}"


@transaction.atomic
def administration_record_answers(
    *,
    actor: Any,  # the signed-in user, or None when a respondent answers through a survey link
    administration: Administration,
    answers: Mapping[str, Any],  # item key -> text, or a list of codes for a checkbox (REDCap's shape)
    language: str,
    source: str,  # an AnswerSource value
    respondent_consent: bool | None = None,
    completed_on: Any = None,  # a date; today when None
    expected_version: int | None = None,  # the version the editor loaded; a stale edit raises StaleEditError
    submission_key: UUID | None = None,  # the form's one-time key; a second submit raises AlreadySubmitted
) -> Administration:
    """Validate the answers against the instrument (ranges, choices, required items shown by branching
    logic), score them with the engine, store answers and scores, mark the administration completed and
    audit the change. Raises `AnswersRejected` with every problem (item, message code, values) when any
    answer is not acceptable; nothing is saved then.

    Answers entered in Abrazo or through a survey link from anyone but the consultant need the
    respondent's consent (`respondent_consent=True`); REDCap imports carry whatever REDCap recorded.
    A completed administration may be corrected (pass `expected_version`); a cancelled one may not."""
    if actor is not None and not access.can(actor, MEASURE_RECORD, administration):
        raise PermissionDenied(MEASURE_RECORD)
    if source not in AnswerSource.values:
        raise ValueError(f"unknown answer source {source!r}")
    if actor is not None:
        claim_submission(owner=_submission_owner(actor), key=submission_key, model=Administration)
    current = Administration.objects.select_for_update(of=("self",)).select_related("instrument", "child").get(
        pk=administration.pk)
    if current.status == AdministrationStatus.CANCELLED:
        raise ValidationError(_("This administration was cancelled; schedule a new one instead."))
    instrument = current.instrument
    items = list(instrument.items.all())
    scales = list(instrument.scales.select_related("norm_table").all())
    spec = scoring_spec(instrument, items, scales)
    checked = check_answers(instrument, answers, spec=spec, items=items, scales=scales)
    problems = list(checked.problems)
    if (source in (AnswerSource.FORM, AnswerSource.LINK) and needs_consent(current)
            and respondent_consent is not True):
        problems.append(AnswerProblem(item=CONSENT_KEY, code=Problem.CONSENT_REQUIRED))
    if problems:
        raise AnswersRejected(problems)
    day = completed_on or timezone.localdate()
    stored_scores: dict[str, dict[str, Any]] = {}  # nothing to score until the instrument has a scale
    if spec is not None:
        try:
            scores = specs.score_administration(instrument, checked.answers, spec=spec,
                                                age_months=_age_months(current, day))
        except scoring.AnswerError as error:  # the checks above mirror the engine's; this is the last guard
            raise AnswersRejected([AnswerProblem(item=error.item, code=Problem.OUT_OF_RANGE, value=error.value,
                                                 minimum=error.minimum, maximum=error.maximum,
                                                 whole_numbers=error.whole_numbers)]) from error
        stored_scores = scores_as_stored(scores)
    was_completed = current.status == AdministrationStatus.COMPLETED
    current.answers, current.scores = checked.answers, stored_scores
    current.status, current.completed_on = AdministrationStatus.COMPLETED, day
    current.language = language if language in LANGUAGES else current.language
    current.source, current.respondent_consent = source, respondent_consent
    current.entered_by = actor if actor is not None else current.entered_by
    fields = ["answers", "scores", "status", "completed_on", "language", "source", "respondent_consent",
              "entered_by"]
    save_versioned(current, expected_version=current.version if expected_version is None else expected_version,
                   update_fields=fields)
    audit.record_change(user=actor, obj=current, action=Action.UPDATE if was_completed else Action.CREATE)
    if actor is not None:
        remember_submission(owner=_submission_owner(actor), key=submission_key, obj=current)
    return current


# --- scheduling ----------------------------------------------------------------------------------------


def default_due_on(episode: Any, timepoint: str) -> dt.date | None:
    """Pre at the episode's start, post at closure, follow-up a month after closure (None while open)."""
    closed = timezone.localdate(episode.closed_at) if episode.closed_at else None
    if timepoint == Timepoint.PRE:
        return timezone.localdate(episode.opened_at)
    if timepoint == Timepoint.POST:
        return closed
    if timepoint == Timepoint.FOLLOW_UP:
        return closed + FOLLOW_UP_AFTER if closed else None
    return None


def _require_record_on(actor: Any, episode: Any) -> None:
    if not access.can(actor, MEASURE_RECORD, episode):
        raise PermissionDenied(MEASURE_RECORD)


def _check_instrument(instrument: Instrument, episode: Any) -> None:
    if instrument.network_id not in (None, episode.network_id) or not instrument.is_active:
        raise ValidationError({"instrument": _("Choose one of the network's active instruments.")})


def _language_for(instrument: Instrument, episode: Any, language: str | None) -> str:
    offered = [code for code in (instrument.languages or ["en"]) if code in LANGUAGES] or ["en"]
    wanted = language or getattr(episode, "language_id", None) or "en"
    return wanted if wanted in offered else offered[0]


@transaction.atomic
def administration_schedule(
    *,
    actor: Any,
    episode: Any,  # consultations.Episode
    instrument: Instrument,
    timepoint: str,
    due_on: dt.date | None = None,  # the default for the time point when None
    respondent_role: str | None = None,  # the instrument's respondent when None
    respondent_staff: Any = None,  # a directory.ProgramStaff of the episode's program
    language: str | None = None,
    submission_key: UUID | None = None,
) -> Administration:
    """Schedule one administration of an instrument on an episode. The same instrument, time point and
    respondent cannot be scheduled twice (a cancelled one may be scheduled again)."""
    _require_record_on(actor, episode)
    claim_submission(owner=_submission_owner(actor), key=submission_key, model=Administration)
    _check_instrument(instrument, episode)
    if timepoint not in Timepoint.values:
        raise ValidationError({"timepoint": _("Choose a time point.")})
    role = respondent_role or instrument.respondent
    if role not in Respondent.values:
        raise ValidationError({"respondent_role": _("Choose who answers.")})
    if respondent_staff is not None and respondent_staff.program_id != episode.program_id:
        raise ValidationError({"respondent_staff": _("The respondent must work at the episode's program.")})
    duplicate = Administration.objects.filter(
        episode=episode, instrument=instrument, timepoint=timepoint, respondent_role=role,
        respondent_staff=respondent_staff,
    ).exclude(status=AdministrationStatus.CANCELLED)
    if duplicate.exists():
        raise ValidationError({"timepoint": _("This instrument is already scheduled at this time point for this "
                                              "respondent.")})
    administration = Administration.objects.create(
        network_id=episode.network_id, instrument=instrument, episode=episode, program_id=episode.program_id,
        respondent_staff=respondent_staff, respondent_role=role, timepoint=timepoint,
        due_on=due_on or default_due_on(episode, timepoint), language=_language_for(instrument, episode, language),
        entered_by=actor,
    )
    audit.record_change(user=actor, obj=administration, action=Action.CREATE)
    remember_submission(owner=_submission_owner(actor), key=submission_key, obj=administration)
    return administration


@transaction.atomic
def schedule_for_episode(*, actor: Any, episode: Any, instruments: Iterable[Instrument]) -> list[Administration]:
    """Schedule the pre administration of each chosen instrument (due at the episode's start), skipping
    instruments that already have one."""
    _require_record_on(actor, episode)
    made = []
    for instrument in instruments:
        exists = Administration.objects.filter(episode=episode, instrument=instrument, timepoint=Timepoint.PRE).exclude(
            status=AdministrationStatus.CANCELLED).exists()
        if not exists:
            made.append(administration_schedule(actor=actor, episode=episode, instrument=instrument,
                                                 timepoint=Timepoint.PRE))
    return made


@transaction.atomic
def administrations_due_at_closure(*, actor: Any, episode: Any) -> list[Administration]:
    """Called by the episode's closure: every instrument given before now has its post administration due
    at closure (created when missing, dated when undated), and a follow-up scheduled without a date falls
    due a month later. The closing person's right to close is checked by the closure itself."""
    closed = timezone.localdate(episode.closed_at) if episode.closed_at else timezone.localdate()
    live = Administration.objects.filter(episode=episode).exclude(status=AdministrationStatus.CANCELLED)
    changed: list[Administration] = []
    for administration in live.filter(due_on=None, status=AdministrationStatus.SCHEDULED,
                                      timepoint__in=[Timepoint.POST, Timepoint.FOLLOW_UP]):
        administration.due_on = closed if administration.timepoint == Timepoint.POST else closed + FOLLOW_UP_AFTER
        save_versioned(administration, expected_version=administration.version, update_fields=["due_on"])
        audit.record_change(user=actor, obj=administration, action=Action.UPDATE)
        changed.append(administration)
    with_post: set[tuple[Any, str, Any]] = set(live.filter(timepoint=Timepoint.POST).values_list(
        "instrument_id", "respondent_role", "respondent_staff_id"))
    pres = live.filter(timepoint=Timepoint.PRE).select_related("instrument").order_by("created_at")
    for pre in pres:
        if (pre.instrument_id, pre.respondent_role, pre.respondent_staff_id) in with_post:
            continue
        post = Administration.objects.create(
            network_id=episode.network_id, instrument=pre.instrument, episode=episode, program_id=episode.program_id,
            respondent_staff_id=pre.respondent_staff_id, respondent_role=pre.respondent_role,
            timepoint=Timepoint.POST, due_on=closed, language=pre.language, entered_by=actor,
        )
        with_post.add((pre.instrument_id, pre.respondent_role, pre.respondent_staff_id))
        audit.record_change(user=actor, obj=post, action=Action.CREATE)
        changed.append(post)
    return changed


@transaction.atomic
def administration_cancel(*, actor: Any, administration: Administration, expected_version: int) -> Administration:
    """Cancel a scheduled administration (answers already recorded are never thrown away this way)."""
    if not access.can(actor, MEASURE_RECORD, administration):
        raise PermissionDenied(MEASURE_RECORD)
    current = Administration.objects.select_for_update().get(pk=administration.pk)
    if current.status != AdministrationStatus.SCHEDULED:
        raise ValidationError(_("Only an administration still to be done can be cancelled."))
    current.status = AdministrationStatus.CANCELLED
    save_versioned(current, expected_version=expected_version, update_fields=["status"])
    audit.record_change(user=actor, obj=current, action=Action.UPDATE)
    return current


# --- reminders -----------------------------------------------------------------------------------------


def administration_reminders_send(*, today: dt.date | None = None) -> int:
    """Queue one reminder to the consultant for each administration due within three days or overdue.
    Safe to run as often as cron likes: each administration is claimed by a conditional UPDATE of
    `reminded_at` before its mail is queued (after commit), so it is reminded once, even by two runs."""
    from abrazo.measures import tasks

    today = today or timezone.localdate()
    due = Administration.objects.filter(
        status=AdministrationStatus.SCHEDULED, reminded_at=None, episode__isnull=False,
        due_on__lte=today + dt.timedelta(days=REMIND_DAYS_AHEAD),
    ).values_list("pk", flat=True)
    sent = 0
    for administration_id in list(due):
        with transaction.atomic():
            claimed = Administration.objects.filter(pk=administration_id, reminded_at=None).update(
                reminded_at=timezone.now())
            if claimed:
                sent += 1
                transaction.on_commit(partial(tasks.send_administration_reminder.enqueue, str(administration_id)))
    return sent

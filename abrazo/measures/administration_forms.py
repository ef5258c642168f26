"""Forms for administrations: scheduling one on an episode, and the fast entry form built from an
instrument's items (or, for a scores-only instrument, from its entered scores).

Every answer field is optional text here: the service judges answers (ranges, choices, required items that
branching logic shows), so that what a person typed comes back to them unchanged with the service's
message beside the field, and the survey link and REDCap imports are judged by the same rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abrazo.core.submissions import CreateOnceMixin
from abrazo.core.widgets import use_fast_widgets
from abrazo.directory.models import ProgramStaff
from abrazo.measures import entered_totals
from abrazo.measures.administrations import (
    CONSENT_KEY,
    NO_ANSWER_TYPES,
    NUMBER_VALIDATIONS,
    AnswersRejected,
    _choice_labels,
    needs_consent,
)
from abrazo.measures.models import Administration, Instrument, Item, Respondent, Scale, ScaleKind, Timepoint

LANGUAGE_NAMES = {"en": _("English"), "es": _("Spanish")}
ANSWER_PREFIX = "answer__"  # keeps item keys (REDCap variable names) apart from the form's own fields
# Radio buttons stay radios up to this many choices; a longer list is a select (a phone cannot show 30 radios).
MAX_RADIO_CHOICES = 12


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        use_fast_widgets(self)


class ScheduleForm(CreateOnceMixin, _Form):
    instrument = forms.ModelChoiceField(label=_("Instrument"), queryset=Instrument.objects.none())
    timepoint = forms.ChoiceField(label=_("Time point"), choices=Timepoint.choices, initial=Timepoint.PRE)
    respondent_role = forms.ChoiceField(
        label=_("Who answers"), choices=[("", _("The instrument's usual respondent")), *Respondent.choices],
        required=False,
    )
    respondent_staff = forms.ModelChoiceField(label=_("Respondent (program staff)"), required=False,
                                              queryset=ProgramStaff.objects.none())
    due_on = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for the usual date: the episode's start before, its closure after, a month after "
                    "closure for the follow-up."),
    )

    def __init__(self, *args: Any, instruments: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = instruments  # type: ignore[attr-defined]
        self.fields["respondent_staff"].queryset = staff  # type: ignore[attr-defined]


@dataclass
class Block:
    """One piece of the entry form's layout: a section header, descriptive text, a field, or a matrix."""

    kind: str  # "section", "text", "field", "matrix"
    text: str = ""
    bound: Any = None  # a BoundField
    item: Item | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)  # a matrix's shared answers
    rows: list[Any] = field(default_factory=list)  # a matrix's (item, BoundField) rows


def answer_field_name(key: str) -> str:
    return f"{ANSWER_PREFIX}{key}"


def _range_help(low: Any, high: Any) -> str:
    if low not in (None, "") and high not in (None, ""):
        return str(_("From %(low)s to %(high)s.") % {"low": _plain(low), "high": _plain(high)})
    return ""


def _plain(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


class AnyCodesField(forms.Field):
    """Ticked checkbox codes as a list, whatever they are: the service says which are not offered, so a
    refused code comes back with a message naming the item rather than Django's generic one."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        return [str(code) for code in value] if isinstance(value, list | tuple) else [str(value)]


def _item_field(item: Item) -> forms.Field | None:
    label = item.label or item.key
    help_text = item.field_note
    if item.field_type in NO_ANSWER_TYPES:
        return None
    if item.field_type == "checkbox":
        return AnyCodesField(label=label, required=False, help_text=help_text,
                             widget=forms.CheckboxSelectMultiple(choices=_choice_labels(item)))
    if item.field_type in ("radio", "dropdown", "yesno", "truefalse"):
        # A text field drawn as radios (or a select): the service, not the form, refuses a code not offered.
        choices = _choice_labels(item)
        many = len(choices) > MAX_RADIO_CHOICES
        widget: forms.Widget = forms.Select(choices=[("", "—"), *choices]) if many else forms.RadioSelect(
            attrs={"class": "answer-choices"}, choices=choices)
        return forms.CharField(label=label, required=False, help_text=help_text, widget=widget)
    if item.field_type == "notes":
        return forms.CharField(label=label, required=False, help_text=help_text, strip=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    number = item.field_type == "slider" or item.validation in NUMBER_VALIDATIONS or (
        item.score_min is not None and item.score_max is not None)
    attrs = {"inputmode": "numeric" if item.validation == "integer" else "decimal", "autocomplete": "off"} if number \
        else {}
    if number:
        low = item.validation_min or item.score_min
        high = item.validation_max or item.score_max
        if item.field_type == "slider" and low in (None, "") and high in (None, ""):
            low, high = 0, 100
        help_text = " ".join(part for part in (help_text, _range_help(low, high)) if part)
    return forms.CharField(label=label, required=False, help_text=help_text, strip=False,
                           widget=forms.TextInput(attrs=attrs))


class EntryForm(CreateOnceMixin, _Form):
    """The answers of one administration, with its date, language and the respondent's consent."""

    completed_on = forms.DateField(label=_("Date given"), widget=forms.DateInput(attrs={"type": "date"}))
    language = forms.ChoiceField(label=_("Language it was given in"), choices=[])
    respondent_consent = forms.BooleanField(
        label=_("The respondent agreed to answer and to have the answers kept"), required=False)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, administration: Administration, items: list[Item], scales: list[Scale],
                 **kwargs: Any) -> None:
        self.administration, self.items, self.scales = administration, items, scales
        instrument = administration.instrument
        initial: dict[str, Any] = {
            "completed_on": administration.completed_on or timezone.localdate(),
            "language": administration.language, "version": administration.version,
            "respondent_consent": bool(administration.respondent_consent),
        }
        for key, value in (administration.answers or {}).items():
            initial[answer_field_name(key)] = value
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        languages = [code for code in (instrument.languages or ["en"]) if code in LANGUAGE_NAMES] or ["en"]
        self.fields["language"].choices = [(code, LANGUAGE_NAMES[code]) for code in languages]  # type: ignore[attr-defined]
        if not needs_consent(administration):
            del self.fields["respondent_consent"]
        if instrument.scores_only:
            names = {scale.key: scale.name for scale in scales}
            for scale in scales:
                if scale.kind != ScaleKind.ENTERED:
                    continue
                help_text = _range_help(scale.score_min, scale.score_max)
                if scale.sum_of:
                    help_text = " ".join(part for part in (help_text, str(_(
                        "Leave it empty to have it added up from %(parts)s.") % {
                        "parts": ", ".join(names.get(key, key) for key in scale.sum_of)})) if part)
                self.fields[answer_field_name(scale.key)] = forms.CharField(
                    label=scale.name, required=False, strip=False, help_text=help_text,
                    widget=forms.TextInput(attrs={"inputmode": "numeric" if scale.whole_numbers else "decimal",
                                                  "autocomplete": "off"}),
                )
        else:
            for item in items:
                answer_field = _item_field(item)
                if answer_field is not None:
                    self.fields[answer_field_name(item.key)] = answer_field

    def clean_completed_on(self) -> dt.date:
        day = self.cleaned_data["completed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date given cannot be in the future."))
        return day  # type: ignore[no-any-return]

    def clean(self) -> dict[str, Any]:
        """A scores-only total that is the sum of its subscales: added up when left blank, refused (naming
        the sum) when typed and different. Whether each score is a number in range is the service's call."""
        cleaned = super().clean() or {}
        if not self.administration.instrument.scores_only:
            return cleaned
        totals = {scale.key: list(scale.sum_of) for scale in self.scales
                  if scale.kind == ScaleKind.ENTERED and scale.sum_of
                  and answer_field_name(scale.key) in self.fields}
        if not totals:
            return cleaned
        typed = {name[len(ANSWER_PREFIX):]: value for name, value in cleaned.items() if name.startswith(ANSWER_PREFIX)}
        filled, mismatches = entered_totals.fill_totals(totals, typed)
        for key in totals:
            if filled.get(key) != typed.get(key):
                cleaned[answer_field_name(key)] = filled[key]
        names = {scale.key: scale.name for scale in self.scales}
        for mismatch in mismatches:
            self.add_error(answer_field_name(mismatch.key), _(
                "“%(total)s” is %(typed)s, but the scores it adds up (%(parts)s) come to %(expected)s. Correct the "
                "total or those scores, or leave the total empty to have it added up.") % {
                "total": names.get(mismatch.key, mismatch.key), "typed": mismatch.typed,
                "parts": ", ".join(names.get(key, key) for key in totals[mismatch.key]),
                "expected": entered_totals.number_text(mismatch.expected)})
        return cleaned

    def answers(self) -> dict[str, Any]:
        """Item key -> what was typed or chosen (REDCap's shape: text, or a list of codes for a checkbox)."""
        found: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name.startswith(ANSWER_PREFIX):
                found[name[len(ANSWER_PREFIX):]] = value
        return found

    def expected_version(self) -> int:
        return int(self.cleaned_data["version"])

    def consent(self) -> bool | None:
        return bool(self.cleaned_data.get("respondent_consent")) if "respondent_consent" in self.fields else None

    def show_problems(self, rejected: AnswersRejected) -> None:
        """Each problem beside its field (the consent beside the checkbox); the rest at the top."""
        for problem in rejected.problems:
            name = "respondent_consent" if problem.item == CONSENT_KEY else answer_field_name(problem.item)
            self.add_error(name if name in self.fields else None, problem.message())

    def mark_stale(self, *, current_version: int, message: str) -> None:
        """Keep the person's input and adopt the stored version, so that their next save can go through."""
        data = self.data.copy()  # type: ignore[attr-defined]
        data["version"] = str(current_version)
        self.data = data
        self.add_error(None, message)

    def blocks(self) -> list[Block]:
        """The layout: section headers, descriptive text, fields, and matrix groups gathered as one grid."""
        if self.administration.instrument.scores_only:
            return [Block("field", bound=self[answer_field_name(scale.key)]) for scale in self.scales
                    if answer_field_name(scale.key) in self.fields]
        layout: list[Block] = []
        matrix: Block | None = None
        for item in self.items:
            if item.section_header:
                layout.append(Block("section", text=item.section_header))
                matrix = None
            if item.field_type == "descriptive":
                layout.append(Block("text", text=item.label, item=item))
                matrix = None
                continue
            name = answer_field_name(item.key)
            if name not in self.fields:
                continue
            bound = self[name]
            if item.matrix_group and item.field_type in ("radio", "checkbox") and \
                    not isinstance(bound.field.widget, forms.Select):
                choices = _choice_labels(item)
                if matrix is None or matrix.text != item.matrix_group or matrix.choices != choices:
                    matrix = Block("matrix", text=item.matrix_group, choices=choices)
                    layout.append(matrix)
                matrix.rows.append((item, bound))
                continue
            matrix = None
            layout.append(Block("field", bound=bound, item=item))
        return layout


class CancelForm(_Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

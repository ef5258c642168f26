"""Forms of the survey links: the staff form that sends one, and the respondent's survey built from the
instrument's items.

The survey form only shapes the answers (choices offered, numbers typed as numbers); whether an answer is
acceptable (ranges, required items shown by branching logic) is decided by the administrations service,
whose refusals are put back on the fields here. A compact builder, because the staff score-entry form
(`administration_forms.py`) was not there to reuse when this was written.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from abrazo.measures.links import DEFAULT_DAYS_VALID, MAX_DAYS_VALID
from abrazo.measures.models import Instrument, Item
from abrazo.measures.selectors import _choice_label

CHOICE_TYPES = {"radio", "dropdown", "yesno", "truefalse"}
NUMBER_VALIDATIONS = {"integer", "number", "number_1dp", "number_2dp", "number_comma_decimal"}
# Fields a respondent does not fill: REDCap computes them, shows them as text, or takes uploads we refuse.
UNANSWERED_TYPES = {"calc", "descriptive", "file", "sql"}


class SurveyLinkForm(forms.Form):
    email = forms.EmailField(label=_("Respondent's email address"), max_length=254)
    language = forms.ChoiceField(label=_("Language of the email and the survey"), choices=settings.LANGUAGES)
    days_valid = forms.IntegerField(
        label=_("Days the link stays valid"), min_value=1, max_value=MAX_DAYS_VALID, initial=DEFAULT_DAYS_VALID,
    )


def _yes_no_choices(item: Item) -> list[tuple[str, str]]:
    if item.field_type == "truefalse":
        return [("1", str(_("True"))), ("0", str(_("False")))]
    return [("1", str(_("Yes"))), ("0", str(_("No")))]


def _choices(item: Item) -> list[tuple[str, str]]:
    if item.choices:
        return [_choice_label(choice) for choice in item.choices]
    return _yes_no_choices(item) if item.field_type in ("yesno", "truefalse") else []


def _field_for(item: Item) -> forms.Field:
    label = item.label or item.key
    common: dict[str, Any] = {"label": label, "required": False, "help_text": item.field_note}
    if item.field_type in CHOICE_TYPES:
        widget = forms.Select if item.field_type == "dropdown" else forms.RadioSelect
        choices = _choices(item)
        if item.field_type == "dropdown":
            choices = [("", "—"), *choices]
        return forms.ChoiceField(choices=choices, widget=widget, **common)
    if item.field_type == "checkbox":
        return forms.MultipleChoiceField(choices=_choices(item), widget=forms.CheckboxSelectMultiple, **common)
    if item.field_type == "notes":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=4000, **common)
    # Text (with or without a number validation) and sliders arrive as text; the service checks the range.
    attrs = {"inputmode": "decimal"} if item.validation in NUMBER_VALIDATIONS or item.field_type == "slider" else {}
    return forms.CharField(widget=forms.TextInput(attrs=attrs), max_length=500, **common)


class SurveyForm(forms.Form):
    """The instrument's items, in the language active while it is built, plus the consent question when
    one is needed."""

    def __init__(self, *args: Any, instrument: Instrument, ask_consent: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ask_consent = ask_consent
        if ask_consent:
            self.fields["consent"] = forms.ChoiceField(
                label=_("Do you agree to answer this survey?"),
                choices=[("yes", _("Yes, I agree to answer")), ("no", _("No, I do not want to answer"))],
                widget=forms.RadioSelect,
                help_text=_("Your answers are used to understand how consultation is going. Taking part is "
                            "your choice."),
            )
        self.items: list[Item] = [
            item for item in instrument.items.order_by("position", "key") if item.field_type not in UNANSWERED_TYPES
        ]
        # A section header (or a descriptive field's text) opens a section at the next item answered.
        self.headers: dict[str, str] = {}
        pending: list[str] = []
        for item in instrument.items.order_by("position", "key"):
            if item.section_header:
                pending.append(item.section_header)
            if item.field_type == "descriptive":
                pending.append(item.label)
            elif item.field_type not in UNANSWERED_TYPES and pending:
                self.headers[item.key] = "\n".join(text for text in pending if text)
                pending = []
        for item in self.items:
            self.fields[item.key] = _field_for(item)

    def declined(self) -> bool:
        return self.ask_consent and self.cleaned_data.get("consent") == "no"

    def respondent_consent(self) -> bool | None:
        return (self.cleaned_data.get("consent") == "yes") if self.ask_consent else None

    def answers(self) -> dict[str, Any]:
        """Answers in REDCap's shape: text per item, a list of codes for a checkbox, "" when left blank."""
        answers: dict[str, Any] = {}
        for item in self.items:
            value = self.cleaned_data.get(item.key)
            if item.field_type == "checkbox":
                answers[item.key] = list(value or [])
            else:
                answers[item.key] = str(value or "").strip()
        return answers

    def item_sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The bound item fields grouped under their section headers, for the template."""
        sections: list[tuple[str, list[forms.BoundField]]] = []
        for item in self.items:
            header = self.headers.get(item.key, "")
            if header or not sections:
                sections.append((header, []))
            sections[-1][1].append(self[item.key])
        return sections

    def add_problems(self, problems: Any) -> None:
        """Put the service's refusals on the items they name (the rest at the top of the form)."""
        for problem in problems:
            if isinstance(problem, tuple | list):
                item_key, message = str(problem[0]), str(problem[1])
            else:
                item_key = str(getattr(problem, "item", "") or "")
                message = str(getattr(problem, "message", "") or problem)
            self.add_error(item_key if item_key in self.fields else None, message)

"""Forms of the survey links: the staff form that sends one, and the respondent's survey.

The survey is the staff score-entry form (`administration_forms.EntryForm`) without the fields only
staff fill (date given, language, version, the one-time key): the same items, widgets and layout, and the
same refusals from the answers service beside each field. A link already works once, so it needs no
one-time key of its own.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from abrazo.measures.administration_forms import EntryForm
from abrazo.measures.administrations import CONSENT_KEY, AnswersRejected
from abrazo.measures.links import (
    ABOUT_CONSULTATION,
    ABOUT_GROUP,
    ABOUT_TRAINING,
    DEFAULT_DAYS_VALID,
    MAX_DAYS_VALID,
    survey_about,
)
from abrazo.measures.models import Administration

STAFF_ONLY_FIELDS = ("completed_on", "language", "version", "submission_key")
# Why the respondent is asked to agree, in words that fit what the survey is about: training and group feedback
# is read by the people who run the training or the group, not by a consultant.
CONSENT_HELP = {
    ABOUT_CONSULTATION: _(
        "Your answers help your consultant and your program see how consultation is going. Taking part is "
        "your choice: if you prefer not to answer, use the button at the end."
    ),
    ABOUT_TRAINING: _(
        "Your answers help the people who run the training see what works and what to improve. Taking part is "
        "your choice: if you prefer not to answer, use the button at the end."
    ),
    ABOUT_GROUP: _(
        "Your answers help the people who run the group see what works and what to improve. Taking part is "
        "your choice: if you prefer not to answer, use the button at the end."
    ),
}


class SurveyLinkForm(forms.Form):
    email = forms.EmailField(label=_("Respondent's email address"), max_length=254)
    language = forms.ChoiceField(label=_("Language of the email and the survey"), choices=settings.LANGUAGES)
    days_valid = forms.IntegerField(
        label=_("Days the link stays valid"), min_value=1, max_value=MAX_DAYS_VALID, initial=DEFAULT_DAYS_VALID,
    )


class SurveyForm(EntryForm):
    """The instrument's items for a respondent, in the language active while it is built, with the
    consent question (when the answers service needs one) worded for the respondent."""

    def __init__(self, *args: Any, administration: Administration, **kwargs: Any) -> None:
        items = list(administration.instrument.items.order_by("position", "key"))
        super().__init__(*args, administration=administration, items=items, scales=[], **kwargs)
        for name in STAFF_ONLY_FIELDS:
            self.fields.pop(name, None)
        if "respondent_consent" in self.fields:
            self.fields["respondent_consent"].label = _("I agree to answer this survey and to have my answers kept.")
            self.fields["respondent_consent"].help_text = CONSENT_HELP[survey_about(administration)]

    @property
    def asks_consent(self) -> bool:
        return "respondent_consent" in self.fields

    def show_problems(self, rejected: AnswersRejected) -> None:
        """The service's refusals beside their items; its consent message is worded for staff, so the
        respondent gets one written for them."""
        others = [problem for problem in rejected.problems if problem.item != CONSENT_KEY]
        if len(others) != len(rejected.problems):
            self.add_error("respondent_consent" if self.asks_consent else None, _(
                "To send your answers, tick that you agree. If you prefer not to answer, use the button at the end."
            ))
        if others:
            super().show_problems(AnswersRejected(others))

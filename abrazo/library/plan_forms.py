"""Forms for resources in an episode's work: they parse input; plan_services checks it against the episode."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from abrazo.core.submissions import CreateOnceMixin
from abrazo.library.models import Audience


class PlanForm(forms.Form):
    """No colon after labels (the templates style labels themselves), as on the episode's own forms."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ResourceSearchForm(PlanForm):
    q = forms.CharField(label=_("Search the library"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    language = forms.ChoiceField(label=_("Language"), required=False,
                                 choices=lambda: [("", _("Any language")), *settings.LANGUAGES])
    audience = forms.ChoiceField(label=_("For"), required=False,
                                 choices=[("", _("Everyone")), *Audience.choices])

    def values(self) -> dict[str, str]:
        if not self.is_valid():
            return {"text": "", "language": "", "audience": ""}
        data = self.cleaned_data
        return {"text": data["q"], "language": data["language"], "audience": data["audience"]}


class AttachForm(PlanForm):
    resource = forms.UUIDField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Why it helps (optional)"), required=False,
                           max_length=500, help_text=_("One or two sentences the family or teacher will recognise."))


class RemoveForm(CreateOnceMixin, PlanForm):
    pass


class ShareForm(CreateOnceMixin, PlanForm):
    recipient_name = forms.CharField(label=_("Their name"), max_length=200)
    recipient_email = forms.EmailField(label=_("Their email"), max_length=254,
                                       widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    language = forms.ChoiceField(label=_("The language they read"), widget=forms.RadioSelect,
                                 choices=lambda: list(settings.LANGUAGES),
                                 help_text=_("The email is written in this language, and sends the resource in it "
                                             "when the library has that version."))
    message = forms.CharField(label=_("A note for them"), required=False,
                              max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Optional. Never write anything about the child here: email is not "
                                          "private."))

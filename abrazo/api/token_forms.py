"""The form for a new personal API token."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abrazo.api.models import DEFAULT_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME, SCOPES
from abrazo.api.services import scopes_for
from abrazo.directory.forms import DirectoryFormMixin


class TokenForm(DirectoryFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What the token is for, e.g. “Monthly report script”."))
    scopes = forms.MultipleChoiceField(
        label=_("What the token may do"), widget=forms.CheckboxSelectMultiple,
        help_text=_("A token never goes beyond what your own account may see and do; choose only what the "
                    "program using it needs."),
        error_messages={"required": _("Choose at least one.")},
    )
    expires_on = forms.DateField(
        label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("At most one year from today. The token stops working at the start of that day."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["scopes"].choices = [(scope, f"{scope}: {SCOPES[scope][0]}") for scope in scopes_for(user)]
        self.fields["expires_on"].initial = today + DEFAULT_TOKEN_LIFETIME
        self.fields["expires_on"].widget.attrs.update(
            min=(today + timedelta(days=1)).isoformat(), max=(today + MAX_TOKEN_LIFETIME).isoformat())

    def clean_expires_on(self) -> date:
        value: date = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if value <= today:
            raise forms.ValidationError(_("Choose a day after today."), code="in_past")
        if value > today + MAX_TOKEN_LIFETIME:
            raise forms.ValidationError(_("A token may last at most one year."), code="too_long")
        return value

    def expires_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.cleaned_data["expires_on"], time.min))

"""The filters of the audit review screen."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abrazo.accounts import access
from abrazo.audit.models import Action, Outcome
from abrazo.audit.selectors import EventFilters


class EventFilterForm(forms.Form):
    email = forms.EmailField(label=_("User (email)"), required=False, max_length=254)
    object_type = forms.CharField(
        label=_("Object type"), required=False, max_length=64,
        widget=forms.TextInput(attrs={"list": "audit-object-types", "placeholder": "directory.program"}),
    )
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("Any action")), *Action.choices])
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("Any outcome")), *Outcome.choices]
    )
    date_from = forms.DateField(
        label=_("From (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("date_from")
        end: date | None = data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return data

    def to_filters(self) -> EventFilters:
        """The filters to apply; an invalid form filters nothing rather than failing the page."""
        if not self.is_bound or not self.is_valid():
            return EventFilters()
        data = self.cleaned_data
        return EventFilters(
            email=(data.get("email") or "").strip().lower(),
            object_type=(data.get("object_type") or "").strip(),
            object_id=(data.get("object_id") or "").strip(),
            action=data.get("action") or "",
            outcome=data.get("outcome") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


def known_object_types() -> list[str]:
    """Suggestions for the object type box: every kind of record the access policy knows about."""
    return sorted(access.SCOPE_PATHS)

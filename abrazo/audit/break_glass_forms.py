"""The emergency access form (supervisors) and the review forms (network administrators)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abrazo.audit.break_glass_selectors import RECORD_KINDS, GrantFilters, ReviewStatus
from abrazo.audit.break_glass_services import MAX_REASON, reason_problem


class EmergencyAccessForm(forms.Form):
    """Sent by POST only: the record's reference and the reason never appear in a URL."""

    kind = forms.ChoiceField(
        label=_("Kind of record"), choices=[(kind.key, kind.label) for kind in RECORD_KINDS.values()],
        widget=forms.RadioSelect,
    )
    reference = forms.CharField(
        label=_("Record reference"), max_length=64,
        help_text=_("The episode reference or the reference number of its request, or the incident reference. "
                    "Never a child's name."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono"}),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=MAX_REASON, strip=True,
        help_text=_("What the emergency is and why you must open this record now. Your network administrators "
                    "read it when they review this access."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that this access is recorded, that my network administrators are alerted, and that "
                "it will be reviewed."),
        error_messages={"required": _("Confirm that you understand how emergency access is recorded.")},
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"]
        problem = reason_problem(reason)
        if problem:
            raise forms.ValidationError(problem)
        return reason


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Review note"), max_length=2000, strip=True,
        help_text=_("What you checked (the reason, the pages opened) and what you concluded."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write what you checked and what you concluded.")},
    )


class GrantFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[
            ("", _("All")), (ReviewStatus.UNREVIEWED, _("Not yet reviewed")), (ReviewStatus.REVIEWED, _("Reviewed")),
            (ReviewStatus.ACTIVE, _("Still running")),
        ],
    )
    email = forms.EmailField(label=_("Person (email)"), required=False, max_length=254)

    def to_filters(self) -> GrantFilters:
        """The filters to apply; an invalid form filters nothing (and the view shows no rows)."""
        if not self.is_bound or not self.is_valid():
            return GrantFilters()
        data: dict[str, Any] = self.cleaned_data
        return GrantFilters(status=data.get("status") or "", email=(data.get("email") or "").strip().lower())

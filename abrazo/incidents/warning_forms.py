"""Forms of the early-warning pages: closing a warning, the network's thresholds, the report's period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abrazo.directory.forms import VersionMixin
from abrazo.incidents.models import WarningSettings, WarningStatus
from abrazo.incidents.warnings import MAX_INCIDENT_COUNT, MAX_WINDOW_SCHOOL_DAYS, WarningSettingsData

# The longest period the timeliness report covers at once (a few school years).
MAX_PERIOD_DAYS = 5 * 366


class WarningFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[(WarningStatus.OPEN, _("Open")), (WarningStatus.REQUESTED, _("Consultation requested")),
                 (WarningStatus.DISMISSED, _("Closed without a request")), ("all", _("Any status"))],
    )

    def status_value(self) -> str:
        """The status to list: open unless another valid one is asked for; empty means every status."""
        if not self.is_valid():
            return WarningStatus.OPEN
        chosen = self.cleaned_data.get("status") or WarningStatus.OPEN
        return "" if chosen == "all" else chosen


class WarningCloseForm(forms.Form):
    note = forms.CharField(
        label=_("Why is no request needed?"), max_length=300,
        help_text=_("A short note for the coordinator, for example “already working with a consultant”. "
                    "Do not write the child's name."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class WarningSettingsForm(VersionMixin, forms.Form):
    incident_count = forms.IntegerField(
        label=_("Alert after this many incidents"), min_value=1, max_value=MAX_INCIDENT_COUNT,
    )
    window_school_days = forms.IntegerField(
        label=_("within this many school days"), min_value=1, max_value=MAX_WINDOW_SCHOOL_DAYS,
        help_text=_("School days are Monday to Friday; an incident at a weekend counts with the next Monday."),
    )
    on_any_oss = forms.BooleanField(label=_("Alert whenever a child is sent home"), required=False)
    on_any_dismissal = forms.BooleanField(label=_("Alert on any dismissal or dismissal follow-up"), required=False)
    on_soft_exclusion = forms.BooleanField(
        label=_("Alert on reduced hours, conditional enrollment or transfer"), required=False,
    )

    def __init__(self, *args: Any, rules: WarningSettings, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.update(
                version=rules.version, incident_count=rules.incident_count, window_school_days=rules.window_school_days,
                on_any_oss=rules.on_any_oss, on_any_dismissal=rules.on_any_dismissal,
                on_soft_exclusion=rules.on_soft_exclusion,
            )

    def to_data(self) -> WarningSettingsData:
        data = self.cleaned_data
        return WarningSettingsData(
            incident_count=data["incident_count"], window_school_days=data["window_school_days"],
            on_any_oss=data["on_any_oss"], on_any_dismissal=data["on_any_dismissal"],
            on_soft_exclusion=data["on_soft_exclusion"],
        )


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last twelve months up to today."""
    end = today or timezone.localdate()
    return end - dt.timedelta(days=364), end


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        default_start, default_end = default_period()
        start, end = data.get("start") or default_start, data.get("end") or default_end
        if start > end:
            self.add_error("end", _("The end of the period comes before its start."))
        elif (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("start", _("Choose a period of at most five years."))
        data["start"], data["end"] = start, end
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        """The period asked for, or the default when the form is empty or wrong (its errors are shown)."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return default_period()

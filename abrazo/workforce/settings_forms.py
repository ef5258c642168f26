"""The network's workforce settings form: hours as numbers, the countable kinds as checkboxes, the completion
share as a percentage."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abrazo.directory.forms import VersionMixin
from abrazo.workforce.competency_forms import WorkforceForm
from abrazo.workforce.models import SupervisionKind, WorkforceSettings
from abrazo.workforce.settings_services import SettingsData


class WorkforceSettingsForm(VersionMixin, WorkforceForm):
    endorsement_hours_first = forms.DecimalField(
        label=_("Supervision hours for the first endorsement level"), min_value=Decimal("0.25"), max_digits=6,
        decimal_places=2, help_text=_("Signed-off hours of the kinds that count. Commonly 24."),
    )
    endorsement_hours_second = forms.DecimalField(
        label=_("Supervision hours for the second endorsement level"), min_value=Decimal("0.25"), max_digits=6,
        decimal_places=2, help_text=_("Commonly 50."),
    )
    countable_kinds = forms.MultipleChoiceField(
        label=_("Kinds of supervision that count toward endorsement"), choices=SupervisionKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of supervision that counts.")},
    )
    completion_percent = forms.IntegerField(
        label=_("Share of session hours a cohort participant must attend to complete (%)"), min_value=0,
        max_value=100,
    )
    def __init__(self, *args: Any, current: WorkforceSettings, **kwargs: Any) -> None:
        kwargs["initial"] = {
            "endorsement_hours_first": current.endorsement_hours_first,
            "endorsement_hours_second": current.endorsement_hours_second,
            "countable_kinds": list(current.countable_kinds or []),
            "completion_percent": int(current.completion_attendance_share * 100),
            "version": current.version,
        }
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("endorsement_hours_first"), data.get("endorsement_hours_second")
        if first is not None and second is not None and second < first:
            self.add_error("endorsement_hours_second",
                           _("The second level needs at least as many hours as the first."))
        return data

    def to_data(self) -> SettingsData:
        data = self.cleaned_data
        return SettingsData(
            endorsement_hours_first=data["endorsement_hours_first"],
            endorsement_hours_second=data["endorsement_hours_second"], countable_kinds=data["countable_kinds"],
            completion_attendance_share=Decimal(data["completion_percent"]) / 100,
        )

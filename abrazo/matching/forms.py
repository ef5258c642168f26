"""The matching settings form: four weights and the version the administrator loaded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abrazo.matching.engine import MAX_WEIGHT, Weights
from abrazo.matching.models import MatchingSettings

WEIGHT_NAMES = ("continuity", "balance", "region", "specialism")


def _weight(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal(0), max_value=Decimal(str(MAX_WEIGHT)), max_digits=5, decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )


class MatchingSettingsForm(forms.Form):
    continuity = _weight(_("Continuity with a consultant who knows the program"))
    balance = _weight(_("Balanced caseloads"))
    region = _weight(_("Regional proximity"))
    specialism = _weight(_("Specialisms"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, stored: MatchingSettings, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name in WEIGHT_NAMES:  # the model says what each weight means; say it once
            self.fields[name].help_text = getattr(MatchingSettings._meta.get_field(name), "help_text", "")
        if not self.is_bound:
            self.initial.update({name: getattr(stored, name) for name in WEIGHT_NAMES}, version=stored.version)

    def weights(self) -> Weights:
        return Weights(**{name: float(self.cleaned_data[name]) for name in WEIGHT_NAMES})

    def expected_version(self) -> int:
        return int(self.cleaned_data["version"])

    def mark_stale(self, *, current_version: int, message: str) -> None:
        """Keep the administrator's input, adopt the stored version so their next save can go through."""
        data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict
        data["version"] = str(current_version)
        self.data = data
        self.add_error(None, message)

"""The report's question: which scope and which period (a GET form)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abrazo.reports import report_engine as engine
from abrazo.reports.report_selectors import ScopeChoice

LONGEST_CUSTOM_PERIOD = dt.timedelta(days=5 * 366)
PRESET_LABELS = {
    "this_fiscal_year": _("This fiscal year (July-June)"),
    "last_fiscal_year": _("Last fiscal year"),
    "this_quarter": _("This quarter"),
    "last_quarter": _("Last quarter"),
    "this_month": _("This month"),
    "last_month": _("Last month"),
    engine.CUSTOM: _("Other dates"),
}
# Evaluators: whole fiscal years and quarters only (report_selectors' docstring says why).
SUPPRESSED_PRESETS = ("this_fiscal_year", "last_fiscal_year", "this_quarter", "last_quarter")
KIND_LABELS = {"network": _("Network"), "region": _("Regions"), "county": _("Counties"), "program": _("Programs"),
               "consultant": _("Consultants")}


class ReportForm(forms.Form):
    scope = forms.ChoiceField(label=_("Report on"))
    period = forms.ChoiceField(label=_("Period"))
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data: Any = None, *, choices: Sequence[ScopeChoice], exact: bool,
                 today: dt.date | None = None) -> None:
        super().__init__(data, initial={"scope": choices[0].key if choices else "", "period": "last_fiscal_year"})
        groups: dict[str, list[tuple[str, str]]] = {}
        for choice in choices:
            groups.setdefault(choice.kind, []).append((choice.key, choice.label))
        self.fields["scope"].choices = [(str(KIND_LABELS[kind]), options) for kind, options in groups.items()]
        presets = PRESET_LABELS if exact else {k: PRESET_LABELS[k] for k in SUPPRESSED_PRESETS}
        self.fields["period"].choices = list(presets.items())
        self.exact = exact
        self.today = today or dt.date.today()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("period") == engine.CUSTOM:
            start, end = cleaned.get("start"), cleaned.get("end")
            if start is None or end is None:
                raise forms.ValidationError(_("Give both dates of the period, or choose one of the periods."))
            if end < start:
                self.add_error("end", _("The period must end on or after the day it starts."))
            elif end - start > LONGEST_CUSTOM_PERIOD:
                self.add_error("end", _("Choose a period of five years or less."))
        return cleaned

    def choice(self) -> tuple[str, engine.Period]:
        """The scope key and the period asked for (the defaults for an unbound form)."""
        data = self.cleaned_data if self.is_bound else {"scope": self.initial["scope"], "period": "last_fiscal_year"}
        if data["period"] == engine.CUSTOM:
            return data["scope"], engine.recognised(engine.Period(data["start"], data["end"]))
        return data["scope"], engine.preset(data["period"], self.today)

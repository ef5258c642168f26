"""The dashboard's question: which unit, which period, which outcome, which dimensions (a GET form)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abrazo.equity import selectors
from abrazo.equity.counts import Period
from abrazo.incidents.birs import Outcome

CUSTOM = "custom"
DEFAULT_OUTCOME = Outcome.EXCLUSION.value
LONGEST_CUSTOM_PERIOD = dt.timedelta(days=5 * 366)
TABLES_HELP = _("Each dimension gets a table, charts, findings and a three-year trend.")


class DashboardForm(forms.Form):
    unit = forms.ChoiceField(label=_("Show"))
    period = forms.ChoiceField(label=_("Period"))
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    dimensions = forms.MultipleChoiceField(
        label=_("Compare children by"), required=False, widget=forms.CheckboxSelectMultiple, help_text=TABLES_HELP,
    )

    def __init__(
        self, data: Any = None, *, units: Sequence[selectors.UnitChoice], unit_key: str, dimensions: Sequence[str],
        today: dt.date | None = None,
    ) -> None:
        if data is not None:
            data = data.copy()
            data["unit"] = unit_key  # the page's own unit (a program's or region's URL) wins over the query
        super().__init__(data, initial={
            "unit": unit_key, "period": str(selectors.current_school_year(today)), "outcome": DEFAULT_OUTCOME,
            "dimensions": list(dimensions[:5]),
        })
        self.fields["unit"].choices = _unit_choices(units, unit_key)
        self.fields["period"].choices = [
            *((str(year), selectors.school_year_label(year)) for year in selectors.preset_years(today)),
            (CUSTOM, _("Other dates")),
        ]
        self.fields["dimensions"].choices = [(code, selectors.dimension_label(code)) for code in dimensions]
        self.default_dimensions = list(dimensions[:5])
        self.today = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("period") == CUSTOM:
            start, end = cleaned.get("start"), cleaned.get("end")
            if start is None or end is None:
                raise forms.ValidationError(_("Give both dates of the period, or choose a school year."))
            if end < start:
                self.add_error("end", _("The period must end on or after the day it starts."))
            elif end - start > LONGEST_CUSTOM_PERIOD:
                self.add_error("end", _("Choose a period of five years or less."))
        return cleaned

    def parameters(self) -> tuple[Period, str, list[str]]:
        """The period, outcome and dimensions asked for (the defaults for an unbound form)."""
        if not self.is_bound:
            return Period.school_year(selectors.current_school_year(self.today)), DEFAULT_OUTCOME, \
                self.default_dimensions
        data = self.cleaned_data
        if data["period"] == CUSTOM:
            period = Period(data["start"], data["end"])
        else:
            period = Period.school_year(int(data["period"]))
        return period, data["outcome"], list(data["dimensions"]) or self.default_dimensions


def _unit_choices(units: Sequence[selectors.UnitChoice], unit_key: str) -> list[Any]:
    groups: dict[str, list[tuple[str, str]]] = {}
    titles = {selectors.NETWORK: _("Network"), selectors.REGION: _("Regions"), selectors.PROGRAM: _("Programs")}
    for unit in units:
        name = unit.name if unit.exact else f"{unit.name} ({_('suppressed')})"
        groups.setdefault(unit.kind, []).append((unit.key, name))
    choices: list[Any] = [(str(titles[kind]), options) for kind, options in groups.items()]
    if not any(unit.key == unit_key for unit in units):
        choices.insert(0, (unit_key, _("This page's unit")))  # e.g. program staff on their own region's page
    return choices

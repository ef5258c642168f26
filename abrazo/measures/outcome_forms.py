"""The outcomes page's question: which group of episodes (unit, consultation type, period of closure) and
which instrument (a GET form; the page and its export read the same one)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django import forms
from django.utils.translation import gettext_lazy as _

from abrazo.measures import outcome_selectors as selectors
from abrazo.measures.models import Instrument

FIELDS = ("unit", "episode_type", "closed_from", "closed_until", "instrument")


class OutcomesForm(forms.Form):
    unit = forms.ChoiceField(label=_("Episodes of"))
    episode_type = forms.ChoiceField(label=_("Consultation type"), required=False)
    closed_from = forms.DateField(label=_("Closed from"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    closed_until = forms.DateField(label=_("Closed until"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    instrument = forms.ChoiceField(label=_("Measure"), required=False)

    def __init__(
        self, data: Any = None, *, units: Sequence[selectors.OutcomeUnit], unit_key: str,
        instruments: Sequence[Instrument],
    ) -> None:
        if data is not None:
            data = data.copy()
            data["unit"] = unit_key  # the unit already resolved (and checked) by the view
        super().__init__(data, initial={"unit": unit_key})
        self.fields["unit"].choices = _unit_choices(units)
        self.fields["episode_type"].choices = [("", _("Every type")), *selectors.episode_type_choices()]
        self.fields["instrument"].choices = [("", _("Every measure")),
                                             *((str(found.pk), found.name) for found in instruments)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("closed_from"), cleaned.get("closed_until")
        if start and end and end < start:
            self.add_error("closed_until", _("The period must end on or after the day it starts."))
        return cleaned

    def filters(self) -> selectors.Filters:
        """The filters asked for (none for an unbound form: every episode, every measure)."""
        if not self.is_bound:
            return selectors.Filters()
        data = self.cleaned_data
        instrument = data.get("instrument")
        return selectors.Filters(
            episode_type=data.get("episode_type") or "", closed_from=data.get("closed_from"),
            closed_until=data.get("closed_until"), instrument_id=UUID(instrument) if instrument else None,
        )


def _unit_choices(units: Sequence[selectors.OutcomeUnit]) -> list[Any]:
    titles = {
        selectors.TEAM: _("Your team"), selectors.NETWORK: _("Network"), selectors.REGION: _("Regions"),
        selectors.PROGRAM: _("Programs"),
    }
    groups: dict[str, list[tuple[str, str]]] = {}
    for unit in units:
        name = unit.name if unit.exact else f"{unit.name} ({_('suppressed')})"
        groups.setdefault(unit.kind, []).append((unit.key, name))
    return [(str(titles[kind]), options) for kind, options in groups.items()]

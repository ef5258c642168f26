"""The capacity report's question (a GET form; the page and its export read the same one): which network, which
cohorts, which region's coverage, which period of requests, and for staff with exact sight whether to preview
the published version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django import forms
from django.utils.translation import gettext_lazy as _

from abrazo.workforce import capacity_selectors as selectors

FIELDS = ("network", "cohorts", "region", "requested_from", "requested_until", "published")


class CapacityForm(forms.Form):
    network = forms.ChoiceField(label=_("Network"))
    cohorts = forms.MultipleChoiceField(
        label=_("Cohorts"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every cohort. The published version always shows every cohort."),
    )
    region = forms.ChoiceField(label=_("Coverage of"), required=False)
    requested_from = forms.DateField(label=_("Requests received from"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    requested_until = forms.DateField(label=_("Requests received until"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))
    published = forms.BooleanField(
        label=_("Show the published version (small counts hidden, as evaluators see it)"),
        required=False,
    )

    def __init__(
        self, data: Any = None, *, networks: Sequence[selectors.NetworkChoice], network: selectors.NetworkChoice,
        cohorts: Sequence[tuple[UUID, str]], regions: Sequence[tuple[UUID, str]],
    ) -> None:
        if data is not None:
            data = data.copy()
            data["network"] = network.key  # already resolved (and checked) by the view
        start, end = selectors.default_period()
        super().__init__(data, initial={"network": network.key, "requested_from": start, "requested_until": end})
        self.network_choice = network
        self.fields["network"].choices = [(choice.key, choice.name) for choice in networks]
        if len(networks) < 2:
            self.fields["network"].widget = forms.HiddenInput()
        self.fields["cohorts"].choices = [(str(pk), name) for pk, name in cohorts]
        self.fields["region"].choices = [("", _("Every region")), *((str(pk), name) for pk, name in regions)]
        if not network.exact:
            # Evaluators only ever see the published version, which always covers every cohort.
            del self.fields["published"]
            del self.fields["cohorts"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("requested_from"), cleaned.get("requested_until")
        if start and end and end < start:
            self.add_error("requested_until", _("The period must end on or after the day it starts."))
        return cleaned

    def filters(self) -> selectors.Filters:
        """The filters asked for (none for an unbound form: every cohort, every region, the last year)."""
        if not self.is_bound:
            return selectors.Filters()
        data = self.cleaned_data
        region = data.get("region")
        published = bool(data.get("published"))
        return selectors.Filters(
            cohort_ids=tuple(UUID(pk) for pk in data.get("cohorts") or ()),
            region_id=UUID(region) if region else None,
            requested_from=data.get("requested_from"), requested_until=data.get("requested_until"),
            published=published,
        )

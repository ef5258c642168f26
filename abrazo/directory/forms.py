from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abrazo.accounts import access
from abrazo.directory.models import Language, Region, SettingType
from abrazo.directory.selectors import ProgramFilters


class ProgramFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none(), required=False)
    setting_type = forms.ChoiceField(
        label=_("Setting type"), choices=[("", _("Any setting")), *SettingType.choices], required=False
    )
    language = forms.ModelChoiceField(
        label=_("Language"), queryset=Language.objects.all(), required=False, to_field_name="code"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = access.visible(user, "region.view", Region.objects.all())  # type: ignore[attr-defined]

    def to_filters(self) -> ProgramFilters:
        if not self.is_bound or not self.is_valid():
            return ProgramFilters()
        data = self.cleaned_data
        return ProgramFilters(
            query=data["q"].strip(),
            region_id=data["region"].pk if data.get("region") else None,
            setting_type=data.get("setting_type") or "",
            language=data["language"].code if data.get("language") else "",
        )

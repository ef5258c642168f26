"""Forms of the competency framework and of rating a consultant. They parse input; the services check it.

`WorkforceForm` and `VersionedForm` are also the bases of the supervision and settings forms.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abrazo.core.submissions import CreateOnceMixin
from abrazo.core.widgets import use_fast_widgets
from abrazo.workforce.competency_services import AssessmentData, DomainData, level_field
from abrazo.workforce.models import CompetencyDomain, CompetencyLevel


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class WorkforceForm(forms.Form):
    """No colon after labels (the templates style labels themselves) and fast selects."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        use_fast_widgets(self)


class VersionedForm(WorkforceForm):
    """Carries the version the editor loaded, so that a save over someone else's newer save is caught."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def expected_version(self) -> int:
        return int(self.cleaned_data["version"])

    def mark_stale(self, *, current_version: int, message: str) -> None:
        """Keep the person's input and adopt the stored version, so that their next save can go through."""
        data = self.data.copy()  # type: ignore[attr-defined]
        data[self.add_prefix("version")] = str(current_version)
        self.data = data
        self.add_error(None, message)


class DomainForm(CreateOnceMixin, VersionedForm):
    name_en = forms.CharField(label=_("Name in English"), max_length=200)
    name_es = forms.CharField(label=_("Name in Spanish"), max_length=200)
    description_en = forms.CharField(
        label=_("Description in English"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences on what this domain covers, shown to the people who rate it."),
    )
    description_es = forms.CharField(label=_("Description in Spanish"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    is_active = forms.BooleanField(
        label=_("In use"), required=False,
        help_text=_("Untick to retire the domain: it is no longer rated, and past ratings on it are kept."),
    )

    def __init__(self, *args: Any, domain: CompetencyDomain | None = None, **kwargs: Any) -> None:
        if domain is not None:
            kwargs["initial"] = {
                "name_en": domain.name_en, "name_es": domain.name_es, "description_en": domain.description_en,
                "description_es": domain.description_es, "is_active": domain.is_active, "version": domain.version,
            }
        super().__init__(*args, **kwargs)
        if domain is not None:
            del self.fields["submission_key"]
        else:
            del self.fields["version"], self.fields["is_active"]

    def to_data(self) -> DomainData:
        data = self.cleaned_data
        return DomainData(name_en=data["name_en"], name_es=data["name_es"], description_en=data["description_en"],
                          description_es=data["description_es"], is_active=data.get("is_active", True))


def level_choices() -> list[tuple[int, str]]:
    return [(value, f"{value} · {label}") for value, label in CompetencyLevel.choices]


class AssessmentForm(CreateOnceMixin, WorkforceForm):
    """One level for every domain in use, a date and notes."""

    assessed_on = forms.DateField(label=_("Date of the rating"), widget=DateInput())
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Strengths, what to work on next, supports that would help. Never a child's or a family's "
                    "name."),
    )

    def __init__(self, *args: Any, domains: list[CompetencyDomain], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.domains = domains
        if not self.is_bound:
            self.initial.setdefault("assessed_on", timezone.localdate())
        for domain in domains:
            self.fields[level_field(domain)] = forms.TypedChoiceField(
                label=domain.label, help_text=domain.about, coerce=int,  # type: ignore[attr-defined]
                choices=level_choices(), widget=forms.RadioSelect,
                error_messages={"required": _("Choose a level.")},
            )
        self.order_fields(["assessed_on", *[level_field(domain) for domain in domains], "notes"])

    def level_fields(self) -> list[forms.BoundField]:
        return [self[level_field(domain)] for domain in self.domains]

    def to_data(self) -> AssessmentData:
        data = self.cleaned_data
        return AssessmentData(assessed_on=data["assessed_on"], notes=data["notes"],
                              levels={domain.key: data[level_field(domain)] for domain in self.domains})

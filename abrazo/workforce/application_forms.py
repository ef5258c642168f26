"""Forms of the applications area: the public application, the reviewers' filters, review and withdrawal.

Forms parse and check the shape of input; the services check it against the database (a county the
network serves, a cohort still taking applications, a decision not made stale by someone else's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django import forms
from django.db.models import QuerySet
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from abrazo.core.submissions import CreateOnceMixin
from abrazo.directory.forms import DirectoryFormMixin
from abrazo.directory.models import County, Language, LicenseType, Region
from abrazo.incidents.models import RaceEthnicity
from abrazo.intake.forms import language_choices
from abrazo.workforce.application_selectors import ApplicationFilters
from abrazo.workforce.application_services import REVIEW_STATUSES, ApplicationData
from abrazo.workforce.models import ApplicantGender, ApplicationStatus, Cohort

HONEYPOT = "website"


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "checkbox-group"})


def _text(label: Any, *, max_length: int, required: bool = False, help_text: Any = "",
          autocomplete: str = "") -> forms.CharField:
    attrs = {"autocomplete": autocomplete} if autocomplete else {}
    return forms.CharField(label=label, max_length=max_length, required=required, help_text=help_text,
                           widget=forms.TextInput(attrs=attrs))


def _long_text(label: Any, *, required: bool = False, help_text: Any = "", rows: int = 4,
               max_length: int = 4000) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=required, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


# Every demographic question offers "prefer not to answer" as a real choice (an empty value), so a person
# who clicked an answer can take it back; an empty answer is stored as "not reported".
RACE_CHOICES = [
    *((value, label) for value, label in RaceEthnicity.choices if value != RaceEthnicity.NOT_REPORTED),
    ("", _("I prefer not to answer")),
]
GENDER_CHOICES = [
    *((value, label) for value, label in ApplicantGender.choices if value != ApplicantGender.NOT_REPORTED),
    ("", ApplicantGender.NOT_REPORTED.label),
]


@dataclass(frozen=True)
class FormPart:
    key: str
    title: str
    intro: str
    fields: list[BoundField]


class ApplicationForm(CreateOnceMixin, DirectoryFormMixin, forms.Form):
    """The public application to a cohort. No account needed."""

    given_name = _text(_("First name"), max_length=100, required=True, autocomplete="given-name")
    family_name = _text(_("Last name"), max_length=100, required=True, autocomplete="family-name")
    email = forms.EmailField(
        label=_("Email"), help_text=_("We send the confirmation and the decision here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}))
    county = forms.ModelChoiceField(
        label=_("County where you work or live"), queryset=County.objects.none(), empty_label=_("Choose a county"),
        error_messages={
            "required": _("Choose the county where you work or live."),
            "invalid_choice": _("Choose one of the counties this network serves."),
        },
    )

    current_role = _text(_("Current job or role"), max_length=200,
                         help_text=_("For example: preschool teacher, clinical social worker, home visitor."))
    employer = _text(_("Employer"), max_length=200, autocomplete="organization")
    degree = _text(_("Highest degree"), max_length=200, help_text=_("For example: MSW, MA in counseling, BA in "
                                                                    "child development."))
    license_type = forms.ChoiceField(label=_("License"), choices=LicenseType.choices, initial=LicenseType.NONE)
    license_eligible = forms.BooleanField(
        label=_("I am a registered associate working toward licensure (for example ASW, AMFT or APCC)"),
        required=False,
    )
    years_experience_early_childhood = forms.IntegerField(
        label=_("Years working with young children or their families"), min_value=0, max_value=70, required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    background = _long_text(
        _("Your experience"), rows=5,
        help_text=_("Your work with infants, young children, families or early care and education programs."),
    )

    languages = forms.MultipleChoiceField(
        label=_("Languages you speak well enough to work in"), widget=_checkboxes(), required=False,
    )
    other_languages = _text(_("Other languages"), max_length=200,
                            help_text=_("Any language not in the list, for example Mixteco or Punjabi."))

    race_ethnicity = forms.ChoiceField(label=_("Race or ethnicity"), choices=RACE_CHOICES, required=False,
                                       widget=forms.RadioSelect)
    gender = forms.ChoiceField(label=_("Gender"), choices=GENDER_CHOICES, required=False, widget=forms.RadioSelect)
    gender_self_described = _text(_("If you describe your gender another way, in your words"), max_length=100)
    lived_experience = _long_text(
        _("Anything else about you or your community you want us to know"), rows=3,
        help_text=_("For example, growing up in the communities our network serves, or being a parent of young "
                    "children."),
    )

    motivation = _long_text(
        _("Why do you want to join this cohort?"), required=True, rows=6,
        help_text=_("What draws you to this work, and what you hope to bring to it and take from it."),
    )
    # A field people never see: a form robot fills in every input, a person leaves it empty.
    website = forms.CharField(
        label=_("Leave this field empty"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    parts_layout = (
        ("contact", _("About you"), "", ("given_name", "family_name", "email", "phone", "county")),
        ("background", _("Your background"), "", (
            "current_role", "employer", "degree", "license_type", "license_eligible",
            "years_experience_early_childhood", "background",
        )),
        ("languages", _("Languages"), _(
            "Families are best served in their own language. Tell us every language you could consult in."
        ), ("languages", "other_languages")),
        ("demographics", _("About you and your community (optional)"), _(
            "Every question in this section is optional. We ask them because our network wants its consultants "
            "to reflect the families it serves. Only the staff who review applications see your answers; reports "
            "show totals, never one person's answers, and small groups are hidden in anything we publish. A "
            "question left blank is counted as “not reported”, and leaving one blank never counts against your "
            "application."
        ), ("race_ethnicity", "gender", "gender_self_described", "lived_experience")),
        ("motivation", _("Why you want to join"), "", ("motivation",)),
    )

    def __init__(self, *args: Any, counties: QuerySet[County], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties  # type: ignore[attr-defined]
        self.fields["languages"].choices = language_choices()  # type: ignore[attr-defined]

    def parts(self) -> list[FormPart]:
        return [
            FormPart(key=key, title=str(title), intro=str(intro), fields=[self[name] for name in names])
            for key, title, intro, names in self.parts_layout
        ]

    def honeypot(self) -> BoundField:
        return self[HONEYPOT]

    def is_bot(self) -> bool:
        """Whether the hidden field was filled in (read from the raw input: it is sure even on an invalid form)."""
        return bool(str(self.data.get(self.add_prefix(HONEYPOT), "")).strip())

    def submission_token(self) -> str:
        key = self.submission_key_value()
        return str(key) if key else ""

    def to_data(self) -> ApplicationData:
        data = self.cleaned_data
        codes = list(data.get("languages") or [])
        return ApplicationData(
            given_name=data["given_name"], family_name=data["family_name"], email=data["email"],
            phone=data.get("phone", ""), county=data["county"], current_role=data.get("current_role", ""),
            employer=data.get("employer", ""), degree=data.get("degree", ""), license_type=data["license_type"],
            license_eligible=bool(data.get("license_eligible")),
            years_experience_early_childhood=data.get("years_experience_early_childhood"),
            background=data.get("background", ""), languages=list(Language.objects.filter(code__in=codes)),
            other_languages=data.get("other_languages", ""), race_ethnicity=data.get("race_ethnicity", ""),
            gender=data.get("gender", ""), gender_self_described=data.get("gender_self_described", ""),
            lived_experience=data.get("lived_experience", ""), motivation=data["motivation"],
        )


# --- Review ---------------------------------------------------------------------------------------


class ApplicationFilterForm(DirectoryFormMixin, forms.Form):
    cohort = forms.ChoiceField(label=_("Cohort"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *ApplicationStatus.choices])
    region = forms.ChoiceField(label=_("Applicant's region"), required=False)

    def __init__(self, *args: Any, cohorts: QuerySet[Cohort], regions: QuerySet[Region], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [  # type: ignore[attr-defined]
            ("", _("Every cohort")), *((str(pk), name) for pk, name in cohorts.values_list("pk", "name"))
        ]
        self.fields["region"].choices = [  # type: ignore[attr-defined]
            ("", _("Any region")), *((str(pk), name) for pk, name in regions.values_list("pk", "name"))
        ]

    def to_filters(self) -> ApplicationFilters:
        if not self.is_bound or not self.is_valid():
            return ApplicationFilters()
        data = self.cleaned_data
        return ApplicationFilters(
            cohort_id=UUID(data["cohort"]) if data.get("cohort") else None,
            status=data.get("status") or "",
            region_id=UUID(data["region"]) if data.get("region") else None,
        )


class ReviewForm(DirectoryFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[(status.value, status.label) for status in REVIEW_STATUSES],
        help_text=_("Saving a decision (accepted, waitlisted or not accepted) emails it to the applicant, once, "
                    "in their language."),
        error_messages={"required": _("Choose a decision.")},
    )
    review_score = forms.IntegerField(label=_("Score (0 to 100)"), min_value=0, max_value=100, required=False,
                                      widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    review_notes = forms.CharField(
        label=_("Review notes"), required=False, max_length=8000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Seen by the staff who review applications; never sent to the applicant."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class VersionForm(forms.Form):
    """A confirmation (withdraw) that must not act on a record someone else has changed since it was shown."""

    version = forms.IntegerField(widget=forms.HiddenInput)

"""Forms of intake: the public request form, the triage queue's filters and the triage actions.

Forms parse and check the shape of input; the services check it against the database (a county the
network serves, a request still open, an override reason when the top suggestion is not taken).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from abrazo.core.submissions import CreateOnceMixin
from abrazo.directory.forms import DirectoryFormMixin, Section, VersionMixin
from abrazo.directory.models import Auspice, Classroom, ConsultantProfile, County, Language, SettingType
from abrazo.intake.models import ConcernCategory, IntakeSettings, Priority, Request, RequesterRole, RequestStatus
from abrazo.intake.selectors import SuggestionRow, TriageFilters
from abrazo.intake.services import IntakeSettingsData, RequestData

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
AGES = [
    ("infants", _("Infants (birth to 12 months)")),
    ("toddlers", _("Toddlers (1 to 3 years)")),
    ("preschoolers", _("Preschoolers (3 to 5 years)")),
]
# English and Spanish first: most requests come in one of the two; the rest alphabetically.
FIRST_LANGUAGES = ("en", "es")
HONEYPOT = "website"


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "checkbox-group"})


def _yes_no(label: Any, help_text: Any = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=YES_NO, widget=forms.RadioSelect, help_text=help_text,
        error_messages={"required": _("Answer yes or no.")},
    )


def language_choices() -> list[tuple[str, str]]:
    """English and Spanish first, then every other language by its name in the page's language."""
    languages = list(Language.objects.all())
    first = [language for code in FIRST_LANGUAGES for language in languages if language.code == code]
    rest = sorted((language for language in languages if language.code not in FIRST_LANGUAGES), key=str)
    return [(language.code, str(language)) for language in first + rest]


class RequestForm(CreateOnceMixin, DirectoryFormMixin, forms.Form):
    """The public request for consultation. No account needed; program staff get it pre-filled."""

    requester_name = forms.CharField(label=_("Your name"), max_length=200,
                                     widget=forms.TextInput(attrs={"autocomplete": "name"}))
    requester_email = forms.EmailField(
        label=_("Your email"), help_text=_("We send the confirmation and our questions here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    requester_phone = forms.CharField(label=_("Your phone"), max_length=40, required=False,
                                      widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}))
    requester_role = forms.ChoiceField(label=_("Your role"),
                                       choices=[("", _("Choose your role")), *RequesterRole.choices])
    preferred_language = forms.ChoiceField(
        label=_("Language you prefer for the consultation"),
        help_text=_("We will write to you in this language when we can, and look for a consultant who speaks it."),
    )

    program_name = forms.CharField(
        label=_("Name of the program or child care"), max_length=200,
        help_text=_("For care in a home, the provider's name (for example “Maria's Family Child Care”)."),
    )
    license_number = forms.CharField(
        label=_("License number"), max_length=40, required=False,
        help_text=_("The state facility license number, if the program has one."),
    )
    address_line1 = forms.CharField(label=_("Street address"), max_length=200,
                                    widget=forms.TextInput(attrs={"autocomplete": "address-line1"}))
    address_line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False,
                                    widget=forms.TextInput(attrs={"autocomplete": "address-line2"}))
    city = forms.CharField(label=_("City"), max_length=100,
                           widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    postal_code = forms.CharField(
        label=_("ZIP code"), max_length=10,
        validators=[RegexValidator(r"^\d{5}(-\d{4})?$", _("Enter a 5-digit ZIP code, for example 93701."))],
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    county = forms.ModelChoiceField(
        label=_("County"), queryset=County.objects.none(), empty_label=_("Choose a county"),
        error_messages={"invalid_choice": _("Choose one of the counties this network serves.")},
    )
    setting_type = forms.ChoiceField(label=_("Type of care"), choices=[("", _("Choose the type of care")),
                                                                        *SettingType.choices])
    auspice = forms.ChoiceField(
        label=_("Who runs the program"), required=False,
        choices=[("", _("I don't know / not applicable")), *Auspice.choices],
    )
    ages_served = forms.MultipleChoiceField(label=_("Ages of the children cared for"), choices=AGES,
                                            widget=_checkboxes(), required=False)
    classroom_size = forms.IntegerField(
        label=_("Number of children in the classroom or group"), min_value=1, max_value=300, required=False
    )
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages spoken with the children and families"), queryset=Language.objects.none(),
        widget=_checkboxes(), required=False,
    )

    concern_categories = forms.MultipleChoiceField(
        label=_("What would you like help with?"), choices=ConcernCategory.choices, widget=_checkboxes(),
        error_messages={"required": _("Choose at least one.")},
    )
    concern_text = forms.CharField(
        label=_("Tell us about it in your own words"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is happening, since when, and what you have tried. Please do not write a child's full name."),
    )
    child_specific = _yes_no(_("Is your request about one particular child?"))
    child_age_years = forms.IntegerField(
        label=_("Child's age: years"), min_value=0, max_value=17, required=False,
        help_text=_("Only if the request is about one child."),
    )
    child_age_months = forms.IntegerField(label=_("and months"), min_value=0, max_value=11, required=False)
    imminent_risk = _yes_no(
        _("Is a child at risk of being suspended, expelled or asked to leave the program soon?"),
        help_text=_("For example: the family has been told the child may have to stay home or find other care. "
                    "We treat these requests as urgent."),
    )
    availability = forms.CharField(
        label=_("When can we reach you?"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Days and times that suit you for a call or a visit."),
    )
    # A field people never see: a form robot fills in every input, a person leaves it empty.
    website = forms.CharField(
        label=_("Leave this field empty"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    sections = (
        (_("About you"), ("requester_name", "requester_email", "requester_phone", "requester_role",
                          "preferred_language")),
        (_("The program or child care"), ("program_name", "license_number", "address_line1", "address_line2",
                                          "city", "postal_code", "county", "setting_type", "auspice",
                                          "ages_served", "classroom_size", "languages")),
        (_("What is happening"), ("concern_categories", "concern_text", "child_specific", "child_age_years",
                                  "child_age_months", "imminent_risk")),
        (_("Reaching you"), ("availability",)),
    )

    def __init__(self, *args: Any, counties: QuerySet[County], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties  # type: ignore[attr-defined]
        self.fields["languages"].queryset = Language.objects.all()  # type: ignore[attr-defined]
        self.fields["preferred_language"].choices = language_choices()  # type: ignore[attr-defined]
        if not self.is_bound and "preferred_language" not in self.initial:
            self.initial["preferred_language"] = "es" if (get_language() or "").startswith("es") else "en"

    def grouped(self) -> list[Section]:
        return [
            Section(title=section.title, fields=[f for f in section.fields if f.name != HONEYPOT])
            for section in super().grouped()
            if any(f.name != HONEYPOT for f in section.fields)
        ]

    def honeypot(self) -> forms.BoundField:
        return self[HONEYPOT]

    def is_bot(self) -> bool:
        """Whether the hidden field was filled in (read from the raw input: it is sure even on an invalid form)."""
        return bool(str(self.data.get(self.add_prefix(HONEYPOT), "")).strip())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("child_specific") == "yes" and data.get("child_age_years") is None and not self.has_error(
            "child_age_years"
        ):
            self.add_error("child_age_years", _("Tell us the child's age in years (0 for a baby)."))
        return data

    def child_age_in_months(self) -> int | None:
        data = self.cleaned_data
        if data.get("child_specific") != "yes" or data.get("child_age_years") is None:
            return None
        return int(data["child_age_years"]) * 12 + int(data.get("child_age_months") or 0)

    def to_data(self) -> RequestData:
        data = self.cleaned_data
        ages = set(data.get("ages_served") or [])
        return RequestData(
            requester_name=data["requester_name"].strip(), requester_email=data["requester_email"],
            requester_phone=data.get("requester_phone", "").strip(), requester_role=data["requester_role"],
            preferred_language=Language.objects.get(pk=data["preferred_language"]),
            program_name=data["program_name"].strip(), license_number=data.get("license_number", "").strip(),
            address_line1=data["address_line1"].strip(), address_line2=data.get("address_line2", "").strip(),
            city=data["city"].strip(), postal_code=data["postal_code"].strip(), county=data["county"],
            setting_type=data["setting_type"], auspice=data.get("auspice", ""),
            serves_infants="infants" in ages, serves_toddlers="toddlers" in ages,
            serves_preschoolers="preschoolers" in ages, classroom_size=data.get("classroom_size"),
            languages=list(data.get("languages") or []), concern_categories=list(data["concern_categories"]),
            concern_text=data["concern_text"].strip(), child_specific=data["child_specific"] == "yes",
            child_age_months=self.child_age_in_months(), imminent_risk=data["imminent_risk"] == "yes",
            availability=data.get("availability", "").strip(),
        )


# --- Triage -------------------------------------------------------------------------------------


class TriageFilterForm(DirectoryFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Reference, program, license or email"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("Every open request")), (RequestStatus.NEW, RequestStatus.NEW.label),
                 (RequestStatus.NEEDS_INFO, RequestStatus.NEEDS_INFO.label),
                 (RequestStatus.WAITLISTED, RequestStatus.WAITLISTED.label)],
    )
    priority = forms.ChoiceField(label=_("Priority"), required=False,
                                 choices=[("", _("Any priority")), *Priority.choices])
    county = forms.ChoiceField(label=_("County"), required=False)
    language = forms.ChoiceField(label=_("Preferred language"), required=False)

    def __init__(self, *args: Any, counties: QuerySet[County], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [  # type: ignore[attr-defined]
            ("", _("Any county")), *((fips, name) for fips, name in counties.values_list("fips", "name"))
        ]
        self.fields["language"].choices = [("", _("Any language")), *language_choices()]  # type: ignore[attr-defined]

    def to_filters(self) -> TriageFilters:
        if not self.is_bound or not self.is_valid():
            return TriageFilters()
        data = self.cleaned_data
        return TriageFilters(
            status=data.get("status") or "", priority=data.get("priority") or "",
            county_fips=data.get("county") or "", language=data.get("language") or "", query=data["q"].strip(),
        )


class AskForInformationForm(forms.Form):
    message = forms.CharField(
        label=_("Your question to the requester"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Sent by email as you write it, in a message in the requester's language."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example: outside the network's counties, or the child is older than five."),
    )


class WaitlistForm(forms.Form):
    """Confirms the move; the waitlist's age counts from now (or from the first time it was waitlisted)."""


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, widget=forms.RadioSelect)
    # The request's version when the page was shown: a second coordinator's stale save is refused, not applied.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Why"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the priority differs from the one the rules give."),
    )


OTHER = "other"


class AssignForm(forms.Form):
    """Pick a suggested consultant (the top one is preselected) or anyone else, with a reason then."""

    choice = forms.ChoiceField(label=_("Consultant"), widget=forms.RadioSelect,
                               error_messages={"required": _("Choose a consultant.")})
    other_consultant = forms.ModelChoiceField(
        label=_("Someone else"), queryset=ConsultantProfile.objects.none(), required=False,
        empty_label=_("Choose a consultant"),
    )
    episode_type = forms.ChoiceField(label=_("Type of consultation"))
    child_code = forms.CharField(
        label=_("Child's code at the program"), max_length=40, required=False,
        help_text=_("Child-focused consultation only: the code the program uses for the child, never the name."),
    )
    classroom = forms.ModelChoiceField(
        label=_("Classroom"), queryset=Classroom.objects.none(), required=False, empty_label=_("No particular room"),
    )
    override_reason = forms.CharField(
        label=_("Why not the top suggestion?"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you choose anyone other than the first suggestion."),
    )

    def __init__(self, *args: Any, request: Request, suggestions: list[SuggestionRow],
                 consultants: QuerySet[ConsultantProfile], **kwargs: Any) -> None:
        from abrazo.consultations.models import EpisodeType

        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.suggestions = suggestions
        choices = [(str(s.consultant.pk), str(s.consultant)) for s in suggestions]
        self.fields["choice"].choices = [*choices, (OTHER, _("Someone else"))]  # type: ignore[attr-defined]
        self.fields["other_consultant"].queryset = consultants  # type: ignore[attr-defined]
        if request.program_id:
            self.fields["classroom"].queryset = Classroom.objects.filter(  # type: ignore[attr-defined]
                program_id=request.program_id, is_active=True
            ).order_by("name")
        else:
            del self.fields["classroom"]  # a program new to the directory has no classrooms yet
        self.fields["episode_type"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in EpisodeType.choices if value != EpisodeType.GROUP_REFLECTIVE
        ]
        if not self.is_bound:
            self.initial["choice"] = choices[0][0] if choices else OTHER
            if request.child_specific:
                self.initial["episode_type"] = EpisodeType.CHILD_FAMILY
            elif request.setting_type == SettingType.FFN:
                self.initial["episode_type"] = EpisodeType.FFN_HOME
            else:
                self.initial["episode_type"] = EpisodeType.CLASSROOM

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("choice")
        if choice == OTHER and data.get("other_consultant") is None and not self.has_error("other_consultant"):
            self.add_error("other_consultant", _("Choose the consultant."))
        from abrazo.consultations.models import EpisodeType

        child_focused = data.get("episode_type") == EpisodeType.CHILD_FAMILY
        if child_focused and not (data.get("child_code") or "").strip():
            self.add_error("child_code", _("Child-focused consultation needs the program's code for the child."))
        if not child_focused and (data.get("child_code") or "").strip():
            self.add_error("child_code", _("Only child-focused consultation identifies a child; leave this empty."))
        return data

    def consultant(self) -> ConsultantProfile:
        data = self.cleaned_data
        if data["choice"] == OTHER:
            chosen: ConsultantProfile = data["other_consultant"]
            return chosen
        wanted = UUID(data["choice"])
        return next(s.consultant for s in self.suggestions if s.consultant.pk == wanted)


# --- Intake rules -------------------------------------------------------------------------------


class IntakeSettingsForm(VersionMixin, DirectoryFormMixin, forms.Form):
    imminent_risk_priority = forms.ChoiceField(
        label=_("A child at imminent risk of suspension or expulsion"), choices=Priority.choices
    )
    underserved_county_priority = forms.ChoiceField(
        label=_("A request from an under-served county"), choices=Priority.choices,
        help_text=_("Mark counties as under-served on each region's page."),
    )
    rural_program_priority = forms.ChoiceField(label=_("A program known to be rural"), choices=Priority.choices)
    supported_setting_types = forms.MultipleChoiceField(
        label=_("Setting types the network serves"), choices=SettingType.choices, widget=_checkboxes(),
        required=False, help_text=_("Requests from other settings are flagged in triage. None ticked: all."),
    )
    max_child_age_months = forms.IntegerField(
        label=_("Oldest eligible child, in months"), min_value=12, max_value=216,
        help_text=_("71 months covers birth to age five."),
    )
    duplicate_window_days = forms.IntegerField(
        label=_("Possible duplicates: similar requests within this many days"), min_value=1, max_value=365
    )

    sections = (
        (_("Priority rules (the most urgent rule that applies wins)"),
         ("imminent_risk_priority", "underserved_county_priority", "rural_program_priority")),
        (_("Eligibility and duplicates"), ("supported_setting_types", "max_child_age_months", "duplicate_window_days")),
    )

    def __init__(self, *args: Any, rules: IntakeSettings, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.update(
                version=rules.version,
                imminent_risk_priority=rules.imminent_risk_priority,
                underserved_county_priority=rules.underserved_county_priority,
                rural_program_priority=rules.rural_program_priority,
                supported_setting_types=list(rules.supported_setting_types),
                max_child_age_months=rules.max_child_age_months, duplicate_window_days=rules.duplicate_window_days,
            )

    def to_data(self) -> IntakeSettingsData:
        data = self.cleaned_data
        return IntakeSettingsData(
            imminent_risk_priority=data["imminent_risk_priority"],
            underserved_county_priority=data["underserved_county_priority"],
            rural_program_priority=data["rural_program_priority"],
            supported_setting_types=list(data["supported_setting_types"]),
            max_child_age_months=data["max_child_age_months"], duplicate_window_days=data["duplicate_window_days"],
        )

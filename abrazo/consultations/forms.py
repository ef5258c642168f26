"""Forms of the episode screens: they parse input; the services check it against the episode."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abrazo.consultations.models import (
    ActivityType,
    Attainment,
    ClosureReason,
    ConsentRelationship,
    Episode,
    EpisodeType,
    Modality,
    ParticipantRole,
    ReferralStatus,
    ServiceType,
    Topic,
)
from abrazo.directory.models import Language


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class EpisodeForm(forms.Form):
    """Shared by every episode form: no colon after labels (the templates style labels themselves)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


# The activity a quick log most likely records, by type of consultation.
DEFAULT_ACTIVITY = {
    EpisodeType.CHILD_FAMILY: ActivityType.TEACHER_MEETING,
    EpisodeType.CLASSROOM: ActivityType.OBSERVATION,
    EpisodeType.PROGRAMMATIC: ActivityType.DIRECTOR_MEETING,
    EpisodeType.FFN_HOME: ActivityType.FAMILY_MEETING,
    EpisodeType.GROUP_REFLECTIVE: ActivityType.REFLECTIVE_SESSION,
}


class ContactForm(EpisodeForm):
    """The quick log: everything has a sensible default so that a visit is logged in a few taps."""

    contact_date = forms.DateField(label=_("Date"), widget=DateInput())
    minutes = forms.IntegerField(
        label=_("Minutes"), min_value=1, max_value=600,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
    )
    modality = forms.ChoiceField(label=_("How"), choices=Modality.choices, widget=forms.RadioSelect)
    activity_type = forms.ChoiceField(label=_("Activity"), choices=ActivityType.choices, widget=forms.RadioSelect)
    minutes_in_classroom = forms.IntegerField(
        label=_("Minutes in the classroom (optional)"), min_value=0, max_value=600, required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
        help_text=_("Leave empty: observation and modelling count as classroom time, everything else as meeting "
                    "time. Fill it in when one visit mixed both."),
    )
    participants = forms.MultipleChoiceField(
        label=_("Who took part"), choices=ParticipantRole.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics and strategies"), choices=Topic.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    language = forms.ModelChoiceField(label=_("Language used"), queryset=Language.objects.all())
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Seen only by you and your supervisor. Stored encrypted."),
    )

    def __init__(self, *args: Any, episode: Episode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_date"].initial = timezone.localdate()
        self.fields["minutes"].initial = 60
        self.fields["modality"].initial = Modality.ON_SITE
        self.fields["activity_type"].initial = DEFAULT_ACTIVITY.get(
            EpisodeType(episode.episode_type), ActivityType.TEACHER_MEETING
        )
        self.fields["language"].initial = episode.language_id or "en"


class ConsentForm(EpisodeForm):
    given_by_name = forms.CharField(label=_("Given by (name)"), max_length=200)
    relationship = forms.ChoiceField(label=_("Relationship to the child"), choices=ConsentRelationship.choices)
    given_on = forms.DateField(label=_("Date given"), widget=DateInput())
    scope = forms.CharField(
        label=_("What the consent covers"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("e.g. observing the child in class, talking with the teachers and the family."),
    )
    expires_on = forms.DateField(label=_("Expires on (optional)"), required=False, widget=DateInput())
    form = forms.FileField(
        label=_("Signed form (PDF, JPEG or PNG, optional)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["given_on"].initial = timezone.localdate()


class RevokeConsentForm(EpisodeForm):
    reason = forms.CharField(label=_("Why consent was revoked"), widget=forms.Textarea(attrs={"rows": 3}))


class ConsentExceptionForm(EpisodeForm):
    reason = forms.CharField(
        label=_("Why the work may proceed without consent"), min_length=10, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("This decision is recorded with your name and kept in the audit log."),
    )


class AgreementForm(EpisodeForm):
    scope = forms.CharField(label=_("What the consultation will cover"), widget=forms.Textarea(attrs={"rows": 4}))
    expected_duration_weeks = forms.IntegerField(label=_("Expected duration (weeks)"), min_value=1, max_value=104)
    schedule = forms.CharField(label=_("Schedule"), max_length=300, help_text=_("e.g. Tuesday mornings, 90 minutes"))
    agreed_on = forms.DateField(label=_("Agreed on"), widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class GoalForm(EpisodeForm):
    description = forms.CharField(label=_("Goal (specific and measurable)"), widget=forms.Textarea(attrs={"rows": 3}))
    strategies = forms.CharField(label=_("Strategies"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.CharField(label=_("Who does what"), max_length=200, required=False)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DateInput())
    for_child = forms.BooleanField(label=_("This is a goal for the child (needs the family's sign-off)"),
                                   required=False)

    def __init__(self, *args: Any, episode: Episode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not episode.is_child_specific:
            del self.fields["for_child"]


class GoalRatingForm(EpisodeForm):
    attainment = forms.TypedChoiceField(
        label=_("Attainment"), choices=Attainment.choices, coerce=int, widget=forms.RadioSelect
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class GoalSignoffForm(EpisodeForm):
    family_member_name = forms.CharField(label=_("Family member who signed off"), max_length=200)
    signed_on = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].initial = timezone.localdate()


class ReferralForm(EpisodeForm):
    service_type = forms.ChoiceField(label=_("Service"), choices=ServiceType.choices)
    service_detail = forms.CharField(label=_("Service or agency"), max_length=200, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ReferralStatus.choices, initial=ReferralStatus.SUGGESTED)
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReferralUpdateForm(EpisodeForm):
    status = forms.ChoiceField(label=_("Status"), choices=ReferralStatus.choices)
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class AdvanceForm(EpisodeForm):
    to_phase = forms.CharField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)


YES_NO = [("yes", _("Yes")), ("no", _("No"))]
YES_NO_NA = [*YES_NO, ("", _("Does not apply"))]


def _as_bool(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class CloseForm(EpisodeForm):
    reason = forms.ChoiceField(label=_("Why the episode is closing"), choices=ClosureReason.choices)
    closed_successfully = forms.ChoiceField(label=_("Closed successfully?"), choices=YES_NO, widget=forms.RadioSelect)
    maintained_in_setting = forms.ChoiceField(
        label=_("Child maintained in the setting?"), choices=YES_NO_NA, required=False, widget=forms.RadioSelect,
        help_text=_("Not suspended, expelled or pushed out of the program."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, episode: Episode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if episode.is_child_specific:
            self.fields["maintained_in_setting"].choices = YES_NO
            self.fields["maintained_in_setting"].required = True

    def values(self) -> dict[str, Any]:
        return {
            "reason": self.cleaned_data["reason"],
            "closed_successfully": self.cleaned_data["closed_successfully"] == "yes",
            "maintained_in_setting": _as_bool(self.cleaned_data["maintained_in_setting"]),
        }


class FollowUpForm(EpisodeForm):
    gains_maintained = forms.ChoiceField(
        label=_("Are the gains holding?"), choices=YES_NO, widget=forms.RadioSelect
    )
    maintained_in_setting = forms.ChoiceField(
        label=_("Is the child still in the setting?"), choices=YES_NO_NA, required=False, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen only by you and your supervisor. Stored encrypted."),
    )

    def __init__(self, *args: Any, episode: Episode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if episode.is_child_specific:
            self.fields["maintained_in_setting"].choices = YES_NO
            self.fields["maintained_in_setting"].required = True

    def values(self) -> dict[str, Any]:
        return {
            "gains_maintained": self.cleaned_data["gains_maintained"] == "yes",
            "maintained_in_setting": _as_bool(self.cleaned_data["maintained_in_setting"]),
            "notes": self.cleaned_data["notes"],
        }


class EpisodeFilterForm(EpisodeForm):
    phase = forms.ChoiceField(label=_("Phase"), required=False)
    open_only = forms.BooleanField(label=_("Open episodes only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from abrazo.consultations.models import Phase

        self.fields["phase"].choices = [("", _("Any phase")), *Phase.choices]

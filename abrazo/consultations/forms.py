"""Forms of the episode screens: they parse input; the services check it against the episode."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abrazo.consultations.models import (
    ActivityType,
    Attainment,
    BriefContact,
    BriefKind,
    BriefOutcome,
    BriefTopic,
    ClosureReason,
    ConsentRelationship,
    Episode,
    EpisodeType,
    Group,
    GroupAudience,
    GroupKind,
    GroupMember,
    MemberRole,
    Modality,
    ParticipantRole,
    ReferralStatus,
    ServiceType,
    Topic,
)
from abrazo.core.submissions import CreateOnceMixin
from abrazo.directory.models import ConsultantProfile, County, Language, Network, Program, Region, SettingType
from abrazo.intake.models import RequesterRole


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


class ContactForm(CreateOnceMixin, EpisodeForm):
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


# --- Groups and brief contacts -------------------------------------------------------------------------


class ConsultantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user.full_name)


class GroupForm(CreateOnceMixin, EpisodeForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of group"), choices=GroupKind.choices)
    audience = forms.ChoiceField(label=_("Who it is for"), choices=GroupAudience.choices)
    language = forms.ModelChoiceField(label=_("Language"), queryset=Language.objects.all())
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    facilitator = ConsultantChoiceField(label=_("Facilitator"), queryset=ConsultantProfile.objects.none())
    co_facilitator = ConsultantChoiceField(
        label=_("Co-facilitator (optional)"), queryset=ConsultantProfile.objects.none(), required=False
    )
    schedule = forms.CharField(
        label=_("Schedule"), max_length=300, required=False,
        help_text=_("e.g. second Tuesday of the month, 6-7:30 pm, video"),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on (optional)"), required=False, widget=DateInput())
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, network: Network, group: Group | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from abrazo.accounts import access

        # Facilitators are the consultants the person may see: a consultant starts groups they lead themselves.
        consultants = access.visible(
            user, "consultant.view", ConsultantProfile.objects.filter(network=network, is_active=True)
        )
        self.fields["region"].queryset = Region.objects.filter(network=network).order_by("name")
        if group is not None:
            # The group's own consultants stay selectable even when they are out of the editor's sight.
            keep = [pk for pk in (group.facilitator_id, group.co_facilitator_id) if pk]
            consultants = ConsultantProfile.objects.filter(Q(pk__in=consultants.values("pk")) | Q(pk__in=keep))
            self.initial.update({
                "name": group.name, "kind": group.kind, "audience": group.audience, "language": group.language_id,
                "region": group.region_id, "facilitator": group.facilitator_id,
                "co_facilitator": group.co_facilitator_id, "schedule": group.schedule, "starts_on": group.starts_on,
                "ends_on": group.ends_on, "is_active": group.is_active, "version": group.version,
            })
        else:
            own = ConsultantProfile.objects.filter(user=user, network=network).first()
            self.initial.setdefault("starts_on", timezone.localdate())
            self.initial.setdefault("language", "en")
            if own is not None:
                self.initial.setdefault("facilitator", own.pk)
                self.initial.setdefault("region", own.region_id)
        consultants = consultants.select_related("user").order_by("user__full_name")
        self.fields["facilitator"].queryset = consultants
        self.fields["co_facilitator"].queryset = consultants

    def to_data(self) -> Any:
        from abrazo.consultations.services import GroupData

        data = self.cleaned_data
        return GroupData(
            region=data["region"], name=data["name"], kind=data["kind"], audience=data["audience"],
            language=data["language"], facilitator=data["facilitator"], co_facilitator=data["co_facilitator"],
            schedule=data["schedule"], starts_on=data["starts_on"], ends_on=data["ends_on"],
            is_active=data["is_active"],
        )


class GroupFilterForm(EpisodeForm):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *GroupKind.choices])
    active_only = forms.BooleanField(label=_("Active groups only"), required=False)
    mine_only = forms.BooleanField(label=_("Groups I facilitate"), required=False)


class GroupMemberForm(EpisodeForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)
    program = forms.ModelChoiceField(label=_("Program (optional)"), queryset=Program.objects.none(), required=False)
    email = forms.EmailField(label=_("Email (optional)"), required=False)

    def __init__(self, *args: Any, user: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from abrazo.accounts import access

        self.fields["program"].queryset = access.visible(
            user, "program.view", Program.objects.filter(network_id=group.network_id, is_active=True)
        ).order_by("name")


class RemoveMemberForm(EpisodeForm):
    left_on = forms.DateField(label=_("Left the group on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["left_on"].initial = timezone.localdate()


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class GroupSessionForm(CreateOnceMixin, EpisodeForm):
    """Built for a phone: date and minutes prefilled, then one tap per member who came."""

    date = forms.DateField(label=_("Date"), widget=DateInput())
    minutes = forms.IntegerField(
        label=_("Minutes"), min_value=1, max_value=600,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 15}),
    )
    modality = forms.ChoiceField(label=_("How"), choices=Modality.choices, widget=forms.RadioSelect)
    present = MemberChoiceField(
        label=_("Who came"), queryset=GroupMember.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    guests = forms.IntegerField(
        label=_("Guests who are not members"), min_value=0, max_value=500, initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Seen only by the facilitator and their supervisor. Stored encrypted."),
    )

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = group.members.filter(left_on__isnull=True).order_by("name", "id")
        self.fields["date"].initial = timezone.localdate()
        self.fields["modality"].initial = Modality.VIDEO
        previous = group.sessions.order_by("-date").values_list("minutes", "modality").first()
        self.fields["minutes"].initial, self.fields["modality"].initial = previous or (90, Modality.VIDEO)


def _radios() -> forms.RadioSelect:
    return forms.RadioSelect()


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class BriefContactForm(CreateOnceMixin, EpisodeForm):
    """The quick log of a call: kind, who, topic and outcome are one tap each; everything else is defaulted or
    optional, under "More"."""

    kind = forms.ChoiceField(label=_("Kind"), choices=BriefKind.choices, widget=_radios())
    caller_role = forms.ChoiceField(label=_("Who called"), choices=RequesterRole.choices, widget=_radios())
    topic = forms.ChoiceField(label=_("Topic"), choices=BriefTopic.choices, widget=_radios())
    minutes = forms.IntegerField(
        label=_("Minutes"), min_value=1, max_value=600,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), widget=_radios(),
        choices=[choice for choice in BriefOutcome.choices if choice[0] != BriefOutcome.REQUEST_CREATED],
    )
    county = forms.ModelChoiceField(label=_("County"), queryset=County.objects.none())
    language = forms.ModelChoiceField(label=_("Language"), queryset=Language.objects.all())
    occurred_at = forms.DateTimeField(label=_("When"), widget=DateTimeLocalInput())
    setting_type = forms.ChoiceField(
        label=_("Setting (optional)"), required=False, choices=[("", _("Not known")), *SettingType.choices]
    )
    child_specific = forms.BooleanField(label=_("About one child"), required=False)
    imminent_risk = forms.BooleanField(
        label=_("A child is at imminent risk of suspension or expulsion"), required=False
    )
    caller_name = forms.CharField(label=_("Caller's name (optional)"), max_length=200, required=False)
    caller_phone = forms.CharField(label=_("Caller's phone (optional)"), max_length=40, required=False,
                                   widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    caller_email = forms.EmailField(label=_("Caller's email (optional)"), required=False)
    program_name = forms.CharField(label=_("Program name (optional)"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stored encrypted; never copied into a request."),
    )

    def __init__(self, *args: Any, user: Any, network: Network, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from abrazo.directory.selectors import served_counties_for

        self.fields["county"].queryset = served_counties_for(network_ids=[network.pk])
        self.fields["kind"].initial = BriefKind.HELPLINE_CALL
        self.fields["minutes"].initial = 15
        self.fields["outcome"].initial = BriefOutcome.RESOLVED
        self.fields["language"].initial = "en"
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        own = ConsultantProfile.objects.filter(user=user, network=network).first()
        if own is not None:
            first_county = own.counties.order_by("name").first()
            self.fields["county"].initial = first_county.pk if first_county else None

    def to_data(self) -> Any:
        from abrazo.consultations.services import BriefContactData

        data = self.cleaned_data
        return BriefContactData(**{name: data[name] for name in (
            "kind", "occurred_at", "caller_role", "county", "topic", "minutes", "language", "outcome",
            "setting_type", "child_specific", "imminent_risk", "caller_name", "caller_phone", "caller_email",
            "program_name", "notes",
        )})


class BriefFilterForm(EpisodeForm):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *BriefKind.choices])
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("Any outcome")), *BriefOutcome.choices]
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False, choices=[("", _("Any topic")), *BriefTopic.choices])
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("To"), required=False, widget=DateInput())
    mine_only = forms.BooleanField(label=_("Logged by me"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if isinstance(since, dt.date) and isinstance(until, dt.date) and until < since:
            self.add_error("until", _("The end of the period is before its start."))
        return cleaned


class BriefToRequestForm(EpisodeForm):
    """What a request needs beyond the call, pre-filled with what the call recorded."""

    requester_name = forms.CharField(label=_("Caller's name"), max_length=200)
    requester_email = forms.EmailField(label=_("Email"), required=False)
    requester_phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                                      widget=forms.TextInput(attrs={"type": "tel"}))
    program_name = forms.CharField(label=_("Program name"), max_length=200)
    address_line1 = forms.CharField(label=_("Street address"), max_length=200)
    city = forms.CharField(label=_("City"), max_length=100)
    postal_code = forms.CharField(label=_("ZIP code"), max_length=10)
    setting_type = forms.ChoiceField(label=_("Setting type"), choices=SettingType.choices)
    concern_text = forms.CharField(label=_("The concern"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, contact: BriefContact, **kwargs: Any) -> None:
        from abrazo.consultations.services import request_details_from

        kwargs.setdefault("initial", request_details_from(contact))
        super().__init__(*args, **kwargs)

    def to_details(self) -> Any:
        from abrazo.consultations.services import RequestDetails

        return RequestDetails(**self.cleaned_data)

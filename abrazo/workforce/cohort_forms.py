"""Forms of the cohort pages. They parse what was typed; the services judge it against the database, and
what was typed comes back unchanged beside any message."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from abrazo.accounts.models import Role, User
from abrazo.core.submissions import CreateOnceMixin
from abrazo.core.widgets import use_fast_widgets
from abrazo.directory.models import ConsultantProfile, County, Language, Network, Region
from abrazo.workforce.cohort_services import (
    AssignmentData,
    AttendanceEntry,
    CohortData,
    CompletionEntry,
    SessionData,
    WorkData,
)
from abrazo.workforce.models import (
    Assignment,
    AssignmentCompletion,
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    CohortStatus,
    Participant,
    ParticipantStatus,
    SessionModality,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class CohortsForm(forms.Form):
    """No colon after labels (the templates style labels) and fast selects."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        use_fast_widgets(self)


class VersionedForm(CohortsForm):
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


def _drop_create_or_edit_fields(form: forms.Form, editing: bool) -> None:
    if editing:
        del form.fields["submission_key"]
    else:
        del form.fields["version"]


# --- Cohorts ------------------------------------------------------------------------------------------


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.email})" if getattr(obj, "full_name", "") else str(obj.email)


class CohortForm(CreateOnceMixin, VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, empty_label=_("The whole network"),
        help_text=_("A cohort for one region is run by that region's coordinator; a network-wide cohort by the "
                    "network's administrators."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=CohortStatus.choices, initial=CohortStatus.PLANNED)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput())
    applications_close_on = forms.DateField(label=_("Applications close on"), required=False, widget=DateInput())
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=500, initial=25)
    coordinator = UserChoiceField(label=_("Cohort lead"), queryset=User.objects.none(), required=False,
                                  empty_label=_("No one named yet"))
    description_en = forms.CharField(label=_("Description (English)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 4, "lang": "en"}))
    description_es = forms.CharField(label=_("Description (Spanish)"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 4, "lang": "es"}))

    def __init__(self, *args: Any, network: Network, regions: QuerySet[Region], cohort: Cohort | None = None,
                 **kwargs: Any) -> None:
        if cohort is not None:
            kwargs["initial"] = {
                "name": cohort.name, "region": cohort.region_id, "status": cohort.status,
                "starts_on": cohort.starts_on, "ends_on": cohort.ends_on,
                "applications_close_on": cohort.applications_close_on, "capacity": cohort.capacity,
                "coordinator": cohort.coordinator_id, "description_en": cohort.description_en,
                "description_es": cohort.description_es, "version": cohort.version,
            }
        super().__init__(*args, **kwargs)
        _drop_create_or_edit_fields(self, cohort is not None)
        if cohort is not None and cohort.region_id and not regions.filter(pk=cohort.region_id).exists():
            regions = Region.objects.filter(Q(pk__in=regions.values("pk")) | Q(pk=cohort.region_id))
        self.fields["region"].queryset = regions.order_by("name")  # type: ignore[attr-defined]
        self.fields["coordinator"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__network=network, memberships__is_active=True,
            memberships__role__in=[Role.NETWORK_ADMIN, Role.REGIONAL_COORDINATOR, Role.SUPERVISOR],
        ).distinct().order_by("full_name", "email")
        use_fast_widgets(self)

    def to_data(self) -> CohortData:
        data = self.cleaned_data
        return CohortData(
            name=data["name"], region=data["region"], status=data["status"], starts_on=data["starts_on"],
            ends_on=data["ends_on"], applications_close_on=data["applications_close_on"], capacity=data["capacity"],
            coordinator=data["coordinator"], description_en=data["description_en"],
            description_es=data["description_es"],
        )


class CohortFilterForm(CohortsForm):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *CohortStatus.choices])


# --- Sessions and assignments ---------------------------------------------------------------------------


class SessionForm(CreateOnceMixin, VersionedForm):
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=999)
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    hours = forms.DecimalField(
        label=_("Continuing-education hours"), max_digits=4, decimal_places=2, min_value=Decimal("0.25"),
        max_value=Decimal(24), initial=Decimal(3), widget=forms.NumberInput(attrs={"step": "0.25"}),
        help_text=_("Participants present for the whole session are credited these hours."),
    )
    modality = forms.ChoiceField(label=_("Modality"), choices=SessionModality.choices, initial=SessionModality.VIDEO)
    location = forms.CharField(label=_("Place or link"), max_length=300, required=False)

    def __init__(self, *args: Any, cohort: Cohort, session: CohortSession | None = None, **kwargs: Any) -> None:
        if session is not None:
            kwargs["initial"] = {
                "number": session.number, "title": session.title, "held_on": session.held_on,
                "hours": session.hours, "modality": session.modality, "location": session.location,
                "version": session.version,
            }
        super().__init__(*args, **kwargs)
        _drop_create_or_edit_fields(self, session is not None)
        if session is None:
            last = cohort.sessions.order_by("-number").first()
            self.fields["number"].initial = (last.number + 1) if last else 1

    def to_data(self) -> SessionData:
        data = self.cleaned_data
        return SessionData(number=data["number"], title=data["title"], held_on=data["held_on"], hours=data["hours"],
                           modality=data["modality"], location=data["location"])


class AssignmentForm(CreateOnceMixin, VersionedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    instructions = forms.CharField(label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput())
    required_for_completion = forms.BooleanField(label=_("Required to complete the cohort"), required=False,
                                                 initial=True)

    def __init__(self, *args: Any, assignment: Assignment | None = None, **kwargs: Any) -> None:
        if assignment is not None:
            kwargs["initial"] = {
                "title": assignment.title, "instructions": assignment.instructions, "due_on": assignment.due_on,
                "required_for_completion": assignment.required_for_completion, "version": assignment.version,
            }
        super().__init__(*args, **kwargs)
        _drop_create_or_edit_fields(self, assignment is not None)

    def to_data(self) -> AssignmentData:
        data = self.cleaned_data
        return AssignmentData(title=data["title"], instructions=data["instructions"], due_on=data["due_on"],
                              required_for_completion=data["required_for_completion"])


# --- Sheets: a row per participant ------------------------------------------------------------------------


class SheetRow:
    """One participant's fields on a sheet, and whether they may still change."""

    def __init__(self, participant: Participant, fields: list[Any], *, locked: bool, error: str = "") -> None:
        self.participant = participant
        self.fields = fields
        self.locked = locked
        self.error = error


ATTENDANCE_CHOICES = [("", _("Not recorded")), *AttendanceStatus.choices]


class AttendanceSheetForm(CohortsForm):
    """Every participant's attendance at one session: a status and, for part of the session, the hours."""

    def __init__(self, *args: Any, session: CohortSession, participants: list[Participant],
                 existing: dict[UUID, Attendance], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session = session
        self.participants = participants
        self.locked = {p.pk for p in participants if p.status == ParticipantStatus.COMPLETED}
        for participant in participants:
            record = existing.get(participant.pk)
            key = participant.pk.hex
            locked = participant.pk in self.locked
            self.fields[f"status_{key}"] = forms.ChoiceField(
                label=participant.full_name, choices=ATTENDANCE_CHOICES, required=False, disabled=locked,
                initial=record.status if record else "",
            )
            self.fields[f"hours_{key}"] = forms.DecimalField(
                label=_("Hours attended by %(name)s") % {"name": participant.full_name}, required=False,
                max_digits=4, decimal_places=2, min_value=Decimal(0), disabled=locked,
                initial=record.hours if record and record.status == AttendanceStatus.PARTIAL else None,
                widget=forms.NumberInput(attrs={"step": "0.25", "class": "hours-input"}),
            )
        use_fast_widgets(self)

    def mark_everyone_present(self) -> None:
        """Show every unrecorded row as present (nothing is saved until the sheet is)."""
        for participant in self.participants:
            field = self.fields[f"status_{participant.pk.hex}"]
            if not field.disabled and not field.initial:
                field.initial = AttendanceStatus.PRESENT

    def rows(self, problems: dict[UUID, str] | None = None) -> list[SheetRow]:
        problems = problems or {}
        return [
            SheetRow(p, [self[f"status_{p.pk.hex}"], self[f"hours_{p.pk.hex}"]], locked=p.pk in self.locked,
                     error=problems.get(p.pk, ""))
            for p in self.participants
        ]

    def entries(self) -> list[AttendanceEntry]:
        data = self.cleaned_data
        return [
            AttendanceEntry(participant_id=p.pk, status=data[f"status_{p.pk.hex}"] or "",
                            hours=data[f"hours_{p.pk.hex}"])
            for p in self.participants if p.pk not in self.locked
        ]


class CompletionSheetForm(CohortsForm):
    """Who has done one assignment: a tick, the date and a note per participant."""

    def __init__(self, *args: Any, assignment: Assignment, participants: list[Participant],
                 existing: dict[UUID, AssignmentCompletion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.participants = participants
        self.locked = {p.pk for p in participants if p.status == ParticipantStatus.COMPLETED}
        for participant in participants:
            record = existing.get(participant.pk)
            key = participant.pk.hex
            locked = participant.pk in self.locked
            self.fields[f"done_{key}"] = forms.BooleanField(
                label=participant.full_name, required=False, disabled=locked, initial=record is not None,
            )
            self.fields[f"on_{key}"] = forms.DateField(
                label=_("Date %(name)s did it") % {"name": participant.full_name}, required=False, disabled=locked,
                initial=record.completed_on if record else None, widget=DateInput(),
            )
            self.fields[f"notes_{key}"] = forms.CharField(
                label=_("Notes about %(name)s's work") % {"name": participant.full_name}, required=False,
                max_length=500, disabled=locked, initial=record.notes if record else "",
            )

    def rows(self, problems: dict[UUID, str] | None = None) -> list[SheetRow]:
        problems = problems or {}
        return [
            SheetRow(p, [self[f"done_{p.pk.hex}"], self[f"on_{p.pk.hex}"], self[f"notes_{p.pk.hex}"]],
                     locked=p.pk in self.locked, error=problems.get(p.pk, ""))
            for p in self.participants
        ]

    def entries(self) -> list[CompletionEntry]:
        data = self.cleaned_data
        return [
            CompletionEntry(participant_id=p.pk, done=bool(data[f"done_{p.pk.hex}"]),
                            completed_on=data[f"on_{p.pk.hex}"], notes=data[f"notes_{p.pk.hex}"] or "")
            for p in self.participants if p.pk not in self.locked
        ]


# --- Where a participant works now -----------------------------------------------------------------------


class ConsultantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.full_name or obj.user.email} ({obj.region.name})"


WORKS_CHOICES = [("", _("Not known")), ("true", _("Yes")), ("false", _("No"))]


class WorkForm(VersionedForm):
    consultant_profile = ConsultantChoiceField(
        label=_("Consultant in this network"), queryset=ConsultantProfile.objects.none(), required=False,
        empty_label=_("Not a consultant of this network"),
        help_text=_("When the graduate now consults for this network, choose their consultant record."),
    )
    current_employer = forms.CharField(label=_("Current employer"), max_length=200, required=False)
    works_in_iecmhc = forms.TypedChoiceField(
        label=_("Works as a mental health consultant"), choices=WORKS_CHOICES, required=False,
        coerce=lambda value: value == "true", empty_value=None,
    )
    counties_served = forms.ModelMultipleChoiceField(
        label=_("Counties served now"), queryset=County.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages they consult in"), queryset=Language.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, participant: Participant, **kwargs: Any) -> None:
        works = participant.works_in_iecmhc
        kwargs["initial"] = {
            "consultant_profile": participant.consultant_profile_id, "current_employer": participant.current_employer,
            "works_in_iecmhc": "" if works is None else ("true" if works else "false"),
            "counties_served": [c.pk for c in participant.counties_served.all()],
            "languages": [lang.pk for lang in participant.languages.all()],
            "version": participant.version,
        }
        super().__init__(*args, **kwargs)
        network_id = participant.network_id
        self.fields["consultant_profile"].queryset = (  # type: ignore[attr-defined]
            ConsultantProfile.objects.filter(network_id=network_id).select_related("user", "region")
            .order_by("user__full_name", "user__email")
        )
        self.fields["counties_served"].queryset = County.objects.filter(  # type: ignore[attr-defined]
            Q(pk__in=participant.network.network_counties.values("county_id"))
            | Q(pk__in=participant.counties_served.values("pk"))
        ).order_by("name")
        use_fast_widgets(self)

    def to_data(self) -> WorkData:
        data = self.cleaned_data
        return WorkData(
            consultant_profile=data["consultant_profile"], current_employer=data["current_employer"],
            works_in_iecmhc=data["works_in_iecmhc"], counties_served=data["counties_served"],
            languages=data["languages"],
        )

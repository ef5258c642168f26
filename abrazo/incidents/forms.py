"""Forms of the roster, incidents and exclusions. They parse input; services check it against the database.

The incident form is filled in standing up, on a phone, often right after the incident: one column,
selects for the six BIRS fields with their BIRS wording, the date already set to today, the time optional.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from abrazo.core.submissions import CreateOnceMixin
from abrazo.core.widgets import use_fast_widgets
from abrazo.directory.models import Classroom, Language, Program
from abrazo.incidents import birs
from abrazo.incidents.models import (
    Child,
    EnrollmentEndReason,
    Exclusion,
    ExclusionKind,
    Gender,
    Incident,
    RaceEthnicity,
)
from abrazo.incidents.selectors import ChildFilters, IncidentFilters
from abrazo.incidents.services import ChildData, ExclusionData, IncidentData

CHOOSE = _("Choose…")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class IncidentsForm(forms.Form):
    """No colon after labels (the templates style labels themselves) and fast selects."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        use_fast_widgets(self)


class VersionedForm(IncidentsForm):
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


def _classroom_field(program: Program, *, label: Any, help_text: Any = "") -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label, help_text=help_text, required=False, empty_label=_("No classroom"),
        queryset=Classroom.objects.filter(program=program).order_by("name", "id"),
    )


# --- Children ------------------------------------------------------------------------------------


class ChildForm(CreateOnceMixin, VersionedForm):
    code = forms.CharField(
        label=_("Child code"), max_length=40,
        help_text=_("The code your program uses for the child. Never the child's name."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    classroom = forms.ModelChoiceField(label=_("Classroom"), queryset=Classroom.objects.none(), required=False)
    enrolled_from = forms.DateField(label=_("Enrolled from"), widget=DateInput())
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    race_ethnicity = forms.ChoiceField(
        label=_("Race/ethnicity"), choices=RaceEthnicity.choices, initial=RaceEthnicity.NOT_REPORTED,
        help_text=_("Hispanic/Latino of any race is chosen first; then one race, or two or more races."),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.NOT_REPORTED)
    iep = forms.BooleanField(label=_("Has an IEP or IFSP"), required=False)
    dll = forms.BooleanField(label=_("Dual-language learner"), required=False)
    home_language = forms.ModelChoiceField(
        label=_("Home language"), queryset=Language.objects.all(), required=False, empty_label=_("Not recorded"),
    )

    def __init__(self, *args: Any, program: Program, child: Child | None = None, **kwargs: Any) -> None:
        if child is not None:  # the stored values (also what a disabled field keeps)
            kwargs["initial"] = {
                "code": child.code, "classroom": child.classroom_id, "date_of_birth": child.date_of_birth,
                "race_ethnicity": child.race_ethnicity, "gender": child.gender, "iep": child.iep, "dll": child.dll,
                "home_language": child.home_language_id, "version": child.version,
            }
        super().__init__(*args, **kwargs)
        self.fields["classroom"] = _classroom_field(program, label=_("Classroom"))
        if child is not None:
            # An existing child's enrolment periods are kept on their page; a key is for create forms only.
            del self.fields["enrolled_from"], self.fields["submission_key"]
        else:
            del self.fields["version"]
            self.fields["enrolled_from"].initial = timezone.localdate()
        use_fast_widgets(self)

    def to_data(self) -> ChildData:
        data = self.cleaned_data
        return ChildData(
            code=data["code"], classroom=data["classroom"], date_of_birth=data["date_of_birth"],
            race_ethnicity=data["race_ethnicity"], gender=data["gender"], iep=data["iep"], dll=data["dll"],
            home_language=data["home_language"],
        )


class ChildFilterForm(IncidentsForm):
    q = forms.CharField(
        label=_("Child code"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    program = forms.TypedChoiceField(label=_("Program"), required=False, coerce=UUID, empty_value=None)
    classroom = forms.TypedChoiceField(label=_("Classroom"), required=False, coerce=UUID, empty_value=None)

    def __init__(self, *args: Any, programs: list[tuple[UUID, str]], classrooms: list[tuple[UUID, str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("All programs")), *((str(pk), name) for pk, name in programs)]
        several = len(programs) > 1
        self.fields["classroom"].choices = [("", _("All classrooms")), *(
            (str(pk), f"{name} · {program}" if several else name) for pk, name, program in classrooms)]
        use_fast_widgets(self)

    def to_filters(self) -> ChildFilters:
        if not self.is_bound or not self.is_valid():
            return ChildFilters()
        data = self.cleaned_data
        return ChildFilters(program_id=data["program"], classroom_id=data["classroom"], query=data["q"])


class EnrollmentForm(IncidentsForm):
    start_date = forms.DateField(label=_("Enrolled from"), widget=DateInput())
    end_date = forms.DateField(label=_("Enrolled until"), required=False, widget=DateInput(),
                               help_text=_("Leave empty while the child still attends."))

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["classroom"] = _classroom_field(program, label=_("Classroom"))
        self.fields["start_date"].initial = timezone.localdate()


class EnrollmentEndForm(IncidentsForm):
    end_date = forms.DateField(label=_("Last day"), widget=DateInput())
    end_reason = forms.ChoiceField(label=_("Why the enrolment ended"), choices=[("", CHOOSE),
                                                                               *EnrollmentEndReason.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end_date"].initial = timezone.localdate()


# --- Incidents -----------------------------------------------------------------------------------


class ChildChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.code)


def _birs_field(name: str) -> forms.ChoiceField:
    model_field = Incident._meta.get_field(name)
    return forms.ChoiceField(
        label=capfirst(model_field.verbose_name), help_text=model_field.help_text,
        choices=[("", CHOOSE), *birs.FIELDS[name].choices],
    )


class IncidentForm(CreateOnceMixin, VersionedForm):
    """One column, in the order a teacher tells what happened: who, when, what, then what the adults did."""

    child = ChildChoiceField(label=_("Child"), queryset=Child.objects.none(), empty_label=CHOOSE)
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput())
    occurred_at = forms.TimeField(label=_("Time"), required=False, widget=TimeInput())
    problem_behavior = _birs_field("problem_behavior")
    activity = _birs_field("activity")
    others_involved = _birs_field("others_involved")
    possible_motivation = _birs_field("possible_motivation")
    strategy_response = _birs_field("strategy_response")
    admin_follow_up = _birs_field("admin_follow_up")
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Short and factual: what happened just before, and what helped. Stored encrypted."),
    )

    def __init__(self, *args: Any, program: Program, roster: QuerySet[Child], incident: Incident | None = None,
                 child: Child | None = None, **kwargs: Any) -> None:
        if incident is not None:  # the stored values (also what a disabled field keeps)
            kwargs["initial"] = {
                "child": incident.child_id, "occurred_on": incident.occurred_on, "occurred_at": incident.occurred_at,
                "classroom": incident.classroom_id, "notes": incident.notes, "version": incident.version,
                **{name: getattr(incident, name) for name in birs.FIELDS},
            }
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = roster
        self.fields["classroom"] = _classroom_field(
            program, label=_("Classroom"), help_text=_("Leave as is to use the child's classroom."),
        )
        # The classroom sits right after the child and the time, before the BIRS fields.
        self.order_fields(["child", "occurred_on", "occurred_at", "classroom"])
        if incident is None:
            del self.fields["version"]
            self.fields["occurred_on"].initial = timezone.localdate()
            if child is not None:
                self.fields["child"].initial = child.pk
        else:
            del self.fields["submission_key"]
        use_fast_widgets(self)

    def to_data(self) -> IncidentData:
        data = self.cleaned_data
        return IncidentData(
            child=data["child"], occurred_on=data["occurred_on"], occurred_at=data["occurred_at"],
            classroom=data["classroom"], notes=data["notes"], **{name: data[name] for name in birs.FIELDS},
        )


class IncidentFilterForm(IncidentsForm):
    program = forms.TypedChoiceField(label=_("Program"), required=False, coerce=UUID, empty_value=None)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    exclusion_only = forms.BooleanField(label=_("Suspensions and dismissals only"), required=False)

    def __init__(self, *args: Any, programs: list[tuple[UUID, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("All programs")), *((str(pk), name) for pk, name in programs)]
        use_fast_widgets(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", _("Choose a date after the start of the range."))
        return data

    def to_filters(self) -> IncidentFilters:
        if not self.is_bound or not self.is_valid():
            return IncidentFilters()
        data = self.cleaned_data
        return IncidentFilters(program_id=data["program"], since=data["since"], until=data["until"],
                               exclusion_only=data["exclusion_only"])


# --- Exclusions ----------------------------------------------------------------------------------


class ExclusionForm(CreateOnceMixin, VersionedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", CHOOSE), *ExclusionKind.choices])
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(label=_("Until"), required=False, widget=DateInput(),
                              help_text=_("Leave empty for a single day or while it lasts."))
    days_lost = forms.DecimalField(
        label=_("Days of care lost"), min_value=Decimal("0"), max_value=Decimal("999.9"), max_digits=4,
        decimal_places=1, initial=Decimal("0"),
        help_text=Exclusion._meta.get_field("days_lost").help_text,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500,
                            widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Stored encrypted."))

    def __init__(self, *args: Any, exclusion: Exclusion | None = None, **kwargs: Any) -> None:
        if exclusion is not None:  # the stored values (also what a disabled field keeps)
            kwargs["initial"] = {
                "kind": exclusion.kind, "starts_on": exclusion.starts_on, "ends_on": exclusion.ends_on,
                "days_lost": exclusion.days_lost, "notes": exclusion.notes, "version": exclusion.version,
            }
        super().__init__(*args, **kwargs)
        if exclusion is None:
            del self.fields["version"]
            self.fields["starts_on"].initial = timezone.localdate()
        else:
            del self.fields["submission_key"]
            if exclusion.incident_id is not None:
                # The kind follows the incident's follow-up; shown, not chosen.
                self.fields["kind"].disabled = True
                self.fields["kind"].help_text = _("Set by the incident's response and follow-up.")

    def to_data(self) -> ExclusionData:
        data = self.cleaned_data
        return ExclusionData(kind=data["kind"], starts_on=data["starts_on"], ends_on=data["ends_on"],
                             days_lost=data["days_lost"], notes=data["notes"])

"""Forms of reflective supervision: logging a session, the list's filters, signing off and returning a log.
They parse input; the services check it against the database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abrazo.accounts.models import User
from abrazo.core.submissions import CreateOnceMixin
from abrazo.directory.models import ConsultantProfile
from abrazo.workforce.competency_forms import DateInput, VersionedForm, WorkforceForm
from abrazo.workforce.models import SupervisionFormat, SupervisionKind, SupervisionLog, SupervisionStatus
from abrazo.workforce.supervision_selectors import SupervisionFilters
from abrazo.workforce.supervision_services import MAX_GROUP_SIZE, MAX_HOURS, MIN_HOURS, SupervisionData


def consultant_choices(consultants: list[ConsultantProfile]) -> QuerySet[ConsultantProfile]:
    """The consultants already read (and scoped) by the view, as a queryset that names them in one query."""
    return (ConsultantProfile.objects.filter(pk__in=[consultant.pk for consultant in consultants])
            .select_related("user").order_by("user__full_name", "id"))


class ConsultantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.user.full_name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name or obj.email


class SupervisionForm(CreateOnceMixin, VersionedForm):
    consultant = ConsultantChoiceField(label=_("Consultant"), queryset=ConsultantProfile.objects.none(),
                                       empty_label=_("Choose…"))
    supervisor = PersonChoiceField(label=_("Supervisor"), queryset=User.objects.none(),
                                   empty_label=_("Choose…"),
                                   help_text=_("Who gave the supervision: a supervisor of the network."))
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind of supervision"), choices=SupervisionKind.choices, widget=forms.RadioSelect)
    format = forms.ChoiceField(label=_("Individual or group"), choices=SupervisionFormat.choices,
                               widget=forms.RadioSelect, initial=SupervisionFormat.INDIVIDUAL)
    group_size = forms.IntegerField(
        label=_("People in the group"), required=False, min_value=2, max_value=MAX_GROUP_SIZE,
        help_text=_("For group supervision only, the supervisor included."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    hours = forms.DecimalField(
        label=_("Hours"), min_value=MIN_HOURS, max_value=MAX_HOURS, max_digits=4, decimal_places=2,
        help_text=_("From 0.25 to 8, in hours: 1.5 for an hour and a half."),
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )
    topics = forms.CharField(
        label=_("Topics"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you reflected on, in a few words. Never the name of a child or a family."),
    )

    def __init__(self, *args: Any, consultants: list[ConsultantProfile] | None, supervisors: QuerySet[Any],
                 log: SupervisionLog | None = None, **kwargs: Any) -> None:
        if log is not None:
            kwargs["initial"] = {
                "supervisor": log.supervisor_id, "held_on": log.held_on, "kind": log.kind, "format": log.format,
                "group_size": log.group_size, "hours": log.hours, "topics": log.topics, "version": log.version,
            }
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = supervisors
        if log is not None:
            del self.fields["consultant"], self.fields["submission_key"]
            return
        del self.fields["version"]
        self.initial.setdefault("held_on", timezone.localdate())
        consultant_field = self.fields["consultant"]
        consultant_field.queryset = consultant_choices(consultants or [])
        if consultants and len(consultants) == 1:
            # A consultant logging their own supervision does not choose whom it is for.
            self.initial.setdefault("consultant", consultants[0].pk)
            consultant_field.widget = forms.HiddenInput()

    def chosen_consultant(self) -> ConsultantProfile | None:
        value = self.cleaned_data.get("consultant")
        return value if isinstance(value, ConsultantProfile) else None

    def to_data(self) -> SupervisionData:
        data = self.cleaned_data
        return SupervisionData(
            supervisor=data["supervisor"], held_on=data["held_on"], kind=data["kind"], format=data["format"],
            hours=Decimal(data["hours"]), group_size=data.get("group_size"), topics=data.get("topics", ""),
        )


class SupervisionFilterForm(WorkforceForm):
    consultant = ConsultantChoiceField(label=_("Consultant"), required=False, queryset=ConsultantProfile.objects.none(),
                                       empty_label=_("Everyone"))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *SupervisionKind.choices])
    format = forms.ChoiceField(label=_("Individual or group"), required=False,
                               choices=[("", _("Both")), *SupervisionFormat.choices])
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *SupervisionStatus.choices])
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, consultants: list[ConsultantProfile], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = consultant_choices(consultants)

    def to_filters(self) -> SupervisionFilters:
        if not self.is_bound or not self.is_valid():
            return SupervisionFilters()
        data = self.cleaned_data
        consultant = data.get("consultant")
        return SupervisionFilters(
            consultant_id=consultant.pk if consultant else None, kind=data.get("kind") or "",
            format=data.get("format") or "", status=data.get("status") or "", since=data.get("since"),
            until=data.get("until"),
        )


class SignOffForm(VersionedForm):
    """Signing off the version of the log the supervisor is looking at."""


class ReturnForm(VersionedForm):
    reason = forms.CharField(
        label=_("What needs correcting"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The consultant sees this and corrects the log; it then waits for your sign-off again."),
    )

"""Behavior incidents over the REST API (/api/v1/incidents/).

Reads use the incident selectors (scoped by "incident.view": program staff their program, consultants and
supervisors the programs where they hold an episode, coordinators their region, never evaluators); a record
outside the scope answers 404. A child is named by the code their program gives them, never by name, and a
new incident goes through `services.incident_record`, so the API refuses exactly what the form refuses
(a child not enrolled that day, a classroom of another program, a future date...).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar
from uuid import UUID

from django.db import models
from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers

from abrazo.api.base import ScopedCreateView, ScopedListView, ScopedRetrieveView, row_ids
from abrazo.api.schema import ErrorSerializer
from abrazo.api.serializers import FastSerializer
from abrazo.audit import services as audit
from abrazo.directory.models import Classroom
from abrazo.incidents import birs, selectors, services
from abrazo.incidents.models import Exclusion, Incident

INCIDENT_VIEW = selectors.INCIDENT_VIEW
INCIDENT_RECORD = services.INCIDENT_RECORD


LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


@extend_schema_field({"type": "string", "pattern": LOCAL_TIME, "example": "09:40",
                      "description": "Local time of day, HH:MM or HH:MM:SS (no offset)."})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time at the program, without a UTC offset. OpenAPI's `format: time` is RFC 3339's full-time,
    which requires an offset that an incident's time does not have, so the document states the shape it has,
    and input is held to it (an offset would be silently meaningless)."""

    def to_internal_value(self, value: Any) -> dt.time:
        if not isinstance(value, str) or not re.fullmatch(LOCAL_TIME, value):
            self.fail("invalid", format="HH:MM[:SS]")
        return super().to_internal_value(value)  # type: ignore[no-any-return]


class IncidentFilterSerializer(serializers.Serializer):
    program = serializers.UUIDField(required=False)
    since = serializers.DateField(required=False, help_text=_("Incidents on or after this day."))
    until = serializers.DateField(required=False, help_text=_("Incidents on or before this day."))
    exclusion_only = serializers.BooleanField(
        required=False, default=False, help_text=_("Only incidents that were an ISS, an OSS or a dismissal.")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and until < since:
            raise serializers.ValidationError({"until": _("The period ends before it starts.")})
        return attrs


class ExclusionOutputSerializer(FastSerializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    days_lost = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)


class IncidentOutputSerializer(FastSerializer):
    """An incident as a list shows it: no notes (they are encrypted and never loaded for a list)."""

    id = serializers.UUIDField()
    program = serializers.UUIDField(source="program_id")
    child_code = serializers.CharField(source="child.code", help_text=_("The code the program gives the child."))
    classroom = serializers.UUIDField(source="classroom_id", allow_null=True)
    occurred_on = serializers.DateField()
    occurred_at = LocalTimeField(allow_null=True)
    problem_behavior = serializers.CharField()
    activity = serializers.CharField()
    others_involved = serializers.CharField()
    possible_motivation = serializers.CharField()
    strategy_response = serializers.CharField()
    admin_follow_up = serializers.CharField()
    is_iss = serializers.BooleanField()
    is_oss = serializers.BooleanField()
    is_dismissal = serializers.BooleanField()
    source = serializers.CharField()
    version = serializers.IntegerField()


class IncidentDetailSerializer(IncidentOutputSerializer):
    """One incident as its page shows it: with its notes and the exclusion it led to."""

    notes = serializers.CharField()
    exclusion = serializers.SerializerMethodField()

    def get_exclusion(self, incident: Incident) -> dict[str, Any] | None:
        exclusion = self.context.get("exclusion")
        return ExclusionOutputSerializer(exclusion).data if exclusion is not None else None


class IncidentInputSerializer(serializers.Serializer):
    program = serializers.UUIDField(help_text=_("The program where it happened."))
    child_code = serializers.CharField(max_length=40, help_text=_("The code the program gives the child."))
    classroom = serializers.UUIDField(
        required=False, allow_null=True, help_text=_("A classroom of the program; leave out for the child's own.")
    )
    occurred_on = serializers.DateField()
    occurred_at = LocalTimeField(required=False, allow_null=True)
    problem_behavior = serializers.ChoiceField(choices=birs.ProblemBehavior.choices)
    activity = serializers.ChoiceField(choices=birs.Activity.choices)
    others_involved = serializers.ChoiceField(choices=birs.OthersInvolved.choices)
    possible_motivation = serializers.ChoiceField(choices=birs.PossibleMotivation.choices)
    strategy_response = serializers.ChoiceField(choices=birs.StrategyResponse.choices)
    admin_follow_up = serializers.ChoiceField(choices=birs.AdminFollowUp.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5_000)


def incident_queryset(*, user: Any, filters: selectors.IncidentFilters) -> QuerySet[Incident]:
    return selectors.incident_queryset_for(user=user, filters=filters)


def incident_detail(*, user: Any, incident_id: UUID) -> tuple[Incident, Exclusion | None]:
    incident = selectors.incident_get_for(user=user, incident_id=incident_id)
    return incident, selectors.exclusion_of(user=user, incident=incident)


def incident_create(*, user: Any, data: dict[str, Any]) -> Incident:
    """Find the program (404 unless the caller may record there), the child by code on its recent roster and
    the classroom among the program's (400 when not found), then record through the service."""
    program = selectors.program_get_for(user=user, program_id=data["program"], permission=INCIDENT_RECORD)
    child = selectors.roster_for_incidents(program=program).filter(code=data["child_code"].strip()).first()
    if child is None:
        raise serializers.ValidationError({"child_code": [_("No child with this code on the program's roster.")]})
    classroom = None
    if data.get("classroom"):
        classroom = Classroom.objects.filter(program=program, pk=data["classroom"]).first()
        if classroom is None:
            raise serializers.ValidationError({"classroom": [_("Choose a classroom of this program.")]})
    incident_data = services.IncidentData(
        child=child, occurred_on=data["occurred_on"], occurred_at=data.get("occurred_at"), classroom=classroom,
        problem_behavior=data["problem_behavior"], activity=data["activity"],
        others_involved=data["others_involved"], possible_motivation=data["possible_motivation"],
        strategy_response=data["strategy_response"], admin_follow_up=data["admin_follow_up"],
        notes=data.get("notes", ""),
    )
    return services.incident_record(actor=user, program=program, data=incident_data)


# --- Endpoints -------------------------------------------------------------------------------------

_ERROR = OpenApiResponse(ErrorSerializer, description="An error; see docs/api.md.")


# A create names a program: one outside the caller's reach answers 404, which the generic schema does not list.
@extend_schema_view(
    post=extend_schema(request=IncidentInputSerializer,
                       responses={201: IncidentDetailSerializer, 400: _ERROR, 401: _ERROR, 403: _ERROR, 404: _ERROR,
                                  409: _ERROR, 422: _ERROR, 429: _ERROR}),
)
class IncidentList(ScopedListView, ScopedCreateView):
    """GET: incidents in the caller's scope, most recent first (no notes). POST: record one, with an optional
    Idempotency-Key header; the answer is the incident with the exclusion it led to, if any."""

    required_scope: ClassVar[str | dict[str, str] | None] = {
        "GET": "incidents:read", "HEAD": "incidents:read", "OPTIONS": "incidents:read", "POST": "incidents:write"}
    filter_serializer_class = IncidentFilterSerializer
    serializer_class = IncidentOutputSerializer
    input_serializer_class = IncidentInputSerializer
    output_serializer_class = IncidentDetailSerializer
    # The page as dicts rather than 500 Incident and Child instances (whose garbage made the p95): the columns
    # IncidentOutputSerializer reads ("child.code" -> "child__code"). Notes are not among them.
    list_values = (
        "id", "program_id", "child__code", "classroom_id", "occurred_on", "occurred_at", "problem_behavior",
        "activity", "others_involved", "possible_motivation", "strategy_response", "admin_follow_up", "is_iss",
        "is_oss", "is_dismissal", "source", "version",
    )

    @property
    def permission(self) -> str:  # type: ignore[override]
        return INCIDENT_RECORD if self.request.method == "POST" else INCIDENT_VIEW

    def get_scoped_queryset(self, filters: dict[str, Any]) -> QuerySet[Incident]:
        return incident_queryset(user=self.request.user, filters=selectors.IncidentFilters(
            program_id=filters.get("program"), since=filters.get("since"), until=filters.get("until"),
            exclusion_only=bool(filters.get("exclusion_only")),
        ))

    def record_page(self, rows: list[Any], filters: dict[str, Any]) -> None:
        # The same event as selectors.incident_page_record writes for the web list; the rows here are dicts.
        audit.record_list(user=self.request.user, model=Incident, ids=row_ids(rows))

    def perform_create_from(self, data: dict[str, Any]) -> models.Model:
        incident = incident_create(user=self.request.user, data=data)
        self._exclusion = incident.exclusion if hasattr(incident, "exclusion") else None
        return incident

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "exclusion": getattr(self, "_exclusion", None)}

    def check_create_target(self) -> None:
        # Before a replay: the program named in the (same) body must still be one the caller records for.
        selectors.program_get_for(user=self.request.user, program_id=self.request.data.get("program"),
                                  permission=INCIDENT_RECORD)


class IncidentDetail(ScopedRetrieveView):
    required_scope = "incidents:read"
    permission = INCIDENT_VIEW
    serializer_class = IncidentDetailSerializer
    selector_records_view = True  # incident_get_for audits the view (and exclusion_of the exclusion's)

    def get_scoped_object(self, pk: Any) -> models.Model:
        incident, self._exclusion = incident_detail(user=self.request.user, incident_id=pk)
        return incident

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "exclusion": getattr(self, "_exclusion", None)}


urlpatterns = [
    path("incidents/", IncidentList.as_view(), name="incidents-incident-list"),
    path("incidents/<uuid:pk>/", IncidentDetail.as_view(), name="incidents-incident-detail"),
]

"""Requests for consultation on /api/v1/: list and read what the caller's role reaches (as the web's request
pages do), and submit a new request through the same service as the form (numbered, prioritised, acknowledged,
audited), with an Idempotency-Key so that a retry never files it twice."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from abrazo.accounts import access
from abrazo.api.base import ScopedCreateView, ScopedListView, ScopedRetrieveView
from abrazo.api.errors import ApiError
from abrazo.api.fields import RelatedKeysField
from abrazo.api.serializers import FastSerializer
from abrazo.directory.api import CountySerializer
from abrazo.directory.models import Auspice, County, Language, SettingType
from abrazo.directory.selectors import network_for
from abrazo.intake import selectors, services
from abrazo.intake.models import ConcernCategory, Priority, Request, RequesterRole, RequestStatus

READ, WRITE = "requests:read", "requests:write"
# Program staff follow their own program's requests, consultants and supervisors their (supervisees') own,
# coordinators their region: the web's request.view. Evaluators hold none of it and get 403.
PERMISSION = "request.view"


# --- Output ---------------------------------------------------------------------------------------------------


class RequestSummarySerializer(FastSerializer):
    """A row of the list: what the web's request list shows, no requester contact and no free text."""

    id = serializers.UUIDField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    submitted_at = serializers.DateTimeField()
    program_id = serializers.UUIDField(allow_null=True)
    program_name = serializers.CharField()
    setting_type = serializers.ChoiceField(choices=SettingType.choices)
    county = CountySerializer()
    region_id = serializers.UUIDField(allow_null=True)
    preferred_language = serializers.CharField(source="preferred_language_id")
    requester_role = serializers.ChoiceField(choices=RequesterRole.choices)
    concern_categories = serializers.ListField(child=serializers.CharField())
    child_specific = serializers.BooleanField()
    imminent_risk = serializers.BooleanField()
    consultant_id = serializers.UUIDField(allow_null=True)
    consultant_name = serializers.CharField(source="consultant.user.full_name", default=None, allow_null=True)
    assigned_at = serializers.DateTimeField(allow_null=True)


class RequestDetailSerializer(RequestSummarySerializer):
    """One request as the web's request page shows it. Triage notes (the question asked of the requester, why the
    priority or the consultant was changed) only for people who triage, as on the page."""

    requester_name = serializers.CharField()
    requester_email = serializers.EmailField()
    requester_phone = serializers.CharField()
    license_number = serializers.CharField()
    address_line1 = serializers.CharField()
    address_line2 = serializers.CharField()
    city = serializers.CharField()
    postal_code = serializers.CharField()
    auspice = serializers.CharField()
    serves_infants = serializers.BooleanField()
    serves_toddlers = serializers.BooleanField()
    serves_preschoolers = serializers.BooleanField()
    classroom_size = serializers.IntegerField(allow_null=True)
    languages = RelatedKeysField(attribute="code")
    concern_text = serializers.CharField()
    child_age_months = serializers.IntegerField(allow_null=True)
    availability = serializers.CharField()
    info_requested_at = serializers.DateTimeField(allow_null=True)
    waitlisted_at = serializers.DateTimeField(allow_null=True)
    declined_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.CharField()
    first_contact_at = serializers.DateTimeField(allow_null=True)
    # Triage only (null for everyone else).
    computed_priority = serializers.CharField(allow_null=True)
    priority_override_reason = serializers.CharField(allow_null=True)
    info_request_message = serializers.CharField(allow_null=True)
    assignment_override_reason = serializers.CharField(allow_null=True)

    TRIAGE_ONLY = ("computed_priority", "priority_override_reason", "info_request_message",
                   "assignment_override_reason")

    def to_representation(self, instance: Request) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        may_triage = request is not None and access.can(request.user, "request.triage", instance)
        if not may_triage:
            for name in self.TRIAGE_ONLY:
                data[name] = None
        return data


# --- Input ----------------------------------------------------------------------------------------------------


class RequestFilterSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=RequestStatus.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    submitted_from = serializers.DateField(required=False, help_text=gettext_lazy("Received on or after (YYYY-MM-DD)."))
    submitted_to = serializers.DateField(required=False, help_text=gettext_lazy("Received on or before (YYYY-MM-DD)."))
    program = serializers.UUIDField(required=False)
    county = serializers.RegexField(r"^\d{5}$", required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("submitted_from"), attrs.get("submitted_to")
        if start and end and start > end:
            raise serializers.ValidationError({"submitted_to": [_("The end date is before the start date.")]})
        return attrs


class CodeField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    """A code looked up in the database, refusing a NUL byte first: PostgreSQL cannot compare text holding one and
    answered 500 (found by the schemathesis fuzz run, tests/api_fuzz)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class RequestInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The public form's fields, as JSON. The network is the caller's own (or `network` when they have several)."""

    network = serializers.UUIDField(required=False, help_text=gettext_lazy("Only if you belong to several networks."))
    requester_name = serializers.CharField(max_length=200)
    requester_email = serializers.EmailField()
    requester_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    requester_role = serializers.ChoiceField(choices=RequesterRole.choices)
    preferred_language = CodeField(slug_field="code", queryset=Language.objects.all())
    program_name = serializers.CharField(max_length=200)
    license_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    address_line1 = serializers.CharField(max_length=200)
    address_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    postal_code = serializers.RegexField(r"^\d{5}(-\d{4})?$", max_length=10)
    county = CodeField(slug_field="fips", queryset=County.objects.all())
    setting_type = serializers.ChoiceField(choices=SettingType.choices)
    auspice = serializers.ChoiceField(choices=Auspice.choices, required=False, allow_blank=True, default="")
    serves_infants = serializers.BooleanField(required=False, default=False)
    serves_toddlers = serializers.BooleanField(required=False, default=False)
    serves_preschoolers = serializers.BooleanField(required=False, default=False)
    classroom_size = serializers.IntegerField(min_value=1, max_value=300, required=False, allow_null=True,
                                              default=None)
    languages = CodeField(slug_field="code", queryset=Language.objects.all(), many=True,
                                             required=False, default=list)
    concern_categories = serializers.MultipleChoiceField(choices=ConcernCategory.choices, allow_empty=False)
    concern_text = serializers.CharField(max_length=4000)
    child_specific = serializers.BooleanField(required=False, default=False)
    child_age_months = serializers.IntegerField(min_value=0, max_value=215, required=False, allow_null=True,
                                                default=None)
    imminent_risk = serializers.BooleanField(required=False, default=False)
    availability = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("child_specific") and attrs.get("child_age_months") is None:
            raise serializers.ValidationError({"child_age_months": [_("Give the child's age in months.")]})
        return attrs


# --- Views ----------------------------------------------------------------------------------------------------


class RequestListCreate(ScopedListView, ScopedCreateView):
    """Requests the caller may see, newest first; POST submits a new one (send an Idempotency-Key)."""

    required_scope = {"GET": READ, "HEAD": READ, "OPTIONS": READ, "POST": WRITE}
    permission = PERMISSION
    filter_serializer_class = RequestFilterSerializer
    serializer_class = RequestSummarySerializer
    input_serializer_class = RequestInputSerializer
    output_serializer_class = RequestDetailSerializer
    list_values = (
        "id", "reference", "status", "priority", "submitted_at", "program_id", "program_name", "setting_type",
        "county__fips", "county__name", "region_id", "preferred_language_id", "requester_role", "concern_categories",
        "child_specific", "imminent_risk", "consultant_id", "consultant__user__full_name", "assigned_at",
    )

    def get_scoped_queryset(self, filters: dict[str, Any]) -> QuerySet[Request]:
        requests = selectors.request_queryset_for(user=self.request.user, status=filters.get("status", ""))
        if filters.get("priority"):
            requests = requests.filter(priority=filters["priority"])
        if filters.get("submitted_from"):
            requests = requests.filter(submitted_at__date__gte=filters["submitted_from"])
        if filters.get("submitted_to"):
            requests = requests.filter(submitted_at__date__lte=filters["submitted_to"])
        if filters.get("program"):
            requests = requests.filter(program_id=filters["program"])
        if filters.get("county"):
            requests = requests.filter(county_id=filters["county"])
        return requests

    def perform_create_from(self, data: dict[str, Any]) -> Request:
        user = self.request.user
        network = self._network(data.pop("network", None))
        request = services.request_submit(
            network=network, submitted_by=user,
            data=services.RequestData(
                **{name: value for name, value in data.items() if name != "concern_categories"},
                concern_categories=sorted(data["concern_categories"]),
            ),
        )
        # Read back with what the detail shows, in one query plus the languages.
        return Request.objects.select_related("county", "consultant__user").prefetch_related(
            Prefetch("languages", queryset=Language.objects.order_by("code"))).get(pk=request.pk)

    def check_create_target(self) -> None:
        # Before a replay: the caller must still submit requests in the network the (same) body named.
        raw = self.request.data.get("network")
        self._network(UUID(str(raw)) if raw else None)

    def _network(self, network_id: UUID | None) -> Any:
        user = self.request.user
        if network_id is None:
            network = network_for(user=user, permission=PERMISSION)
            if network is None:
                raise ApiError(_("You do not have permission to do this."), code="permission_denied", status_code=403)
            return network
        for membership in user.active_memberships:
            if membership.network_id == network_id and membership.role in access.roles_with(PERMISSION):
                return membership.network
        raise serializers.ValidationError({"network": [_("You do not belong to this network.")]})


class RequestDetail(ScopedRetrieveView):
    """One request, if the caller may see it (404 otherwise)."""

    required_scope = READ
    permission = PERMISSION
    serializer_class = RequestDetailSerializer
    selector_records_view = True

    def get_scoped_object(self, pk: UUID) -> Request:
        return selectors.request_get_for(user=self.request.user, request_id=pk)


urlpatterns = [
    path("requests/", RequestListCreate.as_view(), name="intake-request-list"),
    path("requests/<uuid:pk>/", RequestDetail.as_view(), name="intake-request-detail"),
]

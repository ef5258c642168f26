"""Directory endpoints of /api/v1/: programs, classrooms and consultants, read-only, scoped like the web pages."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.urls import path
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from abrazo.accounts import access
from abrazo.api.base import ScopedListView, ScopedRetrieveView
from abrazo.api.fields import RelatedKeysField
from abrazo.directory import selectors
from abrazo.directory.models import (
    AgeGroup,
    Classroom,
    ConsultantProfile,
    Language,
    Program,
    SettingType,
)

SCOPE = "directory:read"
ACTIVE_CHOICES = (("true", _("active only")), ("false", _("inactive only")), ("all", _("both")))


# --- Output ---------------------------------------------------------------------------------------------------


class CountySerializer(serializers.Serializer):  # type: ignore[type-arg]
    fips = serializers.CharField()
    name = serializers.CharField()


class NamedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField()
    name = serializers.CharField()


class ProgramSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField()
    name = serializers.CharField()
    setting_type = serializers.ChoiceField(choices=SettingType.choices)
    auspice = serializers.CharField()
    license_number = serializers.CharField()
    address_line1 = serializers.CharField()
    address_line2 = serializers.CharField()
    city = serializers.CharField()
    postal_code = serializers.CharField()
    county = CountySerializer()
    region = NamedSerializer()
    is_rural = serializers.BooleanField()
    serves_infants = serializers.BooleanField()
    serves_toddlers = serializers.BooleanField()
    serves_preschoolers = serializers.BooleanField()
    languages = RelatedKeysField(attribute="code")
    quality_rating = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    is_active = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class ClassroomSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField()
    program_id = serializers.UUIDField()
    name = serializers.CharField()
    age_group = serializers.ChoiceField(choices=AgeGroup.choices)
    capacity = serializers.IntegerField()
    is_active = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class ConsultantSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField()
    name = serializers.CharField(source="user.full_name")
    email = serializers.EmailField(source="user.email")
    agency = NamedSerializer(allow_null=True)
    region = NamedSerializer(allow_null=True)
    license_type = serializers.CharField()
    license_eligible = serializers.BooleanField()
    endorsement_level = serializers.CharField()
    languages = RelatedKeysField(attribute="code")
    counties = CountySerializer(many=True)
    fte = serializers.DecimalField(max_digits=3, decimal_places=2)
    caseload_capacity = serializers.IntegerField()
    is_active = serializers.BooleanField()


# --- Filters (query parameters) -------------------------------------------------------------------------------


class ProgramFilterSerializer(serializers.Serializer):  # type: ignore[type-arg]
    q = serializers.CharField(required=False, max_length=200, help_text=_("Words of the name or city, or a licence."))
    county = serializers.RegexField(r"^\d{5}$", required=False, help_text=_("County FIPS code, e.g. 06019."))
    region = serializers.UUIDField(required=False)
    setting_type = serializers.ChoiceField(choices=SettingType.choices, required=False)
    language = serializers.CharField(required=False, max_length=8)
    rural = serializers.BooleanField(required=False, allow_null=True, default=None)
    active = serializers.ChoiceField(choices=ACTIVE_CHOICES, required=False, default="true")


class ClassroomFilterSerializer(serializers.Serializer):  # type: ignore[type-arg]
    program = serializers.UUIDField(required=False)
    age_group = serializers.ChoiceField(choices=AgeGroup.choices, required=False)
    active = serializers.ChoiceField(choices=ACTIVE_CHOICES, required=False, default="true")


class ConsultantFilterSerializer(serializers.Serializer):  # type: ignore[type-arg]
    q = serializers.CharField(required=False, max_length=200)
    county = serializers.RegexField(r"^\d{5}$", required=False)
    region = serializers.UUIDField(required=False)
    language = serializers.CharField(required=False, max_length=8)
    agency = serializers.UUIDField(required=False)


def _active(queryset: QuerySet[Any], active: str) -> QuerySet[Any]:
    if active == "true":
        return queryset.filter(is_active=True)
    if active == "false":
        return queryset.filter(is_active=False)
    return queryset


# --- Views ----------------------------------------------------------------------------------------------------


class ProgramList(ScopedListView):
    required_scope = SCOPE
    permission = "program.view"
    filter_serializer_class = ProgramFilterSerializer
    serializer_class = ProgramSerializer

    def get_scoped_queryset(self, filters: dict[str, Any]) -> QuerySet[Program]:
        programs = selectors.program_queryset_for(
            user=self.request.user,
            filters=selectors.ProgramFilters(
                query=filters.get("q", ""), region_id=filters.get("region"), county_fips=filters.get("county", ""),
                setting_type=filters.get("setting_type", ""), language=filters.get("language", ""),
                rural=filters.get("rural"), include_inactive=filters["active"] != "true",
            ),
        )
        if filters["active"] == "false":
            programs = programs.filter(is_active=False)
        # Languages in one more query for the whole page, whatever its size.
        return programs.prefetch_related(Prefetch("languages", queryset=Language.objects.order_by("code")))

    def record_page(self, rows: list[Any], filters: dict[str, Any]) -> None:
        selectors.program_page_record(
            user=self.request.user, programs=rows, filters=selectors.ProgramFilters(query=filters.get("q", ""))
        )


class ProgramDetail(ScopedRetrieveView):
    required_scope = SCOPE
    permission = "program.view"
    serializer_class = ProgramSerializer
    selector_records_view = True

    def get_scoped_object(self, pk: UUID) -> Program:
        return selectors.program_get_for(user=self.request.user, program_id=pk)


class ClassroomList(ScopedListView):
    required_scope = SCOPE
    permission = "classroom.view"
    filter_serializer_class = ClassroomFilterSerializer
    serializer_class = ClassroomSerializer

    def get_scoped_queryset(self, filters: dict[str, Any]) -> QuerySet[Classroom]:
        classrooms = access.visible(self.request.user, "classroom.view", Classroom.objects.all())
        if filters.get("program"):
            classrooms = classrooms.filter(program_id=filters["program"])
        if filters.get("age_group"):
            classrooms = classrooms.filter(age_group=filters["age_group"])
        return _active(classrooms, filters["active"]).order_by("program_id", "name", "id")


class ClassroomDetail(ScopedRetrieveView):
    required_scope = SCOPE
    permission = "classroom.view"
    serializer_class = ClassroomSerializer

    def get_scoped_object(self, pk: UUID) -> Classroom:
        return selectors.classroom_get_for(user=self.request.user, classroom_id=pk)


class ConsultantList(ScopedListView):
    required_scope = SCOPE
    permission = "consultant.view"
    filter_serializer_class = ConsultantFilterSerializer
    serializer_class = ConsultantSerializer

    def get_scoped_queryset(self, filters: dict[str, Any]) -> QuerySet[ConsultantProfile]:
        # The selector already brings languages and counties in two queries for the whole page.
        return selectors.consultant_queryset_for(
            user=self.request.user,
            filters=selectors.ConsultantFilters(
                query=filters.get("q", ""), region_id=filters.get("region"), county_fips=filters.get("county", ""),
                language=filters.get("language", ""), agency_id=filters.get("agency"),
            ),
        )

    def record_page(self, rows: list[Any], filters: dict[str, Any]) -> None:
        selectors.consultant_page_record(
            user=self.request.user, consultants=rows, filters=selectors.ConsultantFilters(query=filters.get("q", ""))
        )


class ConsultantDetail(ScopedRetrieveView):
    required_scope = SCOPE
    permission = "consultant.view"
    serializer_class = ConsultantSerializer
    selector_records_view = True

    def get_scoped_object(self, pk: UUID) -> ConsultantProfile:
        return selectors.consultant_get_for(user=self.request.user, consultant_id=pk)


urlpatterns = [
    path("programs/", ProgramList.as_view(), name="directory-program-list"),
    path("programs/<uuid:pk>/", ProgramDetail.as_view(), name="directory-program-detail"),
    path("classrooms/", ClassroomList.as_view(), name="directory-classroom-list"),
    path("classrooms/<uuid:pk>/", ClassroomDetail.as_view(), name="directory-classroom-detail"),
    path("consultants/", ConsultantList.as_view(), name="directory-consultant-list"),
    path("consultants/<uuid:pk>/", ConsultantDetail.as_view(), name="directory-consultant-detail"),
]

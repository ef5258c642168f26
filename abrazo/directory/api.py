"""Directory endpoints of /api/v1/: programs, classrooms and consultants, read-only, scoped like the web pages."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from abrazo.accounts import access
from abrazo.api.base import ScopedListView, ScopedRetrieveView, row_ids
from abrazo.api.fields import RelatedKeysField
from abrazo.api.serializers import FastSerializer
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.directory import selectors
from abrazo.directory.models import (
    AgeGroup,
    Classroom,
    ConsultantProfile,
    Program,
    SettingType,
)

SCOPE = "directory:read"
ACTIVE_CHOICES = (("true", _("active only")), ("false", _("inactive only")), ("all", _("both")))


# The columns ProgramSerializer reads, for the list's `.values()` page.
PROGRAM_VALUES = (
    "id", "name", "setting_type", "auspice", "license_number", "address_line1", "address_line2", "city",
    "postal_code", "county__fips", "county__name", "region__id", "region__name", "is_rural", "serves_infants",
    "serves_toddlers", "serves_preschoolers", "quality_rating", "phone", "email", "is_active", "updated_at",
)


# --- Output ---------------------------------------------------------------------------------------------------


class CountySerializer(FastSerializer):
    fips = serializers.CharField()
    name = serializers.CharField()


class NamedSerializer(FastSerializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class ProgramSerializer(FastSerializer):
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


class ClassroomSerializer(FastSerializer):
    id = serializers.UUIDField()
    program_id = serializers.UUIDField()
    name = serializers.CharField()
    age_group = serializers.ChoiceField(choices=AgeGroup.choices)
    capacity = serializers.IntegerField()
    is_active = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class ConsultantSerializer(FastSerializer):
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
    """Programs the caller may see (as on the web's program list), by name."""

    required_scope = SCOPE
    permission = "program.view"
    filter_serializer_class = ProgramFilterSerializer
    serializer_class = ProgramSerializer
    list_values = PROGRAM_VALUES

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
        return programs

    def attach_related(self, rows: list[dict[str, Any]]) -> None:
        # Every program's languages in one query for the whole page, whatever its size.
        codes: dict[Any, list[str]] = {row["id"]: [] for row in rows}
        links = Program.languages.through.objects.filter(program_id__in=self.page_ids()).order_by("language_id")
        for program_id, code in links.values_list("program_id", "language_id"):
            codes[program_id].append(code)
        for row in rows:
            row["languages"] = codes[row["id"]]

    def record_page(self, rows: list[Any], filters: dict[str, Any]) -> None:
        # As program_page_record does for the web list: a search is recorded as a search.
        audit.record_list(user=self.request.user, model=Program, ids=row_ids(rows),
                          action=Action.SEARCH if filters.get("q") else Action.LIST)


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

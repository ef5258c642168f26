"""The roster, incidents and exclusions in the admin: for looking things up, read-only.

Every change to these records must go through the services, so that it is audited, re-evaluates the
child's early warning, refreshes the equity rollup and keeps an incident's exclusion in step; an admin
form would do none of that. Encrypted notes are not shown here at all.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from abrazo.core.admin_scoping import NetworkScopedAdmin
from abrazo.incidents.models import Child, Enrollment, Exclusion, Incident


class ReadOnlyNetworkAdmin(NetworkScopedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    fields = ["start_date", "end_date", "end_reason", "classroom"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Child)
class ChildAdmin(ReadOnlyNetworkAdmin):
    list_display = ["code", "program", "classroom", "race_ethnicity", "gender", "iep", "dll"]
    list_filter = ["race_ethnicity", "gender", "iep", "dll"]
    search_fields = ["code", "program__name"]
    list_select_related = ["program", "classroom"]
    fields = ["code", "program", "classroom", "date_of_birth", "race_ethnicity", "gender", "iep", "dll",
              "home_language", "extra", "version", "created_at", "updated_at"]
    inlines = [EnrollmentInline]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyNetworkAdmin):
    list_display = ["occurred_on", "child", "program", "problem_behavior", "admin_follow_up", "is_iss", "is_oss",
                    "is_dismissal", "source"]
    list_filter = ["is_iss", "is_oss", "is_dismissal", "source", "occurred_on"]
    search_fields = ["child__code", "program__name", "external_id"]
    list_select_related = ["child", "program"]
    date_hierarchy = "occurred_on"
    fields = ["child", "program", "classroom", "occurred_on", "occurred_at", "problem_behavior", "activity",
              "others_involved", "possible_motivation", "strategy_response", "admin_follow_up", "is_iss", "is_oss",
              "is_dismissal", "source", "external_id", "recorded_by", "version", "created_at", "updated_at"]


@admin.register(Exclusion)
class ExclusionAdmin(ReadOnlyNetworkAdmin):
    list_display = ["starts_on", "child", "program", "kind", "days_lost", "incident"]
    list_filter = ["kind", "starts_on"]
    search_fields = ["child__code", "program__name"]
    list_select_related = ["child", "program", "incident"]
    fields = ["child", "program", "incident", "kind", "starts_on", "ends_on", "days_lost", "recorded_by", "version",
              "created_at", "updated_at"]

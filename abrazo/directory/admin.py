from django.contrib import admin

from abrazo.core.admin_scoping import NetworkScopedAdmin
from abrazo.directory.models import (
    Agency,
    Classroom,
    ConsultantProfile,
    Network,
    NetworkCounty,
    Program,
    ProgramStaff,
    Region,
)


@admin.register(Network)
class NetworkAdmin(NetworkScopedAdmin):
    network_path = "pk"
    list_display = ["name", "slug", "state_code"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Region)
class RegionAdmin(NetworkScopedAdmin):
    list_display = ["name", "code", "network"]
    search_fields = ["name", "code"]


@admin.register(NetworkCounty)
class NetworkCountyAdmin(NetworkScopedAdmin):
    list_display = ["county", "region", "underserved"]
    list_filter = ["underserved", "region"]
    autocomplete_fields = ["region"]
    raw_id_fields = ["county"]


@admin.register(Agency)
class AgencyAdmin(NetworkScopedAdmin):
    list_display = ["name", "region", "is_active"]
    search_fields = ["name"]
    exclude = ["version"]


@admin.register(Program)
class ProgramAdmin(NetworkScopedAdmin):
    list_display = ["name", "setting_type", "city", "county", "region", "license_number", "is_active"]
    list_filter = ["setting_type", "is_active", "region"]
    search_fields = ["name", "license_number", "city"]
    raw_id_fields = ["county"]
    autocomplete_fields = ["region"]
    filter_horizontal = ["languages"]
    exclude = ["version"]
    list_select_related = ["county", "region"]


@admin.register(Classroom)
class ClassroomAdmin(NetworkScopedAdmin):
    network_path = "program__network"
    list_display = ["name", "program", "age_group", "capacity"]
    search_fields = ["name", "program__name"]
    raw_id_fields = ["program"]
    exclude = ["version"]
    list_select_related = ["program"]


@admin.register(ProgramStaff)
class ProgramStaffAdmin(NetworkScopedAdmin):
    network_path = "program__network"
    list_display = ["full_name", "position", "program", "is_active"]
    search_fields = ["full_name", "email", "program__name"]
    raw_id_fields = ["program", "user", "classrooms"]
    filter_horizontal = ["languages"]
    exclude = ["version"]
    list_select_related = ["program"]


@admin.register(ConsultantProfile)
class ConsultantProfileAdmin(NetworkScopedAdmin):
    list_display = ["user", "agency", "region", "license_type", "caseload_capacity", "is_active"]
    list_filter = ["license_type", "region", "is_active"]
    search_fields = ["user__full_name", "user__email", "license_number"]
    raw_id_fields = ["user", "supervisor"]
    filter_horizontal = ["languages", "counties"]
    exclude = ["version"]
    list_select_related = ["user", "agency", "region"]

from django.contrib import admin

from abrazo.accounts.models import Membership, User
from abrazo.core.admin_scoping import NetworkScopedAdmin, administered_network_ids


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["network", "role", "region", "agency", "program", "is_active"]
    raw_id_fields = ["region", "agency", "program"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).filter(network__in=administered_network_ids(request.user))


@admin.register(User)
class UserAdmin(NetworkScopedAdmin):
    """People who hold a membership in one of the administrator's networks. Passwords are never set
    here: people set their own through the password-reset email."""

    network_path = "memberships__network"
    list_display = ["email", "full_name", "preferred_language", "is_active", "last_login"]
    search_fields = ["email", "full_name"]
    fields = ["email", "full_name", "preferred_language", "is_active"]
    readonly_fields = ["last_login"]
    inlines = [MembershipInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).distinct()


@admin.register(Membership)
class MembershipAdmin(NetworkScopedAdmin):
    list_display = ["user", "role", "network", "region", "agency", "program", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "user__full_name"]
    raw_id_fields = ["user", "region", "agency", "program"]
    list_select_related = ["user", "network", "region", "agency", "program"]

"""The Django admin, confined to the networks a person administers.

The admin is a convenience for network administrators, not a way around the access policy: every
changelist and change form is filtered through the same network scope as the rest of Abrazo.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from abrazo.accounts.models import Role


def administered_network_ids(user: Any) -> list[Any]:
    return [m.network_id for m in getattr(user, "active_memberships", []) if m.role == Role.NETWORK_ADMIN]


class NetworkScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows are limited to the user's administered networks via `network_path`."""

    network_path = "network"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        return queryset.filter(**{f"{self.network_path}__in": administered_network_ids(request.user)})

    # Network administrators manage their own directory fully; the role is checked by the admin site.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(administered_network_ids(request.user))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # Foreign-key choices must not offer another network's regions, agencies or programs.
        related = db_field.related_model
        networks = administered_network_ids(request.user)
        if related._meta.label == "directory.Network":
            kwargs["queryset"] = related.objects.filter(pk__in=networks)
        elif any(f.name == "network" for f in related._meta.get_fields()):
            kwargs["queryset"] = related.objects.filter(network__in=networks)
        elif related._meta.label in {"directory.Classroom", "directory.ProgramStaff"}:
            kwargs["queryset"] = related.objects.filter(program__network__in=networks)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

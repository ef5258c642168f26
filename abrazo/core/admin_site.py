"""The Django admin is for network administrators only, and only after MFA like everything else."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


def restrict_admin_site(site: AdminSite) -> None:
    def has_permission(request: HttpRequest) -> bool:
        from abrazo.accounts import access

        user = request.user
        return bool(
            user.is_active and user.is_staff and access.has_permission(user, "admin_site.use")
        ) or bool(user.is_active and user.is_superuser)

    def login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
        # The admin's own password form would skip MFA: send people through allauth instead.
        return redirect_to_login(request.get_full_path(), login_url=reverse("account_login"))

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.login = login  # type: ignore[method-assign,assignment]
    site.site_header = "Abrazo"
    site.site_title = "Abrazo admin"
    site.index_title = "Network administration"

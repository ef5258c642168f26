"""The Django admin is for network administrators only, and only after MFA like everything else."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def admin_site_allowed(user: object) -> bool:
    """An active account that is flagged staff *and* holds the network-admin role.

    `is_staff` alone (or `is_superuser`) is not enough: the role is what the access policy grants,
    and a membership can be switched off without touching the account flags.
    """
    from abrazo.accounts import access

    return bool(
        getattr(user, "is_active", False)
        and getattr(user, "is_staff", False)
        and access.has_permission(user, "admin_site.use")
    )


def restrict_admin_site(site: AdminSite) -> None:
    def has_permission(request: HttpRequest) -> bool:
        return admin_site_allowed(request.user)

    @login_not_required  # it only ever redirects; without this, LoginRequiredMiddleware nests the next URL
    def login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
        index = reverse("admin:index", current_app=site.name)
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = index
        if not request.user.is_authenticated:
            # The admin's own password form would skip MFA: send people through allauth instead.
            return redirect_to_login(next_url, login_url=reverse("account_login"))
        if has_permission(request):
            return redirect(next_url)
        # Signed in but not an administrator: the admin does not exist for them. (Sending them to the
        # sign-in page would bounce straight back here, since they are already signed in.)
        raise Http404

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.login = login  # type: ignore[method-assign,assignment]
    site.site_header = "Abrazo"
    site.site_title = "Abrazo admin"
    site.index_title = "Network administration"

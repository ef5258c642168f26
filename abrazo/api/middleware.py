"""The API answers in JSON: the site-wide redirects (sign in, set up a second factor) mean nothing to a client."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from abrazo.accounts.middleware import user_needs_mfa_setup

API_PREFIX = "/api/v1/"
# The interactive docs are an HTML page for people: the usual sign-in and MFA redirects apply there.
HTML_PAGES = ("/api/v1/docs/",)


class ApiMfaMiddleware:
    """Placed just before MFARequiredMiddleware: a session whose person has no second factor gets 403 JSON on the
    API instead of a redirect to the MFA set-up page. Token calls carry no session, so they pass untouched."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path.startswith(API_PREFIX) and not path.startswith(HTML_PAGES):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user_needs_mfa_setup(user):
                return JsonResponse(
                    {"error": {"code": "mfa_required",
                               "message": _("Set up a second factor before using the API.")}},
                    status=403,
                )
        return self.get_response(request)

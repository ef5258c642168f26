"""Session lifetime, the user's language and the MFA requirement, enforced on every request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation

SESSION_STARTED_KEY = "abrazo_started_at"
SESSION_SEEN_KEY = "abrazo_last_seen_at"
# Refreshing the last-seen stamp rewrites the session row; doing it at most once a minute keeps that
# write off most requests, at the cost of an idle timeout that may end up to a minute early.
SEEN_STAMP_INTERVAL = timedelta(minutes=1)


class SessionLifetimeMiddleware:
    """End a signed-in session after 30 idle minutes or 12 hours in all, whichever comes first.

    Runs before authentication so an expired session never reaches a view. The stamps are kept in
    the session itself (server side), so a client cannot extend its own lifetime.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if session.get("_auth_user_id"):
            now = timezone.now()
            started = _read_stamp(session.get(SESSION_STARTED_KEY))
            seen = _read_stamp(session.get(SESSION_SEEN_KEY))
            if started is None:
                session[SESSION_STARTED_KEY] = now.isoformat()
            expired = (seen is not None and now - seen > settings.ABRAZO_SESSION_IDLE_TIMEOUT) or (
                started is not None and now - started > settings.ABRAZO_SESSION_ABSOLUTE_LIFETIME
            )
            if expired:
                # Authentication has not run yet; name the user so that the sign-out reaches the
                # audit ledger (the user_logged_out signal) like any other.
                request.user = get_user(request)
                logout(request)
                request.session["abrazo_expired"] = True
            elif seen is None or now - seen >= SEEN_STAMP_INTERVAL:
                session[SESSION_SEEN_KEY] = now.isoformat()
        return self.get_response(request)


def _read_stamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class UserLanguageMiddleware:
    """Signed-in people see Abrazo in the language saved on their account unless they just chose
    another with the switcher (which also saves it to the account)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            language = user.preferred_language
            if language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


# Pages a signed-in person without a second factor may still reach: setting one up, leaving,
# changing language, and the static files those pages need.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz")


class MFARequiredMiddleware:
    """Every staff role must have a second factor (TOTP or passkey) before using Abrazo."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and user_needs_mfa_setup(user)
        ):
            return redirect(f"{reverse('mfa_activate_totp')}?required=1")
        return self.get_response(request)


def user_needs_mfa_setup(user: object) -> bool:
    from allauth.mfa.models import Authenticator

    from abrazo.accounts.models import MFA_REQUIRED_ROLES

    roles: set[str] = getattr(user, "roles", set())
    if not (roles & MFA_REQUIRED_ROLES) and not getattr(user, "is_staff", False):
        return False
    return not Authenticator.objects.filter(
        user_id=user.pk,  # type: ignore[attr-defined]
        type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
    ).exists()

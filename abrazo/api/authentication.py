"""Who is calling: a personal token (Authorization: Bearer abz_<prefix>_<secret>) or, from the browser, the
signed-in session (with CSRF, like any form)."""

from __future__ import annotations

import hmac
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.request import Request

from abrazo.accounts import access
from abrazo.api.models import LAST_USED_INTERVAL, TOKEN_PREFIX, ApiToken, hash_secret


class TokenError(exceptions.AuthenticationFailed):
    """401 with a stable code the client can act on (token_invalid, token_expired, token_revoked...)."""


def parse_token(raw: str) -> tuple[str, str] | None:
    """Split abz_<prefix>_<secret>; the secret may itself contain underscores."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class TokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None  # not ours: the session may still authenticate the call
        if len(header) != 2:
            raise TokenError(_("The Authorization header must be 'Bearer <token>'."), code="token_invalid")
        try:
            parsed = parse_token(header[1].decode("ascii"))
        except UnicodeDecodeError:
            parsed = None
        if parsed is None:
            raise TokenError(_("This is not an Abrazo API token."), code="token_invalid")
        prefix, secret = parsed
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        # Compare hashes in constant time even when the prefix is unknown, so timing tells nothing.
        expected = token.secret_hash if token else "0" * 64
        if not hmac.compare_digest(expected, hash_secret(secret)) or token is None:
            raise TokenError(_("The token is not valid."), code="token_invalid")
        now = timezone.now()
        if token.is_revoked:
            raise TokenError(_("The token was revoked."), code="token_revoked")
        if token.is_expired(now):
            raise TokenError(_("The token has expired; make a new one under API tokens."), code="token_expired")
        user = token.user
        if not user.is_active:
            raise TokenError(_("The account that owns the token is no longer active."), code="user_inactive")
        if not access.has_permission(user, "api.token"):
            raise TokenError(_("The account that owns the token may no longer use the API."), code="api_not_allowed")
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_INTERVAL:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # Messages come in the language the client asked for; otherwise the one saved on the account.
        if "HTTP_ACCEPT_LANGUAGE" not in request.META and user.preferred_language in dict(settings.LANGUAGES):
            translation.activate(user.preferred_language)
            request._request.LANGUAGE_CODE = user.preferred_language
        return user, token

    def authenticate_header(self, request: Request) -> str:
        # Naming a scheme makes DRF answer 401 (not 403) to an unauthenticated call.
        return 'Bearer realm="api"'


class BrowserSessionAuthentication(SessionAuthentication):
    """The signed-in session, for calls from Abrazo's own pages and the interactive docs. CSRF is enforced.

    A session without a second factor never reaches here: abrazo.api.middleware answers it first.
    """

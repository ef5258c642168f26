"""Where Abrazo bends django-allauth: no self sign-up, one source for the client address, failed and
throttled sign-ins in the audit ledger, and one-time codes that really are used once."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Network staff create accounts; there is no self sign-up.
        return bool(getattr(settings, "ACCOUNT_ALLOW_SIGNUPS", False))

    def get_client_ip(self, request: HttpRequest) -> str:
        # The per-address sign-in limit must key on the same address the audit ledger records, and
        # never on X-Forwarded-For, which any client can write.
        from abrazo.audit.middleware import client_ip

        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            # A throttled attempt never reaches authenticate(), so Django sends no
            # user_login_failed signal; it is still a failed sign-in and belongs in the ledger.
            from abrazo.audit import services as audit
            from abrazo.audit.models import Action, Outcome

            email = str(credentials.get("email") or credentials.get("username") or "")
            audit.record(user=None, action=Action.LOGIN_FAILED, outcome=Outcome.DENIED, email=email)
            raise


def totp_reuse_window_seconds() -> int:
    """How long an accepted TOTP code must stay spent.

    With a tolerance of N steps a code is accepted for 2N+1 periods. allauth remembers a used code
    for one period only, so with N=1 the same code could be replayed during the next minute; we
    remember it for the whole acceptance window plus one period of margin.
    """
    return mfa_settings.TOTP_PERIOD * (2 * mfa_settings.TOTP_TOLERANCE + 2)


def claim_totp_code(authenticator: Authenticator, code: str) -> bool:
    """Mark the code as spent for this authenticator; False when it was already spent."""
    normalized = "".join(code.split())
    if mfa_settings.TOTP_INSECURE_BYPASS_CODE and normalized == mfa_settings.TOTP_INSECURE_BYPASS_CODE:
        return True  # the labelled demo code (DEBUG only) is meant to be typed again and again
    key = f"abrazo.mfa.totp.spent:{authenticator.pk}:{normalized}"
    # cache.add is atomic: of two requests racing with the same code, only one wins.
    return bool(cache.add(key, "1", timeout=totp_reuse_window_seconds()))


class _SingleUseCodeMixin:
    authenticator: Authenticator

    def clean_code(self) -> str:
        code: str = super().clean_code()  # type: ignore[misc]
        if self.authenticator.type == Authenticator.Type.TOTP and not claim_totp_code(self.authenticator, code):
            self._emit_authentication_failed(self.authenticator)  # type: ignore[attr-defined]
            raise get_mfa_adapter().validation_error("incorrect_code")
        return code


class AuthenticateForm(_SingleUseCodeMixin, AllauthAuthenticateForm):
    """The second step of sign-in (MFA_FORMS["authenticate"])."""


class ReauthenticateForm(_SingleUseCodeMixin, AllauthReauthenticateForm):
    """Confirming identity again before a sensitive change (MFA_FORMS["reauthenticate"])."""

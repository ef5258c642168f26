"""Sign-ins, failures and sign-outs go to the audit ledger."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from abrazo.accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from abrazo.audit import services as audit
from abrazo.audit.models import Action, Outcome


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = timezone.now().isoformat()
        request.session[SESSION_STARTED_KEY] = now
        request.session[SESSION_SEEN_KEY] = now
    audit.record(user=user, action=Action.LOGIN)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(user=user, action=Action.LOGOUT)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # Only the address typed is kept; never the password.
    email = str(credentials.get("email") or credentials.get("username") or "")
    audit.record(user=None, action=Action.LOGIN_FAILED, outcome=Outcome.DENIED, email=email)

"""Making and revoking personal API tokens. Every write is audited; the secret exists only in the return value."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.api.models import (
    DEFAULT_TOKEN_LIFETIME,
    MAX_TOKEN_LIFETIME,
    SCOPES,
    TOKEN_PREFIX,
    ApiToken,
    hash_secret,
)
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.mail import deliver


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    # The whole token, abz_<prefix>_<secret>: shown to its owner once and never stored.
    plaintext: str


def scopes_for(user: Any) -> list[str]:
    """The scopes that would let this person do something: those whose permissions any of their roles holds."""
    return [
        scope for scope, (_label, permissions) in SCOPES.items()
        if not permissions or any(access.has_permission(user, name) for name in permissions)
    ]


@transaction.atomic
def token_create(
    *, user: Any, name: str, scopes: Iterable[str], expires_at: datetime | None = None, now: datetime | None = None
) -> NewToken:
    """Make a token for `user` with the scopes asked for (each one the person could use) until `expires_at`."""
    if not access.has_permission(user, "api.token"):
        raise PermissionDenied("api.token")
    moment = now or timezone.now()
    chosen = sorted(set(scopes))
    allowed = set(scopes_for(user))
    errors: dict[str, ValidationError] = {}
    if not name.strip():
        errors["name"] = ValidationError(_("Give the token a name."), code="required")
    if not chosen:
        errors["scopes"] = ValidationError(_("Choose at least one scope."), code="required")
    elif not set(chosen) <= allowed:
        errors["scopes"] = ValidationError(
            _("You cannot use these scopes: %(scopes)s.") % {"scopes": ", ".join(sorted(set(chosen) - allowed))},
            code="scope_not_allowed",
        )
    expiry = expires_at or moment + DEFAULT_TOKEN_LIFETIME
    if expiry <= moment:
        errors["expires_at"] = ValidationError(_("The expiry must be in the future."), code="in_past")
    elif expiry > moment + MAX_TOKEN_LIFETIME:
        errors["expires_at"] = ValidationError(_("A token may last at most one year."), code="too_long")
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100], prefix=prefix, secret_hash=hash_secret(secret), scopes=chosen,
        expires_at=expiry,
    )
    audit.record_change(user=user, obj=token, action=Action.CREATE)
    return NewToken(token=token, plaintext=f"{TOKEN_PREFIX}_{prefix}_{secret}")


@transaction.atomic
def token_revoke(*, user: Any, token: ApiToken) -> ApiToken:
    """Revoke one of the person's own tokens; it answers 401 from the next call on. Revoking twice changes nothing."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.user_id != user.pk:
        raise PermissionDenied("api.token")
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at", "updated_at"])
        audit.record_change(user=user, obj=locked, action=Action.UPDATE)
    return locked


def token_revoke_for_network(*, actor: Any, network: Any, token: ApiToken) -> bool:
    """An administrator revokes a token of a member of her network; the owner is told by email.

    True when this call revoked it (False: it was revoked already, nothing is written or sent). The caller
    found the token through selectors.network_token_get, so it belongs to a member of `network`; the
    permission is checked here again because a service must not trust its caller for that.
    """
    if not access.has_permission(actor, "api.token_admin"):
        raise PermissionDenied("api.token_admin")
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if locked.revoked_at is not None:
            return False
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at", "updated_at"])
        audit.record_change(user=actor, obj=locked, action=Action.UPDATE)
        owner = locked.user
        name = locked.name
        # The mail goes after the commit: a rolled-back revoke must not tell anyone their token stopped working.
        transaction.on_commit(lambda: _tell_owner_revoked(owner=owner, token_name=name, network_name=network.name))
    return True


def _tell_owner_revoked(*, owner: Any, token_name: str, network_name: str) -> None:
    with translation.override(getattr(owner, "preferred_language", "") or settings.LANGUAGE_CODE):
        subject = _("Your Abrazo API token was revoked")
        body = _(
            "An administrator of %(network)s revoked your API token “%(name)s”. It no longer works. If you still "
            "need one, sign in to Abrazo and make a new token under API tokens."
        ) % {"network": network_name, "name": token_name}
    deliver(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.email]))

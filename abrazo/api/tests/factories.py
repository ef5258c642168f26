"""Tokens for tests: `auth = api_auth(user, "directory:read")`, then `client.get(url, **auth)`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from abrazo.api import services


def make_token(user: Any, *scopes: str, expires_at: datetime | None = None, name: str = "test") -> str:
    """A token for `user` with the given scopes (every scope the person could use when none are given)."""
    chosen = list(scopes) or services.scopes_for(user)
    return services.token_create(user=user, name=name, scopes=chosen, expires_at=expires_at).plaintext


def bearer(token: str) -> dict[str, str]:
    """The Authorization header as Django's test Client takes it."""
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def api_auth(user: Any, *scopes: str, **kwargs: Any) -> dict[str, str]:
    return bearer(make_token(user, *scopes, **kwargs))

"""Declaring, on each view, the access decision it makes, so that a test can check every URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_not_required

F = TypeVar("F", bound=Callable[..., Any])


def public(view: F) -> F:
    """A page anyone may open without signing in (LoginRequiredMiddleware lets it through)."""
    wrapped = login_not_required(view)
    wrapped.abrazo_access = "public"  # type: ignore[attr-defined]
    return wrapped


def signed_in(view: F) -> F:
    """A page any signed-in person may open; it shows only what their scope allows."""
    view.abrazo_access = "signed_in"  # type: ignore[attr-defined]
    return view


def requires(permission: str) -> Callable[[F], F]:
    """A page behind a permission from accounts.access.POLICY. The view itself scopes the object;
    this marks the decision for the permission-matrix test and refuses roles without it at all."""

    def decorate(view: F) -> F:
        from functools import wraps

        from django.http import Http404

        from abrazo.accounts import access

        @wraps(view)
        def guarded(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not access.has_permission(request.user, permission):
                from abrazo.audit import services as audit

                audit.record_denied(user=request.user, object_type=permission)
                raise Http404
            return view(request, *args, **kwargs)

        guarded.abrazo_access = permission  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate

"""May this caller use this endpoint at all? The records it reaches are decided later, by the selectors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from abrazo.accounts import access
from abrazo.api.models import ApiToken


class ScopeMissing(exceptions.PermissionDenied):
    default_code = "scope_missing"


def required_scope_of(view: Any, method: str) -> str | None:
    """A view names its scope as `required_scope` (one for every method) or a {method: scope} dict; a write
    method with no scope of its own falls back to the view's `write_scope`."""
    declared = getattr(view, "required_scope", None)
    if isinstance(declared, dict):
        return declared.get(method) or declared.get("*")
    if method not in SAFE_METHODS and getattr(view, "write_scope", None):
        return str(view.write_scope)
    return declared


class ApiAccess(BasePermission):
    """Signed in (token or session), holding api.token and the endpoint's permission, and, for a token, the scope.

    A session from Abrazo's own pages is not narrowed by scopes: it already holds what the person holds.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            raise exceptions.NotAuthenticated()
        if not access.has_permission(user, "api.token"):
            raise exceptions.PermissionDenied(_("Your account may not use the API."), code="api_not_allowed")
        scope = required_scope_of(view, request.method or "GET")
        if scope is None:
            # An endpoint that forgot to declare its scope is closed, not open.
            raise exceptions.PermissionDenied(_("This endpoint is not available."), code="permission_denied")
        token = request.auth
        if isinstance(token, ApiToken) and not token.has_scope(scope):
            raise ScopeMissing(_("The token lacks the scope %(scope)s.") % {"scope": scope})
        permission = getattr(view, "permission", None)
        if permission:
            permissions = (permission,) if isinstance(permission, str) else tuple(permission)
            if not any(access.has_permission(user, name) for name in permissions):
                raise exceptions.PermissionDenied(
                    _("You do not have permission to do this."), code="permission_denied"
                )
        return True

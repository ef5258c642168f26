"""Every API error has one shape, a stable code a client can branch on and a message in the caller's language:

    {"error": {"code": "scope_missing", "message": "...", "fields": {"name": [{"code": "required", "message": "..."}]}}}

`fields` appears on validation errors only.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApiError(exceptions.APIException):
    """An error with a code of our own and any HTTP status (e.g. 409, 422)."""

    def __init__(self, message: str, *, code: str, status_code: int) -> None:
        super().__init__(message, code)
        self.status_code = status_code


def _from_django_validation(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        detail = {
            ("non_field_errors" if name == "__all__" else name): [
                exceptions.ErrorDetail(message, code=error.code or "invalid")
                for error in errors for message in error.messages
            ]
            for name, errors in exc.error_dict.items()
        }
        return exceptions.ValidationError(detail)
    return exceptions.ValidationError({"non_field_errors": [
        exceptions.ErrorDetail(message, code=error.code or "invalid")
        for error in exc.error_list for message in error.messages
    ]})


def _field_errors(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {name: _field_errors(value) for name, value in detail.items()}
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            return [{"code": item.code, "message": str(item)} for item in detail]
        return [_field_errors(item) for item in detail]
    if isinstance(detail, exceptions.ErrorDetail):
        return [{"code": detail.code, "message": str(detail)}]
    return detail


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = _from_django_validation(exc)
    elif isinstance(exc, Http404):
        # The selectors' 404 hides whether the record exists; say no more than that.
        exc = exceptions.NotFound(_("Not found."), code="not_found")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(_("You do not have permission to do this."), code="permission_denied")
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        body: dict[str, Any] = {
            "code": "invalid",
            "message": _("Some of the data is not valid."),
            "fields": _field_errors(exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}),
        }
    else:
        detail = exc.detail
        code = detail.code if isinstance(detail, exceptions.ErrorDetail) else exc.default_code
        body = {"code": code, "message": str(detail)}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            body["retry_after"] = int(exc.wait)
    response.data = {"error": body}
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response

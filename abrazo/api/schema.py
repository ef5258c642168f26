"""How the endpoints appear in the OpenAPI document: input serializers for request bodies, filter serializers as
query parameters, the bearer token as a security scheme, and the error shape of abrazo.api.errors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(help_text="A stable code: token_expired, scope_missing, not_found, invalid...")
    message = serializers.CharField(help_text="In the caller's language.")
    fields = serializers.DictField(required=False, child=serializers.ListField(child=serializers.DictField()))
    retry_after = serializers.IntegerField(required=False)


class ErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    error = ErrorDetailSerializer()


class ApiAutoSchema(AutoSchema):
    def get_request_serializer(self) -> Any:
        if self.method in ("POST", "PUT", "PATCH") and getattr(self.view, "input_serializer_class", None):
            return self.view.input_serializer_class
        return super().get_request_serializer()

    def get_response_serializers(self) -> Any:
        error = OpenApiResponse(ErrorSerializer, description="An error; see docs/api.md.")
        if self.method == "POST" and getattr(self.view, "input_serializer_class", None):
            out = getattr(self.view, "output_serializer_class", None) or self.view.get_serializer_class()
            return {201: out, 400: error, 401: error, 403: error, 409: error, 422: error, 429: error}
        main = super().get_response_serializers()
        if main is None or isinstance(main, dict) or not self._is_scoped_view():
            return main
        answers: dict[int, Any] = {200: main, 400: error, 401: error, 403: error, 429: error}
        if hasattr(self.view, "get_scoped_object"):
            answers[404] = error
        return answers

    def _is_scoped_view(self) -> bool:
        return hasattr(self.view, "get_scoped_queryset") or hasattr(self.view, "get_scoped_object")

    def _is_list_view(self, serializer: Any = None) -> bool:
        if self.method == "GET" and hasattr(self.view, "get_scoped_queryset"):
            return True
        if hasattr(self.view, "get_scoped_object") or self.method != "GET":
            return False
        return super()._is_list_view(serializer)

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        filters = getattr(self.view, "filter_serializer_class", None)
        if self.method == "GET" and filters is not None:
            parameters.append(filters)
        return parameters


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "abrazo.api.authentication.TokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "abz_<prefix>_<secret>",
                "description": "A personal API token made under /api/tokens/."}


class BrowserSessionScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "abrazo.api.authentication.BrowserSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME,
                "description": "The signed-in session (browser only; CSRF token required on writes)."}

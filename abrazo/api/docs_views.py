"""The OpenAPI document (public: it describes endpoints, it holds no data) and the interactive docs (signed-in
people only). Swagger UI's files come from drf-spectacular-sidecar on our own origin and the page has no inline
script or style, so the site-wide Content-Security-Policy applies unchanged."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.decorators import login_not_required, login_required
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny, IsAuthenticated

from abrazo.api.authentication import BrowserSessionAuthentication
from abrazo.api.throttling import ApiRateThrottle


class SchemaView(SpectacularAPIView):
    authentication_classes: ClassVar[list[Any]] = []
    permission_classes: ClassVar[list[Any]] = [AllowAny]
    throttle_classes: ClassVar[list[Any]] = [ApiRateThrottle]

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return login_not_required(super().as_view(**initkwargs))


class DocsView(SpectacularSwaggerSplitView):
    # LoginRequiredMiddleware sends a signed-out visitor to the sign-in page, MFARequiredMiddleware a person with
    # no second factor to set one up; the session is the only way in (a token is for programs, not for browsers).
    authentication_classes: ClassVar[list[Any]] = [BrowserSessionAuthentication]
    permission_classes: ClassVar[list[Any]] = [IsAuthenticated]
    throttle_classes: ClassVar[list[Any]] = []
    template_name = "api/swagger_ui.html"
    title = "Abrazo API"

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        # DRF exempts its views from LoginRequiredMiddleware; this page is for people, so send a signed-out
        # visitor to the sign-in page as every other page does.
        view = login_required(super().as_view(**initkwargs))
        view.abrazo_access = "signed_in"  # the decision, for the permission matrix (core.decorators.signed_in)
        return view


__all__ = ["DocsView", "SchemaView"]

"""Security headers that Django's SecurityMiddleware does not send, on every response.

- Content-Security-Policy: every script, style, font, image and connection comes from this site, with no inline
  script or style and no plugin; no other site may frame a page, and forms post only here. The templates are
  written for it (no <script> blocks, no style="" or on...="" attributes; htmx's injected indicator style is
  switched off by a meta tag in base.html and lives in abrazo.css instead). A public page therefore cannot carry
  a third-party tracking script even by mistake: the browser would refuse to load it.
- Permissions-Policy: the browser features Abrazo never uses are switched off for every page and frame
  (passkeys, which need publickey-credentials-*, keep their default, this site only).
- Cross-Origin-Resource-Policy: other sites may not embed our responses (files, images) in theirs.
- Cache-Control: every response to a signed-in person (or to a program presenting an API token) is
  "private, no-store" unless its view chose a policy itself. Lists, dashboards and search results carry
  children's names as much as their own pages do, so the rule is keyed on who asked, not on which page: a new
  page is covered without anyone remembering to mark it, and no shared computer's browser cache, history
  snapshot or proxy keeps a copy. Public pages (the site, the library) stay cacheable.

X-Frame-Options, X-Content-Type-Options, Referrer-Policy, Cross-Origin-Opener-Policy and, in production, HSTS
come from Django's own settings (settings.py, "Security"). A view that needs a different policy sets the header
itself; this middleware leaves a header that is already there alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # data: for the QR code of two-factor setup
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",  # no page uses <base>; an injected one could not redirect relative links elsewhere
    "form-action 'self'",
    "frame-ancestors 'none'",
])

# Only features browsers know: Chromium reports every unknown name as an error on every page (it does for
# "ambient-light-sensor" and "bluetooth", and for the retired "interest-cohort", which "browsing-topics" replaced).
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture", "geolocation", "gyroscope", "hid",
    "magnetometer", "microphone", "midi", "payment", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Resource-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for name, value in HEADERS.items():
            if name == "Content-Security-Policy" and _debug_error_page(response):
                continue
            response.headers.setdefault(name, value)
        if "Cache-Control" not in response.headers and _personal(request):
            response.headers["Cache-Control"] = "private, no-store"
        return response


def _personal(request: HttpRequest) -> bool:
    """Whether the answer was made for someone signed in. `request.user` is set by the authentication
    middleware, which runs inside this one; static files answered by WhiteNoise never reach it."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META


def _debug_error_page(response: HttpResponse) -> bool:
    """Django's technical 404 and 500 pages (DEBUG only) are built of inline styles and scripts; a developer
    should be able to read them. Production never shows them."""
    return settings.DEBUG and response.status_code in (404, 500)

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from abrazo.audit.context import RequestContext, current_request


def client_ip(request: HttpRequest) -> str | None:
    """The peer address. X-Forwarded-For is ignored: a client can forge it, and a trusted proxy in
    production is expected to set REMOTE_ADDR (e.g. via a proxy-protocol aware server)."""
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(RequestContext(ip_address=client_ip(request), path=request.path[:300]))
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)

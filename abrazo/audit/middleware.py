from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from abrazo.audit.context import RequestContext, current_request


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client, for the audit ledger and the sign-in rate limits.

    By default the peer address (REMOTE_ADDR): X-Forwarded-For is ignored, because any client can
    write it. A deployment behind N proxies of its own sets ABRAZO_TRUSTED_PROXY_COUNT=N; then the
    N-th address from the right of X-Forwarded-For is used, the one our outermost proxy appended.
    Entries to the left of it are whatever the client sent and are never read.
    """
    trusted = settings.ABRAZO_TRUSTED_PROXY_COUNT
    if trusted > 0:
        hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
        if len(hops) >= trusted:
            try:
                return str(ipaddress.ip_address(hops[-trusted]))
            except ValueError:
                pass  # a proxy of ours would not write garbage; fall back to the peer
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

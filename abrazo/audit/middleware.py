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


REFUSALS = (403, 404)


class AuditContextMiddleware:
    """Stamps the request's audit events with its address and path, and leaves one event per request that read
    or refused records: the reads a page made are written as one event; a refusal of a signed-in person is one
    denied event, even when the view said nothing (a 404 from a plain get_object_or_404, or a 403 after the
    record was fetched to be checked, is as much a refusal as one from access.get_or_404)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ctx = RequestContext(ip_address=client_ip(request), path=request.path[:300])
        token = current_request.set(ctx)
        response: HttpResponse | None = None
        try:
            response = self.get_response(request)
            return response
        finally:
            try:
                self._finish(request, ctx, response)
            finally:
                current_request.reset(token)

    @staticmethod
    def _finish(request: HttpRequest, ctx: RequestContext, response: HttpResponse | None) -> None:
        from abrazo.audit import services as audit

        user = getattr(request, "user", None)
        refused = response is not None and response.status_code in REFUSALS
        if not (refused and user is not None and user.is_authenticated):
            audit.write_request_reads(ctx)
            return
        # Refused: what the view fetched to decide was not shown, so the request's one event is the refusal,
        # naming the record the view had fetched (or the URL's) when the view recorded no refusal itself.
        fetched = ctx.ledger.reads[0] if ctx.ledger.reads else None
        ctx.ledger.reads.clear()
        if ctx.ledger.denied:
            return
        match = request.resolver_match
        kwargs = match.kwargs if match else {}
        audit.record_denied(
            user=user,
            object_type=fetched["object_type"] if fetched else (match.view_name if match else "")[:64],
            object_id=fetched["object_id"] if fetched else str(next(iter(kwargs.values()), ""))[:64],
        )

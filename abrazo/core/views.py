from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from abrazo.core.decorators import public
from abrazo.core.selectors import dashboard_for
from abrazo.library import site_views


@public
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database readiness for a load balancer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not ready"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@public
def home(request: HttpRequest) -> HttpResponse:
    """Public on purpose: a visitor who is not signed in gets the network's public site; a signed-in person the
    landing dashboard, where each role sees its own scope, counts and quick links."""
    if not request.user.is_authenticated:
        return site_views.home(request)
    return render(request, "core/home.html", {"dashboard": dashboard_for(request.user)})

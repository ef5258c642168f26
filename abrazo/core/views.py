from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from abrazo.core.decorators import public, signed_in
from abrazo.core.selectors import dashboard_for


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


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: each role sees its own scope, counts and quick links."""
    return render(request, "core/home.html", {"dashboard": dashboard_for(request.user)})

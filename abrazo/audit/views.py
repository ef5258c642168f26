from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from abrazo.audit import selectors
from abrazo.core.decorators import requires
from abrazo.core.pagination import paginate


@requires("audit.view")
def event_list(request: HttpRequest) -> HttpResponse:
    events = selectors.event_queryset_for(user=request.user)
    page = paginate(request, events, per_page=settings.ABRAZO_PAGE_SIZE)
    return render(request, "audit/event_list.html", {"page": page})

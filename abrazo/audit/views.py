from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from abrazo.audit import selectors
from abrazo.audit.forms import EventFilterForm, known_object_types
from abrazo.core.decorators import requires
from abrazo.core.pagination import paginate


@requires("audit.view")
def event_list(request: HttpRequest) -> HttpResponse:
    """Review the ledger. Reading it is not itself logged (the brief for this screen allows that)."""
    form = EventFilterForm(request.GET or None)
    events = selectors.event_queryset_for(user=request.user, filters=form.to_filters())
    if form.is_bound and not form.is_valid():
        # Showing every event under a filter the person believes applied would mislead a review.
        events = events.none()
    page = paginate(request, events, per_page=settings.ABRAZO_PAGE_SIZE)
    context = {
        "form": form,
        "page": page,
        "rows": selectors.event_rows(page.items),
        "object_types": known_object_types(),
        "filtered": form.is_bound and form.is_valid() and form.to_filters().any,
    }
    template = "audit/event_list.html#results" if getattr(request, "htmx", False) else "audit/event_list.html"
    return render(request, template, context)

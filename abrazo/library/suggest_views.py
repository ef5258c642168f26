"""The public suggestion form: anyone may suggest a resource for a network's library, without an account.

Guarded like the public request form (intake): a hidden honeypot field, a per-address rate limit counting
complete suggestions only, and a one-time form key so a double submit makes one suggestion.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from abrazo.audit.middleware import client_ip
from abrazo.core.decorators import public
from abrazo.core.form_errors import add_service_problem
from abrazo.core.submissions import AlreadySubmitted
from abrazo.directory.models import Network
from abrazo.directory.selectors import public_network
from abrazo.library import curation_selectors as selectors
from abrazo.library import resource_services as services
from abrazo.library.curation_forms import SuggestionForm

# The thanks page reads what to show from the session, so nothing the visitor typed travels in a URL.
THANKS_SESSION_KEY = "abrazo_library_suggestion"


def _thanks(http_request: HttpRequest, *, title: str, email: str, network: Network) -> HttpResponse:
    http_request.session[THANKS_SESSION_KEY] = {"title": title, "email": email, "network": network.name}
    return redirect("library:suggest-thanks")


def _page(http_request: HttpRequest, form: SuggestionForm, *, network: Network, status: int = 200) -> HttpResponse:
    return render(http_request, "library/suggest.html", {
        "form": form, "network": network, "title": _("Suggest a resource"),
    }, status=status)


@public
@never_cache
def suggest(http_request: HttpRequest, network_slug: str | None = None) -> HttpResponse:
    """Public on purpose: a form instead of "email us" (issue 7). Staff review every suggestion before anything
    is published."""
    network = public_network(slug=network_slug, user=http_request.user)
    topics = selectors.topics_for(network=network)
    if http_request.method != "POST":
        return _page(http_request, SuggestionForm(topics=topics), network=network)
    form = SuggestionForm(http_request.POST, http_request.FILES, topics=topics)
    if form.is_bot():
        # Say nothing that would teach a robot it was caught.
        return _thanks(http_request, title=str(form.data.get("title", ""))[:300], email="", network=network)
    if not form.is_valid():
        return _page(http_request, form, network=network)
    # Only complete suggestions count against the limit: a person correcting mistakes is never locked out.
    if services.suggestion_rate_limit_hit(address=client_ip(http_request)):
        form.add_error(None, _("We have received several suggestions from your connection in the last hour. Thank "
                               "you! Please try again later."))
        return _page(http_request, form, network=network, status=429)
    try:
        created = services.resource_suggest(
            network=network, data=form.to_data(), upload=form.cleaned_data.get("file") or None,
            submitted_by=http_request.user, submission_key=form.submission_key_value(),
            language=translation.get_language() or "",
        )
    except AlreadySubmitted as done:
        first: Any = done.existing
        if first is not None:
            return _thanks(http_request, title=first.title, email=first.suggested_by_email, network=network)
        form.add_error(None, _("This form had already been sent. Thank you!"))
    except ValidationError as problem:
        add_service_problem(form, problem)
    else:
        return _thanks(http_request, title=created.title, email=created.suggested_by_email, network=network)
    return _page(http_request, form, network=network)


@public
@never_cache
def suggest_thanks(http_request: HttpRequest) -> HttpResponse:
    """Public on purpose: the thanks after the suggestion form. It shows only what the visitor typed (the title and
    their email), read from their own session; without one it is a plain thank-you with a way back."""
    return render(http_request, "library/suggest_thanks.html", {
        "suggestion": http_request.session.get(THANKS_SESSION_KEY), "title": _("Thank you for your suggestion"),
    })

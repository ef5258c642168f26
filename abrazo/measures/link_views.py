"""Screens of the survey links: the staff page that sends one, and the public survey a respondent opens
from the email (no account). Views parse the request, call `measures.links`, and render."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from abrazo.audit.middleware import client_ip
from abrazo.core.decorators import public, requires
from abrazo.measures import links
from abrazo.measures.administrations import AnswersRejected
from abrazo.measures.link_forms import SurveyForm, SurveyLinkForm
from abrazo.measures.models import SurveyLink

# The session remembers which link this browser just answered, so that after the redirect it sees its
# thank-you page while anyone else opening the same link is told plainly that it was used.
ANSWERED_SESSION_KEY = "abrazo_survey_answered"
CLOSED_STATUS = 410  # Gone: the link existed and will not work again


def _private(response: HttpResponse) -> HttpResponse:
    """A survey page belongs to one respondent: never cached, never indexed, and its address (which is the
    key) never sent to another site as a referrer. "same-origin", not "no-referrer": with no referrer at all a
    browser posts the answers with `Origin: null`, which Django's CSRF check rightly refuses."""
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The page is in the link's language, whatever the browser asked for (LocaleMiddleware would say that).
    response["Content-Language"] = translation.get_language() or ""
    return response


def _closed_page(request: HttpRequest, state: str, context: dict[str, Any] | None = None) -> HttpResponse:
    status = 429 if state == "busy" else CLOSED_STATUS
    return _private(render(request, "measures/links/closed.html", {"state": state, **(context or {})},
                           status=status))


@public
@never_cache
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """Public on purpose: the respondent has no account. The token in the address is the only key; the
    page shows the instrument, the program's name and the consultant's first name (for training or group
    feedback, the cohort and session or the group it is about), nothing else."""
    if links.public_rate_limit_hit(address=client_ip(request)):
        return _closed_page(request, "busy")
    try:
        link = links.link_open(token=token)
    except links.LinkClosed as closed:
        with translation.override(closed.link.language):
            answered = request.session.get(ANSWERED_SESSION_KEY) or {}
            if closed.state == links.LinkState.USED and answered.get("link") == str(closed.link.pk):
                return _private(render(request, "measures/links/thanks.html", {
                    **links.respondent_context(closed.link), "declined": bool(answered.get("declined")),
                }))
            return _closed_page(request, closed.state.value, links.respondent_context(closed.link))
    with translation.override(link.language):
        return _survey_page(request, link, token)


def _survey_page(request: HttpRequest, link: SurveyLink, token: str) -> HttpResponse:
    administration = link.administration
    posted = request.POST if request.method == "POST" else None
    form = SurveyForm(posted, administration=administration)
    declining = posted is not None and "decline" in posted and form.asks_consent
    if posted is not None and (declining or form.is_valid()):
        try:
            if declining:
                links.link_decline(token=token)
            else:
                links.link_use(token=token, answers=form.answers(), respondent_consent=form.consent())
        except links.LinkClosed as closed:  # answered in another tab or on another device meanwhile
            return _closed_page(request, closed.state.value, links.respondent_context(closed.link))
        except AnswersRejected as rejected:
            form.show_problems(rejected)
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            request.session[ANSWERED_SESSION_KEY] = {"link": str(link.pk), "declined": declining}
            return redirect(links.survey_path(token))
    context = {
        **links.respondent_context(link), "form": form, "blocks": form.blocks(), "declined": declining,
    }
    return _private(render(request, "measures/links/survey.html", context))


# --- Staff ------------------------------------------------------------------------------------------


@requires(links.RECORD)
def link_new(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Send a survey link for one administration (withdrawing the one still open), or withdraw a link;
    the page lists every link sent for it with its state."""
    administration = links.administration_for_links(user=request.user, administration_id=pk)
    form = SurveyLinkForm(
        request.POST if request.method == "POST" and "revoke" not in request.POST else None,
        initial={"language": administration.language or translation.get_language()},
    )
    if request.method == "POST" and "revoke" in request.POST:
        found = [link for link in links.links_of(administration=administration)
                 if str(link.pk) == request.POST["revoke"]]
        if found:
            links.link_revoke(actor=request.user, link=found[0])
            messages.success(request, _("The link was withdrawn. It no longer opens the survey."))
        return redirect("measures:link-new", pk=administration.pk)
    if request.method == "POST" and form.is_valid():
        try:
            issued = links.link_create(
                actor=request.user, administration=administration, email=form.cleaned_data["email"],
                language=form.cleaned_data["language"], days_valid=form.cleaned_data["days_valid"],
            )
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(request, _("The survey link was sent to %(email)s. It works once, until %(date)s.") % {
                "email": issued.link.sent_to, "date": formats.date_format(issued.link.expires_at, "DATE_FORMAT"),
            })
            return redirect("measures:link-new", pk=administration.pk)
    rows = [(link, links.link_state(link)) for link in links.links_of(administration=administration)]
    return render(request, "measures/links/link_new.html", {
        "administration": administration, "form": form, "rows": rows, "title": _("Send a survey link"),
    })

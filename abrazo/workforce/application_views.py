"""Screens of the applications area: the public list of cohorts taking applications and the application
form, and the reviewers' list, application page, review, withdrawal and enrolment.

Views parse the request, call a selector or a service, and render.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from abrazo.audit.middleware import client_ip
from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import public, requires
from abrazo.core.listing import attach_choice_labels, attach_detail_urls
from abrazo.core.pagination import paginate
from abrazo.core.submissions import AlreadySubmitted
from abrazo.workforce import application_selectors as selectors
from abrazo.workforce import application_services as services
from abrazo.workforce.application_forms import ApplicationFilterForm, ApplicationForm, ReviewForm, VersionForm
from abrazo.workforce.models import Application, ApplicationStatus, Cohort, Participant

REVIEW = services.REVIEW
# The confirmation page reads what to show from the session, so no id or email travels in a URL.
CONFIRMATION_SESSION_KEY = "abrazo_workforce_application_confirmation"


# --- The public side --------------------------------------------------------------------------------


@public
@never_cache
def apply_cohorts(http_request: HttpRequest, network_slug: str | None = None) -> HttpResponse:
    """Public on purpose: anyone may see which training cohorts are taking applications, without an account."""
    network = selectors.apply_network(slug=network_slug, user=http_request.user)
    return render(http_request, "workforce/applications/cohorts.html", {
        "network": network, "cards": selectors.open_cohort_cards(network=network),
    })


def _confirm(http_request: HttpRequest, *, cohort: Cohort, email: str) -> HttpResponse:
    http_request.session[CONFIRMATION_SESSION_KEY] = {
        "cohort": cohort.name, "email": email, "network": cohort.network.name, "network_slug": cohort.network.slug,
    }
    return redirect("workforce:apply-thanks")


@public
@never_cache
def apply(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    """Public on purpose: applying to a cohort needs no account (issue 6).

    Guarded like the public request form: a hidden honeypot field, a per-address limit on complete
    applications, and a one-time form key that makes a double submit one application.
    """
    cohort = selectors.public_cohort_get(cohort_id=pk)
    if not services.cohort_is_open(cohort):
        return render(http_request, "workforce/applications/closed.html", {"cohort": cohort})
    counties = selectors.application_counties(network=cohort.network)
    if http_request.method != "POST":
        return _apply_page(http_request, ApplicationForm(counties=counties), cohort=cohort)

    form = ApplicationForm(http_request.POST, counties=counties)
    if form.is_bot():
        # Say nothing that would teach a robot it was caught.
        return _confirm(http_request, cohort=cohort, email=str(form.data.get("email", ""))[:254])
    if not form.is_valid():
        return _apply_page(http_request, form, cohort=cohort)
    # Only complete applications count against the limit: a person correcting mistakes is never locked out.
    if services.application_rate_limit_hit(address=client_ip(http_request)):
        form.add_error(None, _(
            "We have received several applications from your connection in the last hour. Please try again "
            "later, or write to us."
        ))
        return _apply_page(http_request, form, cohort=cohort, status=429)
    try:
        created = services.application_submit(
            cohort=cohort, data=form.to_data(), language=get_language() or settings.LANGUAGE_CODE,
            submission_token=form.submission_token(),
        )
    except AlreadySubmitted as done:
        first = done.existing
        if isinstance(first, Application):
            return _confirm(http_request, cohort=cohort, email=first.email)
        form.add_error(None, _("This application had already been sent. Check your email for the confirmation."))
    except ValidationError as error:
        form.add_error(None, error)
    else:
        return _confirm(http_request, cohort=cohort, email=created.email)
    return _apply_page(http_request, form, cohort=cohort)


def _apply_page(http_request: HttpRequest, form: ApplicationForm, *, cohort: Cohort, status: int = 200) -> HttpResponse:
    return render(http_request, "workforce/applications/apply.html", {
        "form": form, "cohort": cohort, "network": cohort.network,
        "description": selectors.cohort_description(cohort),
    }, status=status)


@public
@never_cache
def apply_thanks(http_request: HttpRequest) -> HttpResponse:
    """Public on purpose: the confirmation after the application form. It shows only what the person typed
    (their email) and the cohort's name, read from their own session; without one it points to the cohorts."""
    return render(http_request, "workforce/applications/thanks.html", {
        "confirmation": http_request.session.get(CONFIRMATION_SESSION_KEY),
    })


# --- Review -----------------------------------------------------------------------------------------


@requires(REVIEW)
def application_list(http_request: HttpRequest) -> HttpResponse:
    """Applications the reviewer may see, with their counts by status, filtered by cohort, status and region."""
    user = http_request.user
    form = ApplicationFilterForm(
        http_request.GET or None, cohorts=selectors.review_cohorts_for(user=user),
        regions=selectors.review_regions_for(user=user),
    )
    filters = form.to_filters()
    page = paginate(http_request, selectors.application_list_for(user=user, filters=filters),
                    per_page=settings.ABRAZO_PAGE_SIZE)
    attach_detail_urls(page.items, "workforce:application-detail")
    attach_choice_labels(page.items, "status", ApplicationStatus.choices)
    selectors.application_page_record(user=user, applications=page.items)
    counts = selectors.application_status_counts(user=user, filters=filters)
    # Each count links to the list narrowed to that status, within the same cohort and region.
    kept = http_request.GET.copy()
    for name in ("status", "page"):
        kept.pop(name, None)
    tiles = []
    for value, label, count in [("", _("All applications"), sum(n for _v, _l, n in counts)), *counts]:
        query = kept.copy()
        if value:
            query["status"] = value
        tiles.append({"value": value, "label": label, "count": count, "query": query.urlencode()})
    return render(http_request, "workforce/applications/list.html", {
        "form": form, "page": page, "counts": counts, "total": tiles[0]["count"], "tiles": tiles,
        "filters": filters,
    })


@requires(REVIEW)
def application_detail(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    """Everything the applicant told us, demographics included: the only page that shows them."""
    application = selectors.application_get_for(user=http_request.user, application_id=pk)
    participant = selectors.application_participant(application=application)
    taken, capacity = selectors.cohort_places(cohort=application.cohort)
    return render(http_request, "workforce/applications/detail.html", {
        "application": application, "participant": participant,
        "taken": taken, "capacity": capacity,
        "may_enrol": participant is None and application.status == ApplicationStatus.ACCEPTED,
        "may_withdraw": participant is None and application.status != ApplicationStatus.WITHDRAWN,
        "may_review": application.status != ApplicationStatus.WITHDRAWN,
    })


@requires(REVIEW)
def application_review(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    """Score, notes and decision; a decision made on a stale page is refused with the typed input kept."""
    application = selectors.application_get_for(user=http_request.user, application_id=pk)
    if http_request.method == "POST":
        form = ReviewForm(http_request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.application_review(
                    actor=http_request.user, application=application, status=data["status"],
                    score=data.get("review_score"), notes=data.get("review_notes", ""),
                    expected_version=data["version"],
                )
            except StaleEditError as stale:
                form.add_error(None, str(stale))
            except ValidationError as problem:
                form.add_error(None, problem)
            else:
                messages.success(http_request, _("The review is saved."))
                return redirect("workforce:application-detail", pk=application.pk)
    else:
        current = application.status if application.status in services.REVIEW_STATUSES else ApplicationStatus.IN_REVIEW
        form = ReviewForm(initial={
            "status": current, "review_score": application.review_score, "review_notes": application.review_notes,
            "version": application.version,
        })
    return render(http_request, "workforce/applications/review.html", {"application": application, "form": form})


@requires(REVIEW)
def application_withdraw(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    """The applicant asked to withdraw (by email or phone): staff record it for them."""
    application = selectors.application_get_for(user=http_request.user, application_id=pk)
    form = VersionForm(http_request.POST if http_request.method == "POST" else None,
                       initial={"version": application.version})
    if http_request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(actor=http_request.user, application=application,
                                          expected_version=form.cleaned_data["version"])
        except StaleEditError as stale:
            form.add_error(None, str(stale))
        except ValidationError as problem:
            form.add_error(None, problem)
        else:
            messages.success(http_request, _("The application is marked withdrawn."))
            return redirect("workforce:application-detail", pk=application.pk)
    return render(http_request, "workforce/applications/withdraw.html", {"application": application, "form": form})


@requires(REVIEW)
def application_enrol(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    """GET asks for confirmation (and says why enrolment is not possible, if it is not); POST enrols."""
    application = selectors.application_get_for(user=http_request.user, application_id=pk)
    participant: Participant | None = selectors.application_participant(application=application)
    problem = "" if participant else services.enrolment_problem(application)
    if http_request.method == "POST":
        try:
            participant = services.application_enrol(actor=http_request.user, application=application)
        except ValidationError as refused:
            problem = " ".join(refused.messages)
        else:
            messages.success(http_request, _("%(name)s is enrolled in %(cohort)s.") % {
                "name": participant.full_name, "cohort": application.cohort.name,
            })
            return redirect("workforce:application-detail", pk=application.pk)
    taken, capacity = selectors.cohort_places(cohort=application.cohort)
    return render(http_request, "workforce/applications/enrol.html", {
        "application": application, "participant": participant, "problem": problem, "taken": taken,
        "capacity": capacity,
    })

"""Screens of intake: the public request form, the requests lists, triage and capacity.

Views parse the request, call a selector or a service, and render.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from abrazo.accounts import access
from abrazo.accounts.models import User
from abrazo.audit.middleware import client_ip
from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import public, requires
from abrazo.core.pagination import paginate
from abrazo.core.submissions import AlreadySubmitted
from abrazo.directory.selectors import public_network
from abrazo.intake import selectors, services
from abrazo.intake.forms import (
    AskForInformationForm,
    AssignForm,
    DeclineForm,
    IntakeSettingsForm,
    PriorityForm,
    RequestForm,
    TriageFilterForm,
    WaitlistForm,
)
from abrazo.intake.models import Request, RequestStatus

# The confirmation page reads what to show from the session, so no reference or id travels in a URL.
CONFIRMATION_SESSION_KEY = "abrazo_intake_confirmation"


def _actor(request: HttpRequest) -> User:
    """The signed-in person: LoginRequiredMiddleware and @requires let nobody else this far."""
    return cast(User, request.user)


# --- The public form ----------------------------------------------------------------------------


def _confirm(http_request: HttpRequest, *, reference: str, email: str, network_name: str) -> HttpResponse:
    http_request.session[CONFIRMATION_SESSION_KEY] = {
        "reference": reference, "email": email, "network": network_name,
    }
    return redirect("intake:request-thanks")


def _decoy_reference() -> str:
    """A reference-shaped string for a robot: it looks like success and numbers nothing."""
    return f"R-{timezone.localdate().year % 100:02d}-{secrets.randbelow(900_000) + 100_000:06d}"


@public
@never_cache
def request_create(http_request: HttpRequest, network_slug: str | None = None) -> HttpResponse:
    """Public on purpose: providers and families ask for help without an account (DOMAIN.md §2).

    Guarded by a hidden honeypot field, a per-address rate limit and a one-time form key; signed-in
    program staff get their program's details filled in.
    """
    network = public_network(slug=network_slug, user=http_request.user)
    counties = selectors.request_form_counties(network=network)
    if http_request.method != "POST":
        form = RequestForm(counties=counties, initial=selectors.program_prefill_for(user=http_request.user,
                                                                                    network=network))
        return _request_form_page(http_request, form, network=network)

    form = RequestForm(http_request.POST, counties=counties)
    if form.is_bot():
        # Say nothing that would teach a robot it was caught.
        return _confirm(http_request, reference=_decoy_reference(), email=str(form.data.get("requester_email", "")),
                        network_name=network.name)
    if not form.is_valid():
        return _request_form_page(http_request, form, network=network)
    # Only complete requests count against the limit: a person correcting mistakes is never locked out.
    if services.request_rate_limit_hit(address=client_ip(http_request)):
        form.add_error(None, _(
            "We have received several requests from your connection in the last hour. Please try again later, "
            "or call us if it is urgent."
        ))
        return _request_form_page(http_request, form, network=network, status=429)
    try:
        created = services.request_submit(
            network=network, data=form.to_data(), submission_key=form.submission_key_value(),
            submitted_by=http_request.user if http_request.user.is_authenticated else None,  # type: ignore[arg-type]
        )
    except AlreadySubmitted as done:
        first = done.existing
        if isinstance(first, Request):
            return _confirm(http_request, reference=first.reference, email=first.requester_email,
                            network_name=network.name)
        form.add_error(None, _("This form had already been sent. Check your email for the confirmation."))
    except ValidationError as error:
        form.add_error(None, error)
    else:
        return _confirm(http_request, reference=created.reference, email=created.requester_email,
                        network_name=network.name)
    return _request_form_page(http_request, form, network=network)


def _request_form_page(
    http_request: HttpRequest, form: RequestForm, *, network: Any, status: int = 200
) -> HttpResponse:
    return render(
        http_request, "intake/request_form.html",
        {"form": form, "network": network, "title": _("Ask for mental health consultation")},
        status=status,
    )


@public
@never_cache
def request_thanks(http_request: HttpRequest) -> HttpResponse:
    """Public on purpose: the confirmation after the public form. It shows only what the person typed
    (their email) and the reference, read from their own session."""
    confirmation = http_request.session.get(CONFIRMATION_SESSION_KEY)
    if not confirmation:
        return redirect("intake:request-create")
    return render(http_request, "intake/request_thanks.html", {"confirmation": confirmation})


# --- Lists ------------------------------------------------------------------------------------------


def _render_list(http_request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    partial = bool(http_request.htmx) and not http_request.htmx.history_restore_request  # type: ignore[attr-defined]
    response = render(http_request, f"{template}#results" if partial else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@requires("request.view")
def request_list(http_request: HttpRequest) -> HttpResponse:
    """The requests a person may follow: program staff their program's, consultants those assigned to them."""
    user = http_request.user
    status = http_request.GET.get("status", "")
    if status not in RequestStatus.values:
        status = ""
    page = paginate(http_request, selectors.request_queryset_for(user=user, status=status),
                    per_page=settings.ABRAZO_PAGE_SIZE)
    selectors.request_page_record(user=user, requests=page.items)
    program_staff_only = user.primary_role == "program_staff"  # type: ignore[union-attr]
    return render(http_request, "intake/request_list.html", {
        "page": page, "status": status, "statuses": RequestStatus.choices,
        "title": _("My program's requests") if program_staff_only else _("Requests"),
        "may_triage": access.has_permission(user, "request.triage"),
    })


@requires("request.view")
def request_detail(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    user = http_request.user
    request = selectors.request_get_for(user=user, request_id=pk)
    may_triage = access.can(user, "request.triage", request)
    row = selectors.triage_rows(user=user, requests=[request])[0] if may_triage else None
    return render(http_request, "intake/request_detail.html", {
        "request_obj": request, "row": row, "may_triage": may_triage,
        "episode": selectors.episode_of(user=user, request=request),
        "priority_form": PriorityForm(initial={"priority": request.priority}) if may_triage else None,
    })


# --- Triage ---------------------------------------------------------------------------------------


@requires("request.triage")
def triage_queue(http_request: HttpRequest) -> HttpResponse:
    user = http_request.user
    form = TriageFilterForm(http_request.GET or None, counties=selectors.triage_counties_for(user=user))
    filters = form.to_filters()
    page = paginate(http_request, selectors.triage_queryset_for(user=user, filters=filters),
                    per_page=settings.ABRAZO_PAGE_SIZE)
    rows = selectors.triage_rows(user=user, requests=page.items)
    selectors.triage_page_record(user=user, requests=page.items, filters=filters)
    return _render_list(http_request, "intake/triage_queue.html", {
        "form": form, "page": page, "rows": rows, "may_configure": access.has_permission(user, "network.configure"),
    })


def _triage_action(
    http_request: HttpRequest, pk: UUID, *, form_class: type[Any], title: str, submit_label: str,
    act: Callable[[Request, Any], Request], success: str, explanation: str = "",
) -> HttpResponse:
    """GET shows the action's small form; POST runs the service and returns to the request."""
    request = selectors.request_get_for(user=http_request.user, request_id=pk, permission="request.triage")
    # A form with a hidden version field carries the version shown; the others ignore the initial value.
    form = form_class(http_request.POST if http_request.method == "POST" else None,
                      initial={"version": request.version})
    if http_request.method == "POST" and form.is_valid():
        try:
            act(request, form)
        except services.RequestNotOpen as closed:
            messages.error(http_request, closed.message)
            return redirect(request.get_absolute_url())
        except StaleEditError as stale:
            form.add_error(None, str(stale))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(http_request, success % {"reference": request.reference})
            return redirect(request.get_absolute_url())
    return render(http_request, "intake/action_form.html", {
        "request_obj": request, "form": form, "title": title, "submit_label": submit_label,
        "explanation": explanation,
    })


@requires("request.triage")
def request_ask_info(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    return _triage_action(
        http_request, pk, form_class=AskForInformationForm, title=_("Ask for more information"),
        submit_label=_("Send the question"),
        act=lambda request, form: services.request_ask_for_information(
            actor=_actor(http_request), request=request, message=form.cleaned_data["message"]),
        success=_("Question sent; %(reference)s waits for the answer."),
        explanation=_("The request waits with the status “Waiting for more information” until you decide."),
    )


@requires("request.triage")
def request_decline(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    return _triage_action(
        http_request, pk, form_class=DeclineForm, title=_("Decline the request"), submit_label=_("Decline"),
        act=lambda request, form: services.request_decline(
            actor=_actor(http_request), request=request, reason=form.cleaned_data["reason"]),
        success=_("%(reference)s declined."),
    )


@requires("request.triage")
def request_waitlist(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    return _triage_action(
        http_request, pk, form_class=WaitlistForm, title=_("Put on the waitlist"), submit_label=_("Waitlist"),
        act=lambda request, form: services.request_waitlist(actor=_actor(http_request), request=request),
        success=_("%(reference)s is on the waitlist."),
        explanation=_("The waitlist's age counts from the first time the request was waitlisted."),
    )


@requires("request.triage")
def request_priority(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    return _triage_action(
        http_request, pk, form_class=PriorityForm, title=_("Change the priority"), submit_label=_("Save priority"),
        act=lambda request, form: services.request_set_priority(
            actor=_actor(http_request), request=request, priority=form.cleaned_data["priority"],
            reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["version"]),
        success=_("Priority of %(reference)s saved."),
    )


@requires("request.triage")
def request_assign(http_request: HttpRequest, pk: UUID) -> HttpResponse:
    """The matching suggestions with their reasons; the coordinator confirms one or overrides with a reason."""
    user = http_request.user
    request = selectors.request_get_for(user=user, request_id=pk, permission="request.triage")
    if not request.is_open:
        # Someone decided it since the page was opened (or it was decided long ago): say who and what.
        closed_message = services.RequestNotOpen(request).message
        if http_request.method == "POST":
            messages.error(http_request, closed_message)
            return redirect(request.get_absolute_url())
        return render(http_request, "intake/assign.html", {
            "request_obj": request, "closed": True, "closed_message": closed_message,
        })
    suggestions = selectors.suggestions_for_request(user=user, request=request)
    form = AssignForm(
        http_request.POST if http_request.method == "POST" else None, request=request, suggestions=suggestions,
        consultants=selectors.assignable_consultants_for(request=request),
    )
    if http_request.method == "POST" and form.is_valid():
        try:
            episode = services.request_assign(
                actor=_actor(http_request), request=request, consultant=form.consultant(),
                episode_type=form.cleaned_data["episode_type"], override_reason=form.cleaned_data["override_reason"],
                child_code=form.cleaned_data["child_code"], classroom=form.cleaned_data.get("classroom"),
            )
        except services.RequestNotOpen as closed:
            messages.error(http_request, closed.message)
            return redirect(request.get_absolute_url())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(http_request, _("%(reference)s assigned to %(consultant)s.") % {
                "reference": request.reference, "consultant": episode.consultant,
            })
            return redirect(request.get_absolute_url())
    # Each radio button beside its suggestion's reasons; the last one ("someone else") has none.
    options = list(zip(form["choice"], [*suggestions, None], strict=True))
    return render(http_request, "intake/assign.html", {
        "request_obj": request, "form": form, "options": options, "suggestions": suggestions, "closed": False,
        "unmatched_reason": "" if suggestions else selectors.unmatched_reason(user=user, request=request),
    })


@requires("request.triage")
def capacity(http_request: HttpRequest) -> HttpResponse:
    """Open requests and waitlist against consultants' free places, by county and language."""
    return render(http_request, "intake/capacity.html", {"capacity": selectors.capacity_for(user=http_request.user)})


# --- Rules ---------------------------------------------------------------------------------------------


@requires("network.configure")
def intake_settings(http_request: HttpRequest) -> HttpResponse:
    network = selectors.network_for_configuration(user=http_request.user)
    rules = services.intake_settings_for(network)
    form = IntakeSettingsForm(http_request.POST if http_request.method == "POST" else None, rules=rules)
    if http_request.method == "POST" and form.is_valid():
        try:
            services.intake_settings_update(
                actor=_actor(http_request), network=network, data=form.to_data(),
                expected_version=form.expected_version(),
            )
        except StaleEditError as stale:
            form.mark_stale(current_version=services.intake_settings_for(network).version, message=str(stale))
        else:
            messages.success(http_request, _("Intake rules saved. New requests follow them."))
            return redirect(reverse("intake:settings"))
    return render(http_request, "intake/settings.html", {"form": form, "network": network})

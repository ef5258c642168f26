"""Screens of early warning: the open warnings, one warning, asking for consultation from it in one click,
closing it, the network's thresholds, and the timeliness report. Views parse, call, render."""

from __future__ import annotations

from typing import cast
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from abrazo.accounts import access
from abrazo.accounts.models import User
from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import requires
from abrazo.core.pagination import paginate
from abrazo.incidents import timeliness, warnings
from abrazo.incidents.models import WarningStatus
from abrazo.incidents.warning_forms import (
    PeriodForm,
    WarningCloseForm,
    WarningFilterForm,
    WarningSettingsForm,
    default_period,
)
from abrazo.incidents.warnings import ACT, CONFIGURE, VIEW


def _actor(request: HttpRequest) -> User:
    """The signed-in person: LoginRequiredMiddleware and @requires let nobody else this far."""
    return cast(User, request.user)


@requires(VIEW)
def warning_list(request: HttpRequest) -> HttpResponse:
    """The children whose incidents crossed the network's threshold, newest first, each with its pattern."""
    user = request.user
    form = WarningFilterForm(request.GET)
    status = form.status_value()
    page = paginate(request, warnings.warning_queryset_for(user=user, status=status),
                    per_page=settings.ABRAZO_PAGE_SIZE)
    patterns = warnings.warning_patterns(page.items)
    warnings.warning_page_record(user=user, patterns=patterns)
    return render(request, "incidents/warnings/list.html", {
        "form": form, "page": page, "patterns": patterns, "status": status,
        "may_act": access.has_permission(user, ACT), "may_configure": access.has_permission(user, CONFIGURE),
    })


@requires(VIEW)
def warning_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    user = request.user
    warning = warnings.warning_get_for(user=user, warning_id=pk)
    pattern = warnings.warning_patterns([warning])[0]
    warnings.warning_page_record(user=user, patterns=[pattern])
    return render(request, "incidents/warnings/detail.html", {
        "warning": warning, "pattern": pattern, "may_act": access.can(user, ACT, warning),
        "child_requests": warnings.child_requests_for(user=user, warning=warning),
    })


@requires(ACT)
def warning_request(request: HttpRequest, pk: UUID) -> HttpResponse:
    """One click: an urgent request for consultation about the child, prefilled from the warning.

    The list's button posts here directly; opened with GET (a link, a reload) it shows what will be sent and
    asks to confirm. A second submit gets the request the first one made.
    """
    warning = warnings.warning_get_for(user=request.user, warning_id=pk, permission=ACT)
    if request.method == "POST":
        try:
            made, created = warnings.warning_request_consultation(actor=_actor(request), warning=warning)
        except warnings.WarningNotOpen as not_open:
            messages.error(request, not_open.message)
            return redirect("incidents:warning-detail", pk=warning.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("incidents:warning-detail", pk=warning.pk)
        if created:
            messages.success(request, _("Urgent request %(reference)s sent for child %(code)s; it is in the "
                                        "triage queue.") % {"reference": made.reference, "code": warning.child.code})
        else:
            messages.info(request, _("This warning was already turned into request %(reference)s.")
                          % {"reference": made.reference})
        return redirect(made.get_absolute_url())
    if warning.status != WarningStatus.OPEN:
        return redirect("incidents:warning-detail", pk=warning.pk)
    pattern = warnings.warning_patterns([warning])[0]
    warnings.warning_page_record(user=request.user, patterns=[pattern])
    return render(request, "incidents/warnings/request_confirm.html", {
        "warning": warning, "concern": warnings.concern_text(pattern, language=_actor(request).preferred_language),
        "child_requests": warnings.child_requests_for(user=request.user, warning=warning),
    })


@requires(ACT)
@require_http_methods(["GET", "POST"])
def warning_close(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Close a warning without a request, with a short note saying why."""
    warning = warnings.warning_get_for(user=request.user, warning_id=pk, permission=ACT)
    if warning.status != WarningStatus.OPEN:
        return redirect("incidents:warning-detail", pk=warning.pk)
    form = WarningCloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            warnings.warning_close(actor=_actor(request), warning=warning, note=form.cleaned_data["note"])
        except warnings.WarningNotOpen as not_open:
            messages.error(request, not_open.message)
            return redirect("incidents:warning-detail", pk=warning.pk)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Warning for child %(code)s closed.") % {"code": warning.child.code})
            return redirect("incidents:warning-list")
    return render(request, "incidents/warnings/close.html", {"warning": warning, "form": form})


@requires(CONFIGURE)
def warning_settings(request: HttpRequest) -> HttpResponse:
    """The network's thresholds for early warnings."""
    network = warnings.network_for_configuration(user=request.user)
    rules = warnings.warning_settings_of(network)
    form = WarningSettingsForm(request.POST if request.method == "POST" else None, rules=rules)
    if request.method == "POST" and form.is_valid():
        try:
            warnings.warning_settings_update(actor=_actor(request), network=network, data=form.to_data(),
                                             expected_version=form.expected_version())
        except StaleEditError as stale:
            form.mark_stale(current_version=warnings.warning_settings_of(network).version, message=str(stale))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Early-warning thresholds saved. They apply from the next incident "
                                        "recorded."))
            return redirect(reverse("incidents:warning-settings"))
    return render(request, "incidents/warnings/settings.html", {"form": form, "network": network})


@requires(VIEW)
def timeliness_report(request: HttpRequest) -> HttpResponse:
    """Children suspended or dismissed before anyone asked for consultation, and the days it took to ask."""
    data = request.GET.copy()
    default_start, default_end = default_period()
    data.setdefault("start", default_start.isoformat())
    data.setdefault("end", default_end.isoformat())
    form = PeriodForm(data)
    start, end = form.period()
    report = timeliness.timeliness_report_for(user=request.user, start=start, end=end)
    return render(request, "incidents/warnings/timeliness.html", {"form": form, "report": report})

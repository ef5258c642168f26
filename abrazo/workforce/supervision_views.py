"""Screens of reflective supervision: the logs (with totals by kind and, for one consultant, progress toward
endorsement), logging and correcting a session, a supervisor signing off one log, several at once, or returning
one, and a supervisor's team. Views parse the request, call a selector or a service, and render."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from abrazo.accounts import access
from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import requires
from abrazo.core.form_errors import add_service_problem
from abrazo.core.listing import attach_choice_labels, attach_detail_urls
from abrazo.core.pagination import paginate
from abrazo.workforce import supervision_selectors as selectors
from abrazo.workforce import supervision_services as services
from abrazo.workforce.models import SupervisionFormat, SupervisionKind, SupervisionStatus
from abrazo.workforce.selectors import workforce_settings_for
from abrazo.workforce.settings_views import NETWORK_CONFIGURE
from abrazo.workforce.supervision_forms import ReturnForm, SignOffForm, SupervisionFilterForm, SupervisionForm
from abrazo.workforce.templatetags.workforce_hours import format_hours, hours_plural

SUPERVISION_VIEW, SUPERVISION_LOG, SUPERVISION_SIGN_OFF = "supervision.view", "supervision.log", "supervision.sign_off"
TEAM_VIEW = "team.view"


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _uuid(value: str | None) -> UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _detail_url(log: Any) -> str:
    return reverse("workforce:supervision-detail", args=[log.pk])


def hours_text(hours: Any) -> str:
    """"1 hour", "1.5 hours" in the reader's language."""
    return ngettext("%(hours)s hour", "%(hours)s hours", hours_plural(hours)) % {"hours": format_hours(hours)}


def countable_labels(workforce_settings: Any) -> list[str]:
    labels = dict(SupervisionKind.choices)
    return [str(labels.get(kind, kind)) for kind in workforce_settings.countable_kinds or []]


# --- the list -----------------------------------------------------------------------------------------


@requires(SUPERVISION_VIEW)
def supervision_list(request: HttpRequest) -> HttpResponse:
    """Logs in the person's scope with filters and hours by kind; for one consultant (the one filtered on, or a
    consultant's own page) their progress toward endorsement."""
    user = request.user
    consultants = selectors.consultants_for(user=user, permission=SUPERVISION_VIEW)
    form = SupervisionFilterForm(request.GET or None, consultants=consultants)
    filters = form.to_filters()
    logs = selectors.supervision_queryset_for(user=user, filters=filters)
    page = paginate(request, logs, per_page=settings.ABRAZO_PAGE_SIZE)
    selectors.supervision_page_record(user=user, logs=page.items)
    attach_detail_urls(page.items, "workforce:supervision-detail")
    attach_choice_labels(page.items, "kind", SupervisionKind.choices)
    attach_choice_labels(page.items, "format", SupervisionFormat.choices)
    attach_choice_labels(page.items, "status", SupervisionStatus.choices)
    totals = selectors.supervision_totals(logs)
    focus = None
    if filters.consultant_id:
        focus = next((c for c in consultants if c.pk == filters.consultant_id), None)
    elif len(consultants) == 1:
        focus = consultants[0]
    context: dict[str, Any] = {
        "form": form, "page": page, "totals": totals, "all_kinds": selectors.all_kinds_total(totals),
        "several": len(consultants) > 1, "focus": focus, "filtered": bool(request.GET),
        "may_log": access.has_permission(user, SUPERVISION_LOG),
        "may_sign_off": access.has_permission(user, SUPERVISION_SIGN_OFF),
        "may_see_team": access.has_permission(user, TEAM_VIEW),
        "may_configure": access.has_permission(user, NETWORK_CONFIGURE),
        "is_own": focus is not None and focus.user_id == user.pk,
    }
    if focus is not None:
        context["progress"] = selectors.progress_for(user=user, consultant=focus)
        context["workforce_settings"] = workforce_settings_for(focus.network_id)
        context["countable"] = countable_labels(context["workforce_settings"])
    return render(request, "workforce/supervision/list.html", context)


# --- logging and correcting ---------------------------------------------------------------------------


@requires(SUPERVISION_LOG)
def supervision_new(request: HttpRequest) -> HttpResponse:
    """Log a session: a consultant for themselves; a supervisor for one of their consultants (`?consultant=`
    chooses one). The supervisor starts as the consultant's own."""
    user = request.user
    consultants = selectors.consultants_for(user=user, permission=SUPERVISION_LOG)
    supervisors = selectors.supervisors_of(network_ids={consultant.network_id for consultant in consultants})
    chosen = next((c for c in consultants if c.pk == _uuid(request.GET.get("consultant"))), None)
    if chosen is None and len(consultants) == 1:
        chosen = consultants[0]
    initial: dict[str, Any] = {}
    if chosen is not None:
        initial["consultant"] = chosen.pk
        initial["supervisor"] = chosen.supervisor_id
    elif supervisors.filter(pk=user.pk).exists():
        initial["supervisor"] = user.pk
    form = SupervisionForm(_posted(request), consultants=consultants, supervisors=supervisors, initial=initial)
    if request.method == "POST" and form.is_valid():
        consultant = form.chosen_consultant()
        try:
            if consultant is None:
                raise PermissionDenied(SUPERVISION_LOG)
            log = services.supervision_log_create(actor=user, supervisee=consultant, data=form.to_data(),
                                                  submission_key=form.submission_key_value())
        except services.AlreadySubmitted as again:
            messages.info(request, _("This session had already been logged, so it was recorded once."))
            return redirect(_detail_url(again.existing) if again.existing else reverse("workforce:supervision-list"))
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("Supervision logged. It now waits for the supervisor's sign-off."))
            return redirect(_detail_url(log))
    return render(request, "workforce/supervision/form.html", {
        "form": form, "title": _("Log supervision"), "no_consultant": not consultants,
        "single": chosen if len(consultants) == 1 else None, "cancel_url": reverse("workforce:supervision-list"),
    })


@requires(SUPERVISION_VIEW)
def supervision_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    log = selectors.supervision_log_get_for(user=request.user, log_id=pk)
    waiting = log.status == SupervisionStatus.LOGGED
    may_sign_off = (waiting and log.supervisee.user_id != request.user.pk
                    and access.can(request.user, SUPERVISION_SIGN_OFF, log))
    return render(request, "workforce/supervision/detail.html", {
        "log": log,
        "may_edit": log.status != SupervisionStatus.SIGNED_OFF and access.can(request.user, SUPERVISION_LOG, log),
        "may_sign_off": may_sign_off,
        "sign_off_form": SignOffForm(initial={"version": log.version}) if may_sign_off else None,
    })


@requires(SUPERVISION_LOG)
def supervision_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    log = selectors.supervision_log_get_for(user=request.user, log_id=pk, permission=SUPERVISION_LOG)
    if log.status == SupervisionStatus.SIGNED_OFF:
        messages.info(request, _("This log was signed off and can no longer be changed."))
        return redirect(_detail_url(log))
    supervisors = selectors.supervisors_of(network_ids=[log.network_id])
    form = SupervisionForm(_posted(request), consultants=None, supervisors=supervisors, log=log)
    if request.method == "POST" and form.is_valid():
        try:
            services.supervision_log_update(actor=request.user, log=log, expected_version=form.expected_version(),
                                            data=form.to_data())
        except StaleEditError as stale:
            form.mark_stale(current_version=selectors.current_log_version(log=log), message=str(stale))
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("Supervision log saved."))
            return redirect(_detail_url(log))
    return render(request, "workforce/supervision/form.html", {
        "form": form, "log": log, "cancel_url": _detail_url(log),
        "title": _("Correct the supervision log of %(date)s") % {"date": log.held_on.isoformat()},
    })


# --- signing off ----------------------------------------------------------------------------------------


@requires(SUPERVISION_SIGN_OFF)
def supervision_sign_off(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Sign off one log: GET shows what is being signed, POST signs that version."""
    log = selectors.supervision_log_get_for(user=request.user, log_id=pk, permission=SUPERVISION_SIGN_OFF)
    form = SignOffForm(_posted(request), initial={"version": log.version})
    if request.method == "POST" and form.is_valid():
        try:
            signed = services.supervision_log_sign_off(actor=request.user, log=log,
                                                       expected_version=form.expected_version())
        except StaleEditError as stale:
            log = selectors.supervision_log_get_for(user=request.user, log_id=pk, permission=SUPERVISION_SIGN_OFF)
            form = SignOffForm(initial={"version": log.version})
            form.add_error(None, str(stale))
        except PermissionDenied:
            form.add_error(None, _("Only the consultant's supervisor signs off their supervision."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            if signed and log.kind in (workforce_settings_for(log.network_id).countable_kinds or []):
                messages.success(request, _("Signed off. %(hours)s now count toward endorsement.")
                                 % {"hours": hours_text(log.hours)})
            elif signed:
                messages.success(request, _("Signed off. This kind of supervision does not count toward "
                                            "endorsement."))
            else:
                messages.info(request, _("This log was already signed off."))
            return redirect(_detail_url(log))
    return render(request, "workforce/supervision/sign_off.html", {"log": log, "form": form})


@requires(SUPERVISION_SIGN_OFF)
def supervision_return(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Send a waiting log back to the consultant with what needs correcting."""
    log = selectors.supervision_log_get_for(user=request.user, log_id=pk, permission=SUPERVISION_SIGN_OFF)
    form = ReturnForm(_posted(request), initial={"version": log.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.supervision_log_return(actor=request.user, log=log, reason=form.cleaned_data["reason"],
                                            expected_version=form.expected_version())
        except StaleEditError as stale:
            form.mark_stale(current_version=selectors.current_log_version(log=log), message=str(stale))
        except PermissionDenied:
            form.add_error(None, _("Only the consultant's supervisor returns their supervision logs."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("Returned to %(name)s for correction.") % {"name": log.supervisee})
            return redirect(_detail_url(log))
    return render(request, "workforce/supervision/return.html", {"log": log, "form": form})


def _chosen(values: list[str]) -> list[tuple[UUID, int]]:
    """Checkbox values "<log id>:<version>"; anything else is ignored."""
    chosen = []
    for value in values:
        log_id, _sep, version = value.partition(":")
        parsed = _uuid(log_id)
        if parsed is not None and version.isdigit():
            chosen.append((parsed, int(version)))
    return chosen


@requires(SUPERVISION_SIGN_OFF)
def supervision_sign_off_bulk(request: HttpRequest) -> HttpResponse:
    """The logs waiting for this supervisor's sign-off, to sign several (or all shown) at once."""
    if request.method == "POST":
        values = request.POST.getlist("shown" if request.POST.get("which") == "all" else "log")
        chosen = _chosen(values)
        if not chosen:
            messages.warning(request, _("Choose at least one log to sign off."))
            return redirect(reverse("workforce:supervision-sign-off-bulk"))
        result = services.supervision_logs_sign_off(actor=request.user, chosen=chosen)
        if result.signed:
            hours = sum(log.hours for log in result.signed)
            messages.success(request, ngettext(
                "%(count)d log signed off (%(hours)s).", "%(count)d logs signed off (%(hours)s in all).",
                len(result.signed)) % {"count": len(result.signed), "hours": hours_text(hours)})
        if result.already:
            messages.info(request, ngettext(
                "%(count)d log was already signed off.", "%(count)d logs were already signed off.",
                result.already) % {"count": result.already})
        if result.changed:
            messages.warning(request, ngettext(
                "%(count)d log changed after the list was shown and was left for a second look.",
                "%(count)d logs changed after the list was shown and were left for a second look.",
                result.changed) % {"count": result.changed})
        if result.refused:
            messages.warning(request, ngettext(
                "%(count)d log could not be signed off by you.", "%(count)d logs could not be signed off by you.",
                result.refused) % {"count": result.refused})
        return redirect(reverse("workforce:supervision-sign-off-bulk"))
    logs = selectors.waiting_for_sign_off(user=request.user)
    attach_choice_labels(logs, "kind", SupervisionKind.choices)
    attach_choice_labels(logs, "format", SupervisionFormat.choices)
    attach_detail_urls(logs, "workforce:supervision-detail")
    return render(request, "workforce/supervision/bulk.html", {
        "logs": logs, "hours": sum(log.hours for log in logs),
    })


# --- the team ---------------------------------------------------------------------------------------------


@requires(TEAM_VIEW)
def supervision_team(request: HttpRequest) -> HttpResponse:
    """Progress toward endorsement of every consultant the person oversees (a supervisor: their own)."""
    page = paginate(request, selectors.team_consultants_for(user=request.user), per_page=settings.ABRAZO_PAGE_SIZE)
    rows = selectors.team_progress_for(user=request.user, consultants=page.items)
    return render(request, "workforce/supervision/team.html", {
        "page": page, "rows": rows, "may_sign_off": access.has_permission(request.user, SUPERVISION_SIGN_OFF),
    })

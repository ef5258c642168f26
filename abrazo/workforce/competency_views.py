"""Screens of the competency framework (the network administrator's) and of consultants' ratings: the list
of consultants to rate, the rating form, and a consultant's growth over time. Views parse the request, call a
selector or a service, and render."""

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
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import requires
from abrazo.core.form_errors import add_service_problem
from abrazo.core.pagination import paginate
from abrazo.workforce import competency_charts as charts
from abrazo.workforce import competency_selectors as selectors
from abrazo.workforce import competency_services as services
from abrazo.workforce.competency_forms import AssessmentForm, DomainForm
from abrazo.workforce.models import RaterKind

COMPETENCY_MANAGE, COMPETENCY_VIEW, COMPETENCY_ASSESS = "competency.manage", "competency.view", "competency.assess"


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _uuid(value: str | None) -> UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _framework_url(network: Any, networks: list[Any]) -> str:
    url = reverse("workforce:competency-framework")
    return f"{url}?network={network.pk}" if len(networks) > 1 else url


# --- the framework ----------------------------------------------------------------------------------


@requires(COMPETENCY_MANAGE)
def competency_framework(request: HttpRequest) -> HttpResponse:
    """The network's domains in their order, retired ones after; moving one up or down is a POST here."""
    network, networks = selectors.managed_network_for(
        user=request.user, network_id=_uuid(request.POST.get("network") or request.GET.get("network")))
    if request.method == "POST":
        domain_id = _uuid(request.POST.get("domain"))
        if domain_id is not None:
            domain = selectors.competency_domain_get_for(user=request.user, domain_id=domain_id)
            try:
                moved = services.competency_domain_move(actor=request.user, domain=domain,
                                                        direction=request.POST.get("direction", ""))
            except (ValidationError, PermissionDenied):
                moved = False
            if moved:
                messages.success(request, _("%(domain)s moved.") % {"domain": domain.label})  # type: ignore[attr-defined]
        return redirect(_framework_url(network, networks))
    selectors.competency_framework_for(network)  # installs the defaults on first use
    rows = selectors.framework_rows(network=network)
    active = [row for row in rows if row.domain.is_active]
    return render(request, "workforce/competencies/framework.html", {
        "network": network, "networks": networks, "active": active,
        "retired": [row for row in rows if not row.domain.is_active],
        "last_position": len(active),
    })


def _domain_page(request: HttpRequest, form: DomainForm, *, title: str, network: Any, networks: list[Any],
                 domain: Any = None) -> HttpResponse:
    return render(request, "workforce/competencies/domain_form.html", {
        "form": form, "title": title, "network": network, "domain": domain,
        "cancel_url": _framework_url(network, networks),
    })


@requires(COMPETENCY_MANAGE)
def competency_domain_new(request: HttpRequest) -> HttpResponse:
    network, networks = selectors.managed_network_for(
        user=request.user, network_id=_uuid(request.POST.get("network") or request.GET.get("network")))
    form = DomainForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            domain = services.competency_domain_create(actor=request.user, network=network, data=form.to_data(),
                                                       submission_key=form.submission_key_value())
        except services.AlreadySubmitted:
            messages.info(request, _("This form had already been sent, so nothing was added twice."))
            return redirect(_framework_url(network, networks))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("Domain “%(name)s” added.") % {"name": domain.name_en})
            return redirect(_framework_url(network, networks))
    return _domain_page(request, form, title=_("Add a competency domain"), network=network, networks=networks)


@requires(COMPETENCY_MANAGE)
def competency_domain_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    domain = selectors.competency_domain_get_for(user=request.user, domain_id=pk)
    network, networks = selectors.managed_network_for(user=request.user, network_id=domain.network_id)
    form = DomainForm(_posted(request), domain=domain)
    if request.method == "POST" and form.is_valid():
        try:
            services.competency_domain_update(actor=request.user, domain=domain,
                                              expected_version=form.expected_version(), data=form.to_data())
        except StaleEditError as stale:
            form.mark_stale(current_version=selectors.current_domain_version(domain=domain), message=str(stale))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("Domain saved."))
            return redirect(_framework_url(network, networks))
    return _domain_page(request, form, title=_("Edit the domain %(name)s") % {"name": domain.label},  # type: ignore[attr-defined]
                        network=network, networks=networks, domain=domain)


# --- ratings ------------------------------------------------------------------------------------------


@requires(COMPETENCY_VIEW)
def competency_consultants(request: HttpRequest) -> HttpResponse:
    """The consultants whose ratings the person may see, with their latest ratings: where rating starts."""
    page = paginate(request, selectors.consultant_queryset_for(user=request.user),
                    per_page=settings.ABRAZO_PAGE_SIZE)
    selectors.consultant_page_record(user=request.user, consultants=page.items)
    assessable = selectors.assessable_ids(user=request.user, consultants=page.items)
    for consultant in page.items:
        consultant.may_assess = consultant.pk in assessable
    return render(request, "workforce/competencies/consultants.html", {
        "page": page, "may_manage": access.has_permission(request.user, COMPETENCY_MANAGE)})


@requires(COMPETENCY_ASSESS)
def competency_assessment_new(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Rate every domain in use: a self-assessment when it is one's own profile, otherwise a supervisor's."""
    consultant = selectors.consultant_get_for(user=request.user, consultant_id=pk, permission=COMPETENCY_ASSESS)
    domains = selectors.competency_framework_for(consultant.network_id)
    form = AssessmentForm(_posted(request), domains=domains)
    growth_url = reverse("workforce:competency-growth", args=[consultant.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.competency_assessment_create(actor=request.user, consultant=consultant, data=form.to_data(),
                                                  submission_key=form.submission_key_value())
        except services.AlreadySubmitted:
            messages.info(request, _("This rating had already been sent, so it was recorded once."))
            return redirect(growth_url)
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("Rating recorded."))
            return redirect(growth_url)
    is_self = services.rater_kind_for(actor=request.user, consultant=consultant) == RaterKind.SELF
    return render(request, "workforce/competencies/assessment_form.html", {
        "form": form, "consultant": consultant, "is_self": is_self, "cancel_url": growth_url,
    })


def _chart(growth: selectors.CompetencyGrowth) -> str:
    def points(assessments: list[Any], cells: list[selectors.LevelCell]) -> list[charts.Point]:
        return [charts.Point(assessment.assessed_on, cell.level)
                for assessment, cell in zip(assessments, cells, strict=True) if cell.level]

    panels = [
        charts.DomainPanel(
            label=row.domain.label,  # type: ignore[attr-defined]
            self_points=points(growth.self_assessments, row.self_cells),
            supervisor_points=points(growth.supervisor_assessments, row.supervisor_cells),
        )
        for row in growth.rows
    ]
    days = sorted(a.assessed_on for a in growth.self_assessments + growth.supervisor_assessments)
    name = growth.consultant.user.full_name
    return charts.growth_chart(
        panels, chart_id="competency-growth",
        title=_("Competency ratings of %(name)s over time") % {"name": name},
        description=_("One panel per domain: level 1 (emerging) to 4 (able to teach others) from the first to the "
                      "latest rating; self-assessments as circles on a dashed line, supervisor ratings as squares on "
                      "a solid line. The tables on this page hold the same figures."),
        self_legend=_("Self-assessment"), supervisor_legend=_("Supervisor rating"),
        start_label=date_format(days[0], "SHORT_DATE_FORMAT") if days else "",
        end_label=date_format(days[-1], "SHORT_DATE_FORMAT") if days else "",
    )


@requires(COMPETENCY_VIEW)
def competency_growth(request: HttpRequest, pk: UUID) -> HttpResponse:
    """A consultant's ratings over time: the chart, a table per rater kind, and latest against first."""
    consultant = selectors.consultant_get_for(user=request.user, consultant_id=pk, permission=COMPETENCY_VIEW)
    growth = selectors.competency_growth_for(user=request.user, consultant=consultant)
    rated = bool(growth.self_assessments or growth.supervisor_assessments)
    return render(request, "workforce/competencies/growth.html", {
        "consultant": consultant, "growth": growth, "rated": rated,
        "chart_svg": mark_safe(_chart(growth)) if rated else "",  # the chart escapes every text it writes
        "may_assess": access.can(request.user, COMPETENCY_ASSESS, consultant),
        "is_self": consultant.user_id == request.user.pk,
    })

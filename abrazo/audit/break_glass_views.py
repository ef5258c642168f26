"""Emergency ("break glass") access pages: asking for it (supervisors) and reviewing it (network administrators).

Thin views: break_glass_services decides and writes, break_glass_selectors reads. Every page here may show a
reason that describes a child, so none of them is kept by the browser or a proxy.
"""

from __future__ import annotations

from datetime import UTC
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from abrazo.audit import break_glass_selectors as selectors
from abrazo.audit import break_glass_services as services
from abrazo.audit.break_glass_forms import EmergencyAccessForm, GrantFilterForm, ReviewForm
from abrazo.core.decorators import requires
from abrazo.core.form_errors import add_service_problem
from abrazo.core.pagination import paginate


@never_cache
@requires("breakglass.open")
def emergency_access(request: HttpRequest) -> HttpResponse:
    form = EmergencyAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.break_glass_open(
                actor=request.user, kind=data["kind"], reference=data["reference"], reason=data["reason"]
            )
        except services.RecordNotAvailable:
            form.add_error("reference", _(
                "No record with this reference can be opened. Check the reference and the kind of record."
            ))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            if result.grant is None:
                messages.info(request, _("You can already open this record: no emergency access was needed."))
            else:
                until = result.grant.expires_at.astimezone(UTC).strftime("%H:%M")
                messages.warning(request, _(
                    "Emergency access to this record until %(time)s UTC. Every page you open is recorded, and "
                    "your network administrators have been alerted."
                ) % {"time": until})
            return redirect(result.url)
    return render(request, "audit/break_glass/request.html", {
        "form": form, "minutes": services.grant_minutes(), "active": selectors.active_grants_of(user=request.user),
    })


@never_cache
@requires("breakglass.review")
def grant_list(request: HttpRequest) -> HttpResponse:
    form = GrantFilterForm(request.GET or None)
    grants = selectors.grant_queryset_for(user=request.user, filters=form.to_filters())
    if form.is_bound and not form.is_valid():
        grants = grants.none()  # a review must not show every grant under a filter the person believes applied
    page = paginate(request, grants, per_page=settings.ABRAZO_PAGE_SIZE)
    selectors.grant_page_record(user=request.user, grants=page.items)
    return render(request, "audit/break_glass/list.html", {
        "form": form, "page": page, "rows": selectors.grant_rows(page.items),
        "filtered": form.is_bound and form.is_valid() and form.to_filters().any,
    })


@never_cache
@requires("breakglass.review")
def grant_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    grant = selectors.grant_get_for(user=request.user, grant_id=pk)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and grant.reviewed_at is None and form.is_valid():
        try:
            services.break_glass_review(actor=request.user, grant=grant, note=form.cleaned_data["note"])
        except services.AlreadyReviewed:
            messages.info(request, _("Another administrator reviewed this access first."))
            return redirect(reverse("audit:break-glass-detail", args=[grant.pk]))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("Marked reviewed."))
            return redirect(reverse("audit:break-glass-list"))
    return render(request, "audit/break_glass/detail.html", {
        "row": selectors.grant_rows([grant])[0], "grant": grant, "form": form,
        "events": selectors.reads_under(grant=grant),
    })

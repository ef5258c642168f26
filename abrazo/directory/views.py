from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from abrazo.core.decorators import requires
from abrazo.core.pagination import paginate
from abrazo.directory import selectors
from abrazo.directory.forms import ProgramFilterForm


@requires("program.view")
def program_list(request: HttpRequest) -> HttpResponse:
    form = ProgramFilterForm(request.GET or None, user=request.user)
    filters = form.to_filters()
    page = paginate(
        request, selectors.program_queryset_for(user=request.user, filters=filters), per_page=settings.ABRAZO_PAGE_SIZE
    )
    selectors.program_page_record(user=request.user, programs=page.items, filters=filters)
    template = "directory/program_list.html#results" if request.htmx else "directory/program_list.html"
    return render(request, template, {"form": form, "page": page})


@requires("program.view")
def program_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    program = selectors.program_get_for(user=request.user, program_id=pk)
    return render(
        request,
        "directory/program_detail.html",
        {
            "program": program,
            "classrooms": selectors.classroom_list_for(user=request.user, program=program),
            "staff": selectors.staff_list_for(user=request.user, program=program),
        },
    )


@requires("consultant.view")
def consultant_list(request: HttpRequest) -> HttpResponse:
    page = paginate(
        request,
        selectors.consultant_queryset_for(user=request.user, query=request.GET.get("q", "").strip()[:100]),
        per_page=settings.ABRAZO_PAGE_SIZE,
    )
    return render(request, "directory/consultant_list.html", {"page": page})


@requires("consultant.view")
def consultant_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    consultant = selectors.consultant_get_for(user=request.user, consultant_id=pk)
    return render(request, "directory/consultant_detail.html", {"consultant": consultant})


@requires("agency.view")
def agency_list(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/agency_list.html", {"agencies": selectors.agency_queryset_for(user=request.user)})


@requires("agency.view")
def agency_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    agency = selectors.agency_get_for(user=request.user, agency_id=pk)
    return render(request, "directory/agency_detail.html", {"agency": agency})


@requires("region.view")
def region_list(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/region_list.html", {"regions": selectors.region_queryset_for(user=request.user)})


@requires("region.view")
def region_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    region = selectors.region_get_for(user=request.user, region_id=pk)
    return render(request, "directory/region_detail.html", {"region": region})

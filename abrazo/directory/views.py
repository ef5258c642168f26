"""Screens of the directory. Views parse the request, call a selector or a service, and render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.accounts.models import User
from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import requires
from abrazo.core.listing import attach_choice_labels, attach_detail_urls
from abrazo.core.pagination import paginate
from abrazo.directory import selectors, services
from abrazo.directory.forms import (
    AgencyForm,
    ClassroomForm,
    ConsultantFilterForm,
    ConsultantForm,
    ProgramFilterForm,
    ProgramForm,
    RegionForm,
    StaffForm,
)
from abrazo.directory.models import Network, SettingType

FORM_TEMPLATE = "directory/form_page.html"


def _actor(request: HttpRequest) -> User:
    """The signed-in person: LoginRequiredMiddleware and @requires let nobody else this far."""
    return cast(User, request.user)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _network_or_404(request: HttpRequest, permission: str) -> Network:
    network = selectors.network_for(user=request.user, permission=permission)
    if network is None:
        raise Http404
    return network


def _save(
    request: HttpRequest,
    form: Any,
    save: Callable[[], Model],
    *,
    success: Callable[[Model], str],
    next_url: Callable[[Model], str],
    stale_version: Callable[[], int] | None = None,
    fallback_url: str = "",
) -> HttpResponse | None:
    """Run a service for a valid form; answer a redirect, or None to re-render the form with its errors.

    The person's input stays in the bound form whatever goes wrong: a field error from the service,
    an edit that someone else's save overtook, or a second submit of a create form.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        obj = save()
    except services.AlreadySubmitted as done:
        messages.info(request, _("This form had already been sent, so nothing was added twice."))
        return redirect(next_url(done.existing) if done.existing is not None else fallback_url)
    except StaleEditError as stale:
        if stale_version is None:
            raise
        form.mark_stale(current_version=stale_version(), message=str(stale))
        return None
    except ValidationError as error:
        form.add_error(None, error)
        return None
    messages.success(request, success(obj))
    return redirect(next_url(obj))


def _form_page(request: HttpRequest, form: Any, *, title: str, cancel_url: str, **extra: Any) -> HttpResponse:
    return render(request, FORM_TEMPLATE, {"form": form, "title": title, "cancel_url": cancel_url, **extra})


def _render_list(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only its results when HTMX asks as the person types or filters.

    A history restore is HTMX asking for a whole page again, and the answer differs by HX-Request,
    so caches must keep the two apart (Vary).
    """
    partial = bool(request.htmx) and not request.htmx.history_restore_request  # type: ignore[attr-defined]
    response = render(request, f"{template}#results" if partial else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _absolute_url(obj: Model) -> str:
    return obj.get_absolute_url()  # type: ignore[attr-defined]


# --- Programs --------------------------------------------------------------------------------


@requires("program.view")
def program_list(request: HttpRequest) -> HttpResponse:
    form = ProgramFilterForm(request.GET or None, user=request.user)
    filters = form.to_filters()
    page = paginate(
        request,
        selectors.program_queryset_for(user=request.user, filters=filters).only(*selectors.PROGRAM_LIST_FIELDS),
        per_page=settings.ABRAZO_PAGE_SIZE,
    )
    selectors.program_page_record(user=request.user, programs=page.items, filters=filters)
    attach_detail_urls(page.items, "directory:program-detail")
    attach_choice_labels(page.items, "setting_type", SettingType.choices)
    return _render_list(
        request, "directory/program_list.html",
        {"form": form, "page": page, "may_add": access.has_permission(request.user, "program.create")},
    )


@requires("program.view")
def program_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    program = selectors.program_get_for(user=request.user, program_id=pk)
    user = request.user
    may_see_staff = access.can(user, "staff.view", program)
    return render(
        request,
        "directory/program_detail.html",
        {
            "program": program,
            "classrooms": selectors.classroom_list_for(user=user, program=program),
            "staff": selectors.staff_list_for(user=user, program=program) if may_see_staff else [],
            "may_see_classrooms": access.can(user, "classroom.view", program),
            "may_see_staff": may_see_staff,
            "may_edit": access.can(user, "program.edit", program),
            "may_edit_classrooms": access.can(user, "classroom.edit", program),
            "may_edit_staff": access.can(user, "staff.edit", program),
            # The program's children, incidents and equity figures (issue 4).
            "may_see_children": access.can(user, "child.view", program),
            "may_record_incident": access.can(user, "incident.record", program),
            "may_import": access.can(user, "incident.import", program),
            "may_see_equity": access.can(user, "equity.dashboard", program),
        },
    )


@requires("program.create")
def program_create(request: HttpRequest) -> HttpResponse:
    network = _network_or_404(request, "program.create")
    form = ProgramForm(_posted(request), user=request.user)
    done = _save(
        request, form,
        lambda: services.program_create(
            actor=_actor(request), network=network, data=form.to_data(), submission_key=form.submission_key_value()
        ),
        success=lambda obj: _("Program “%(name)s” added.") % {"name": obj},
        next_url=_absolute_url,
        fallback_url=reverse("directory:program-list"),
    )
    return done or _form_page(
        request, form, title=_("Add a program"), cancel_url=reverse("directory:program-list")
    )


@requires("program.edit")
def program_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    program = selectors.program_get_for(user=request.user, program_id=pk, permission="program.edit")
    title = _("Edit %(name)s") % {"name": program.name}
    form = ProgramForm(_posted(request), user=request.user, instance=program)
    done = _save(
        request, form,
        lambda: services.program_update(
            actor=_actor(request), program=program, expected_version=form.expected_version(), data=form.to_data()
        ),
        success=lambda obj: _("Program “%(name)s” saved.") % {"name": obj},
        next_url=_absolute_url,
        stale_version=lambda: selectors.current_version_of(obj=program),
    )
    return done or _form_page(
        request, form, title=title, cancel_url=program.get_absolute_url()
    )


# --- Classrooms and staff: pages of their program ---------------------------------------------


def _program_url(obj: Model) -> str:
    return obj.program.get_absolute_url()  # type: ignore[attr-defined]


@requires("classroom.edit")
def classroom_create(request: HttpRequest, program_pk: UUID) -> HttpResponse:
    program = selectors.program_get_for(user=request.user, program_id=program_pk, permission="classroom.edit")
    form = ClassroomForm(_posted(request))
    done = _save(
        request, form,
        lambda: services.classroom_create(
            actor=_actor(request), program=program, data=form.to_data(), submission_key=form.submission_key_value()
        ),
        success=lambda obj: _("Classroom “%(name)s” added.") % {"name": obj},
        next_url=_program_url,
        fallback_url=program.get_absolute_url(),
    )
    return done or _form_page(
        request, form, title=_("Add a classroom to %(program)s") % {"program": program.name},
        cancel_url=program.get_absolute_url(), program=program,
    )


@requires("classroom.edit")
def classroom_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    classroom = selectors.classroom_get_for(user=request.user, classroom_id=pk, permission="classroom.edit")
    title = _("Edit classroom %(name)s") % {"name": classroom.name}
    form = ClassroomForm(_posted(request), instance=classroom)
    done = _save(
        request, form,
        lambda: services.classroom_update(
            actor=_actor(request), classroom=classroom, expected_version=form.expected_version(), data=form.to_data()
        ),
        success=lambda obj: _("Classroom “%(name)s” saved.") % {"name": obj},
        next_url=_program_url,
        stale_version=lambda: selectors.current_version_of(obj=classroom),
    )
    return done or _form_page(
        request, form,
        title=title,
        cancel_url=classroom.program.get_absolute_url(), program=classroom.program,
    )


@requires("staff.edit")
def staff_create(request: HttpRequest, program_pk: UUID) -> HttpResponse:
    program = selectors.program_get_for(user=request.user, program_id=program_pk, permission="staff.edit")
    form = StaffForm(_posted(request), program=program)
    done = _save(
        request, form,
        lambda: services.staff_create(
            actor=_actor(request), program=program, data=form.to_data(), submission_key=form.submission_key_value()
        ),
        success=lambda obj: _("%(name)s added to the staff.") % {"name": obj},
        next_url=_program_url,
        fallback_url=program.get_absolute_url(),
    )
    return done or _form_page(
        request, form, title=_("Add a staff member to %(program)s") % {"program": program.name},
        cancel_url=program.get_absolute_url(), program=program,
    )


@requires("staff.edit")
def staff_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    staff = selectors.staff_get_for(user=request.user, staff_id=pk, permission="staff.edit")
    title = _("Edit %(name)s") % {"name": staff.full_name}
    form = StaffForm(_posted(request), program=staff.program, instance=staff)
    done = _save(
        request, form,
        lambda: services.staff_update(
            actor=_actor(request), staff=staff, expected_version=form.expected_version(), data=form.to_data()
        ),
        success=lambda obj: _("%(name)s saved.") % {"name": obj},
        next_url=_program_url,
        stale_version=lambda: selectors.current_version_of(obj=staff),
    )
    return done or _form_page(
        request, form, title=title,
        cancel_url=staff.program.get_absolute_url(), program=staff.program,
    )


# --- Consultants -----------------------------------------------------------------------------


@requires("consultant.view")
def consultant_list(request: HttpRequest) -> HttpResponse:
    form = ConsultantFilterForm(request.GET or None, user=request.user)
    filters = form.to_filters()
    page = paginate(
        request, selectors.consultant_queryset_for(user=request.user, filters=filters),
        per_page=settings.ABRAZO_PAGE_SIZE,
    )
    selectors.consultant_page_record(user=request.user, consultants=page.items, filters=filters)
    return _render_list(
        request, "directory/consultant_list.html",
        {"form": form, "page": page, "may_add": access.has_permission(request.user, "consultant.create")},
    )


@requires("consultant.view")
def consultant_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    consultant = selectors.consultant_get_for(user=request.user, consultant_id=pk)
    return render(
        request, "directory/consultant_detail.html",
        {"consultant": consultant, "may_edit": access.can(request.user, "consultant.edit", consultant)},
    )


@requires("consultant.create")
def consultant_create(request: HttpRequest) -> HttpResponse:
    network = _network_or_404(request, "consultant.create")
    form = ConsultantForm(_posted(request), user=request.user, network=network)
    done = _save(
        request, form,
        lambda: services.consultant_create(
            actor=_actor(request), network=network, email=form.cleaned_data["email"], data=form.to_data(),
            submission_key=form.submission_key_value(),
        ),
        success=lambda obj: _("Consultant %(name)s added.") % {"name": obj},
        next_url=_absolute_url,
        fallback_url=reverse("directory:consultant-list"),
    )
    return done or _form_page(
        request, form, title=_("Add a consultant"), cancel_url=reverse("directory:consultant-list")
    )


@requires("consultant.edit")
def consultant_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    consultant = selectors.consultant_get_for(user=request.user, consultant_id=pk, permission="consultant.edit")
    title = _("Edit %(name)s") % {"name": consultant}
    form = ConsultantForm(_posted(request), user=request.user, network=consultant.network, instance=consultant)
    done = _save(
        request, form,
        lambda: services.consultant_update(
            actor=_actor(request), consultant=consultant, expected_version=form.expected_version(), data=form.to_data()
        ),
        success=lambda obj: _("Consultant %(name)s saved.") % {"name": obj},
        next_url=_absolute_url,
        stale_version=lambda: selectors.current_version_of(obj=consultant),
    )
    return done or _form_page(
        request, form, title=title, cancel_url=consultant.get_absolute_url()
    )


# --- Agencies --------------------------------------------------------------------------------


@requires("agency.view")
def agency_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "directory/agency_list.html",
        {
            "agencies": selectors.agency_queryset_for(user=request.user),
            "may_add": access.has_permission(request.user, "agency.create"),
        },
    )


@requires("agency.view")
def agency_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    agency = selectors.agency_get_for(user=request.user, agency_id=pk)
    return render(
        request, "directory/agency_detail.html",
        {
            "agency": agency,
            "consultants": selectors.agency_consultants_for(user=request.user, agency=agency),
            "may_edit": access.can(request.user, "agency.edit", agency),
        },
    )


@requires("agency.create")
def agency_create(request: HttpRequest) -> HttpResponse:
    network = _network_or_404(request, "agency.create")
    form = AgencyForm(_posted(request), network=network)
    done = _save(
        request, form,
        lambda: services.agency_create(
            actor=_actor(request), network=network, data=form.to_data(), submission_key=form.submission_key_value()
        ),
        success=lambda obj: _("Agency “%(name)s” added.") % {"name": obj},
        next_url=_absolute_url,
        fallback_url=reverse("directory:agency-list"),
    )
    return done or _form_page(request, form, title=_("Add an agency"), cancel_url=reverse("directory:agency-list"))


@requires("agency.edit")
def agency_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    agency = selectors.agency_get_for(user=request.user, agency_id=pk, permission="agency.edit")
    title = _("Edit %(name)s") % {"name": agency.name}
    form = AgencyForm(_posted(request), network=agency.network, instance=agency)
    done = _save(
        request, form,
        lambda: services.agency_update(
            actor=_actor(request), agency=agency, expected_version=form.expected_version(), data=form.to_data()
        ),
        success=lambda obj: _("Agency “%(name)s” saved.") % {"name": obj},
        next_url=_absolute_url,
        stale_version=lambda: selectors.current_version_of(obj=agency),
    )
    return done or _form_page(
        request, form, title=title, cancel_url=agency.get_absolute_url()
    )


# --- Regions ---------------------------------------------------------------------------------


@requires("region.view")
def region_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "directory/region_list.html",
        {
            "regions": selectors.region_queryset_for(user=request.user),
            "may_add": access.has_permission(request.user, "region.edit"),
        },
    )


@requires("region.view")
def region_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    region = selectors.region_get_for(user=request.user, region_id=pk)
    return render(
        request, "directory/region_detail.html",
        {
            "region": region,
            "agencies": selectors.region_agencies_for(user=request.user, region=region),
            "may_edit": access.can(request.user, "region.edit", region),
        },
    )


@requires("region.edit")
def region_create(request: HttpRequest) -> HttpResponse:
    network = _network_or_404(request, "region.edit")
    form = RegionForm(_posted(request), network=network)
    done = _save(
        request, form,
        lambda: services.region_create(
            actor=_actor(request), network=network, data=form.to_data(), submission_key=form.submission_key_value()
        ),
        success=lambda obj: _("Region “%(name)s” added.") % {"name": obj},
        next_url=_absolute_url,
        fallback_url=reverse("directory:region-list"),
    )
    return done or _form_page(request, form, title=_("Add a region"), cancel_url=reverse("directory:region-list"))


@requires("region.edit")
def region_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    region = selectors.region_get_for(user=request.user, region_id=pk, permission="region.edit")
    title = _("Edit %(name)s") % {"name": region.name}
    form = RegionForm(_posted(request), network=region.network, region=region)
    done = _save(
        request, form,
        lambda: services.region_update(
            actor=_actor(request), region=region, expected_version=form.expected_version(), data=form.to_data()
        ),
        success=lambda obj: _("Region “%(name)s” saved.") % {"name": obj},
        next_url=_absolute_url,
        stale_version=lambda: selectors.current_version_of(obj=region),
    )
    return done or _form_page(
        request, form, title=title, cancel_url=region.get_absolute_url()
    )

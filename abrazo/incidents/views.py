"""Screens of the roster, incidents and exclusions. Views parse the request, call a selector or a service,
and render; the services decide what is allowed and what is valid."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.accounts.models import User
from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import requires
from abrazo.core.pagination import paginate
from abrazo.core.submissions import AlreadySubmitted
from abrazo.directory.models import Program
from abrazo.incidents import selectors, services
from abrazo.incidents.forms import (
    ChildFilterForm,
    ChildForm,
    EnrollmentEndForm,
    EnrollmentForm,
    ExclusionForm,
    IncidentFilterForm,
    IncidentForm,
)
from abrazo.incidents.models import Child

CHILD_VIEW, CHILD_EDIT = "child.view", "child.edit"
INCIDENT_VIEW, INCIDENT_RECORD = "incident.view", "incident.record"
FORM_TEMPLATE = "incidents/form_page.html"


def _actor(request: HttpRequest) -> User:
    """The signed-in person: LoginRequiredMiddleware and @requires let nobody else this far."""
    return cast(User, request.user)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _attempt(
    request: HttpRequest, form: Any, save: Callable[[], Any], *, stale_version: Callable[[], int] | None = None
) -> tuple[bool, Any]:
    """Run the service for a valid posted form: (True, its result), or (False, None) with the problem on the
    form. The person's input stays in the bound form whatever goes wrong; a second submit of the same create
    form answers with what the first one created."""
    if request.method != "POST" or not form.is_valid():
        return False, None
    try:
        return True, save()
    except AlreadySubmitted as done:
        messages.info(request, _("This form had already been sent, so nothing was added twice."))
        return True, done.existing
    except StaleEditError as stale:
        if stale_version is None:
            raise
        form.mark_stale(current_version=stale_version(), message=str(stale))
    except PermissionDenied:
        form.add_error(None, _("You may not make this change."))
    except ValidationError as problem:
        try:
            form.add_error(None, problem)
        except (ValueError, TypeError):  # an error about a field this form does not show
            form.add_error(None, problem.messages)
    return False, None


def _form_page(request: HttpRequest, form: Any, *, title: str, cancel_url: str, **extra: Any) -> HttpResponse:
    return render(request, FORM_TEMPLATE, {"form": form, "title": title, "cancel_url": cancel_url, **extra})


def _child_url(child: Child | Any) -> str:
    return reverse("incidents:child-detail", args=[child.pk])


def _addable_program(user: Any, permission: str, chosen: UUID | None, programs: list[tuple[UUID, str]]) -> Any:
    """The program an "add" button on a list adds to: the one filtered on, or the person's only one."""
    candidate = chosen or (programs[0][0] if len(programs) == 1 else None)
    if candidate is None or not access.has_permission(user, permission):
        return None
    return access.visible(user, permission, Program.objects.filter(pk=candidate)).only("pk", "name").first()


# --- The roster ----------------------------------------------------------------------------------


@requires(CHILD_VIEW)
def child_list(request: HttpRequest) -> HttpResponse:
    """The children of the programs the person may see, filtered by program, classroom or code."""
    user = request.user
    programs = selectors.programs_for(user=user, permission=CHILD_VIEW)
    chosen = _uuid(request.GET.get("program", ""))
    visible_ids = {pk for pk, _name in programs}
    classroom_programs = [chosen] if chosen in visible_ids else ([programs[0][0]] if len(programs) == 1 else [])
    form = ChildFilterForm(
        request.GET or None, programs=programs,
        classrooms=selectors.classrooms_for(user=user, program_ids=classroom_programs),
    )
    filters = form.to_filters()
    page = paginate(request, selectors.child_queryset_for(user=user, filters=filters),
                    per_page=settings.ABRAZO_PAGE_SIZE)
    selectors.child_page_record(user=user, children=page.items, searched=bool(filters.query))
    return render(request, "incidents/child_list.html", {
        "form": form, "page": page, "show_classroom_filter": bool(classroom_programs),
        "add_to": _addable_program(user, CHILD_EDIT, filters.program_id, programs),
        "record_at": _addable_program(user, INCIDENT_RECORD, filters.program_id, programs),
        "import_to": _addable_program(user, "incident.import", filters.program_id, programs),
        "several_programs": len(programs) > 1,
    })


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


@requires(CHILD_EDIT)
def child_create(request: HttpRequest, pk: UUID) -> HttpResponse:
    program = selectors.program_get_for(user=request.user, program_id=pk, permission=CHILD_EDIT)
    form = ChildForm(_posted(request), program=program)
    done, child = _attempt(request, form, lambda: services.child_create(
        actor=_actor(request), program=program, data=form.to_data(),
        enrolled_from=form.cleaned_data["enrolled_from"], submission_key=form.submission_key_value(),
    ))
    if done:
        if child is None:
            return redirect("incidents:child-list")
        messages.success(request, _("%(code)s added to the roster.") % {"code": child.code})
        return redirect(_child_url(child))
    return _form_page(request, form, title=_("Add a child to %(program)s") % {"program": program.name},
                      cancel_url=reverse("incidents:child-list") + f"?program={program.pk}", program=program)


@requires(CHILD_VIEW)
def child_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    user = request.user
    child = selectors.child_get_for(user=user, child_id=pk)
    may_edit = access.can(user, CHILD_EDIT, child)
    return render(request, "incidents/child_detail.html", {
        "child": child, "records": selectors.child_records_for(user=user, child=child),
        "may_edit": may_edit, "may_record": access.can(user, INCIDENT_RECORD, child),
        "enrollment_form": EnrollmentForm(program=child.program) if may_edit else None,
    })


@requires(CHILD_EDIT)
def child_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    child = selectors.child_get_for(user=request.user, child_id=pk, permission=CHILD_EDIT)
    form = ChildForm(_posted(request), program=child.program, child=child)
    done, saved = _attempt(request, form, lambda: services.child_update(
        actor=_actor(request), child=child, expected_version=form.expected_version(), data=form.to_data(),
    ), stale_version=lambda: selectors.current_version_of(obj=child))
    if done:
        messages.success(request, _("%(code)s saved.") % {"code": saved.code})
        return redirect(_child_url(saved))
    return _form_page(request, form, title=_("Edit %(code)s") % {"code": child.code}, cancel_url=_child_url(child),
                      program=child.program)


@requires(CHILD_EDIT)
def enrollment_add(request: HttpRequest, pk: UUID) -> HttpResponse:
    child = selectors.child_get_for(user=request.user, child_id=pk, permission=CHILD_EDIT)
    form = EnrollmentForm(_posted(request), program=child.program)
    done, _enrollment = _attempt(request, form, lambda: services.enrollment_add(
        actor=_actor(request), child=child, start_date=form.cleaned_data["start_date"],
        end_date=form.cleaned_data["end_date"], classroom=form.cleaned_data["classroom"],
    ))
    if done:
        messages.success(request, _("Enrolment period added."))
        return redirect(_child_url(child))
    return _form_page(request, form, title=_("Add an enrolment period for %(code)s") % {"code": child.code},
                      cancel_url=_child_url(child), program=child.program)


@requires(CHILD_EDIT)
def enrollment_end(request: HttpRequest, pk: UUID) -> HttpResponse:
    enrollment = selectors.enrollment_get_for(user=request.user, enrollment_id=pk)
    child = enrollment.child
    form = EnrollmentEndForm(_posted(request), initial={
        "end_reason": enrollment.end_reason, **({"end_date": enrollment.end_date} if enrollment.end_date else {}),
    })
    done, _ended = _attempt(request, form, lambda: services.enrollment_end(
        actor=_actor(request), enrollment=enrollment, end_date=form.cleaned_data["end_date"],
        reason=form.cleaned_data["end_reason"],
    ))
    if done:
        messages.success(request, _("Enrolment of %(code)s ended.") % {"code": child.code})
        return redirect(_child_url(child))
    return _form_page(request, form, title=_("End the enrolment of %(code)s") % {"code": child.code},
                      cancel_url=_child_url(child), program=child.program, enrollment=enrollment)


# --- Incidents -----------------------------------------------------------------------------------


@requires(INCIDENT_VIEW)
def incident_list(request: HttpRequest) -> HttpResponse:
    """Recent incidents in the person's scope, with filters; the start of recording a new one."""
    user = request.user
    programs = selectors.programs_for(user=user, permission=INCIDENT_VIEW)
    form = IncidentFilterForm(request.GET or None, programs=programs)
    filters = form.to_filters()
    page = paginate(request, selectors.incident_queryset_for(user=user, filters=filters),
                    per_page=settings.ABRAZO_PAGE_SIZE)
    selectors.incident_page_record(user=user, incidents=page.items)
    return render(request, "incidents/incident_list.html", {
        "form": form, "page": page, "several_programs": len(programs) > 1,
        "record_at": _addable_program(user, INCIDENT_RECORD, filters.program_id, programs),
        "may_record_somewhere": access.has_permission(user, INCIDENT_RECORD),
    })


def _incident_form_page(request: HttpRequest, form: IncidentForm, *, program: Any, title: str,
                        cancel_url: str, incident: Any = None) -> HttpResponse:
    return render(request, "incidents/incident_form.html", {
        "form": form, "program": program, "title": title, "cancel_url": cancel_url, "incident": incident,
    })


@requires(INCIDENT_RECORD)
def incident_create(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The phone-friendly incident form for one program; `?child=<id>` starts with that child chosen."""
    user = request.user
    program = selectors.program_get_for(user=user, program_id=pk, permission=INCIDENT_RECORD)
    roster = selectors.roster_for_incidents(program=program)
    wanted = _uuid(request.GET.get("child", ""))
    preselected = roster.filter(pk=wanted).first() if wanted else None
    form = IncidentForm(_posted(request), program=program, roster=roster, child=preselected)
    done, incident = _attempt(request, form, lambda: services.incident_record(
        actor=_actor(request), program=program, data=form.to_data(), submission_key=form.submission_key_value(),
    ))
    if done:
        if incident is None:
            return redirect(reverse("incidents:incident-new", args=[program.pk]))
        messages.success(request, _("Incident recorded for %(code)s.") % {"code": incident.child.code})
        return redirect(reverse("incidents:incident-detail", args=[incident.pk]))
    selectors.child_page_record(user=user, children=list(roster.only("pk")))  # the form lists the roster's codes
    cancel = _child_url(preselected) if preselected else reverse("incidents:incident-list")
    return _incident_form_page(request, form, program=program, cancel_url=cancel,
                               title=_("Record an incident at %(program)s") % {"program": program.name})


@requires(INCIDENT_VIEW)
def incident_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    user = request.user
    incident = selectors.incident_get_for(user=user, incident_id=pk)
    may_record = access.can(user, INCIDENT_RECORD, incident)
    return render(request, "incidents/incident_detail.html", {
        "incident": incident, "exclusion": selectors.exclusion_of(user=user, incident=incident),
        "may_record": may_record, "may_see_child": access.can(user, CHILD_VIEW, incident.child),
    })


@requires(INCIDENT_RECORD)
def incident_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    user = request.user
    incident = selectors.incident_get_for(user=user, incident_id=pk, permission=INCIDENT_RECORD)
    program = incident.program
    roster = selectors.roster_for_incidents(program=program, include=incident.child_id)
    form = IncidentForm(_posted(request), program=program, roster=roster, incident=incident)
    done, saved = _attempt(request, form, lambda: services.incident_update(
        actor=_actor(request), incident=incident, expected_version=form.expected_version(), data=form.to_data(),
    ), stale_version=lambda: selectors.current_version_of(obj=incident))
    if done:
        messages.success(request, _("Incident saved."))
        return redirect(reverse("incidents:incident-detail", args=[saved.pk]))
    selectors.child_page_record(user=user, children=list(roster.only("pk")))
    return _incident_form_page(
        request, form, program=program, incident=incident,
        cancel_url=reverse("incidents:incident-detail", args=[incident.pk]),
        title=_("Edit the incident of %(code)s") % {"code": incident.child.code},
    )


# --- Exclusions ----------------------------------------------------------------------------------


@requires(INCIDENT_RECORD)
def exclusion_create(request: HttpRequest, pk: UUID) -> HttpResponse:
    child = selectors.child_get_for(user=request.user, child_id=pk, permission=INCIDENT_RECORD)
    form = ExclusionForm(_posted(request))
    done, _exclusion = _attempt(request, form, lambda: services.exclusion_record(
        actor=_actor(request), child=child, data=form.to_data(), submission_key=form.submission_key_value(),
    ))
    if done:
        messages.success(request, _("Exclusion recorded for %(code)s.") % {"code": child.code})
        return redirect(_child_url(child))
    return _form_page(request, form, title=_("Record an exclusion for %(code)s") % {"code": child.code},
                      cancel_url=_child_url(child), program=child.program,
                      intro=_("Use this for an exclusion with no incident behind it, such as reduced hours. An "
                              "incident whose follow-up sends the child home records its exclusion by itself."))


@requires(INCIDENT_RECORD)
def exclusion_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    exclusion = selectors.exclusion_get_for(user=request.user, exclusion_id=pk, permission=INCIDENT_RECORD)
    child = exclusion.child
    form = ExclusionForm(_posted(request), exclusion=exclusion)
    done, _saved = _attempt(request, form, lambda: services.exclusion_update(
        actor=_actor(request), exclusion=exclusion, expected_version=form.expected_version(), data=form.to_data(),
    ), stale_version=lambda: selectors.current_version_of(obj=exclusion))
    if done:
        messages.success(request, _("Exclusion saved."))
        if exclusion.incident_id:
            return redirect(reverse("incidents:incident-detail", args=[exclusion.incident_id]))
        return redirect(_child_url(child))
    return _form_page(request, form, title=_("Edit the exclusion of %(code)s") % {"code": child.code},
                      cancel_url=_child_url(child), program=child.program)


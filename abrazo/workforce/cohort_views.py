"""Screens of training cohorts: the list, a cohort with its sessions, assignments and participants, the
attendance sheet of a session, the completion grid of an assignment, a participant's page, completing or
withdrawing them, and the certificate of completion (a printable page and a PDF) with its public check.

Views parse the request, call a selector or a service, and render; the services decide what is allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from abrazo.accounts import access
from abrazo.accounts.models import User
from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import public, requires
from abrazo.core.pagination import paginate
from abrazo.directory import selectors as directory_selectors
from abrazo.directory.models import Region
from abrazo.workforce import certificates
from abrazo.workforce import cohort_selectors as selectors
from abrazo.workforce import cohort_services as services
from abrazo.workforce.cohort_forms import (
    AssignmentForm,
    AttendanceSheetForm,
    CohortFilterForm,
    CohortForm,
    CompletionSheetForm,
    SessionForm,
    WorkForm,
)
from abrazo.workforce.models import Participant, ParticipantStatus

COHORT_VIEW, COHORT_MANAGE, PARTICIPANT_VIEW = "cohort.view", "cohort.manage", "participant.view"
FORM_TEMPLATE = "workforce/cohorts/form_page.html"
COHORTS_PER_PAGE = 25


def _actor(request: HttpRequest) -> User:
    """The signed-in person: LoginRequiredMiddleware and @requires let nobody else this far."""
    return cast(User, request.user)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _attempt(
    request: HttpRequest, form: Any, save: Callable[[], Any], *, stale_version: Callable[[], int] | None = None
) -> tuple[bool, Any]:
    """Run the service for a valid posted form: (True, its result), or (False, None) with the problem on the
    form. What was typed stays in the bound form; a second submit of a create form answers with the first."""
    if request.method != "POST" or not form.is_valid():
        return False, None
    try:
        return True, save()
    except services.AlreadySubmitted as done:
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


def _cohort_url(cohort_id: Any) -> str:
    return reverse("workforce:cohort-detail", args=[cohort_id])


def _participant_url(participant: Participant) -> str:
    return reverse("workforce:participant-detail", args=[participant.pk])


# --- Cohorts ------------------------------------------------------------------------------------------


@requires(COHORT_VIEW)
def cohort_list(request: HttpRequest) -> HttpResponse:
    """The cohorts the person may browse: status, dates, region, participants and graduates."""
    form = CohortFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = paginate(request, selectors.cohort_queryset_for(user=request.user, status=status),
                    per_page=COHORTS_PER_PAGE)
    return render(request, "workforce/cohorts/cohort_list.html", {
        "form": form, "page": page, "may_create": access.has_permission(request.user, COHORT_MANAGE),
    })


def _manageable_regions(user: Any, network: Any) -> Any:
    return access.visible(user, COHORT_MANAGE, Region.objects.filter(network=network))


@requires(COHORT_MANAGE)
def cohort_create(request: HttpRequest) -> HttpResponse:
    network = directory_selectors.network_for(user=request.user, permission=COHORT_MANAGE)
    if network is None:
        raise Http404
    form = CohortForm(_posted(request), network=network, regions=_manageable_regions(request.user, network))
    done, cohort = _attempt(request, form, lambda: services.cohort_create(
        actor=_actor(request), network=network, data=form.to_data(), submission_key=form.submission_key_value(),
    ))
    if done:
        messages.success(request, _("Cohort created."))
        return redirect(_cohort_url(cohort.pk) if cohort else reverse("workforce:cohort-list"))
    return _form_page(request, form, title=_("New cohort"), cancel_url=reverse("workforce:cohort-list"))


@requires(COHORT_VIEW)
def cohort_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    overview = selectors.cohort_overview_for(user=request.user, cohort_id=pk)
    return render(request, "workforce/cohorts/cohort_detail.html", {"o": overview, "cohort": overview.cohort})


@requires(COHORT_MANAGE)
def cohort_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    cohort = selectors.cohort_get_for(user=request.user, cohort_id=pk, permission=COHORT_MANAGE)
    form = CohortForm(_posted(request), network=cohort.network,
                      regions=_manageable_regions(request.user, cohort.network), cohort=cohort)
    done, _saved = _attempt(request, form, lambda: services.cohort_update(
        actor=_actor(request), cohort=cohort, expected_version=form.expected_version(), data=form.to_data(),
    ), stale_version=lambda: selectors.current_version_of(obj=cohort))
    if done:
        messages.success(request, _("Cohort saved."))
        return redirect(_cohort_url(cohort.pk))
    return _form_page(request, form, title=_("Edit %(cohort)s") % {"cohort": cohort.name},
                      cancel_url=_cohort_url(cohort.pk))


# --- Sessions and attendance ----------------------------------------------------------------------------


@requires(COHORT_MANAGE)
def session_create(request: HttpRequest, pk: UUID) -> HttpResponse:
    cohort = selectors.cohort_get_for(user=request.user, cohort_id=pk, permission=COHORT_MANAGE)
    form = SessionForm(_posted(request), cohort=cohort)
    done, _session = _attempt(request, form, lambda: services.session_create(
        actor=_actor(request), cohort=cohort, data=form.to_data(), submission_key=form.submission_key_value(),
    ))
    if done:
        messages.success(request, _("Session added."))
        return redirect(_cohort_url(cohort.pk) + "#sessions")
    return _form_page(request, form, title=_("Add a session to %(cohort)s") % {"cohort": cohort.name},
                      cancel_url=_cohort_url(cohort.pk))


@requires(COHORT_MANAGE)
def session_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    session = selectors.session_get_for(user=request.user, session_id=pk)
    form = SessionForm(_posted(request), cohort=session.cohort, session=session)
    done, _saved = _attempt(request, form, lambda: services.session_update(
        actor=_actor(request), session=session, expected_version=form.expected_version(), data=form.to_data(),
    ), stale_version=lambda: selectors.current_version_of(obj=session))
    if done:
        messages.success(request, _("Session saved."))
        return redirect(_cohort_url(session.cohort_id) + "#sessions")
    return _form_page(request, form, title=_("Edit session %(number)d of %(cohort)s") % {
        "number": session.number, "cohort": session.cohort.name}, cancel_url=_cohort_url(session.cohort_id))


def _sheet_saved(request: HttpRequest, result: services.SheetResult) -> None:
    if result.created or result.changed or result.removed:
        messages.success(request, _("Saved: %(created)d added, %(changed)d changed, %(removed)d cleared.") % {
            "created": result.created, "changed": result.changed, "removed": result.removed})
    else:
        messages.info(request, _("Nothing had changed, so nothing was saved."))


def _sheet_page(request: HttpRequest, form: Any, record: Callable[[], services.SheetResult], *, done_url: str,
                template: str, context: dict[str, Any]) -> HttpResponse:
    """Save a whole sheet (attendance, or an assignment's completions) at once, or redraw it with each row's
    problem beside the participant it is about."""
    problems: dict[UUID, str] = {}
    if request.method == "POST" and form.is_valid():
        try:
            result = record()
        except services.SheetRejected as rejected:
            problems = rejected.problems
            form.add_error(None, rejected.messages)
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        else:
            _sheet_saved(request, result)
            return redirect(done_url)
    return render(request, template, {**context, "form": form, "rows": form.rows(problems)})


@requires(COHORT_MANAGE)
def session_attendance(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Every participant's attendance at one session, recorded at once."""
    session = selectors.session_get_for(user=request.user, session_id=pk)
    existing = selectors.attendance_of(session=session)
    participants = selectors.sheet_participants(user=request.user, cohort=session.cohort,
                                                recorded_ids=set(existing))
    form = AttendanceSheetForm(_posted(request), session=session, participants=participants, existing=existing)
    if request.method != "POST" and request.GET.get("fill") == "present":
        form.mark_everyone_present()
    return _sheet_page(
        request, form, lambda: services.attendance_record(actor=_actor(request), session=session,
                                                          entries=form.entries()),
        done_url=_cohort_url(session.cohort_id) + "#sessions", template="workforce/cohorts/attendance.html",
        context={"session": session, "cohort": session.cohort})


# --- Assignments --------------------------------------------------------------------------------------


@requires(COHORT_MANAGE)
def assignment_create(request: HttpRequest, pk: UUID) -> HttpResponse:
    cohort = selectors.cohort_get_for(user=request.user, cohort_id=pk, permission=COHORT_MANAGE)
    form = AssignmentForm(_posted(request))
    done, _assignment = _attempt(request, form, lambda: services.assignment_create(
        actor=_actor(request), cohort=cohort, data=form.to_data(), submission_key=form.submission_key_value(),
    ))
    if done:
        messages.success(request, _("Assignment added."))
        return redirect(_cohort_url(cohort.pk) + "#assignments")
    return _form_page(request, form, title=_("Add an assignment to %(cohort)s") % {"cohort": cohort.name},
                      cancel_url=_cohort_url(cohort.pk))


@requires(COHORT_MANAGE)
def assignment_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    assignment = selectors.assignment_get_for(user=request.user, assignment_id=pk)
    form = AssignmentForm(_posted(request), assignment=assignment)
    done, _saved = _attempt(request, form, lambda: services.assignment_update(
        actor=_actor(request), assignment=assignment, expected_version=form.expected_version(), data=form.to_data(),
    ), stale_version=lambda: selectors.current_version_of(obj=assignment))
    if done:
        messages.success(request, _("Assignment saved."))
        return redirect(_cohort_url(assignment.cohort_id) + "#assignments")
    return _form_page(request, form, title=_("Edit the assignment “%(title)s”") % {"title": assignment.title},
                      cancel_url=_cohort_url(assignment.cohort_id))


@requires(COHORT_MANAGE)
def assignment_completions(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Who has done one assignment, for every participant at once."""
    assignment = selectors.assignment_get_for(user=request.user, assignment_id=pk)
    existing = selectors.completions_of(assignment=assignment)
    participants = selectors.sheet_participants(user=request.user, cohort=assignment.cohort,
                                                recorded_ids=set(existing))
    form = CompletionSheetForm(_posted(request), assignment=assignment, participants=participants,
                               existing=existing)
    return _sheet_page(
        request, form, lambda: services.assignment_completions_record(actor=_actor(request), assignment=assignment,
                                                                      entries=form.entries()),
        done_url=_cohort_url(assignment.cohort_id) + "#assignments", template="workforce/cohorts/completions.html",
        context={"assignment": assignment, "cohort": assignment.cohort})


# --- Participants -------------------------------------------------------------------------------------


@requires(PARTICIPANT_VIEW)
def participant_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    participant = selectors.participant_get_for(user=request.user, participant_id=pk)
    progress = selectors.progress_of(participant)
    return render(request, "workforce/cohorts/participant_detail.html", {
        "participant": participant, "progress": progress, "check": progress.check,
        "missing": services.missing_messages(progress.check),
        "may_manage": access.can(request.user, COHORT_MANAGE, participant),
    })


@requires(COHORT_MANAGE)
def participant_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Where the participant works now: the capacity report counts graduates by these answers."""
    participant = selectors.participant_get_for(user=request.user, participant_id=pk, permission=COHORT_MANAGE)
    form = WorkForm(_posted(request), participant=participant)
    done, _saved = _attempt(request, form, lambda: services.participant_update_work(
        actor=_actor(request), participant=participant, expected_version=form.expected_version(),
        data=form.to_data(),
    ), stale_version=lambda: selectors.current_version_of(obj=participant))
    if done:
        messages.success(request, _("Saved."))
        return redirect(_participant_url(participant))
    return _form_page(request, form, title=_("Where %(name)s works now") % {"name": participant.full_name},
                      cancel_url=_participant_url(participant),
                      intro=_("The workforce capacity report counts graduates by where they work, the counties "
                              "they serve and the languages they consult in."))


def _action_page(request: HttpRequest, participant: Participant, *, action: str, **extra: Any) -> HttpResponse:
    return render(request, "workforce/cohorts/participant_action.html", {
        "participant": participant, "action": action, **extra})


@requires(COHORT_MANAGE)
def participant_complete(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Mark a participant completed; the page says first whether they meet the rule and what is missing."""
    participant = selectors.participant_get_for(user=request.user, participant_id=pk, permission=COHORT_MANAGE)
    problems: list[str] = []
    if request.method == "POST":
        try:
            issued = services.participant_complete(actor=_actor(request), participant=participant)
        except ValidationError as refused:
            problems = refused.messages
        else:
            certificates.remember_issued(request.session, participant_id=participant.pk, token=issued.token)
            messages.success(request, _(
                "%(name)s has completed the cohort: certificate %(number)s. The link to it was emailed to %(email)s."
            ) % {"name": participant.full_name, "number": issued.participant.certificate_number,
                 "email": participant.email})
            return redirect("workforce:certificate", pk=participant.pk)
    check = services.check_of(participant)
    return _action_page(request, participant, action="complete", check=check, problems=problems,
                        missing=services.missing_messages(check))


@requires(COHORT_MANAGE)
def participant_withdraw(request: HttpRequest, pk: UUID) -> HttpResponse:
    participant = selectors.participant_get_for(user=request.user, participant_id=pk, permission=COHORT_MANAGE)
    problems: list[str] = []
    if request.method == "POST":
        try:
            services.participant_withdraw(actor=_actor(request), participant=participant)
        except ValidationError as refused:
            problems = refused.messages
        else:
            messages.success(request, _("%(name)s has withdrawn from the cohort.") % {"name": participant.full_name})
            return redirect(_participant_url(participant))
    return _action_page(request, participant, action="withdraw", problems=problems)


# --- Certificates (staff) ---------------------------------------------------------------------------------


def _certificate_of(request: HttpRequest, pk: UUID) -> tuple[Participant, certificates.CertificateContent] | None:
    participant = selectors.participant_get_for(user=request.user, participant_id=pk)
    if not participant.certificate_number:
        return None
    content = certificates.content_for(
        participant, ce_hours=selectors.ce_hours_of(participant),
        token=certificates.issued_token(request.session, participant=participant),
        language=request.GET.get("language") or None,
    )
    return participant, content


def _no_certificate(request: HttpRequest, pk: UUID) -> HttpResponse:
    messages.info(request, _("This participant has not completed the cohort, so there is no certificate yet."))
    return redirect("workforce:participant-detail", pk=pk)


def _other_language(code: str) -> tuple[str, str]:
    return ("en", "English") if code == "es" else ("es", "Español")


@requires(PARTICIPANT_VIEW)
def certificate(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The certificate as a printable page, in the graduate's language (or the other one, on request)."""
    found = _certificate_of(request, pk)
    if found is None:
        return _no_certificate(request, pk)
    participant, content = found
    other_code, other_name = _other_language(content.language)
    return render(request, "workforce/certificates/certificate.html", {
        "participant": participant, "c": content, "other_language": other_code, "other_language_name": other_name,
        "may_manage": access.can(request.user, COHORT_MANAGE, participant),
        "certificate_html": render_to_string("workforce/certificates/_certificate.html", {"c": content}),
    })


def _pdf_response(content: certificates.CertificateContent) -> HttpResponse:
    response = HttpResponse(certificates.render_pdf(content), content_type="application/pdf")
    filename = slugify(f"{content.number} {content.name}") or "certificate"
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


@requires(PARTICIPANT_VIEW)
def certificate_pdf(request: HttpRequest, pk: UUID) -> HttpResponse:
    found = _certificate_of(request, pk)
    if found is None:
        return _no_certificate(request, pk)
    participant, content = found
    if participant.status != ParticipantStatus.COMPLETED:
        messages.info(request, _("This certificate was withdrawn: it is shown only as a record, not as a PDF."))
        return redirect("workforce:certificate", pk=pk)
    response = _pdf_response(content)
    response["Cache-Control"] = "private, no-store"
    return response


@requires(COHORT_MANAGE)
def certificate_reissue(request: HttpRequest, pk: UUID) -> HttpResponse:
    """A new verification link: the old one stops working, the graduate is emailed the new one, and the
    certificate printed next from this session carries it."""
    participant = selectors.participant_get_for(user=request.user, participant_id=pk, permission=COHORT_MANAGE)
    problems: list[str] = []
    if request.method == "POST":
        try:
            issued = services.certificate_reissue(actor=_actor(request), participant=participant)
        except ValidationError as refused:
            problems = refused.messages
        else:
            certificates.remember_issued(request.session, participant_id=participant.pk, token=issued.token)
            messages.success(request, _("A new link was emailed to %(email)s; the earlier link no longer works.") % {
                "email": participant.email})
            return redirect("workforce:certificate", pk=participant.pk)
    return _action_page(request, participant, action="reissue", problems=problems)


# --- Certificates (public) --------------------------------------------------------------------------------


def _private(response: HttpResponse, language: str) -> HttpResponse:
    """A verification page belongs to one graduate: never cached or indexed, and its address (the key)
    never sent to another site as a referrer."""
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    response["Content-Language"] = language
    return response


def _chosen_language(request: HttpRequest) -> str | None:
    """The language the visitor picked with the switcher, if they did; otherwise the graduate's own is used."""
    return request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or None


@public
@never_cache
def certificate_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public on purpose: anyone holding the link (the graduate, an employer they show it to) may check the
    certificate. It shows the name, the cohort, the hours, the date and whether it is still valid."""
    try:
        participant = certificates.verify(token=token)
    except Http404:
        language = translation.get_language() or "en"
        return _private(render(request, "workforce/certificates/unknown.html", status=404), language)
    content = certificates.content_for(participant, ce_hours=selectors.ce_hours_of(participant), token=token,
                                       language=_chosen_language(request))
    with translation.override(content.language):
        response = render(request, "workforce/certificates/verify.html", {
            "c": content, "token": token,
            "certificate_html": render_to_string("workforce/certificates/_certificate.html", {"c": content}),
        })
    return _private(response, content.language)


@public
@never_cache
def certificate_verify_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """The graduate's own PDF, from the link they were sent (only while the certificate is valid)."""
    participant = certificates.verify(token=token)
    if participant.status != ParticipantStatus.COMPLETED:
        return redirect("workforce:certificate-verify", token=token)
    content = certificates.content_for(participant, ce_hours=selectors.ce_hours_of(participant), token=token,
                                       language=_chosen_language(request))
    return _private(_pdf_response(content), content.language)

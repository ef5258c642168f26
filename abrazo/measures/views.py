"""Screens of the instrument registry. Views parse the request, call a selector or a service, and render;
the services (and the scoring engine behind them) decide what is allowed and what is valid."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from abrazo.accounts import access
from abrazo.accounts.models import User
from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import requires
from abrazo.core.form_errors import add_service_problem
from abrazo.core.submissions import AlreadySubmitted
from abrazo.measures import selectors, services
from abrazo.measures.forms import (
    EnteredScaleFormSet,
    InstrumentEditForm,
    InstrumentFilterForm,
    NormUploadForm,
    ScaleDeleteForm,
    ScaleForm,
    ScoresOnlyInstrumentForm,
    entered_scales_of,
)
from abrazo.measures.models import NormTable, ScaleKind

INSTRUMENT_VIEW, INSTRUMENT_MANAGE = "instrument.view", "instrument.manage"
KIND_TITLES = {
    ScaleKind.ITEMS: _lazy("Add a scale scored from items"),
    ScaleKind.ENTERED: _lazy("Add an entered score"),
    ScaleKind.COMPOSITE: _lazy("Add a scale combining others"),
}


def _actor(request: HttpRequest) -> User:
    """The signed-in person: LoginRequiredMiddleware and @requires let nobody else this far."""
    return cast(User, request.user)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _detail_url(instrument: Any) -> str:
    return reverse("measures:instrument-detail", args=[instrument.pk])


@requires(INSTRUMENT_VIEW)
def instrument_list(request: HttpRequest) -> HttpResponse:
    """The registry: every instrument the person may read, filtered by level, respondent, language, licence
    or name. Instruments are few (tens per network), so the list is one page."""
    user = request.user
    form = InstrumentFilterForm(request.GET or None)
    filters = form.to_filters()
    instruments = list(selectors.instrument_queryset_for(user=user, filters=filters))
    selectors.instrument_page_record(user=user, instruments=instruments, searched=bool(filters.query))
    return render(request, "measures/instrument_list.html", {
        "form": form, "instruments": instruments, "filtered": filters != selectors.InstrumentFilters(),
        "may_manage": access.has_permission(user, INSTRUMENT_MANAGE),
    })


@requires(INSTRUMENT_VIEW)
def instrument_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    user = request.user
    instrument = selectors.instrument_get_for(user=user, instrument_id=pk)
    may_manage = selectors.may_manage(user=user, instrument=instrument)
    return render(request, "measures/instrument_detail.html", {
        "instrument": instrument, "contents": selectors.instrument_contents(instrument=instrument),
        "may_manage": may_manage,
        "scale_kinds": [(kind, KIND_TITLES[ScaleKind(kind)]) for kind in services.scale_kinds_for(instrument)]
        if may_manage else [],
        "completed": selectors.completed_count(instrument=instrument) if may_manage else 0,
    })


@requires(INSTRUMENT_MANAGE)
def instrument_create(request: HttpRequest) -> HttpResponse:
    """Describe a licensed instrument recorded by scores only: its description, then its scores."""
    networks = selectors.networks_to_manage(user=request.user)
    if not networks:
        raise Http404
    form = ScoresOnlyInstrumentForm(_posted(request), networks=networks)
    formset = EnteredScaleFormSet(_posted(request), prefix="scales")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            instrument = services.instrument_create_scores_only(
                actor=_actor(request), network=form.cleaned_data["network"], data=form.to_data(),
                scales=entered_scales_of(formset), submission_key=form.submission_key_value(),
            )
        except AlreadySubmitted as done:
            messages.info(request, _("This form had already been sent, so nothing was added twice."))
            return redirect(_detail_url(done.existing) if done.existing else reverse("measures:instrument-list"))
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("%(name)s added to the registry.") % {"name": instrument.name})
            return redirect(_detail_url(instrument))
    return render(request, "measures/instrument_new.html", {"form": form, "formset": formset})


@requires(INSTRUMENT_MANAGE)
def instrument_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    instrument = selectors.instrument_get_to_manage(user=request.user, instrument_id=pk)
    form = InstrumentEditForm(_posted(request), instrument=instrument)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.instrument_update(actor=_actor(request), instrument=instrument,
                                               expected_version=form.expected_version(), data=form.to_data())
        except StaleEditError as stale:
            form.mark_stale(current_version=selectors.current_version_of(instrument=instrument), message=str(stale))
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": saved.name})
            return redirect(_detail_url(saved))
    return render(request, "measures/form_page.html", {
        "form": form, "title": _("Edit %(name)s") % {"name": instrument.name}, "cancel_url": _detail_url(instrument),
    })


@requires(INSTRUMENT_MANAGE)
def norm_upload(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Replace a scale's normative table with a licensee's file, all or nothing."""
    scale = selectors.scale_get_to_manage(user=request.user, scale_id=pk)
    form = NormUploadForm(_posted(request), request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.norm_table_upload(actor=_actor(request), scale=scale, upload=upload, filename=upload.name,
                                       source=form.cleaned_data["source"])
        except services.NormFileProblems as found:
            problems = found.messages
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("The norm table of %(scale)s was replaced.") % {"scale": scale.name})
            return redirect(_detail_url(scale.instrument))
    existing = NormTable.objects.filter(scale=scale).first()  # the table a new upload would replace
    return render(request, "measures/norm_upload.html", {
        "form": form, "scale": scale, "instrument": scale.instrument, "problems": problems, "existing": existing,
    })


def _saved(request: HttpRequest, change: services.ScaleChange, text: str) -> HttpResponse:
    if change.rescored:
        text = " ".join([text, ngettext(
            "%(count)s completed measure was scored again.", "%(count)s completed measures were scored again.",
            change.rescored) % {"count": change.rescored}])
    messages.success(request, text)
    return redirect(_detail_url(change.instrument) + "#scales-title")


def _scale_page(request: HttpRequest, form: ScaleForm, instrument: Any, title: str) -> HttpResponse:
    return render(request, "measures/scale_form.html", {
        "form": form, "instrument": instrument, "title": title, "cancel_url": _detail_url(instrument),
        "completed": selectors.completed_count(instrument=instrument),
    })


def _try_scale_change(request: HttpRequest, form: Any, instrument: Any, change: Any) -> HttpResponse | None:
    """Run a scale change; a redirect when it is done (or was done by a first click), None to show the form."""
    try:
        done = change()
    except AlreadySubmitted:
        messages.info(request, _("This form had already been sent, so the change was made once."))
        return redirect(_detail_url(instrument) + "#scales-title")
    except StaleEditError as stale:
        form.mark_stale(current_version=selectors.current_version_of(instrument=instrument), message=str(stale))
    except PermissionDenied:
        form.add_error(None, _("You may not make this change."))
    except ValidationError as problem:
        add_service_problem(form, problem)
    else:
        return cast(HttpResponse, done)
    return None


@requires(INSTRUMENT_MANAGE)
def scale_new(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Add a subscale or total to an instrument; `?kind=` says which kind (the detail page offers each)."""
    instrument = selectors.instrument_get_to_manage(user=request.user, instrument_id=pk)
    kinds = services.scale_kinds_for(instrument)
    kind = request.GET.get("kind") or kinds[0]
    if kind not in kinds:
        raise Http404
    items, scales = selectors.instrument_definition(instrument=instrument)
    form = ScaleForm(_posted(request), instrument=instrument, kind=kind, items=items, scales=scales)
    if request.method == "POST" and form.is_valid():
        def add() -> HttpResponse:
            change = services.scale_add(actor=_actor(request), instrument=instrument,
                                        expected_version=form.expected_version(), data=form.to_data(),
                                        submission_key=form.submission_key_value())
            return _saved(request, change, _("%(scale)s added.") % {"scale": change.scale.name if change.scale
                                                                      else ""})
        done = _try_scale_change(request, form, instrument, add)
        if done is not None:
            return done
    return _scale_page(request, form, instrument, str(KIND_TITLES[ScaleKind(kind)]))


@requires(INSTRUMENT_MANAGE)
def scale_edit(request: HttpRequest, pk: UUID) -> HttpResponse:
    scale = selectors.scale_get_to_manage(user=request.user, scale_id=pk)
    instrument = scale.instrument
    items, scales = selectors.instrument_definition(instrument=instrument)
    form = ScaleForm(_posted(request), instrument=instrument, kind=scale.kind, items=items, scales=scales,
                     scale=scale)
    if request.method == "POST" and form.is_valid():
        def update() -> HttpResponse:
            change = services.scale_update(actor=_actor(request), scale=scale,
                                           expected_version=form.expected_version(), data=form.to_data(),
                                           submission_key=form.submission_key_value())
            return _saved(request, change, _("%(scale)s saved.") % {"scale": change.scale.name if change.scale
                                                                      else ""})
        done = _try_scale_change(request, form, instrument, update)
        if done is not None:
            return done
    return _scale_page(request, form, instrument, _("Edit %(scale)s") % {"scale": scale.name})


@requires(INSTRUMENT_MANAGE)
def scale_delete(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Ask before deleting a scale; a second click, once the scale is gone, goes back to its instrument."""
    try:
        scale = selectors.scale_get_to_manage(user=request.user, scale_id=pk)
    except Http404:
        if request.method == "POST":
            form = ScaleDeleteForm(request.POST)
            key = form.submission_key_value() if form.is_valid() else None
            instrument = services.instrument_of_submission(actor=_actor(request), submission_key=key)
            if instrument is not None:
                messages.info(request, _("This form had already been sent, so the change was made once."))
                return redirect(_detail_url(instrument) + "#scales-title")
        raise
    instrument = scale.instrument
    form = ScaleDeleteForm(_posted(request), initial={"version": instrument.version})
    if request.method == "POST" and form.is_valid():
        name = scale.name

        def delete() -> HttpResponse:
            change = services.scale_delete(actor=_actor(request), scale=scale,
                                           expected_version=form.expected_version(),
                                           submission_key=form.submission_key_value())
            return _saved(request, change, _("%(scale)s deleted.") % {"scale": name})
        done = _try_scale_change(request, form, instrument, delete)
        if done is not None:
            return done
    return render(request, "measures/scale_delete.html", {
        "form": form, "scale": scale, "instrument": instrument,
        "completed": selectors.completed_count(instrument=instrument), "cancel_url": _detail_url(instrument),
    })

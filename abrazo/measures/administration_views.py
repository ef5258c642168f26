"""Screens for administrations: an episode's measures (and scheduling them), the fast entry form, an
administration's answers and scores, and cancelling one. Views parse the request, call a selector or a
service, and render; `administrations.py` decides what is allowed and what is valid."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from abrazo.core.concurrency import StaleEditError
from abrazo.core.decorators import requires
from abrazo.core.form_errors import add_service_problem
from abrazo.measures import administration_selectors as selectors
from abrazo.measures import administrations as services
from abrazo.measures.administration_forms import CancelForm, EntryForm, ScheduleForm
from abrazo.measures.models import AdministrationStatus, AnswerSource

MEASURE_VIEW, MEASURE_RECORD = "measure.view", "measure.record"


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _episode_url(episode_id: Any) -> str:
    return reverse("measures:episode-measures", args=[episode_id])


def _detail_url(administration: Any) -> str:
    return reverse("measures:administration-detail", args=[administration.pk])


def _schedule_form(data: Any, episode: Any) -> ScheduleForm:
    return ScheduleForm(data, instruments=selectors.instruments_for_episode(episode=episode),
                        staff=selectors.respondents_for_episode(episode=episode))


@requires(MEASURE_VIEW)
def episode_measures(request: HttpRequest, pk: UUID) -> HttpResponse:
    """An episode's administrations by time point with their status and scores, and (for the consultant)
    the form to schedule one."""
    measures = selectors.episode_measures_for(user=request.user, episode_id=pk)
    form = _schedule_form(None, measures.episode) if measures.may_record else None
    return render(request, "measures/administrations/episode.html", {"measures": measures, "form": form})


@requires(MEASURE_RECORD)
def administration_schedule(request: HttpRequest, pk: UUID) -> HttpResponse:
    episode = selectors.episode_to_record(user=request.user, episode_id=pk)
    form = _schedule_form(_posted(request), episode)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.administration_schedule(
                actor=request.user, episode=episode, instrument=data["instrument"], timepoint=data["timepoint"],
                due_on=data["due_on"], respondent_role=data["respondent_role"] or None,
                respondent_staff=data["respondent_staff"], submission_key=form.submission_key_value(),
            )
        except services.AlreadySubmitted:
            messages.info(request, _("This form had already been sent, so nothing was added twice."))
            return redirect(_episode_url(episode.pk))
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("Measure scheduled."))
            return redirect(_episode_url(episode.pk))
    return render(request, "measures/administrations/schedule.html", {"form": form, "episode": episode})


@requires(MEASURE_RECORD)
def administration_enter(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The fast entry form: one column on a phone, matrix groups as a grid on a wide screen."""
    administration = selectors.administration_get_for(user=request.user, administration_id=pk,
                                                      permission=MEASURE_RECORD)
    instrument = administration.instrument
    items = list(instrument.items.all())
    scales = list(instrument.scales.all())
    form = EntryForm(_posted(request), administration=administration, items=items, scales=scales)
    cancelled = administration.status == AdministrationStatus.CANCELLED
    if request.method == "POST" and not cancelled and form.is_valid():
        try:
            saved = services.administration_record_answers(
                actor=request.user, administration=administration, answers=form.answers(),
                language=form.cleaned_data["language"], source=AnswerSource.FORM,
                respondent_consent=form.consent(), completed_on=form.cleaned_data["completed_on"],
                expected_version=form.expected_version(), submission_key=form.submission_key_value(),
            )
        except services.AlreadySubmitted:
            messages.info(request, _("These answers had already been sent, so they were recorded once."))
            return redirect(_detail_url(administration))
        except services.AnswersRejected as rejected:
            form.show_problems(rejected)
        except StaleEditError as stale:
            form.mark_stale(current_version=selectors.current_version_of(administration=administration),
                            message=str(stale))
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("Answers recorded and scored."))
            return redirect(_detail_url(saved))
    return render(request, "measures/administrations/enter.html", {
        "administration": administration, "form": form, "blocks": form.blocks(), "cancelled": cancelled,
    })


@requires(MEASURE_VIEW)
def administration_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    administration = selectors.administration_get_for(user=request.user, administration_id=pk)
    from abrazo.accounts import access

    return render(request, "measures/administrations/detail.html", {
        "administration": administration, "answers": selectors.answer_rows(administration),
        "scores": selectors.score_rows(administration),
        "may_record": access.can(request.user, MEASURE_RECORD, administration),
    })


@requires(MEASURE_RECORD)
def administration_cancel(request: HttpRequest, pk: UUID) -> HttpResponse:
    administration = selectors.administration_get_for(user=request.user, administration_id=pk,
                                                      permission=MEASURE_RECORD)
    form = CancelForm(_posted(request), initial={"version": administration.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.administration_cancel(actor=request.user, administration=administration,
                                           expected_version=form.cleaned_data["version"])
        except StaleEditError as stale:
            form.add_error(None, str(stale))
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            add_service_problem(form, problem)
        else:
            messages.success(request, _("Measure cancelled."))
            # an administration imported from REDCap may have no episode: its own page then
            return redirect(_episode_url(administration.episode_id) if administration.episode_id
                            else _detail_url(administration))
    return render(request, "measures/administrations/cancel.html", {"administration": administration, "form": form})

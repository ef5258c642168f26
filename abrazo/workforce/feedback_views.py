"""Feedback from the field: asking a cohort or a group for feedback, and the percentages by question (page, chart,
CSV and XLSX). Views parse the request, call `feedback_services` / `feedback_selectors`, and render.

Access: asking a cohort needs "cohort.manage", a group "group.manage" (checked again on the record by the
selector and the service); results need "feedback.view", exact or suppressed as the selectors decide.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from abrazo.accounts import access
from abrazo.audit.models import Action
from abrazo.core.decorators import requires
from abrazo.core.submissions import AlreadySubmitted
from abrazo.core.tabular import csv_bytes, xlsx_bytes
from abrazo.equity.selectors import HIDDEN_LABEL
from abrazo.workforce import feedback_charts as charts
from abrazo.workforce import feedback_selectors as selectors
from abrazo.workforce import feedback_services as services
from abrazo.workforce import feedback_stats as stats
from abrazo.workforce import voice_selectors
from abrazo.workforce.feedback_forms import FILTER_FIELDS, CohortFeedbackForm, FeedbackFilterForm, GroupFeedbackForm
from abrazo.workforce.models import FeedbackContext

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
DIGITS = 1


def _report_message(request: HttpRequest, report: services.SendReport) -> None:
    if report.emailed:
        messages.success(request, ngettext(
            "%(count)d survey link was sent by email.", "%(count)d survey links were sent by email.", report.emailed,
        ) % {"count": report.emailed})
    others = []
    if report.answered:
        others.append(ngettext("%(count)d person had already answered", "%(count)d people had already answered",
                               report.answered) % {"count": report.answered})
    if report.waiting:
        others.append(ngettext("%(count)d person still has an open link", "%(count)d people still have an open link",
                               report.waiting) % {"count": report.waiting})
    if others:
        messages.info(request, _("Not asked again: %(who)s.") % {"who": "; ".join(others)})
    if not report.emailed and not others:
        messages.info(request, _("There was nobody to ask."))


def _refusal(form: Any, problem: ValidationError) -> None:
    for message in problem.messages:
        form.add_error(None, message)


# --- asking --------------------------------------------------------------------------------------------


@requires(services.COHORT_MANAGE)
def feedback_send_cohort(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Email the cohort's participants a private survey link about one session or the whole cohort."""
    cohort = selectors.cohort_for_feedback(user=request.user, cohort_id=pk)
    sessions = selectors.sessions_of(cohort)
    form = CohortFeedbackForm(request.POST if request.method == "POST" else None, sessions=sessions)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.feedback_send_cohort(
                actor=request.user, cohort=cohort, session=form.chosen_session(),
                days_valid=form.cleaned_data["days_valid"], submission_key=form.submission_key_value(),
            )
        except AlreadySubmitted:
            messages.info(request, _("This form had already been sent, so nobody was emailed twice."))
            return redirect("workforce:feedback-send-cohort", pk=cohort.pk)
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            _refusal(form, problem)
        else:
            _report_message(request, report)
            return redirect("workforce:feedback-send-cohort", pk=cohort.pk)
    return render(request, "workforce/feedback/send_cohort.html", {
        "cohort": cohort, "form": form, "summary": selectors.cohort_feedback_summary(cohort=cohort),
        "title": _("Ask for feedback"),
    })


@requires(services.GROUP_MANAGE)
def feedback_send_group(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Email the people who came to a group a private survey link, by address only."""
    group = selectors.group_for_feedback(user=request.user, group_id=pk)
    language = group.language_id if group.language_id in services.LANGUAGES else "en"
    form = GroupFeedbackForm(request.POST if request.method == "POST" else None, initial={"language": language})
    if request.method == "POST" and form.is_valid():
        try:
            report = services.feedback_send_group(
                actor=request.user, group=group, emails=form.cleaned_data["emails"],
                language=form.cleaned_data["language"], days_valid=form.cleaned_data["days_valid"],
                submission_key=form.submission_key_value(),
            )
        except AlreadySubmitted:
            messages.info(request, _("This form had already been sent, so nobody was emailed twice."))
            return redirect("workforce:feedback-send-group", pk=group.pk)
        except PermissionDenied:
            form.add_error(None, _("You may not make this change."))
        except ValidationError as problem:
            _refusal(form, problem)
        else:
            _report_message(request, report)
            return redirect("workforce:feedback-send-group", pk=group.pk)
    return render(request, "workforce/feedback/send_group.html", {
        "group": group, "form": form, "summary": selectors.group_feedback_summary(group=group),
        "title": _("Ask for feedback"),
    })


# --- results -------------------------------------------------------------------------------------------


def _network_id(request: HttpRequest) -> UUID | None:
    raw = request.GET.get("network")
    if not raw:
        return None
    try:
        return UUID(raw)
    except ValueError as exc:
        raise Http404 from exc


def _question(request: HttpRequest) -> tuple[Any, FeedbackFilterForm]:
    network = selectors.network_for(user=request.user, network_id=_network_id(request))
    asked = any(name in request.GET for name in FILTER_FIELDS if name != "network")
    exact = selectors.is_exact(user=request.user, network=network)
    form = FeedbackFilterForm(
        request.GET if asked else None, networks=selectors.networks_for(user=request.user), network=network,
        regions=selectors.regions_for(user=request.user, network=network),
        cohorts=selectors.cohorts_for(user=request.user, network=network), exact=exact,
        years=() if exact else selectors.ended_years(network=network),
    )
    return network, form


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}%"


def _chart(report: selectors.FeedbackReport) -> str:
    published = report.published
    questions = [question for question in published.questions if question.choices]
    if not questions or not any(q.n.value for q in questions if not q.withheld):
        return ""
    legend = [choice.label for choice in questions[0].choices]
    rows = []
    for question in questions:
        if question.withheld:
            text = _("withheld: too few answers to publish")
        elif question.agree is not None and question.agree_percent is not None:
            text = _("%(percent)s agree") % {"percent": _percent(question.agree_percent)}
        else:
            text = _("n = %(n)s") % {"n": question.n}
        rows.append(charts.BarRow(
            label=question.label, text=text, withheld=question.withheld,
            segments=[charts.Segment(choice.label, choice.percent) for choice in question.choices],
        ))
    svg = charts.stacked_bars(
        rows, chart_id="feedback-chart",
        title=_("Answers by question: %(survey)s") % {"survey": report.instrument.name},
        description=_("For each question, the share of the people who answered it that chose each answer, from "
                      "strongly disagree on the left to strongly agree on the right, and the share who agree or "
                      "strongly agree after the bar. The table below holds the same figures."),
        legend=legend, hidden_label=str(HIDDEN_LABEL),
    )
    return mark_safe(svg)  # the chart escapes every text it holds


@requires(selectors.PERMISSION)
def feedback_overview(request: HttpRequest) -> HttpResponse:
    network, form = _question(request)
    context: dict[str, Any] = {"form": form, "network": network, "report": None,
                               "may_curate": access.has_permission(request.user, voice_selectors.CURATE)}
    if not form.is_bound or form.is_valid():
        report = selectors.report_for(user=request.user, network=network, filters=form.filters())
        query = request.GET.copy()
        query["network"] = str(network.pk)
        base = reverse("workforce:feedback-export")
        exports = {}
        for file_format in FORMATS:
            query["format"] = file_format
            exports[file_format] = f"{base}?{query.urlencode()}"
        context.update(report=report, chart_svg=_chart(report), exports=exports,
                       context_label=FeedbackContext(report.filters.context).label)
    return render(request, "workforce/feedback/overview.html", context)


def export_table(report: selectors.FeedbackReport) -> tuple[list[str], list[list[Any]]]:
    """One row per question and answer, as the person sees them on the page."""
    header = [_("Feedback about"), _("Survey"), _("Question"), _("Answer"), _("People"), _("Percent of n"),
              _("n answering"), _("Does not apply"), _("Agree or strongly agree"), _("Agree percent"), _("Note")]
    context = str(FeedbackContext(report.filters.context).label)

    def count(value: stats.Count | None) -> Any:
        if value is None:
            return None
        return value.label if value.value is None else value.value

    def rounded(value: float | None) -> Any:
        return None if value is None else round(value, DIGITS)

    rows: list[list[Any]] = []
    for question in report.published.questions:
        note = _("withheld: too few answers to publish") if question.withheld else ""
        for choice in question.choices:
            rows.append([
                context, report.instrument.name, question.label, choice.label, count(choice.count),
                rounded(choice.percent), count(question.n), count(question.not_applicable), count(question.agree),
                rounded(question.agree_percent), note,
            ])
    return header, rows


# A file leaves Abrazo: it also needs "export.download" (issue 8), checked before the page's own permission.
@requires("export.download")
@requires(selectors.PERMISSION)
def feedback_export(request: HttpRequest) -> HttpResponse:
    """The page's figures as CSV or XLSX (?format=), suppressed as on the page; audited as an export."""
    file_format = request.GET.get("format", "csv")
    if file_format not in FORMATS:
        raise Http404
    network, form = _question(request)
    if form.is_bound and not form.is_valid():
        raise Http404
    report = selectors.report_for(user=request.user, network=network, filters=form.filters(), action=Action.EXPORT,
                                  extra=[f"format={file_format}"])
    header, rows = export_table(report)
    name = f"feedback-{slugify(network.name) or 'network'}-{report.filters.context}"
    if file_format == "csv":
        content = csv_bytes(header, rows)
    else:
        content = xlsx_bytes(header, rows, sheet_title=_("Feedback")[:31])
    response = HttpResponse(content, content_type=FORMATS[file_format])
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response

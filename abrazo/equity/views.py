"""The equity dashboard: for a network, region or program and a period, per dimension a table and charts of
risk ratios, compositions and alerts, a three-year trend, findings in words, a drill-down to programs,
exports of every table and a printable view. Views parse the request, ask the selectors, and render.

Access: the pages are declared with "equity.dashboard", held by exactly the roles that may open a
dashboard ("equity.view" or "equity.view_suppressed", same scopes), so the permission matrix can predict
every answer; selectors.unit_get_for then decides the unit and the sight (exact or suppressed) and
answers 404 outside the scope. Exports need "equity.export".
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from abrazo.core.decorators import requires
from abrazo.equity import charts, exports, selectors, sentences
from abrazo.equity.counts import DIMENSIONS
from abrazo.equity.forms import DashboardForm
from abrazo.incidents.birs import Outcome

DASHBOARD_ACCESS = "equity.dashboard"
FORM_FIELDS = ("period", "start", "end", "outcome", "dimensions")


@requires(DASHBOARD_ACCESS)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The unit chosen in the form (by default the broadest the person may open)."""
    resolved = selectors.unit_from_key(user=request.user, key=request.GET.get("unit"))
    return _page(request, resolved)


@requires(DASHBOARD_ACCESS)
def program_dashboard(request: HttpRequest, pk: UUID) -> HttpResponse:
    return _page(request, selectors.unit_get_for(user=request.user, kind=selectors.PROGRAM, unit_id=pk))


@requires(DASHBOARD_ACCESS)
def region_dashboard(request: HttpRequest, pk: UUID) -> HttpResponse:
    return _page(request, selectors.unit_get_for(user=request.user, kind=selectors.REGION, unit_id=pk))


# A file leaves Abrazo: it also needs "export.download" (issue 8), checked before the page's own permission.
@requires("export.download")
@requires(selectors.EXPORT)
def export(request: HttpRequest) -> HttpResponse:
    """One table of the dashboard as CSV or XLSX (?table=<dimension>|trend:<dimension>|programs&format=csv|xlsx
    and the dashboard's own parameters). Suppressed for evaluators, as on the page; audited as an export."""
    resolved = selectors.unit_from_key(user=request.user, key=request.GET.get("unit"))
    # Without a choice: the first dimension's table, as CSV, of the default unit and period.
    file_format, name = request.GET.get("format", "csv"), request.GET.get("table", DIMENSIONS[0])
    if not resolved.figures or file_format not in exports.FORMATS:
        raise Http404
    form = _form(request, resolved)
    if form.is_bound and not form.is_valid():
        raise Http404
    period, outcome, dimensions = form.parameters()
    if name != exports.PROGRAMS:  # one dimension's table or trend: count that dimension only
        wanted = name.removeprefix(exports.TREND_PREFIX)
        if wanted not in dict(form.fields["dimensions"].choices):
            raise Http404
        dimensions = [wanted]
    board = selectors.dashboard_for(
        user=request.user, unit=resolved, period=period, outcome=outcome, dimensions=dimensions,
        with_trend=name.startswith(exports.TREND_PREFIX), audit_action="export",
        audit_extra=[f"table={name}", f"format={file_format}"],
    )
    exported = exports.export_file(board, name, file_format)
    if exported is None:
        raise Http404
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.name}"'
    return response


# --- the page ---------------------------------------------------------------------------------------


def _form(request: HttpRequest, resolved: selectors.ResolvedUnit) -> DashboardForm:
    asked = any(name in request.GET for name in FORM_FIELDS)
    return DashboardForm(
        request.GET if asked else None, units=selectors.units_for(request.user), unit_key=resolved.choice.key,
        dimensions=selectors.dimensions_for(resolved.choice),
    )


def _page(request: HttpRequest, resolved: selectors.ResolvedUnit) -> HttpResponse:
    form = _form(request, resolved)
    printing = request.GET.get("print") == "1"
    context: dict[str, Any] = {"form": form, "unit": resolved, "printing": printing, "board": None}
    if not form.is_bound or form.is_valid():
        period, outcome, dimensions = form.parameters()
        board = selectors.dashboard_for(user=request.user, unit=resolved, period=period, outcome=outcome,
                                        dimensions=dimensions)
        query = _query(request, resolved)
        context.update(
            board=board, period_label=selectors.period_label(period), outcome_label=Outcome(outcome).label,
            sections=[_section(report, board, query) for report in board.dimensions],
            may_export=selectors.may_export(request.user), print_url=f"{request.path}?{_with(query, print='1')}",
            programs_export=_export_links(query, exports.PROGRAMS) if board.programs else None,
            program_links=[(row, reverse("equity:program", kwargs={"pk": row.program.id})
                            + f"?{_with(query, unit=None)}") for row in board.programs],
        )
    return render(request, "equity/dashboard.html", context)


def _query(request: HttpRequest, resolved: selectors.ResolvedUnit) -> Any:
    query = request.GET.copy()
    query.pop("print", None)
    query["unit"] = resolved.choice.key
    return query


def _with(query: Any, **changes: str | None) -> str:
    changed = query.copy()
    for key, value in changes.items():
        if value is None:
            changed.pop(key, None)
        else:
            changed[key] = value
    return str(changed.urlencode())


def _export_links(query: Any, table: str) -> dict[str, str]:
    base = reverse("equity:export")
    return {fmt: f"{base}?{_with(query, table=table, format=fmt)}" for fmt in exports.FORMATS}


def _ratio_text(row: selectors.GroupRow) -> str:
    if row.ratio is None:
        return _("hidden (privacy)") if row.hidden else _("not enough children to compare")
    text = _("%(ratio)s (%(low)s to %(high)s)") % {
        # number_format cuts decimals off: round first.
        "ratio": number_format(round(row.ratio, 2), 2), "low": number_format(round(row.ci_low or 0, 2), 2),
        "high": number_format(round(row.ci_high or 0, 2), 2),
    }
    return f"{text} {_('ARR')}" if row.ratio_method == "arr" else text


def _trend_text(point: Any) -> str:
    """A year with a risk reads as a percentage; otherwise say why there is none: no children that year,
    or a figure hidden from this reader."""
    if point.risk is not None:
        return _percent_text(point.risk)
    if point.enrolled.value == 0:
        return _("no children")
    return _("hidden")


def _percent_text(value: float | None) -> str:
    return _("hidden") if value is None else sentences.percent(value)


def _section(report: selectors.DimensionReport, board: selectors.Dashboard, query: Any) -> dict[str, Any]:
    """A dimension's table, charts, findings and export links."""
    outcome_label = str(Outcome(board.outcome).label)
    chart_id = f"chart-{report.dimension.replace(':', '-').replace('_', '-')}"
    forest = charts.forest_plot(
        [charts.ForestRow(label=row.label, ratio=row.ratio, low=row.ci_low, high=row.ci_high, text=_ratio_text(row),
                          alert=bool(row.alert)) for row in report.rows],
        chart_id=f"{chart_id}-forest",
        title=_("Risk ratios by %(dimension)s: %(outcome)s") % {"dimension": report.label.lower(),
                                                                 "outcome": outcome_label.lower()},
        description=_("Each group's risk ratio with its 95%% confidence interval on a log scale. A ratio of 1 means "
                      "as likely as the comparison group; groups without enough children have no marker.") % {},
        axis_label=_("Risk ratio (log scale)"), reference_label=_("1 = no difference"),
    )
    composition = charts.composition_chart(
        [charts.CompositionRow(
            label=row.label, share=row.enrollment_share, composition=row.child_composition,
            share_text=_("Enrolled: %(share)s") % {"share": _percent_text(row.enrollment_share)},
            composition_text=_("With the outcome: %(share)s") % {"share": _percent_text(row.child_composition)},
            alert_text=_("Alert") if row.alert else "",
        ) for row in report.rows],
        chart_id=f"{chart_id}-composition",
        title=_("Children with the outcome compared with enrolment, by %(dimension)s") % {
            "dimension": report.label.lower()},
        description=_("For each group, its share of the children enrolled and its share of the children with "
                      "the outcome. A group marked Alert is over its E-formula bound."),
        share_legend=_("Share of children enrolled"), composition_legend=_("Share of children with the outcome"),
    )
    trend = charts.trend_chart(
        [charts.TrendPanel(label=series.label, points=[
            (point.label, point.risk, _trend_text(point))
            for point in series.points
        ]) for series in report.trend],
        chart_id=f"{chart_id}-trend",
        title=_("Risk by school year, by %(dimension)s") % {"dimension": report.label.lower()},
        description=_("For each group, the share of its children with the outcome in each of the last three "
                      "school years."),
    )
    return {
        "report": report, "anchor": chart_id,
        # Built by charts.py, which escapes every text it writes.
        "forest_svg": mark_safe(forest),
        "composition_svg": mark_safe(composition),
        "trend_svg": mark_safe(trend),
        "findings": sentences.findings(report, board.outcome),
        "export": _export_links(query, report.dimension),
        "trend_export": _export_links(query, f"{exports.TREND_PREFIX}{report.dimension}"),
    }

"""Pre/post outcomes: for a group of episodes, per measure and scale, paired change with its effect sizes and
the share who improved, overall and by race/ethnicity and language; a chart of Hedges' g per scale with a data
table; the same figures as CSV or XLSX. Views parse the request, ask `outcome_selectors`, and render.

Access: "outcomes.view" (declared on both views); the selectors decide the unit and the sight (exact or
suppressed), answer 404 outside the scope, and audit every page and file.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from abrazo.core.decorators import requires
from abrazo.core.tabular import csv_bytes, xlsx_bytes
from abrazo.measures import outcome_charts as charts
from abrazo.measures import outcome_selectors as selectors
from abrazo.measures.outcome_forms import FIELDS, OutcomesForm
from abrazo.measures.outcomes import NotCalculated

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
DIGITS = 4


def _form(request: HttpRequest, unit: selectors.OutcomeUnit) -> OutcomesForm:
    asked = any(name in request.GET for name in FIELDS if name != "unit")
    return OutcomesForm(request.GET if asked else None, units=selectors.units_for(request.user),
                        unit_key=unit.key, instruments=selectors.instruments_for(unit))


@requires(selectors.PERMISSION)
def outcomes(request: HttpRequest) -> HttpResponse:
    unit = selectors.unit_from_key(user=request.user, key=request.GET.get("unit"))
    form = _form(request, unit)
    context: dict[str, Any] = {"form": form, "unit": unit, "report": None}
    if not form.is_bound or form.is_valid():
        report = selectors.report_for(user=request.user, unit=unit, filters=form.filters())
        query = request.GET.copy()
        query["unit"] = unit.key
        base = reverse("measures:outcomes-export")
        context.update(
            report=report,
            instruments=[_instrument_section(instrument) for instrument in report.instruments],
            exports={fmt: f"{base}?{_with(query, format=fmt)}" for fmt in FORMATS},
        )
    return render(request, "measures/outcomes/outcomes.html", context)


@requires(selectors.PERMISSION)
def outcomes_export(request: HttpRequest) -> HttpResponse:
    """Every figure of the page in one table (?format=csv|xlsx and the page's parameters), suppressed for
    evaluators as on the page; audited as an export."""
    file_format = request.GET.get("format", "csv")
    if file_format not in FORMATS:
        raise Http404
    unit = selectors.unit_from_key(user=request.user, key=request.GET.get("unit"))
    form = _form(request, unit)
    if form.is_bound and not form.is_valid():
        raise Http404
    report = selectors.report_for(user=request.user, unit=unit, filters=form.filters(), audit_action="export",
                                  audit_extra=[f"format={file_format}"])
    header, rows = export_table(report)
    name = f"outcomes-{slugify(unit.name) or unit.kind}"
    if file_format == "csv":
        content = csv_bytes(header, rows)
    else:
        content = xlsx_bytes(header, rows, sheet_title=_("Outcomes")[:31])
    response = HttpResponse(content, content_type=FORMATS[file_format])
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response


# --- the page ----------------------------------------------------------------------------------------


def _with(query: Any, **changes: str) -> str:
    changed = query.copy()
    for key, value in changes.items():
        changed[key] = value
    return str(changed.urlencode())


def _number(value: float | None, digits: int = 2) -> str:
    # number_format cuts decimals off: round first.
    return number_format(round(value, digits), digits)


def direction_text(higher_is_better: bool) -> str:
    return _("higher is better") if higher_is_better else _("lower is better")


def reason_text(stats: selectors.GroupStats, statistic: str) -> str:
    """Why a statistic is blank, in words."""
    reason = stats.reasons.get(statistic)
    if stats.withheld or reason == NotCalculated.WITHHELD_SMALL_GROUP:
        return _("withheld: too few pairs to publish")
    if reason in (NotCalculated.NO_PAIRS, NotCalculated.TOO_FEW_PAIRS, NotCalculated.TOO_FEW_PAIRS_FOR_CORRECTION):
        return _("too few pairs")
    if reason in (NotCalculated.NO_SPREAD_IN_CHANGE, NotCalculated.NO_SPREAD_IN_SCORES,
                  NotCalculated.CORRELATION_UNDEFINED, NotCalculated.NO_SPREAD_AT_PRE):
        return _("no spread in the scores")
    return _("not calculated")


def _g_text(stats: selectors.GroupStats) -> str:
    if stats.hedges_g is None:
        return reason_text(stats, "hedges_g")
    if stats.g_ci_low is None or stats.g_ci_high is None:
        return _number(stats.hedges_g)
    return _("%(value)s (%(low)s to %(high)s)") % {
        "value": _number(stats.hedges_g), "low": _number(stats.g_ci_low), "high": _number(stats.g_ci_high)}


def _instrument_section(instrument: selectors.InstrumentReport) -> dict[str, Any]:
    chart_id = f"outcomes-{instrument.id}"
    chart = charts.estimate_chart(
        [charts.EstimateRow(
            label=f"{scale.name} ({direction_text(scale.higher_is_better)})", value=scale.overall.hedges_g,
            low=scale.overall.g_ci_low, high=scale.overall.g_ci_high, text=_g_text(scale.overall),
        ) for scale in instrument.scales],
        chart_id=chart_id,
        title=_("Effect size of the change from pre to post: %(measure)s") % {"measure": instrument.name},
        description=_("For each scale, Hedges' g (the mean change in standard deviations of the scores) with its "
                      "95%% confidence interval. Above 0 the scores went up, below 0 they went down; whether "
                      "that is an improvement depends on the scale's direction, written beside its name.") % {},
        axis_label=_("Hedges' g"), reference_label=_("0 = no change"),
    )
    return {"instrument": instrument, "anchor": chart_id, "chart_svg": mark_safe(chart)}  # charts escape text


# --- the export --------------------------------------------------------------------------------------


def _count(count: selectors.Count | None) -> Any:
    if count is None:
        return None
    return count.label if count.value is None else count.value


def _round(value: float | None) -> Any:
    return None if value is None else round(value, DIGITS)


def export_table(report: selectors.Report) -> tuple[list[str], list[list[Any]]]:
    """One row per measure, scale and group (the overall row first), as the person sees them on the page."""
    header = [
        _("Measure"), _("Scale"), _("Direction"), _("Reliability"), _("Breakdown"), _("Group"), _("Pairs"),
        _("Mean pre"), _("Mean post"), _("Mean change"), _("95% CI low"), _("95% CI high"), _("SD of change"),
        _("Paired t-test p"), _("Cohen's d_z"), _("Hedges' g"), _("g 95% CI low"), _("g 95% CI high"),
        _("Improved"), _("Improved share"), _("Worse"), _("Worse share"), _("Unchanged"), _("Unchanged share"),
        _("Reliably improved"), _("Reliably improved share"), _("Reliably worse"), _("Reliably worse share"),
        _("Note"),
    ]
    rows: list[list[Any]] = []
    for instrument in report.instruments:
        for scale in instrument.scales:
            groups = [(str(selectors.BREAKDOWN_LABELS[selectors.ALL]), scale.overall)]
            groups += [(breakdown.label, stats) for breakdown in scale.breakdowns for stats in breakdown.groups]
            for breakdown_label, stats in groups:
                rows.append([
                    instrument.name, scale.name, direction_text(scale.higher_is_better), scale.reliability,
                    breakdown_label, stats.label, _count(stats.n),
                    *(_round(getattr(stats, name)) for name in (
                        "mean_pre", "mean_post", "mean_change", "ci_low", "ci_high", "sd_change", "p_value", "d_z",
                        "hedges_g", "g_ci_low", "g_ci_high")),
                    _count(stats.improved), _round(stats.share_improved), _count(stats.worse),
                    _round(stats.share_worse), _count(stats.unchanged), _round(stats.share_unchanged),
                    _count(stats.reliably_improved), _round(stats.share_reliably_improved),
                    _count(stats.reliably_worse), _round(stats.share_reliably_worse),
                    _("withheld: too few pairs to publish") if stats.withheld else "",
                ])
    return header, rows

"""The workforce capacity report: who applied and who took part by race/ethnicity and language, completion, where
graduates work, and coverage of the requests the network receives; tables with a chart beside each; the same
figures as CSV or XLSX. Views parse the request, ask `capacity_selectors`, and render.

Access: "workforce.report" on both views; the selectors decide the network and the sight (exact or published)
and audit every page and file.
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
from django.utils.translation import ngettext

from abrazo.core.decorators import requires
from abrazo.core.tabular import csv_bytes, xlsx_bytes
from abrazo.equity.selectors import HIDDEN_LABEL
from abrazo.equity.suppression import Count
from abrazo.workforce import capacity
from abrazo.workforce import capacity_charts as charts
from abrazo.workforce import capacity_selectors as selectors
from abrazo.workforce.capacity_forms import FIELDS, CapacityForm

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
DIGITS = 4


def _form(request: HttpRequest) -> tuple[CapacityForm, selectors.NetworkChoice, list[tuple[Any, str]]]:
    """The form of the page's question, the network it is about (404 outside the person's), and its regions."""
    networks = selectors.networks_for(request.user)
    network = selectors.network_from_key(user=request.user, key=request.GET.get("network"), choices=networks)
    regions = selectors.region_choices(user=request.user, network=network)
    asked = any(name in request.GET for name in FIELDS if name != "network")
    form = CapacityForm(
        request.GET if asked else None, networks=networks, network=network,
        cohorts=selectors.cohort_choices(user=request.user, network=network), regions=regions,
    )
    return form, network, regions


@requires(selectors.REPORT)
def capacity_report(request: HttpRequest) -> HttpResponse:
    form, network, regions = _form(request)
    context: dict[str, Any] = {"form": form, "network": network, "report": None}
    if not form.is_bound or form.is_valid():
        filters = form.filters()
        report = selectors.report_for(user=request.user, network=network, filters=filters, regions=regions)
        context["cohorts_ignored"] = not report.exact and bool(filters.cohort_ids)
        query = request.GET.copy()
        query["network"] = network.key
        base = reverse("workforce:capacity-export")
        context.update(
            report=report, figures=report.figures, coverage=report.coverage,
            compositions=[_composition_section(report, dimension) for dimension in capacity.DIMENSIONS],
            completion=_completion_section(report), work=_work_section(report),
            coverage_section=_coverage_section(report),
            exports={fmt: f"{base}?{_with(query, format=fmt)}" for fmt in FORMATS},
            note=not_reported_note(), sight_note=sight_note(report),
        )
    return render(request, "workforce/capacity/report.html", context)


# A file leaves Abrazo: it also needs "export.download" (issue 8), checked before the page's own permission.
@requires("export.download")
@requires(selectors.REPORT)
def capacity_export(request: HttpRequest) -> HttpResponse:
    """Every figure of the page in one long table (?format=csv|xlsx and the page's parameters), in the same sight
    as the page; audited as an export."""
    file_format = request.GET.get("format", "csv")
    if file_format not in FORMATS:
        raise Http404
    form, network, regions = _form(request)
    if form.is_bound and not form.is_valid():
        raise Http404
    report = selectors.report_for(user=request.user, network=network, filters=form.filters(), audit_action="export",
                                  audit_extra=[f"format={file_format}"], regions=regions)
    header, rows = export_table(report)
    name = f"workforce-capacity-{slugify(network.name) or 'network'}{'' if report.exact else '-published'}"
    if file_format == "csv":
        content = csv_bytes(header, rows)
    else:
        content = xlsx_bytes(header, rows, sheet_title=_("Workforce capacity")[:31])
    response = HttpResponse(content, content_type=FORMATS[file_format])
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response


# --- words shared by the page and the export ------------------------------------------------------------


def not_reported_note() -> str:
    return _("People who left a question blank are counted as “not reported”. So the total who answered the "
             "race/ethnicity question and the total who answered about languages may differ; each adds up to "
             "everyone once “not reported” is included. Shares are of everyone, “not reported” included.")


def sight_note(report: selectors.CapacityReport) -> str:
    if report.exact:
        return _("Exact counts.")
    return _("Published version, every cohort: each count of 1 to %(high)s participants or applicants reads "
             "“hidden”, and so do a few other counts, so that no small count can be worked out from the totals; "
             "shares and rates that depend on a hidden count are not shown. Each cohort's participants, still "
             "enrolled, completed and withdrawn are shown exactly, however small, as on the cohort pages, and the "
             "counts hidden around them are chosen with them known. Applicants are shown as those not "
             "enrolled (all applicants together would let the two tables be compared), and graduates' coverage is "
             "not shown. Requests and consultants are counts of services and staff and are shown as they "
             "are.") % {"high": report.high}


def gap_rule_text(coverage: capacity.Coverage) -> str:
    if coverage.overall_ratio is None:
        return _("The network has no active consultant, so every area with requests has a gap.")
    return _("An area has a gap in a language when it received requests in it and no consultant serving it speaks "
             "it, or when its requests per such consultant are more than %(factor)s times the network's "
             "%(ratio)s requests per consultant (more than %(threshold)s).") % {
        "factor": number_format(coverage.gap_factor, 0), "ratio": _number(coverage.overall_ratio, 1),
        "threshold": _number(coverage.threshold, 1)}


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return number_format(round(value, digits), digits)


def _percent(value: float | None) -> str:
    # Whole percentages of at most 100 need no localised separators.
    return "—" if value is None else f"{round(value * 100)}%"


def _cell_share(value: float | None) -> str:
    """A share written after its count in a table cell ("" when not shown)."""
    return "" if value is None else f"({round(value * 100)}%)"


def _with(query: Any, **changes: str) -> str:
    changed = query.copy()
    for key, value in changes.items():
        changed[key] = value
    return str(changed.urlencode())


# --- the page's sections ---------------------------------------------------------------------------------


def _composition_section(report: selectors.CapacityReport, dimension: str) -> dict[str, Any]:
    labels = report.group_labels[dimension]
    participants = report.figures.table(capacity.PARTICIPANTS, dimension)
    not_enrolled = report.figures.table(capacity.NOT_ENROLLED, dimension)
    anchor = f"capacity-{dimension}"
    rows = [
        charts.PairRow(
            label=labels.get(group, group),
            first=not_enrolled.overall.shares.get(group),
            first_text=_("Not enrolled: %(share)s") % {
                "share": _share_text(not_enrolled.overall.shares.get(group), not_enrolled.overall.groups[group])},
            second=participants.overall.shares.get(group),
            second_text=_("Participants: %(share)s") % {
                "share": _share_text(participants.overall.shares.get(group), participants.overall.groups[group])},
        )
        for group in participants.groups
    ]
    name = str(selectors.DIMENSION_LABELS[dimension]).lower()
    chart = charts.paired_chart(
        rows, chart_id=f"{anchor}-chart",
        title=_("Participants and applicants not enrolled by %(dimension)s, every cohort shown") % {
            "dimension": name},
        description=_("For each group, its share of the applicants who were not enrolled (thin grey bar) and of the "
                      "participants (thick bar), “not reported” included. The tables below hold the counts."),
        first_legend=_("Applicants not enrolled"), second_legend=_("Participants"),
    )
    return {
        "dimension": dimension, "label": name, "anchor": anchor,
        "groups": [(group, labels.get(group, group)) for group in participants.groups],
        "tables": [
            {"caption": _("%(population)s by %(dimension)s") % {
                "population": selectors.POPULATION_LABELS[population], "dimension": name},
             "anchor": f"{anchor}-{population}",
             "rows": [_composition_cells(row, labels) for row in report.figures.table(population, dimension).rows],
             "overall": _composition_cells(report.figures.table(population, dimension).overall, labels)}
            for population in report.figures.populations
        ],
        "chart_svg": mark_safe(chart),  # charts escape every text
    }


def _composition_cells(row: capacity.CompositionRow, labels: dict[str, str]) -> dict[str, Any]:
    return {"label": row.label, "answered": row.answered, "everyone": row.everyone,
            "cells": [(labels.get(group, group), count, _cell_share(row.shares[group]))
                      for group, count in row.groups.items()]}


def _share_text(value: float | None, count: Count) -> str:
    """A share as a percentage; a hidden count as its label; a count whose share is hidden as the count."""
    if count.value is None:
        return str(count)
    if value is None:
        return ngettext("%(count)s person", "%(count)s people", count.value) % {"count": count.value}
    return _percent(value)


def _completion_section(report: selectors.CapacityReport) -> dict[str, Any]:
    figures = report.figures
    overall = figures.completion_overall.rate
    by_group = []
    for dimension, rows in figures.completion_by_group.items():
        labels = report.group_labels[dimension]
        label = selectors.DIMENSION_LABELS[dimension]
        chart = charts.bar_chart(
            [charts.BarRow(label=labels.get(row.key, row.key), value=row.rate_percent,
                           text=_percent(row.rate) if row.rate is not None else _rate_reason(row)) for row in rows],
            chart_id=f"capacity-completion-{dimension}",
            title=_("Completion rate by %(dimension)s, every cohort shown") % {"dimension": str(label).lower()},
            description=_("Of the participants who completed or withdrew, the share who completed, per group; the "
                          "dashed line is the rate of every participant shown. The table beside it holds the same "
                          "figures."),
            reference=None if overall is None else overall * 100,
            reference_label=_("All: %(rate)s") % {"rate": _percent(overall)}, maximum=100,
        )
        by_group.append({
            "label": label, "anchor": f"capacity-completion-{dimension}",
            "caption": _("Completion by %(dimension)s, every cohort shown") % {"dimension": str(label).lower()},
            "rows": [(labels.get(row.key, row.key), row, _percent(row.rate)) for row in rows],
            "chart_svg": mark_safe(chart),
        })
    return {"rows": [(row.label, row, _percent(row.rate)) for row in figures.completion],
            "overall": [(figures.completion_overall.label, figures.completion_overall,
                         _percent(figures.completion_overall.rate))],
            "by_group": by_group}


def _rate_reason(row: capacity.CompletionRow) -> str:
    if row.completed.value is None or row.withdrawn.value is None:
        return str(HIDDEN_LABEL)
    return _("nobody has finished yet")


def _work_cells(row: capacity.WorkRow) -> dict[str, Any]:
    return {"label": row.label, "graduates": row.graduates,
            "cells": [(selectors.WORKPLACE_LABELS[place], row.places[place], _cell_share(row.shares[place]))
                      for place in capacity.WORKPLACES]}


def _work_section(report: selectors.CapacityReport) -> dict[str, Any]:
    overall = report.figures.work_overall
    chart = charts.bar_chart(
        [charts.BarRow(label=str(selectors.WORKPLACE_LABELS[place]), value=overall.percent(place),
                       text=str(overall.places[place]) + (f" ({_percent(overall.shares[place])})"
                                                         if overall.shares[place] is not None else ""))
         for place in capacity.WORKPLACES],
        chart_id="capacity-work-chart", title=_("Where graduates work now, every cohort shown"),
        description=_("Graduates by where they work now, as a share of every graduate; counts are written beside "
                      "each bar. The table beside it holds the same figures per cohort."),
        maximum=100,
    )
    return {"places": [selectors.WORKPLACE_LABELS[place] for place in capacity.WORKPLACES],
            "rows": [_work_cells(row) for row in report.figures.work], "overall": _work_cells(overall),
            "chart_svg": mark_safe(chart)}


def _gap_label(gap: str) -> str:
    return str(selectors.GAP_LABELS[gap]) if gap else ""


def _coverage_section(report: selectors.CapacityReport) -> dict[str, Any]:
    coverage = report.coverage
    names = report.language_names
    chart = charts.bar_chart(
        [charts.BarRow(
            label=region.label, value=line.per_consultant,
            text=_gap_details(line),
            flag=_gap_label(line.gap))
         for region in coverage.regions if (line := region.line(capacity.SPANISH)) is not None],
        chart_id="capacity-coverage-chart",
        title=_("Requests in Spanish per Spanish-speaking consultant, by region"),
        description=_("For each region, the requests received in Spanish in the period divided by the "
                      "Spanish-speaking consultants serving one of its counties; the dashed line is the gap "
                      "threshold. Regions with a gap are marked ⚠ and say so in words. The table below holds the "
                      "same figures, for every language."),
        reference=coverage.threshold,
        reference_label=_("Gap above %(threshold)s") % {"threshold": _number(coverage.threshold)},
    )

    def lines(area: capacity.AreaCoverage) -> list[tuple[str, capacity.CoverageLine, str, str]]:
        """Every request and Spanish always; other languages where the area received requests in them."""
        return [(names.get(line.language, line.language), line, _gap_label(line.gap), _number(line.per_consultant))
                for line in area.lines
                if line.requests or line.language in (capacity.ALL_LANGUAGES, capacity.SPANISH)]

    def gap(area: capacity.AreaCoverage, line: capacity.CoverageLine) -> dict[str, Any]:
        return {"area": area.label, "language": names.get(line.language, line.language),
                "gap": _gap_label(line.gap), "details": _gap_details(line)}

    regions: list[dict[str, Any]] = []
    for region in coverage.regions:
        regions.append({
            "label": region.label, "anchor": f"capacity-region-{region.key}", "lines": lines(region),
            "gaps": len(region.gaps) + sum(len(county.gaps) for county in region.counties),
            "county_gaps": [gap(county, line) for county in region.counties for line in county.gaps],
            "counties": [{"label": county.label, "anchor": f"capacity-county-{county.key}", "lines": lines(county)}
                         for county in region.counties],
        })
    network = coverage.network
    return {"chart_svg": mark_safe(chart), "rule": gap_rule_text(coverage), "regions": regions,
            "network": {"label": network.label, "lines": lines(network)},
            "gaps": [gap(network, line) for line in network.gaps]
            + [gap(region, line) for region in coverage.regions for line in region.gaps],
            "county_gaps": sum(len(region["county_gaps"]) for region in regions)}


def _gap_details(line: capacity.CoverageLine) -> str:
    requests = ngettext("%(count)s request", "%(count)s requests", line.requests) % {"count": line.requests}
    if line.per_consultant is None:
        return requests
    consultants = ngettext("%(count)s consultant", "%(count)s consultants", line.consultants) % {
        "count": line.consultants}
    return _("%(requests)s for %(consultants)s: %(ratio)s each") % {
        "requests": requests, "consultants": consultants, "ratio": _number(line.per_consultant)}


# --- the export -----------------------------------------------------------------------------------------


def _count(count: Count) -> Any:
    return count.label if count.value is None else count.value


def _round(value: float | None) -> Any:
    return None if value is None else round(value, DIGITS)


def export_table(report: selectors.CapacityReport) -> tuple[list[str], list[list[Any]]]:
    """Every figure as one row: table, row (cohort, group or area), group or language, measure, value."""
    header = [_("Table"), _("Row"), _("Group or language"), _("Measure"), _("Value")]
    start, end = report.period
    rows: list[list[Any]] = [
        [_("Notes"), "", "", _("Sight"), sight_note(report)],
        [_("Notes"), "", "", _("Not reported"), not_reported_note()],
        [_("Notes"), "", "", _("Requests received"), f"{start.isoformat()}/{end.isoformat()}"],
    ]
    figures = report.figures
    count_label, share_label = _("Count"), _("Share")
    for dimension in capacity.DIMENSIONS:
        labels = report.group_labels[dimension]
        for population in figures.populations:
            table = figures.table(population, dimension)
            title = _("%(population)s by %(dimension)s") % {
                "population": selectors.POPULATION_LABELS[population],
                "dimension": str(selectors.DIMENSION_LABELS[dimension]).lower()}
            for row in [*table.rows, table.overall]:
                for group in table.groups:
                    rows.append([title, row.label, labels.get(group, group), count_label, _count(row.groups[group])])
                    rows.append([title, row.label, labels.get(group, group), share_label, _round(row.shares[group])])
                rows.append([title, row.label, _("Total who answered"), count_label, _count(row.answered)])
                rows.append([title, row.label, _("Everyone"), count_label, _count(row.everyone)])
    completion = _("Completion")
    for completed in [*figures.completion, figures.completion_overall]:
        _completion_rows(rows, completion, completed.label, completed)
    for dimension, group_rows in figures.completion_by_group.items():
        title = _("Completion by %(dimension)s") % {"dimension": str(selectors.DIMENSION_LABELS[dimension]).lower()}
        for group_row in group_rows:
            _completion_rows(rows, title, report.group_labels[dimension].get(group_row.key, group_row.key), group_row)
    work = _("Where graduates work")
    for work_row in [*figures.work, figures.work_overall]:
        rows.append([work, work_row.label, _("Graduates"), count_label, _count(work_row.graduates)])
        for place in capacity.WORKPLACES:
            label = str(selectors.WORKPLACE_LABELS[place])
            rows.append([work, work_row.label, label, count_label, _count(work_row.places[place])])
            rows.append([work, work_row.label, label, share_label, _round(work_row.shares[place])])
    coverage = report.coverage
    title = _("Coverage of requests")
    rows.append([title, coverage.network.label, "", _("Requests per consultant (gap threshold)"),
                 _round(coverage.threshold)])
    areas = [(coverage.network.label, coverage.network)]
    for region in coverage.regions:
        areas.append((region.label, region))
        areas += [(f"{region.label} / {county.label}", county) for county in region.counties]
    for label, area in areas:
        for line in area.lines:
            language = report.language_names.get(line.language, line.language)
            rows += [
                [title, label, language, _("Requests"), line.requests],
                [title, label, language, _("Consultants who speak it"), line.consultants],
                [title, label, language, _("Graduates in the field who speak it"), _count(line.graduates)],
                [title, label, language, _("Requests per consultant"), _round(line.per_consultant)],
                [title, label, language, _("Gap"), _gap_label(line.gap)],
            ]
    return header, rows


def _completion_rows(rows: list[list[Any]], title: str, label: str, row: capacity.CompletionRow) -> None:
    rows.append([title, label, "", _("Participants"), _count(row.participants)])
    for status, count in ((capacity.ENROLLED, row.enrolled), (capacity.COMPLETED, row.completed),
                          (capacity.WITHDRAWN, row.withdrawn)):
        rows.append([title, label, "", str(selectors.STATUS_LABELS[status]), _count(count)])
    rows.append([title, label, "", _("Completion rate"), _round(row.rate)])

"""The network report: a form (scope and period), the report with its tables, charts and maps, a printable
layout, a PDF, and each table as CSV or XLSX. Views parse, ask report_selectors / report_sections, audit, render.

Access: "report.view" (exact, within the person's reach) or "report.view_suppressed" (evaluators); anyone else,
and any scope outside the person's reach, gets a 404. Files (CSV, XLSX and the PDF, which all leave Abrazo) need
"export.download" as well. Every page is audited as a view of a "report" object, every file as an export; the
object id is the scope and the parameters go in object_ids (aggregates: no record id is involved).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.decorators import requires, signed_in
from abrazo.core.streaming import attachment_header
from abrazo.reports import export_service, report_pdf, report_sections
from abrazo.reports import report_engine as engine
from abrazo.reports import report_selectors as selectors
from abrazo.reports.report_forms import ReportForm

FORMATS = ("csv", "xlsx")


def _audit(request: HttpRequest, sight: selectors.Sight, period: engine.Period, action: str,
           extra: tuple[str, ...] = ()) -> None:
    selectors.record_report(user=request.user, sight=sight, period=period, action=action, extra=extra)


def _resolve(request: HttpRequest) -> tuple[ReportForm, selectors.Sight | None, engine.Period | None]:
    """The form and, when it is valid, the sight and period. 404 for no permission or a scope out of reach
    (report_sections.resolve, shared with the API)."""
    data = request.GET if any(name in request.GET for name in ("scope", "period")) else None
    return report_sections.resolve(request.user, data, today=timezone.localdate())


def _period_label(period: engine.Period) -> str:
    return _("%(start)s to %(end)s") % {"start": date_format(period.start, "DATE_FORMAT"),
                                        "end": date_format(period.end, "DATE_FORMAT")}


def _context(request: HttpRequest, *, printing: bool) -> dict[str, Any]:
    form, sight, period = _resolve(request)
    context: dict[str, Any] = {"form": form, "report": None, "printing": printing}
    if sight is None or period is None:
        return context
    report = report_sections.build(sight, period)
    maps: list[dict[str, Any]] = []
    if sight.exact:
        # A state without county shapes (e.g. Puerto Rico) gets the maps' tables without the maps.
        maps = report_sections.county_maps(report, state_fips=selectors.state_fips_of(sight.network))
        for item in maps:
            item["svg"] = mark_safe(item["svg"])  # built by county_map, every text in it escaped there
    for section in report.sections:
        for table in section.tables:
            table.chart = mark_safe(table.chart)
    _audit(request, sight, period, Action.VIEW, ("print",) if printing else ())
    query = request.GET.urlencode()
    context.update({
        "report": report, "sight": sight, "maps": maps, "query": query,
        "period_label": _period_label(period), "previous_label": _period_label(report.previous),
        "may_download": selectors.may_download(request.user), "hidden_label": selectors.HIDDEN,
    })
    return context


# The pages are open to either report permission (exact or suppressed), which @requires cannot say: they are declared
# @signed_in for the permission matrix (every role holds one of the two) and _resolve answers 404 to anyone else.
@signed_in
def report(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/report.html", _context(request, printing=False))


@signed_in
def report_print(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/print.html", _context(request, printing=True))


def _file_sight(request: HttpRequest) -> tuple[selectors.Sight, engine.Period]:
    if not selectors.may_view(request.user) or not selectors.may_download(request.user):
        audit.record_denied(user=request.user, object_type="report", action=Action.EXPORT)
        raise Http404
    _form, sight, period = _resolve(request)
    if sight is None or period is None:
        raise Http404
    return sight, period


@requires(selectors.EXPORT)
def download(request: HttpRequest) -> HttpResponse:
    """One table of the report as CSV or XLSX (?table=<key>&format=csv|xlsx and the report's parameters)."""
    sight, period = _file_sight(request)
    file_format = request.GET.get("format", "csv")
    if file_format not in FORMATS:
        raise Http404
    built = report_sections.build(sight, period, with_equity=False)
    table = built.table(request.GET.get("table", "funnel"))
    if table is None:
        raise Http404
    header, rows = table.tabular()
    # The exports engineer's one door for report tables: checks export.download again, audits one export event,
    # and writes the file as every export is written (formula-safe CSV with BOM; typed XLSX).
    return export_service.export_table_response(
        user=request.user, name=f"report-{table.key}-{period.start.isoformat()}-{period.end.isoformat()}",
        header=[str(h) for h in header], rows=rows, file_format=file_format, object_type="report",
        audit_extra=(f"scope={sight.scope.key}", f"period={period.start.isoformat()}..{period.end.isoformat()}",
                     f"sight={'exact' if sight.exact else 'suppressed'}", f"table={table.key}"))


@requires(selectors.EXPORT)
def pdf(request: HttpRequest) -> HttpResponse:
    """The whole report (tables; charts are in the printable page) as a PDF in the reader's language."""
    sight, period = _file_sight(request)
    built = report_sections.build(sight, period)
    content = report_pdf.render(built, title=_("Network report"), scope_label=sight.scope.label,
                                period_label=_period_label(period), previous_label=_period_label(built.previous))
    _audit(request, sight, period, Action.EXPORT, ("format=pdf",))
    response = HttpResponse(content, content_type="application/pdf")
    name = f"report-{period.start.isoformat()}-{period.end.isoformat()}.pdf"
    response["Content-Disposition"] = attachment_header(name)
    return response

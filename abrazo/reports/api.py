"""The network report over the REST API: GET /api/v1/reports/network/ (token scope "reports:read").

The same question, answer and access as the web report (report_views.py), through the same shared functions:
report_sections.resolve checks the permission, the scope and the period (a scope out of reach is a 404 audited
as denied; evaluators get fixed scopes and whole quarters or years only), report_sections.build computes the
figures with the evaluators' suppression, and report_selectors.record_report audits the read as the page does.

What the answer holds: every table of the report (funnel, reach, services, timeliness, satisfaction), each row
with this period, the previous period and the change. A suppressed cell is `null` with `current_suppressed` /
`previous_suppressed` true, never its number. Not included: the charts and maps (pictures of the same figures)
and the equity summary, which has its own rules and its own audit on the equity dashboard.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from abrazo.api.base import ApiView
from abrazo.api.schema import ErrorSerializer
from abrazo.audit.models import Action
from abrazo.reports import report_engine as engine
from abrazo.reports import report_sections as sections
from abrazo.reports import report_selectors as selectors

# Dates outside these bounds are not a report anyone asks for, and the previous period of a day in year 1 does
# not exist (the fuzzer found such dates): refused as invalid.
EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2099, 12, 31)
# The form's field names, as the API's parameters name them.
FORM_TO_PARAMETER = {"start": "from", "end": "to", "__all__": "non_field_errors"}


class ReportQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The query parameters: a scope (kind and id) and a period (a preset, or from/to)."""

    scope = serializers.ChoiceField(
        choices=selectors.SCOPE_KINDS, required=False,
        help_text=gettext_lazy("What the report covers; with `id` (not needed for the network). Default: the "
                               "broadest scope you reach. Evaluators: network, region or county."))
    id = serializers.RegexField(
        r"^[0-9A-Za-z-]{1,64}$", required=False,
        help_text=gettext_lazy("The region's, program's or consultant's id (UUID), or the county's FIPS code."))
    period = serializers.ChoiceField(
        choices=engine.PRESETS, required=False,
        help_text=gettext_lazy("A period relative to today (fiscal years start in July). Default: "
                               "last_fiscal_year. Evaluators: fiscal years and quarters only."))

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        # "from" is a Python keyword: declared here rather than as class attributes.
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            required=False,
            help_text=gettext_lazy("First day of a period of your own (with `to`; not for evaluators)."))
        fields["to"] = serializers.DateField(
            required=False, help_text=gettext_lazy("Last day of a period of your own, inclusive (at most five years)."))
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("scope") not in (None, "network") and not attrs.get("id"):
            raise serializers.ValidationError({"id": [_("Give the id of the scope.")]}, code="required")
        if attrs.get("id") and not attrs.get("scope"):
            raise serializers.ValidationError({"scope": [_("Say what the id is the id of.")]}, code="required")
        dates = [name for name in ("from", "to") if attrs.get(name)]
        for name in dates:
            if not EARLIEST <= attrs[name] <= LATEST:
                raise serializers.ValidationError(
                    {name: [_("Give a day between %(earliest)s and %(latest)s.") % {
                        "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()}]}, code="invalid")
        if dates and len(dates) != 2:
            raise serializers.ValidationError({"from": [_("Give both dates of the period.")]}, code="required")
        if dates and attrs.get("period"):
            raise serializers.ValidationError({"period": [_("Give a period or dates, not both.")]}, code="invalid")
        return attrs


class ReportScopeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=selectors.SCOPE_KINDS)
    id = serializers.CharField()
    label = serializers.CharField()


class ReportPeriodSerializer(serializers.Serializer):  # type: ignore[type-arg]
    start = serializers.DateField()
    end = serializers.DateField(help_text=gettext_lazy("Inclusive."))


class ReportRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    label = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=[sections.COUNT, sections.HOURS, sections.PERCENT, sections.DAYS, sections.NUMBER],
        help_text=gettext_lazy("What the numbers are: a count, hours, a percent (0-100), days, or another number."))
    current = serializers.FloatField(
        allow_null=True, help_text=gettext_lazy("This period; null when suppressed or not available."))
    previous = serializers.FloatField(
        allow_null=True, help_text=gettext_lazy("The previous period of the same length; null when suppressed or "
                                                "not available."))
    current_suppressed = serializers.BooleanField(
        help_text=gettext_lazy("True: this period's figure is hidden (too few to show; evaluators only)."))
    previous_suppressed = serializers.BooleanField()
    change = serializers.FloatField(allow_null=True, help_text=gettext_lazy("current - previous."))
    change_percent = serializers.FloatField(allow_null=True,
                                            help_text=gettext_lazy("The change in % of previous."))


class ReportTableSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField(help_text=gettext_lazy("Stable: funnel, reach, reach_setting, services_total..."))
    title = serializers.CharField()
    label_header = serializers.CharField(help_text=gettext_lazy("What the rows' labels are (e.g. Modality)."))
    rows = ReportRowSerializer(many=True)


class ReportSectionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField()
    title = serializers.CharField()
    note = serializers.CharField(help_text=gettext_lazy("Why something is withheld here, if it is."))
    tables = ReportTableSerializer(many=True)


class NetworkReportSerializer(serializers.Serializer):  # type: ignore[type-arg]
    scope = ReportScopeSerializer()
    sight = serializers.ChoiceField(
        choices=["exact", "suppressed"],
        help_text=gettext_lazy("exact: every figure from the records you reach; suppressed (evaluators): "
                               "small counts hidden."))
    period = ReportPeriodSerializer()
    previous_period = ReportPeriodSerializer()
    sections = ReportSectionSerializer(many=True)


def _number(value: float | None, hidden: bool) -> float | None:
    return None if hidden or value is None else round(float(value), 2)


def report_payload(report: sections.Report) -> dict[str, Any]:
    """The report as NetworkReportSerializer's data. A hidden cell is None whatever value the row holds, and its
    change is None, so that no number of a suppressed cell can leave."""
    scope = report.sight.scope
    payload_sections = []
    for section in report.sections:
        tables = []
        for table in section.tables:
            rows = []
            for row in table.rows:
                hidden = row.hidden_current or row.hidden_previous
                change = row.change
                rows.append({
                    "label": str(row.label), "kind": row.kind,
                    "current": _number(row.current, row.hidden_current),
                    "previous": _number(row.previous, row.hidden_previous),
                    "current_suppressed": row.hidden_current, "previous_suppressed": row.hidden_previous,
                    "change": _number(change.absolute, hidden),
                    "change_percent": None if hidden or change.percent is None else round(change.percent, 1),
                })
            tables.append({"key": table.key, "title": str(table.title), "label_header": str(table.label_header),
                           "rows": rows})
        if tables:
            payload_sections.append({"key": section.key, "title": str(section.title), "note": str(section.note),
                                     "tables": tables})
    return {
        "scope": {"kind": scope.kind, "id": scope.id, "label": scope.label},
        "sight": "exact" if report.sight.exact else "suppressed",
        "period": {"start": report.period.start, "end": report.period.end},
        "previous_period": {"start": report.previous.start, "end": report.previous.end},
        "sections": payload_sections,
    }


def _form_data(user: Any, query: dict[str, Any]) -> dict[str, Any]:
    """The API's parameters as the report form's fields (scope "kind:id", period, start, end)."""
    data: dict[str, Any] = {}
    kind = query.get("scope")
    if kind:
        network = getattr(user, "primary_network", None)
        data["scope"] = f"{kind}:{query.get('id') or (network.pk if kind == 'network' and network else '')}"
    if query.get("from"):
        data.update(period=engine.CUSTOM, start=query["from"].isoformat(), end=query["to"].isoformat())
    elif query.get("period"):
        data["period"] = query["period"]
    return data


_ERROR = OpenApiResponse(ErrorSerializer, description="An error; see docs/api.md.")


class NetworkReport(ApiView):
    """The network report: figures of this period against the previous one, for a scope you reach."""

    required_scope = "reports:read"
    permission: ClassVar[tuple[str, ...]] = (selectors.VIEW, selectors.VIEW_SUPPRESSED)
    serializer_class = NetworkReportSerializer

    @extend_schema(
        operation_id="reports_network_retrieve",
        parameters=[ReportQuerySerializer],
        responses={200: NetworkReportSerializer, 400: _ERROR, 401: _ERROR, 403: _ERROR, 404: _ERROR, 429: _ERROR},
        description=("The network report (funnel, reach, services, timeliness, satisfaction) with the previous "
                     "period and the change. Evaluators get suppressed figures: hidden cells are null with "
                     "`*_suppressed` true. A scope you do not reach answers 404."),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = _form_data(request.user, dict(query.validated_data))
        form, sight, period = sections.resolve(request.user, data, today=timezone.localdate())
        if sight is None or period is None:
            raise serializers.ValidationError({
                FORM_TO_PARAMETER.get(name, name): [error["message"] for error in errors]
                for name, errors in form.errors.get_json_data().items()
            })
        report = sections.build(sight, period, with_equity=False)
        # Audited as the web page is (a view of the "report" object, the scope and period), marked as the API's.
        selectors.record_report(user=request.user, sight=sight, period=period, action=Action.VIEW, extra=("api",))
        return Response(NetworkReportSerializer(report_payload(report)).data)


urlpatterns = [
    path("reports/network/", NetworkReport.as_view(), name="reports-network"),
]

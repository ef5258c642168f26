"""The report as a reader sees it: sections of tables (and a chart for each), built from the selectors' cells,
with the evaluators' suppression applied. No queries here except the few names looked up for labels; the
same objects feed the page, the print layout, the PDF and the CSV/XLSX downloads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.http import Http404
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.consultations.models import ActivityType, Modality
from abrazo.directory.models import SettingType
from abrazo.reports import report_charts as charts
from abrazo.reports import report_engine as engine
from abrazo.reports import report_selectors as selectors
from abrazo.reports.report_forms import ReportForm

COUNT, HOURS, PERCENT, DAYS, NUMBER = "count", "hours", "percent", "days", "number"


@dataclass
class Row:
    label: str
    current: float | None  # None: hidden (suppressed) or not available
    previous: float | None
    kind: str = COUNT
    hidden_current: bool = False
    hidden_previous: bool = False

    @property
    def change(self) -> engine.Change:
        return engine.change(self.current, self.previous)

    def text(self, value: float | None, hidden: bool) -> str:
        if hidden:
            return selectors.HIDDEN
        if value is None:
            return "—"
        if self.kind == COUNT:
            return number_format(round(value), use_l10n=True, force_grouping=True)
        if self.kind == PERCENT:
            return number_format(value, 1, use_l10n=True) + " %"
        return number_format(value, 1, use_l10n=True, force_grouping=True)

    @property
    def current_text(self) -> str:
        return self.text(self.current, self.hidden_current)

    @property
    def previous_text(self) -> str:
        return self.text(self.previous, self.hidden_previous)

    @property
    def change_text(self) -> str:
        delta = self.change
        if delta.absolute is None:
            return "—"
        sign = "+" if delta.absolute > 0 else ""
        digits = 0 if self.kind == COUNT else 1
        absolute = sign + number_format(delta.absolute, digits, use_l10n=True, force_grouping=True)
        if delta.percent is None:
            return absolute
        return f"{absolute} ({sign}{number_format(delta.percent, 1, use_l10n=True)} %)"


@dataclass
class Table:
    key: str
    title: str
    rows: list[Row]
    label_header: str = ""
    chart: str = ""  # SVG

    def tabular(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows for CSV/XLSX: exact numbers, or the hidden label."""
        header = [self.label_header or _("Figure"), _("This period"), _("Previous period"), _("Change"),
                  _("Change (%)")]
        body = []
        for row in self.rows:
            change = row.change
            body.append([
                row.label,
                selectors.HIDDEN if row.hidden_current else (None if row.current is None else round(row.current, 2)),
                selectors.HIDDEN if row.hidden_previous else (None if row.previous is None else round(row.previous, 2)),
                None if change.absolute is None else round(change.absolute, 2),
                None if change.percent is None else round(change.percent, 1),
            ])
        return header, body


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    note: str = ""
    extra: Any = None  # the equity summary's board, the maps


@dataclass
class Report:
    sight: selectors.Sight
    period: engine.Period
    previous: engine.Period
    sections: list[Section]
    figures: selectors.Figures

    def table(self, key: str) -> Table | None:
        return next((t for s in self.sections for t in s.tables if t.key == key), None)


def resolve(user: Any, data: Mapping[str, Any] | None, *, today: dt.date
            ) -> tuple[ReportForm, selectors.Sight | None, engine.Period | None]:
    """The report's question (scope and period, as ReportForm fields) asked by `user`, checked the one way the web
    pages and the API share. `data` None: the unbound form (the broadest scope, last fiscal year).

    Raises Http404 (audited as denied) for a person without either report permission or for a scope out of
    their reach, and a plain Http404 for an evaluator's period that is not a whole quarter or year. Answers
    (form, None, None) when the form is otherwise invalid (its errors say why), else (form, sight, period).
    """
    if not selectors.may_view(user):
        audit.record_denied(user=user, object_type="report")
        raise Http404
    choices = selectors.scope_choices_for(user)
    if not choices:
        raise Http404
    exact = access.has_permission(user, selectors.VIEW)
    bound: dict[str, Any] | None = None
    if data is not None:
        bound = {name: data.get(name) for name in ("scope", "period", "start", "end") if data.get(name) is not None}
        bound.setdefault("scope", choices[0].key)  # the broadest scope, as on the unbound form
        bound.setdefault("period", "last_fiscal_year")
    form = ReportForm(bound, choices=choices, exact=exact, today=today)
    if bound is not None and not form.is_valid():
        # A scope not among the choices is out of reach: say nothing more than "not found".
        if "scope" in form.errors:
            audit.record_denied(user=user, object_type="report", object_id=str(bound.get("scope", ""))[:64])
            raise Http404
        return form, None, None
    scope_key, period = form.choice()
    sight = selectors.sight_for(user=user, scope_key=scope_key)
    if not sight.exact and (period.kind not in selectors.SUPPRESSED_PERIODS or not engine.is_whole(period)):
        raise Http404
    return form, sight, period


HIDDEN_KEPT_SECONDS = 24 * 60 * 60
HIDDEN_VERSION = 1


def _hidden_cells(figures: selectors.Figures, *, high: int) -> dict[str, frozenset[tuple[str, str]]]:
    """For evaluators: the cells at which each count is hidden. Solving the system costs seconds for a state, and
    its answer depends only on the counts, so it is kept for a day under a fingerprint of every count (any change
    of any count is another fingerprint)."""
    if figures.grid.exact:
        return {}
    payload = json.dumps([HIDDEN_VERSION, high, sorted(figures.additive), sorted(
        (name, sorted((f"{place}|{time}", round(value)) for (place, time), value in cells.items()))
        for name, cells in figures.cells.items()), [q.key for q in figures.satisfaction_questions],
        [list(p) for p in figures.grid.place_parts.items()], [list(t) for t in figures.grid.time_parts.items()]],
        default=list)
    key = "reports:hidden:" + hashlib.sha256(payload.encode()).hexdigest()
    stored = cache.get(key)
    if stored is None:
        found = _compute_hidden(figures, high=high)
        stored = {name: sorted(cells) for name, cells in found.items()}
        cache.set(key, stored, timeout=HIDDEN_KEPT_SECONDS)
    return {name: frozenset(tuple(cell) for cell in cells) for name, cells in stored.items()}


def _compute_hidden(figures: selectors.Figures, *, high: int) -> dict[str, frozenset[tuple[str, str]]]:
    """The cells at which each count is hidden (report_engine.suppress_cells), tables linked to their totals.
    Hours follow their visits; rates and medians follow their counts (in `_Builder`)."""
    cells = figures.cells
    # Only what an evaluator's report shows: no hours (they follow their visits), no county or region breakdowns
    # (evaluators choose the county or region as the scope instead), no breakdowns of children or episodes.
    counts = {name: values for name, values in cells.items()
              if "minutes" not in name and "@county:" not in name and "@region:" not in name
              and not name.startswith(("children@", "episodes_active@"))}
    # A second copy of the visits total carries the activity table, which partitions the same visits again.
    if "visits" in counts:
        counts["visits#activity"] = counts["visits"]
    for question in figures.satisfaction_questions:
        parts = [f"sat:{question.key}:{code}" for code in question.counted_codes]
        total: dict[tuple[str, str], float] = {}
        for part in parts:
            for cell, value in cells.get(part, {}).items():
                total[cell] = total.get(cell, 0) + value
        counts[f"satn:{question.key}"] = total
    categories: dict[str, tuple[str, ...]] = {
        "visits": tuple(n for n in counts if n.startswith("visits@modality:")),
        "visits#activity": tuple(n for n in counts if n.startswith("visits@activity:")),
    }
    for question in figures.satisfaction_questions:
        categories[f"satn:{question.key}"] = tuple(f"sat:{question.key}:{code}" for code in question.counted_codes)
    categories["programs"] = tuple(n for n in counts if n.startswith("programs@setting:"))
    grid = figures.grid
    linked = {name for total, parts in categories.items() for name in (total, *parts)}
    hidden: dict[str, frozenset[tuple[str, str]]] = {}
    county_cells = frozenset((place, time) for place in grid.places if place.startswith("county:")
                             for time in grid.whole)
    for is_additive in (True, False):
        chosen = {n: v for n, v in counts.items()
                  if (n in figures.additive or n.startswith(("satn:", "visits#"))) == is_additive}
        # Single figures: every county, region and the network. Tables linked to a total: the network and regions
        # (their county cells are withheld whole; see Grid.system).
        single = {n: v for n, v in chosen.items() if n not in linked}
        hidden.update(engine.suppress_cells(grid.system(additive=is_additive), _ints(single), high=high))
        tables = {n: v for n, v in chosen.items() if n in linked}
        found = engine.suppress_cells(grid.system(additive=is_additive, counties=False), _ints(tables),
                                      categories={k: v for k, v in categories.items() if k in tables}, high=high)
        hidden.update({name: cells | county_cells for name, cells in found.items()})
    hidden["visits"] = hidden.get("visits", frozenset()) | hidden.pop("visits#activity", frozenset())
    for suffix in ("minutes", "classroom_minutes"):
        for name in [n for n in cells if n.startswith(suffix)]:
            hidden[name] = hidden.get(name.replace(suffix, "visits", 1), frozenset())
    return hidden


def _ints(figures: Mapping[str, Mapping[tuple[str, str], float]]) -> dict[str, dict[tuple[str, str], int]]:
    return {name: {cell: round(value) for cell, value in cells.items()} for name, cells in figures.items()}


class _Builder:
    def __init__(self, figures: selectors.Figures, high: int) -> None:
        self.figures = figures
        self.grid = figures.grid
        self.hidden = _hidden_cells(figures, high=high)

    def is_hidden(self, name: str, which: str) -> bool:
        cell = self.grid.current if which == "cur" else self.grid.previous
        return cell in self.hidden.get(name, frozenset())

    def value(self, name: str, which: str, *, scale: float = 1) -> float | None:
        if self.is_hidden(name, which):
            return None
        cell = self.grid.current if which == "cur" else self.grid.previous
        return self.figures.cells.get(name, {}).get(cell, 0.0) * scale

    def count(self, label: str, name: str, *, kind: str = COUNT, scale: float = 1, hide_as: str | None = None) -> Row:
        gate = hide_as or name
        return Row(label, self.value(name, "cur", scale=scale), self.value(name, "prev", scale=scale), kind,
                   self.is_hidden(gate, "cur"), self.is_hidden(gate, "prev"))

    def rate(self, label: str, numerator: str, denominator: str) -> Row:
        values = []
        hidden = []
        for which in ("cur", "prev"):
            gone = self.is_hidden(numerator, which) or self.is_hidden(denominator, which)
            hidden.append(gone)
            values.append(None if gone else engine.rate(int(self.value(numerator, which) or 0),
                                                        int(self.value(denominator, which) or 0)))
        return Row(label, values[0], values[1], PERCENT, hidden[0], hidden[1])

    def distribution(self, label: str, name: str, statistic: Callable[[Mapping[float, int]], float | None],
                     gate: str | None, kind: str) -> Row:
        values = []
        hidden = []
        for which in ("cur", "prev"):
            gone = gate is not None and self.is_hidden(gate, which)
            histogram = self.figures.distributions.get(name, {}).get(which, {})
            hidden.append(gone)
            values.append(None if gone else statistic(histogram))
        return Row(label, values[0], values[1], kind, hidden[0], hidden[1])

    def breakdown(self, name: str, dimension: str, labels: Mapping[str, str], *, kind: str = COUNT,
                  scale: float = 1, gate_prefix: str | None = None) -> list[Row]:
        prefix = f"{name}@{dimension}:"
        codes = sorted({n[len(prefix):] for n in self.figures.cells if n.startswith(prefix)},
                       key=lambda code: str(labels.get(code, code)).lower())
        rows = []
        for code in codes:
            gate = f"{gate_prefix}@{dimension}:{code}" if gate_prefix else None
            rows.append(self.count(str(labels.get(code, code)), f"{prefix}{code}", kind=kind, scale=scale,
                                   hide_as=gate))
        return rows


def _median(histogram: Mapping[float, int]) -> float | None:
    return engine.weighted_percentile(histogram, 50)


def _p90(histogram: Mapping[float, int]) -> float | None:
    return engine.weighted_percentile(histogram, 90)


def _n(histogram: Mapping[float, int]) -> float | None:
    return float(sum(histogram.values()))


def _chart(table: Table, title: str, current_legend: str, previous_legend: str) -> str:
    bars = [charts.Bar(row.label, row.current, row.previous, row.current_text, row.previous_text)
            for row in table.rows]
    description = _("%(title)s: this period against the previous one. The same figures are in the table.") % {
        "title": title}
    return charts.comparison_bars(bars, chart_id=f"chart-{table.key}", title=title, description=description,
                                  current_legend=current_legend, previous_legend=previous_legend)


def build(sight: selectors.Sight, period: engine.Period, *, high: int = 10, with_equity: bool = True) -> Report:
    figures = selectors.report_figures(sight, period)
    b = _Builder(figures, high)
    grid = figures.grid
    sections: list[Section] = []

    funnel = Table("funnel", _("Funnel"), [
        b.count(_("Requests received"), "requests"),
        b.count(_("Episodes opened (with consent where a child is at the centre)"), "opened_consented"),
        b.count(_("Episodes opened, all"), "opened"),
        b.count(_("Episodes closed"), "closed"),
        b.count(_("Closed successfully"), "closed_successfully"),
        b.rate(_("Closed successfully, % of closed"), "closed_successfully", "closed"),
        b.count(_("Child maintained in the setting at closure"), "maintained_closure"),
        b.rate(_("Maintained at closure, % of child episodes closed"), "maintained_closure",
               "maintained_closure_known"),
        b.count(_("Follow-ups completed"), "followups"),
        b.count(_("Child still in the setting at follow-up"), "maintained_followup"),
        b.rate(_("Maintained at follow-up, % of child follow-ups"), "maintained_followup",
               "maintained_followup_known"),
    ])
    sections.append(Section("funnel", _("Funnel"), [funnel]))

    setting_labels = {code: str(label) for code, label in SettingType.choices}
    county_labels = selectors.county_names(
        n.split(":", 1)[1] for n in figures.cells if n.startswith("programs@county:"))
    region_labels = selectors.region_names(
        n.split(":", 1)[1] for n in figures.cells if n.startswith("programs@region:") and n != "programs@region:None")
    reach_total = Table("reach", _("Reach"), [
        b.count(_("Programs reached"), "programs"),
        b.count(_("Staff at the programs reached"), "staff"),
        b.count(_("Children served in child/family consultation"), "children"),
        b.count(_("Episodes with a contact"), "episodes_active"),
    ])
    reach_setting = Table("reach_setting", _("Programs reached by setting type"),
                          b.breakdown("programs", "setting", setting_labels), _("Setting type"))
    reach_section = Section("reach", _("Reach"), [reach_total, reach_setting])
    if grid.exact:
        reach_section.tables.append(Table("reach_county", _("Programs reached by county"),
                                          b.breakdown("programs", "county", county_labels), _("County")))
        reach_section.tables.append(Table("reach_region", _("Programs reached by region"),
                                          b.breakdown("programs", "region", region_labels), _("Region")))
        reach_section.tables.append(Table("children_setting", _("Children served by setting type"),
                                          b.breakdown("children", "setting", setting_labels), _("Setting type")))
    sections.append(reach_section)

    modality_labels = {code: str(label) for code, label in Modality.choices}
    activity_labels = {code: str(label) for code, label in ActivityType.choices}
    services = Section("services", _("Services"), [
        Table("services_total", _("Contacts and hours"), [
            b.count(_("Contacts (visits, calls, messages)"), "visits"),
            b.count(_("Hours"), "minutes", kind=HOURS, scale=1 / 60, hide_as="visits"),
            b.count(_("Hours in the classroom (observing, modelling)"), "classroom_minutes", kind=HOURS,
                    scale=1 / 60, hide_as="visits"),
        ]),
        Table("visits_modality", _("Contacts by modality"), b.breakdown("visits", "modality", modality_labels),
              _("Modality")),
        Table("hours_modality", _("Hours by modality"),
              b.breakdown("minutes", "modality", modality_labels, kind=HOURS, scale=1 / 60, gate_prefix="visits"),
              _("Modality")),
        Table("visits_activity", _("Contacts by activity"), b.breakdown("visits", "activity", activity_labels),
              _("Activity")),
        Table("hours_activity", _("Hours by activity"),
              b.breakdown("minutes", "activity", activity_labels, kind=HOURS, scale=1 / 60, gate_prefix="visits"),
              _("Activity")),
        Table("dosage", _("Dosage per episode closed in the period (whole episode)"), [
            b.distribution(_("Episodes closed"), "dosage_hours", _n, "closed", COUNT),
            b.distribution(_("Median hours"), "dosage_hours", _median, "closed", HOURS),
            b.distribution(_("Mean hours"), "dosage_hours", engine.weighted_mean, "closed", HOURS),
            b.distribution(_("Median contacts"), "dosage_contacts", _median, "closed", NUMBER),
            b.distribution(_("Mean contacts"), "dosage_contacts", engine.weighted_mean, "closed", NUMBER),
        ]),
    ])
    sections.append(services)

    timely_rows = [
        b.count(_("Requests first contacted in the period"), "first_contacts"),
        b.distribution(_("Median days from request to first contact"), "days_to_first_contact", _median,
                       "first_contacts", DAYS),
        b.distribution(_("90th percentile days from request to first contact"), "days_to_first_contact", _p90,
                       "first_contacts", DAYS),
        b.count(_("On the waitlist at the end of the period"), "waitlist_end"),
        b.distribution(_("Median days waiting at the end of the period"), "waitlist_age_end", _median,
                       "waitlist_end", DAYS),
        b.distribution(_("Longest wait at the end of the period (days)"), "waitlist_age_end",
                       lambda h: max(h) if h else None, "waitlist_end", DAYS),
    ]
    if grid.exact:
        now = figures.distributions.get("waitlist_age_now", {}).get("cur", {})
        timely_rows += [
            Row(_("On the waitlist now"), _n(now), None),
            Row(_("Median days waiting now"), _median(now), None, DAYS),
            Row(_("Longest wait now (days)"), max(now) if now else None, None, DAYS),
        ]
    sections.append(Section("timeliness", _("Timeliness"), [Table("timeliness", _("Timeliness"), timely_rows)]))

    satisfaction_rows = [b.count(_("Surveys completed"), "respondents")]
    for question in figures.satisfaction_questions:
        agree = [f"sat:{question.key}:{code}" for code in question.agree_codes]
        if not agree:
            continue
        values, hidden = [], []
        for which in ("cur", "prev"):
            n = sum(b.value(f"sat:{question.key}:{code}", which) or 0 for code in question.counted_codes)
            gone = (b.is_hidden(f"satn:{question.key}", which)
                    or any(b.is_hidden(name, which) for name in agree))
            agreeing = sum(b.value(name, which) or 0 for name in agree)
            values.append(None if gone else engine.rate(int(agreeing), int(n)))
            hidden.append(gone)
        satisfaction_rows.append(Row(question.label, values[0], values[1], PERCENT, hidden[0], hidden[1]))
    sections.append(Section("satisfaction", _("Satisfaction (% agree or strongly agree)"),
                            [Table("satisfaction", _("Satisfaction (% agree or strongly agree)"), satisfaction_rows,
                                   _("Question"))]))

    if with_equity:
        summary = selectors.equity_summary(sight, period)
        sections.append(Section("equity", _("Equity: exclusions by race and ethnicity"), note=summary.reason,
                                extra=summary.board))

    if not grid.exact and sight.scope.kind == "county":
        # Breakdown tables are suppressed over the network and regions only (_hidden_cells): for a county they are
        # withheld whole, and said so, rather than shown as a column of hidden counts.
        withheld = {"reach_setting", "visits_modality", "hours_modality", "visits_activity", "hours_activity"}
        note = _("Breakdowns by setting type, modality and activity, and the answers to each question, are "
                 "published for the network and regions only.")
        for section in sections:
            before = len(section.tables)
            section.tables = [t for t in section.tables if t.key not in withheld]
            if section.key == "satisfaction":
                for table in section.tables:
                    table.rows = table.rows[:1]
                section.note = note
            elif len(section.tables) != before:
                section.note = note

    current_legend = _("This period")
    previous_legend = _("Previous period")
    for section in sections:
        for table in section.tables:
            if table.rows and all(row.kind in (COUNT, HOURS) for row in table.rows):
                table.chart = _chart(table, table.title, current_legend, previous_legend)
    return Report(sight=sight, period=period, previous=grid.previous_period, sections=sections, figures=figures)


def county_maps(report: Report, *, state_fips: str | None) -> list[dict[str, Any]]:
    """Reach by county and coverage against demand by language, each with its table. Exact sight only: the
    county cells of an evaluator's report would need their own suppression system per language.

    A state the county shapes do not hold (Puerto Rico, the territories) or none at all: the tables without the
    maps (each item's "svg" is empty), rather than no report."""
    from abrazo.reports.county_map import MapLabels, county_choropleth_svg, load_shapes

    sight = report.sight
    grid = report.figures.grid
    drawable = state_fips is not None and str(state_fips).zfill(2) in load_shapes().states
    # Every word of the map in the reader's language, the two sentences of its description (what a screen reader
    # says for it) included. They are str.format strings: the names in braces stay as they are in translations.
    labels = MapLabels(no_data=_("no data"), suppressed=_("suppressed"), no_data_legend=_("No data"),
                       suppressed_legend=_("Suppressed (too few to show)"),
                       summary=_("Map of {state} by county: {counties} counties, {with_data} with data, "
                                 "{suppressed} suppressed, {no_data} with no data."),
                       range_summary=_("Values range from {low} to {high}."))

    def draw(values: dict[str, float | None], **options: Any) -> str:
        if not drawable:
            return ""
        return county_choropleth_svg(values, state_fips=str(state_fips), labels=labels, **options)

    prefix = "programs@county:"
    reach_values: dict[str, float | None] = {
        name[len(prefix):]: value for name in report.figures.cells if name.startswith(prefix)
        for value in [report.figures.value(name)]
    }
    reach_names = selectors.county_names(reach_values)
    reach_rows = [{"county": reach_names.get(fips, fips), "value": int(value or 0)}
                  for fips, value in sorted(reach_values.items(), key=lambda item: reach_names.get(item[0], item[0]))]
    demand, by_language = selectors.coverage(sight, grid)
    coverage_values: dict[str, float | None] = {}
    coverage_rows = []
    names = selectors.county_names(demand)
    for fips, languages in sorted(by_language.items(), key=lambda item: names.get(item[0], item[0])):
        ratios = []
        for language, (asked, speakers) in sorted(languages.items()):
            ratio = speakers / asked if asked else None
            ratios.append(ratio or 0.0)
            coverage_rows.append({"county": names.get(fips, fips), "language": language, "requests": asked,
                                  "consultants": speakers, "ratio": ratio})
        coverage_values[fips] = min(ratios) if ratios else None
    maps = [
        {"key": "map_reach", "title": _("Programs reached by county"),
         "svg": draw(reach_values, title=_("Programs reached by county"), legend_title=_("Programs"),
                     value_format=lambda v: f"{v:.0f}", chart_id="map-reach"),
         "rows": reach_rows},
        {"key": "map_coverage", "title": _("Coverage against demand by language"),
         "svg": draw(coverage_values, title=_("Coverage against demand by language"),
                     legend_title=_("Consultants who speak the language per request (lowest)"),
                     value_format=lambda v: f"{v:.2f}", diverging=True, chart_id="map-coverage"),
         "coverage_rows": coverage_rows},
    ]
    return maps

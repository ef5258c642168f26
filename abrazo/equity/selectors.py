"""Every read the equity dashboard and its exports need, scoped by the person asking. The one place that
decides who sees which unit, and whether they see exact or suppressed figures.

- "equity.view" gives exact counts: network administrators the network, any region and any program;
  coordinators their region and its programs; program staff their own program only.
- "equity.view_suppressed" (evaluators) reaches the network, its regions and programs, but only as
  suppressed aggregates: counts of children from 1 to `suppress_up_to` are shown as "1-10", with
  complementary suppression down each column against the unit total, and every rate, ratio or share
  whose numerator or denominator is hidden is hidden too. Suppression happens here, before anything
  reaches a template or a file, so no later layer can leak a hidden number.
- Anyone else: 404 (existence is not revealed).

Counting is done by `equity.counts` (one call per dimension per school year) and the maths by
`equity.metrics`; this module puts them together into a `Dashboard` of plain values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.directory.models import Network, Program, Region
from abrazo.equity import counts, metrics, suppression
from abrazo.equity.counts import DIMENSIONS, NOT_REPORTED, Period, Unit
from abrazo.equity.metrics import GroupCounts, GroupResult, NotCalculated, Thresholds
from abrazo.equity.models import EquitySettings
from abrazo.equity.suppression import Count

VIEW = "equity.view"
VIEW_SUPPRESSED = "equity.view_suppressed"
EXPORT = "equity.export"

NETWORK, REGION, PROGRAM = "network", "region", "program"
UNIT_MODELS: dict[str, Any] = {NETWORK: Network, REGION: Region, PROGRAM: Program}
TREND_YEARS = 3
PRESET_YEARS = 5
EXTRA_PREFIX = "extra:"
# How every hidden count reads, whether it is small (1..suppress_up_to) or hidden to protect a small one.
# One label for both on purpose: reading "1-10" on some cells and "hidden" on others would tell a reader
# that the second kind is 0 or above 10, which narrows the small ones down through the total.
HIDDEN_LABEL = gettext_lazy("hidden")
# Roster column names count_groups accepts (others are left out of the form rather than refused there).
EXTRA_KEY = re.compile(r"^[\w-]{1,64}$")
# Children read to discover which extra roster columns a unit has (a sample, so that the form stays cheap).
EXTRA_SAMPLE = 2000


# --- who sees what ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitChoice:
    """A network, region or program a person may open on the dashboard."""

    kind: str
    id: UUID
    name: str
    network_id: UUID
    exact: bool  # exact counts ("equity.view") or suppressed aggregates ("equity.view_suppressed")

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def unit(self) -> Unit:
        return Unit(kind=self.kind, id=self.id)


@dataclass(frozen=True)
class ResolvedUnit:
    """The unit a page shows. `figures` is False only for program staff who open their own program's region:
    they are told where their program's figures are, and shown no figure of the region."""

    choice: UnitChoice
    figures: bool = True
    programs: tuple[UnitChoice, ...] = ()  # programs the person may open within the unit

    @property
    def exact(self) -> bool:
        return self.choice.exact


def _network_id_of(obj: Any) -> UUID:
    return obj.pk if isinstance(obj, Network) else obj.network_id  # type: ignore[no-any-return]


def _choices(user: Any, kind: str, permission: str, *, exact: bool, **filters: Any) -> list[UnitChoice]:
    model = UNIT_MODELS[kind]
    queryset = access.visible(user, permission, model.objects.filter(**filters)).order_by("name")
    return [
        UnitChoice(kind=kind, id=obj.pk, name=obj.name, network_id=_network_id_of(obj), exact=exact)
        for obj in queryset.only("pk", "name", *(() if kind == NETWORK else ("network_id",)))
    ]


def units_for(user: Any) -> list[UnitChoice]:
    """Every unit the person may open: networks, then regions, then programs. Exact sight wins where a
    person holds both kinds (a unit listed once)."""
    found: dict[tuple[str, UUID], UnitChoice] = {}
    for permission, exact in ((VIEW, True), (VIEW_SUPPRESSED, False)):
        if not access.has_permission(user, permission):
            continue
        for kind in (NETWORK, REGION, PROGRAM):
            for choice in _choices(user, kind, permission, exact=exact):
                found.setdefault((kind, choice.id), choice)
    order = {NETWORK: 0, REGION: 1, PROGRAM: 2}
    return sorted(found.values(), key=lambda choice: (order[choice.kind], choice.name.lower()))


def default_unit_key(units: Sequence[UnitChoice]) -> str | None:
    """The broadest unit the person may open (units_for lists networks first)."""
    return units[0].key if units else None


def _one(user: Any, kind: str, unit_id: UUID) -> UnitChoice | None:
    for permission, exact in ((VIEW, True), (VIEW_SUPPRESSED, False)):
        if access.has_permission(user, permission):
            found = _choices(user, kind, permission, exact=exact, pk=unit_id)
            if found:
                return found[0]
    return None


def programs_within(user: Any, choice: UnitChoice) -> tuple[UnitChoice, ...]:
    """The programs of a region or network the person may open, with the sight they have on each."""
    if choice.kind == PROGRAM:
        return ()  # a program has no drill-down
    filters = {"network_id": choice.network_id} if choice.kind == NETWORK else {"region_id": choice.id}
    found: dict[UUID, UnitChoice] = {}
    for permission, exact in ((VIEW, True), (VIEW_SUPPRESSED, False)):
        if access.has_permission(user, permission):
            for program in _choices(user, PROGRAM, permission, exact=exact, **filters):
                found.setdefault(program.id, program)
    # A person with exact sight of a unit gets suppressed figures of nothing inside it, and vice versa:
    # the drill-down follows the unit's own sight.
    return tuple(sorted((p for p in found.values() if p.exact == choice.exact), key=lambda p: p.name.lower()))


def unit_get_for(*, user: Any, kind: str, unit_id: UUID) -> ResolvedUnit:
    """The unit if the person may open it (exact or suppressed); otherwise 404, audited as denied."""
    if kind not in UNIT_MODELS:
        raise Http404
    choice = _one(user, kind, unit_id)
    if choice is not None:
        return ResolvedUnit(choice=choice, programs=programs_within(user, choice))
    if kind == REGION:
        # Program staff may not see their region's figures (they would include other programs), but the
        # page of their own region says where their program's dashboard is instead of pretending the
        # region does not exist (they know it does: it is on their program's page).
        region = Region.objects.filter(pk=unit_id).only("pk", "name", "network_id").first()
        if region is not None and access.has_permission(user, VIEW):
            own = tuple(p for p in _choices(user, PROGRAM, VIEW, exact=True, region_id=region.pk))
            if own:
                pointer = UnitChoice(kind=REGION, id=region.pk, name=region.name, network_id=region.network_id,
                                     exact=True)
                return ResolvedUnit(choice=pointer, figures=False, programs=own)
    audit.record_denied(user=user, object_type=f"directory.{kind}", object_id=str(unit_id))
    raise Http404


def unit_from_key(*, user: Any, key: str | None) -> ResolvedUnit:
    """A unit named "program:<uuid>", "region:<uuid>" or "network:<uuid>" (the dashboard form's value)."""
    if not key:
        units = units_for(user)
        if not units:
            raise Http404
        return ResolvedUnit(choice=units[0], programs=programs_within(user, units[0]))
    kind, _sep, raw_id = key.partition(":")
    try:
        unit_id = UUID(raw_id)
    except ValueError as exc:
        raise Http404 from exc
    return unit_get_for(user=user, kind=kind, unit_id=unit_id)


def may_export(user: Any) -> bool:
    return access.has_permission(user, EXPORT)


def settings_for(network_id: UUID) -> EquitySettings:
    """The network's thresholds, created with the defaults the first time they are needed."""
    settings, _created = EquitySettings.objects.get_or_create(network_id=network_id)
    return settings


# --- periods ----------------------------------------------------------------------------------------


def current_school_year(today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    return today.year if today.month >= 7 else today.year - 1


def preset_years(today: dt.date | None = None) -> list[int]:
    """The last five school years, the current one first."""
    current = current_school_year(today)
    return [current - back for back in range(PRESET_YEARS)]


def school_year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def period_label(period: Period) -> str:
    year = period.whole_school_year
    if year is not None:
        return _("School year %(years)s") % {"years": school_year_label(year)}
    return _("%(start)s to %(end)s") % {"start": period.start.isoformat(), "end": period.end.isoformat()}


def trend_years(period: Period) -> list[int]:
    """The three school years ending with the one the period ends in."""
    last = period.end.year if period.end.month >= 7 else period.end.year - 1
    return list(range(last - TREND_YEARS + 1, last + 1))


# --- dimensions and groups --------------------------------------------------------------------------

DIMENSION_LABELS: dict[str, Any] = {
    "race_ethnicity": gettext_lazy("Race/ethnicity"),
    "gender": gettext_lazy("Gender"),
    "iep": gettext_lazy("IEP or IFSP"),
    "dll": gettext_lazy("Dual-language learner"),
    "home_language": gettext_lazy("Home language"),
}
TRUE_CODES = {"true", "yes", "1", "t", "y"}
FALSE_CODES = {"false", "no", "0", "f", "n"}


def dimension_label(dimension: str) -> str:
    if dimension.startswith(EXTRA_PREFIX):
        return dimension.removeprefix(EXTRA_PREFIX).replace("_", " ").capitalize()
    return str(DIMENSION_LABELS.get(dimension, dimension))


def extra_dimensions(choice: UnitChoice) -> list[str]:
    """The extra roster columns present among the unit's children ("extra:<key>"), from a sample."""
    from abrazo.incidents.models import Child

    children = Child.objects.filter(network_id=choice.network_id).exclude(extra={})
    if choice.kind == REGION:
        children = children.filter(program__region_id=choice.id)
    elif choice.kind == PROGRAM:
        children = children.filter(program_id=choice.id)
    keys: set[str] = set()
    for extra in children.values_list("extra", flat=True)[:EXTRA_SAMPLE]:
        if isinstance(extra, dict):
            keys.update(str(key) for key in extra if EXTRA_KEY.match(str(key)))
    return [f"{EXTRA_PREFIX}{key}" for key in sorted(keys)]


def dimensions_for(choice: UnitChoice) -> list[str]:
    return [*DIMENSIONS, *extra_dimensions(choice)]


def _language_names(codes: Iterable[str]) -> dict[str, str]:
    from abrazo.directory.models import Language

    return {language.code: str(language) for language in Language.objects.filter(code__in=list(codes))}


def group_labels(dimension: str, codes: Iterable[str]) -> dict[str, str]:
    """How each group of a dimension is named on the page."""
    from abrazo.incidents.models import Gender, RaceEthnicity

    codes = list(codes)
    labels: dict[str, str] = {}
    languages = _language_names(codes) if dimension == "home_language" else {}
    for code in codes:
        lowered = code.lower()
        if code == NOT_REPORTED or code == "":
            labels[code] = _("Not reported")
        elif dimension == "race_ethnicity" and code in RaceEthnicity.values:
            labels[code] = str(RaceEthnicity(code).label)
        elif dimension == "gender" and code in Gender.values:
            labels[code] = str(Gender(code).label)
        elif dimension == "iep" and lowered in TRUE_CODES | FALSE_CODES:
            labels[code] = _("With an IEP or IFSP") if lowered in TRUE_CODES else _("No IEP or IFSP")
        elif dimension == "dll" and lowered in TRUE_CODES | FALSE_CODES:
            labels[code] = _("Dual-language learner") if lowered in TRUE_CODES else _("Not a dual-language learner")
        elif dimension == "home_language":
            labels[code] = languages.get(code, code)
        else:
            labels[code] = code
    return labels


# --- the figures as published -----------------------------------------------------------------------


def _published(values: Sequence[int], *, exact: bool, high: int, total: int | None = None) -> tuple[list[Count],
                                                                                                    Count]:
    """A column of counts and its total as a person may see them: all of it, or suppressed so that no hidden
    count can be worked out from the others and the total."""
    grand = sum(values) if total is None else total
    if exact:
        return [Count(value) for value in values], Count(grand)
    hidden = suppression.suppress_column(list(values), total=grand, high=high)
    everything = [*values, grand]

    def shown(index: int) -> Count:
        if index not in hidden:
            return Count(everything[index])
        return Count(None, str(HIDDEN_LABEL))

    return [shown(index) for index in range(len(values))], shown(len(values))


def _share(part: Count, whole: Count) -> float | None:
    if part.value is None or whole.value is None or whole.value == 0:
        return None
    return part.value / whole.value


def _percent(share: float | None) -> float | None:
    return None if share is None else share * 100


@dataclass
class GroupRow:
    code: str
    label: str
    enrolled: Count
    with_outcome: Count
    events: Count
    risk: float | None
    ratio: float | None
    ratio_method: str | None  # "rr", "arr" or None
    ci_low: float | None
    ci_high: float | None
    fisher_p: float | None
    weighted_ratio: float | None
    enrollment_share: float | None
    child_composition: float | None
    event_composition: float | None
    e_formula_upper: float | None
    alert: bool | None  # None when hidden
    not_calculated: str | None  # why the ratio is not shown, in words; None when it is
    hidden: bool  # the group's figures are (partly) suppressed

    # Percentages for the templates (floatformat does the rounding and the decimal mark).
    @property
    def risk_percent(self) -> float | None:
        return _percent(self.risk)

    @property
    def enrollment_share_percent(self) -> float | None:
        return _percent(self.enrollment_share)

    @property
    def child_composition_percent(self) -> float | None:
        return _percent(self.child_composition)

    @property
    def event_composition_percent(self) -> float | None:
        return _percent(self.event_composition)

    @property
    def e_formula_upper_percent(self) -> float | None:
        return _percent(self.e_formula_upper)


@dataclass
class TrendPoint:
    year: int
    risk: float | None
    enrolled: Count
    with_outcome: Count

    @property
    def risk_percent(self) -> float | None:
        return _percent(self.risk)

    @property
    def label(self) -> str:
        return school_year_label(self.year)


@dataclass
class TrendSeries:
    code: str
    label: str
    points: list[TrendPoint]


@dataclass
class DimensionReport:
    dimension: str
    label: str
    rows: list[GroupRow]
    total_enrolled: Count
    total_with_outcome: Count
    total_events: Count
    total_risk: float | None
    trend_years: list[int]
    trend: list[TrendSeries]
    next_level_kind: str | None  # what the alternate ratio compares with: "region", "network" or None

    @property
    def total_risk_percent(self) -> float | None:
        return _percent(self.total_risk)

    @property
    def alerts(self) -> list[GroupRow]:
        return [row for row in self.rows if row.alert]

    @property
    def calculated(self) -> list[GroupRow]:
        return [row for row in self.rows if row.ratio is not None]


@dataclass
class ProgramRow:
    program: UnitChoice
    enrolled: Count
    with_outcome: Count
    events: Count
    risk: float | None
    alerts: int | None  # groups in alert over every dimension shown; None for suppressed sight

    @property
    def risk_percent(self) -> float | None:
        return _percent(self.risk)


@dataclass
class Dashboard:
    unit: ResolvedUnit
    period: Period
    outcome: str
    thresholds: Thresholds
    suppress_up_to: int
    show_weighted: bool = False
    dimensions: list[DimensionReport] = field(default_factory=list)
    programs: list[ProgramRow] = field(default_factory=list)
    programs_total: tuple[Count, Count, Count] | None = None

    @property
    def exact(self) -> bool:
        return self.unit.exact

    def dimension(self, code: str) -> DimensionReport | None:
        return next((report for report in self.dimensions if report.dimension == code), None)


def not_calculated_text(reason: str | None, thresholds: Thresholds) -> str:
    """Why a ratio is not shown, naming the threshold that stopped it."""
    if reason == NotCalculated.GROUP_TOO_FEW_WITH_OUTCOME:
        return _("Not enough children to compare: fewer than %(min_cell)s children in this group had the outcome.") % {
            "min_cell": thresholds.min_cell}
    if reason == NotCalculated.GROUP_TOO_FEW_ENROLLED:
        return _("Not enough children to compare: fewer than %(min_n)s children in this group were enrolled.") % {
            "min_n": thresholds.min_n}
    if reason == NotCalculated.COMPARISON_TOO_SMALL:
        return _(
            "Not enough children to compare: fewer than %(min_cell)s other children had the outcome or fewer "
            "than %(min_n)s were enrolled, here and at the next level up."
        ) % {"min_cell": thresholds.min_cell, "min_n": thresholds.min_n}
    return _("Not enough children to compare.")


HIDDEN_TEXT = gettext_lazy("Hidden to protect children's privacy (a count it depends on is suppressed).")


def _rows(
    results: Sequence[GroupResult], labels: dict[str, str], *, exact: bool, high: int, thresholds: Thresholds
) -> tuple[list[GroupRow], tuple[Count, Count, Count]]:
    enrolled, total_enrolled = _published([r.enrolled for r in results], exact=exact, high=high)
    with_outcome, total_with = _published([r.children_with_outcome for r in results], exact=exact, high=high)
    events, total_events = _published([r.events for r in results], exact=exact, high=high)
    rows = []
    for index, result in enumerate(results):
        b, c, d = enrolled[index], with_outcome[index], events[index]
        # Every figure of a group rests on its enrolled and with-outcome counts and on the unit's totals;
        # event figures on the events too. If any is hidden, so is the figure.
        child_figures = not (b.hidden or c.hidden or total_enrolled.hidden or total_with.hidden)
        event_figures = child_figures and not (d.hidden or total_events.hidden)
        calculated = result.risk_ratio is not None
        row = GroupRow(
            code=result.group, label=labels.get(result.group, result.group),
            enrolled=b, with_outcome=c, events=d,
            risk=result.risk if child_figures else None,
            ratio=result.risk_ratio if child_figures else None,
            ratio_method=result.risk_ratio_method if child_figures and calculated else None,
            ci_low=result.ci_low if child_figures else None,
            ci_high=result.ci_high if child_figures else None,
            fisher_p=result.fisher_p if child_figures else None,
            weighted_ratio=result.weighted_risk_ratio if child_figures else None,
            enrollment_share=result.enrollment_share if child_figures else None,
            child_composition=result.child_composition if child_figures else None,
            event_composition=result.event_composition if event_figures else None,
            e_formula_upper=result.e_formula_upper if child_figures else None,
            alert=result.alert if child_figures else None,
            not_calculated=None,
            hidden=not event_figures,
        )
        if not child_figures:
            row.not_calculated = str(HIDDEN_TEXT)
        elif not calculated:
            row.not_calculated = not_calculated_text(result.not_calculated_reason, thresholds)
        rows.append(row)
    return rows, (total_enrolled, total_with, total_events)


def _ordered(groups: Sequence[GroupCounts]) -> list[GroupCounts]:
    """Groups as counts gives them, with "not reported" last (it is not a group anyone is compared as)."""
    return sorted(groups, key=lambda group: group.group in (NOT_REPORTED, ""))


def _trend(
    yearly: dict[int, list[GroupCounts]], codes: Sequence[str], labels: dict[str, str], *, exact: bool, high: int
) -> list[TrendSeries]:
    series = {code: TrendSeries(code=code, label=labels.get(code, code), points=[]) for code in codes}
    for year, groups in sorted(yearly.items()):
        by_code = {group.group: group for group in groups}
        present = [by_code.get(code, GroupCounts(code, 0, 0, 0)) for code in codes]
        # Suppressed as if each year's total were published too (it is, in that year's own dashboard).
        enrolled, _total = _published([g.enrolled for g in present], exact=exact, high=high)
        with_outcome, _total = _published([g.children_with_outcome for g in present], exact=exact, high=high)
        for index, code in enumerate(codes):
            b, c = enrolled[index], with_outcome[index]
            shown = not (b.hidden or c.hidden)
            risk = metrics.risk(c.value or 0, b.value or 0) if shown else None
            series[code].points.append(TrendPoint(year=year, risk=risk, enrolled=b, with_outcome=c))
    return list(series.values())


def _next_level_kind(kind: str) -> str | None:
    return {PROGRAM: REGION, REGION: NETWORK}.get(kind)


def _program_rows(
    unit: ResolvedUnit, by_program: dict[UUID, list[GroupCounts]], alerts: dict[UUID, int], *, high: int
) -> tuple[list[ProgramRow], tuple[Count, Count, Count] | None]:
    programs = list(unit.programs)
    if not programs:
        return [], None
    totals = [
        (sum(g.enrolled for g in by_program.get(p.id, [])),
         sum(g.children_with_outcome for g in by_program.get(p.id, [])),
         sum(g.events for g in by_program.get(p.id, [])))
        for p in programs
    ]
    exact = unit.exact
    # The published total of each column is the unit's own total (every program of the unit is listed:
    # drill-down sight follows the unit's sight), so the programs' hidden cells cannot be recovered from it.
    enrolled, total_enrolled = _published([t[0] for t in totals], exact=exact, high=high)
    with_outcome, total_with = _published([t[1] for t in totals], exact=exact, high=high)
    events, total_events = _published([t[2] for t in totals], exact=exact, high=high)
    rows = []
    for index, program in enumerate(programs):
        b, c = enrolled[index], with_outcome[index]
        risk = metrics.risk(c.value, b.value) if b.value is not None and c.value is not None else None
        rows.append(ProgramRow(program=program, enrolled=b, with_outcome=c, events=events[index], risk=risk,
                               alerts=alerts.get(program.id, 0) if exact else None))
    return rows, (total_enrolled, total_with, total_events)


def dashboard_for(
    *, user: Any, unit: ResolvedUnit, period: Period, outcome: str, dimensions: Sequence[str],
    with_trend: bool = True, audit_action: str = "view", audit_extra: Sequence[str] = (),
) -> Dashboard:
    """Every table of the dashboard for one unit, period and outcome, as the person may see it; audited with
    the unit and the parameters (aggregates: no child id is involved)."""
    choice = unit.choice
    settings = settings_for(choice.network_id)
    thresholds = Thresholds(min_cell=settings.min_cell, min_n=settings.min_n)
    high = settings.suppress_up_to
    board = Dashboard(unit=unit, period=period, outcome=outcome, thresholds=thresholds, suppress_up_to=high,
                      show_weighted=settings.show_weighted_risk_ratio)
    _audit(user=user, unit=choice, period=period, outcome=outcome, dimensions=dimensions, action=audit_action,
           extra=audit_extra)
    if not unit.figures:
        return board
    drill_down = bool(unit.programs)
    program_alerts: dict[UUID, int] = {}
    by_program: dict[UUID, list[GroupCounts]] = {}
    years = trend_years(period) if with_trend else []
    for dimension in dimensions:
        current = counts.count_groups(
            network_id=choice.network_id, unit=choice.unit, period=period, dimension=dimension, outcome=outcome,
            by_program=drill_down,
        )
        groups = _ordered(current.groups)
        results = metrics.analyse(groups, thresholds=thresholds, next_level=current.next_level,
                                  weighted=settings.show_weighted_risk_ratio)
        codes = [group.group for group in groups]
        yearly: dict[int, list[GroupCounts]] = {}
        for year in years:
            if period == Period.school_year(year):
                yearly[year] = current.groups  # the period is this year: no second count
                continue
            yearly[year] = counts.count_groups(
                network_id=choice.network_id, unit=choice.unit, period=Period.school_year(year),
                dimension=dimension, outcome=outcome,
            ).groups
        for year_groups in yearly.values():
            codes.extend(g.group for g in year_groups if g.group not in codes)
        labels = group_labels(dimension, codes)
        rows, (total_enrolled, total_with, total_events) = _rows(
            results, labels, exact=choice.exact, high=high, thresholds=thresholds
        )
        board.dimensions.append(DimensionReport(
            dimension=dimension, label=dimension_label(dimension), rows=rows,
            total_enrolled=total_enrolled, total_with_outcome=total_with, total_events=total_events,
            total_risk=_share(total_with, total_enrolled),
            trend_years=years, trend=_trend(yearly, codes, labels, exact=choice.exact, high=high),
            next_level_kind=_next_level_kind(choice.kind),
        ))
        if drill_down:
            if not by_program:
                by_program = current.by_program
            if choice.exact:
                for program_id, program_groups in current.by_program.items():
                    analysed = metrics.analyse(program_groups, thresholds=thresholds)
                    program_alerts[program_id] = program_alerts.get(program_id, 0) + sum(r.alert for r in analysed)
    if drill_down and dimensions:
        board.programs, board.programs_total = _program_rows(unit, by_program, program_alerts, high=high)
    return board


def _audit(
    *, user: Any, unit: UnitChoice, period: Period, outcome: str, dimensions: Sequence[str], action: str,
    extra: Sequence[str],
) -> None:
    # The ledger's object_ids field carries the parameters here: the dashboard shows aggregates, so there
    # is no child id to record, and the unit plus the parameters say exactly what was seen.
    parameters = [
        f"period={period.start.isoformat()}..{period.end.isoformat()}", f"outcome={outcome}",
        f"dimensions={','.join(dimensions)}", f"sight={'exact' if unit.exact else 'suppressed'}", *extra,
    ]
    audit.record(user=user, action=action, object_type=f"directory.{unit.kind}", object_id=str(unit.id),
                 object_ids=parameters)

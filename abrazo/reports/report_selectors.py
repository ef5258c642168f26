"""The network report's figures, read from the database with GROUP BY (a year of a state is a million contacts:
none of them is loaded, only their counts per bucket), scoped by the person reading.

Two sights (accounts/access.py):

- "report.view": exact figures from the records the person reaches (access.visible on requests and episodes;
  contacts, closures, follow-ups and surveys through the visible episodes), for a scope they reach (the
  network as far as they reach it, a region, county, program or consultant) and any period. A scope outside
  their reach is a 404.
- "report.view_suppressed" (evaluators): fixed scopes only (the network, a region, a county) and whole fiscal
  quarters or years. Every count is computed for every county, region and the network, for every quarter of the
  fiscal year and the year, and suppressed in one system (report_engine.suppress_cells), so that no choice of
  cells can be subtracted from another to recover a hidden count. Months and custom ranges are refused: a month
  beside its quarter would be one more cell to difference, and a custom range is any cell at all.

Every figure is a mapping {(place, time): number}. For exact sight there is one place ("scope") and two times
("cur", "prev"); for evaluators the places are counties, regions and "network", and the times are quarters
("q:2025-07-01") and fiscal years ("fy:2025"). The report picks the chosen cell and the previous one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.accounts.models import Role
from abrazo.audit import services as audit
from abrazo.consultations.models import (
    Closure,
    Consent,
    ConsentException,
    Contact,
    Episode,
    EpisodeType,
    FollowUp,
)
from abrazo.directory.models import ConsultantProfile, County, Network, NetworkCounty, Program, ProgramStaff, Region
from abrazo.intake.models import Request, RequestStatus
from abrazo.reports import report_engine as engine

VIEW = "report.view"
VIEW_SUPPRESSED = "report.view_suppressed"
EXPORT = "export.download"
SATISFACTION_KEY = "abrazo_satisfaction"
SCOPE_KINDS = ("network", "region", "county", "program", "consultant")
SUPPRESSED_KINDS = ("network", "region", "county")
SUPPRESSED_PERIODS = (engine.QUARTER, engine.FISCAL_YEAR)
HIDDEN = "1-10"


# --- scopes ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeChoice:
    kind: str
    id: str
    label: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Sight:
    """Who reads, in which network, exactly or suppressed, and which scope they chose."""

    user: Any
    network: Network
    exact: bool
    scope: ScopeChoice


def may_view(user: Any) -> bool:
    return access.has_permission(user, VIEW) or access.has_permission(user, VIEW_SUPPRESSED)


def may_download(user: Any) -> bool:
    return access.has_permission(user, EXPORT)


def _network_of(user: Any) -> Network:
    network = getattr(user, "primary_network", None)
    if network is None:
        raise Http404
    return network  # type: ignore[no-any-return]


def scope_choices_for(user: Any) -> list[ScopeChoice]:
    """Every scope the person may choose, broadest first. Exact sight wins where both are held."""
    network = _network_of(user)
    found: dict[str, ScopeChoice] = {}

    def add(kind: str, pk: Any, label: str) -> None:
        found.setdefault(f"{kind}:{pk}", ScopeChoice(kind, str(pk), label))

    memberships = [m for m in user.active_memberships if m.network_id == network.pk]
    exact_roles = {Role(m.role) for m in memberships if Role(m.role) in access.roles_with(VIEW)}
    if exact_roles:
        broad = Role.NETWORK_ADMIN in exact_roles
        add("network", network.pk, network.name if broad else _("Everything I can see"))
        regions = Region.objects.filter(network=network)
        programs = Program.objects.filter(network=network)
        consultants = ConsultantProfile.objects.filter(network=network)
        counties = NetworkCounty.objects.filter(network=network)
        if not broad:
            region_ids = [m.region_id for m in memberships if m.role == Role.REGIONAL_COORDINATOR and m.region_id]
            program_ids = [m.program_id for m in memberships if m.role == Role.PROGRAM_STAFF and m.program_id]
            regions = regions.filter(pk__in=region_ids)
            counties = counties.filter(region_id__in=region_ids)
            programs = programs.filter(Q(region_id__in=region_ids) | Q(pk__in=program_ids))
            mine = Q(region_id__in=region_ids)
            if Role.SUPERVISOR in exact_roles:
                mine |= Q(supervisor=user)
            if Role.CONSULTANT in exact_roles:
                mine |= Q(user=user)
            consultants = consultants.filter(mine)
        for region in regions.order_by("name"):
            add("region", region.pk, region.name)
        for row in counties.select_related("county").order_by("county__name"):
            add("county", row.county_id, row.county.name)
        for program in programs.order_by("name").only("pk", "name"):
            add("program", program.pk, program.name)
        for profile in consultants.select_related("user").order_by("user__full_name"):
            add("consultant", profile.pk, str(profile.user.full_name if profile.user_id else profile))
    elif access.has_permission(user, VIEW_SUPPRESSED):
        add("network", network.pk, network.name)
        for region in Region.objects.filter(network=network).order_by("name"):
            add("region", region.pk, region.name)
        for row in NetworkCounty.objects.filter(network=network).select_related("county").order_by("county__name"):
            add("county", row.county_id, row.county.name)
    return list(found.values())


def sight_for(*, user: Any, scope_key: str | None) -> Sight:
    """The person's sight of the chosen scope; a scope they do not reach (or none at all) is a 404, audited."""
    if not may_view(user):
        raise Http404
    network = _network_of(user)
    choices = scope_choices_for(user)
    if not choices:
        raise Http404
    chosen = choices[0] if not scope_key else next((c for c in choices if c.key == scope_key), None)
    if chosen is None:
        kind, _sep, pk = (scope_key or "").partition(":")
        audit.record_denied(user=user, object_type="report", object_id=f"{kind}:{pk}"[:64])
        raise Http404
    exact = access.has_permission(user, VIEW)
    return Sight(user=user, network=network, exact=exact, scope=chosen)


def record_report(*, user: Any, sight: Sight, period: engine.Period, action: str, extra: tuple[str, ...] = ()) -> None:
    """One audit event for a report read or exported (the page, the print layout, the PDF, the API): a "report"
    object whose id is the scope; the period and the sight go in object_ids (aggregates: no record id is involved)."""
    audit.record(user=user, action=action, object_type="report", object_id=sight.scope.key[:64],
                 object_ids=[f"period={period.start.isoformat()}..{period.end.isoformat()}",
                             f"sight={'exact' if sight.exact else 'suppressed'}", *extra], primary=True)


def state_fips_of(network: Network) -> str | None:
    """The 2-digit state FIPS code of the network's counties (for the county maps), or None if it has none."""
    county = County.objects.filter(state_code=network.state_code).only("fips").first()
    return county.fips[:2] if county else None


# --- where records sit ----------------------------------------------------------------------------------------

# For each record kind: the path to its county (for evaluators' cells) and the filter of each scope kind.
COUNTY_PATH = {"request": "county_id", "episode": "program__county_id", "contact": "episode__program__county_id",
               "closure": "episode__program__county_id", "followup": "episode__program__county_id",
               "administration": "episode__program__county_id", "staff": "program__county_id"}
SCOPE_PATH = {
    "request": {"region": "region_id", "county": "county_id", "program": "program_id", "consultant": "consultant_id"},
    "episode": {"region": "program__region_id", "county": "program__county_id", "program": "program_id",
                "consultant": "consultant_id"},
}


def _episode_prefix(kind: str) -> str:
    return "" if kind == "episode" else "episode__"


def _scoped_episodes(sight: Sight) -> QuerySet[Episode]:
    episodes: QuerySet[Episode] = Episode.objects.filter(network=sight.network)
    if sight.exact:
        episodes = access.visible(sight.user, VIEW, episodes)
        if sight.scope.kind != "network":
            episodes = episodes.filter(**{SCOPE_PATH["episode"][sight.scope.kind]: sight.scope.id})
    return episodes


def _scoped_requests(sight: Sight) -> QuerySet[Request]:
    requests: QuerySet[Request] = Request.objects.filter(network=sight.network)
    if sight.exact:
        requests = access.visible(sight.user, VIEW, requests)
        if sight.scope.kind != "network":
            requests = requests.filter(**{SCOPE_PATH["request"][sight.scope.kind]: sight.scope.id})
    return requests


def _through_episodes(sight: Sight, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Records hanging from an episode (contacts, closures...): those of the episodes the sight reaches. For
    evaluators, the network's (their cells are split by county afterwards)."""
    if sight.exact:
        return queryset.filter(episode__in=_scoped_episodes(sight).values("pk"))
    return queryset.filter(episode__network=sight.network)


# --- time buckets ------------------------------------------------------------------------------------------


def _local_bounds(period: engine.Period) -> tuple[dt.datetime, dt.datetime]:
    """A period of local dates as [start, end) instants."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


@dataclass(frozen=True)
class Grid:
    """The cells a report's figures are computed in (module docstring)."""

    exact: bool
    buckets: dict[str, engine.Period]  # additive time cells, disjoint
    whole: dict[str, engine.Period]  # non-additive time cells (distinct counts, snapshots): every time cell
    time_parts: dict[str, tuple[str, ...]]
    places: tuple[str, ...]
    place_parts: dict[str, tuple[str, ...]]
    region_of_county: dict[str, str]
    current: tuple[str, str]  # (place, time) of the chosen cell
    previous: tuple[str, str]
    current_period: engine.Period
    previous_period: engine.Period

    @property
    def shown_times(self) -> dict[str, engine.Period]:
        """The time cells a figure that does not add up over time is needed in: the chosen and the previous one.
        With no relation over time, its other time cells tell nothing about these (each is a system apart), so they
        are neither counted nor suppressed."""
        return {key: self.whole[key] for key in dict.fromkeys((self.current[1], self.previous[1]))}

    def system(self, *, additive: bool, counties: bool = True) -> engine.CellSystem:
        """The cells of one suppression system. Without counties: the network and its regions only (breakdown
        tables, whose county cells would make the system too large to solve in a page's time; evaluators get those
        tables for the network and regions, and a county's are withheld)."""
        times = tuple(self.whole) if additive else tuple(self.shown_times)
        places = self.places if counties else tuple(p for p in self.places if not p.startswith("county:"))
        parts = self.place_parts if counties else {k: v for k, v in self.place_parts.items() if k == "network"}
        return engine.CellSystem(places, parts, times, self.time_parts if additive else {})


def _quarter_key(period: engine.Period) -> str:
    return f"q:{period.start.isoformat()}"


def grid_for(sight: Sight, period: engine.Period) -> Grid:
    before = engine.previous(period)
    if sight.exact:
        return Grid(
            exact=True, buckets={"cur": period, "prev": before}, whole={"cur": period, "prev": before},
            time_parts={}, places=("scope",), place_parts={}, region_of_county={},
            current=("scope", "cur"), previous=("scope", "prev"), current_period=period, previous_period=before,
        )
    if period.kind not in SUPPRESSED_PERIODS or not engine.is_whole(period):
        raise Http404
    years = sorted({engine.fiscal_year_of(period.start), engine.fiscal_year_of(before.start)})
    buckets: dict[str, engine.Period] = {}
    whole: dict[str, engine.Period] = {}
    time_parts: dict[str, tuple[str, ...]] = {}
    for year in years:
        quarters = engine.quarters_of_fiscal_year(year)
        for q in quarters:
            buckets[_quarter_key(q)] = q
            whole[_quarter_key(q)] = q
        whole[f"fy:{year}"] = engine.fiscal_year(year)
        time_parts[f"fy:{year}"] = tuple(_quarter_key(q) for q in quarters)

    def time_key(p: engine.Period) -> str:
        return f"fy:{p.start.year}" if p.kind == engine.FISCAL_YEAR else _quarter_key(p)

    mapping = {row.county_id: str(row.region_id) for row in NetworkCounty.objects.filter(network=sight.network)}
    regions = [str(pk) for pk in
               Region.objects.filter(network=sight.network).order_by("pk").values_list("pk", flat=True)]
    counties = sorted(mapping)
    place_parts: dict[str, tuple[str, ...]] = {"network": tuple(f"region:{r}" for r in regions)}
    for region in regions:
        place_parts[f"region:{region}"] = tuple(f"county:{c}" for c in counties if mapping[c] == region)
    places = ("network", *(f"region:{r}" for r in regions), *(f"county:{c}" for c in counties))
    place = "network" if sight.scope.kind == "network" else f"{sight.scope.kind}:{sight.scope.id}"
    return Grid(
        exact=False, buckets=buckets, whole=whole, time_parts=time_parts, places=places, place_parts=place_parts,
        region_of_county=mapping, current=(place, time_key(period)), previous=(place, time_key(before)),
        current_period=period, previous_period=before,
    )


def _when_in(field_name: str, period: engine.Period, *, instant: bool) -> Q:
    if instant:
        start, end = _local_bounds(period)
        return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})
    return Q(**{f"{field_name}__gte": period.start, f"{field_name}__lte": period.end})


def _bucketed(queryset: QuerySet[Any], grid: Grid, *, date_field: str, instant: bool, kind: str,
              buckets: Mapping[str, engine.Period]) -> QuerySet[Any]:
    """The queryset narrowed to the buckets' dates and annotated with _t (bucket) and _p (place: the county for
    evaluators, "scope" otherwise)."""
    wanted = Q()
    whens = []
    for key, period in buckets.items():
        condition = _when_in(date_field, period, instant=instant)
        wanted |= condition
        whens.append(When(condition, then=Value(key)))
    place = F(COUNTY_PATH[kind]) if not grid.exact else Value("scope")
    return queryset.filter(wanted).annotate(_t=Case(*whens, output_field=CharField()), _p=place)


Cells = dict[tuple[str, str], float]


def _rollup(grid: Grid, leaf_values: Mapping[tuple[str, str], float], *, additive_time: bool) -> Cells:
    """Leaf cells (county or "scope", bucket) summed into regions, the network and fiscal years."""
    cells: Cells = defaultdict(float)
    for (place, time), value in leaf_values.items():
        if grid.exact:
            cells[(place, time)] += value
            continue
        county = f"county:{place}"
        region = grid.region_of_county.get(str(place))
        targets = [county, "network"] + ([f"region:{region}"] if region else [])
        times = [time]
        if additive_time:
            times += [fy for fy, parts in grid.time_parts.items() if time in parts]
        for target in targets:
            for t in times:
                cells[(target, t)] += value
    return cells


def _group(queryset: QuerySet[Any], grid: Grid, *, date_field: str, instant: bool, kind: str,
           aggregates: Mapping[str, Any], by: Iterable[str] = (), additive: bool = True
           ) -> dict[str, Cells]:
    """Run one GROUP BY and return, for each aggregate (and each value of `by`, as "name:value"), its cells."""
    by = tuple(by)
    figures: dict[str, dict[tuple[str, str], float]] = defaultdict(lambda: defaultdict(float))
    runs = [grid.buckets] if additive or grid.exact else [{k: v} for k, v in grid.shown_times.items()]
    for buckets in runs:
        rows = _bucketed(queryset, grid, date_field=date_field, instant=instant, kind=kind, buckets=buckets)
        for row in rows.values("_t", "_p", *by).annotate(**aggregates).order_by():
            cell = (str(row["_p"]), row["_t"])
            suffix = ":".join(str(row[name]) for name in by)
            for name in aggregates:
                value = float(row[name] or 0)
                figures[name][cell] += value
                if by:
                    figures[f"{name}:{suffix}"][cell] += value
    return {name: _rollup(grid, values, additive_time=additive) for name, values in figures.items()}


# --- the figures -------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """Every figure of the report as cells, plus the distributions of the chosen and previous cell."""

    grid: Grid
    cells: dict[str, Cells] = field(default_factory=dict)
    additive: set[str] = field(default_factory=set)
    distributions: dict[str, dict[str, dict[float, int]]] = field(default_factory=dict)  # name -> cur/prev -> hist
    satisfaction_questions: list[Any] = field(default_factory=list)
    pending_zero_dosage: dict[str, int] = field(default_factory=dict)  # episodes closed with a contact, per cell

    def add(self, found: Mapping[str, Cells], *, additive: bool) -> None:
        self.cells.update(found)
        if additive:
            self.additive.update(found)

    def value(self, name: str, which: str = "current") -> float:
        cell = self.grid.current if which == "current" else self.grid.previous
        return self.cells.get(name, {}).get(cell, 0.0)


def funnel(sight: Sight, grid: Grid, figures: Figures) -> None:
    """Requests received → episodes opened with consent → closed successfully → child maintained."""
    figures.add(_group(_scoped_requests(sight), grid, date_field="submitted_at", instant=True, kind="request",
                       aggregates={"requests": Count("pk")}), additive=True)
    consented = (
        ~Q(episode_type=EpisodeType.CHILD_FAMILY)
        | Q(Exists(Consent.objects.filter(episode=OuterRef("pk"), revoked_at__isnull=True)))
        | Q(Exists(ConsentException.objects.filter(episode=OuterRef("pk"))))
    )
    figures.add(_group(_scoped_episodes(sight), grid, date_field="opened_at", instant=True, kind="episode",
                       aggregates={"opened": Count("pk"), "opened_consented": Count("pk", filter=consented)}),
                additive=True)
    figures.add(_group(_through_episodes(sight, Closure.objects.all()), grid, date_field="closed_at", instant=True,
                       kind="closure", aggregates={
                           "closed": Count("pk"),
                           "closed_successfully": Count("pk", filter=Q(closed_successfully=True)),
                           "maintained_closure_known": Count("pk", filter=Q(maintained_in_setting__isnull=False)),
                           "maintained_closure": Count("pk", filter=Q(maintained_in_setting=True)),
                       }), additive=True)
    figures.add(_group(_through_episodes(sight, FollowUp.objects.filter(completed_at__isnull=False)), grid,
                       date_field="completed_at", instant=True, kind="followup", aggregates={
                           "followups": Count("pk"),
                           "maintained_followup_known": Count("pk", filter=Q(maintained_in_setting__isnull=False)),
                           "maintained_followup": Count("pk", filter=Q(maintained_in_setting=True)),
                       }), additive=True)


def _reaching(sight: Sight, period: engine.Period) -> QuerySet[Episode]:
    """Episodes with a contact dated in the period (an index probe per episode, not a scan of every contact)."""
    dated = Contact.objects.filter(episode=OuterRef("pk"), contact_date__gte=period.start, contact_date__lte=period.end)
    episodes = _scoped_episodes(sight) if sight.exact else Episode.objects.filter(network=sight.network)
    return episodes.filter(Exists(dated))


def reach(sight: Sight, grid: Grid, figures: Figures) -> None:
    """Programs, episodes, children (case consultation) and staff reached: an episode with a contact in the
    period reaches its program, its child (child/family episodes) and the program's active staff. One query per
    time cell for the episodes and one for the staff (distinct counts do not add up over time)."""
    child = Q(episode_type=EpisodeType.CHILD_FAMILY)
    leaf: dict[str, dict[tuple[str, str], float]] = defaultdict(lambda: defaultdict(float))
    staff_cells: dict[tuple[str, str], float] = defaultdict(float)
    for time, period in grid.shown_times.items():
        reaching = _reaching(sight, period)
        rows = (reaching.annotate(_p=F("program__county_id") if not grid.exact else Value("scope"))
                .values("_p", "program__setting_type", "program__county_id", "program__region_id")
                .annotate(programs=Count("program", distinct=True), episodes_active=Count("pk"),
                          children=Count("pk", filter=child)).order_by())
        for row in rows:
            cell = (str(row["_p"]), time)
            for name in ("programs", "episodes_active", "children"):
                value = float(row[name])
                leaf[name][cell] += value
                for label, code in (("setting", row["program__setting_type"]), ("county", row["program__county_id"]),
                                    ("region", row["program__region_id"])):
                    leaf[f"{name}@{label}:{code}"][cell] += value
        staff = (ProgramStaff.objects.filter(is_active=True, program__in=reaching.values("program_id"))
                 .annotate(_p=F("program__county_id") if not grid.exact else Value("scope"))
                 .values("_p").annotate(n=Count("pk")).order_by())
        for staff_row in staff:
            staff_cells[(str(staff_row["_p"]), time)] += staff_row["n"]
    found = {name: _rollup(grid, values, additive_time=False) for name, values in leaf.items()}
    found["staff"] = _rollup(grid, staff_cells, additive_time=False)
    figures.add(found, additive=False)


def services(sight: Sight, grid: Grid, figures: Figures) -> None:
    """Visits and hours by modality and activity type (one GROUP BY over both), and dosage per episode closed in
    the period."""
    contacts = _through_episodes(sight, Contact.objects.all())
    aggregates = {"visits": Count("pk"), "minutes": Sum("minutes"), "classroom_minutes": Sum("minutes_in_classroom")}
    found = _group(contacts, grid, date_field="contact_date", instant=False, kind="contact",
                   by=("modality", "activity_type"), aggregates=aggregates)
    result: dict[str, Cells] = {}
    for name, cells in found.items():
        if ":" not in name:
            result[name] = cells
            continue
        base, _sep, rest = name.partition(":")
        modality, _sep, activity = rest.partition(":")
        for target in (f"{base}@modality:{modality}", f"{base}@activity:{activity}"):
            into = result.setdefault(target, defaultdict(float))
            for cell, value in cells.items():
                into[cell] += value
    figures.add(result, additive=True)
    _dosage(sight, grid, figures)


def _dosage(sight: Sight, grid: Grid, figures: Figures) -> None:
    """Per episode closed in the chosen (or previous) cell: its contacts and hours over the whole episode. One pass
    over those episodes' contacts grouped by episode; episodes closed without a contact are the rest of the
    closures, counted in the funnel."""
    closures = _through_episodes(sight, Closure.objects.all())
    whens = []
    wanted = Q()
    for which, period in (("cur", grid.current_period), ("prev", grid.previous_period)):
        condition = (_when_in("episode__closure__closed_at", period, instant=True)
                     & _cell_filter(sight, grid, which, "episode__program__county_id"))
        whens.append(When(condition, then=Value(which)))
        wanted |= condition
    del closures
    base = Contact.objects.filter(episode__network=sight.network)
    if sight.exact:
        base = base.filter(episode__in=_scoped_episodes(sight).values("pk"))
    # Grouped by the episode alone (its cell comes along as MAX of a value that is the same for all its rows), so
    # PostgreSQL aggregates in the order of the contact index instead of sorting every contact again.
    rows = (base.filter(wanted).values("episode_id")
            .annotate(_t=Max(Case(*whens, output_field=CharField())), n_contacts=Count("pk"),
                      n_minutes=Sum("minutes")).order_by()
            .values_list("_t", "n_contacts", "n_minutes"))
    histograms: dict[str, dict[str, dict[float, int]]] = {
        "dosage_contacts": {"cur": defaultdict(int), "prev": defaultdict(int)},
        "dosage_hours": {"cur": defaultdict(int), "prev": defaultdict(int)},
    }
    with_contacts = {"cur": 0, "prev": 0}
    for which, n_contacts, n_minutes in rows:
        histograms["dosage_contacts"][which][float(n_contacts)] += 1
        histograms["dosage_hours"][which][(n_minutes or 0) / 60] += 1
        with_contacts[which] += 1
    figures.distributions.update({name: {k: dict(v) for k, v in per.items()} for name, per in histograms.items()})
    figures.pending_zero_dosage = with_contacts


def _cell_filter(sight: Sight, grid: Grid, which: str, county_path: str) -> Q:
    """For evaluators: the records of the chosen (or previous) place, by county."""
    if grid.exact:
        return Q()
    place = grid.current[0] if which == "cur" else grid.previous[0]
    if place == "network":
        return Q()
    kind, _sep, pk = place.partition(":")
    if kind == "county":
        return Q(**{county_path: pk})
    counties = [c for c, r in grid.region_of_county.items() if r == pk]
    return Q(**{f"{county_path}__in": counties})


def _closures_in_cell(sight: Sight, grid: Grid, closures: QuerySet[Any], period: engine.Period, which: str
                      ) -> QuerySet[Any]:
    return closures.filter(_when_in("closed_at", period, instant=True),
                           _cell_filter(sight, grid, which, "episode__program__county_id"))


def timeliness(sight: Sight, grid: Grid, figures: Figures) -> None:
    """Days from request to first contact (requests first contacted in the period), and the waitlist."""
    requests = _scoped_requests(sight)
    zone = timezone.get_current_timezone()
    for which, period in (("cur", grid.current_period), ("prev", grid.previous_period)):
        rows = (requests.filter(first_contact_at__isnull=False)
                .filter(_when_in("first_contact_at", period, instant=True),
                        _cell_filter(sight, grid, which, "county_id"))
                .annotate(asked=TruncDate("submitted_at", tzinfo=zone), met=TruncDate("first_contact_at", tzinfo=zone))
                .values("asked", "met").annotate(n=Count("pk")).order_by())
        histogram: dict[float, int] = defaultdict(int)
        for row in rows:
            histogram[float((row["met"] - row["asked"]).days)] += row["n"]
        figures.distributions.setdefault("days_to_first_contact", {})[which] = dict(histogram)
    found = _group(requests.filter(first_contact_at__isnull=False), grid, date_field="first_contact_at",
                   instant=True, kind="request", aggregates={"first_contacts": Count("pk")})
    figures.add(found, additive=True)
    # The waitlist at the end of each time cell: waitlisted by then, and neither assigned nor declined by then
    # (a withdrawal has no date: a withdrawn request leaves the waitlist from when it was withdrawn, unknown, so it
    # is counted off the waitlist throughout). Its age: days since it was waitlisted.
    waiting_cells: dict[tuple[str, str], float] = defaultdict(float)
    for time, period in grid.shown_times.items():
        _start, end = _local_bounds(period)
        on_list = _waitlisted_at(requests, end)
        waiting = on_list.annotate(_p=F("county_id") if not grid.exact else Value("scope")).values("_p").annotate(
            n=Count("pk")).order_by()
        for waiting_row in waiting:
            waiting_cells[(str(waiting_row["_p"]), time)] += waiting_row["n"]
    figures.add({"waitlist_end": _rollup(grid, waiting_cells, additive_time=False)}, additive=False)
    for which, period in (("cur", grid.current_period), ("prev", grid.previous_period)):
        _start, end = _local_bounds(period)
        figures.distributions.setdefault("waitlist_age_end", {})[which] = _ages(
            _waitlisted_at(requests, end).filter(_cell_filter(sight, grid, which, "county_id")), period.end)
    now = timezone.now()
    current = requests.filter(status=RequestStatus.WAITLISTED).filter(_cell_filter(sight, grid, "cur", "county_id"))
    figures.distributions["waitlist_age_now"] = {"cur": _ages(current, timezone.localdate(now))}


def _waitlisted_at(requests: QuerySet[Request], moment: dt.datetime) -> QuerySet[Request]:
    return requests.filter(waitlisted_at__lt=moment).exclude(status=RequestStatus.WITHDRAWN).exclude(
        assigned_at__lt=moment).exclude(declined_at__lt=moment)


def _ages(requests: QuerySet[Request], day: dt.date) -> dict[float, int]:
    """Days on the waitlist on `day` (a local date), as a histogram."""
    zone = timezone.get_current_timezone()
    histogram: dict[float, int] = defaultdict(int)
    rows = (requests.annotate(on=TruncDate("waitlisted_at", tzinfo=zone)).values("on").annotate(n=Count("pk"))
            .order_by())
    for row in rows:
        histogram[float((day - row["on"]).days)] += row["n"]
    return dict(histogram)


def satisfaction(sight: Sight, grid: Grid, figures: Figures) -> None:
    """How many answered each rated question of the shipped satisfaction survey, per answer code, in one query
    (a conditional COUNT per question and code: the answers stay in the database)."""
    from abrazo.measures.models import Administration, AdministrationStatus, Instrument
    from abrazo.workforce.feedback_selectors import questions_of

    instrument = Instrument.objects.filter(key=SATISFACTION_KEY, network__isnull=True).first()
    if instrument is None:
        return
    questions = questions_of(instrument)
    figures.satisfaction_questions = questions
    aggregates: dict[str, Any] = {"respondents": Count("pk")}
    for question in questions:
        for code in question.counted_codes:
            aggregates[f"sat:{question.key}:{code}"] = Count("pk", filter=Q(**{f"answers__{question.key}": code}))
    administrations = _through_episodes(sight, Administration.objects.filter(
        instrument=instrument, status=AdministrationStatus.COMPLETED))
    figures.add(_group(administrations, grid, date_field="completed_on", instant=False, kind="administration",
                       aggregates=aggregates), additive=True)


@dataclass(frozen=True)
class ExclusionSummary:
    """The equity dashboard's exclusion figures by race/ethnicity, or why there are none here."""

    board: Any | None
    reason: str = ""


def equity_summary(sight: Sight, period: engine.Period) -> ExclusionSummary:
    """Exclusions by race/ethnicity with risk ratios, from the equity dashboard (its own permissions decide exact
    or suppressed; it audits its own view). Only for the units it knows: the network, a region, a program."""
    from abrazo.equity import selectors as equity
    from abrazo.equity.counts import Period as EquityPeriod

    if sight.scope.kind not in ("network", "region", "program"):
        return ExclusionSummary(None, _("The equity summary is kept for the network, a region or a program."))
    if sight.scope.kind == "network" and sight.exact and not access.has_permission(sight.user, "equity.view"):
        return ExclusionSummary(None, _("Your role does not include children's equity figures."))
    try:
        unit = equity.unit_get_for(user=sight.user, kind=sight.scope.kind, unit_id=UUID(sight.scope.id))
    except Http404:
        return ExclusionSummary(None, _("Your role does not include children's equity figures."))
    if sight.scope.kind == "network" and sight.exact and not unit.exact:
        return ExclusionSummary(None, _("Your role does not include children's equity figures."))
    board = equity.dashboard_for(user=sight.user, unit=unit, period=EquityPeriod(period.start, period.end),
                                 outcome="exclusion", dimensions=["race_ethnicity"], with_trend=False)
    return ExclusionSummary(board)


def coverage(sight: Sight, grid: Grid) -> tuple[dict[str, int], dict[str, dict[str, tuple[int, int]]]]:
    """For the map of coverage against demand: requests per county in the chosen period, and per county and
    language, requests in that language and active consultants serving the county who speak it."""
    requests = _scoped_requests(sight).filter(_when_in("submitted_at", grid.current_period, instant=True),
                                              _cell_filter(sight, grid, "cur", "county_id"))
    demand: dict[str, dict[str, int]] = defaultdict(dict)
    per_county: dict[str, int] = defaultdict(int)
    for row in requests.values("county_id", "preferred_language_id").annotate(n=Count("pk")).order_by():
        demand[row["county_id"]][row["preferred_language_id"]] = row["n"]
        per_county[row["county_id"]] += row["n"]
    speakers: dict[str, dict[str, int]] = defaultdict(dict)
    through = ConsultantProfile.counties.through
    languages = ConsultantProfile.languages.through
    served = through.objects.filter(consultantprofile__network=sight.network, consultantprofile__is_active=True,
                                    county_id__in=list(per_county))
    spoken_by: dict[Any, set[str]] = defaultdict(set)
    for profile_id, language_id in languages.objects.filter(
            consultantprofile__in=served.values("consultantprofile_id")).values_list(
            "consultantprofile_id", "language_id").order_by():
        spoken_by[profile_id].add(language_id)
    pairs: dict[tuple[str, str], set[Any]] = defaultdict(set)
    for county_id, profile_id in served.values_list("county_id", "consultantprofile_id").order_by():
        for language_id in spoken_by.get(profile_id, ()):
            pairs[(county_id, language_id)].add(profile_id)
    for (county_id, language_id), profiles in pairs.items():
        speakers[county_id][language_id] = len(profiles)
    return dict(per_county), {
        county: {language: (n, speakers.get(county, {}).get(language, 0)) for language, n in langs.items()}
        for county, langs in demand.items()
    }


def county_names(fips: Iterable[str]) -> dict[str, str]:
    return dict(County.objects.filter(fips__in=list(fips)).values_list("fips", "name"))


def region_names(ids: Iterable[str]) -> dict[str, str]:
    return {str(pk): name for pk, name in Region.objects.filter(pk__in=list(ids)).values_list("pk", "name")}


def report_figures(sight: Sight, period: engine.Period) -> Figures:
    grid = grid_for(sight, period)
    figures = Figures(grid=grid)
    funnel(sight, grid, figures)
    reach(sight, grid, figures)
    services(sight, grid, figures)
    timeliness(sight, grid, figures)
    satisfaction(sight, grid, figures)
    # Episodes closed without any contact count as 0 contacts and 0 hours in the dosage.
    for which, cell in (("cur", grid.current), ("prev", grid.previous)):
        zero = int(figures.cells.get("closed", {}).get(cell, 0)) - figures.pending_zero_dosage.get(which, 0)
        if zero > 0:
            for name in ("dosage_contacts", "dosage_hours"):
                histogram = figures.distributions.setdefault(name, {}).setdefault(which, {})
                histogram[0.0] = histogram.get(0.0, 0) + zero
    return figures

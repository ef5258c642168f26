"""The workforce capacity report's figures (issue 6 item 5, DOMAIN.md §7 and §9). Pure: no Django imports.

Plain rows in, plain tables out, so the same figures serve the page, the exports, the tests and the benchmark.

1. Who took part, who applied but was not enrolled, and (exact version only) every applicant, per cohort and
   overall, by race/ethnicity (the seven IDEA groups) and by language group (English only, bilingual Spanish,
   other multilingual). A question left blank is counted as
   "not reported". Each table shows the groups, the total who answered, "not reported" and everyone; so the
   total who answered about race and the total who answered about languages may differ, while both add up to
   everyone once "not reported" is included. Shares are of everyone, "not reported" included, so they add up to
   100% (and stay publishable when a small "not reported" hides the total who answered).
2. Completion: participants still enrolled, completed and withdrawn, per cohort, and by group overall. The
   completion rate is completed / (completed + withdrawn): of the people whose participation has ended, how
   many finished. People still enrolled are left out, so a cohort under way is not shown as failing.
3. Where graduates (participants who completed) work now: as a consultant in this network (linked to a
   consultant profile), as a mental health consultant elsewhere, in other work, or not known.
4. Coverage against demand: per region (and county), the requests received in a period by preferred language
   against the active consultants of the network, and the graduates working in the field, who speak it and
   serve one of the area's counties. A consultant serving counties in two regions counts in both.

   Gap rule (documented, the same for every language and for all requests together): an area has a gap in a
   language when it received requests in that language and either no consultant serving it speaks the
   language ("no speaker"), or its requests per such consultant are more than GAP_FACTOR (2) times the
   network's overall requests per consultant (every request of the period ÷ every active consultant): "too
   few". The overall ratio is the yardstick rather than the language's own network ratio, so a shortage of
   Spanish speakers across the whole network still shows.

Published (suppressed) version, for evaluators and for staff previewing it (DOMAIN.md §7):

- Counts of participants and of applicants not enrolled from 1 to `high` are hidden, and complementary cells
  are hidden so that no hidden count can be worked out or narrowed down from the totals. The tables of one
  population are linked (cohort rows add up to the overall row; race groups, language groups, statuses and
  workplaces each add up to the cohort's people; groups' completion adds up to the overall completion), so
  each population is suppressed in one `suppression.suppress` call over all its relations. Every hidden count
  reads the same label ("hidden"); shares and rates that depend on a hidden count are not shown.
- Each cohort's participants, completed, withdrawn and still enrolled (and their sums over every cohort) are
  shown exactly on the cohort pages to everyone who gets the published version, so they are known margins:
  never hidden here, small or not, and the complementary cells are chosen inside the tables so that, with
  those margins known, no hidden count can be worked out (suppression.suppress with `known`). What the
  margins give away whatever is hidden (a cohort of 3 caps each of its groups at 3) cannot be helped.
- Participants and applicants not enrolled are disjoint, so nothing published ties one to the other and each
  is suppressed on its own. Every applicant is not published: a reader knows participants are among the
  applicants (participants <= applicants, group by group), and that inequality between two separately
  suppressed tables narrows hidden counts (measured: two of 781 on the benchmark's forty cohorts, and many on
  small random ones), while suppressing both together takes some thirty times longer.
- Coverage: graduates are people with demographic data, and the number in an area is bounded by the cohort
  tables (graduates working in the field are among the completed participants of a language group), which a
  reader could use to narrow hidden counts there; so graduates' coverage is not published at all. Requests and
  consultants are counts of services and of the network's staff, not of children or applicants, and are shown
  as they are, so that the gap the report exists to show stays visible.
- Callers publish every cohort at once (the selectors do): two published versions for different choices of
  cohorts could be subtracted from each other. Versions published at two dates can still be: publish at fixed
  points, such as when a cohort ends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from abrazo.equity import suppression
from abrazo.equity.suppression import Count
from abrazo.workforce import languages

# Race/ethnicity: the codes of abrazo.incidents.models.RaceEthnicity, as plain strings (Hispanic/Latino first).
RACE_CODES = (
    "hispanic_latino", "american_indian_alaska_native", "asian", "black", "native_hawaiian_pacific_islander",
    "white", "two_or_more",
)
NOT_REPORTED = "not_reported"
RACE_GROUPS = (*RACE_CODES, NOT_REPORTED)
LANGUAGE_CODES = (languages.ENGLISH_ONLY, languages.BILINGUAL_SPANISH, languages.OTHER_MULTILINGUAL)
LANGUAGE_GROUPS = (*LANGUAGE_CODES, languages.NOT_REPORTED)

RACE, LANGUAGE = "race_ethnicity", "language"
DIMENSIONS: dict[str, tuple[str, ...]] = {RACE: RACE_GROUPS, LANGUAGE: LANGUAGE_GROUPS}
APPLICANTS, NOT_ENROLLED, PARTICIPANTS = "applicants", "not_enrolled", "participants"
POPULATIONS = (PARTICIPANTS, NOT_ENROLLED, APPLICANTS)

ENROLLED, COMPLETED, WITHDRAWN = "enrolled", "completed", "withdrawn"  # ParticipantStatus codes
STATUSES = (ENROLLED, COMPLETED, WITHDRAWN)

CONSULTANT_HERE, IECMHC_ELSEWHERE, OTHER_WORK, UNKNOWN = "consultant_here", "iecmhc_elsewhere", "other_work", "unknown"
WORKPLACES = (CONSULTANT_HERE, IECMHC_ELSEWHERE, OTHER_WORK, UNKNOWN)

OVERALL = "overall"  # the key of the row over every cohort
ALL_LANGUAGES = "*"  # the coverage line counting every request and every consultant
SPANISH = languages.SPANISH
GAP_FACTOR = 2.0
NO_SPEAKER, TOO_FEW = "no_speaker", "too_few"


# --- input rows ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    key: str
    name: str


@dataclass(frozen=True)
class Person:
    """An applicant or a participant, as far as the report needs (never published on its own).

    `race` is a RaceEthnicity code ("" or anything unknown is not reported); `languages` ISO codes and
    `other_languages` the free text, as languages.language_group reads them. The rest is for participants:
    their status, whether they are linked to a consultant profile of this network (and it is active), whether
    they say they work as a mental health consultant (None: not known), and the counties they serve now. For an
    applicant, `enrolled` says whether the application became a participant."""

    cohort: str
    race: str = NOT_REPORTED
    languages: tuple[str, ...] = ()
    other_languages: str = ""
    enrolled: bool = False
    status: str = ENROLLED
    consultant_here: bool = False
    works_in_iecmhc: bool | None = None
    counties: tuple[str, ...] = ()


def race_group(code: str) -> str:
    return code if code in RACE_CODES else NOT_REPORTED


def language_group(person: Person) -> str:
    return languages.language_group(person.languages, other_languages=person.other_languages)


def group_of(person: Person, dimension: str) -> str:
    return race_group(person.race) if dimension == RACE else language_group(person)


def workplace(*, consultant_here: bool, works_in_iecmhc: bool | None) -> str:
    """Where a graduate works now: a consultant profile of this network says more than what they told us."""
    if consultant_here:
        return CONSULTANT_HERE
    if works_in_iecmhc is True:
        return IECMHC_ELSEWHERE
    if works_in_iecmhc is False:
        return OTHER_WORK
    return UNKNOWN


def works_in_field(person: Person) -> bool:
    """A graduate working as a mental health consultant, here or elsewhere (they can cover demand)."""
    return person.status == COMPLETED and workplace(
        consultant_here=person.consultant_here, works_in_iecmhc=person.works_in_iecmhc
    ) in (CONSULTANT_HERE, IECMHC_ELSEWHERE)


# --- a system of counts and the relations between them -------------------------------------------------


# Suppression is deterministic: the same counts and relations always hide the same cells. On a state's forty
# cohorts it is the costliest step of the report (about a second), so callers may keep its answer, keyed by a
# fingerprint of everything it depends on; bump the version when the suppression rules change.
SUPPRESSION_VERSION = 2
Remember = Callable[[str, Callable[[], list[int]]], list[int]]


class _System:
    """Named counts and the additive relations a reader knows between them, suppressed together."""

    def __init__(self) -> None:
        self.values: list[int] = []
        self.index: dict[Hashable, int] = {}
        self.relations: list[suppression.Relation] = []
        self.known: set[Hashable] = set()  # counts a reader can read exactly elsewhere: never hidden

    def know(self, keys: Iterable[Hashable]) -> None:
        self.known.update(keys)

    def known_positions(self) -> list[int]:
        return sorted(self.index[key] for key in self.known)

    def add(self, key: Hashable, value: int) -> None:
        self.index[key] = len(self.values)
        self.values.append(value)

    def relate(self, total: Hashable, parts: Iterable[Hashable]) -> None:
        members = tuple(self.index[part] for part in parts)
        if members:
            self.relations.append(suppression.Relation(self.index[total], members))

    def fingerprint(self, high: int) -> str:
        """What the suppressed cells depend on: the threshold, the counts and the relations, in order."""
        text = repr((SUPPRESSION_VERSION, high, self.values, [(r.total, r.parts) for r in self.relations],
                     self.known_positions()))
        return hashlib.sha256(text.encode()).hexdigest()

    def hidden(self, *, exact: bool, high: int, remember: Remember | None = None) -> set[Hashable]:
        """The keys of the cells to hide (none for exact sight). `remember(fingerprint, compute)` may return a
        kept answer instead of computing it again."""
        if exact:
            return set()

        def compute() -> list[int]:
            return sorted(suppression.suppress(self.values, self.relations, high=high,
                                               known=self.known_positions()))

        positions = set(remember(self.fingerprint(high), compute) if remember is not None else compute())
        return {key for key, position in self.index.items() if position in positions}


class _Published:
    """Counts as a person may see them: exact, or with the hidden ones replaced by the label."""

    def __init__(self, system: _System, hidden: set[Hashable], label: str) -> None:
        self.system, self.hidden, self.label = system, hidden, label

    def __call__(self, key: Hashable) -> Count:
        if key in self.hidden:
            return Count(None, self.label)
        return Count(self.system.values[self.system.index[key]])


def share(part: Count, whole: Count) -> float | None:
    """part / whole, or None when either is hidden or the whole is 0."""
    if part.value is None or whole.value is None or whole.value == 0:
        return None
    return part.value / whole.value


def completion_rate(completed: Count, withdrawn: Count) -> float | None:
    """completed / (completed + withdrawn); None when either is hidden or nobody has finished or left."""
    if completed.value is None or withdrawn.value is None:
        return None
    ended = completed.value + withdrawn.value
    return completed.value / ended if ended else None


# --- output tables ---------------------------------------------------------------------------------------


@dataclass
class CompositionRow:
    """One cohort (or every cohort) by the groups of one dimension."""

    key: str
    label: str
    groups: dict[str, Count]  # every group code in order, "not reported" last
    answered: Count  # total of the groups other than "not reported"
    everyone: Count
    shares: dict[str, float | None]  # a group's share of everyone ("not reported" included)

    def percent(self, group: str) -> float | None:
        value = self.shares.get(group)
        return None if value is None else value * 100


@dataclass
class CompositionTable:
    population: str  # one of POPULATIONS
    dimension: str  # RACE or LANGUAGE
    groups: tuple[str, ...]
    rows: list[CompositionRow]  # one per cohort
    overall: CompositionRow


@dataclass
class CompletionRow:
    key: str  # a cohort key, OVERALL, or a group code
    label: str
    participants: Count
    enrolled: Count
    completed: Count
    withdrawn: Count
    rate: float | None

    @property
    def rate_percent(self) -> float | None:
        return None if self.rate is None else self.rate * 100


@dataclass
class WorkRow:
    key: str
    label: str
    graduates: Count
    places: dict[str, Count]  # WORKPLACES in order
    shares: dict[str, float | None]

    def percent(self, place: str) -> float | None:
        value = self.shares.get(place)
        return None if value is None else value * 100


@dataclass
class CohortFigures:
    exact: bool
    high: int
    cohorts: list[Cohort]
    composition: dict[tuple[str, str], CompositionTable]  # (population, dimension) -> table; no APPLICANTS when
    # suppressed
    completion: list[CompletionRow]  # one per cohort
    completion_overall: CompletionRow
    completion_by_group: dict[str, list[CompletionRow]]  # dimension -> one row per group
    work: list[WorkRow]
    work_overall: WorkRow

    def table(self, population: str, dimension: str) -> CompositionTable:
        return self.composition[(population, dimension)]

    @property
    def populations(self) -> list[str]:
        """The populations published, in order (every applicant in the exact version only)."""
        return [population for population in POPULATIONS if (population, RACE) in self.composition]


def _composition_keys(system: _System, people: Sequence[Person], cohorts: Sequence[Cohort],
                      population: str) -> None:
    """Add one population's composition counts and relations: per cohort and overall, for both dimensions,
    everyone = answered + not reported and answered = the groups who answered."""
    counts: dict[tuple[str, str, str], int] = {}
    everyone: dict[str, int] = {}
    for person in people:
        everyone[person.cohort] = everyone.get(person.cohort, 0) + 1
        for dimension in DIMENSIONS:
            key = (person.cohort, dimension, group_of(person, dimension))
            counts[key] = counts.get(key, 0) + 1
    rows = [cohort.key for cohort in cohorts]
    for row in [*rows, OVERALL]:
        in_rows = rows if row == OVERALL else [row]
        system.add((population, row, "everyone"), sum(everyone.get(r, 0) for r in in_rows))
        for dimension, groups in DIMENSIONS.items():
            for group in groups:
                system.add((population, row, dimension, group), sum(counts.get((r, dimension, group), 0)
                                                                    for r in in_rows))
            answered = [(population, row, dimension, group) for group in groups if group != NOT_REPORTED]
            system.add((population, row, dimension, "answered"), sum(system.values[system.index[k]]
                                                                     for k in answered))
            system.relate((population, row, dimension, "answered"), answered)
            system.relate((population, row, "everyone"),
                          [(population, row, dimension, "answered"), (population, row, dimension, NOT_REPORTED)])
    # Cohorts add up to the overall row, count by count.
    if rows:
        system.relate((population, OVERALL, "everyone"), [(population, row, "everyone") for row in rows])
        for dimension, groups in DIMENSIONS.items():
            for group in (*groups, "answered"):
                system.relate((population, OVERALL, dimension, group),
                              [(population, row, dimension, group) for row in rows])


def _participant_keys(system: _System, people: Sequence[Person], cohorts: Sequence[Cohort]) -> None:
    """Statuses and workplaces per cohort, and statuses per group overall, linked to the composition."""
    rows = [cohort.key for cohort in cohorts]
    by_status: dict[tuple[str, str], int] = {}
    by_place: dict[tuple[str, str], int] = {}
    by_group_status: dict[tuple[str, str, str], int] = {}
    for person in people:
        by_status[(person.cohort, person.status)] = by_status.get((person.cohort, person.status), 0) + 1
        if person.status == COMPLETED:
            place = workplace(consultant_here=person.consultant_here, works_in_iecmhc=person.works_in_iecmhc)
            by_place[(person.cohort, place)] = by_place.get((person.cohort, place), 0) + 1
        for dimension in DIMENSIONS:
            key = (dimension, group_of(person, dimension), person.status)
            by_group_status[key] = by_group_status.get(key, 0) + 1
    for row in [*rows, OVERALL]:
        in_rows = rows if row == OVERALL else [row]
        for status in STATUSES:
            system.add(("status", row, status), sum(by_status.get((r, status), 0) for r in in_rows))
        system.relate((PARTICIPANTS, row, "everyone"), [("status", row, status) for status in STATUSES])
        for place in WORKPLACES:
            system.add(("work", row, place), sum(by_place.get((r, place), 0) for r in in_rows))
        system.relate(("status", row, COMPLETED), [("work", row, place) for place in WORKPLACES])
    # The cohort list and a cohort's page show every reader of the published version (all hold cohort.view on
    # every cohort of the network) each cohort's participants not withdrawn, completed and withdrawn, so its
    # participants and those still enrolled too, and their sums over the cohorts: known margins, never hidden.
    system.know(key for row in [*rows, OVERALL]
                for key in [(PARTICIPANTS, row, "everyone"), *(("status", row, status) for status in STATUSES)])
    if rows:
        for status in STATUSES:
            system.relate(("status", OVERALL, status), [("status", row, status) for row in rows])
        for place in WORKPLACES:
            system.relate(("work", OVERALL, place), [("work", row, place) for row in rows])
    for dimension, groups in DIMENSIONS.items():
        for group in groups:
            for status in STATUSES:
                system.add(("group-status", dimension, group, status),
                           by_group_status.get((dimension, group, status), 0))
            system.relate((PARTICIPANTS, OVERALL, dimension, group),
                          [("group-status", dimension, group, status) for status in STATUSES])
        for status in STATUSES:
            system.relate(("status", OVERALL, status), [("group-status", dimension, group, status) for group in groups])


def _composition_row(published: _Published, population: str, row: str, label: str, dimension: str) -> CompositionRow:
    groups = {group: published((population, row, dimension, group)) for group in DIMENSIONS[dimension]}
    answered = published((population, row, dimension, "answered"))
    everyone = published((population, row, "everyone"))
    shares = {group: share(count, everyone) for group, count in groups.items()}
    return CompositionRow(key=row, label=label, groups=groups, answered=answered, everyone=everyone, shares=shares)


def _completion_row(key: str, label: str, participants: Count, statuses: Mapping[str, Count]) -> CompletionRow:
    return CompletionRow(
        key=key, label=label, participants=participants, enrolled=statuses[ENROLLED],
        completed=statuses[COMPLETED], withdrawn=statuses[WITHDRAWN],
        rate=completion_rate(statuses[COMPLETED], statuses[WITHDRAWN]),
    )


def _work_row(published: _Published, row: str, label: str) -> WorkRow:
    graduates = published(("status", row, COMPLETED))
    places = {place: published(("work", row, place)) for place in WORKPLACES}
    return WorkRow(key=row, label=label, graduates=graduates, places=places,
                   shares={place: share(count, graduates) for place, count in places.items()})


def cohort_figures(
    cohorts: Sequence[Cohort], applicants: Sequence[Person], participants: Sequence[Person], *, exact: bool,
    high: int = suppression.DEFAULT_HIGH, hidden_label: str = "hidden", overall_label: str = "All cohorts",
    remember: Remember | None = None,
) -> CohortFigures:
    """Composition, completion and workplaces of the cohorts' people, exact or suppressed (module docstring).

    People of a cohort not in `cohorts` are ignored. `remember`: see _System.hidden."""
    keys = {cohort.key for cohort in cohorts}
    applicants = [person for person in applicants if person.cohort in keys]
    participants = [person for person in participants if person.cohort in keys]
    labels = {cohort.key: cohort.name for cohort in cohorts} | {OVERALL: overall_label}
    rows = [cohort.key for cohort in cohorts]

    populations = {
        PARTICIPANTS: participants,
        NOT_ENROLLED: [person for person in applicants if not person.enrolled],
        **({APPLICANTS: applicants} if exact else {}),
    }
    systems: dict[str, _System] = {}
    for population, people in populations.items():
        systems[population] = _System()
        _composition_keys(systems[population], people, cohorts, population)
    _participant_keys(systems[PARTICIPANTS], participants, cohorts)
    published = {
        population: _Published(system, system.hidden(exact=exact, high=high, remember=remember), hidden_label)
        for population, system in systems.items()
    }

    composition = {}
    for population in populations:
        for dimension, groups in DIMENSIONS.items():
            composition[(population, dimension)] = CompositionTable(
                population=population, dimension=dimension, groups=groups,
                rows=[_composition_row(published[population], population, row, labels[row], dimension)
                      for row in rows],
                overall=_composition_row(published[population], population, OVERALL, labels[OVERALL], dimension),
            )
    shown = published[PARTICIPANTS]

    def completion(row: str) -> CompletionRow:
        return _completion_row(row, labels[row], shown((PARTICIPANTS, row, "everyone")),
                               {status: shown(("status", row, status)) for status in STATUSES})

    by_group = {
        dimension: [
            _completion_row(group, group, shown((PARTICIPANTS, OVERALL, dimension, group)),
                            {status: shown(("group-status", dimension, group, status)) for status in STATUSES})
            for group in groups
        ]
        for dimension, groups in DIMENSIONS.items()
    }
    return CohortFigures(
        exact=exact, high=high, cohorts=list(cohorts), composition=composition,
        completion=[completion(row) for row in rows], completion_overall=completion(OVERALL),
        completion_by_group=by_group,
        work=[_work_row(shown, row, labels[row]) for row in rows],
        work_overall=_work_row(shown, OVERALL, labels[OVERALL]),
    )


# --- coverage against demand ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """A region (or a county) and the counties (FIPS codes) it covers."""

    key: str
    label: str
    counties: tuple[str, ...]


@dataclass(frozen=True)
class Supplier:
    """An active consultant of the network, or a graduate working in the field: what they speak, where."""

    languages: tuple[str, ...]
    counties: tuple[str, ...]


@dataclass(frozen=True)
class Demand:
    """Requests received in the period from one county in one preferred language (aggregated)."""

    county: str
    language: str
    requests: int


@dataclass
class CoverageLine:
    """One language (or ALL_LANGUAGES) in one area."""

    language: str
    requests: int
    consultants: int
    graduates: Count
    per_consultant: float | None  # requests per consultant who speaks it and serves the area
    gap: str  # "", NO_SPEAKER or TOO_FEW


@dataclass
class AreaCoverage:
    key: str
    label: str
    lines: list[CoverageLine]
    counties: list[AreaCoverage] = field(default_factory=list)

    @property
    def gaps(self) -> list[CoverageLine]:
        return [line for line in self.lines if line.gap]

    def line(self, language: str) -> CoverageLine | None:
        return next((line for line in self.lines if line.language == language), None)


@dataclass
class Coverage:
    exact: bool
    high: int
    gap_factor: float
    languages: list[str]  # ALL_LANGUAGES, Spanish, then the other requested languages by demand
    requests: int  # every request of the period in the network
    consultants: int  # every active consultant
    overall_ratio: float | None  # requests per consultant, the yardstick
    threshold: float | None  # gap_factor x overall_ratio
    network: AreaCoverage
    regions: list[AreaCoverage]
    outside_requests: int  # requests from counties in no region of the network

    @property
    def gaps(self) -> list[tuple[AreaCoverage, CoverageLine]]:
        """Every gap of a region or a county, region first."""
        found = []
        for region in self.regions:
            found += [(region, line) for line in region.gaps]
            for county in region.counties:
                found += [(county, line) for line in county.gaps]
        return found


def gap_for(requests: int, consultants: int, threshold: float | None) -> str:
    """The gap rule of the module docstring for one language in one area."""
    if requests <= 0:
        return ""
    if consultants == 0:
        return NO_SPEAKER
    if threshold is not None and requests / consultants > threshold:
        return TOO_FEW
    return ""


class _Speakers:
    """Who speaks what where, indexed once: for each language (and ALL_LANGUAGES), county -> supplier numbers."""

    def __init__(self, suppliers: Sequence[Supplier]) -> None:
        self.by_language: dict[str, dict[str, set[int]]] = {}
        self.speak: dict[str, int] = {}
        for number, supplier in enumerate(suppliers):
            for language in (*set(supplier.languages), ALL_LANGUAGES):
                self.speak[language] = self.speak.get(language, 0) + 1
                counties = self.by_language.setdefault(language, {})
                for county in supplier.counties:
                    counties.setdefault(county, set()).add(number)

    def serving(self, language: str, counties: Iterable[str]) -> int:
        """Suppliers who speak the language and serve at least one of the counties (each counted once)."""
        found: set[int] = set()
        by_county = self.by_language.get(language, {})
        for county in counties:
            found |= by_county.get(county, set())
        return len(found)

    def speaking(self, language: str) -> int:
        return self.speak.get(language, 0)


def coverage(
    regions: Sequence[Area], counties: Mapping[str, str], consultants: Sequence[Supplier],
    graduates: Sequence[Supplier], demand: Sequence[Demand], *, exact: bool, high: int = suppression.DEFAULT_HIGH,
    hidden_label: str = "hidden", network_label: str = "Network", total_consultants: int | None = None,
    total_requests: int | None = None, gap_factor: float = GAP_FACTOR, shown_regions: Iterable[str] | None = None,
) -> Coverage:
    """Coverage of every region (and its counties, labelled from `counties`) against the requests received.

    `consultants` and `graduates` are the network's active consultants and the graduates working in the field;
    `demand` every request of the period, aggregated by county and preferred language. The yardstick uses
    `total_requests` and `total_consultants` (default: the sums of `demand` and `consultants`), so that showing
    one region (`shown_regions`) does not change what counts as a gap."""
    requests_total = sum(row.requests for row in demand) if total_requests is None else total_requests
    consultants_total = len(consultants) if total_consultants is None else total_consultants
    overall = requests_total / consultants_total if consultants_total else None
    threshold = overall * gap_factor if overall is not None else None
    wanted = set(shown_regions) if shown_regions is not None else None
    shown = [region for region in regions if wanted is None or region.key in wanted]
    in_regions = {county for region in regions for county in region.counties}
    shown_counties = {county for region in shown for county in region.counties}

    by_county: dict[tuple[str, str], int] = {}
    volume: dict[str, int] = {}
    for row in demand:
        by_county[(row.county, row.language)] = by_county.get((row.county, row.language), 0) + row.requests
        if row.county in shown_counties:
            volume[row.language] = volume.get(row.language, 0) + row.requests
    others = sorted((code for code in volume if code != SPANISH), key=lambda code: (-volume[code], code))
    order = [ALL_LANGUAGES, SPANISH, *others]

    consultant_index, graduate_index = _Speakers(consultants), _Speakers(graduates)
    by_language: dict[str, int] = {}
    for (_county, code), count in by_county.items():
        by_language[code] = by_language.get(code, 0) + count

    def requests_in(area_counties: frozenset[str], language: str) -> int:
        if language == ALL_LANGUAGES:
            return sum(count for (county, _code), count in by_county.items() if county in area_counties)
        return sum(by_county.get((county, language), 0) for county in area_counties)

    def lines_for(area_counties: frozenset[str] | None) -> list[CoverageLine]:
        """The area's lines; None stands for the whole network (every request, every consultant)."""
        lines = []
        for language in order:
            if area_counties is None:
                requests = requests_total if language == ALL_LANGUAGES else by_language.get(language, 0)
                speakers = consultants_total if language == ALL_LANGUAGES else consultant_index.speaking(language)
                graduates_count = graduate_index.speaking(language)
            else:
                requests = requests_in(area_counties, language)
                speakers = consultant_index.serving(language, area_counties)
                graduates_count = graduate_index.serving(language, area_counties)
            graduates_shown = Count(graduates_count) if exact else Count(None, hidden_label)
            lines.append(CoverageLine(
                language=language, requests=requests, consultants=speakers, graduates=graduates_shown,
                per_consultant=requests / speakers if speakers else None,
                gap=gap_for(requests, speakers, threshold),
            ))
        return lines

    areas = []
    for region in shown:
        area = AreaCoverage(key=region.key, label=region.label, lines=lines_for(frozenset(region.counties)))
        area.counties = [
            AreaCoverage(key=county, label=counties.get(county, county), lines=lines_for(frozenset({county})))
            for county in sorted(region.counties, key=lambda fips: counties.get(fips, fips))
        ]
        areas.append(area)
    network = AreaCoverage(key=OVERALL, label=network_label, lines=lines_for(None))
    outside = sum(row.requests for row in demand if row.county not in in_regions)
    return Coverage(
        exact=exact, high=high, gap_factor=gap_factor, languages=order, requests=requests_total,
        consultants=consultants_total, overall_ratio=overall, threshold=threshold, network=network, regions=areas,
        outside_requests=outside,
    )

"""Pre/post outcomes for a group of episodes, as the person asking may see them (issue 5, DOMAIN.md §7-8).

Who sees what ("outcomes.view"):

- network administrators: the network, its regions and programs, exact figures;
- regional coordinators: their region and its programs, exact;
- supervisors: their consultants' episodes (the "team" unit), or those within a program, exact;
- evaluators: the network, its regions and programs, suppressed. A person holding an evaluator role in a
  network (and not its administrator) gets suppressed figures for the whole network, even where another
  role would give exact ones: mixing sights in one network could let one page be subtracted from another.

The records counted are always `access.visible(user, "outcomes.view", Administration)` inside the unit, so
a unit's name never widens what is read.

Pairs. For each episode, instrument and respondent (the staff member who answered, the child the answers
are about, and the respondent's role), the latest completed post is paired with the latest completed pre
on or before it; respondents without both are not pairs. Statistics come from `measures.outcomes`.

Disaggregation: by race/ethnicity (the child's, only for child-level instruments: for teacher or classroom
measures there is no child and race is not known) and by the language the post was answered in.

Suppressed sight. The counts of one scale (pairs, improved / worse / unchanged, reliably improved / worse,
per group and overall, for both breakdowns) are linked tables sharing their margins; they are suppressed
together in one `suppression.suppress` call, so that no hidden count is recovered from the overall row or
from the other breakdown. A group whose number of pairs is hidden (1..10, or hidden as a complement) or
under the network's threshold is withheld: no statistic, no count. Every share whose count is hidden is
hidden. Every hidden count reads "hidden". Nothing per person is ever returned, in either sight.
Limitation: the scales of one instrument are suppressed one by one; where pairs lack a score on one scale
only, comparing two scales' group counts tells how many lack it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from abrazo.accounts import access
from abrazo.accounts.models import Role
from abrazo.audit import services as audit
from abrazo.consultations.models import EpisodeType
from abrazo.directory.models import Language, Network, Program, Region
from abrazo.equity import suppression
from abrazo.equity.models import EquitySettings
from abrazo.equity.selectors import HIDDEN_LABEL
from abrazo.equity.suppression import Count
from abrazo.incidents.models import RaceEthnicity
from abrazo.measures import outcomes
from abrazo.measures.models import Administration, AdministrationStatus, Instrument, Level, Scale, Timepoint

PERMISSION = "outcomes.view"
NETWORK, REGION, PROGRAM, TEAM = "network", "region", "program", "team"
UNIT_MODELS: dict[str, Any] = {NETWORK: Network, REGION: Region, PROGRAM: Program}
ALL, RACE, LANGUAGE = "all", "race_ethnicity", "language"
NOT_RECORDED = ""
# One label for every hidden count, small or hidden to protect a small one (see equity.selectors).

BREAKDOWN_LABELS: dict[str, Any] = {
    ALL: gettext_lazy("All respondents"),
    RACE: gettext_lazy("Race/ethnicity"),
    LANGUAGE: gettext_lazy("Language answered in"),
}


# --- units --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeUnit:
    """A group of episodes a person may open: a network, region or program, or a supervisor's team."""

    kind: str
    id: UUID
    name: str
    network_id: UUID
    exact: bool

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def _granted(user: Any) -> list[Any]:
    grants = access.POLICY[PERMISSION]
    memberships = getattr(user, "active_memberships", None) if getattr(user, "is_authenticated", False) else None
    return [m for m in memberships or [] if Role(m.role) in grants]


def _exact_networks(user: Any) -> set[UUID]:
    """Networks where the person's figures are exact: none of their roles there is evaluator, or they are its
    administrator (who sees every exact figure of the network anyway)."""
    memberships = _granted(user)
    evaluated = {m.network_id for m in memberships if m.role == Role.EVALUATOR}
    administered = {m.network_id for m in memberships if m.role == Role.NETWORK_ADMIN}
    return {m.network_id for m in memberships if m.network_id not in evaluated or m.network_id in administered}


def _network_of(obj: Any) -> UUID:
    return obj.pk if isinstance(obj, Network) else obj.network_id  # type: ignore[no-any-return]


def _units(user: Any, kind: str, exact_networks: set[UUID], **filters: Any) -> list[OutcomeUnit]:
    model = UNIT_MODELS[kind]
    queryset = access.visible(user, PERMISSION, model.objects.filter(**filters)).order_by("name")
    return [
        OutcomeUnit(kind=kind, id=obj.pk, name=obj.name, network_id=_network_of(obj),
                    exact=_network_of(obj) in exact_networks)
        for obj in queryset.only("pk", "name", *(() if kind == NETWORK else ("network_id",)))
    ]


def _teams(user: Any, exact_networks: set[UUID], network_id: UUID | None = None) -> list[OutcomeUnit]:
    supervised = {m.network_id for m in _granted(user) if m.role == Role.SUPERVISOR}
    if network_id is not None:
        supervised &= {network_id}
    return [
        OutcomeUnit(kind=TEAM, id=network, name=_("Your consultants' episodes"), network_id=network,
                    exact=network in exact_networks)
        for network in sorted(supervised, key=str)
    ]


def units_for(user: Any) -> list[OutcomeUnit]:
    """Every unit the person may open: a supervisor's team, networks, regions, then programs."""
    exact_networks = _exact_networks(user)
    found = [*_teams(user, exact_networks)]
    for kind in (NETWORK, REGION, PROGRAM):
        found.extend(_units(user, kind, exact_networks))
    return found


def unit_from_key(*, user: Any, key: str | None) -> OutcomeUnit:
    """The unit named "<kind>:<uuid>" (the form's value), or the first the person may open; 404 (audited as
    denied) for anything else."""
    if not key:
        units = units_for(user)
        if not units:
            raise Http404
        return units[0]
    kind, _sep, raw_id = key.partition(":")
    try:
        unit_id = UUID(raw_id)
    except ValueError as exc:
        raise Http404 from exc
    exact_networks = _exact_networks(user)
    if kind == TEAM:
        found = _teams(user, exact_networks, network_id=unit_id)
    elif kind in UNIT_MODELS:
        found = _units(user, kind, exact_networks, pk=unit_id)
    else:
        found = []
    if not found:
        audit.record_denied(user=user, object_type=f"directory.{kind if kind in UNIT_MODELS else NETWORK}",
                            object_id=str(unit_id))
        raise Http404
    return found[0]


def suppress_up_to(network_id: UUID) -> int:
    """The network's suppression threshold (counts 1..this are hidden); read only, never created here."""
    value = EquitySettings.objects.filter(network_id=network_id).values_list("suppress_up_to", flat=True).first()
    return int(value) if value else suppression.DEFAULT_HIGH


def instruments_for(unit: OutcomeUnit) -> list[Instrument]:
    """Instruments the unit's network can use (its own and Abrazo's), for the form."""
    return list(Instrument.objects.filter(Q(network__isnull=True) | Q(network_id=unit.network_id))
                .only("pk", "name_en", "name_es", "level").order_by("name_en"))


# --- the question ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    episode_type: str = ""  # "" = every type
    closed_from: dt.date | None = None  # the period of episode closure, inclusive
    closed_until: dt.date | None = None
    instrument_id: UUID | None = None

    def parameters(self) -> list[str]:
        return [
            f"episode_type={self.episode_type or 'any'}",
            f"closed={self.closed_from.isoformat() if self.closed_from else ''}.."
            f"{self.closed_until.isoformat() if self.closed_until else ''}",
            f"instrument={self.instrument_id or 'any'}",
        ]


# --- pairs ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """One respondent's pre and post administration of one instrument in one episode (never published)."""

    instrument_id: UUID
    pre: dict[str, Any]
    post: dict[str, Any]
    race: str | None  # the child's race/ethnicity; None when no child is named
    language: str


def _administrations(user: Any, unit: OutcomeUnit, filters: Filters) -> Any:
    queryset = Administration.objects.filter(
        status=AdministrationStatus.COMPLETED, timepoint__in=[Timepoint.PRE, Timepoint.POST],
        episode__isnull=False, episode__network_id=unit.network_id,
    )
    if unit.kind == REGION:
        queryset = queryset.filter(episode__program__region_id=unit.id)
    elif unit.kind == PROGRAM:
        queryset = queryset.filter(episode__program_id=unit.id)
    if filters.episode_type:
        queryset = queryset.filter(episode__episode_type=filters.episode_type)
    if filters.closed_from:
        queryset = queryset.filter(episode__closed_at__date__gte=filters.closed_from)
    if filters.closed_until:
        queryset = queryset.filter(episode__closed_at__date__lte=filters.closed_until)
    if filters.instrument_id:
        queryset = queryset.filter(instrument_id=filters.instrument_id)
    return access.visible(user, PERMISSION, queryset)


def _when(row: dict[str, Any]) -> tuple[dt.date, dt.datetime]:
    completed = row["completed_on"] or row["created_at"].date()
    return completed, row["created_at"]


def pairs_for(*, user: Any, unit: OutcomeUnit, filters: Filters) -> list[Pair]:
    """Every pair in the unit that the person may count (one query)."""
    rows = _administrations(user, unit, filters).values(
        "instrument_id", "episode_id", "respondent_staff_id", "child_id", "respondent_role", "timepoint",
        "completed_on", "created_at", "language", "scores", "child__race_ethnicity",
    )
    grouped: dict[tuple[Any, ...], tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for row in rows:
        key = (row["instrument_id"], row["episode_id"], row["respondent_staff_id"], row["child_id"],
               row["respondent_role"])
        pres, posts = grouped.setdefault(key, ([], []))
        (pres if row["timepoint"] == Timepoint.PRE else posts).append(row)
    pairs = []
    for (instrument_id, _episode, _staff, child_id, _role), (pres, posts) in grouped.items():
        if not pres or not posts:
            continue
        post = max(posts, key=_when)
        earlier = [pre for pre in pres if _when(pre) <= _when(post)]
        if not earlier:
            continue
        pre = max(earlier, key=_when)
        race = (post["child__race_ethnicity"] or RaceEthnicity.NOT_REPORTED) if child_id else None
        pairs.append(Pair(instrument_id=instrument_id, pre=pre["scores"] or {}, post=post["scores"] or {},
                          race=race, language=post["language"] or NOT_RECORDED))
    return pairs


def _score(scores: dict[str, Any], key: str) -> float | None:
    value = scores.get(key)
    if isinstance(value, dict):
        value = value.get("raw")
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# --- the figures as published ---------------------------------------------------------------------------


def _hidden() -> Count:
    return Count(None, str(HIDDEN_LABEL))


@dataclass
class GroupStats:
    """One group's statistics for one scale, as the person may see them (never per person)."""

    code: str
    label: str
    n: Count
    n_dropped: Count | None  # pairs missing this scale's score on one side (exact sight only)
    improved: Count
    worse: Count
    unchanged: Count
    reliably_improved: Count | None  # None: the scale has no reliability
    reliably_worse: Count | None
    mean_pre: float | None = None
    mean_post: float | None = None
    mean_change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    sd_change: float | None = None
    p_value: float | None = None
    d_z: float | None = None
    hedges_g: float | None = None
    g_ci_low: float | None = None
    g_ci_high: float | None = None
    share_improved: float | None = None
    share_worse: float | None = None
    share_unchanged: float | None = None
    share_reliably_improved: float | None = None
    share_reliably_worse: float | None = None
    withheld: bool = False
    reasons: dict[str, str] = field(default_factory=dict)  # statistic -> outcomes.NotCalculated code

    def percent(self, name: str) -> float | None:
        share = getattr(self, f"share_{name}")
        return None if share is None else share * 100

    @property
    def improved_percent(self) -> float | None:
        return self.percent("improved")

    @property
    def worse_percent(self) -> float | None:
        return self.percent("worse")

    @property
    def unchanged_percent(self) -> float | None:
        return self.percent("unchanged")

    @property
    def reliably_improved_percent(self) -> float | None:
        return self.percent("reliably_improved")

    @property
    def reliably_worse_percent(self) -> float | None:
        return self.percent("reliably_worse")


@dataclass
class Breakdown:
    dimension: str  # RACE or LANGUAGE
    label: str
    groups: list[GroupStats]
    available: bool = True  # False: not known for this instrument (race for a teacher-level measure)


@dataclass
class ScaleReport:
    key: str
    name: str
    higher_is_better: bool
    reliability: float | None
    overall: GroupStats
    breakdowns: list[Breakdown]


@dataclass
class InstrumentReport:
    id: UUID
    name: str
    level: str
    child_level: bool
    scales: list[ScaleReport]


@dataclass
class Report:
    unit: OutcomeUnit
    filters: Filters
    suppress_up_to: int
    min_pairs: int
    instruments: list[InstrumentReport]

    @property
    def exact(self) -> bool:
        return self.unit.exact


_STATISTICS = ("mean_pre", "mean_post", "mean_change", "ci_low", "ci_high", "sd_change", "p_value", "d_z",
               "hedges_g", "g_ci_low", "g_ci_high")
# Counts of one group, in this order, in the linked tables of one scale.
_COUNT_NAMES = ("n", "improved", "worse", "unchanged", "reliably_improved", "reliably_worse", "not_reliable")


def _counts(result: outcomes.PairedResult) -> list[int]:
    reliable = result.n_reliably_improved is not None
    improved_r = result.n_reliably_improved or 0
    worse_r = result.n_reliably_worse or 0
    return [result.n, result.n_improved or 0, result.n_worse or 0, result.n_unchanged or 0,
            improved_r, worse_r, result.n - improved_r - worse_r if reliable else 0]


def _suppress_scale(
    overall: outcomes.PairedResult, breakdowns: Sequence[Sequence[outcomes.PairedResult]], *, high: int,
    reliable: bool,
) -> tuple[set[str], list[list[set[str]]]]:
    """Which counts to hide: one system of values and relations for the overall row and every breakdown.

    Each group (and the overall row) has n = improved + worse + unchanged and, with reliability,
    n = reliably improved + reliably worse + neither ("neither" is never shown, but a reader can work it out,
    so it is a value like the others). Each breakdown's groups add up to the overall row, count by count.
    """
    values: list[int] = []
    relations: list[suppression.Relation] = []

    def add(result: outcomes.PairedResult) -> dict[str, int]:
        start = len(values)
        counts = _counts(result)
        values.extend(counts)
        index = {name: start + offset for offset, name in enumerate(_COUNT_NAMES)}
        relations.append(suppression.Relation(index["n"], (index["improved"], index["worse"], index["unchanged"])))
        if reliable:
            relations.append(suppression.Relation(
                index["n"], (index["reliably_improved"], index["reliably_worse"], index["not_reliable"])))
        return index

    overall_index = add(overall)
    group_indexes: list[list[dict[str, int]]] = []
    names = _COUNT_NAMES if reliable else _COUNT_NAMES[:4]
    for groups in breakdowns:
        indexes = [add(result) for result in groups]
        group_indexes.append(indexes)
        if indexes:
            for name in names:
                relations.append(suppression.Relation(overall_index[name], tuple(i[name] for i in indexes)))
    hidden = suppression.suppress(values, relations, high=high)

    def names_hidden(index: dict[str, int]) -> set[str]:
        return {name for name, position in index.items() if position in hidden}

    return names_hidden(overall_index), [[names_hidden(index) for index in indexes] for indexes in group_indexes]


def _published(
    result: outcomes.PairedResult, code: str, label: str, hidden: set[str], *, exact: bool, min_pairs: int,
    reliable: bool,
) -> GroupStats:
    """One group's row: everything for exact sight; for suppressed sight the counts not hidden, the shares
    of counts not hidden, and the statistics only of a group with enough pairs whose n is shown."""
    def count(name: str, value: int | None) -> Count:
        if name in hidden:
            return _hidden()
        return Count(value or 0)

    withheld = not exact and ("n" in hidden or not outcomes.publishable(result, min_n=min_pairs))
    if withheld:
        hidden = set(_COUNT_NAMES)
    stats = GroupStats(
        code=code, label=label, n=count("n", result.n),
        n_dropped=Count(result.n_dropped) if exact else None,
        improved=count("improved", result.n_improved), worse=count("worse", result.n_worse),
        unchanged=count("unchanged", result.n_unchanged),
        reliably_improved=count("reliably_improved", result.n_reliably_improved) if reliable else None,
        reliably_worse=count("reliably_worse", result.n_reliably_worse) if reliable else None,
        withheld=withheld,
    )
    shown = outcomes.withhold(result) if withheld else result
    for name in _STATISTICS:
        setattr(stats, name, getattr(shown, name))
    for name in ("improved", "worse", "unchanged", "reliably_improved", "reliably_worse"):
        value = getattr(shown, f"share_{name}", None)
        setattr(stats, f"share_{name}", None if name in hidden else value)
    stats.reasons = {name: reason for name, reason in shown.not_calculated.items()
                     if name in _STATISTICS or name.startswith("share_")}
    return stats


def _race_labels(codes: Iterable[str]) -> dict[str, str]:
    labels = {}
    for code in codes:
        if code in RaceEthnicity.values:
            labels[code] = str(RaceEthnicity(code).label)
        else:
            labels[code] = code or _("Not recorded")
    return labels


def _language_labels(codes: Iterable[str]) -> dict[str, str]:
    codes = list(codes)
    names = {language.code: str(language) for language in Language.objects.filter(code__in=codes)}
    return {code: names.get(code, code) if code else _("Not recorded") for code in codes}


def _ordered_codes(codes: Iterable[str], labels: dict[str, str], last: Iterable[str]) -> list[str]:
    at_end = set(last)
    return sorted(set(codes), key=lambda code: (code in at_end, labels[code].lower()))


def _scale_report(
    scale: Scale, pairs: Sequence[Pair], *, child_level: bool, exact: bool, high: int, min_pairs: int,
    race_labels: dict[str, str], language_labels: dict[str, str],
) -> ScaleReport:
    scored = [(_score(pair.pre, scale.key), _score(pair.post, scale.key), pair) for pair in pairs]
    reliability = scale.reliability
    overall = outcomes.paired_change([row[0] for row in scored], [row[1] for row in scored],
                                     higher_is_better=scale.higher_is_better, reliability=reliability)
    dimensions: list[tuple[str, dict[str, str], list[str], dict[str, outcomes.PairedResult]]] = []
    wanted = [(RACE, race_labels)] if child_level else []
    wanted.append((LANGUAGE, language_labels))
    for dimension, labels in wanted:
        def group_of(pair: Pair, dimension: str = dimension) -> str:
            return (pair.race or RaceEthnicity.NOT_REPORTED) if dimension == RACE else pair.language

        results = outcomes.by_group(scored, group_of, higher_is_better=scale.higher_is_better,
                                    reliability=reliability)
        not_reported = (RaceEthnicity.NOT_REPORTED, NOT_RECORDED)
        codes = _ordered_codes(results, labels, not_reported)
        dimensions.append((dimension, labels, codes, results))

    # Reliable change needs a spread at pre; without it no group has it either (by_group's shared threshold).
    reliable = reliability is not None and overall.n_reliably_improved is not None
    if exact:
        overall_hidden: set[str] = set()
        group_hidden = [[set() for _code in codes] for _d, _l, codes, _r in dimensions]
    else:
        overall_hidden, group_hidden = _suppress_scale(
            overall, [[results[code] for code in codes] for _d, _l, codes, results in dimensions], high=high,
            reliable=reliable,
        )
    overall_row = _published(overall, ALL, str(BREAKDOWN_LABELS[ALL]), overall_hidden, exact=exact,
                             min_pairs=min_pairs, reliable=reliable)
    breakdowns = []
    for (dimension, labels, codes, results), hidden_sets in zip(dimensions, group_hidden, strict=True):
        breakdowns.append(Breakdown(
            dimension=dimension, label=str(BREAKDOWN_LABELS[dimension]),
            groups=[_published(results[code], code, labels.get(code, code), hidden, exact=exact,
                               min_pairs=min_pairs, reliable=reliable)
                    for code, hidden in zip(codes, hidden_sets, strict=True)],
        ))
    if not child_level:
        breakdowns.insert(0, Breakdown(dimension=RACE, label=str(BREAKDOWN_LABELS[RACE]), groups=[],
                                       available=False))
    return ScaleReport(key=scale.key, name=scale.name, higher_is_better=scale.higher_is_better,
                       reliability=reliability, overall=overall_row, breakdowns=breakdowns)


def report_for(
    *, user: Any, unit: OutcomeUnit, filters: Filters, audit_action: str = "view", audit_extra: Sequence[str] = (),
) -> Report:
    """Every instrument with at least one pair in the unit, scale by scale, as the person may see it; audited
    with the unit and the parameters (aggregates: no person's id is involved)."""
    high = suppress_up_to(unit.network_id)
    min_pairs = high + 1
    _audit(user=user, unit=unit, filters=filters, action=audit_action, extra=audit_extra)
    pairs = pairs_for(user=user, unit=unit, filters=filters)
    by_instrument: dict[UUID, list[Pair]] = {}
    for pair in pairs:
        by_instrument.setdefault(pair.instrument_id, []).append(pair)
    report = Report(unit=unit, filters=filters, suppress_up_to=high, min_pairs=min_pairs, instruments=[])
    if not by_instrument:
        return report
    instruments = Instrument.objects.filter(pk__in=list(by_instrument)).prefetch_related("scales")
    race_labels = _race_labels({pair.race or RaceEthnicity.NOT_REPORTED for pair in pairs})
    language_labels = _language_labels({pair.language for pair in pairs})
    for instrument in sorted(instruments, key=lambda found: found.name.lower()):
        child_level = instrument.level == Level.CHILD
        scales = sorted(instrument.scales.all(), key=lambda scale: scale.position)
        report.instruments.append(InstrumentReport(
            id=instrument.pk, name=instrument.name, level=instrument.get_level_display(), child_level=child_level,
            scales=[_scale_report(scale, by_instrument[instrument.pk], child_level=child_level, exact=unit.exact,
                                  high=high, min_pairs=min_pairs, race_labels=race_labels,
                                  language_labels=language_labels)
                    for scale in scales],
        ))
    return report


def episode_type_choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in EpisodeType.choices]


def _audit(*, user: Any, unit: OutcomeUnit, filters: Filters, action: str, extra: Sequence[str]) -> None:
    # Aggregates: the ledger's object_ids carry the parameters, which with the unit say exactly what was seen.
    kind = NETWORK if unit.kind == TEAM else unit.kind
    parameters = [f"unit={unit.kind}", *filters.parameters(), f"sight={'exact' if unit.exact else 'suppressed'}",
                  *extra]
    audit.record(user=user, action=action, object_type=f"directory.{kind}", object_id=str(unit.id),
                 object_ids=parameters)

"""Reads behind the workforce capacity report (issue 6 item 5): plain rows for `workforce.capacity`, scoped by the
person asking.

Who sees what:

- "workforce.report" opens the report (network administrators, coordinators and evaluators, for their network);
- "workforce.report_unsuppressed" (administrators only, who review every application) gives exact counts; anyone
  else gets the published version, suppressed (capacity module docstring). As with the outcomes page, a person
  holding an evaluator role in a network, and not its administrator, gets the published version there whatever
  their other roles: two sights of one network could be subtracted from each other.
- Staff with exact sight may preview the published version (`Filters.published`).
- The published version always covers every cohort of the network, whatever was chosen (capacity docstring).

Every record read is `access.visible(user, "workforce.report", ...)` inside the chosen network, network first.
Applicants' and participants' demographics leave this module only as the capacity module's aggregates; each read
of the report or its export is audited with the network and the parameters (no person's id is involved).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast
from uuid import UUID

from django.core.cache import cache
from django.db.models import CharField
from django.db.models import Count as CountOf
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from abrazo.accounts import access
from abrazo.accounts.models import Role
from abrazo.audit import services as audit
from abrazo.directory.models import ConsultantProfile, Language, Network, NetworkCounty, Region
from abrazo.equity import suppression
from abrazo.equity.models import EquitySettings
from abrazo.equity.selectors import HIDDEN_LABEL
from abrazo.incidents.models import RaceEthnicity
from abrazo.intake.models import Request
from abrazo.workforce import capacity
from abrazo.workforce.models import Application, Cohort, LanguageGroup, Participant, ParticipantStatus

REPORT = "workforce.report"
UNSUPPRESSED = "workforce.report_unsuppressed"
DEFAULT_PERIOD_DAYS = 365

POPULATION_LABELS: dict[str, Any] = {
    capacity.PARTICIPANTS: gettext_lazy("Participants"),
    capacity.NOT_ENROLLED: gettext_lazy("Applicants not enrolled"),
    capacity.APPLICANTS: gettext_lazy("All applicants"),
}
DIMENSION_LABELS: dict[str, Any] = {
    capacity.RACE: gettext_lazy("Race/ethnicity"),
    capacity.LANGUAGE: gettext_lazy("Language"),
}
STATUS_LABELS: dict[str, Any] = {status.value: status.label for status in ParticipantStatus}
WORKPLACE_LABELS: dict[str, Any] = {
    capacity.CONSULTANT_HERE: gettext_lazy("Consultant in this network"),
    capacity.IECMHC_ELSEWHERE: gettext_lazy("Mental health consultant elsewhere"),
    capacity.OTHER_WORK: gettext_lazy("Other work"),
    capacity.UNKNOWN: gettext_lazy("Not known"),
}
GAP_LABELS: dict[str, Any] = {
    capacity.NO_SPEAKER: gettext_lazy("Gap: no consultant speaks it"),
    capacity.TOO_FEW: gettext_lazy("Gap: too few consultants"),
}


# --- the network and the sight -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkChoice:
    id: UUID
    name: str
    exact: bool  # the person may see exact counts here

    @property
    def key(self) -> str:
        return str(self.id)


def _exact_networks(user: Any) -> set[UUID]:
    memberships = getattr(user, "active_memberships", None) if getattr(user, "is_authenticated", False) else None
    memberships = memberships or []
    unsuppressed = {m.network_id for m in memberships if Role(m.role) in access.POLICY[UNSUPPRESSED]}
    evaluated = {m.network_id for m in memberships if m.role == Role.EVALUATOR}
    administered = {m.network_id for m in memberships if m.role == Role.NETWORK_ADMIN}
    return {network for network in unsuppressed if network not in evaluated or network in administered}


def networks_for(user: Any) -> list[NetworkChoice]:
    """The networks whose report the person may open, by name."""
    exact = _exact_networks(user)
    return [NetworkChoice(id=pk, name=name, exact=pk in exact)
            for pk, name in access.visible(user, REPORT, Network.objects.order_by("name")).values_list("pk", "name")]


def network_from_key(*, user: Any, key: str | None, choices: Sequence[NetworkChoice] | None = None) -> NetworkChoice:
    """The network named by its id (the form's value), or the person's first; 404 (audited) for anything else.
    `choices`: networks_for(user), when the caller has them already."""
    choices = networks_for(user) if choices is None else choices
    if not key:
        if not choices:
            raise Http404
        return choices[0]
    found = next((choice for choice in choices if choice.key == key), None)
    if found is None:
        audit.record_denied(user=user, object_type="directory.network", object_id=str(key)[:64])
        raise Http404
    return found


def suppress_up_to(network_id: UUID) -> int:
    """The network's threshold for published counts (the equity settings'); read, never created here."""
    value = EquitySettings.objects.filter(network_id=network_id).values_list("suppress_up_to", flat=True).first()
    return int(value) if value else suppression.DEFAULT_HIGH


# --- the question -------------------------------------------------------------------------------------------


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    until = today or timezone.localdate()
    return until - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1), until


@dataclass(frozen=True)
class Filters:
    cohort_ids: tuple[UUID, ...] = ()  # empty: every cohort of the network
    region_id: UUID | None = None  # coverage of one region (and its counties) only
    requested_from: dt.date | None = None  # the period of requests, inclusive (default: the last year)
    requested_until: dt.date | None = None
    published: bool = False  # staff previewing the published (suppressed) version

    def period(self) -> tuple[dt.date, dt.date]:
        start, end = default_period()
        return self.requested_from or start, self.requested_until or end

    def parameters(self) -> list[str]:
        start, end = self.period()
        return [
            f"cohorts={','.join(str(pk) for pk in self.cohort_ids) or 'all'}",
            f"region={self.region_id or 'all'}",
            f"requests={start.isoformat()}..{end.isoformat()}",
        ]


def cohort_choices(*, user: Any, network: NetworkChoice) -> list[tuple[UUID, str]]:
    """The network's cohorts the person may count, newest first, for the form."""
    queryset = access.visible(user, REPORT, Cohort.objects.filter(network_id=network.id))
    return list(queryset.order_by("-starts_on", "name").values_list("pk", "name"))


def region_choices(*, user: Any, network: NetworkChoice) -> list[tuple[UUID, str]]:
    queryset = access.visible(user, REPORT, Region.objects.filter(network_id=network.id))
    return list(queryset.order_by("name").values_list("pk", "name"))


# --- the figures -------------------------------------------------------------------------------------------


@dataclass
class CapacityReport:
    network: NetworkChoice
    filters: Filters
    exact: bool  # the figures shown are exact (False: the published version)
    high: int
    period: tuple[dt.date, dt.date]
    figures: capacity.CohortFigures
    coverage: capacity.Coverage
    group_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # dimension -> code -> label
    language_names: dict[str, str] = field(default_factory=dict)  # ISO code (or ALL_LANGUAGES) -> name

    @property
    def previewing(self) -> bool:
        return self.network.exact and not self.exact


def _key(field: str) -> Cast:
    """An id read as text. The rows of a state's report carry some 20,000 ids that only join rows to each other:
    reading them as text skips building a UUID for each (the text's form differs by database, but every key of
    one report is read the same way)."""
    return Cast(field, output_field=CharField())


def _cohorts(user: Any, network: NetworkChoice, filters: Filters) -> list[capacity.Cohort]:
    queryset = access.visible(user, REPORT, Cohort.objects.filter(network_id=network.id))
    if filters.cohort_ids:
        queryset = queryset.filter(pk__in=filters.cohort_ids)
    # Oldest first, so that the rows read as the network's history.
    return [capacity.Cohort(key=key, name=name)
            for key, name in queryset.order_by("starts_on", "name").values_list(_key("pk"), "name")]


def _codes_by(rows: Any) -> dict[Any, tuple[str, ...]]:
    found: dict[Any, list[str]] = {}
    for owner, code in rows:
        found.setdefault(owner, []).append(code)
    return {owner: tuple(sorted(codes)) for owner, codes in found.items()}


def _applicants(user: Any, network: NetworkChoice, cohort_keys: Sequence[str]) -> tuple[
        list[capacity.Person], dict[str, tuple[str, ...]]]:
    """Every application to the cohorts, and the languages of each, read or not (participants fall back on them)."""
    queryset = access.visible(user, REPORT, Application.objects.filter(network_id=network.id,
                                                                       cohort_id__in=cohort_keys))
    spoken = _codes_by(Application.languages.through.objects.filter(application__in=queryset.values("pk"))
                       .values_list(_key("application_id"), "language_id"))
    people, every = [], {}
    for pk, cohort_id, race, other, participant in queryset.order_by().values_list(
            _key("pk"), _key("cohort_id"), "race_ethnicity", "other_languages", _key("participant__id")):
        every[pk] = spoken.get(pk, ())
        people.append(capacity.Person(cohort=cohort_id, race=race or capacity.NOT_REPORTED,
                                      languages=every[pk], other_languages=other or "",
                                      enrolled=participant is not None))
    return people, every


@dataclass(frozen=True)
class _Profiles:
    languages: dict[str, tuple[str, ...]]  # by profile key (_key)
    counties: dict[str, tuple[str, ...]]


def _consultants(user: Any, network: NetworkChoice) -> _Profiles:
    """The languages and counties of every active consultant of the network (3 queries)."""
    queryset = access.visible(user, REPORT, ConsultantProfile.objects.filter(network_id=network.id, is_active=True))
    ids = list(queryset.order_by().values_list(_key("pk"), flat=True))
    inside = queryset.values("pk")
    spoken = _codes_by(ConsultantProfile.languages.through.objects.filter(consultantprofile__in=inside)
                       .values_list(_key("consultantprofile_id"), "language_id"))
    served = _codes_by(ConsultantProfile.counties.through.objects.filter(consultantprofile__in=inside)
                       .values_list(_key("consultantprofile_id"), "county_id"))
    return _Profiles(languages={pk: spoken.get(pk, ()) for pk in ids}, counties={pk: served.get(pk, ()) for pk in ids})


def _participants(
    user: Any, network: NetworkChoice, cohort_keys: Sequence[str], application_languages: dict[str, tuple[str, ...]],
    profiles: _Profiles,
) -> tuple[list[capacity.Person], list[capacity.Supplier]]:
    """Every participant of the cohorts, and the graduates working in the field as suppliers for coverage.

    A participant's languages are their own record's, or their application's when theirs is empty; a graduate
    who is a consultant of this network also brings the profile's languages and counties."""
    queryset = access.visible(user, REPORT, Participant.objects.filter(network_id=network.id,
                                                                       cohort_id__in=cohort_keys))
    inside = queryset.values("pk")
    spoken = _codes_by(Participant.languages.through.objects.filter(participant__in=inside)
                       .values_list(_key("participant_id"), "language_id"))
    served = _codes_by(Participant.counties_served.through.objects.filter(participant__in=inside)
                       .values_list(_key("participant_id"), "county_id"))
    rows = list(queryset.order_by().values_list(
        _key("pk"), _key("cohort_id"), "status", "works_in_iecmhc", _key("consultant_profile_id"),
        _key("application_id"), "application__race_ethnicity", "application__other_languages",
    ))
    missing = {row[5] for row in rows if row[5] and row[0] not in spoken and row[5] not in application_languages}
    if missing:  # an application to another cohort than the participant's (rare): read its languages too
        application_languages = application_languages | _codes_by(
            Application.languages.through.objects.filter(application_id__in=missing)
            .values_list(_key("application_id"), "language_id"))
    people, graduates = [], []
    for pk, cohort_id, status, works, profile_id, application_id, race, other in rows:
        here = profile_id is not None and profile_id in profiles.languages  # an active consultant of the network
        person = capacity.Person(
            cohort=cohort_id, race=race or capacity.NOT_REPORTED,
            languages=spoken.get(pk) or application_languages.get(application_id, ()),
            other_languages=other or "", status=status, consultant_here=here, works_in_iecmhc=works,
            counties=served.get(pk, ()),
        )
        people.append(person)
        if capacity.works_in_field(person):
            languages = set(person.languages) | set(profiles.languages.get(profile_id, ()) if here else ())
            counties = set(person.counties) | set(profiles.counties.get(profile_id, ()) if here else ())
            graduates.append(capacity.Supplier(languages=tuple(sorted(languages)), counties=tuple(sorted(counties))))
    return people, graduates


def _requests(user: Any, network: NetworkChoice, period: tuple[dt.date, dt.date]) -> list[capacity.Demand]:
    """Requests received in the period, counted by county and preferred language (one query)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period[0], dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period[1] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    queryset = access.visible(user, REPORT, Request.objects.filter(network_id=network.id, submitted_at__gte=start,
                                                                   submitted_at__lt=end))
    return [capacity.Demand(county=county, language=language, requests=n)
            for county, language, n in queryset.order_by().values("county_id", "preferred_language_id")
            .annotate(n=CountOf("pk")).values_list("county_id", "preferred_language_id", "n")]


def _areas(user: Any, network: NetworkChoice, regions_known: Sequence[tuple[UUID, str]] | None) -> tuple[
        list[capacity.Area], dict[str, str]]:
    regions = dict(region_choices(user=user, network=network) if regions_known is None else regions_known)
    counties: dict[UUID, list[str]] = {}
    names: dict[str, str] = {}
    for fips, name, region_id in NetworkCounty.objects.filter(network_id=network.id, region_id__in=list(regions)) \
            .values_list("county_id", "county__name", "region_id"):
        counties.setdefault(region_id, []).append(fips)
        names[fips] = _("%(name)s County") % {"name": name}
    areas = [capacity.Area(key=str(pk), label=name, counties=tuple(sorted(counties.get(pk, ()))))
             for pk, name in regions.items()]
    return areas, names


def group_labels() -> dict[str, dict[str, str]]:
    return {
        capacity.RACE: {str(value): str(label) for value, label in RaceEthnicity.choices},
        capacity.LANGUAGE: {str(value): str(label) for value, label in LanguageGroup.choices},
    }


def _language_names(codes: Sequence[str]) -> dict[str, str]:
    names = {language.code: str(language) for language in Language.objects.filter(code__in=list(codes))}
    names[capacity.ALL_LANGUAGES] = _("All languages")
    return {code: names.get(code, code) for code in [*codes, capacity.ALL_LANGUAGES]}


SUPPRESSION_KEPT_SECONDS = 24 * 60 * 60


def _remember_suppression(fingerprint: str, compute: Callable[[], list[int]]) -> list[int]:
    """The cells to hide, kept in the cache under a fingerprint of every count and relation they depend on (the
    positions only: no count, no name), so that the published version is worked out once per change of the
    figures rather than on every page and export."""
    return cast(list[int], cache.get_or_set(f"workforce:capacity:hidden:{fingerprint}", compute,
                                            timeout=SUPPRESSION_KEPT_SECONDS))


def report_for(
    *, user: Any, network: NetworkChoice, filters: Filters, audit_action: str = "view",
    audit_extra: Sequence[str] = (), regions: Sequence[tuple[UUID, str]] | None = None,
) -> CapacityReport:
    """The whole report as the person may see it; audited with the network and the parameters. `regions`:
    region_choices(...) for the network, when the caller has them already."""
    exact = network.exact and not filters.published
    if not exact:
        # The published version always covers every cohort: two versions for different cohorts could be
        # subtracted from each other.
        filters = replace(filters, cohort_ids=())
    high = suppress_up_to(network.id)
    period = filters.period()
    parameters = [*filters.parameters(), f"sight={'exact' if exact else 'suppressed'}", *audit_extra]
    audit.record(user=user, action=audit_action, object_type="directory.network", object_id=str(network.id),
                 object_ids=parameters)

    cohorts = _cohorts(user, network, filters)
    keys = [cohort.key for cohort in cohorts]
    applicants, application_languages = _applicants(user, network, keys)
    profiles = _consultants(user, network)
    participants, graduates = _participants(user, network, keys, application_languages, profiles)
    hidden = str(HIDDEN_LABEL)
    figures = capacity.cohort_figures(cohorts, applicants, participants, exact=exact, high=high,
                                      hidden_label=hidden, overall_label=_("All cohorts shown"),
                                      remember=_remember_suppression)

    areas, county_names = _areas(user, network, regions)
    consultants = [capacity.Supplier(languages=profiles.languages[pk], counties=profiles.counties[pk])
                   for pk in profiles.languages]
    coverage = capacity.coverage(
        areas, county_names, consultants, graduates, _requests(user, network, period), exact=exact, high=high,
        hidden_label=hidden, network_label=network.name,
        shown_regions=[str(filters.region_id)] if filters.region_id else None,
    )
    return CapacityReport(
        network=network, filters=filters, exact=exact, high=high, period=period, figures=figures, coverage=coverage,
        group_labels=group_labels(), language_names=_language_names(coverage.languages[1:]),
    )

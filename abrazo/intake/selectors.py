"""Every read of intake that a view needs, scoped by the user through accounts.access.

Requests carry what a family or provider told us about a child, so every list and detail read here is
audited, and a request outside the reader's scope answers 404.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.accounts.models import Role
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.directory.models import ConsultantProfile, County, Language, Network, NetworkCounty, Program, Region
from abrazo.intake.models import (
    OPEN_STATUSES,
    IntakeSettings,
    Request,
    RequestStatus,
    priority_rank,
)
from abrazo.intake.services import suggestion_consultant_id

# --- The public form ------------------------------------------------------------------------------


def request_form_counties(*, network: Network) -> QuerySet[County]:
    """The counties a request to this network may come from: the network's own, in its state."""
    return County.objects.filter(
        state_code=network.state_code,
        fips__in=NetworkCounty.objects.filter(network=network).values("county_id"),
    ).order_by("name")


def program_prefill_for(*, user: Any, network: Network) -> dict[str, Any]:
    """Initial values for signed-in program staff: their program and themselves, so they only add the concern."""
    if not getattr(user, "is_authenticated", False):
        return {}
    program_ids = [
        m.program_id for m in user.active_memberships
        if m.role == Role.PROGRAM_STAFF and m.program_id and m.network_id == network.pk
    ]
    if not program_ids:
        return {}  # network staff entering a request on someone's behalf type the requester's details
    initial: dict[str, Any] = {"requester_name": user.full_name, "requester_email": user.email}
    if user.preferred_language:
        initial["preferred_language"] = user.preferred_language
    program = (
        access.visible(user, "program.view", Program.objects.filter(pk__in=program_ids))
        .prefetch_related("languages").order_by("name").first()
    )
    if program is None:
        return initial
    position = program.staff.filter(user=user, is_active=True).values_list("position", flat=True).first()
    if position:
        initial["requester_role"] = {"director": "director", "teacher": "teacher", "assistant_teacher": "teacher",
                                     "fcc_provider": "fcc_provider", "ffn_caregiver": "ffn_caregiver",
                                     "home_visitor": "home_visitor"}.get(position, "other")
    initial.update(
        program_name=program.name, license_number=program.license_number, address_line1=program.address_line1,
        address_line2=program.address_line2, city=program.city, postal_code=program.postal_code,
        county=program.county_id, setting_type=program.setting_type, auspice=program.auspice,
        ages_served=[age for age, served in (("infants", program.serves_infants), ("toddlers", program.serves_toddlers),
                                             ("preschoolers", program.serves_preschoolers)) if served],
        languages=[language.pk for language in program.languages.all()],
    )
    return initial


# --- Lists and details ------------------------------------------------------------------------------

_LIST_RELATED = ("county", "region", "preferred_language", "program", "consultant__user")


def request_queryset_for(*, user: Any, status: str = "") -> QuerySet[Request]:
    """Requests the user may see (program staff: their program's), newest first; not evaluated."""
    requests = Request.objects.visible_to(user, "request.view")
    if status:
        requests = requests.filter(status=status)
    return requests.select_related(*_LIST_RELATED).order_by("-submitted_at", "id")


def request_page_record(*, user: Any, requests: Sequence[Request]) -> None:
    audit.record_list(user=user, model=Request, ids=[r.pk for r in requests])


def request_get_for(*, user: Any, request_id: UUID, permission: str = "request.view") -> Request:
    """The request if the user holds the permission on it; otherwise 404, so existence is not revealed."""
    request = access.get_or_404(
        user, permission,
        Request.objects.select_related(*_LIST_RELATED, "network", "assigned_by").prefetch_related("languages"),
        pk=request_id,
    )
    audit.record_view(user=user, obj=request)
    return request


def episode_of(*, user: Any, request: Request) -> Any:
    """The episode the request led to, if the user may see it (the link on the request page)."""
    from abrazo.consultations.models import Episode

    return Episode.objects.visible_to(user).filter(request=request).only("id").first()


# --- Triage -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriageFilters:
    status: str = ""  # "" = every open status
    priority: str = ""
    county_fips: str = ""
    language: str = ""
    query: str = ""


def triage_queryset_for(*, user: Any, filters: TriageFilters | None = None) -> QuerySet[Request]:
    """The triage queue: open requests in the user's region (administrators: network), urgent first, then
    oldest first, so the request that has waited longest at the highest priority is always on top."""
    filters = filters or TriageFilters()
    requests = Request.objects.visible_to(user, "request.triage")
    requests = requests.filter(status=filters.status) if filters.status else requests.open()
    if filters.priority:
        requests = requests.filter(priority=filters.priority)
    if filters.county_fips:
        requests = requests.filter(county_id=filters.county_fips)
    if filters.language:
        requests = requests.filter(preferred_language_id=filters.language)
    if filters.query:
        text = filters.query.strip()
        requests = requests.filter(
            Q(reference__iexact=text) | Q(program_name__icontains=text) | Q(license_number__iexact=text)
            | Q(requester_email__iexact=text)
        )
    return (
        requests.annotate(priority_rank=priority_rank())
        .select_related("county", "region", "preferred_language", "program")
        .order_by("priority_rank", "submitted_at", "id")
    )


@dataclass
class TriageRow:
    """One request with what the coordinator needs to decide about it at a glance."""

    request: Request
    days_waiting: int
    days_on_waitlist: int | None
    problems: list[str] = field(default_factory=list)
    duplicates: list[Request] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.problems


def _days_since(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else max(0, (now - moment).days)


def eligibility_problems(*, request: Request, rules: IntakeSettings, served_county_ids: set[str]) -> list[str]:
    """Why the request may fall outside what the network serves (empty when it is eligible)."""
    problems = []
    if request.child_specific and request.child_age_months is not None and (
        request.child_age_months > rules.max_child_age_months
    ):
        problems.append(_("The child is older than the network serves (birth to five)."))
    if request.child_specific and request.child_age_months is None:
        problems.append(_("The child's age is missing."))
    if request.county_id not in served_county_ids:
        problems.append(_("%(county)s is not one of the network's counties.") % {"county": request.county})
    if not rules.supports(request.setting_type):
        problems.append(
            _("The network does not serve this setting type (%(setting)s).")
            % {"setting": request.get_setting_type_display()}
        )
    return problems


def _rules_by_network(network_ids: Iterable[UUID]) -> dict[UUID, IntakeSettings]:
    ids = set(network_ids)
    stored = {rules.network_id: rules for rules in IntakeSettings.objects.filter(network_id__in=ids)}
    return {pk: stored.get(pk) or IntakeSettings(network_id=pk) for pk in ids}


def _served_counties_by_network(network_ids: Iterable[UUID]) -> dict[UUID, set[str]]:
    served: dict[UUID, set[str]] = defaultdict(set)
    for network_id, county_id in NetworkCounty.objects.filter(network_id__in=set(network_ids)).values_list(
        "network_id", "county_id"
    ):
        served[network_id].add(county_id)
    return served


def possible_duplicates(*, user: Any, requests: Sequence[Request], rules: dict[UUID, IntakeSettings]) -> dict[
    UUID, list[Request]
]:
    """Other requests (that the user may triage) from the same program, license number or email address
    within the network's window (60 days by default) of each request. One query for the whole page."""
    if not requests:
        return {}
    widest = max(rules[r.network_id].duplicate_window_days for r in requests)
    earliest = min(r.submitted_at for r in requests) - timedelta(days=widest)
    latest = max(r.submitted_at for r in requests) + timedelta(days=widest)
    program_ids = {r.program_id for r in requests if r.program_id}
    licenses = {r.license_number for r in requests if r.license_number}
    emails = {r.requester_email for r in requests}
    candidates = list(
        Request.objects.visible_to(user, "request.triage")
        .filter(network_id__in={r.network_id for r in requests}, submitted_at__range=(earliest, latest))
        .filter(Q(program_id__in=program_ids) | Q(license_number__in=licenses) | Q(requester_email__in=emails))
        .only("id", "reference", "status", "submitted_at", "network_id", "program_id", "license_number",
              "requester_email")
        .order_by("submitted_at")
    )
    found: dict[UUID, list[Request]] = {}
    for request in requests:
        window = timedelta(days=rules[request.network_id].duplicate_window_days)
        found[request.pk] = [
            other for other in candidates
            if other.pk != request.pk and other.network_id == request.network_id
            and abs(other.submitted_at - request.submitted_at) <= window
            and (
                (request.program_id and other.program_id == request.program_id)
                or (request.license_number and other.license_number == request.license_number)
                or other.requester_email == request.requester_email
            )
        ]
    return found


def triage_rows(*, user: Any, requests: Sequence[Request], now: datetime | None = None) -> list[TriageRow]:
    """Eligibility, duplicates and ages for a page of requests, in a fixed number of queries."""
    moment = now or timezone.now()
    network_ids = {r.network_id for r in requests}
    rules = _rules_by_network(network_ids)
    served = _served_counties_by_network(network_ids)
    duplicates = possible_duplicates(user=user, requests=requests, rules=rules)
    rows = []
    for request in requests:
        rows.append(TriageRow(
            request=request,
            days_waiting=_days_since(request.submitted_at, moment) or 0,
            days_on_waitlist=(
                _days_since(request.waitlisted_at, moment) if request.status == RequestStatus.WAITLISTED else None
            ),
            problems=eligibility_problems(
                request=request, rules=rules[request.network_id], served_county_ids=served[request.network_id]
            ),
            duplicates=duplicates.get(request.pk, []),
        ))
    return rows


def triage_page_record(*, user: Any, requests: Sequence[Request], filters: TriageFilters) -> None:
    audit.record_list(
        user=user, model=Request, ids=[r.pk for r in requests],
        action=Action.SEARCH if filters.query else Action.LIST,
    )


def triage_counties_for(*, user: Any) -> QuerySet[County]:
    """Counties of the regions the user triages, for the queue's filter and the capacity view."""
    regions = access.visible(user, "request.triage", Region.objects.all())
    return County.objects.filter(
        fips__in=NetworkCounty.objects.filter(region__in=regions).values("county_id")
    ).order_by("name")


# --- Matching suggestions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionRow:
    consultant: ConsultantProfile
    reasons: list[str]
    rank: int

    @property
    def is_top(self) -> bool:
        return self.rank == 1


def suggestions_for_request(*, user: Any, request: Request, limit: int = 5) -> list[SuggestionRow]:
    """The matching engine's ranked suggestions for this request, with the consultants loaded in one query."""
    from abrazo.matching.services import suggestions_for

    suggestions = suggestions_for(user=user, request=request, limit=limit)
    ids = [suggestion_consultant_id(s) for s in suggestions]
    consultants = ConsultantProfile.objects.select_related("user", "region").in_bulk(ids)
    return [
        SuggestionRow(consultant=consultants[pk], reasons=[str(r) for r in s.reasons], rank=index)
        for index, (pk, s) in enumerate(zip(ids, suggestions, strict=True), start=1)
        if pk in consultants
    ]


def unmatched_reason(*, user: Any, request: Request) -> str:
    """Why the engine suggests nobody (the first requirement no consultant meets), in plain words."""
    from abrazo.matching.services import unmatched_reason_for

    return unmatched_reason_for(user=user, request=request) or ""


def assignable_consultants_for(*, request: Request) -> QuerySet[ConsultantProfile]:
    """Everyone the coordinator may pick instead of a suggestion: the network's active consultants."""
    return (
        ConsultantProfile.objects.filter(network_id=request.network_id, is_active=True)
        .select_related("user", "region").order_by("user__full_name")
    )


# --- Capacity and timing --------------------------------------------------------------------------


@dataclass
class CapacityRow:
    county: str
    language: str
    open_requests: int
    waitlisted: int
    consultants: int
    open_slots: int

    @property
    def demand(self) -> int:
        return self.open_requests + self.waitlisted

    @property
    def short(self) -> bool:
        """More requests waiting than free places with consultants who speak the language there."""
        return self.demand > self.open_slots

    @property
    def shortfall(self) -> int:
        return max(0, self.demand - self.open_slots)


@dataclass
class Timing:
    assigned: int
    median_days_to_assignment: float | None
    contacted: int
    median_days_to_first_contact: float | None
    waitlisted: int
    oldest_waitlist_days: int | None
    median_waitlist_days: float | None


@dataclass
class Capacity:
    rows: list[CapacityRow]
    by_language: list[CapacityRow]
    timing: Timing

    @property
    def short_languages(self) -> list[CapacityRow]:
        return [row for row in self.by_language if row.short]


def _open_caseloads(consultant_ids: list[UUID]) -> dict[UUID, int]:
    from abrazo.consultations.selectors import open_caseload_counts

    return open_caseload_counts(consultant_ids)


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / 86400


def timing_for(*, requests: QuerySet[Request], now: datetime | None = None, days: int = 90) -> Timing:
    """Median time from request to assignment and to first contact over the last `days`, and the
    waitlist's size and age now."""
    moment = now or timezone.now()
    recent = requests.filter(submitted_at__gte=moment - timedelta(days=days))
    to_assignment = [
        _days(assigned - submitted)
        for submitted, assigned in recent.filter(assigned_at__isnull=False).values_list("submitted_at", "assigned_at")
        if assigned is not None
    ]
    to_contact = [
        _days(contact - submitted)
        for submitted, contact in recent.filter(first_contact_at__isnull=False).values_list(
            "submitted_at", "first_contact_at"
        )
        if contact is not None
    ]
    waiting = [
        _days(moment - since)
        for since in requests.filter(status=RequestStatus.WAITLISTED).values_list("waitlisted_at", flat=True)
        if since is not None
    ]
    return Timing(
        assigned=len(to_assignment),
        median_days_to_assignment=round(statistics.median(to_assignment), 1) if to_assignment else None,
        contacted=len(to_contact),
        median_days_to_first_contact=round(statistics.median(to_contact), 1) if to_contact else None,
        waitlisted=len(waiting),
        oldest_waitlist_days=int(max(waiting)) if waiting else None,
        median_waitlist_days=round(statistics.median(waiting), 1) if waiting else None,
    )


def capacity_for(*, user: Any, now: datetime | None = None) -> Capacity:
    """Open requests and waitlist against consultants' free places, by county and language.

    A consultant counts for a (county, language) when they serve the county and speak the language;
    their free places are their caseload capacity minus their open episodes. A row is *short* when
    more requests wait than there are free places, which is how a shortage of, say, Spanish-speaking
    consultants in one county shows up.
    """
    triage_requests = Request.objects.visible_to(user, "request.triage")
    counties = dict(triage_counties_for(user=user).values_list("fips", "name"))
    languages = {code: str(language) for code, language in Language.objects.in_bulk().items()}
    demand = (
        triage_requests.filter(status__in=OPEN_STATUSES, county_id__in=counties)
        .values("county_id", "preferred_language_id")
        .annotate(
            open_count=Count("id", filter=~Q(status=RequestStatus.WAITLISTED)),
            waitlisted_count=Count("id", filter=Q(status=RequestStatus.WAITLISTED)),
        )
    )
    network_ids = set(access.visible(user, "request.triage", Region.objects.all()).values_list("network_id", flat=True))
    consultants = ConsultantProfile.objects.filter(network_id__in=network_ids, is_active=True)
    capacity_of = dict(consultants.values_list("pk", "caseload_capacity"))
    open_cases = _open_caseloads(list(capacity_of))
    slots = {pk: max(0, cap - open_cases.get(pk, 0)) for pk, cap in capacity_of.items()}
    serves: dict[str, set[UUID]] = defaultdict(set)
    for consultant_id, county_id in ConsultantProfile.counties.through.objects.filter(
        consultantprofile_id__in=list(capacity_of), county_id__in=list(counties)
    ).values_list("consultantprofile_id", "county_id"):
        serves[county_id].add(consultant_id)
    speaks: dict[str, set[UUID]] = defaultdict(set)
    for consultant_id, language_id in ConsultantProfile.languages.through.objects.filter(
        consultantprofile_id__in=list(capacity_of)
    ).values_list("consultantprofile_id", "language_id"):
        speaks[language_id].add(consultant_id)

    rows = []
    per_language: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for entry in demand:
        county_id, language_id = entry["county_id"], entry["preferred_language_id"]
        able = serves[county_id] & speaks[language_id]
        rows.append(CapacityRow(
            county=counties.get(county_id, county_id), language=languages.get(language_id, language_id),
            open_requests=entry["open_count"], waitlisted=entry["waitlisted_count"],
            consultants=len(able), open_slots=sum(slots[pk] for pk in able),
        ))
        per_language[language_id][0] += entry["open_count"]
        per_language[language_id][1] += entry["waitlisted_count"]
    in_area = set().union(*serves.values()) if serves else set()
    by_language = []
    for language_id, (open_count, waitlisted) in per_language.items():
        able = in_area & speaks[language_id]
        by_language.append(CapacityRow(
            county="", language=languages.get(language_id, language_id), open_requests=open_count,
            waitlisted=waitlisted, consultants=len(able), open_slots=sum(slots[pk] for pk in able),
        ))
    rows.sort(key=lambda row: (not row.short, row.county, row.language))
    by_language.sort(key=lambda row: (-row.shortfall, row.language))
    return Capacity(rows=rows, by_language=by_language, timing=timing_for(requests=triage_requests, now=now))


def network_for_configuration(*, user: Any) -> Network:
    """The network whose intake rules the user may change (their first, as network administrator)."""
    network = access.visible(user, "network.configure", Network.objects.order_by("name")).first()
    if network is None:
        raise Http404
    return network


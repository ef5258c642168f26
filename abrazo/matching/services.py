"""Matching in the web application: engine inputs from the database, suggestions in the reader's language,
and the network's weights.

The engine (engine.py) knows nothing of Django. This module turns a request and the network's active
consultants into its plain inputs, and its reason codes into translated sentences with real names:
"speaks Spanish; serves Fresno County; 3 open slots; worked with this program in 2025".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.consultations.models import FINISHED_PHASES, Episode
from abrazo.consultations.selectors import open_caseload_counts
from abrazo.core.concurrency import save_versioned
from abrazo.directory.models import ConsultantProfile, County, Language, Network, Region, SettingType
from abrazo.intake.models import Request
from abrazo.matching.engine import (
    ConsultantIn,
    Objective,
    Reason,
    RequestIn,
    Weights,
    is_eligible,
    solve_batch,
    suggest,
    why_unmatched,
)
from abrazo.matching.models import MatchingSettings

# --- setting type -> setting expertise --------------------------------------------------------------

# Which expertise a request from each setting type needs. A child care centre serves many ages, so it
# needs preschool expertise unless the request is about infants and toddlers (see expertise_for).
EXPERTISE_FOR_SETTING: dict[str, str] = {
    SettingType.CENTER: "preschool",
    SettingType.FCC_SMALL: "fcc",
    SettingType.FCC_LARGE: "fcc",
    SettingType.FFN: "ffn",
    SettingType.HEAD_START: "preschool",
    SettingType.EARLY_HEAD_START: "infant_toddler",
    SettingType.STATE_PRESCHOOL: "preschool",
    SettingType.PRIVATE_PRESCHOOL: "preschool",
    SettingType.HOME_VISITING: "home_visiting",
}
INFANT_TODDLER_UNDER_MONTHS = 36


def expertise_for(
    *, setting_type: str, serves_infants: bool = False, serves_toddlers: bool = False,
    serves_preschoolers: bool = False, child_age_months: int | None = None,
) -> str:
    """The setting expertise a request needs. A centre request is infant/toddler work when it is about a
    child under three, or when the centre (as the requester describes it) has no preschoolers."""
    expertise = EXPERTISE_FOR_SETTING.get(setting_type, "preschool")
    if setting_type == SettingType.CENTER:
        young_child = child_age_months is not None and child_age_months < INFANT_TODDLER_UNDER_MONTHS
        young_rooms = (serves_infants or serves_toddlers) and not serves_preschoolers
        if young_child or young_rooms:
            return "infant_toddler"
    return expertise


# --- weights -------------------------------------------------------------------------------------


def weights_for(network: Network | UUID) -> Weights:
    """The network's weights, or the engine's defaults when an administrator never changed them."""
    network_id = network.pk if isinstance(network, Network) else network
    stored = MatchingSettings.objects.filter(network_id=network_id).first()
    return stored.weights if stored is not None else Weights()


def matching_settings_for(network: Network) -> MatchingSettings:
    """The stored settings, or an unsaved row holding the defaults (saved on the first change)."""
    return MatchingSettings.objects.filter(network=network).first() or MatchingSettings(network=network)


@transaction.atomic
def matching_settings_update(
    *, actor: Any, network: Network, weights: Weights, expected_version: int
) -> MatchingSettings:
    """Change the network's weights. A save over someone else's newer save raises StaleEditError."""
    access.require(actor, "network.configure", network)
    stored, created = MatchingSettings.objects.get_or_create(network=network)
    values = {name: Decimal(str(getattr(weights, name))) for name in ("continuity", "balance", "region", "specialism")}
    for name, value in values.items():
        setattr(stored, name, value)
    # A first save of the defaults page is version 1 whether or not the row existed a moment ago.
    save_versioned(stored, expected_version=expected_version, update_fields=list(values))
    audit.record_change(user=actor, obj=stored, action=Action.CREATE if created else Action.UPDATE)
    return stored


# --- engine inputs -------------------------------------------------------------------------------


def request_input(request: Request) -> RequestIn:
    return RequestIn(
        id=str(request.pk),
        county=request.county_id,
        setting=expertise_for(
            setting_type=request.setting_type, serves_infants=request.serves_infants,
            serves_toddlers=request.serves_toddlers, serves_preschoolers=request.serves_preschoolers,
            child_age_months=request.child_age_months if request.child_specific else None,
        ),
        language=request.preferred_language_id,
        priority=request.priority,
        program=str(request.program_id) if request.program_id else None,
        region=str(request.region_id) if request.region_id else None,
    )


def _worked_with(consultant_ids: list[UUID], program_ids: set[UUID]) -> dict[UUID, dict[str, int]]:
    """For each consultant, the programs among `program_ids` they have had an episode with, and the last year
    they worked there (this year while an episode is still open)."""
    if not program_ids:
        return {}
    rows = (
        Episode.objects.filter(consultant_id__in=consultant_ids, program_id__in=program_ids)
        .values("consultant_id", "program_id")
        .annotate(
            last_opened=Max("opened_at"), last_closed=Max("closed_at"),
            still_open=Count("id", filter=~Q(phase__in=FINISHED_PHASES)),
        )
        .order_by()
    )
    this_year = timezone.localdate().year
    worked: dict[UUID, dict[str, int]] = {}
    for row in rows:
        last = row["last_closed"] or row["last_opened"]
        year = this_year if row["still_open"] else timezone.localtime(last).year
        worked.setdefault(row["consultant_id"], {})[str(row["program_id"])] = year
    return worked


def consultant_inputs(*, network_id: UUID, program_ids: Iterable[UUID] = ()) -> list[ConsultantIn]:
    """The network's active consultants as the engine sees them (five queries, whatever their number).

    Open slots are the caseload capacity less the open episodes (consultations.selectors.open_caseload_counts).
    """
    profiles = list(
        ConsultantProfile.objects.filter(network_id=network_id, is_active=True, user__is_active=True)
        .values("id", "region_id", "setting_expertise", "caseload_capacity")
    )
    ids = [p["id"] for p in profiles]
    languages: dict[UUID, set[str]] = {pk: set() for pk in ids}
    for pk, code in ConsultantProfile.languages.through.objects.filter(consultantprofile_id__in=ids).values_list(
        "consultantprofile_id", "language_id"
    ):
        languages[pk].add(code)
    counties: dict[UUID, set[str]] = {pk: set() for pk in ids}
    for pk, fips in ConsultantProfile.counties.through.objects.filter(consultantprofile_id__in=ids).values_list(
        "consultantprofile_id", "county_id"
    ):
        counties[pk].add(fips)
    open_counts = open_caseload_counts(ids)
    worked = _worked_with(ids, {pk for pk in program_ids if pk})
    return [
        ConsultantIn(
            id=str(p["id"]),
            languages=frozenset(languages[p["id"]]),
            counties=frozenset(counties[p["id"]]),
            settings=frozenset(p["setting_expertise"] or ()),
            capacity=max(p["caseload_capacity"] - open_counts.get(p["id"], 0), 0),
            open_caseload=open_counts.get(p["id"], 0),
            region=str(p["region_id"]),
            previous_programs=worked.get(p["id"], {}),
        )
        for p in profiles
    ]


# --- reasons in the reader's language ------------------------------------------------------------

SETTING_PHRASES = {
    "infant_toddler": gettext_lazy("infant/toddler care"),
    "preschool": gettext_lazy("preschool"),
    "fcc": gettext_lazy("family child care"),
    "ffn": gettext_lazy("family, friend and neighbor care"),
    "home_visiting": gettext_lazy("home visiting"),
}

Namer = Callable[[str, str], str]


def describe(reason: Reason, name: Namer) -> str:
    """A reason as a sentence in the active language; `name(kind, code)` gives a language, county or region's name."""
    p = reason.params
    code = reason.code
    setting = str(SETTING_PHRASES.get(p.get("setting", ""), p.get("setting", "")))
    if code == "speaks":
        return _("speaks %(language)s") % {"language": name("language", p["language"])}
    if code == "serves_county":
        return _("serves %(county)s") % {"county": name("county", p["county"])}
    if code == "setting_expertise":
        return _("works in %(setting)s") % {"setting": setting}
    if code == "open_slots":
        return ngettext("%(count)d open slot", "%(count)d open slots", p["slots"]) % {"count": p["slots"]}
    if code == "worked_with_program":
        if p.get("year"):
            return _("worked with this program in %(year)s") % {"year": p["year"]}
        return _("worked with this program before")
    if code == "same_region":
        return _("based in the same region (%(region)s)") % {"region": name("region", p["region"])}
    if code == "specialisms":
        return _("specialises in %(specialisms)s") % {"specialisms": ", ".join(p["specialisms"])}
    if code == "no_language":
        return _("no consultant speaks %(language)s") % {"language": name("language", p["language"])}
    if code == "no_language_in_county":
        return _("no consultant who speaks %(language)s serves %(county)s") % {
            "language": name("language", p["language"]), "county": name("county", p["county"]),
        }
    if code == "no_setting_expertise":
        return _("no consultant who speaks %(language)s in %(county)s works in %(setting)s") % {
            "language": name("language", p["language"]), "county": name("county", p["county"]), "setting": setting,
        }
    if code == "all_full":
        return ngettext(
            "the only eligible consultant is full", "all %(count)d eligible consultants are full", p["eligible"]
        ) % {"count": p["eligible"]}
    if code == "slots_taken":
        text = ngettext(
            "the open slots of its eligible consultant went to other requests",
            "the open slots of its %(count)d eligible consultants went to other requests",
            p["eligible"],
        ) % {"count": p["eligible"]}
        if p.get("urgent"):
            text += " " + _("(%(urgent)d of them urgent)") % {"urgent": p["urgent"]}
        return text
    raise ValueError(f"unknown reason code {code!r}")


def _namer(requests: Sequence[Request]) -> Namer:
    """Names for the codes the requests' reasons can mention (their languages, counties and regions)."""
    languages = Language.objects.in_bulk({r.preferred_language_id for r in requests})
    counties = County.objects.in_bulk({r.county_id for r in requests})
    regions = Region.objects.in_bulk({r.region_id for r in requests if r.region_id})
    by_kind: dict[str, dict[str, Any]] = {
        "language": languages, "county": counties, "region": {str(pk): region for pk, region in regions.items()},
    }

    def name(kind: str, code: str) -> str:
        found = by_kind.get(kind, {}).get(code)
        return str(found) if found is not None else code

    return name


# --- suggestions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultantSuggestion:
    consultant_id: UUID
    cost: float  # points; lower is better
    reasons: list[str]  # sentences in the language active when they were asked for
    reason_codes: tuple[Reason, ...]


def suggestions_for(*, user: Any, request: Request, limit: int = 5) -> list[ConsultantSuggestion]:
    """The consultants who meet every hard constraint for this request, best first, each with its reasons."""
    access.require(user, "request.triage", request)
    programs = [request.program_id] if request.program_id else []
    consultants = consultant_inputs(network_id=request.network_id, program_ids=programs)
    ranked = suggest(request_input(request), consultants, weights_for(request.network_id), limit=limit)
    name = _namer([request])
    return [
        ConsultantSuggestion(
            consultant_id=UUID(s.consultant), cost=s.cost,
            reasons=[describe(reason, name) for reason in s.reasons], reason_codes=s.reasons,
        )
        for s in ranked
    ]


def unmatched_reason_for(*, user: Any, request: Request) -> str | None:
    """Why nobody is suggested (the first hard constraint no consultant meets), or None if someone is."""
    access.require(user, "request.triage", request)
    consultants = consultant_inputs(network_id=request.network_id)
    wanted = request_input(request)
    if any(is_eligible(wanted, c) for c in consultants):
        return None
    return describe(why_unmatched(wanted, consultants), _namer([request]))


@dataclass(frozen=True)
class ProposedAssignment:
    request: Request
    consultant_id: UUID
    cost: float
    reasons: list[str]


@dataclass(frozen=True)
class WaitingRequest:
    request: Request
    reason: str
    reason_code: Reason


@dataclass(frozen=True)
class BatchProposal:
    """The engine's answer for several requests at once; nothing is assigned until a coordinator confirms."""

    assignments: list[ProposedAssignment]
    unassigned: list[WaitingRequest]
    objective: Objective


def batch_suggestions_for(*, user: Any, requests: Iterable[Request]) -> BatchProposal:
    """An assignment of these requests (one network) that serves the most urgent, then the most, then the
    best-matched; each request the engine cannot place says why. Listed first wins among equals, so pass
    them oldest first."""
    requests = list(requests)
    if not requests:
        return BatchProposal([], [], Objective(0, 0, 0.0))
    networks = {r.network_id for r in requests}
    if len(networks) != 1:
        raise ValueError("batch_suggestions_for takes requests of one network")
    ids = [r.pk for r in requests]
    allowed = set(
        access.visible(user, "request.triage", Request.objects.filter(pk__in=ids)).values_list("pk", flat=True)
    )
    if len(allowed) != len(set(ids)):
        raise PermissionDenied("request.triage")
    network_id = networks.pop()
    consultants = consultant_inputs(network_id=network_id, program_ids={r.program_id for r in requests if r.program_id})
    result = solve_batch([request_input(r) for r in requests], consultants, weights_for(network_id))
    by_id = {str(r.pk): r for r in requests}
    name = _namer(requests)
    return BatchProposal(
        assignments=[
            ProposedAssignment(
                request=by_id[a.request], consultant_id=UUID(a.consultant), cost=a.cost,
                reasons=[describe(reason, name) for reason in a.reasons],
            )
            for a in result.assignments
        ],
        unassigned=[
            WaitingRequest(request=by_id[u.request], reason=describe(u.reason, name), reason_code=u.reason)
            for u in result.unassigned
        ],
        objective=result.objective,
    )

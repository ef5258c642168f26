"""Every write of intake: a request arriving, triage decisions, assignment, and the intake rules.

A request can arrive from anyone (the public form), so `request_submit` takes no actor permission;
everything after arrival is a coordinator's decision checked against accounts.access ("request.triage").
Emails to the requester are tasks enqueued after the transaction commits, so a rolled-back change
never sends mail.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.accounts.models import User
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import StaleEditError, save_versioned
from abrazo.core.ratelimit import rate_limit_hit
from abrazo.core.submissions import claim_submission, remember_submission
from abrazo.directory.models import (
    Classroom,
    ConsultantProfile,
    County,
    Language,
    Network,
    NetworkCounty,
    Program,
)
from abrazo.intake.models import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    IntakeSettings,
    Priority,
    ReferenceCounter,
    Request,
    RequestStatus,
)

if TYPE_CHECKING:
    from abrazo.consultations.models import Episode


# --- Rate limiting of the public form ---------------------------------------------------------

# The public form needs no account, so the only brake on a flood is the client address (core/ratelimit.py).
SUBMISSIONS_PER_WINDOW = 5
RATE_WINDOW_SECONDS = 60 * 60


def request_rate_limit_hit(*, address: str | None, now: datetime | None = None) -> bool:
    """Count one submission from this address; True when it is over the limit for the current window."""
    return rate_limit_hit(bucket="intake", address=address, limit=SUBMISSIONS_PER_WINDOW,
                          window_seconds=RATE_WINDOW_SECONDS, now=now)


# --- Rules --------------------------------------------------------------------------------------


def intake_settings_for(network: Network) -> IntakeSettings:
    """The network's rules, or the defaults (unsaved) while an administrator has not changed any."""
    found = IntakeSettings.objects.filter(network=network).first()
    return found if found is not None else IntakeSettings(network=network)


def compute_priority(*, rules: IntakeSettings, imminent_risk: bool, underserved: bool, rural: bool) -> str:
    """The most urgent priority among the rules that apply; normal when none does."""
    applicable = [Priority.NORMAL.value]
    if imminent_risk:
        applicable.append(rules.imminent_risk_priority)
    if underserved:
        applicable.append(rules.underserved_county_priority)
    if rural:
        applicable.append(rules.rural_program_priority)
    return min(applicable, key=lambda value: PRIORITY_RANK[Priority(value)])


# --- Reference numbers ------------------------------------------------------------------------


def _next_reference(moment: datetime) -> str:
    """The next human reference of the year, e.g. R-26-004217.

    The counter row is incremented with one UPDATE, which holds its row lock until the surrounding
    transaction commits: two requests arriving at once are numbered one after the other, never alike.
    """
    year = timezone.localtime(moment).year
    for _attempt in range(2):
        if ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1):
            break
        try:
            with transaction.atomic():  # the year's first request: create its row
                ReferenceCounter.objects.create(year=year, last=1)
            break
        except IntegrityError:
            continue  # someone else created it a moment ago; increment theirs
    last = ReferenceCounter.objects.values_list("last", flat=True).get(year=year)
    return f"R-{year % 100:02d}-{last:06d}"


# --- Recognising a program --------------------------------------------------------------------

_STREET_WORDS = {
    "street": "st", "avenue": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr", "lane": "ln",
    "court": "ct", "place": "pl", "highway": "hwy", "parkway": "pkwy", "north": "n", "south": "s",
    "east": "e", "west": "w", "suite": "ste", "calle": "c", "avenida": "av",
}
_NAME_NOISE = {"the", "inc", "llc", "el", "la", "los", "las"}


def _plain_words(text: str) -> list[str]:
    """Lower case, accents and punctuation dropped: "Niños  Felices, Inc." -> ["ninos", "felices", "inc"]."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return re.findall(r"[a-z0-9]+", ascii_text)


def normalise_name(name: str) -> str:
    return " ".join(word for word in _plain_words(name) if word not in _NAME_NOISE)


def normalise_address(address: str) -> str:
    return " ".join(_STREET_WORDS.get(word, word) for word in _plain_words(address))


def normalise_license(number: str) -> str:
    return "".join(_plain_words(number))


def recognise_program(
    *, network: Network, license_number: str, name: str, address_line1: str, postal_code: str
) -> Program | None:
    """The directory program this request is about, if we already know it.

    A license number identifies a licensed program; license-exempt care (and a typo in the number)
    falls back to the same name at the same street address and ZIP code, compared loosely.
    """
    # Inactive programs too: a program asking again after a pause is still the same program.
    programs = Program.objects.filter(network=network)
    wanted_license = normalise_license(license_number)
    if wanted_license:
        exact = programs.filter(license_number__iexact=license_number.strip()).order_by("created_at").first()
        if exact is not None:
            return exact
        # Otherwise the number may be typed with other spaces or dashes: compared below within the ZIP code.
    zip5 = postal_code.strip()[:5]
    if not zip5:
        return None
    wanted_name, wanted_address = normalise_name(name), normalise_address(address_line1)
    for program in programs.filter(postal_code__startswith=zip5).order_by("created_at"):
        if wanted_license and normalise_license(program.license_number) == wanted_license:
            return program
        if normalise_name(program.name) == wanted_name and normalise_address(program.address_line1) == wanted_address:
            return program
    return None


# --- A request arrives ------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestData:
    requester_name: str
    requester_email: str
    requester_role: str
    preferred_language: Language
    program_name: str
    address_line1: str
    city: str
    postal_code: str
    county: County
    setting_type: str
    concern_categories: Sequence[str]
    concern_text: str
    requester_phone: str = ""
    license_number: str = ""
    address_line2: str = ""
    auspice: str = ""
    serves_infants: bool = False
    serves_toddlers: bool = False
    serves_preschoolers: bool = False
    classroom_size: int | None = None
    languages: Sequence[Language] = ()
    child_specific: bool = False
    child_age_months: int | None = None
    imminent_risk: bool = False
    availability: str = ""


_DATA_FIELDS = [
    "requester_name", "requester_email", "requester_phone", "requester_role", "preferred_language",
    "program_name", "license_number", "address_line1", "address_line2", "city", "postal_code", "county",
    "setting_type", "auspice", "serves_infants", "serves_toddlers", "serves_preschoolers", "classroom_size",
    "child_specific", "imminent_risk", "availability", "concern_text",
]


def _served_county(*, network: Network, county: County) -> NetworkCounty:
    served = NetworkCounty.objects.select_related("region").filter(network=network, county=county).first()
    if served is None:
        raise ValidationError(
            {"county": ValidationError(
                _("%(county)s is not served by this network.") % {"county": county}, code="county_not_served"
            )}
        )
    return served


def _submission_owner(network: Network) -> str:
    # Anonymous requesters have no account to own a key; the key itself is random and single-use.
    return f"intake:{network.pk}"


def _enqueue_after_commit(task: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: task.enqueue(**kwargs))


@transaction.atomic
def request_submit(
    *, network: Network, data: RequestData, submitted_by: User | None = None, submission_key: UUID | None = None
) -> Request:
    """Record a request for consultation, number it, prioritise it, and acknowledge it by email."""
    from abrazo.intake.tasks import send_acknowledgement

    served = _served_county(network=network, county=data.county)
    claim_submission(owner=_submission_owner(network), key=submission_key, model=Request)
    now = timezone.now()
    request = Request(network=network, region=served.region, submitted_at=now)
    for name in _DATA_FIELDS:
        setattr(request, name, getattr(data, name))
    request.license_number = data.license_number.strip()
    request.requester_email = data.requester_email.strip().lower()
    request.concern_categories = list(data.concern_categories)
    request.child_age_months = data.child_age_months if data.child_specific else None
    if submitted_by is not None and submitted_by.is_authenticated:
        request.submitted_by = submitted_by
    request.program = recognise_program(
        network=network, license_number=data.license_number, name=data.program_name,
        address_line1=data.address_line1, postal_code=data.postal_code,
    )
    rules = intake_settings_for(network)
    request.computed_priority = compute_priority(
        rules=rules, imminent_risk=data.imminent_risk, underserved=served.underserved,
        rural=bool(request.program and request.program.is_rural),
    )
    request.priority = request.computed_priority
    request.reference = _next_reference(now)
    request.save()
    request.languages.set(data.languages)
    if request.submitted_by is not None:
        audit.record_change(user=request.submitted_by, obj=request, action=Action.CREATE)
    else:
        audit.record(
            user=None, action=Action.CREATE, object_type="intake.request", object_id=str(request.pk),
            email=request.requester_email,
        )
    remember_submission(owner=_submission_owner(network), key=submission_key, obj=request)
    _enqueue_after_commit(send_acknowledgement, request_id=str(request.pk))
    return request


# --- Triage -------------------------------------------------------------------------------------


class RequestNotOpen(Exception):
    """The request has already been decided (assigned, declined or withdrawn); nothing was changed."""

    def __init__(self, request: Request) -> None:
        self.request = request
        super().__init__(self.message)

    @property
    def message(self) -> str:
        request = self.request
        if request.status == RequestStatus.ASSIGNED and request.consultant is not None:
            who = request.assigned_by.full_name if request.assigned_by else _("another coordinator")
            return _(
                "%(reference)s was assigned to %(consultant)s by %(who)s a moment ago; nothing was changed."
            ) % {"reference": request.reference, "consultant": request.consultant, "who": who}
        return _("%(reference)s is already %(status)s; nothing was changed.") % {
            "reference": request.reference, "status": request.get_status_display().lower(),
        }


def _locked_open_request(*, actor: User, request: Request) -> Request:
    """The request, re-read under a row lock, checked to be in the actor's scope and still open.

    Everything that decides a request goes through here, so two coordinators acting on one request at
    the same moment are serialised: the second reads the first one's decision and is refused.
    """
    access.require(actor, "request.triage", request)
    # Lock the row alone: after waiting for another transaction's lock, PostgreSQL hands back the newly
    # committed row, but rows joined in the same query would still be the old ones.
    locked = Request.objects.select_for_update().get(pk=request.pk)
    if locked.status not in OPEN_STATUSES:
        raise RequestNotOpen(Request.objects.select_related("consultant__user", "assigned_by").get(pk=request.pk))
    return locked


def _required_text(value: str, field: str, message: str) -> str:
    text = value.strip()
    if not text:
        raise ValidationError({field: ValidationError(message, code="required")})
    return text


def _save(request: Request, fields: list[str]) -> None:
    request.version += 1
    request.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def request_ask_for_information(*, actor: User, request: Request, message: str) -> Request:
    """Put the request on hold and email the requester the question, in their language."""
    from abrazo.intake.tasks import send_information_request

    text = _required_text(message, "message", _("Write what you need to know from the requester."))
    request = _locked_open_request(actor=actor, request=request)
    request.status = RequestStatus.NEEDS_INFO
    request.info_requested_at = timezone.now()
    request.info_request_message = text
    _save(request, ["status", "info_requested_at", "info_request_message"])
    audit.record_change(user=actor, obj=request, action=Action.UPDATE)
    _enqueue_after_commit(send_information_request, request_id=str(request.pk))
    return request


@transaction.atomic
def request_decline(*, actor: User, request: Request, reason: str) -> Request:
    text = _required_text(reason, "reason", _("Give the reason for declining."))
    request = _locked_open_request(actor=actor, request=request)
    request.status = RequestStatus.DECLINED
    request.declined_at = timezone.now()
    request.decline_reason = text
    _save(request, ["status", "declined_at", "decline_reason"])
    audit.record_change(user=actor, obj=request, action=Action.UPDATE)
    return request


@transaction.atomic
def request_waitlist(*, actor: User, request: Request) -> Request:
    """Put the request on the waitlist; its waitlist age counts from the first time it went there."""
    request = _locked_open_request(actor=actor, request=request)
    request.status = RequestStatus.WAITLISTED
    if request.waitlisted_at is None:
        request.waitlisted_at = timezone.now()
    _save(request, ["status", "waitlisted_at"])
    audit.record_change(user=actor, obj=request, action=Action.UPDATE)
    return request


@transaction.atomic
def request_set_priority(
    *, actor: User, request: Request, priority: str, reason: str, expected_version: int | None = None
) -> Request:
    """Override the priority the rules gave; a reason is required (and going back to the rules clears it).

    The form passes the version it showed: two coordinators re-prioritising one request from pages loaded at
    the same time would otherwise have the second silently replace the first's priority and reason; the second
    gets StaleEditError instead (checked under the row lock)."""
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Choose a priority from the list.")})
    request = _locked_open_request(actor=actor, request=request)
    if expected_version is not None and request.version != expected_version:
        raise StaleEditError(str(StaleEditError.message))
    if priority == request.computed_priority:
        request.priority_override_reason = reason.strip()
    else:
        request.priority_override_reason = _required_text(
            reason, "reason", _("Say why this request needs a different priority than the rules give.")
        )
    request.priority = priority
    _save(request, ["priority", "priority_override_reason"])
    audit.record_change(user=actor, obj=request, action=Action.UPDATE)
    return request


# --- Assignment ---------------------------------------------------------------------------------


def _program_for_assignment(*, actor: User, request: Request) -> Program:
    """The directory program the episode will belong to: the recognised one, or a new one from the request.

    A program is added to the directory only here, when a coordinator has looked at the request, never
    straight from the public form.
    """
    if request.program is not None:
        return request.program
    found = recognise_program(
        network=request.network, license_number=request.license_number, name=request.program_name,
        address_line1=request.address_line1, postal_code=request.postal_code,
    )
    if found is not None:
        return found
    from abrazo.directory import services as directory

    data = directory.ProgramData(
        name=request.program_name, setting_type=request.setting_type,
        auspice=request.auspice or _default_auspice(request.setting_type),
        license_number=request.license_number, address_line1=request.address_line1,
        address_line2=request.address_line2, city=request.city, postal_code=request.postal_code,
        county=request.county, serves_infants=request.serves_infants, serves_toddlers=request.serves_toddlers,
        serves_preschoolers=request.serves_preschoolers, languages=list(request.languages.all()),
    )
    return directory.program_create(actor=actor, network=request.network, data=data)


def _default_auspice(setting_type: str) -> str:
    """The directory needs an auspice; a requester who did not know gets the usual one for the setting,
    which the coordinator can correct on the program's page."""
    from abrazo.directory.models import Auspice, SettingType

    if setting_type in (SettingType.HEAD_START, SettingType.EARLY_HEAD_START):
        return Auspice.HEAD_START
    if setting_type == SettingType.STATE_PRESCHOOL:
        return Auspice.PUBLIC_SCHOOL
    return Auspice.FOR_PROFIT if setting_type in (SettingType.FCC_SMALL, SettingType.FCC_LARGE) else Auspice.NON_PROFIT


def suggestion_consultant_id(suggestion: Any) -> UUID:
    """The consultant a matching suggestion names (the engine speaks in id strings, services may give profiles)."""
    named = getattr(suggestion, "consultant_id", None) or getattr(suggestion, "consultant", None)
    return UUID(str(getattr(named, "pk", named)))


def top_suggestion_id(*, actor: User, request: Request) -> UUID | None:
    """The consultant the matching engine ranks first for this request, if any meets the hard constraints."""
    from abrazo.matching.services import suggestions_for

    suggestions = suggestions_for(user=actor, request=request, limit=1)
    return suggestion_consultant_id(suggestions[0]) if suggestions else None


@transaction.atomic
def request_assign(
    *, actor: User, request: Request, consultant: ConsultantProfile, episode_type: str, override_reason: str = "",
    child_code: str = "", classroom: Classroom | None = None,
) -> Episode:
    """Assign the request to a consultant and open the episode.

    Taking the engine's top suggestion needs no explanation; any other choice (or any choice when the
    engine suggests nobody) needs a reason, which is kept with the request. The request row is locked
    first, so of two coordinators assigning it at the same moment exactly one succeeds; the other gets
    RequestNotOpen naming who assigned it to whom.
    """
    from abrazo.consultations.services import episode_open

    request = _locked_open_request(actor=actor, request=request)
    if consultant.network_id != request.network_id or not consultant.is_active:
        raise ValidationError({"consultant": _("Choose an active consultant of this network.")})
    reason = override_reason.strip()
    if consultant.pk != top_suggestion_id(actor=actor, request=request) and not reason:
        raise ValidationError(
            {"override_reason": ValidationError(
                _("You chose someone other than the top suggestion: say why."), code="override_reason_required"
            )}
        )
    program = _program_for_assignment(actor=actor, request=request)
    if classroom is not None and classroom.program_id != program.pk:
        raise ValidationError({"classroom": _("Choose a classroom of this program.")})
    episode = episode_open(actor=actor, consultant=consultant, program=program, episode_type=episode_type,
                           request=request, classroom=classroom, child_code=child_code)
    request.program = program
    request.consultant = consultant
    request.status = RequestStatus.ASSIGNED
    request.assigned_at = timezone.now()
    request.assigned_by = actor
    request.assignment_override_reason = reason
    _save(request, ["program", "consultant", "status", "assigned_at", "assigned_by", "assignment_override_reason"])
    audit.record_change(user=actor, obj=request, action=Action.UPDATE)
    return episode


def request_mark_first_contact(request: Request, at: datetime) -> None:
    """Record when the requester was first contacted (called when an episode logs its first contact).

    Keeps the earliest time: a contact entered late for an earlier date moves it back, never forward.
    """
    later_or_unset = Q(first_contact_at__isnull=True) | Q(first_contact_at__gt=at)
    Request.objects.filter(pk=request.pk).filter(later_or_unset).update(first_contact_at=at)
    request.refresh_from_db(fields=["first_contact_at"])


# --- Rules editing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeSettingsData:
    imminent_risk_priority: str
    underserved_county_priority: str
    rural_program_priority: str
    supported_setting_types: Sequence[str]
    max_child_age_months: int
    duplicate_window_days: int


INTAKE_SETTINGS_FIELDS = [
    "imminent_risk_priority", "underserved_county_priority", "rural_program_priority", "supported_setting_types",
    "max_child_age_months", "duplicate_window_days",
]


@transaction.atomic
def intake_settings_update(
    *, actor: User, network: Network, data: IntakeSettingsData, expected_version: int
) -> IntakeSettings:
    """Change a network's intake rules (new requests use them; existing priorities stay as they are).

    `expected_version` is the version the editor loaded (1 for the unsaved defaults, which is also what a first
    save creates); a stale one raises StaleEditError rather than overwriting a colleague's newer save."""
    access.require(actor, "network.configure", network)
    rules, _created = IntakeSettings.objects.select_for_update().get_or_create(network=network)
    rules.imminent_risk_priority = data.imminent_risk_priority
    rules.underserved_county_priority = data.underserved_county_priority
    rules.rural_program_priority = data.rural_program_priority
    rules.supported_setting_types = list(data.supported_setting_types)
    rules.max_child_age_months = data.max_child_age_months
    rules.duplicate_window_days = data.duplicate_window_days
    save_versioned(rules, expected_version=expected_version, update_fields=INTAKE_SETTINGS_FIELDS)
    audit.record_change(user=actor, obj=rules, action=Action.UPDATE)
    return rules

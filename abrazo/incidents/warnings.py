"""Early warning: noticing a child whose incidents cross the network's threshold, and acting on it.

A network sets when a child calls for attention (WarningSettings: so many incidents within so many
school days, any out-of-school suspension, any dismissal, any "soft" exclusion). After every write of
an incident or exclusion, the incidents services call `evaluate_child`, which opens an EarlyWarning
when the child's records cross the threshold. The program's staff and the region's coordinator see
it, and one click turns it into an urgent request for consultation through intake's own
`request_submit`, so the request is numbered, acknowledged and triaged like any other.

The sections below: the threshold (pure, no database), evaluation, reads (scoped and audited), writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.audit.models import Action
from abrazo.core.concurrency import save_versioned
from abrazo.incidents import birs
from abrazo.incidents.models import (
    SOFT_EXCLUSIONS,
    Child,
    EarlyWarning,
    Exclusion,
    ExclusionKind,
    Incident,
    WarningReason,
    WarningSettings,
    WarningStatus,
)

if TYPE_CHECKING:
    from abrazo.accounts.models import User
    from abrazo.directory.models import Network
    from abrazo.intake.models import Request

VIEW = "warning.view"
ACT = "warning.act"
CONFIGURE = "network.configure"

# An alert is about a child who needs help now. A crossing whose latest event is older than this (a file of
# last year's incidents, an exclusion entered months late) raises no warning: it would only be noise.
STALE_AFTER_DAYS = 60

# Incident follow-ups that are "soft" exclusions (DOMAIN.md §5), like the Exclusion kinds of the same name.
SOFT_FOLLOW_UPS = (birs.AdminFollowUp.REDUCE_HOURS, birs.AdminFollowUp.CONDITIONAL_ENROLLMENT,
                   birs.AdminFollowUp.TRANSFER)

# Most serious first: when several reasons apply at once, the warning names the most serious.
REASON_ORDER = (WarningReason.DISMISSAL, WarningReason.OSS, WarningReason.SOFT_EXCLUSION, WarningReason.PATTERN)

# Reasons that mean a child is already being excluded: the request is marked as imminent risk.
EXCLUDING_REASONS = (WarningReason.OSS, WarningReason.DISMISSAL, WarningReason.SOFT_EXCLUSION)

# How many incidents the concern text of a request lists at most (the most recent ones).
CONCERN_MAX_INCIDENTS = 20


# --- The threshold (pure: plain dates in, plain data out) ------------------------------------------


def school_day_number(day: dt.date) -> int:
    """The day's position in a calendar of school days (Monday to Friday), counting from 0001-01-01.

    A Saturday or Sunday gets the number of the following Monday: an incident at a weekend (family child
    care, a field trip) counts with the next school day rather than being lost between two weeks.
    """
    weeks, weekday = divmod(day.toordinal() - 1, 7)  # ordinal 1 is a Monday
    return weeks * 5 + min(weekday, 5)


def window_start(last_day: dt.date, window_school_days: int) -> dt.date:
    """The first calendar date of the window of `window_school_days` school days that ends on `last_day`."""
    first_number = school_day_number(last_day) - max(window_school_days, 1) + 1
    start = last_day
    # Walk back to the earliest date that still has a number inside the window (at most a few weeks).
    while school_day_number(start - dt.timedelta(days=1)) >= first_number:
        start -= dt.timedelta(days=1)
    return start


@dataclass(frozen=True)
class Event:
    """One incident for the threshold: its date, and whether it was recorded after the child's last warning."""

    day: dt.date
    new: bool = True


@dataclass(frozen=True)
class PatternCrossing:
    first_day: dt.date  # the earliest incident in the window
    last_day: dt.date  # the latest incident in the window: the day the threshold was crossed
    incident_count: int


def pattern_crossing(events: Iterable[Event], *, count: int, window_school_days: int) -> PatternCrossing | None:
    """The latest window of `window_school_days` school days holding at least `count` incidents, one of them new.

    Requiring a new incident is what keeps a closed warning closed: the same incidents never raise a second
    warning, but one more incident that makes the pattern cross the threshold again does. Only windows that
    end on an incident need checking: any window holding a set of incidents is contained in the window that
    ends on the latest of them.
    """
    ordered = sorted(events, key=lambda event: event.day)
    numbers = [school_day_number(event.day) for event in ordered]
    new_before = [0]  # new_before[k]: how many of the first k events are new
    for event in ordered:
        new_before.append(new_before[-1] + int(event.new))
    width = max(window_school_days, 1)
    found: PatternCrossing | None = None
    first = 0
    for last in range(len(ordered)):
        if last + 1 < len(ordered) and numbers[last + 1] == numbers[last]:
            continue  # events on the same school day belong together: end the window on the last of them
        while numbers[last] - numbers[first] >= width:
            first += 1
        size = last - first + 1
        if size >= count and new_before[last + 1] - new_before[first] > 0:
            found = PatternCrossing(ordered[first].day, ordered[last].day, size)
    return found


# --- Evaluation -----------------------------------------------------------------------------------


def warning_settings_of(network: Network) -> WarningSettings:
    """The network's thresholds for reading: the defaults (unsaved) while nobody has changed them."""
    return WarningSettings.objects.filter(network=network).first() or WarningSettings(network=network)


def warning_settings_for(network_id: UUID) -> WarningSettings:
    """The network's thresholds, created with the defaults the first time they are needed."""
    rules, _created = WarningSettings.objects.get_or_create(network_id=network_id)
    return rules


@dataclass(frozen=True)
class Trigger:
    reason: str
    triggered_on: dt.date
    incident_count: int


def _latest_day(days: Iterable[dt.date]) -> dt.date | None:
    return max(days, default=None)


def _trigger_for(
    child: Child, rules: WarningSettings, *, today: dt.date, last_raised: dt.datetime | None
) -> Trigger | None:
    """What, if anything, in the child's records calls for a new warning now."""

    def is_new(created_at: dt.datetime) -> bool:
        # Recorded after the last warning (of any status) was raised: a warning already covered the rest.
        return last_raised is None or created_at > last_raised

    incidents = list(child.incidents.values_list("occurred_on", "created_at", "admin_follow_up", "is_oss",
                                                 "is_dismissal"))
    exclusions = list(child.exclusions.values_list("starts_on", "created_at", "kind"))
    recent_from = today - dt.timedelta(days=STALE_AFTER_DAYS)

    def fresh(day: dt.date, created_at: dt.datetime) -> bool:
        return day >= recent_from and is_new(created_at)

    exclusion_days: dict[str, dt.date | None] = {
        WarningReason.DISMISSAL: _latest_day(
            [day for day, made, _follow, _oss, dismissal in incidents if dismissal and fresh(day, made)]
            + [day for day, made, kind in exclusions if kind == ExclusionKind.DISMISSAL and fresh(day, made)]
        ) if rules.on_any_dismissal else None,
        WarningReason.OSS: _latest_day(
            [day for day, made, _follow, oss, _dismissal in incidents if oss and fresh(day, made)]
            + [day for day, made, kind in exclusions if kind == ExclusionKind.OSS and fresh(day, made)]
        ) if rules.on_any_oss else None,
        WarningReason.SOFT_EXCLUSION: _latest_day(
            [day for day, made, follow, _oss, _dismissal in incidents if follow in SOFT_FOLLOW_UPS and fresh(day, made)]
            + [day for day, made, kind in exclusions if kind in SOFT_EXCLUSIONS and fresh(day, made)]
        ) if rules.on_soft_exclusion else None,
    }
    events = [Event(day=day, new=is_new(made)) for day, made, *_rest in incidents]
    for reason in REASON_ORDER:
        if reason == WarningReason.PATTERN:
            crossing = pattern_crossing(events, count=rules.incident_count, window_school_days=rules.window_school_days)
            if crossing is not None and crossing.last_day >= recent_from:
                return Trigger(reason, crossing.last_day, crossing.incident_count)
            continue
        day = exclusion_days[reason]
        if day is not None:
            start = window_start(day, rules.window_school_days)
            in_window = sum(1 for event in events if start <= event.day <= day)
            return Trigger(reason, day, in_window)
    return None


def evaluate_child(child: Child) -> EarlyWarning | None:
    """Open a warning for the child when their incidents or exclusions now cross the network's
    threshold and none is open; return the open warning, if any. Called inside the writing transaction."""
    # A new warning is only opened when none is open, so an open warning is always the child's latest. Reading
    # both facts in one statement matters: a warning another writer commits between two reads would be
    # missed as open yet make this writer's incident look old, and the child would get no warning back.
    latest = EarlyWarning.objects.filter(child=child).order_by("-created_at").first()
    if latest is not None and latest.status == WarningStatus.OPEN:
        return latest
    trigger = _trigger_for(child, warning_settings_for(child.network_id), today=timezone.localdate(),
                           last_raised=latest.created_at if latest else None)
    if trigger is None:
        return None
    try:
        # A savepoint, so that losing the race below leaves the caller's transaction usable.
        with transaction.atomic():
            return EarlyWarning.objects.create(
                network_id=child.network_id, program_id=child.program_id, child=child, reason=trigger.reason,
                triggered_on=trigger.triggered_on, incident_count=min(trigger.incident_count, 32767),
            )
    except IntegrityError:
        # Two incidents of the child saved at the same moment: the other transaction opened the warning
        # first (one_open_warning_per_child made this insert wait for it, then refused it). Theirs is the one.
        return EarlyWarning.objects.filter(child=child, status=WarningStatus.OPEN).first()


# --- Reads (scoped through accounts.access, audited) ------------------------------------------------


def _defaults_for(network_ids: Iterable[Any]) -> dict[Any, WarningSettings]:
    """The thresholds of these networks, with unsaved defaults for a network that never set any (a read
    must not write)."""
    wanted = set(network_ids)
    found = {rules.network_id: rules for rules in WarningSettings.objects.filter(network_id__in=wanted)}
    return {network_id: found.get(network_id) or WarningSettings(network_id=network_id) for network_id in wanted}


@dataclass
class WarningPattern:
    """A warning with the incidents and exclusions behind it: from the start of its window onwards."""

    warning: EarlyWarning
    window_start: dt.date
    incidents: list[Incident] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)

    @property
    def standalone_exclusions(self) -> list[Exclusion]:
        """Exclusions recorded on their own (those recorded with an incident are shown with it)."""
        return [row for row in self.exclusions if row.incident_id is None]

    @property
    def until(self) -> dt.date | None:
        """The last day that belongs to the pattern: the day someone acted on it, or none while it is open."""
        closed_at = self.warning.closed_at
        return timezone.localdate(closed_at) if closed_at else None


def warning_patterns(warnings: Sequence[EarlyWarning]) -> list[WarningPattern]:
    """Each warning's pattern, in two queries whatever the number of warnings."""
    if not warnings:
        return []
    rules = _defaults_for(warning.network_id for warning in warnings)
    patterns = [
        WarningPattern(warning, window_start(warning.triggered_on, rules[warning.network_id].window_school_days))
        for warning in warnings
    ]
    child_ids = {warning.child_id for warning in warnings}
    earliest = min(pattern.window_start for pattern in patterns)
    incidents = list(Incident.objects.filter(child_id__in=child_ids, occurred_on__gte=earliest)
                     .order_by("occurred_on", "occurred_at", "created_at"))
    exclusions = list(Exclusion.objects.filter(child_id__in=child_ids, starts_on__gte=earliest)
                      .order_by("starts_on", "created_at"))
    for pattern in patterns:
        until = pattern.until
        child_id, start = pattern.warning.child_id, pattern.window_start
        pattern.incidents = [row for row in incidents if row.child_id == child_id and row.occurred_on >= start
                             and (until is None or row.occurred_on <= until)]
        pattern.exclusions = [row for row in exclusions if row.child_id == child_id and row.starts_on >= start
                              and (until is None or row.starts_on <= until)]
    return patterns


def warning_queryset_for(*, user: Any, status: str = WarningStatus.OPEN) -> QuerySet[EarlyWarning]:
    """The warnings in the user's scope with this status (all statuses when empty), newest first."""
    rows = EarlyWarning.objects.select_related("child", "program", "request")
    if status:
        rows = rows.filter(status=status)
    return access.visible(user, VIEW, rows).order_by("-triggered_on", "-created_at", "id")


def warning_page_record(*, user: Any, patterns: Sequence[WarningPattern]) -> None:
    """Write the list's reads to the ledger: the warnings shown and the incidents shown with them."""
    audit.record_list(user=user, model=EarlyWarning, ids=[pattern.warning.pk for pattern in patterns])
    incident_ids = [incident.pk for pattern in patterns for incident in pattern.incidents]
    if incident_ids:
        audit.record_list(user=user, model=Incident, ids=incident_ids)


def warning_get_for(*, user: Any, warning_id: UUID, permission: str = VIEW) -> EarlyWarning:
    """The warning if the user holds the permission on it; otherwise 404, so existence is not revealed."""
    warning = access.get_or_404(
        user, permission, EarlyWarning.objects.select_related("child", "program", "request", "closed_by"),
        pk=warning_id,
    )
    audit.record_view(user=user, obj=warning)
    return warning


def open_warning_count_for(*, user: Any) -> int:
    """How many open warnings the user may see (the dashboard's tile)."""
    return access.visible(user, VIEW, EarlyWarning.objects.filter(status=WarningStatus.OPEN)).count()


def child_requests_for(*, user: Any, warning: EarlyWarning) -> list[Request]:
    """The requests already made for the warning's child that the user may open (to avoid asking twice)."""
    from abrazo.intake.models import Request

    return list(Request.objects.visible_to(user).filter(child_id=warning.child_id).order_by("-submitted_at"))


def network_for_configuration(*, user: Any) -> Network:
    """The network whose warning thresholds the user may change (their first, as network administrator)."""
    from django.http import Http404

    from abrazo.directory.models import Network

    network = access.visible(user, CONFIGURE, Network.objects.order_by("name")).first()
    if network is None:
        raise Http404
    return network


# --- The request's concern, written for the consultant ---------------------------------------------


def _short_date(day: dt.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def concern_text(pattern: WarningPattern, *, language: str | None = None) -> str:
    """The pattern of incidents in words, in the person's language: codes and BIRS labels only.

    A child is known by their program's code and the BIRS fields are choices, so nothing here can name a
    child; incident notes (free text) are deliberately left out.
    """
    warning = pattern.warning
    with translation.override(language or translation.get_language()):
        lines = [
            _("Early warning for child %(code)s at %(program)s: %(reason)s, %(date)s.") % {
                "code": warning.child.code, "program": warning.program.name,
                "reason": warning.get_reason_display(), "date": _short_date(warning.triggered_on),
            },
        ]
        incidents = pattern.incidents[-CONCERN_MAX_INCIDENTS:]
        if incidents:
            lines.append(_("Incidents since %(date)s:") % {"date": _short_date(pattern.window_start)})
            for incident in incidents:
                lines.append(_("- %(date)s: %(behavior)s during %(activity)s; response: %(response)s; "
                               "follow-up: %(follow_up)s") % {
                    "date": _short_date(incident.occurred_on), "behavior": incident.get_problem_behavior_display(),
                    "activity": incident.get_activity_display(), "response": incident.get_strategy_response_display(),
                    "follow_up": incident.get_admin_follow_up_display(),
                })
            left_out = len(pattern.incidents) - len(incidents)
            if left_out:
                lines.append(_("(and %(count)d earlier incidents)") % {"count": left_out})
        standalone = pattern.standalone_exclusions
        if standalone:
            lines.append(_("Exclusions recorded:"))
            for exclusion in standalone:
                lines.append(_("- %(date)s: %(kind)s") % {
                    "date": _short_date(exclusion.starts_on), "kind": exclusion.get_kind_display()})
        return "\n".join(lines)


# --- Writes ----------------------------------------------------------------------------------------


class WarningNotOpen(Exception):
    """Someone already acted on the warning (a request was made, or it was closed); nothing was changed."""

    def __init__(self, warning: EarlyWarning) -> None:
        self.warning = warning
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.warning.status == WarningStatus.REQUESTED:
            return _("A consultation was already requested for this warning; nothing was changed.")
        return _("This warning was already closed; nothing was changed.")


def _requester_role(actor: User, program_id: Any) -> str:
    from abrazo.directory.models import ProgramStaff, StaffPosition
    from abrazo.intake.models import RequesterRole

    position = (ProgramStaff.objects.filter(program_id=program_id, user=actor, is_active=True)
                .values_list("position", flat=True).first())
    roles: dict[str, str] = {
        StaffPosition.DIRECTOR: RequesterRole.DIRECTOR, StaffPosition.TEACHER: RequesterRole.TEACHER,
        StaffPosition.ASSISTANT_TEACHER: RequesterRole.TEACHER, StaffPosition.FCC_PROVIDER: RequesterRole.FCC_PROVIDER,
        StaffPosition.FFN_CAREGIVER: RequesterRole.FFN_CAREGIVER,
        StaffPosition.HOME_VISITOR: RequesterRole.HOME_VISITOR,
    }
    return roles.get(position or "", RequesterRole.OTHER)


def age_in_months(date_of_birth: dt.date | None, on: dt.date) -> int | None:
    if date_of_birth is None or date_of_birth > on:
        return None
    months = (on.year - date_of_birth.year) * 12 + on.month - date_of_birth.month
    return months - (1 if on.day < date_of_birth.day else 0)


def _locked(warning: EarlyWarning) -> EarlyWarning:
    # The warning row alone is locked (no joins), so a second click that waited for the lock reads the
    # row as the first click left it.
    return EarlyWarning.objects.select_for_update().get(pk=warning.pk)


@transaction.atomic
def warning_request_consultation(*, actor: User, warning: EarlyWarning) -> tuple[Request, bool]:
    """Turn the warning into an urgent request for consultation about the child, once.

    Returns the request and whether it was made now. The warning's row is locked and its link checked under
    the lock, so a double click or two people acting at once make one request; the others get it back.
    """
    from abrazo.directory.models import Language, Program
    from abrazo.intake import services as intake
    from abrazo.intake.models import ConcernCategory, Priority

    access.require(actor, ACT, warning)
    locked = _locked(warning)
    if locked.request_id is not None:
        from abrazo.intake.models import Request

        return Request.objects.get(pk=locked.request_id), False
    if locked.status != WarningStatus.OPEN:
        raise WarningNotOpen(locked)
    locked.child = Child.objects.get(pk=locked.child_id)
    program = Program.objects.select_related("network", "county").prefetch_related("languages").get(
        pk=locked.program_id)
    locked.program = program
    language = Language.objects.filter(code=actor.preferred_language).first() or Language.objects.get(code="en")
    pattern = warning_patterns([locked])[0]
    data = intake.RequestData(
        requester_name=actor.full_name or actor.email, requester_email=actor.email,
        requester_role=_requester_role(actor, program.pk), preferred_language=language,
        program_name=program.name, license_number=program.license_number, address_line1=program.address_line1,
        address_line2=program.address_line2, city=program.city, postal_code=program.postal_code,
        county=program.county, setting_type=program.setting_type, auspice=program.auspice,
        serves_infants=program.serves_infants, serves_toddlers=program.serves_toddlers,
        serves_preschoolers=program.serves_preschoolers, languages=list(program.languages.all()),
        concern_categories=[ConcernCategory.BEHAVIOR], concern_text=concern_text(pattern, language=language.code),
        child_specific=True,
        child_age_months=age_in_months(locked.child.date_of_birth, timezone.localdate()),
        imminent_risk=locked.reason in EXCLUDING_REASONS,
    )
    request = intake.request_submit(network=program.network, data=data, submitted_by=actor)
    # The request is about this child at this program, whatever the typed details would match. It is urgent
    # whatever the intake rules would give: the network's warning threshold is itself one of its rules.
    request.program, request.child = program, locked.child
    request.priority = request.computed_priority = Priority.URGENT
    request.save(update_fields=["program", "child", "priority", "computed_priority", "updated_at"])
    locked.status, locked.request = WarningStatus.REQUESTED, request
    locked.closed_by, locked.closed_at = actor, timezone.now()
    locked.save(update_fields=["status", "request", "closed_by", "closed_at", "updated_at"])
    audit.record_change(user=actor, obj=locked, action=Action.UPDATE)
    return request, True


@transaction.atomic
def warning_close(*, actor: User, warning: EarlyWarning, note: str) -> EarlyWarning:
    """Close the warning without a request, saying why (the next crossing of the threshold raises a new one)."""
    access.require(actor, ACT, warning)
    text = " ".join(note.split())
    if not text:
        raise ValidationError({"note": ValidationError(_("Say why no request is needed."), code="required")})
    if len(text) > 300:
        raise ValidationError({"note": ValidationError(_("Keep the note to 300 characters."), code="max_length")})
    locked = _locked(warning)
    if locked.status != WarningStatus.OPEN:
        raise WarningNotOpen(locked)
    locked.status, locked.close_note = WarningStatus.DISMISSED, text
    locked.closed_by, locked.closed_at = actor, timezone.now()
    locked.save(update_fields=["status", "close_note", "closed_by", "closed_at", "updated_at"])
    audit.record_change(user=actor, obj=locked, action=Action.UPDATE)
    return locked


@dataclass(frozen=True)
class WarningSettingsData:
    incident_count: int
    window_school_days: int
    on_any_oss: bool
    on_any_dismissal: bool
    on_soft_exclusion: bool


MAX_INCIDENT_COUNT = 50
MAX_WINDOW_SCHOOL_DAYS = 120


@transaction.atomic
def warning_settings_update(
    *, actor: User, network: Network, data: WarningSettingsData, expected_version: int
) -> WarningSettings:
    """Change the network's thresholds; they apply from the next incident or exclusion recorded.

    `expected_version` is the version the editor loaded (1 for the unsaved defaults); a stale one raises
    StaleEditError, so one administrator's save never silently undoes another's."""
    access.require(actor, CONFIGURE, network)
    errors = {}
    if not 1 <= data.incident_count <= MAX_INCIDENT_COUNT:
        errors["incident_count"] = _("Choose between 1 and %(max)d incidents.") % {"max": MAX_INCIDENT_COUNT}
    if not 1 <= data.window_school_days <= MAX_WINDOW_SCHOOL_DAYS:
        errors["window_school_days"] = _("Choose between 1 and %(max)d school days.") % {"max": MAX_WINDOW_SCHOOL_DAYS}
    if errors:
        raise ValidationError(errors)
    rules, _created = WarningSettings.objects.select_for_update().get_or_create(network=network)
    rules.incident_count = data.incident_count
    rules.window_school_days = data.window_school_days
    rules.on_any_oss = data.on_any_oss
    rules.on_any_dismissal = data.on_any_dismissal
    rules.on_soft_exclusion = data.on_soft_exclusion
    save_versioned(rules, expected_version=expected_version, update_fields=[
        "incident_count", "window_school_days", "on_any_oss", "on_any_dismissal", "on_soft_exclusion",
    ])
    audit.record_change(user=actor, obj=rules, action=Action.UPDATE)
    return rules


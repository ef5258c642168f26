"""Every read of episodes a view, a report or the matching engine needs, scoped by the person asking.

Three levels of sight on an episode (see access.POLICY):
- "episode.view": status, phase, agreement, action plan and goals, dosage totals (program staff stop here);
- clinical oversight ("episode.manage" or "episode.notes"): also contact dates and minutes, consent status,
  referrals and the full timeline;
- "episode.notes" (the consultant and their supervisor): also the notes and the signed consent forms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from abrazo.accounts import access
from abrazo.audit import services as audit
from abrazo.consultations.models import (
    FINISHED_PHASES,
    RESTRICTED_EVENTS,
    Agreement,
    Attendance,
    BriefContact,
    BriefKind,
    Closure,
    Consent,
    Contact,
    Episode,
    EpisodeEvent,
    FollowUp,
    Goal,
    Group,
    GroupMember,
    GroupSession,
    Phase,
    Referral,
)
from abrazo.consultations.services import consent_cleared
from abrazo.directory.models import ConsultantProfile

NO_CONTACT_ALERT_DAYS = 14
DUE_SOON_DAYS = 7

EPISODE_RELATED = ("program", "program__county", "classroom", "consultant__user", "language", "network")


def open_caseload_counts(consultant_ids: Iterable[UUID]) -> dict[UUID, int]:
    """Open episodes per consultant (zero included), for matching's capacity check. Not scoped: counts only."""
    ids = list(consultant_ids)
    counts: dict[UUID, int] = dict.fromkeys(ids, 0)
    rows = (
        Episode.objects.filter(consultant_id__in=ids)
        .exclude(phase__in=FINISHED_PHASES)
        .values("consultant_id")
        .annotate(open_count=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["consultant_id"]] = row["open_count"]
    return counts


def episode_get_for(*, user: Any, episode_id: UUID, permission: str = "episode.view") -> Episode:
    """The episode if the user holds `permission` on it; otherwise 404, so existence is not revealed."""
    episode = access.get_or_404(
        user, permission, Episode.objects.select_related(*EPISODE_RELATED), pk=episode_id
    )
    audit.record_view(user=user, obj=episode)
    return episode


def _owned_or_404(user: Any, permission: str, queryset: QuerySet[Any], pk: UUID, episode_path: str) -> Any:
    """A record that hangs off an episode, reachable only if the user holds `permission` on that episode."""
    visible_episodes = Episode.objects.visible_to(user, permission).values("pk")
    record = get_object_or_404(queryset.filter(**{f"{episode_path}__in": visible_episodes}), pk=pk)
    audit.record_view(user=user, obj=record)
    return record


def consent_get_for(*, user: Any, consent_id: UUID, permission: str = "episode.work") -> Consent:
    return _owned_or_404(  # type: ignore[no-any-return]
        user, permission, Consent.objects.select_related("episode__program", "episode__consultant"), consent_id,
        "episode",
    )


def goal_get_for(*, user: Any, goal_id: UUID, permission: str = "episode.work") -> Goal:
    return _owned_or_404(  # type: ignore[no-any-return]
        user, permission, Goal.objects.select_related("plan__episode__program"), goal_id, "plan__episode"
    )


def referral_get_for(*, user: Any, referral_id: UUID, permission: str = "episode.work") -> Referral:
    return _owned_or_404(  # type: ignore[no-any-return]
        user, permission, Referral.objects.select_related("episode__program"), referral_id, "episode"
    )


def consent_form_for(*, user: Any, consent_id: UUID) -> Consent:
    """The consent whose signed form the user may download: "episode.notes" only. Audited as an export
    (the file leaves the system); a refusal is audited as denied and answered with 404."""
    visible_episodes = Episode.objects.visible_to(user, "episode.notes").values("pk")
    consent = Consent.objects.filter(pk=consent_id, episode__in=visible_episodes).exclude(form="").first()
    if consent is None:
        audit.record_denied(user=user, object_type="consultations.consent", object_id=str(consent_id))
        raise Http404
    audit.record(user=user, action="export", object_type="consultations.consent", object_id=str(consent.pk))
    return consent


@dataclass
class Dosage:
    contacts: int
    minutes: int
    minutes_in_classroom: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def minutes_meeting(self) -> int:
        return self.minutes - self.minutes_in_classroom


@dataclass
class EpisodeDetail:
    episode: Episode
    may_work: bool
    may_see_clinical: bool
    may_see_notes: bool
    may_grant_exception: bool
    dosage: Dosage
    timeline: list[EpisodeEvent]
    goals: list[Goal]
    consent_cleared: bool
    agreement: Any = None
    closure: Any = None
    followup: FollowUp | None = None
    contacts: list[Contact] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    exceptions: list[Any] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)


def episode_detail_for(*, user: Any, episode: Episode) -> EpisodeDetail:
    """Everything the episode page shows this user, already cut to their level of sight."""
    may_see_notes = access.can(user, "episode.notes", episode)
    may_see_clinical = may_see_notes or access.can(user, "episode.manage", episode)
    totals = episode.contacts.aggregate(
        n=Count("id"), minutes=Sum("minutes"), classroom=Sum("minutes_in_classroom")
    )
    dosage = Dosage(contacts=totals["n"] or 0, minutes=totals["minutes"] or 0,
                    minutes_in_classroom=totals["classroom"] or 0)
    events = EpisodeEvent.objects.filter(episode=episode).select_related("actor")
    if not may_see_clinical:
        events = events.exclude(kind__in=RESTRICTED_EVENTS)
    goals = list(Goal.objects.filter(plan__episode=episode))
    detail = EpisodeDetail(
        episode=episode,
        may_work=access.can(user, "episode.work", episode),
        may_see_clinical=may_see_clinical,
        may_see_notes=may_see_notes,
        may_grant_exception=access.can(user, "episode.consent_exception", episode),
        dosage=dosage,
        timeline=list(events),
        goals=goals,
        consent_cleared=consent_cleared(episode) if episode.is_child_specific else True,
        agreement=Agreement.objects.filter(episode=episode).first(),
        closure=Closure.objects.filter(episode=episode).first(),
    )
    followups = FollowUp.objects.filter(episode=episode)
    if not may_see_notes:
        followups = followups.defer("notes")
    detail.followup = followups.first()
    if may_see_clinical:
        contacts = Contact.objects.filter(episode=episode).select_related("language")
        if not may_see_notes:
            # Never even decrypted for people who may not read them.
            contacts = contacts.defer("notes")
        detail.contacts = list(contacts)
        detail.consents = list(episode.consents.all())
        detail.exceptions = list(episode.consent_exceptions.select_related("supervisor"))
        detail.referrals = list(episode.referrals.all())
        if may_see_notes and detail.contacts:
            audit.record_list(user=user, model=Contact, ids=[c.pk for c in detail.contacts], action="view")
    return detail


def episode_list_for(*, user: Any, open_only: bool = False, phase: str = "") -> QuerySet[Episode]:
    """Episodes the user may see, newest first (program staff: their program's; admins: the network's)."""
    episodes = Episode.objects.visible_to(user).select_related("program", "consultant__user")
    if open_only:
        episodes = episodes.open()
    if phase in Phase.values:
        episodes = episodes.filter(phase=phase)
    return episodes.order_by("-opened_at", "id")


# --- The consultant's caseload ----------------------------------------------------------------------


@dataclass
class Caseload:
    profile: ConsultantProfile | None
    episodes: Sequence[Episode]  # annotated with last_contact and goals_overdue
    followups_due: list[FollowUp]
    goals_overdue: list[Goal]
    quiet_episodes: Sequence[Episode]  # open, and no contact for NO_CONTACT_ALERT_DAYS days

    @property
    def due_count(self) -> int:
        return len(self.followups_due) + len(self.goals_overdue) + len(self.quiet_episodes)


def caseload_for(*, user: Any, today: dt.date | None = None) -> Caseload:
    """The signed-in consultant's open episodes and what needs doing this week. A fixed number of queries
    whatever the caseload's size."""
    today = today or timezone.localdate()
    mine = Episode.objects.visible_to(user, "episode.work")
    quiet_since = today - dt.timedelta(days=NO_CONTACT_ALERT_DAYS)
    episodes = list(
        mine.open()
        .select_related("program", "classroom", "language")
        .annotate(
            last_contact=Max("contacts__contact_date"),
            goals_overdue=Count(
                "action_plan__goals",
                filter=Q(action_plan__goals__target_date__lt=today, action_plan__goals__attainment__isnull=True),
            ),
        )
        .order_by("opened_at", "id")
    )
    quiet = [
        episode for episode in episodes
        if (episode.last_contact or timezone.localtime(episode.opened_at).date()) < quiet_since
    ]
    followups = list(
        FollowUp.objects.filter(
            episode__in=mine, completed_at=None, due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
        ).select_related("episode__program").order_by("due_on")
    )
    goals = list(
        Goal.objects.filter(
            plan__episode__in=mine.open(), target_date__lt=today, attainment__isnull=True
        ).select_related("plan__episode__program").order_by("target_date")
    )
    profile = ConsultantProfile.objects.filter(user=user).first() if user.is_authenticated else None
    audit.record_list(user=user, model=Episode, ids=[episode.pk for episode in episodes])
    return Caseload(profile=profile, episodes=episodes, followups_due=followups, goals_overdue=goals,
                    quiet_episodes=quiet)


# --- Team caseloads (supervisors, coordinators, administrators) --------------------------------------


@dataclass
class ConsultantLoad:
    consultant: ConsultantProfile
    open_episodes: int
    overdue_followups: int
    quiet_episodes: int

    @property
    def free_slots(self) -> int:
        return max(0, self.consultant.caseload_capacity - self.open_episodes)

    @property
    def over_capacity(self) -> bool:
        return self.open_episodes > self.consultant.caseload_capacity


@dataclass
class TeamCaseloads:
    rows: list[ConsultantLoad]
    overdue_followups: list[FollowUp]


def team_caseloads_for(*, user: Any, today: dt.date | None = None) -> TeamCaseloads:
    """The caseloads of the consultants the user oversees (a supervisor's supervisees, a coordinator's
    region, an administrator's network), and their overdue follow-ups."""
    today = today or timezone.localdate()
    consultants = access.visible(user, "team.view", ConsultantProfile.objects.filter(is_active=True))
    open_q = ~Q(episodes__phase__in=FINISHED_PHASES)
    quiet_since = today - dt.timedelta(days=NO_CONTACT_ALERT_DAYS)
    # The last contact of each open episode is needed per consultant; a subquery keeps it one query.
    last_contact = (
        Contact.objects.filter(episode=OuterRef("pk")).order_by("-contact_date").values("contact_date")[:1]
    )
    quiet_ids = (
        Episode.objects.open()
        .annotate(last=Subquery(last_contact))
        .filter(Q(last__lt=quiet_since) | Q(last__isnull=True, opened_at__date__lt=quiet_since))
        .values("pk")
    )
    rows = (
        consultants.select_related("user")
        .annotate(
            open_count=Count("episodes", filter=open_q, distinct=True),
            overdue_count=Count(
                "episodes__followup",
                filter=Q(episodes__followup__completed_at=None, episodes__followup__due_on__lt=today),
                distinct=True,
            ),
            quiet_count=Count("episodes", filter=Q(episodes__in=quiet_ids), distinct=True),
        )
        .order_by("user__full_name", "id")
    )
    loads = [
        ConsultantLoad(consultant=row, open_episodes=row.open_count, overdue_followups=row.overdue_count,
                       quiet_episodes=row.quiet_count)
        for row in rows
    ]
    overdue = list(
        FollowUp.objects.filter(
            episode__in=Episode.objects.visible_to(user), completed_at=None, due_on__lt=today
        )
        .select_related("episode__program", "episode__consultant__user")
        .order_by("due_on")
    )
    audit.record_list(user=user, model=ConsultantProfile, ids=[load.consultant.pk for load in loads])
    return TeamCaseloads(rows=loads, overdue_followups=overdue)


# --- Groups and brief contacts -------------------------------------------------------------------------

GROUP_RELATED = ("region", "language", "facilitator__user", "co_facilitator__user")
BRIEF_RELATED = ("county", "language", "consultant__user", "logged_by", "request")
RECENT_SESSIONS = 50


def _correlated_count(queryset: QuerySet[Any], outer_field: str) -> Coalesce:
    """COUNT(*) of rows pointing at the outer row, as a subquery: two counts over different relations in one
    annotate would otherwise multiply each other through the joins."""
    counted = queryset.order_by().values(outer_field).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted), 0)


def group_list_for(
    *, user: Any, active_only: bool = False, kind: str = "", mine_only: bool = False
) -> QuerySet[Group]:
    """Groups the user may see with their current members, sessions and last meeting; a fixed number of
    queries whatever the number of groups."""
    groups = Group.objects.visible_to(user).select_related(*GROUP_RELATED).annotate(
        member_count=_correlated_count(GroupMember.objects.filter(group=OuterRef("pk"), left_on=None), "group"),
        session_count=_correlated_count(GroupSession.objects.filter(group=OuterRef("pk")), "group"),
        last_session=Subquery(
            GroupSession.objects.filter(group=OuterRef("pk")).order_by("-date").values("date")[:1]
        ),
    )
    if active_only:
        groups = groups.filter(is_active=True)
    if kind:
        groups = groups.filter(kind=kind)
    if mine_only:
        groups = groups.filter(Q(facilitator__user=user) | Q(co_facilitator__user=user))
    return groups.order_by("-is_active", "name", "id")


def group_get_for(*, user: Any, group_id: UUID, permission: str = "group.view") -> Group:
    """The group if the user holds `permission` on it; otherwise 404, so existence is not revealed."""
    group = access.get_or_404(user, permission, Group.objects.select_related(*GROUP_RELATED), pk=group_id)
    audit.record_view(user=user, obj=group)
    return group


def group_member_get_for(*, user: Any, member_id: UUID, permission: str = "group.manage") -> GroupMember:
    """A member of a group on which the user holds `permission`; otherwise 404."""
    groups = Group.objects.visible_to(user, permission).values("pk")
    member = get_object_or_404(GroupMember.objects.select_related("group", "program"), pk=member_id,
                               group__in=groups)
    audit.record_view(user=user, obj=member)
    return member


@dataclass
class GroupDetail:
    group: Group
    may_manage: bool
    may_see_notes: bool
    members: Sequence[GroupMember]  # current, each with sessions_attended
    past_members: Sequence[GroupMember]
    sessions: Sequence[GroupSession]  # the most recent, each with present_count and roll_count


def group_detail_for(*, user: Any, group: Group) -> GroupDetail:
    """The group page for this user: session notes only for the facilitator and their supervisor."""
    may_see_notes = access.can(user, "group.notes", group)
    members = list(
        GroupMember.objects.filter(group=group).select_related("program")
        .annotate(sessions_attended=Count("attendance", filter=Q(attendance__present=True)))
        .order_by("name", "id")
    )
    sessions = GroupSession.objects.filter(group=group).annotate(
        present_count=Count("attendance", filter=Q(attendance__present=True)), roll_count=Count("attendance")
    ).order_by("-date", "-created_at")
    if not may_see_notes:
        sessions = sessions.defer("notes")  # never even decrypted for people who may not read them
    recent = list(sessions[:RECENT_SESSIONS])
    if may_see_notes and any(session.notes for session in recent):
        audit.record_list(user=user, model=GroupSession, ids=[session.pk for session in recent], action="view")
    return GroupDetail(
        group=group, may_manage=access.can(user, "group.manage", group), may_see_notes=may_see_notes,
        members=[member for member in members if member.left_on is None],
        past_members=[member for member in members if member.left_on is not None],
        sessions=recent,
    )


def brief_list_for(
    *,
    user: Any,
    kind: str = "",
    outcome: str = "",
    topic: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    mine_only: bool = False,
) -> QuerySet[BriefContact]:
    """Brief contacts the user may see, newest first, without their notes (a list never decrypts them)."""
    contacts = BriefContact.objects.visible_to(user).select_related(*BRIEF_RELATED).defer("notes")
    if kind:
        contacts = contacts.filter(kind=kind)
    if outcome:
        contacts = contacts.filter(outcome=outcome)
    if topic:
        contacts = contacts.filter(topic=topic)
    if since is not None:
        contacts = contacts.filter(occurred_at__gte=_day_start(since))
    if until is not None:
        contacts = contacts.filter(occurred_at__lt=_day_start(until + dt.timedelta(days=1)))
    if mine_only:
        contacts = contacts.filter(logged_by=user)
    return contacts.order_by("-occurred_at", "id")


def brief_get_for(*, user: Any, brief_id: UUID, permission: str = "brief.view") -> BriefContact:
    """The brief contact if the user holds `permission` on it (404 otherwise), with its notes left unread:
    use brief_notes_for to read them."""
    contact = access.get_or_404(
        user, permission, BriefContact.objects.select_related(*BRIEF_RELATED, "network", "region").defer("notes"),
        pk=brief_id,
    )
    audit.record_view(user=user, obj=contact)
    return contact


def brief_notes_for(*, user: Any, contact: BriefContact) -> str | None:
    """The contact's notes for those holding "brief.notes" on it; None (not decrypted) for everyone else."""
    if not access.can(user, "brief.notes", contact):
        return None
    return str(BriefContact.objects.values_list("notes", flat=True).get(pk=contact.pk))


# --- Reach ---------------------------------------------------------------------------------------------


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the site's time zone: periods are counted in local days."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class Reach:
    """Everything the network reached in a period, within the asker's scope. All of it counts in reach:
    intensive episodes, group participation and the universal tier's brief contacts."""

    start: dt.date
    end: dt.date
    episodes: int  # episodes open at any time in the period (opened before its end, not closed before its start)
    programs: int  # distinct programs those episodes served
    group_sessions: int
    group_participants: int  # distinct members present at one session or more
    group_guests: int  # non-members, counted at each session they came to (they are anonymous)
    helpline_calls: int
    drop_ins: int

    @property
    def brief_contacts(self) -> int:
        return self.helpline_calls + self.drop_ins

    @property
    def total(self) -> int:
        """Touches across the three tiers: one per episode, group participant or guest, and brief contact."""
        return self.episodes + self.group_participants + self.group_guests + self.brief_contacts


def reach_counts(*, user: Any, start: dt.date, end: dt.date) -> Reach:
    """Count the reach of the period [start, end] (local days, both included) that the user may see, in four
    aggregate queries. Only counts leave this function, so nothing is audited."""
    if end < start:
        raise ValueError("the period ends before it starts")
    opens, closes = _day_start(start), _day_start(end + dt.timedelta(days=1))
    episodes = (
        Episode.objects.visible_to(user)
        .filter(opened_at__lt=closes)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=opens))
        .aggregate(n=Count("pk"), programs=Count("program", distinct=True))
    )
    sessions = GroupSession.objects.filter(group__in=Group.objects.visible_to(user).values("pk"),
                                           date__gte=start, date__lte=end)
    session_totals = sessions.aggregate(n=Count("pk"), guests=Sum("guests"))
    participants = (
        Attendance.objects.filter(session__in=sessions.values("pk"), present=True)
        .values("member").distinct().count()
    )
    brief = BriefContact.objects.visible_to(user).filter(occurred_at__gte=opens, occurred_at__lt=closes).aggregate(
        calls=Count("pk", filter=Q(kind=BriefKind.HELPLINE_CALL)),
        drop_ins=Count("pk", filter=Q(kind=BriefKind.DROP_IN)),
    )
    return Reach(
        start=start, end=end, episodes=episodes["n"], programs=episodes["programs"],
        group_sessions=session_totals["n"], group_participants=participants,
        group_guests=session_totals["guests"] or 0, helpline_calls=brief["calls"], drop_ins=brief["drop_ins"],
    )

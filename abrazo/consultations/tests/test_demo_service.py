"""The demo's service loop: a plausible year of requests and episodes, deterministic, consistent with the
rules the services enforce, encrypted where notes are, and visible to the demo accounts through the real
selectors."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import Counter, defaultdict
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Model, QuerySet
from django.db.models.fields import AutoFieldMixin
from django.urls import reverse
from django.utils import timezone

from abrazo.accounts.models import User
from abrazo.consultations import selectors as episode_selectors
from abrazo.consultations.demo import SERVICE_SCALES, wipe_service_loop
from abrazo.consultations.models import (
    CLASSROOM_ACTIVITIES,
    FINISHED_PHASES,
    ActionPlan,
    Agreement,
    Attendance,
    BriefContact,
    BriefOutcome,
    Closure,
    Consent,
    Contact,
    Episode,
    EpisodeEvent,
    EpisodeType,
    EventKind,
    FollowUp,
    Goal,
    Group,
    GroupMember,
    GroupSession,
    Phase,
    Referral,
    phases_for,
)
from abrazo.directory import demo
from abrazo.directory.models import ConsultantProfile, Network, SettingType
from abrazo.intake import selectors as intake_selectors
from abrazo.intake.models import Priority, Request, RequestStatus
from abrazo.matching.services import request_input

pytestmark = pytest.mark.django_db

# Stamps of the moment of writing differ between loads by nature; auto-increment ids by insertion.
VOLATILE = {"created_at", "updated_at"}


def load(scale: str = "tiny", *args: str) -> Network:
    call_command("demo", "--scale", scale, *args, stdout=StringIO())
    return Network.objects.get(slug=demo.SCALES[scale].slug)


def rows(model: type[Model], **filters: Any) -> list[tuple[str, ...]]:
    fields = [f.attname for f in model._meta.concrete_fields
              if f.attname not in VOLATILE and not isinstance(f, AutoFieldMixin)]
    return sorted(tuple(str(v) for v in row) for row in model._default_manager.filter(**filters).values_list(*fields))


def service_digest(network: Network) -> str:
    """A fingerprint of every service-loop row of the network (notes as the application reads them)."""
    tables = [
        rows(Request, network=network),
        rows(Request.languages.through, request__network=network),
        rows(Episode, network=network),
        *(rows(model, episode__network=network) for model in (
            EpisodeEvent, Consent, Agreement, Contact, ActionPlan, Referral, Closure, FollowUp)),
        rows(Goal, plan__episode__network=network),
        rows(Group, network=network),
        rows(GroupMember, group__network=network),
        rows(GroupSession, group__network=network),
        rows(Attendance, session__group__network=network),
        rows(BriefContact, network=network),
    ]
    return hashlib.sha256(repr(tables).encode()).hexdigest()


def account(key: str, scale: str = "tiny") -> User:
    return User.objects.get(email=f"{key}@{demo.SCALES[scale].email_domain}")


def assert_invariants(network: Network) -> None:
    """What the services guarantee for real data holds for the demo's, whatever the scale."""
    today = timezone.localdate()
    now = timezone.now()
    episodes = list(Episode.objects.filter(network=network).select_related("request", "consultant"))
    assert episodes

    # No caseload is over capacity.
    profiles = {p.pk: p for p in ConsultantProfile.objects.filter(network=network)}
    counts = episode_selectors.open_caseload_counts(profiles)
    assert all(counts[pk] <= profile.caseload_capacity for pk, profile in profiles.items())

    # Every assignment meets matching's hard constraints (language, county, setting expertise) as the
    # matching service reads the request.
    languages: dict[uuid.UUID, set[str]] = defaultdict(set)
    for pk, code in ConsultantProfile.languages.through.objects.filter(
            consultantprofile__network=network).values_list("consultantprofile_id", "language_id"):
        languages[pk].add(code)
    counties: dict[uuid.UUID, set[str]] = defaultdict(set)
    for pk, fips in ConsultantProfile.counties.through.objects.filter(
            consultantprofile__network=network).values_list("consultantprofile_id", "county_id"):
        counties[pk].add(fips)
    assigned = Request.objects.filter(network=network, status=RequestStatus.ASSIGNED)
    assert assigned.count() == len(episodes)
    for episode in episodes:
        request = episode.request
        assert request is not None and request.status == RequestStatus.ASSIGNED
        assert request.consultant_id == episode.consultant_id
        needs = request_input(request)
        assert needs.language in languages[episode.consultant_id]
        assert needs.county in counties[episode.consultant_id]
        assert needs.setting in episode.consultant.setting_expertise
        assert request.assigned_at is not None
        assert request.submitted_at <= request.assigned_at == episode.opened_at < now
        assert episode.program_id == request.program_id
        assert (episode.episode_type == EpisodeType.CHILD_FAMILY) == request.child_specific == bool(episode.child_code)

    # Closed episodes have their closure and follow-up; open ones have neither.
    closures = {c.episode_id: c for c in Closure.objects.filter(episode__network=network)}
    followups = {f.episode_id: f for f in FollowUp.objects.filter(episode__network=network)}
    for episode in episodes:
        if episode.phase in FINISHED_PHASES:
            assert episode.closed_at is not None and closures[episode.pk].closed_at == episode.closed_at < now
            followup = followups[episode.pk]
            assert followup.due_on == timezone.localtime(episode.closed_at).date() + dt.timedelta(days=30)
            assert (followup.completed_at is not None) == (episode.phase == Phase.FOLLOWED_UP)
            if episode.episode_type == EpisodeType.CHILD_FAMILY:
                assert closures[episode.pk].maintained_in_setting is not None
        else:
            assert episode.pk not in closures and episode.pk not in followups and episode.closed_at is None

    # Phases only move forward, the last move is the episode's phase, and nothing is dated in the future.
    events: dict[uuid.UUID, list[EpisodeEvent]] = defaultdict(list)
    for event in EpisodeEvent.objects.filter(episode__network=network).order_by("occurred_at", "id"):
        events[event.episode_id].append(event)
    consents = defaultdict(list)
    for consent in Consent.objects.filter(episode__network=network):
        consents[consent.episode_id].append(consent)
    for episode in episodes:
        timeline = events[episode.pk]
        assert timeline[0].kind == EventKind.OPENED and timeline[-1].occurred_at < now
        walk = phases_for(episode.episode_type)
        moves = [e for e in timeline if e.kind == EventKind.PHASE]
        reached = [Phase.INTAKE, *(e.data["phase"] for e in moves)]
        assert [e.data["previous"] for e in moves] == reached[:-1]
        assert [walk.index(p) for p in reached] == sorted({walk.index(p) for p in reached})
        if episode.phase in FINISHED_PHASES:
            closed = next(e for e in timeline if e.kind == EventKind.CLOSED)
            assert closed.data["previous"] == reached[-1]
        else:
            assert episode.phase == reached[-1]
        # Child-specific work past consent has consent on file, given before the work went on.
        left_consent = next((e for e in moves if e.data["previous"] == Phase.CONSENT), None)
        if episode.episode_type == EpisodeType.CHILD_FAMILY and left_consent is not None:
            assert any(c.given_on <= timezone.localtime(left_consent.occurred_at).date() for c in consents[episode.pk])
        if episode.episode_type != EpisodeType.CHILD_FAMILY:
            assert not consents[episode.pk]

    # Contacts: inside the episode, before today, classroom time only when observing or modelling, and never
    # with a child before consent; the request's first contact is the episode's first.
    first_contact: dict[uuid.UUID, dt.date] = {}
    for contact in Contact.objects.filter(episode__network=network).select_related("episode__request"):
        episode = contact.episode
        assert timezone.localtime(episode.opened_at).date() < contact.contact_date < today
        assert 0 <= contact.minutes_in_classroom <= contact.minutes
        assert (contact.minutes_in_classroom > 0) == (contact.activity_type in CLASSROOM_ACTIVITIES and
                                                        contact.modality == "on_site")
        if episode.episode_type == EpisodeType.CHILD_FAMILY and contact.minutes_in_classroom:
            assert any(c.given_on <= contact.contact_date for c in consents[episode.pk])
        first_contact[episode.pk] = min(first_contact.get(episode.pk, contact.contact_date), contact.contact_date)
    for episode in episodes:
        assert episode.request is not None
        first = episode.request.first_contact_at
        if episode.pk in first_contact:
            assert first is not None and timezone.localtime(first).date() == first_contact[episode.pk]
        else:
            assert first is None

    # Goals are rated 1-3; a plan has 1-4 goals.
    assert set(Goal.objects.filter(plan__episode__network=network).exclude(attainment=None)
               .values_list("attainment", flat=True)) <= {1, 2, 3}
    sizes = ActionPlan.objects.filter(episode__network=network).annotate(n=Count("goals")).values_list("n", flat=True)
    assert set(sizes) <= {1, 2, 3, 4}

    # Requests: references unique and set apart from real ones, triage stamps match the status.
    requests = Request.objects.filter(network=network)
    references = list(requests.values_list("reference", flat=True))
    assert len(references) == len(set(references))
    assert not requests.filter(status=RequestStatus.WAITLISTED, waitlisted_at=None).exists()
    assert not requests.filter(status=RequestStatus.DECLINED, decline_reason="").exists()
    assert not requests.filter(status=RequestStatus.NEEDS_INFO, info_requested_at=None).exists()
    assert not requests.exclude(status=RequestStatus.ASSIGNED).exclude(consultant=None).exists()
    assert set(requests.filter(priority=Priority.URGENT).values_list("imminent_risk", flat=True)) == {True}
    assert set(requests.filter(imminent_risk=True).values_list("priority", flat=True)) == {Priority.URGENT}
    assert not requests.exclude(region_id__in=network.regions.values("pk")).exists()


def test_the_service_loop_is_deterministic_and_a_reset_replaces_it() -> None:
    # given the tiny demo loaded once
    network = load("tiny")
    first = service_digest(network)
    count = Request.objects.filter(network=network).count()
    # when it is loaded again (a no-op) and then reset and loaded anew
    load("tiny")
    assert service_digest(network) == first
    network = load("tiny", "--reset")
    # then every service-loop row, ids and notes included, is the same as before, and nothing is doubled
    assert service_digest(network) == first
    assert Request.objects.filter(network=network).count() == count > SERVICE_SCALES["tiny"].requests
    assert Request.objects.filter(pk=uuid.uuid5(demo.NAMESPACE, "california-tiny/request/0")).exists()


def test_tiny_scale_keeps_every_invariant_and_writes_in_batches() -> None:
    # when the tiny demo loads, with a batch size small enough to write several batches
    messages: list[str] = []
    result = demo.load_demo("tiny", progress=messages.append)
    # then the requests arrive batch by batch, and all the invariants hold
    assert len([m for m in messages if m.startswith("Requests:")]) >= 3
    assert result.counts["requests"] > SERVICE_SCALES["tiny"].requests  # with the demo accounts' own
    assert result.counts["episodes"] >= 40
    assert_invariants(result.network)


def test_default_scale_has_a_plausible_year() -> None:
    # when the default demo loads (its load time is measured by bench/, not asserted here: see docs/benchmarks.md)
    network = load("default")
    requests = Request.objects.filter(network=network)
    episodes = Episode.objects.filter(network=network)
    n_requests, n_episodes = requests.count(), episodes.count()
    # about 700 requests and 600 episodes over the year ending yesterday
    assert 680 <= n_requests <= 800 and 520 <= n_episodes <= 660
    submitted = list(requests.values_list("submitted_at", flat=True))
    assert timezone.now() - dt.timedelta(days=366) < min(submitted) and max(submitted) < timezone.now()
    # triage: mostly assigned, ~8 % waiting on the list, some declined, asked for more, new or withdrawn
    status = Counter(requests.values_list("status", flat=True))
    assert 0.05 <= status[RequestStatus.WAITLISTED] / n_requests <= 0.12
    assert 0.70 <= status[RequestStatus.ASSIGNED] / n_requests <= 0.85
    assert all(status[s] > 0 for s in (RequestStatus.DECLINED, RequestStatus.NEEDS_INFO, RequestStatus.NEW,
                                       RequestStatus.WITHDRAWN))
    # ~15 % urgent because a child is at imminent risk; most requests come from centres
    assert 0.10 <= requests.filter(imminent_risk=True).count() / n_requests <= 0.20
    settings = Counter(requests.values_list("setting_type", flat=True))
    assert settings.most_common(1)[0][0] == SettingType.CENTER
    centre_based = (SettingType.CENTER, SettingType.HEAD_START, SettingType.EARLY_HEAD_START,
                    SettingType.STATE_PRESCHOOL, SettingType.PRIVATE_PRESCHOOL)
    assert sum(settings[s] for s in centre_based) / n_requests >= 0.65
    assert requests.filter(preferred_language="es").count() / n_requests >= 0.25
    # episode types near 45 / 30 / 15 / 10
    types = Counter(episodes.values_list("episode_type", flat=True))
    for episode_type, share in ((EpisodeType.CHILD_FAMILY, 0.45), (EpisodeType.CLASSROOM, 0.30),
                                (EpisodeType.PROGRAMMATIC, 0.15), (EpisodeType.FFN_HOME, 0.10)):
        assert abs(types[episode_type] / n_episodes - share) <= 0.06
    # about 70 % closed; closures mostly successful, ~85 % of children maintained in their setting
    finished = episodes.filter(phase__in=FINISHED_PHASES)
    assert 0.62 <= finished.count() / n_episodes <= 0.80
    closures = Closure.objects.filter(episode__network=network)
    assert closures.filter(closed_successfully=True).count() / closures.count() >= 0.75
    child_closures = closures.exclude(maintained_in_setting=None)
    assert 0.78 <= child_closures.filter(maintained_in_setting=True).count() / child_closures.count() <= 0.93
    # follow-ups: most done, some overdue, some still to come
    followups = FollowUp.objects.filter(episode__network=network)
    today = timezone.localdate()
    overdue = followups.filter(completed_at=None, due_on__lt=today).count()
    assert followups.exclude(completed_at=None).count() / followups.count() >= 0.6
    assert 0 < overdue <= 0.2 * followups.count()
    assert followups.filter(due_on__gte=today).exists()
    # dosage: 4-12 contacts of 60-90 minutes for episodes that ran their course, on site, by video and phone
    full = finished.annotate(n=Count("contacts")).values_list("n", flat=True)
    assert Counter(4 <= n <= 12 for n in full)[True] / len(full) >= 0.75
    contacts = Contact.objects.filter(episode__network=network)
    assert set(contacts.values_list("minutes", flat=True)) <= set(range(60, 91))
    modality = Counter(contacts.values_list("modality", flat=True))
    assert modality.most_common(1)[0][0] == "on_site" and modality["video"] > modality["phone"] > 0
    assert 0.2 <= contacts.filter(minutes_in_classroom__gt=0).count() / contacts.count() <= 0.6
    # referrals for about a fifth of child episodes
    child = episodes.filter(episode_type=EpisodeType.CHILD_FAMILY)
    referred = Referral.objects.filter(episode__network=network).values("episode").distinct().count()
    assert 0.12 <= referred / child.count() <= 0.28
    # groups and helpline calls, some of which became requests
    assert GroupSession.objects.filter(group__network=network).count() >= 100
    assert BriefContact.objects.filter(network=network, outcome=BriefOutcome.REQUEST_CREATED,
                                       request__isnull=False).exists()
    assert_invariants(network)


def test_notes_are_encrypted_in_the_database() -> None:
    # given the tiny demo
    network = load("tiny")
    # when the note columns are read raw, bypassing the field
    checks: list[tuple[type[Model], QuerySet[Any]]] = [
        (Contact, Contact.objects.filter(episode__network=network)),
        (FollowUp, FollowUp.objects.filter(episode__network=network)),
        (GroupSession, GroupSession.objects.filter(group__network=network)),
        (BriefContact, BriefContact.objects.filter(network=network)),
    ]
    for model, queryset in checks:
        plain = {note for note in queryset.values_list("notes", flat=True) if note}
        assert plain
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT notes FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            stored = {value for (value,) in cursor.fetchall() if value}
        # then the database holds only Fernet tokens, never the text the application reads
        assert len(stored) >= len(plain)
        assert all(value.startswith("gAAAA") for value in stored)
        assert not stored & plain
        assert not any(note in value for note in plain for value in list(stored)[:50])


def test_demo_accounts_see_their_part_of_the_year_through_the_selectors() -> None:
    # given the tiny demo
    network = load("tiny")
    today = timezone.localdate()

    # the consultant: a busy caseload within capacity, with something due this week
    caseload = episode_selectors.caseload_for(user=account("consultant"))
    assert caseload.profile is not None
    assert 3 <= len(caseload.episodes) <= caseload.profile.caseload_capacity
    assert any(today <= f.due_on <= today + dt.timedelta(days=7) for f in caseload.followups_due)
    assert caseload.goals_overdue and caseload.quiet_episodes

    # the director: their program's episode with its plan (never the notes) and their own request
    director = account("director")
    episodes = list(episode_selectors.episode_list_for(user=director))
    assert episodes
    detail = episode_selectors.episode_detail_for(user=director, episode=episodes[0])
    assert not detail.may_see_notes and not detail.may_see_clinical and detail.contacts == []
    assert any(episode_selectors.episode_detail_for(user=director, episode=e).goals for e in episodes)
    requests = list(intake_selectors.request_queryset_for(user=director))
    assert any(r.submitted_by_id == director.pk and r.status == RequestStatus.NEW for r in requests)

    # each coordinator: their region's queue, an urgent request at the top
    for key, region, language in (("coordinator", "central-valley", "en"), ("coordinadora", "los-angeles", "es")):
        queue = list(intake_selectors.triage_queryset_for(user=account(key)))
        assert queue and {r.region.code if r.region else None for r in queue} == {region}
        assert queue[0].priority == Priority.URGENT and queue[0].imminent_risk
        assert any(r.preferred_language_id == language and r.priority == Priority.URGENT for r in queue)
        assert any(r.status == RequestStatus.NEW for r in queue)
    assert any(r.status == RequestStatus.WAITLISTED
               for r in intake_selectors.triage_queryset_for(user=account("coordinator")))

    # the supervisor: the consultant's caseload among their team's
    team = episode_selectors.team_caseloads_for(user=account("supervisor"))
    mine = next(row for row in team.rows if row.consultant.user == account("consultant"))
    assert mine.open_episodes == len(caseload.episodes) and not mine.over_capacity
    assert Episode.objects.filter(network=network).exists()


def test_the_demo_accounts_pages_render_the_year(client: Any) -> None:
    # given the tiny demo
    network = load("tiny")
    lucia_episode = Episode.objects.filter(network=network, consultant__user=account("consultant")).first()
    director_episode = Episode.objects.filter(network=network, program__staff__user=account("director")).first()
    assert lucia_episode is not None and director_episode is not None
    urgent = Request.objects.get(pk=uuid.uuid5(demo.NAMESPACE, "california-tiny/request/showcase-urgent-coordinator"))
    assert urgent.priority == Priority.URGENT and urgent.status == RequestStatus.NEW
    pages = {
        "consultant": ["consultations:caseload", lucia_episode.get_absolute_url()],
        "coordinator": ["intake:triage-queue", "intake:capacity", "consultations:team", urgent.get_absolute_url()],
        "director": ["consultations:episode-list", "intake:request-list", director_episode.get_absolute_url()],
        "supervisor": ["consultations:team", "consultations:group-list"],
        "admin": ["consultations:brief-list", "consultations:group-list", "intake:request-list"],
    }
    for key, urls in pages.items():
        client.force_login(account(key))
        for url in urls:
            # when each account opens its pages, then they render with the demo's data
            response = client.get(url if url.startswith("/") else reverse(url))
            assert response.status_code == 200, (key, url)
    client.force_login(account("coordinator"))
    assert urgent.reference in client.get(reverse("intake:triage-queue")).content.decode()


def test_wiping_the_network_removes_the_whole_service_loop() -> None:
    # given the tiny demo
    network = load("tiny")
    assert Episode.objects.filter(network=network).exists()
    # when the service loop is wiped, then the directory (whose programs episodes protect) can be deleted
    wipe_service_loop(network)
    for model, filters in ((Request, {"network": network}), (Episode, {"network": network}),
                           (Contact, {"episode__network": network}), (Group, {"network": network}),
                           (BriefContact, {"network": network})):
        assert not model._default_manager.filter(**filters).exists()
    demo.wipe_network(network)
    assert not Network.objects.filter(slug="california-tiny").exists()


def test_state_scale_has_the_domain_volumes_and_streams() -> None:
    # given the state scale, then it asks for DOMAIN.md §11's requests and writes them in batches
    state = SERVICE_SCALES["state"]
    assert state.requests == 45000
    assert state.flush_every < state.requests
    assert len({scale.reference_letter for scale in SERVICE_SCALES.values()}) == len(SERVICE_SCALES)

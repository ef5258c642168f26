"""Break glass: a supervisor opens one record outside their scope in an emergency. It needs a written reason, opens
that record only, for a limited time, in the same network only; it is in the ledger (with the reason, and every read
made under it), alerts every network administrator by email, and waits on a review list only administrators see."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from abrazo.accounts import access
from abrazo.accounts.models import Membership, Role
from abrazo.accounts.tests.factories import make_person
from abrazo.audit.models import AccessEvent, Action, BreakGlassGrant, Outcome
from abrazo.consultations.models import Episode
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.incidents.tests.factories import ChildFactory, IncidentFactory

pytestmark = pytest.mark.django_db

EMERGENCY = reverse("access:emergency")
REVIEW_LIST = reverse("audit:break-glass-list")
REASON = "Teacher called: the child disclosed harm at home; the assigned consultant is on leave today."


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ask(client: Client, record: Any, *, kind: str = "episode", reason: str = REASON, confirm: bool = True,
        reference: str | None = None) -> Any:
    data = {"kind": kind, "reference": reference if reference is not None else str(record.pk), "reason": reason}
    if confirm:
        data["confirm"] = "on"
    return client.post(EMERGENCY, data)


def field_errors(response: Any) -> list[str]:
    """The error messages the form shows beside its fields."""
    return re.findall(r'<ul class="errorlist" id="id_\w+_error"><li>(.*?)</li>', response.content.decode())


@pytest.fixture
def records(world: Any) -> dict[str, Any]:
    """Records outside the world's supervisor's scope (their consultant works at program A only)."""
    child_b = ChildFactory(program=world.program_b)
    return {
        "episode_a": EpisodeFactory(program=world.program_a, consultant=world.people["consultant"].consultant_profile,
                                    child=True),
        "episode_b": EpisodeFactory(program=world.program_b, child=True),
        "episode_b2": EpisodeFactory(program=world.program_b, child=True),
        "child_b": child_b,
        "incident_b": IncidentFactory(child=child_b),
        "incident_b2": IncidentFactory(child=child_b),
        "other_episode": EpisodeFactory(program=world.other_program, child=True),
    }


@pytest.fixture
def supervisor(world: Any) -> Client:
    return client_for(world.people["supervisor"])


def test_the_records_start_outside_the_supervisors_scope(world, records, supervisor):
    # given the supervisor and episodes of program B (another consultant's) and program A (their consultant's)
    # then B's episode and incident are hidden from them and A's episode is not
    assert supervisor.get(records["episode_b"].get_absolute_url()).status_code == 404
    assert supervisor.get(reverse("incidents:incident-detail", args=[records["incident_b"].pk])).status_code == 404
    assert supervisor.get(records["episode_a"].get_absolute_url()).status_code == 200


@pytest.mark.parametrize("reason", ["", "   ", "emergency", "x" * 19])
def test_a_written_reason_of_twenty_characters_is_required(world, records, supervisor, reason):
    # when the supervisor asks without a real reason
    response = ask(supervisor, records["episode_b"], reason=reason)
    # then the form comes back with the reason's problem, nothing is granted, and the record stays closed
    assert response.status_code == 200
    errors = field_errors(response)
    assert any("at least 20 characters" in error for error in errors) or "This field is required." in errors
    assert not BreakGlassGrant.objects.exists()
    assert supervisor.get(records["episode_b"].get_absolute_url()).status_code == 404


def test_confirmation_is_required(world, records, supervisor):
    response = ask(supervisor, records["episode_b"], confirm=False)
    assert response.status_code == 200
    assert "Confirm that you understand how emergency access is recorded." in field_errors(response)
    assert not BreakGlassGrant.objects.exists()


def test_a_grant_opens_that_episode_and_nothing_else(world, records, supervisor):
    # when the supervisor breaks the glass on episode B with a reason
    response = ask(supervisor, records["episode_b"])
    # then they are taken to the episode, which opens for them, notes included, as their own consultants' do
    episode_b = records["episode_b"]
    assert response.status_code == 302 and response["Location"] == episode_b.get_absolute_url()
    assert supervisor.get(episode_b.get_absolute_url()).status_code == 200
    supervisor_user = world.people["supervisor"]
    assert access.can(supervisor_user, "episode.notes", episode_b)
    assert not access.can(supervisor_user, "episode.work", episode_b)
    assert not access.can(supervisor_user, "measure.view", episode_b)  # only the reads BREAK_GLASS_READS names
    grant = BreakGlassGrant.objects.get()
    assert (grant.user, grant.role, grant.object_type, grant.object_id, grant.network_id) == (
        world.people["supervisor"], Role.SUPERVISOR, "consultations.episode", episode_b.pk, world.network.pk)
    assert grant.expires_at - grant.granted_at == timedelta(minutes=60)
    # and the episode list shows it too (listed and openable agree), but not the other episode of program B
    visible = access.visible(world.people["supervisor"], "episode.view", Episode.objects.all())
    listed = set(visible.values_list("pk", flat=True))
    assert listed == {records["episode_a"].pk, episode_b.pk}
    # and nothing else opened: the other episode, the incidents and the child of program B stay hidden
    assert supervisor.get(records["episode_b2"].get_absolute_url()).status_code == 404
    assert supervisor.get(reverse("incidents:incident-detail", args=[records["incident_b"].pk])).status_code == 404
    assert supervisor.get(reverse("incidents:child-detail", args=[records["child_b"].pk])).status_code == 404
    # and it is reading only: the consultant's work on the episode stays closed
    assert supervisor.get(reverse("consultations:contact-new", args=[episode_b.pk])).status_code == 404
    assert supervisor.get(reverse("consultations:episode-close", args=[episode_b.pk])).status_code == 404


def test_a_grant_opens_one_incident_and_not_the_childs_other_records(world, records, supervisor):
    response = ask(supervisor, records["incident_b"], kind="incident")
    incident_url = reverse("incidents:incident-detail", args=[records["incident_b"].pk])
    assert response.status_code == 302 and response["Location"] == incident_url
    assert supervisor.get(incident_url).status_code == 200
    assert supervisor.get(reverse("incidents:incident-detail", args=[records["incident_b2"].pk])).status_code == 404
    assert supervisor.get(reverse("incidents:child-detail", args=[records["child_b"].pk])).status_code == 404
    assert supervisor.get(records["episode_b"].get_absolute_url()).status_code == 404


def test_an_episode_can_be_named_by_its_requests_reference_number(world, records, supervisor):
    from abrazo.intake.tests.factories import RequestFactory

    # given an episode opened from a request whose reference number the supervisor was told on the phone
    request = RequestFactory(network=world.network, region=world.region_b, program=world.program_b)
    episode = EpisodeFactory(program=world.program_b, request=request, child=True)
    # when they name it by that number (in lower case)
    response = ask(supervisor, episode, reference=request.reference.lower())
    # then that episode is opened
    assert response.status_code == 302 and response["Location"] == episode.get_absolute_url()
    assert BreakGlassGrant.objects.get().object_id == episode.pk


def test_the_grant_ends_after_sixty_minutes(world, records, supervisor):
    # given a grant made now
    start = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=start):
        assert ask(supervisor, records["episode_b"]).status_code == 302
    url = records["episode_b"].get_absolute_url()

    def open_at(minutes: int) -> int:
        # The session's idle limit is 30 minutes, so the supervisor keeps working every 20 minutes or less.
        with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=minutes)):
            return supervisor.get(url).status_code

    # then the episode opens for the whole hour and not a minute after
    assert [open_at(minutes) for minutes in (20, 40, 59)] == [200, 200, 200]
    assert open_at(61) == 404
    # and the grant is no longer listed among the supervisor's running accesses
    with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=62)):
        page = supervisor.get(EMERGENCY)
    assert page.status_code == 200 and str(records["episode_b"].pk) not in page.content.decode()


def test_another_networks_record_is_refused_exactly_like_one_that_does_not_exist(world, records, supervisor):
    # when the supervisor names an episode of another network, an id that names nothing, and a malformed reference
    answers = [
        ask(supervisor, records["other_episode"]),
        ask(supervisor, None, reference=str(uuid.uuid4())),
        ask(supervisor, None, reference="not-a-reference"),
        ask(supervisor, None, kind="incident", reference=str(records["other_episode"].pk)),
    ]
    # then every answer is the same page with the same message, and nothing is granted
    assert {answer.status_code for answer in answers} == {200}
    messages = [field_errors(answer) for answer in answers]
    assert messages[0] == ["No record with this reference can be opened. Check the reference and the kind of record."]
    assert all(message == messages[0] for message in messages)
    assert not BreakGlassGrant.objects.exists()
    assert supervisor.get(records["other_episode"].get_absolute_url()).status_code == 404
    # and each attempt is in the ledger as a refused emergency access, in the same shape
    refused = AccessEvent.objects.filter(action=Action.BREAK_GLASS, outcome=Outcome.DENIED).order_by("id")
    assert [(event.object_type, event.user_id) for event in refused] == [
        ("consultations.episode", world.people["supervisor"].pk)] * 3 + [
        ("incidents.incident", world.people["supervisor"].pk)]
    assert refused[0].object_id == str(records["other_episode"].pk)


def test_a_record_already_in_scope_needs_no_grant(world, records, supervisor):
    response = ask(supervisor, records["episode_a"])
    assert response.status_code == 302 and response["Location"] == records["episode_a"].get_absolute_url()
    assert not BreakGlassGrant.objects.exists()


@pytest.mark.parametrize("role", ["network_admin", "regional_coordinator", "consultant", "program_staff",
                                  "evaluator"])
def test_only_supervisors_may_break_glass(world, records, role):
    client = client_for(world.people[role])
    assert client.get(EMERGENCY).status_code == 404
    assert ask(client, records["episode_b"]).status_code == 404
    assert not BreakGlassGrant.objects.exists()


def test_a_supervisor_of_another_network_cannot_break_into_this_one(world, records):
    outsider = client_for(make_person(world.other_network, Role.SUPERVISOR))
    response = ask(outsider, records["episode_b"])
    assert response.status_code == 200 and field_errors(response)
    assert not BreakGlassGrant.objects.exists()


def test_the_grant_and_every_read_under_it_are_in_the_ledger(world, records, supervisor):
    # when the supervisor breaks the glass and opens the episode, and opens an episode of their own scope
    ask(supervisor, records["episode_b"])
    grant = BreakGlassGrant.objects.get()
    supervisor.get(records["episode_b"].get_absolute_url())
    supervisor.get(records["episode_a"].get_absolute_url())
    # then the grant's event carries the written reason and the grant
    granted = AccessEvent.objects.get(action=Action.BREAK_GLASS, outcome=Outcome.ALLOWED)
    assert (granted.object_type, granted.object_id, granted.reason, granted.break_glass_grant_id) == (
        "consultations.episode", str(records["episode_b"].pk), REASON, grant.pk)
    assert granted.user_id == world.people["supervisor"].pk and granted.role == Role.SUPERVISOR
    # and the read of the episode is marked as made under the grant
    marked_reads = AccessEvent.objects.filter(break_glass_grant_id=grant.pk, action=Action.VIEW)
    episode_id = str(records["episode_b"].pk)
    assert any(event.object_id == episode_id or episode_id in event.object_ids for event in marked_reads)
    # and the read of their own consultant's episode is not
    own = [event for event in AccessEvent.objects.filter(action=Action.VIEW, user_id=world.people["supervisor"].pk)
           if str(records["episode_a"].pk) in (event.object_id, *event.object_ids)]
    assert own and all(event.break_glass_grant_id is None for event in own)


def test_every_administrator_of_the_network_is_emailed_after_commit(world, records, supervisor,
                                                                   django_capture_on_commit_callbacks):
    # given a second administrator of the network, an inactive one, and the other network's administrator
    second = make_person(world.network, Role.NETWORK_ADMIN)
    inactive = make_person(world.network, Role.NETWORK_ADMIN)
    Membership.objects.filter(user=inactive).update(is_active=False)
    elsewhere = make_person(world.other_network, Role.NETWORK_ADMIN)
    # when the supervisor breaks the glass
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ask(supervisor, records["episode_b"])
    # then one email goes to each active administrator of the network, after the commit
    assert len(callbacks) == 1
    grant = BreakGlassGrant.objects.get()
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([world.people["network_admin"].email, second.email])
    assert inactive.email not in recipients and elsewhere.email not in recipients
    body = mail.outbox[0].body
    assert world.people["supervisor"].email in body and str(grant.object_id) in body
    assert reverse("audit:break-glass-detail", args=[grant.pk]) in body
    # and the reason, which may describe the child, stays in Abrazo
    assert REASON not in body and "disclosed" not in mail.outbox[0].subject


def test_nothing_is_emailed_when_nothing_is_granted(world, records, supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask(supervisor, records["other_episode"])
        ask(supervisor, records["episode_b"], reason="short")
    assert mail.outbox == []


def _grant(world: Any, episode: Any, *, minutes_ago: int = 5, user: Any = None) -> BreakGlassGrant:
    granted = timezone.now() - timedelta(minutes=minutes_ago)
    return BreakGlassGrant.objects.create(
        network=episode.network, user=user or world.people["supervisor"], role=Role.SUPERVISOR,
        object_type="consultations.episode", object_id=episode.pk, reason=REASON, granted_at=granted,
        expires_at=granted + timedelta(minutes=60),
    )


@pytest.mark.parametrize("role", ["regional_coordinator", "supervisor", "consultant", "program_staff", "evaluator"])
def test_the_review_list_is_for_network_administrators_only(world, records, role):
    grant = _grant(world, records["episode_b"])
    client = client_for(world.people[role])
    assert client.get(REVIEW_LIST).status_code == 404
    assert client.get(reverse("audit:break-glass-detail", args=[grant.pk])).status_code == 404
    assert client.post(reverse("audit:break-glass-detail", args=[grant.pk]), {"note": "fine"}).status_code == 404
    assert BreakGlassGrant.objects.get().reviewed_at is None


def test_anonymous_visitors_are_sent_to_sign_in(world, records):
    grant = _grant(world, records["episode_b"])
    for url in (EMERGENCY, REVIEW_LIST, reverse("audit:break-glass-detail", args=[grant.pk])):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_the_review_list_shows_the_networks_grants_unreviewed_first(world, records):
    # given an older unreviewed grant, a newer reviewed one, and one in another network
    older = _grant(world, records["episode_b"], minutes_ago=300)
    newer = _grant(world, records["episode_b2"], minutes_ago=100)
    BreakGlassGrant.objects.filter(pk=newer.pk).update(reviewed_at=timezone.now(), review_note="Checked.")
    other_supervisor = make_person(world.other_network, Role.SUPERVISOR)
    elsewhere = _grant(world, records["other_episode"], user=other_supervisor)
    admin = client_for(world.people["network_admin"])
    # when the administrator opens the review list
    page = admin.get(REVIEW_LIST)
    html = page.content.decode()
    # then it lists who, role, record, reason and the times, the unreviewed grant first, no other network's
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert html.index(str(older.object_id)) < html.index(str(newer.object_id))
    assert str(elsewhere.object_id) not in html
    assert world.people["supervisor"].email in html and "Supervisor" in html and REASON[:60] in html
    # and the filter narrows it
    unreviewed = admin.get(REVIEW_LIST, {"status": "unreviewed"}).content.decode()
    assert str(older.object_id) in unreviewed and str(newer.object_id) not in unreviewed
    # and the listing is itself audited, with the grants it showed
    listed = AccessEvent.objects.filter(object_type="audit.breakglassgrant", action=Action.LIST).last()
    assert listed is not None and set(listed.object_ids) >= {str(older.pk), str(newer.pk)}
    # and the other network's grant does not open for this administrator
    assert admin.get(reverse("audit:break-glass-detail", args=[elsewhere.pk])).status_code == 404


def test_an_administrator_marks_a_grant_reviewed_with_a_note(world, records, supervisor):
    # given a grant and a page the supervisor read under it
    ask(supervisor, records["episode_b"])
    supervisor.get(records["episode_b"].get_absolute_url())
    grant = BreakGlassGrant.objects.get()
    admin_user = world.people["network_admin"]
    admin = client_for(admin_user)
    url = reverse("audit:break-glass-detail", args=[grant.pk])
    # when the administrator opens it, the reason and the reads made under it are there
    page = admin.get(url).content.decode()
    assert REASON in page and reverse("consultations:episode-detail", args=[grant.object_id]) in page
    # and an empty note is refused
    refused = admin.post(url, {"note": "  "})
    assert refused.status_code == 200 and "Write what you checked and what you concluded." in field_errors(refused)
    assert BreakGlassGrant.objects.get().reviewed_at is None
    # when they write a note
    response = admin.post(url, {"note": "Called the supervisor; the consultant was on leave. Justified."})
    # then the grant is reviewed, by them, with the note, and the change is in the ledger
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == admin_user and grant.reviewed_at is not None
    assert grant.review_note == "Called the supervisor; the consultant was on leave. Justified."
    assert AccessEvent.objects.filter(
        action=Action.UPDATE, object_type="audit.breakglassgrant", object_id=str(grant.pk), user_id=admin_user.pk
    ).count() == 1
    # and a second review changes nothing
    admin.post(url, {"note": "Another note"})
    grant.refresh_from_db()
    assert grant.review_note.startswith("Called the supervisor")


def test_nobody_reviews_their_own_emergency_access(world, records):
    # given a person who is both an administrator and a supervisor, with a grant of their own
    both = make_person(world.network, Role.NETWORK_ADMIN)
    Membership.objects.create(user=both, network=world.network, role=Role.SUPERVISOR)
    grant = _grant(world, records["episode_b"], user=both)
    # when they try to review it
    response = client_for(both).post(reverse("audit:break-glass-detail", args=[grant.pk]), {"note": "All fine."})
    # then it is refused
    assert response.status_code == 200
    assert "Another administrator must review your own emergency access." in response.content.decode()
    assert BreakGlassGrant.objects.get().reviewed_at is None


def test_the_audit_log_shows_which_events_were_emergency_access(world, records, supervisor):
    # given a grant and a read under it
    ask(supervisor, records["episode_b"])
    supervisor.get(records["episode_b"].get_absolute_url())
    grant = BreakGlassGrant.objects.get()
    # when the administrator reads the audit log
    html = client_for(world.people["network_admin"]).get(reverse("audit:event-list")).content.decode()
    # then the grant's event and the read are marked, each with a link to the grant's review
    link = reverse("audit:break-glass-detail", args=[grant.pk])
    assert html.count(f'href="{link}"') == AccessEvent.objects.filter(break_glass_grant_id=grant.pk).count() >= 2


def test_the_emergency_page_lists_the_supervisors_running_accesses(world, records, supervisor):
    ask(supervisor, records["episode_b"])
    page = supervisor.get(EMERGENCY)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert records["episode_b"].get_absolute_url() in page.content.decode()

"""Scoped reads: the caseload and what is due, team caseloads, the counts matching uses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action
from abrazo.consultations import selectors
from abrazo.consultations.models import Phase
from abrazo.consultations.tests.factories import (
    ContactFactory,
    EpisodeFactory,
    FollowUpFactory,
    GoalFactory,
)

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


class TestOpenCaseloadCounts:
    def test_counts_open_episodes_only_and_includes_zeros(self, episodes):
        # given the world's consultant with two open episodes (fixture) and one closed, and an idle consultant
        EpisodeFactory(program=episodes.world.program_a, consultant=episodes.consultant, phase=Phase.CLOSED)
        EpisodeFactory(program=episodes.world.program_a, consultant=episodes.consultant, phase=Phase.FOLLOWED_UP)
        idle = EpisodeFactory(program=episodes.world.program_b).consultant
        idle.episodes.all().delete()
        # when matching asks for the counts
        counts = selectors.open_caseload_counts([episodes.consultant.pk, idle.pk, episodes.other_consultant.pk])
        # then closed episodes do not count, and a consultant without episodes counts zero
        assert counts == {episodes.consultant.pk: 2, idle.pk: 0, episodes.other_consultant.pk: 1}


class TestCaseload:
    def test_due_this_week(self, episodes):
        # given: a recent contact on the classroom episode, none for 20 days on the child episode,
        # a goal past its target, a follow-up due in 3 days and one due next month
        consultant = episodes.consultant
        ContactFactory(episode=episodes.classroom_episode, contact_date=days_ago(2))
        episodes.child_episode.opened_at = timezone.now() - dt.timedelta(days=40)
        episodes.child_episode.save()
        ContactFactory(episode=episodes.child_episode, contact_date=days_ago(20))
        late = GoalFactory(plan__episode=episodes.classroom_episode, target_date=days_ago(1))
        GoalFactory(plan=late.plan, target_date=days_ago(5), attainment=3)  # rated: nothing to do
        soon = FollowUpFactory(episode=EpisodeFactory(program=episodes.world.program_a, consultant=consultant,
                                                      phase=Phase.CLOSED),
                               due_on=timezone.localdate() + dt.timedelta(days=3))
        FollowUpFactory(episode=EpisodeFactory(program=episodes.world.program_a, consultant=consultant,
                                               phase=Phase.CLOSED),
                        due_on=timezone.localdate() + dt.timedelta(days=30))
        # when the consultant's caseload is read
        caseload = selectors.caseload_for(user=episodes.person("consultant"))
        # then it lists the two open episodes and what is due
        assert {e.pk for e in caseload.episodes} == {episodes.child_episode.pk, episodes.classroom_episode.pk}
        assert [f.pk for f in caseload.followups_due] == [soon.pk]
        assert [g.pk for g in caseload.goals_overdue] == [late.pk]
        assert [e.pk for e in caseload.quiet_episodes] == [episodes.child_episode.pk]
        by_pk = {e.pk: e for e in caseload.episodes}
        assert by_pk[episodes.classroom_episode.pk].goals_overdue == 1
        assert by_pk[episodes.classroom_episode.pk].last_contact == days_ago(2)
        # and the list was audited
        assert AccessEvent.objects.filter(action=Action.LIST, object_type="consultations.episode").exists()

    def test_a_new_episode_without_contact_is_not_quiet_yet(self, episodes):
        caseload = selectors.caseload_for(user=episodes.person("consultant"))
        assert caseload.quiet_episodes == []

    def test_other_roles_have_no_caseload(self, episodes):
        for role in ("supervisor", "program_staff", "regional_coordinator"):
            assert selectors.caseload_for(user=episodes.person(role)).episodes == []


class TestTeamCaseloads:
    def test_supervisor_sees_their_consultants_and_overdue_follow_ups(self, episodes):
        # given an overdue follow-up of the supervised consultant and one of another consultant
        mine = FollowUpFactory(episode=EpisodeFactory(program=episodes.world.program_a,
                                                      consultant=episodes.consultant, phase=Phase.CLOSED),
                               due_on=days_ago(3))
        FollowUpFactory(episode=EpisodeFactory(program=episodes.world.program_b,
                                               consultant=episodes.other_consultant, phase=Phase.CLOSED),
                        due_on=days_ago(3))
        # when the supervisor opens the team view
        team = selectors.team_caseloads_for(user=episodes.person("supervisor"))
        # then only their consultant is listed, with the right counts
        assert [row.consultant.pk for row in team.rows] == [episodes.consultant.pk]
        row = team.rows[0]
        assert (row.open_episodes, row.overdue_followups) == (2, 1)
        assert row.free_slots == episodes.consultant.caseload_capacity - 2
        assert [f.pk for f in team.overdue_followups] == [mine.pk]

    def test_network_admin_sees_every_consultant(self, episodes):
        team = selectors.team_caseloads_for(user=episodes.person("network_admin"))
        assert {row.consultant.pk for row in team.rows} == {episodes.consultant.pk, episodes.other_consultant.pk}

    def test_quiet_episodes_are_counted(self, episodes):
        episodes.classroom_episode.opened_at = timezone.now() - dt.timedelta(days=30)
        episodes.classroom_episode.save()
        team = selectors.team_caseloads_for(user=episodes.person("supervisor"))
        assert team.rows[0].quiet_episodes == 1


class TestEpisodeDetail:
    def test_program_staff_never_get_contacts_or_consents(self, episodes):
        # given a contact with a note on the child episode
        ContactFactory(episode=episodes.child_episode, notes="Private note")
        # when program staff read the episode
        detail = selectors.episode_detail_for(user=episodes.person("program_staff"), episode=episodes.child_episode)
        # then they get dosage totals but no contact, consent or referral, and no restricted timeline event
        assert detail.dosage.contacts == 1
        assert detail.contacts == [] and detail.consents == [] and detail.referrals == []
        assert not detail.may_see_notes and not detail.may_see_clinical

    def test_coordinator_sees_contacts_without_their_notes(self, episodes):
        ContactFactory(episode=episodes.child_episode, notes="Private note")
        detail = selectors.episode_detail_for(user=episodes.person("regional_coordinator"),
                                              episode=episodes.child_episode)
        assert len(detail.contacts) == 1
        assert not detail.may_see_notes
        # the note was never loaded (so never decrypted) for them
        assert "notes" in detail.contacts[0].get_deferred_fields()

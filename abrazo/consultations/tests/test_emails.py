"""Assignment and follow-up emails: queued only after the transaction commits, in the consultant's language,
and each follow-up reminded once."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from abrazo.consultations import services, tasks
from abrazo.consultations.models import EpisodeType, FollowUp
from abrazo.consultations.tests.factories import EpisodeFactory, FollowUpFactory
from abrazo.directory.models import Language

pytestmark = pytest.mark.django_db


def open_episode(episodes, **overrides):
    values = {"actor": episodes.person("regional_coordinator"), "consultant": episodes.consultant,
              "program": episodes.world.program_a, "episode_type": EpisodeType.CLASSROOM}
    values.update(overrides)
    return services.episode_open(**values)


def test_assignment_email_is_sent_only_after_commit(episodes, django_capture_on_commit_callbacks, settings):
    # given a coordinator assigning the world's consultant, on a site served at abrazo.example.org
    settings.ABRAZO_SITE_URL = "https://abrazo.example.org/"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        episode = open_episode(episodes)
        # when the transaction has not committed yet, then nothing is sent
        assert mail.outbox == []
    # when it commits
    for callback in callbacks:
        callback()
    # then the consultant gets one email naming the program and linking to the episode, with no child data
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [episodes.consultant.user.email]
    assert "Sunrise Center" in message.subject
    assert f"https://abrazo.example.org{episode.get_absolute_url()}" in message.body


def test_no_email_when_the_assignment_rolls_back(episodes, django_capture_on_commit_callbacks):
    # given an assignment inside a transaction that fails afterwards (e.g. the request was taken meanwhile)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        open_episode(episodes, episode_type=EpisodeType.CHILD_FAMILY, child_code="C-9")
        raise RuntimeError("the caller's transaction failed")
    # then no email went out
    assert mail.outbox == []


def test_email_is_written_in_the_consultants_language(episodes, django_capture_on_commit_callbacks):
    # given a consultant who reads Spanish and an episode held in Spanish
    user = episodes.consultant.user
    user.preferred_language = "es"
    user.save()
    seen_languages = []

    def spy(*args, **kwargs):
        seen_languages.append(translation.get_language())
        return render_to_string(*args, **kwargs)

    # when the assignment email is rendered
    with mock.patch.object(tasks, "render_to_string", side_effect=spy), \
            django_capture_on_commit_callbacks(execute=True):
        open_episode(episodes, language=Language.objects.get(code="es"))
    # then it was rendered in Spanish (the language's own name shows it), and the page language is untouched
    assert seen_languages == ["es", "es"]
    assert "Español" in mail.outbox[0].body
    assert translation.get_language() != "es"


class TestFollowUpReminders:
    def test_due_follow_ups_are_reminded_once(self, episodes, django_capture_on_commit_callbacks):
        # given a follow-up due today, one due next week and one already done
        today = timezone.localdate()
        due = FollowUpFactory(episode=EpisodeFactory(program=episodes.world.program_a, consultant=episodes.consultant,
                                                     phase="closed"), due_on=today)
        FollowUpFactory(episode__program=episodes.world.program_a, due_on=today + dt.timedelta(days=7))
        FollowUpFactory(episode__program=episodes.world.program_a, due_on=today - dt.timedelta(days=3),
                        completed_at=timezone.now())
        # when the reminder command runs twice
        with django_capture_on_commit_callbacks(execute=True):
            out = StringIO()
            call_command("send_followup_reminders", stdout=out)
            call_command("send_followup_reminders", stdout=StringIO())
        # then one email went to the consultant, and the follow-up is marked as reminded
        assert "1 follow-up reminder(s) queued" in out.getvalue()
        assert [m.to for m in mail.outbox] == [[episodes.consultant.user.email]]
        assert "Sunrise Center" in mail.outbox[0].subject
        assert FollowUp.objects.get(pk=due.pk).reminder_sent_at is not None

    def test_reminder_waits_for_the_commit(self, episodes, django_capture_on_commit_callbacks):
        FollowUpFactory(episode__program=episodes.world.program_a, due_on=timezone.localdate())
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert services.followup_reminders_send() == 1
        assert mail.outbox == []
        assert len(callbacks) == 1

    def test_a_follow_up_done_before_the_queue_runs_is_not_reminded(self, episodes):
        # given a follow-up that was recorded between queueing and sending
        followup = FollowUpFactory(episode__program=episodes.world.program_a, due_on=timezone.localdate(),
                                   completed_at=timezone.now())
        # when the task runs, then nothing is sent
        tasks.send_followup_reminder.call(str(followup.pk))
        assert mail.outbox == []

    def test_catching_up_for_a_given_day(self, episodes):
        FollowUpFactory(episode__program=episodes.world.program_a, due_on=timezone.localdate() + dt.timedelta(days=5))
        out = StringIO()
        call_command("send_followup_reminders", "--date", (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
                     stdout=out)
        assert "1 follow-up reminder(s) queued" in out.getvalue()

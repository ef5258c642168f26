"""The demo's feedback from the field (feedback_demo), loaded the way the workforce demo calls it: surveys after
sessions and groups in each person's language, comments and agreement to share them, six curated voices from
consenting comments, the same on every load, and wiped cleanly with the network.

The workforce demo's loader calls `load_feedback` last and its wipe calls `wipe_feedback` first; until that wiring
is in `workforce/demo.py`, the fixture below adds it for these tests."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from abrazo.directory import demo
from abrazo.directory.models import Network
from abrazo.measures.models import Administration, AdministrationStatus
from abrazo.workforce import demo as workforce_demo
from abrazo.workforce import feedback_demo
from abrazo.workforce.models import FeedbackContext, FeedbackRequest, Participant, Voice, VoiceStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def wired(monkeypatch):
    """The two calls the workforce demo makes (added here when the demo does not make them yet)."""
    if "load_feedback" in workforce_demo.WorkforceLoader.run.__code__.co_names:
        return
    run, wipe = workforce_demo.WorkforceLoader.run, workforce_demo.wipe_workforce

    def run_with_feedback(self):
        run(self)
        feedback_demo.load_feedback(self.builder, self.network, today=self.today)

    def wipe_with_feedback(network):
        feedback_demo.wipe_feedback(network)
        wipe(network)

    monkeypatch.setattr(workforce_demo.WorkforceLoader, "run", run_with_feedback)
    monkeypatch.setattr(workforce_demo, "wipe_workforce", wipe_with_feedback)


def load(*args: str) -> Network:
    call_command("demo", "--scale", "tiny", *args, stdout=StringIO())
    return Network.objects.get(slug=demo.SCALES["tiny"].slug)


def test_surveys_after_sessions_and_groups_in_each_persons_language():
    network = load()
    requests = FeedbackRequest.objects.filter(network=network).select_related("administration", "participant")
    by_context = Counter(request.context for request in requests)
    assert by_context[FeedbackContext.TRAINING] > 40 and by_context[FeedbackContext.GROUP] >= 4 * 6
    answered = [r for r in requests if r.administration.status == AdministrationStatus.COMPLETED]
    assert 0.5 < len(answered) / len(requests) < 0.8
    for request in requests:
        administration = request.administration
        assert administration.instrument.key == "abrazo_training_feedback" and administration.episode_id is None
        if request.participant is not None:
            assert administration.language == request.participant.preferred_language
            assert request.participant.status != "withdrawn"
    # answered surveys are scored by the engine, and the whole-cohort survey went to the finished cohort only
    assert all(r.administration.scores["training_rating"]["raw"] for r in answered
               if r.administration.scores["training_rating"]["raw"] is not None)
    whole = {r.cohort.status for r in requests if r.context == FeedbackContext.TRAINING and r.session_id is None}
    assert whole == {"completed"}
    # and the demo's administrations stay in the range the measures demo expects
    assert Administration.objects.filter(network=network).count() <= 600
    assert Participant.objects.filter(network=network).exists()


def test_six_voices_from_consenting_comments_three_in_each_language():
    network = load()
    voices = list(Voice.objects.filter(network=network).select_related("administration").order_by("position"))
    assert len(voices) == 6
    assert Counter(voice.language for voice in voices) == {"en": 3, "es": 3}
    assert [voice.status for voice in voices].count(VoiceStatus.PUBLISHED) == 5
    assert voices[-1].status == VoiceStatus.DRAFT and voices[-1].published_at is None
    for voice in voices:
        answers = voice.administration.answers
        assert answers["trn_share_comment"] == "1" and answers[voice.item_key] == voice.text
        assert voice.language == voice.administration.language and voice.attribution


def test_reloading_gives_the_same_feedback_and_wipes_cleanly():
    network = load()
    before = sorted(map(str, Voice.objects.filter(network=network).values_list("pk", flat=True)))
    surveys = FeedbackRequest.objects.filter(network=network).count()
    network = load("--reset")
    assert sorted(map(str, Voice.objects.filter(network=network).values_list("pk", flat=True))) == before
    assert FeedbackRequest.objects.filter(network=network).count() == surveys

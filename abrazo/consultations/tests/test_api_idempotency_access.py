"""An Idempotency-Key replay is access-checked again: a stored contact answer (which holds its notes) is not given to
someone who no longer works the episode; the endpoint answers as it would now, and the stored answer is dropped."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from abrazo.api.models import IdempotencyKey
from abrazo.api.tests.factories import api_auth
from abrazo.consultations.models import Contact

pytestmark = pytest.mark.django_db

NOTE = "Teacher shared worries about her own health."


def _body():
    return {"contact_date": timezone.localdate().isoformat(), "minutes": 30, "modality": "on_site",
            "activity_type": "teacher_meeting", "language": "en", "notes": NOTE}


def test_a_replay_after_the_episode_was_reassigned_is_404_and_forgets_the_stored_answer(client, episodes):
    # given a consultant who logged a contact with an Idempotency-Key
    auth = api_auth(episodes.person("consultant"), "episodes:write")
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    url = reverse("api:consultations-episode-contacts", args=[episodes.classroom_episode.pk])
    first = client.post(url, _body(), content_type="application/json", **auth, **key)
    assert first.status_code == 201
    # when the episode is reassigned to another consultant and the same request is sent again
    episodes.classroom_episode.consultant = episodes.other_consultant
    episodes.classroom_episode.save(update_fields=["consultant"])
    again = client.post(url, _body(), content_type="application/json", **auth, **key)
    # then the answer is the endpoint's answer now (404), not the stored one with its notes
    assert again.status_code == 404
    assert NOTE not in again.content.decode()
    assert "Idempotent-Replayed" not in again
    # and the stored answer is gone; nothing was created twice
    assert not IdempotencyKey.objects.exists()
    assert Contact.objects.filter(episode=episodes.classroom_episode).count() == 1


def test_a_replay_while_still_allowed_is_the_stored_answer(client, episodes):
    auth = api_auth(episodes.person("consultant"), "episodes:write")
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    url = reverse("api:consultations-episode-contacts", args=[episodes.classroom_episode.pk])
    first = client.post(url, _body(), content_type="application/json", **auth, **key)
    again = client.post(url, _body(), content_type="application/json", **auth, **key)
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


def test_a_replay_after_losing_the_permission_is_403(client, episodes):
    # given the consultant's contact create, then their consultant membership is ended
    person = episodes.person("consultant")
    auth = api_auth(person, "episodes:write")
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    url = reverse("api:consultations-episode-contacts", args=[episodes.classroom_episode.pk])
    assert client.post(url, _body(), content_type="application/json", **auth, **key).status_code == 201
    person.memberships.filter(role="consultant").update(is_active=False)
    # when the request is replayed: the view's own permission check refuses it before any replay
    again = client.post(url, _body(), content_type="application/json", **auth, **key)
    assert again.status_code in (401, 403)
    assert NOTE not in again.content.decode()

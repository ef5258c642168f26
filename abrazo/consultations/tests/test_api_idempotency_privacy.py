"""A create's answer kept for an Idempotency-Key replay holds what the answer held: for a contact, its notes.
Notes are encrypted at rest (EncryptedTextField); the kept answer must not be a plain copy of them."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from abrazo.api.models import IdempotencyKey
from abrazo.api.tests.factories import api_auth

pytestmark = pytest.mark.django_db

SECRET_NOTE = "Mother disclosed a custody dispute; follow up privately."


def test_the_kept_answer_of_a_contact_create_does_not_store_its_notes_in_clear(client, episodes):
    # given a consultant logging a contact with notes and an Idempotency-Key
    auth = api_auth(episodes.person("consultant"), "episodes:write")
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    body = {"contact_date": timezone.localdate().isoformat(), "minutes": 45, "modality": "on_site",
            "activity_type": "teacher_meeting", "language": "en", "notes": SECRET_NOTE}
    url = reverse("api:consultations-episode-contacts", args=[episodes.classroom_episode.pk])
    # when the contact is created, and the same request is sent again
    first = client.post(url, body, content_type="application/json", **auth, **key)
    again = client.post(url, body, content_type="application/json", **auth, **key)
    # then the replay is the first answer, notes included
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert again.json()["notes"] == SECRET_NOTE
    # and the database row that keeps the answer does not hold the notes in clear
    table = IdempotencyKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT response_body FROM {table}")  # noqa: S608 - the model's own table name
        stored = [str(row[0]) for row in cursor.fetchall()]
    assert len(stored) == 1
    assert "custody" not in stored[0]

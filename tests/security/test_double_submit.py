"""Two identical submissions make one record: the public request form, an incident report, a contact log and an
API create with an Idempotency-Key.

The mechanisms are the project's own: a one-time submission key claimed in the database cache inside the
create's transaction (abrazo/core/submissions.py) for the web forms, and the IdempotencyKey table for the API
(abrazo/api/idempotency.py). The races run on PostgreSQL with two threads, each on its own connection, released
together by a barrier (abrazo/core/tests/concurrency.py); each race has a one-after-the-other sibling that also
runs on SQLite, whose in-memory test database serialises connections.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from abrazo.accounts.models import User
from abrazo.api.models import IdempotencyKey
from abrazo.api.tests.factories import api_auth
from abrazo.consultations import services as consultations
from abrazo.consultations.models import Contact, Episode
from abrazo.core.submissions import AlreadySubmitted
from abrazo.core.tests.concurrency import at_once, needs_postgresql
from abrazo.directory.models import Language
from abrazo.incidents import services as incidents
from abrazo.incidents.models import Incident
from abrazo.incidents.tests.factories import ChildFactory
from abrazo.intake import services as intake
from abrazo.intake.models import Request
from tests.security.builders import an_episode, incident_data, request_data

race = pytest.mark.django_db(transaction=True)


def log_contact(actor: User, episode: Episode, key: uuid.UUID) -> Contact:
    return consultations.contact_log(
        actor=actor,
        episode=episode,
        contact_date=timezone.localdate(),
        minutes=30,
        modality="on_site",
        activity_type="teacher_meeting",
        language=Language.objects.get(code="en"),
        notes="Morning routine.",
        submission_key=key,
    )


def created_once(outcomes: list[Any], model: type) -> None:
    """Of two identical submits, one made the record and the other was told it was already sent."""
    made = [outcome for outcome in outcomes if isinstance(outcome, model)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, AlreadySubmitted)]
    assert (len(made), len(refused)) == (1, 1), outcomes


# --- The web forms' submission key: in parallel (PostgreSQL) ------------------------------------------------


@needs_postgresql
@race
def test_the_public_request_form_sent_twice_at_once_makes_one_request(world):
    key, network_pk = uuid.uuid4(), world.network.pk
    outcomes = at_once(
        2,
        lambda network: intake.request_submit(network=network, data=request_data(), submission_key=key),
        prepare=lambda _index: type(world.network).objects.get(pk=network_pk),
    )
    created_once(outcomes, Request)
    assert Request.objects.count() == 1


@needs_postgresql
@race
def test_an_incident_report_sent_twice_at_once_makes_one_incident(world):
    child = ChildFactory(program=world.program_a, code="SUN-001")
    key, staff_pk = uuid.uuid4(), world.people["program_staff"].pk
    outcomes = at_once(
        2,
        lambda staff: incidents.incident_record(
            actor=staff, program=world.program_a, data=incident_data(child), submission_key=key
        ),
        prepare=lambda _index: User.objects.get(pk=staff_pk),
    )
    created_once(outcomes, Incident)
    assert Incident.objects.filter(child=child).count() == 1


@needs_postgresql
@race
def test_a_contact_logged_twice_at_once_is_logged_once(world):
    episode, key = an_episode(world), uuid.uuid4()
    consultant_pk = world.people["consultant"].pk
    outcomes = at_once(
        2,
        lambda actor: log_contact(actor, Episode.objects.get(pk=episode.pk), key),
        prepare=lambda _index: User.objects.get(pk=consultant_pk),
    )
    created_once(outcomes, Contact)
    assert Contact.objects.filter(episode=episode).count() == 1


@needs_postgresql
@race
def test_an_api_create_sent_twice_at_once_with_one_idempotency_key_creates_once(world):
    # given a consultant's token and one contact body, sent twice at the same moment with the same key
    episode = an_episode(world)
    auth = api_auth(world.people["consultant"], "episodes:write")
    url = reverse("api:consultations-episode-contacts", args=[episode.pk])
    body = {
        "contact_date": timezone.localdate().isoformat(),
        "minutes": 30,
        "modality": "on_site",
        "activity_type": "teacher_meeting",
        "language": "en",
        "notes": "Morning routine.",
    }
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    outcomes = at_once(
        2,
        lambda client: client.post(url, body, content_type="application/json", **auth, **key),
        prepare=lambda _index: Client(),
    )
    # then one contact exists; one answer is the 201, the other the replay of it or "still being processed"
    assert Contact.objects.filter(episode=episode).count() == 1
    statuses = sorted(response.status_code for response in outcomes)
    assert statuses in ([201, 201], [201, 409]), outcomes
    if statuses == [201, 201]:
        assert sum(response.get("Idempotent-Replayed") == "true" for response in outcomes) == 1
    assert IdempotencyKey.objects.count() == 1


# --- One after the other (SQLite too) ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "submit, model",
    [
        (
            lambda world, key: intake.request_submit(network=world.network, data=request_data(), submission_key=key),
            Request,
        ),
        (
            lambda world, key: incidents.incident_record(
                actor=world.people["program_staff"],
                program=world.program_a,
                data=incident_data(ChildFactory(program=world.program_a)),
                submission_key=key,
            ),
            Incident,
        ),
        (lambda world, key: log_contact(world.people["consultant"], an_episode(world), key), Contact),
    ],
    ids=["request form", "incident report", "contact log"],
)
def test_a_second_submit_of_the_same_form_is_refused_and_names_the_first(
    world, submit: Callable[..., Any], model: type
):
    key = uuid.uuid4()
    first = submit(world, key)
    with pytest.raises(AlreadySubmitted) as again:
        submit(world, key)
    assert again.value.existing == first
    assert model.objects.count() == 1
    # and a new form (a new key) is a new record
    submit(world, uuid.uuid4())
    assert model.objects.count() == 2


@pytest.mark.django_db
def test_the_contact_quick_log_posted_twice_logs_one_contact(world):
    # given the quick log page as the consultant's phone loaded it (with its one-time key)
    episode = an_episode(world)
    client = Client()
    client.force_login(world.people["consultant"])
    url = reverse("consultations:contact-new", args=[episode.pk])
    page = client.get(url)
    key = page.context["form"].initial["submission_key"]
    assert f'value="{key}"' in page.content.decode(), "the key is in the page, so the browser sends it back"
    form = {
        "contact_date": timezone.localdate().isoformat(),
        "minutes": "30",
        "modality": "on_site",
        "activity_type": "teacher_meeting",
        "language": "en",
        "notes": "Morning routine.",
        "submission_key": str(key),
    }
    # when the save button is tapped twice
    first = client.post(url, form)
    second = client.post(url, form, follow=True)
    # then both land on the episode, one contact was logged, and the second was told nothing was added
    assert first.status_code == 302 and second.redirect_chain[-1][0] == episode.get_absolute_url()
    assert Contact.objects.filter(episode=episode).count() == 1
    assert "already been sent" in second.content.decode()


@pytest.mark.django_db
def test_an_api_create_sent_again_with_the_same_key_is_replayed(client, world):
    episode = an_episode(world)
    auth = api_auth(world.people["consultant"], "episodes:write")
    url = reverse("api:consultations-episode-contacts", args=[episode.pk])
    body = {
        "contact_date": timezone.localdate().isoformat(),
        "minutes": 30,
        "modality": "on_site",
        "activity_type": "teacher_meeting",
        "language": "en",
        "notes": "Morning routine.",
    }
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    first = client.post(url, body, content_type="application/json", **auth, **key)
    again = client.post(url, body, content_type="application/json", **auth, **key)
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert Contact.objects.filter(episode=episode).count() == 1

"""The episode, incident and administration lists read their pages as `.values()` dicts (ScopedListView.list_values)
for speed; their JSON must stay exactly what the same serializer gives for model instances (the detail endpoints
and the lists before the change). Each test builds rows covering the awkward values (nulls, microseconds, closed
phases, odd stored scores), then compares the list's JSON with the instance path's, row for row, in order."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from abrazo.api.tests.factories import api_auth
from abrazo.audit.models import AccessEvent
from abrazo.consultations import api as episodes_api
from abrazo.consultations.models import Phase
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ClassroomFactory
from abrazo.incidents import api as incidents_api
from abrazo.incidents import selectors as incident_selectors
from abrazo.incidents.tests.factories import ChildFactory, HookCalls, IncidentFactory
from abrazo.measures import api as measures_api
from abrazo.measures.models import AdministrationStatus, Timepoint
from abrazo.measures.tests.factories import AdministrationFactory, InstrumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def hooks(monkeypatch):
    return HookCalls.install(monkeypatch)


def as_json(data: Any) -> Any:
    """What the API's renderer makes of serializer data (UUIDs, dates and decimals as it writes them)."""
    return json.loads(JSONRenderer().render(data))


def listed(client, url: str, user, scope: str) -> list[dict[str, Any]]:
    response = client.get(url, {"page_size": 500}, **api_auth(user, scope))
    assert response.status_code == 200
    return response.json()["results"]


def last_list_ids(user, object_type: str) -> list[str]:
    event = AccessEvent.objects.filter(user_id=user.pk, action="list", object_type=object_type).latest("occurred_at")
    return event.object_ids


def test_episodes_list_matches_the_instance_serializer(client, world):
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    odd_time = timezone.now().replace(microsecond=123456) - dt.timedelta(days=3)
    EpisodeFactory(program=world.program_a, consultant=consultant, opened_at=odd_time)
    EpisodeFactory(program=world.program_a, consultant=consultant, child=True, language=None,
                   classroom=ClassroomFactory(program=world.program_a))
    EpisodeFactory(program=world.program_b, phase=Phase.CLOSED, closed_at=odd_time + dt.timedelta(days=1))
    EpisodeFactory(program=world.program_b, phase=Phase.FOLLOWED_UP)
    admin = world.people["network_admin"]

    rows = listed(client, reverse("api:consultations-episode-list"), admin, "episodes:read")

    instances = list(episodes_api.episode_queryset(user=admin, filters={}))
    expected = as_json(episodes_api.EpisodeOutputSerializer(instances, many=True).data)
    assert len(rows) == 4
    assert rows == expected
    assert {row["status"] for row in rows} == {"open", "closed"}
    assert last_list_ids(admin, "consultations.episode") == [row["id"] for row in rows]


def test_incidents_list_matches_the_instance_serializer(client, world):
    child = ChildFactory(program=world.program_a, code="SUN-007")
    IncidentFactory(child=child, occurred_at=dt.time(9, 5, 7, 250))
    IncidentFactory(child=child, occurred_at=None, classroom=None, oss=True)
    IncidentFactory(child=ChildFactory(program=world.program_b, code="HAR-001"), iss=True)
    IncidentFactory(child=child, dismissal=True, occurred_on=timezone.localdate() - dt.timedelta(days=40))
    admin = world.people["network_admin"]

    rows = listed(client, reverse("api:incidents-incident-list"), admin, "incidents:read")

    instances = list(incidents_api.incident_queryset(user=admin, filters=incident_selectors.IncidentFilters()))
    expected = as_json(incidents_api.IncidentOutputSerializer(instances, many=True).data)
    assert len(rows) == 4
    assert rows == expected
    assert "notes" not in rows[0]
    assert last_list_ids(admin, "incidents.incident") == [row["id"] for row in rows]


def test_administrations_list_matches_the_instance_serializer(client, world):
    instrument = InstrumentFactory(network=world.network, key="climate", name_en="Classroom climate")
    episode = EpisodeFactory(program=world.program_a,
                             consultant=ConsultantProfile.objects.get(user=world.people["consultant"]))
    AdministrationFactory(episode=episode, instrument=instrument, timepoint=Timepoint.POST,
                          status=AdministrationStatus.COMPLETED, completed_on=timezone.localdate(),
                          child=ChildFactory(program=world.program_a, code="SUN-001"),
                          scores={"b": {"raw": 9, "band": "high", "prorated": True, "answered": 3, "missing": 0},
                                  "a": {"raw": 2.5, "standard_score": 104, "percentile": 61, "reason": None},
                                  "odd": "not a dict", "flags": {"raw": True, "answered": 2.0, "band": 3}})
    AdministrationFactory(episode=episode, instrument=instrument, scores={}, due_on=None)
    AdministrationFactory(episode=EpisodeFactory(program=world.program_b), instrument=instrument, scores={"z": None})
    admin = world.people["network_admin"]

    rows = listed(client, reverse("api:measures-administration-list"), admin, "measures:read")

    instances = list(measures_api.administration_queryset(user=admin, filters={}))
    expected = as_json(measures_api.AdministrationOutputSerializer(instances, many=True).data)
    assert len(rows) == 3
    assert rows == expected
    assert {row["child_code"] for row in rows} == {"SUN-001", None}
    assert sorted(score["key"] for row in rows for score in row["scores"]) == ["a", "b", "flags", "odd", "z"]
    assert last_list_ids(admin, "measures.administration") == [row["id"] for row in rows]

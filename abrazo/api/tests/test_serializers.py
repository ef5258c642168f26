"""FastSerializer gives what DRF's own Serializer would, from model instances and from .values() dicts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.test import Client
from rest_framework import serializers

from abrazo.api.serializers import FastSerializer
from abrazo.api.tests.factories import api_auth
from abrazo.directory.api import ConsultantSerializer
from abrazo.directory.models import ConsultantProfile, Language


def test_same_as_drf_for_a_model_instance(world: Any) -> None:
    profile = ConsultantProfile.objects.select_related("user", "agency", "region").get(user=world.people["consultant"])
    profile.languages.set(Language.objects.filter(code__in=["es", "en"]))
    fast = ConsultantSerializer().to_representation(profile)
    drf = serializers.Serializer.to_representation(ConsultantSerializer(), profile)
    assert fast == dict(drf)
    assert fast["name"] == "Consultant Person" and fast["fte"] == "1.00" and sorted(fast["languages"]) == ["en", "es"]


class Row(FastSerializer):
    id = serializers.UUIDField()
    at = serializers.DateTimeField(allow_null=True)
    who = serializers.CharField(source="person.name", allow_null=True)


def test_dicts_follow_orm_column_names_and_nulls(db: Any) -> None:
    row = {"id": "0b0c4a1e-0000-4000-8000-000000000001", "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
           "person__name": None}
    assert Row().to_representation(row) == {"id": "0b0c4a1e-0000-4000-8000-000000000001",
                                            "at": "2026-01-02T03:04:05Z", "who": None}


def test_messages_in_the_token_owners_language_without_accept_language(client: Client, world: Any) -> None:
    person = world.people["network_admin"]
    person.preferred_language = "es"
    person.save(update_fields=["preferred_language"])
    auth = api_auth(person, "directory:read")
    missing = "/api/v1/programs/00000000-0000-4000-8000-000000000000/"
    assert client.get(missing, **auth).json()["error"]["message"] != "Not found."
    assert client.get(missing, HTTP_ACCEPT_LANGUAGE="en", **auth).json()["error"]["message"] == "Not found."

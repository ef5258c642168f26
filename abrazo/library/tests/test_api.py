"""The library on the API: published resources of the caller's network only, never curation fields."""

from __future__ import annotations

from typing import Any

from django.test import Client

from abrazo.api.tests.factories import api_auth
from abrazo.audit.models import AccessEvent
from abrazo.library.models import ResourceKind
from abrazo.library.tests.factories_resource import ResourceFactory, TopicFactory, translation_of


def titles(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


def test_published_resources_of_my_network_only(client: Client, world: Any) -> None:
    topic = TopicFactory(network=world.network, key="big-feelings")
    english = ResourceFactory(network=world.network, title="Big feelings", topics=[topic], kind=ResourceKind.TIP_SHEET,
                              suggested_by_email="someone@example.org", suggestion_note="my friend wrote it")
    translation_of(english, title="Emociones fuertes")
    ResourceFactory(network=world.network, title="Pending idea", suggested=True)
    ResourceFactory(network=world.other_network, title="Elsewhere")
    auth = api_auth(world.people["evaluator"], "resources:read")
    response = client.get("/api/v1/resources/", **auth)
    assert titles(response) == {"Big feelings", "Emociones fuertes"}
    row = next(r for r in response.json()["results"] if r["title"] == "Big feelings")
    assert row["topics"] == ["big-feelings"]
    assert not {"suggested_by_email", "suggestion_note", "decline_reason", "link_error"} & set(row)
    assert titles(client.get("/api/v1/resources/?language=es", **auth)) == {"Emociones fuertes"}
    assert titles(client.get("/api/v1/resources/?topic=big-feelings&language=en", **auth)) == {"Big feelings"}
    assert titles(client.get("/api/v1/resources/?type=video", **auth)) == set()
    # public data: not audited, as on the web
    assert not AccessEvent.objects.filter(object_type="library.resource").exists()


def test_resource_detail_outside_network_or_unpublished_is_404(client: Client, world: Any) -> None:
    auth = api_auth(world.people["consultant"], "resources:read")
    mine = ResourceFactory(network=world.network, title="Mine")
    theirs = ResourceFactory(network=world.other_network, title="Theirs")
    pending = ResourceFactory(network=world.network, title="Pending", suggested=True)
    assert client.get(f"/api/v1/resources/{mine.pk}/", **auth).json()["title"] == "Mine"
    assert client.get(f"/api/v1/resources/{theirs.pk}/", **auth).status_code == 404
    assert client.get(f"/api/v1/resources/{pending.pk}/", **auth).status_code == 404


def test_resources_need_the_scope(client: Client, world: Any) -> None:
    response = client.get("/api/v1/resources/", **api_auth(world.people["consultant"], "directory:read"))
    assert response.status_code == 403


def test_resource_list_queries_do_not_grow(client: Client, world: Any, django_assert_max_num_queries: Any) -> None:
    topics = [TopicFactory(network=world.network) for _ in range(3)]
    for i in range(30):
        ResourceFactory(network=world.network, title=f"R{i}", topics=topics)
    auth = api_auth(world.people["consultant"], "resources:read")
    # the same fixed cost as every list (token, memberships, rate counter, last use), the page and its topics
    with django_assert_max_num_queries(14):
        response = client.get("/api/v1/resources/?page_size=500", **auth)
    assert len(response.json()["results"]) == 30

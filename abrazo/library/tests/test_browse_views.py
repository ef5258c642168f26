"""The public library pages over HTTP: anonymous access, what is never shown, translations, languages on the page,
bad addresses, the search passed to library.search, the uploaded file, caching, and bounded queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from abrazo.directory.tests.factories import NetworkFactory
from abrazo.library import search
from abrazo.library.models import Audience, ResourceKind
from abrazo.library.tests.factories_resource import ResourceFactory, TopicFactory, translation_of

pytestmark = pytest.mark.django_db

LIST = reverse("library:resource-list")


def page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def network() -> Any:
    """The deployment's only network."""
    return NetworkFactory(name="Golden State Network", slug="golden-state")


def test_anonymous_visitor_browses_the_only_network(client, network):
    # given a published resource of the only network
    ResourceFactory(network=network, title="Serve and return", kind=ResourceKind.VIDEO,
                    audiences=[Audience.FAMILIES, Audience.PROVIDERS], source_organisation="Harvard Center")
    # when a visitor without an account opens the library
    html = page(client.get(LIST))
    # then the card shows its type, audiences, ages, language and source, and the page says what it is
    assert "Serve and return" in html
    assert "Video" in html and "Families, Child care providers and teachers" in html
    assert "Toddlers" in html and "Harvard Center" in html and "English" in html
    assert "<title>Resource library · Golden State Network · Abrazo</title>" in html
    assert re.search(r'<meta name="description" content="Trustworthy resources[^"]+Golden State Network', html)
    assert "1 resource" in html


def test_signed_in_staff_see_the_same_page(client, world):
    # given a published resource of the world's network (the world has two networks; only this one has resources)
    ResourceFactory(network=world.network, title="Calm corners")
    client.force_login(world.people["consultant"])
    # when a consultant opens the library
    html = page(client.get(LIST))
    # then it is the network's library
    assert "Calm corners" in html and "Golden State Network" in html


def test_several_networks_offer_a_choice_and_a_slug_chooses(client):
    # given two networks with published resources
    first = NetworkFactory(name="First Network", slug="first")
    second = NetworkFactory(name="Second Network", slug="second")
    ResourceFactory(network=first, title="Resource of the first")
    ResourceFactory(network=second, title="Resource of the second")
    # when the library is opened without, then with, a network in the address
    choice = page(client.get(LIST))
    second_page = page(client.get(reverse("library:resource-list-for-network", args=["second"])))
    # then the visitor chooses, and the chosen network's library lists its own resources only
    assert reverse("library:resource-list-for-network", args=["first"]) in choice
    assert "Resource of the second" in second_page and "Resource of the first" not in second_page
    assert client.get(reverse("library:resource-list-for-network", args=["nowhere"])).status_code == 404


def test_unpublished_and_declined_resources_are_never_shown(client, network):
    # given a suggestion, a declined and a withdrawn resource
    hidden = [ResourceFactory(network=network, title=f"Hidden {trait}", **{trait: True})
              for trait in ("suggested", "declined", "withdrawn")]
    # when the library is listed and searched, and their pages opened
    html = page(client.get(LIST)) + page(client.get(LIST, {"q": "Hidden"}))
    # then they are nowhere, and their pages and files do not exist
    assert not any(f"Hidden {trait}" in html for trait in ("suggested", "declined", "withdrawn"))
    assert "No resources match all of your choices." in html
    for resource in hidden:
        assert client.get(resource.get_absolute_url()).status_code == 404
        assert client.get(reverse("library:resource-file", args=[resource.pk])).status_code == 404


def test_a_published_resource_of_another_network_has_a_public_page_but_is_not_in_this_library(client, world):
    # given a published resource of the other network
    theirs = ResourceFactory(network=world.other_network, title="Elsewhere tip sheet")
    ours = ResourceFactory(network=world.network, title="Our tip sheet")
    # when this network's library is listed and the other's resource opened
    html = page(client.get(reverse("library:resource-list-for-network", args=[world.network.slug])))
    detail = page(client.get(theirs.get_absolute_url()))
    # then it is not listed here; its page (public, like every published resource) names its own network
    assert "Our tip sheet" in html and "Elsewhere tip sheet" not in html
    assert "Elsewhere tip sheet" in detail and world.other_network.name in detail
    assert reverse("library:resource-list-for-network", args=[world.other_network.slug]) in detail
    assert ours.title not in detail


def test_the_suggester_is_never_shown(client, network):
    # given a published resource that came from a suggestion
    resource = ResourceFactory(network=network, title="Suggested and kept", suggested_by_name="Rosa Secreta",
                               suggested_by_email="rosa.secreta@example.org", suggestion_note="My private note")
    # when its card and its page are shown
    html = page(client.get(LIST)) + page(client.get(resource.get_absolute_url()))
    # then neither the sender nor their note appears
    assert "Suggested and kept" in html
    assert "Rosa" not in html and "rosa.secreta" not in html and "My private note" not in html


def test_detail_lists_translations_related_resources_and_curation(client, world):
    # given an English resource with a Spanish version, curated by the administrator, and others sharing its topic
    network = world.network
    curator = world.people["network_admin"]
    feelings = TopicFactory(network=network, key="big-feelings", name_en="Big feelings", name_es="Emociones")
    english = ResourceFactory(network=network, title="Naming feelings", topics=[feelings],
                              summary="How naming a feeling helps a toddler calm down.",
                              curated_by=curator, curated_at=timezone.now())
    spanish = translation_of(english, title="Ponerle nombre a las emociones")
    related = ResourceFactory(network=network, title="Feelings faces", topics=[feelings])
    translation_of(related, title="Caras de emociones")
    unrelated = ResourceFactory(network=network, title="Unrelated")
    # when the English page is opened in English
    html = page(client.get(english.get_absolute_url()))
    # then the Spanish version is offered with its language named in Spanish and marked as Spanish
    assert f'<a href="{spanish.get_absolute_url()}" lang="es" hreflang="es">Español' in html
    # and the related resource is shown once, in the page's language; the unrelated one is not
    assert "Feelings faces" in html and "Caras de emociones" not in html and unrelated.title not in html
    assert '?topic=big-feelings">Big feelings</a>' in html
    assert "<title>Naming feelings · Resource library" in html
    assert f"by {curator.full_name}, " in html
    assert '<meta name="description" content="How naming a feeling helps a toddler calm down.">' in html


def test_a_spanish_resource_on_an_english_page_carries_its_language(client, network):
    # given a Spanish-only resource
    resource = ResourceFactory(network=network, title="Rutinas a la hora de dormir", language="es",
                               summary="Ideas para la noche.")
    # when the English library and the resource's page are opened
    listing = page(client.get(LIST))
    detail = page(client.get(resource.get_absolute_url()))
    # then its title and summary are marked as Spanish on the English page
    assert '<html lang="en">' in listing
    assert f'<a href="{resource.get_absolute_url()}" lang="es">Rutinas a la hora de dormir</a>' in listing
    assert '<p class="result__summary" lang="es">' in listing
    assert '<h1 id="resource-title" lang="es">Rutinas a la hora de dormir</h1>' in detail


def test_on_a_spanish_page_spanish_needs_no_mark_and_the_interface_is_spanish(network):
    # given a Spanish-only resource and an English-only one
    ResourceFactory(network=network, title="Rutinas a la hora de dormir", language="es")
    english = ResourceFactory(network=network, title="Bedtime routines")
    # when a visitor whose browser asks for Spanish opens the library
    html = page(Client(HTTP_ACCEPT_LANGUAGE="es").get(LIST))
    # then the page is Spanish; the Spanish title carries no lang, the English one does
    assert '<html lang="es">' in html
    assert '<a href="' + english.get_absolute_url() + '" lang="en">Bedtime routines</a>' in html
    assert re.search(r'<a href="[^"]+">Rutinas a la hora de dormir</a>', html)


@pytest.mark.parametrize("query", [
    {"type": "hologram"}, {"topic": "not-a-topic"}, {"audience": "martians"}, {"age": "teenagers"},
    {"page": "abc"}, {"page": "-3"}, {"page": "99999999999999999999999"}, {"sort": "random"},
    {"language": "<script>"}, {"type": ["video", "hologram"]},
])
def test_bad_choices_in_the_address_are_left_out_with_a_clear_message(client, network, query):
    # given a published video
    ResourceFactory(network=network, title="A video", kind=ResourceKind.VIDEO)
    # when the address holds a value that names nothing
    html = page(client.get(LIST, query))
    # then the page shows the library, says what was left out, and reflects nothing unescaped
    assert "A video" in html
    assert "were not recognised and were left out" in html
    assert "<script>" not in html.split("</head>", 1)[1].replace('<script src="', "")


def test_a_topic_of_another_network_is_left_out(client, world):
    # given a topic key that only the other network has
    TopicFactory(network=world.other_network, key="their-topic")
    ResourceFactory(network=world.network, title="Ours")
    # when it is asked for in this network's library
    html = page(client.get(reverse("library:resource-list-for-network", args=[world.network.slug]),
                           {"topic": "their-topic"}))
    # then it is ignored, with the message
    assert "Ours" in html and "left out: topic." in html


def test_a_page_past_the_end_says_so_and_links_to_the_first(client, network):
    ResourceFactory(network=network, title="Only one", kind=ResourceKind.VIDEO)
    html = page(client.get(LIST, {"type": "video", "page": "7"}))
    assert "This page is past the last result." in html
    assert f'href="{LIST}?type=video">Go to the first page' in html


def test_no_results_suggests_fewer_filters(client, network):
    ResourceFactory(network=network, title="A video", kind=ResourceKind.VIDEO, audiences=[Audience.FAMILIES])
    html = page(client.get(LIST, {"type": "video", "audience": "policy_makers"}))
    assert "No resources match all of your choices." in html
    assert "Try fewer filters" in html
    # and each choice can be removed with one link that keeps the others
    assert f'href="{LIST}?type=video"' in html and f'href="{LIST}?audience=policy_makers"' in html


def test_an_empty_library_says_so(client, network):
    html = page(client.get(LIST))
    assert "The library has no resources yet." in html


def test_a_long_search_is_shortened_with_a_message(client, network):
    html = page(client.get(LIST, {"q": "word " * 100}))
    assert "only its first 200 characters were used" in html


def test_the_search_goes_through_library_search_and_its_highlight(client, network, monkeypatch):
    # given a search that records what it was asked and marks every title
    ResourceFactory(network=network, title="Tantrums and big feelings")
    ResourceFactory(network=network, title="Tantrums at bedtime")
    ResourceFactory(network=network, title="Sleep")
    asked = []

    def spy_search(queryset: QuerySet, text: str) -> QuerySet:
        asked.append(text)
        return search.__dict__["_real_apply_search"](queryset, text)

    monkeypatch.setitem(search.__dict__, "_real_apply_search", search.apply_search)
    monkeypatch.setattr(search, "apply_search", spy_search)
    monkeypatch.setattr(search, "highlight",
                        lambda text, query, language: mark_safe(f"<mark>{escape(text)}</mark>"))
    # when the visitor searches
    html = page(client.get(LIST, {"q": "  tantrums  ", "type": "tip_sheet"}))
    # then the search text (spaces tidied) reached apply_search, its match is listed and highlighted
    assert asked and set(asked) == {"tantrums"}
    assert "<mark>Tantrums and big feelings</mark>" in html
    assert "Sleep" not in html
    assert '<option value="relevance" selected>' in html


def test_uploaded_pdf_is_served_inline_with_a_safe_type(client, network, settings, tmp_path):
    # given a published resource with an uploaded PDF
    settings.MEDIA_ROOT = tmp_path
    resource = ResourceFactory(network=network, title="Calm-down plan")
    resource.file.save("Maria's plan.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    # when the file is asked for
    response = client.get(reverse("library:resource-file", args=[resource.pk]))
    # then it is the PDF, named after the title (never the uploader's file name), not sniffable
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="calm-down-plan.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=300"
    # and its page links to it
    assert reverse("library:resource-file", args=[resource.pk]) in page(client.get(resource.get_absolute_url()))


@pytest.mark.parametrize(("name", "content_type"), [
    ("page.html", "application/octet-stream"), ("drawing.svg", "application/octet-stream"),
    ("notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
])
def test_other_files_are_downloaded_never_opened_here(client, network, settings, tmp_path, name, content_type):
    settings.MEDIA_ROOT = tmp_path
    resource = ResourceFactory(network=network, title="Handout")
    resource.file.save(name, ContentFile(b"<script>alert(1)</script>"), save=True)
    response = client.get(reverse("library:resource-file", args=[resource.pk]))
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_file_or_a_missing_file_is_404(client, network, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    without = ResourceFactory(network=network)
    gone = ResourceFactory(network=network)
    gone.file.name = f"library/{network.pk}/{gone.pk}.pdf"  # recorded, but not on disk
    gone.save(update_fields=["file"])
    assert client.get(reverse("library:resource-file", args=[without.pk])).status_code == 404
    assert client.get(reverse("library:resource-file", args=[gone.pk])).status_code == 404


def test_pages_may_be_kept_by_the_visitors_browser_only(client, network):
    resource = ResourceFactory(network=network)
    for url in (LIST, resource.get_absolute_url()):
        response = client.get(url)
        assert response["Cache-Control"] == "private, max-age=120"


def _library_of(network: Any, size: int) -> None:
    topics = TopicFactory.create_batch(4, network=network)
    for number in range(size):
        resource = ResourceFactory(network=network, title=f"Resource {number}", topics=topics[: 1 + number % 4],
                                   kind=ResourceKind.values[number % len(ResourceKind.values)])
        if number % 3 == 0:
            translation_of(resource, title=f"Recurso {number}")


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_needs_the_same_few_queries_however_many_resources(client, network, size,
                                                                    django_assert_max_num_queries):
    # given a small and a large library, with translations and topics
    _library_of(network, size)
    # when the list is opened, filtered and searched (ten queries for the library: network, topics, count,
    # the page, its translations, five facets; two for the public site's menu)
    with django_assert_max_num_queries(12):
        html = page(client.get(LIST, {"topic": "topic-0", "q": "Resource", "type": ["video", "pdf"]}))
    with django_assert_max_num_queries(12):
        page(client.get(LIST))
    # then it rendered
    assert "Resource" in html


@pytest.mark.parametrize("size", [3, 30])
def test_the_detail_needs_the_same_few_queries(client, network, size, django_assert_max_num_queries):
    _library_of(network, size)
    resource = ResourceFactory(network=network, topics=list(network.library_topics.all()))
    translation_of(resource)
    # the resource, its topics, its translations, related resources; two for the public site's menu
    with django_assert_max_num_queries(6):
        html = page(client.get(resource.get_absolute_url()))
    assert "Related resources" in html


def test_signed_in_people_find_the_library_in_the_menu(client, world):
    client.force_login(world.people["program_staff"])
    html = page(client.get(reverse("core:home")))
    assert f'<a href="{LIST}">Resource library</a>' in html

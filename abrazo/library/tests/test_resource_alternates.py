"""What search engines read about a resource's other languages: the resource page's canonical and hreflang links
name its published translations (each its own page), exactly as the sitemap does, not the page with ?lang=."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from django.test import Client

from abrazo.library.models import ResourceStatus
from abrazo.library.tests.factories_resource import ResourceFactory, translation_of

pytestmark = pytest.mark.django_db

BASE = "http://testserver"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def head_links(content: str) -> tuple[str, dict[str, str]]:
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', content).group(1)
    return canonical, dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', content))


def sitemap_alternates(client: Client) -> dict[str, dict[str, str]]:
    root = ElementTree.fromstring(client.get("/sitemap.xml").content)  # noqa: S314 - our own output
    return {url.find(f"{SITEMAP}loc").text: {link.get("hreflang"): link.get("href")
                                             for link in url.findall(f"{XHTML}link")}
            for url in root.findall(f"{SITEMAP}url")}


def test_a_resource_page_names_its_translations_as_the_sitemap_does(world):
    # given an English resource with a published Spanish version and a withdrawn Vietnamese one
    english = ResourceFactory(network=world.network, title="Big feelings")
    spanish = translation_of(english, title="Emociones fuertes")
    translation_of(english, language="vi", title="Cảm xúc lớn", status=ResourceStatus.WITHDRAWN)
    client = Client()
    # when a search engine reads the English page, asked for with the Spanish page around it
    canonical, alternates = head_links(client.get(english.get_absolute_url() + "?lang=es").content.decode())
    # then the canonical address is the resource's own, without ?lang=
    assert canonical == BASE + english.get_absolute_url()
    # and the alternates are the published versions, each at its own address in its own language
    assert alternates == {"en": BASE + english.get_absolute_url(), "es": BASE + spanish.get_absolute_url()}
    # the same answer as the sitemap gives for both versions
    sitemap = sitemap_alternates(client)
    assert sitemap[BASE + english.get_absolute_url()] == alternates
    assert sitemap[BASE + spanish.get_absolute_url()] == alternates
    # and the Spanish page names the same two
    assert head_links(client.get(spanish.get_absolute_url()).content.decode())[1] == alternates


def test_a_resource_without_translations_names_no_alternates(world):
    alone = ResourceFactory(network=world.network, title="Only in English")
    canonical, alternates = head_links(Client().get(alone.get_absolute_url()).content.decode())
    assert canonical == BASE + alone.get_absolute_url()
    assert alternates == {}
    assert sitemap_alternates(Client())[BASE + alone.get_absolute_url()] == {}


def test_other_public_pages_keep_their_lang_versions(world):
    # the library's list is one page in two languages: ?lang= versions and x-default, as before
    canonical, alternates = head_links(Client().get("/library/?lang=es").content.decode())
    assert canonical == f"{BASE}/library/?lang=es"
    assert alternates == {"en": f"{BASE}/library/?lang=en", "es": f"{BASE}/library/?lang=es",
                          "x-default": f"{BASE}/library/"}

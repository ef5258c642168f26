"""The public site as a visitor meets it: the home page at "/", content pages in English and Spanish, `?lang=`,
drafts, the default pages, and what search engines read (titles, descriptions, canonical and hreflang links,
sitemap.xml, robots.txt)."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from abrazo.library import site_services
from abrazo.library.models import Page, PageStatus
from abrazo.library.site_defaults import DEFAULT_PAGES
from abrazo.library.tests.factories_resource import ResourceFactory, translation_of
from abrazo.library.tests.factories_site import PageFactory
from abrazo.workforce.models import VoiceStatus
from abrazo.workforce.tests.factories_feedback import VoiceFactory

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def head_links(response) -> dict[str, str]:
    """rel=canonical and each hreflang alternate of the page: {"canonical": url, "en": url, ...}."""
    content = response.content.decode()
    links = {"canonical": re.search(r'<link rel="canonical" href="([^"]+)"', content).group(1)}
    links.update(dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', content)))
    return links


def meta_description(response) -> str:
    return re.search(r'<meta name="description" content="([^"]*)"', response.content.decode()).group(1)


def title_of(response) -> str:
    return re.search(r"<title>([^<]*)</title>", response.content.decode()).group(1)


# --- the home page -------------------------------------------------------------------------------------------


def test_a_visitor_who_is_not_signed_in_gets_the_site_home(client, world):
    # given a published voice in Spanish and one in English, and a retired one
    VoiceFactory(network=world.network, language="es", text="Aprendí a escuchar a los niños de otra manera.",
                 attribution="una maestra del valle")
    VoiceFactory(network=world.network, language="en", text="Our director changed the suspension policy.")
    VoiceFactory(network=world.network, status=VoiceStatus.RETIRED, text="An old quote that was withdrawn.")
    # when a visitor opens the front page
    response = client.get("/")
    content = response.content.decode()
    # then they see the public site: the welcome, the calls to action, and no staff dashboard
    assert response.status_code == 200
    assert "Support for the adults who care for young children" in content
    assert f'href="{reverse("intake:request-create")}"' in content
    assert f'href="{reverse("library:resource-list")}"' in content
    assert f'href="{reverse("workforce:apply-cohorts")}"' in content
    assert "dashboard" not in response.context
    # and the menu of the default pages (installed on this first visit)
    for default in DEFAULT_PAGES:
        assert f'href="{reverse("site:page", args=[default.slug])}"' in content
        assert default.title_en in content
    # and the published voices, each marked with its own language; never the retired one
    assert '<blockquote lang="es">Aprendí a escuchar a los niños de otra manera.</blockquote>' in content
    assert '<blockquote lang="en">Our director changed the suspension policy.</blockquote>' in content
    assert "withdrawn" not in content
    # and a discreet way in for staff
    assert f'href="{reverse("account_login")}"' in content


def test_the_home_lists_the_six_newest_resources_in_the_visitors_language(client, world):
    # given eight published English resources of different ages, a Spanish one and an unpublished suggestion
    now = timezone.now()
    english = [ResourceFactory(network=world.network, title=f"Tip sheet {n}", published_at=now - timedelta(days=n))
               for n in range(8)]
    spanish = translation_of(english[0], title="Hoja de consejos en español")
    ResourceFactory(network=world.network, suggested=True, title="A suggestion nobody has reviewed")
    ResourceFactory(network=world.other_network, title="Another network's resource")
    # when visitors open the home in English and in Spanish
    in_english = client.get("/?lang=en").context["resources"]
    in_spanish = Client().get("/?lang=es").context["resources"]
    # then the six newest published ones in their language, newest first
    assert [r.title for r in in_english] == [f"Tip sheet {n}" for n in range(6)]
    assert [r.title for r in in_spanish] == [spanish.title]


def test_the_home_links_each_resource_with_its_language(client, world):
    # given a Spanish resource only
    resource = ResourceFactory(network=world.network, language="es", title="Los berrinches")
    # when an English-speaking visitor opens the home
    content = client.get("/?lang=en").content.decode()
    # then the resource is offered (no English ones yet) and marked as Spanish
    assert f'<li lang="es">\n      <a href="{resource.get_absolute_url()}">Los berrinches</a>' in content


def test_a_signed_in_person_gets_the_dashboard_at_the_front_page(client, world):
    # given a signed-in consultant
    client.force_login(world.people["consultant"])
    # when they open "/"
    response = client.get("/")
    # then it is their dashboard, with their navigation instead of the site menu
    assert response.status_code == 200
    assert response.context["dashboard"].role_label == "Consultant"
    assert 'aria-label="Site"' not in response.content.decode()


def test_the_home_has_a_title_description_and_language_links(client, world):
    # when a visitor opens the home in Spanish
    response = client.get("/?lang=es")
    # then the page is Spanish, with a title and a description for search engines
    assert html_lang(response) == "es"
    assert title_of(response).startswith("Golden State Network")
    assert meta_description(response)
    # and it names itself and its other versions
    assert head_links(response) == {
        "canonical": "http://testserver/?lang=es",
        "en": "http://testserver/?lang=en",
        "es": "http://testserver/?lang=es",
        "x-default": "http://testserver/",
    }


# --- content pages -------------------------------------------------------------------------------------------


def test_a_page_in_english_and_in_spanish(client, world):
    # given a published page
    PageFactory(network=world.network, slug="about-us", title_en="About us", title_es="Quiénes somos",
                body_en="We **listen** first.", body_es="Primero **escuchamos**.",
                description_en="Who we are.", description_es="Quiénes somos y qué hacemos.")
    # when a visitor opens it, then asks for Spanish
    english = client.get("/site/about-us/")
    spanish = client.get("/site/about-us/?lang=es")
    # then each is in its language: lang attribute, title, description and rendered body
    assert html_lang(english) == "en"
    assert title_of(english) == "About us · Golden State Network · Abrazo"
    assert meta_description(english) == "Who we are."
    assert "<p>We <strong>listen</strong> first.</p>" in english.content.decode()
    assert html_lang(spanish) == "es"
    assert spanish["Content-Language"] == "es"
    assert title_of(spanish) == "Quiénes somos · Golden State Network · Abrazo"
    assert meta_description(spanish) == "Quiénes somos y qué hacemos."
    assert "<p>Primero <strong>escuchamos</strong>.</p>" in spanish.content.decode()
    assert head_links(spanish) == {
        "canonical": "http://testserver/site/about-us/?lang=es",
        "en": "http://testserver/site/about-us/?lang=en",
        "es": "http://testserver/site/about-us/?lang=es",
        "x-default": "http://testserver/site/about-us/",
    }


def test_the_language_asked_for_in_the_address_is_remembered(client, world):
    # given a published page
    PageFactory(network=world.network, slug="about-us", title_en="About us", title_es="Quiénes somos")
    # when a visitor opens it with ?lang=es
    first = client.get("/site/about-us/?lang=es")
    # then the language cookie remembers Spanish, like the switcher does
    assert first.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    # and their next page without the parameter is in Spanish too
    assert html_lang(client.get("/site/about-us/")) == "es"
    # and an unknown language is ignored
    assert html_lang(Client().get("/site/about-us/?lang=fr")) == "en"


def test_the_language_parameter_does_not_apply_to_staff_pages(client, world):
    # given a network administrator whose account is in English
    client.force_login(world.people["network_admin"])
    # when they open a staff page with ?lang=es
    response = client.get(reverse("site:page-list") + "?lang=es")
    # then it stays in their language, and nothing is remembered
    assert html_lang(response) == "en"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_language_switcher_returns_to_the_page_without_the_parameter(client, world):
    # given a visitor reading a page in English through ?lang=en
    PageFactory(network=world.network, slug="about-us")
    content = client.get("/site/about-us/?lang=en").content.decode()
    # then the switcher sends them back to the page's address without ?lang (which would undo their choice)
    assert '<input type="hidden" name="next" value="/site/about-us/">' in content


def test_a_description_is_made_from_the_text_when_the_editor_wrote_none(client, world):
    PageFactory(network=world.network, slug="about-us", description_en="",
                body_en="## Hello\n\nWe support **teachers**, family child care providers and families.")
    response = client.get("/site/about-us/")
    assert meta_description(response) == "Hello We support teachers, family child care providers and families."


def test_spanish_falls_back_to_english_text_marked_as_english(client, world):
    # given a page whose Spanish text is missing (an old page edited outside the form)
    PageFactory(network=world.network, slug="about-us", title_es="", body_es="", body_en="Only in English.")
    # when a Spanish-speaking visitor opens it
    content = client.get("/site/about-us/?lang=es").content.decode()
    # then the English text is shown and marked as English for screen readers
    assert '<article class="site-page" lang="en">' in content
    assert "Only in English." in content


@pytest.mark.parametrize("who", ["anonymous", "network_admin"])
def test_a_draft_is_not_found_on_the_public_site(client, world, who):
    # given a draft (editors may preview it elsewhere)
    PageFactory(network=world.network, slug="coming-soon", status=PageStatus.DRAFT)
    if who != "anonymous":
        client.force_login(world.people[who])
    # when anyone opens its public address
    response = client.get("/site/coming-soon/")
    # then it does not exist there
    assert response.status_code == 404


def test_an_unknown_address_and_another_networks_page_are_not_found(client, world):
    PageFactory(network=world.other_network, slug="elsewhere")
    assert client.get("/site/no-such-page/").status_code == 404
    assert client.get("/site/elsewhere/").status_code == 404


def test_a_script_in_a_page_body_never_reaches_the_public_page(client, world):
    # given a page whose text holds a script, a javascript: link and raw HTML
    PageFactory(network=world.network, slug="about-us",
                body_en="<script>alert(1)</script>\n\n[win a prize](javascript:alert(2))\n\n<iframe src=//evil>")
    # when a visitor opens it
    content = client.get("/site/about-us/").content.decode()
    # then none of it is live
    assert "<script>alert" not in content
    assert 'href="javascript:' not in content and "[win a prize](javascript:alert(2))" in content
    assert "<iframe" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


# --- the default pages ---------------------------------------------------------------------------------------


def test_default_pages_are_published_in_both_languages_with_working_links(client, world):
    # given a network with contact details
    world.network.contact_email = "hello@golden.example"
    world.network.contact_phone = "(555) 010-2030"
    world.network.save()
    # when its default pages are installed
    created = site_services.install_default_pages(network=world.network)
    # then every default page is published, complete in both languages
    assert [page.slug for page in created] == [default.slug for default in DEFAULT_PAGES]
    for page in created:
        assert page.status == PageStatus.PUBLISHED
        assert page.title_en and page.title_es and page.body_en and page.body_es
        assert "{" not in page.body_en + page.body_es + page.description_en + page.description_es
    by_slug = {page.slug: page for page in created}
    # and they point at the request form, the apply page and the library, and say how to reach the network
    assert f"]({reverse('intake:request-create')})" in by_slug["ask-for-help"].body_es
    assert f"]({reverse('workforce:apply-cohorts')})" in by_slug["become-a-consultant"].body_en
    assert "[hello@golden.example](mailto:hello@golden.example)" in by_slug["contact"].body_en
    assert "(555) 010-2030" in by_slug["contact"].body_es
    # and each opens on the public site in both languages
    for page in created:
        for language, title in (("en", page.title_en), ("es", page.title_es)):
            response = client.get(f"/site/{page.slug}/?lang={language}")
            assert response.status_code == 200
            assert title in response.content.decode()


def test_installing_the_default_pages_again_changes_nothing(world, django_user_model):
    # given the default pages, one of which an editor rewrote
    site_services.install_default_pages(network=world.network)
    Page.objects.filter(network=world.network, slug="equity").update(title_en="Equity, in our words")
    # when they are installed again
    created = site_services.install_default_pages(network=world.network)
    # then nothing is created or overwritten
    assert created == []
    assert Page.objects.filter(network=world.network).count() == len(DEFAULT_PAGES)
    assert Page.objects.get(network=world.network, slug="equity").title_en == "Equity, in our words"


def test_a_network_that_has_pages_does_not_get_the_defaults(client, world):
    # given a network whose editors wrote their own single page
    PageFactory(network=world.network, slug="about-us")
    # when the site is opened
    client.get("/")
    # then the defaults are not added beside it
    assert list(Page.objects.filter(network=world.network).values_list("slug", flat=True)) == ["about-us"]


# --- sitemap and robots --------------------------------------------------------------------------------------


def test_the_sitemap_lists_published_pages_and_resources_with_their_languages(client, world):
    # given a published page, a draft, a resource with its Spanish version, a suggestion, another network's page
    PageFactory(network=world.network, slug="about-us")
    PageFactory(network=world.network, slug="coming-soon", status=PageStatus.DRAFT)
    english = ResourceFactory(network=world.network, title="Big feelings")
    spanish = translation_of(english, title="Emociones fuertes")
    alone = ResourceFactory(network=world.network, title="Only in English")
    suggestion = ResourceFactory(network=world.network, suggested=True)
    PageFactory(network=world.other_network, slug="elsewhere")
    # when a search engine reads the sitemap
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own output, parsed to read it back
    entries = {
        url.find(f"{SITEMAP}loc").text: {link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")}
        for url in root.findall(f"{SITEMAP}url")
    }
    base = "http://testserver"
    # then the home and the page are there in each language, each naming the other versions
    page_versions = {"en": f"{base}/site/about-us/?lang=en", "es": f"{base}/site/about-us/?lang=es",
                     "x-default": f"{base}/site/about-us/"}
    assert entries[f"{base}/site/about-us/?lang=en"] == page_versions
    assert entries[f"{base}/site/about-us/?lang=es"] == page_versions
    assert entries[f"{base}/?lang=es"]["x-default"] == f"{base}/"
    # and each published resource, with its translation as its alternate
    resource_versions = {"en": base + english.get_absolute_url(), "es": base + spanish.get_absolute_url()}
    assert entries[base + english.get_absolute_url()] == resource_versions
    assert entries[base + spanish.get_absolute_url()] == resource_versions
    assert entries[base + alone.get_absolute_url()] == {}
    # and nothing unpublished or of another network
    locations = "\n".join(entries)
    assert "coming-soon" not in locations
    assert "elsewhere" not in locations
    assert suggestion.get_absolute_url() not in locations
    assert len(entries) == 2 + 2 + 3


def test_robots_allows_the_public_site_and_keeps_crawlers_out_of_staff_areas(client, world):
    response = client.get("/robots.txt")
    lines = response.content.decode().splitlines()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    assert "Allow: /requests/new/" in lines
    assert "Allow: /workforce/applications/apply/" in lines
    for private in ("/episodes/", "/children/", "/audit/", "/admin/", "/site/manage/", "/library/curation/"):
        assert f"Disallow: {private}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    # and crawlers that ask with HEAD first get an answer too
    assert [client.head(url).status_code for url in ("/robots.txt", "/sitemap.xml", "/")] == [200, 200, 200]

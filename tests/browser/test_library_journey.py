"""The resource library in a browser (issue 7's quality bar): a visitor with no account, on a phone, switches the
public site to Spanish, searches "berrinches" (finding "berrinche" too, the matches marked), keeps the resources
for families, opens one (offered in English as well) and suggests a new one through the public form, after one
mistake; a regional coordinator, signed in with a password and an authenticator code, finds the suggestion in the
queue, adds a summary and a topic, and publishes it; the visitor then finds it in the library, with who chose it
and when.

Every page is checked with axe-core, and every public page must come with a Content-Security-Policy that keeps
scripts to this site, load nothing from another site, and have nothing refused by the browser.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from abrazo.accounts.tests.factories import TOTP_SECRET, give_totp
from abrazo.library import site_services
from abrazo.library.models import Audience, Resource, ResourceKind, ResourceStatus
from tests.browser.conftest import Pages
from tests.browser.library_pages import (
    PHONE,
    Watch,
    library_for,
    spanish,
    spanish_date,
    spanish_label,
    spanish_plural,
    third_party_or_inline_scripts,
)
from tests.browser.test_coordinator_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SUGGESTED_TITLE = "Berrinches en el supermercado: una guía práctica"
SUGGESTED_URL = "https://recursos.example.org/berrinches-supermercado"
SUGGESTER, SUGGESTER_EMAIL = "Rosa Martínez", "rosa.martinez@example.org"
NOTE = "La usamos en nuestro grupo de madres y padres: funcionó muy bien."
SUMMARY = "Ideas para prevenir y acompañar los berrinches cuando salimos de compras con niños pequeños."


def results(page: Any) -> Any:
    return page.locator("ol.results > li.result")


def result_titles(page: Any) -> list[str]:
    return [title.strip() for title in results(page).locator("h3.result__title").all_inner_texts()]


def result_card(page: Any, title: str) -> Any:
    return results(page).filter(has=page.get_by_role("link", name=title, exact=True))


def search_for(page: Any, words: str) -> None:
    box = page.get_by_role("searchbox", name=spanish("Search the library"))
    box.fill(words)
    page.locator("form.library-search").get_by_role("button", name=spanish("Search"), exact=True).click()
    page.wait_for_load_state()


def audience_option(page: Any, audience: Any) -> Any:
    """The label of one choice of the "For" facet (its checkbox, its name and its count)."""
    facet = page.locator("fieldset.facet").filter(has=page.locator("legend", has_text=spanish("For")))
    return facet.locator("label").filter(has_text=spanish_label(audience))


def check_public_page(pages: Pages, label: str, watch: Watch) -> None:
    """axe-core, a screenshot, and nothing that runs here but this site's own script files."""
    pages.visit_step(label)
    assert third_party_or_inline_scripts(pages.page, watch.origin) == []


def test_visitor_finds_and_suggests_in_spanish_and_a_curator_publishes(live_server, browser, page, pages, world):
    network = world.network
    site_services.install_default_pages(network=network)
    library = library_for(network)
    coordinator = world.people["regional_coordinator"]
    coordinator.authenticator_set.all().delete()
    give_totp(coordinator, TOTP_SECRET)
    mail.outbox.clear()
    families, providers = spanish_label(Audience.FAMILIES), spanish_label(Audience.PROVIDERS)

    phone = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    watch = Watch(origin=live_server.url).attach(phone)
    try:
        visitor = phone.new_page()
        visitor.set_default_timeout(15_000)
        visitor_pages = Pages(visitor, "test_library_journey_visitor")

        # --- the visitor, on a phone, in Spanish -------------------------------------------------------------
        # given the public home page, in the browser's English
        visitor.goto(live_server.url + "/")
        assert visitor.locator("html").get_attribute("lang") == "en"
        check_public_page(visitor_pages, "home-en", watch)
        # when they switch to Spanish with the language switcher
        visitor.get_by_role("button", name="Español").click()
        visitor.wait_for_load_state()
        # then the home page is in Spanish
        assert visitor.url == live_server.url + "/"
        assert visitor.locator("html").get_attribute("lang") == "es"
        assert visitor.get_by_role("heading", level=1).inner_text() == spanish(
            "Support for the adults who care for young children")
        check_public_page(visitor_pages, "home-es", watch)

        # when they go to the library
        visitor.get_by_role("link", name=spanish("Find resources")).click()
        visitor.wait_for_load_state()
        assert visitor.url == live_server.url + reverse("library:resource-list")
        assert visitor.locator("html").get_attribute("lang") == "es"
        assert visitor.get_by_role("heading", level=1).inner_text() == spanish("Resource library")
        check_public_page(visitor_pages, "library-es", watch)

        # and search "berrinches"
        search_for(visitor, "berrinches")
        # then the three Spanish resources about tantrums are found, "berrinche" (singular) too, and nothing else
        assert sorted(result_titles(visitor)) == sorted([library.tantrums_es.title, library.corner_es.title,
                                                         library.singular_es.title])
        assert visitor.locator("#results-title").inner_text() == spanish_plural(
            "%(counter)s resource found", "%(counter)s resources found", 3)
        # with the words that matched marked, in the titles and the summaries
        singular = result_card(visitor, library.singular_es.title)
        assert singular.locator(".result__title mark").all_inner_texts() == ["berrinche"]
        assert result_card(visitor, library.tantrums_es.title).locator(".result__title mark").all_inner_texts() == [
            "Berrinches"]
        corner = result_card(visitor, library.corner_es.title)
        assert corner.locator(".result__title mark").count() == 0
        assert corner.locator(".result__summary mark").all_inner_texts() == ["berrinches"]
        # and the Spanish versions offer their English ones
        also = result_card(visitor, library.tantrums_es.title).locator(".result__also a")
        assert also.get_attribute("hreflang") == "en"
        assert also.get_attribute("href") == library.tantrums_en.get_absolute_url()
        check_public_page(visitor_pages, "search-es", watch)

        # when they open the filters (folded away on a phone): two for families, one for providers
        visitor.locator("details.facets > summary").click()
        assert audience_option(visitor, Audience.FAMILIES).locator(".facet__count").inner_text() == "2"
        assert audience_option(visitor, Audience.PROVIDERS).locator(".facet__count").inner_text() == "1"
        check_public_page(visitor_pages, "filters-es", watch)
        # and keep only the resources for families
        audience_option(visitor, Audience.FAMILIES).locator("input[type=checkbox]").check()
        visitor.get_by_role("button", name=spanish("Show results")).click()
        visitor.wait_for_load_state()
        # then the one for providers is gone, the search is kept, and the choices are listed to be removed
        assert "q=berrinches" in visitor.url and "audience=families" in visitor.url
        assert visitor.get_by_role("searchbox", name=spanish("Search the library")).input_value() == "berrinches"
        assert sorted(result_titles(visitor)) == sorted([library.tantrums_es.title, library.singular_es.title])
        assert visitor.locator("#results-title").inner_text() == spanish_plural(
            "%(counter)s resource found", "%(counter)s resources found", 2)
        chosen = visitor.get_by_role("list", name=spanish("Your choices")).inner_text()
        assert "berrinches" in chosen and families in chosen
        visitor.locator("details.facets > summary").click()
        assert audience_option(visitor, Audience.FAMILIES).locator("input[type=checkbox]").is_checked()
        assert audience_option(visitor, Audience.FAMILIES).locator(".facet__count").inner_text() == "2"
        assert providers in audience_option(visitor, Audience.PROVIDERS).inner_text()  # still offered, with its 1
        check_public_page(visitor_pages, "families-es", watch)

        # when they open the tip sheet on tantrums
        visitor.get_by_role("link", name=library.tantrums_es.title, exact=True).click()
        visitor.wait_for_load_state()
        # then it is shown in Spanish, for families, with its English version offered
        assert visitor.url == live_server.url + library.tantrums_es.get_absolute_url()
        assert visitor.locator("html").get_attribute("lang") == "es"
        assert visitor.get_by_role("heading", level=1).inner_text() == library.tantrums_es.title
        assert visitor.locator("#resource-title").get_attribute("lang") is None  # the page's own language
        facts = visitor.locator("article.resource dl.facts").inner_text()
        assert families in facts and "Conducta desafiante" in facts and "Emociones fuertes" in facts
        english = visitor.locator(".resource__also a[hreflang=en]")
        assert english.get_attribute("lang") == "en"
        assert english.get_attribute("href") == library.tantrums_en.get_absolute_url()
        check_public_page(visitor_pages, "resource-es", watch)
        # and the English version, one tap away, says what it is in English inside the Spanish page
        english.click()
        visitor.wait_for_load_state()
        assert visitor.locator("#resource-title").inner_text() == library.tantrums_en.title
        assert visitor.locator("#resource-title").get_attribute("lang") == "en"
        assert visitor.locator("html").get_attribute("lang") == "es"
        check_public_page(visitor_pages, "resource-en-version", watch)
        visitor.go_back()
        visitor.wait_for_load_state()

        # --- the visitor suggests a resource -----------------------------------------------------------------
        # when they follow the page's invitation to suggest one
        visitor.locator(".library__suggest").get_by_role("link", name=spanish("Suggest a resource")).click()
        visitor.wait_for_load_state()
        assert visitor.url == live_server.url + reverse("library:suggest-for-network", args=[network.slug])
        assert visitor.get_by_role("heading", level=1).inner_text() == spanish("Suggest a resource")
        # the resource's language is the page's, already chosen
        assert visitor.locator("#id_language").input_value() == "es"
        check_public_page(visitor_pages, "suggest-es", watch)

        # and send it in Spanish with the title forgotten
        form = visitor.locator("main form.form")
        form.locator("#id_url").fill(SUGGESTED_URL)
        form.locator("#id_kind").select_option(ResourceKind.TIP_SHEET)
        form.locator("input[name=audiences][value=families]").check()
        form.get_by_label("Conducta desafiante").check()
        form.locator("#id_note").fill(NOTE)
        form.locator("#id_name").fill(SUGGESTER)
        form.locator("#id_email").fill(SUGGESTER_EMAIL)
        form.get_by_role("button", name=spanish("Send my suggestion")).click()
        visitor.wait_for_load_state()
        # then they are told in Spanish what is missing, and everything they typed is kept
        title_field = visitor.locator("#field-title")
        assert "Este campo es obligatorio." in title_field.inner_text()
        assert visitor.locator("#form-problems").get_by_role("link").all_inner_texts() == [
            f"{spanish('Title')}: Este campo es obligatorio."]
        assert visitor.locator("#id_url").input_value() == SUGGESTED_URL
        assert visitor.locator("#id_kind").input_value() == ResourceKind.TIP_SHEET
        assert visitor.locator("input[name=audiences][value=families]").is_checked()
        assert visitor.get_by_label("Conducta desafiante").is_checked()
        assert visitor.locator("#id_note").input_value() == NOTE
        assert (visitor.locator("#id_name").input_value(), visitor.locator("#id_email").input_value()) == (
            SUGGESTER, SUGGESTER_EMAIL)
        assert Resource.objects.filter(status=ResourceStatus.SUGGESTED).count() == 0
        check_public_page(visitor_pages, "suggest-error-es", watch)

        # when they give the title and send it again
        visitor.locator("#id_title").fill(SUGGESTED_TITLE)
        visitor.get_by_role("button", name=spanish("Send my suggestion")).click()
        visitor.wait_for_load_state()
        # then they are thanked in Spanish, with the title and the address the confirmation goes to
        assert visitor.url == live_server.url + reverse("library:suggest-thanks")
        assert visitor.locator("html").get_attribute("lang") == "es"
        assert visitor.get_by_role("heading", level=1).inner_text() == spanish("Thank you for your suggestion")
        received = visitor.locator("main section.card").inner_text()
        assert spanish("“%(title)s” is waiting for review by the staff of %(network)s.",
                       title=SUGGESTED_TITLE, network=network.name) in received
        assert SUGGESTER_EMAIL in received
        check_public_page(visitor_pages, "thanks-es", watch)

        # and the suggestion waits for review, in Spanish, with the sender's details kept for the staff only
        suggestion = Resource.objects.get(status=ResourceStatus.SUGGESTED)
        assert (suggestion.network_id, suggestion.title, suggestion.url, suggestion.language) == (
            network.pk, SUGGESTED_TITLE, SUGGESTED_URL, "es")
        assert (suggestion.suggested_by_name, suggestion.suggested_by_email, suggestion.suggestion_note) == (
            SUGGESTER, SUGGESTER_EMAIL, NOTE)
        assert list(suggestion.topics.all()) == [library.behavior]
        assert suggestion.audiences == [Audience.FAMILIES]
        # and a confirmation went to the sender, in Spanish
        [confirmation] = [message for message in mail.outbox if SUGGESTER_EMAIL in message.to]
        assert confirmation.extra_headers["Content-Language"] == "es"
        mail.outbox.clear()

        # --- a regional coordinator curates it ---------------------------------------------------------------
        # given the coordinator signed in with a password and an authenticator code
        sign_in(page, live_server.url, coordinator.email, TOTP_SECRET)
        page.wait_for_url(re.compile(r"^(?!.*/accounts/).*$"))
        # when they open the library's curation from the menu
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Library curation").click()
        page.wait_for_load_state()
        assert page.url == live_server.url + reverse("library:curation-queue")
        # then the suggestion waits there, with who sent it
        queue = page.get_by_role("table", name="Waiting for a decision")
        row = queue.get_by_role("row").filter(has_text=SUGGESTED_TITLE)
        assert SUGGESTER in row.inner_text() and SUGGESTER_EMAIL in row.inner_text()
        pages.visit_step("queue")

        # when they edit it: a summary for visitors, a second topic, the source
        # "Edit", then the title for screen readers (Chromium puts a space before the hidden part's colon)
        row.get_by_role("link", name=re.compile(rf"^Edit\W+{re.escape(SUGGESTED_TITLE)}$")).click()
        page.wait_for_load_state()
        assert page.url == live_server.url + reverse("library:curation-resource-edit", args=[suggestion.pk])
        assert NOTE in page.locator("main").inner_text()  # why the visitor recommends it
        pages.visit_step("edit")
        editor = page.locator("main form.form")
        editor.get_by_label("Summary").fill(SUMMARY)
        editor.get_by_label("Source organization").fill("Centro Familiar del Valle")
        editor.get_by_label("Big feelings").check()
        editor.get_by_role("button", name="Save changes").click()
        page.wait_for_load_state()
        assert page.get_by_text("Your changes were saved.").is_visible()
        pages.visit_step("edited")

        # and review it and publish it, telling the sender
        page.locator(".button-group").get_by_role("link", name="Review and publish").click()
        page.wait_for_load_state()
        assert page.url == live_server.url + reverse("library:curation-resource-approve", args=[suggestion.pk])
        assert page.get_by_label("Summary").input_value() == SUMMARY
        assert page.get_by_label("Tell the person who suggested it, by email").is_checked()
        pages.visit_step("approve")
        page.get_by_role("button", name="Publish", exact=True).click()
        page.wait_for_load_state()
        # then it is published, curated by them today, and the queue is empty
        assert page.url == live_server.url + reverse("library:curation-queue")
        assert page.get_by_text(f"“{SUGGESTED_TITLE}” is published.").is_visible()
        assert page.get_by_text("No suggestion is waiting.").is_visible()
        pages.visit_step("queue-empty")
        suggestion.refresh_from_db()
        assert (suggestion.status, suggestion.curated_by_id, suggestion.summary) == (
            ResourceStatus.PUBLISHED, coordinator.pk, SUMMARY)
        assert {topic.key for topic in suggestion.topics.all()} == {"challenging-behavior", "big-feelings"}
        curated_on = timezone.localtime(suggestion.curated_at).date()
        assert curated_on == timezone.localdate()
        # and the sender was told, in Spanish, with the link to it
        [published] = [message for message in mail.outbox if SUGGESTER_EMAIL in message.to]
        assert published.extra_headers["Content-Language"] == "es"
        assert suggestion.get_absolute_url() in published.body

        # --- the visitor finds it --------------------------------------------------------------------------
        # when the visitor, still in Spanish, goes back to the library and searches for it
        visitor.goto(live_server.url + reverse("library:resource-list"))
        assert visitor.locator("html").get_attribute("lang") == "es"
        search_for(visitor, "supermercado")
        # then it is found, marked, with its summary
        assert result_titles(visitor) == [SUGGESTED_TITLE]
        card = result_card(visitor, SUGGESTED_TITLE)
        assert card.locator(".result__title mark").all_inner_texts() == ["supermercado"]
        assert SUMMARY in card.locator(".result__summary").inner_text()
        check_public_page(visitor_pages, "found-es", watch)
        # and among the resources for families about tantrums, too
        search_for(visitor, "berrinches")
        visitor.locator("details.facets > summary").click()
        audience_option(visitor, Audience.FAMILIES).locator("input[type=checkbox]").check()
        visitor.get_by_role("button", name=spanish("Show results")).click()
        visitor.wait_for_load_state()
        assert SUGGESTED_TITLE in result_titles(visitor) and len(result_titles(visitor)) == 3

        # when they open it
        visitor.get_by_role("link", name=SUGGESTED_TITLE, exact=True).click()
        visitor.wait_for_load_state()
        # then it shows who chose it and when, in Spanish, and nothing about who suggested it
        assert visitor.get_by_role("heading", level=1).inner_text() == SUGGESTED_TITLE
        facts = visitor.locator("article.resource dl.facts")
        chosen_row = facts.locator("dt", has_text=spanish("Chosen")).locator("xpath=following-sibling::dd[1]")
        assert chosen_row.inner_text() == spanish("by %(name)s, %(date)s", name=coordinator.full_name,
                                                  date=spanish_date(curated_on))
        assert "Centro Familiar del Valle" in facts.inner_text()
        main = visitor.locator("main").inner_text()
        assert SUGGESTER not in main and SUGGESTER_EMAIL not in main and NOTE not in main
        assert visitor.get_by_role("link", name=re.compile("Centro Familiar del Valle")).get_attribute(
            "href") == SUGGESTED_URL
        check_public_page(visitor_pages, "published-es", watch)
    finally:
        phone.close()

    # --- what the public pages carried ------------------------------------------------------------------------
    # every page the visitor opened came with the Content-Security-Policy, nothing came from another site, and
    # the browser refused nothing
    assert len(watch.documents) >= 15
    assert watch.pages_without_policy() == []
    assert watch.foreign_requests() == []
    assert watch.refusals == []

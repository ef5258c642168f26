"""The public site in a real browser, under the real Content-Security-Policy: a visitor on a phone reads the home
page, opens a page from the menu and switches to Spanish; an administrator edits a page with the preview and the
visitor sees the change. The browser must report no blocked script or style and no header error on the way, and
every page is checked with axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from abrazo.accounts.tests.factories import TOTP_SECRET, give_totp
from abrazo.library import site_services
from abrazo.library.tests.factories_resource import ResourceFactory
from abrazo.workforce.tests.factories_feedback import VoiceFactory
from tests.browser.test_coordinator_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def header_or_policy_errors(page: Any) -> list[str]:
    """Collect what the browser says about refused content (CSP) or a header it did not understand."""
    found: list[str] = []

    def listen(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Permissions-Policy" in text or "Refused to" in text:
            found.append(text)

    page.on("console", listen)
    return found


def test_a_visitor_on_a_phone_reads_the_site_in_english_and_spanish(live_server, page, pages, world):
    # given a network with its default pages, a voice from the field and a resource
    site_services.install_default_pages(network=world.network)
    VoiceFactory(network=world.network, language="es", text="Ahora entiendo lo que el niño me quiere decir.",
                 attribution="una proveedora de cuidado infantil familiar")
    ResourceFactory(network=world.network, title="Calm-down corner: a tip sheet")
    errors = header_or_policy_errors(page)
    page.set_viewport_size(PHONE)

    # when a visitor opens the front page
    page.goto(live_server.url + "/")
    # then they see the welcome, the calls to action, a voice and the new resource
    assert page.get_by_role("heading", level=1).inner_text() == "Support for the adults who care for young children"
    assert page.get_by_role("link", name="Ask for consultation").first.is_visible()
    assert page.locator('blockquote[lang="es"]').inner_text() == "Ahora entiendo lo que el niño me quiere decir."
    assert page.get_by_role("link", name="Calm-down corner: a tip sheet").is_visible()
    pages.visit_step("home-phone")

    # when they open the menu (collapsed on a phone) and choose the equity page
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.click()
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Our commitment to equity").click()
    # then the page opens in English
    page.wait_for_url("**/site/equity/")
    assert page.get_by_role("heading", level=1).inner_text() == "Our commitment to equity"
    assert page.locator("html").get_attribute("lang") == "en"
    pages.visit_step("equity-en")

    # when they switch to Spanish
    page.get_by_role("button", name="Español").click()
    # then the same page is in Spanish, and stays so on the next page
    page.get_by_role("heading", level=1, name="Nuestro compromiso con la equidad").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    pages.visit_step("equity-es")
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator(".site-pages").get_by_role("link", name="Qué es la consultoría").is_visible()

    # when a link shared in English is opened (?lang=en)
    page.goto(live_server.url + "/site/contact/?lang=en")
    # then it is English, whatever the visitor chose before
    assert page.get_by_role("heading", level=1).inner_text() == "Contact us"
    pages.visit_step("contact-en")

    # and the browser refused nothing and understood every header
    assert errors == []


def test_an_administrator_previews_an_edit_and_the_public_sees_it(live_server, page, pages, world):
    # given the network's administrator with an authenticator app, and the default pages
    admin = world.people["network_admin"]
    admin.authenticator_set.all().delete()
    give_totp(admin, TOTP_SECRET)
    site_services.install_default_pages(network=world.network)
    errors = header_or_policy_errors(page)
    sign_in(page, live_server.url, admin.email, TOTP_SECRET)
    page.wait_for_url(live_server.url + "/")
    pages.visit_step("dashboard")

    # when they open Site pages and edit the contact page
    page.get_by_role("link", name="Site pages").click()
    pages.visit_step("site-pages")
    page.get_by_role("link", name="Edit Contact us").click()
    page.get_by_label("Text in English").fill("Call us on **Tuesdays**.\n\n| Day | Hours |\n|---|---:|\n| Tue | 9-5 |")
    page.get_by_label("Text in Spanish").fill("Llámenos los **martes**.")
    page.get_by_role("button", name="Preview").click()
    # then both languages are shown as the site will show them, and nothing is saved yet
    preview = page.locator(".site-preview")
    preview.locator("strong", has_text="Tuesdays").wait_for()
    assert preview.locator('[lang="es"] strong').inner_text() == "martes"
    assert preview.locator("td.align-right").inner_text() == "9-5"
    pages.visit_step("preview")

    # when they save
    page.get_by_role("button", name="Save").click()
    page.get_by_text("The page was saved.").wait_for()

    # then a visitor sees the new text
    visitor = page.context.browser.new_context(locale="en-US")
    public = visitor.new_page()
    public.goto(live_server.url + "/site/contact/")
    assert public.locator(".prose strong").inner_text() == "Tuesdays"
    visitor.close()
    assert errors == []

"""Security headers on every response, and public pages that carry nothing from another site: no tracking script,
no inline script or style the Content-Security-Policy would refuse."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from abrazo.core.security_headers import CONTENT_SECURITY_POLICY
from abrazo.library.tests.factories_resource import ResourceFactory
from abrazo.library.tests.factories_site import PageFactory
from abrazo.workforce.tests.factories_feedback import VoiceFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@pytest.fixture
def public_urls(world) -> list[str]:
    """Every kind of public page there is, with something on it."""
    PageFactory(network=world.network, slug="about-us", body_en="Read [the guide](https://example.org/guide).")
    resource = ResourceFactory(network=world.network, title="Big feelings")
    VoiceFactory(network=world.network)
    return [
        "/", "/?lang=es", "/site/about-us/", "/site/about-us/?lang=es", "/sitemap.xml", "/robots.txt",
        reverse("intake:request-create"), reverse("library:resource-list"), resource.get_absolute_url(),
        reverse("library:suggest"), reverse("workforce:apply-cohorts"), reverse("workforce:voices"),
        reverse("account_login"),
    ]


class PageParts(HTMLParser):
    """The scripts, style attributes and event-handler attributes of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.script_sources: list[str] = []
        self.inline_scripts: list[str] = []
        self.style_attributes: list[str] = []
        self.handlers: list[str] = []
        self.style_elements = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            if values.get("src"):
                self.script_sources.append(str(values["src"]))
            elif values.get("type") != "application/json":  # a data block, never run
                self._in_script = True
                self.inline_scripts.append("")
        if tag == "style":
            self.style_elements += 1
        for name, value in attrs:
            if name == "style":
                self.style_attributes.append(f"<{tag} style={value!r}>")
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def parts_of(content: str) -> PageParts:
    parser = PageParts()
    parser.feed(content)
    return parser


def test_every_public_page_sends_the_security_headers(client, public_urls):
    for url in public_urls:
        # when a visitor opens the page
        response = client.get(url)
        # then it answers, with every header
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert "script-src 'self';" in response["Content-Security-Policy"]
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
        for name, value in EXPECTED.items():
            assert response[name] == value, (url, name)


def test_public_pages_load_scripts_from_this_site_only_and_nothing_inline(client, public_urls):
    for url in public_urls:
        response = client.get(url)
        if not response["Content-Type"].startswith("text/html"):
            continue
        parts = parts_of(response.content.decode())
        # then every script is one of ours (no tracker, no CDN), and none is inline
        assert parts.script_sources, url
        assert all(src.startswith("/static/") for src in parts.script_sources), (url, parts.script_sources)
        assert parts.inline_scripts == [], url
        # and no inline style or event handler that the policy would refuse
        assert parts.style_attributes == [], (url, parts.style_attributes)
        assert parts.handlers == [], (url, parts.handlers)
        assert parts.style_elements == 0, url
        # and htmx is told not to inject its own style element
        assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in response.content.decode()


def test_staff_pages_static_files_and_errors_send_the_headers_too(world):
    # given a signed-in administrator
    client = Client()
    client.force_login(world.people["network_admin"])
    responses = {
        "dashboard": client.get("/"),
        "editor": client.get(reverse("site:page-list")),
        "static": client.get("/static/abrazo/abrazo.css"),
        "not found": client.get("/site/no-such-page/"),
    }
    for label, response in responses.items():
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, label
        assert response["Cross-Origin-Resource-Policy"] == "same-origin", label
    assert responses["static"].status_code == 200
    assert responses["not found"].status_code == 404


def test_staff_pages_have_no_inline_script_or_style(world):
    page = PageFactory(network=world.network, slug="about-us")
    client = Client()
    client.force_login(world.people["network_admin"])
    for url in ("/", reverse("site:page-list"), reverse("site:page-new"), reverse("site:page-edit", args=[page.pk]),
                reverse("site:page-preview", args=[page.pk])):
        parts = parts_of(client.get(url).content.decode())
        assert (parts.inline_scripts, parts.style_attributes, parts.handlers) == ([], [], []), url


def test_a_view_may_set_its_own_policy(rf):
    from django.http import HttpResponse

    from abrazo.core.security_headers import SecurityHeadersMiddleware

    def view(request):
        response = HttpResponse("ok")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = SecurityHeadersMiddleware(view)(rf.get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Permissions-Policy"]


@override_settings(DEBUG=True)
def test_djangos_debug_error_pages_stay_readable_in_development(rf):
    from django.http import HttpResponseNotFound

    from abrazo.core.security_headers import SecurityHeadersMiddleware

    response = SecurityHeadersMiddleware(lambda request: HttpResponseNotFound("technical page"))(rf.get("/"))
    assert "Content-Security-Policy" not in response
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_the_home_page_names_no_other_site(client, world):
    # given the front page of a network with pages
    content = client.get("/").content.decode()
    # then every src and stylesheet is on this site
    sources = re.findall(r'\s(?:src|href)="([^"]+)"', content)
    external = [s for s in sources if s.startswith(("http://", "https://", "//")) and "testserver" not in s]
    assert external == []

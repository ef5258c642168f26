"""The links in the emails to people who suggest resources: full addresses that open in the email's language when
SITE_URL is set; no half-link (a bare path) when it is not."""

from __future__ import annotations

import pytest
from django.core import mail

from abrazo.library import resource_services as services
from abrazo.library.tests.factories_resource import ResourceFactory

pytestmark = pytest.mark.django_db


def publish_suggestion(world, capture, *, language: str = "es") -> tuple[str, str]:
    """Approve a suggestion sent from the site in `language`: its page's path, and the email its sender gets."""
    suggestion = ResourceFactory(network=world.network, suggested=True, suggester_language=language,
                                 suggested_by_email="ana@example.org", summary="")
    with capture(execute=True):
        services.resource_approve(actor=world.people["network_admin"], resource=suggestion,
                                  expected_version=suggestion.version, summary="Un video corto.")
    assert [message.to for message in mail.outbox] == [["ana@example.org"]]
    return suggestion.get_absolute_url(), mail.outbox[0].body


def test_the_published_email_links_to_the_resource_page_in_the_suggester_s_language(
        world, settings, django_capture_on_commit_callbacks):
    # given a deployment whose address is set (with a trailing slash, as people write it)
    settings.ABRAZO_SITE_URL = "https://abrazo.example.org/"
    # when a suggestion sent from the Spanish site is published
    path, body = publish_suggestion(world, django_capture_on_commit_callbacks)
    # then the email gives the resource's full address, opening in Spanish
    assert f"https://abrazo.example.org{path}?lang=es" in body
    assert "//library" not in body


def test_without_site_url_the_email_gives_no_half_link(world, settings, django_capture_on_commit_callbacks):
    settings.ABRAZO_SITE_URL = ""
    path, body = publish_suggestion(world, django_capture_on_commit_callbacks, language="en")
    assert "Good news" in body
    assert path not in body and "You can find it here" not in body


def test_the_acknowledgement_links_to_the_suggestion_form(world, settings, django_capture_on_commit_callbacks):
    settings.ABRAZO_SITE_URL = "https://abrazo.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_suggest(network=world.network, language="en", data=services.SuggestionData(
            title="Calm corners", url="https://example.org/calm", kind="tip_sheet", language="en",
            email="ana@example.org"))
    assert "You can suggest another resource at https://abrazo.example.org/library/suggest/?lang=en" in (
        mail.outbox[0].body)

"""Abrazo's own system checks: a deployment without SITE_URL is warned that its emails' links are incomplete."""

from __future__ import annotations

from django.core import checks

from abrazo.core.checks import check_site_url


def test_a_deployment_without_site_url_is_warned(settings):
    # given a deployment (DEBUG off) that did not set SITE_URL
    settings.DEBUG = False
    settings.ABRAZO_SITE_URL = ""
    # when the checks run
    found = check_site_url()
    # then one warning says what goes wrong and how to fix it
    assert [(message.level, message.id) for message in found] == [(checks.WARNING, "abrazo.W001")]
    assert "links in the emails" in found[0].msg
    assert "SITE_URL" in found[0].hint


def test_the_warning_is_registered_with_django_s_checks(settings):
    settings.DEBUG = False
    settings.ABRAZO_SITE_URL = "  "
    assert "abrazo.W001" in [message.id for message in checks.run_checks(tags=["abrazo"])]


def test_no_warning_with_site_url_or_in_development(settings):
    settings.DEBUG = False
    settings.ABRAZO_SITE_URL = "https://abrazo.example.org"
    assert check_site_url() == []
    settings.DEBUG = True
    settings.ABRAZO_SITE_URL = ""
    assert check_site_url() == []

"""A regional coordinator's first visit: sign in with TOTP, switch to Spanish, open and edit a
program in their region, sign out. Every page is checked with axe-core in both languages."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from django.urls import reverse

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import TOTP_SECRET, give_totp, make_person
from abrazo.directory.models import Program

SECRET = TOTP_SECRET
SIGN_IN = re.compile(r"^\s*sign in\s*$", re.IGNORECASE)
PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Any, base_url: str, email: str, secret: str) -> None:
    page.goto(base_url + reverse("account_login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url("**/2fa/authenticate/**")
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name=SIGN_IN).click()


def test_coordinator_signs_in_switches_to_spanish_edits_a_program_and_signs_out(live_server, page, pages, world):
    # given a coordinator of the Central Valley region with an authenticator app
    coordinator = world.people["regional_coordinator"]
    coordinator.authenticator_set.all().delete()
    give_totp(coordinator, SECRET)

    # when they sign in with their password and a TOTP code
    page.goto(live_server.url + reverse("account_login"))
    pages.visit_step("login-en")
    sign_in(page, live_server.url, coordinator.email, SECRET)

    # then they land on their dashboard
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", level=1).is_visible()
    pages.visit_step("dashboard-en")

    # when they switch to Spanish
    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    pages.visit_step("dashboard-es")

    # and open the programs list and their region's program
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Programas").click()
    pages.visit_step("programs-es")
    page.get_by_role("link", name="Sunrise Center").click()
    page.wait_for_url(f"**{world.program_a.get_absolute_url()}")
    pages.visit_step("program-es")

    # and edit it
    page.get_by_role("link", name="Editar").first.click()
    pages.visit_step("program-edit-es")
    page.get_by_label("Nombre", exact=True).fill("Sunrise Early Learning Center")
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(f"**{world.program_a.get_absolute_url()}")
    pages.visit_step("program-saved-es")

    # then the change is saved, and the language choice is remembered on the account
    assert Program.objects.get(pk=world.program_a.pk).name == "Sunrise Early Learning Center"
    coordinator.refresh_from_db()
    assert coordinator.preferred_language == "es"

    # when they sign out
    page.get_by_text(coordinator.get_short_name()).click()
    page.get_by_role("button", name="Cerrar sesión").click()
    page.wait_for_url("**/accounts/**")
    pages.visit_step("signed-out-es")

    # then a private page sends them back to sign in
    page.goto(live_server.url + reverse("directory:program-list"))
    assert "/accounts/login/" in page.url


def test_login_page_is_accessible_in_english_and_spanish(live_server, page, pages, db):
    # given the sign-in page in English
    page.goto(live_server.url + reverse("account_login"))
    pages.visit_step("login-en")
    # when the visitor switches to Spanish
    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()
    # then the page is in Spanish and still accessible
    assert page.locator("html").get_attribute("lang") == "es"
    pages.visit_step("login-es")


def test_staff_without_second_factor_must_set_one_up(live_server, page, pages, world):
    # given a consultant who has never set up MFA
    person = make_person(world.network, Role.EVALUATOR, mfa=False)
    # when they sign in with their password
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=SIGN_IN).click()
    # then, after confirming their password once more (adding a factor is a sensitive change),
    # they are taken to set up an authenticator before anything else
    page.wait_for_url("**/accounts/reauthenticate/**")
    pages.visit_step("reauthenticate")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("confirm", re.IGNORECASE)).click()
    page.wait_for_url("**/2fa/totp/activate/**")
    pages.visit_step("mfa-required")
    page.goto(live_server.url + reverse("directory:program-list"))
    assert "/2fa/totp/activate/" in page.url

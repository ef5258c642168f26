"""Passkeys (WebAuthn) end to end: Chromium's virtual authenticator stands in for a fingerprint reader.

The virtual authenticator is a platform authenticator ("internal" transport) that keeps resident
credentials and reports the user as verified, so every ceremony completes without a prompt; that is
what lets these journeys run headless and deterministically.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import TOTP_SECRET, make_person

PASSWORD = "correct horse battery staple"
SIGN_IN = re.compile(r"^\s*sign in\s*$", re.IGNORECASE)
CONFIRM = re.compile("confirm", re.IGNORECASE)

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class VirtualAuthenticator:
    """A handle on the authenticator Chromium simulates for one tab."""

    cdp: Any
    authenticator_id: str

    def credentials(self) -> list[dict[str, Any]]:
        result = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.authenticator_id})
        return list(result["credentials"])


@pytest.fixture
def passkey_device(page: Any, settings: Any) -> Iterator[VirtualAuthenticator]:
    # The live server is plain http://localhost; browsers treat localhost as a secure context, but
    # the WebAuthn library would still reject the origin unless allauth is told to accept it.
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    device = VirtualAuthenticator(cdp=cdp, authenticator_id=added["authenticatorId"])
    yield device
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": device.authenticator_id})
    cdp.send("WebAuthn.disable")


def sign_in_with_password(page: Any, pages: Any, base_url: str, email: str) -> None:
    page.goto(base_url + reverse("account_login"))
    pages.visit_step("login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=SIGN_IN).click()


def sign_in_with_totp(page: Any, pages: Any, base_url: str, email: str) -> None:
    sign_in_with_password(page, pages, base_url, email)
    page.wait_for_url("**/2fa/authenticate/**")
    pages.visit_step("mfa-stage")
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(TOTP_SECRET).now())
    page.get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url(base_url + "/")


def add_passkey(page: Any, pages: Any, base_url: str, name: str) -> None:
    """From the two-factor page: confirm the password, then register a passwordless passkey."""
    page.goto(base_url + reverse("mfa_index"))
    pages.visit_step("two-factor")
    page.get_by_role("link", name="Add a passkey or key").click()
    # Adding a factor is a sensitive change: allauth asks for the password again first.
    page.wait_for_url("**/accounts/reauthenticate/**")
    pages.visit_step("reauthenticate")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=CONFIRM).click()
    page.wait_for_url("**" + reverse("mfa_add_webauthn") + "**")
    pages.visit_step("add-passkey")
    page.get_by_label("Name", exact=True).fill(name)
    # Passwordless makes the key resident and demands user verification, so it can sign in alone.
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(re.compile(r".*/accounts/2fa/(recovery-codes/)?$"))
    pages.visit_step("passkey-added")


def sign_out(page: Any, pages: Any, base_url: str) -> None:
    page.goto(base_url + reverse("account_logout"))
    pages.visit_step("sign-out")
    page.get_by_role("button", name=re.compile("sign out", re.IGNORECASE)).click()
    page.wait_for_url("**" + reverse("account_login") + "**")


def test_admin_adds_a_passkey_from_the_two_factor_page(live_server, page, pages, world, passkey_device):
    # given a network admin signed in with their password and an authenticator app
    admin = world.people["network_admin"]
    sign_in_with_totp(page, pages, live_server.url, admin.email)

    # when they add a passkey named after their laptop
    add_passkey(page, pages, live_server.url, "Work laptop")

    # then the passkey is stored against their account under that name, and the device holds it
    passkeys = Authenticator.objects.filter(user=admin, type=Authenticator.Type.WEBAUTHN)
    assert passkeys.count() == 1
    assert passkeys.get().wrap().name == "Work laptop"
    assert passkeys.get().wrap().is_passwordless is True
    stored = passkey_device.credentials()
    assert len(stored) == 1
    assert stored[0]["isResidentCredential"] is True

    # and the two-factor page now counts it
    page.goto(live_server.url + reverse("mfa_index"))
    assert page.get_by_text("You have added 1 passkey or security key.").is_visible()
    pages.visit_step("two-factor-with-passkey")


def test_admin_signs_in_with_the_passkey_alone(live_server, page, pages, world, passkey_device):
    # given a network admin who added a passkey and then signed out
    admin = world.people["network_admin"]
    sign_in_with_totp(page, pages, live_server.url, admin.email)
    add_passkey(page, pages, live_server.url, "Work laptop")
    sign_out(page, pages, live_server.url)
    assert Authenticator.objects.get(user=admin, type=Authenticator.Type.WEBAUTHN).last_used_at is None

    # when they choose "Use a passkey" on the sign-in page, typing neither email nor password
    pages.visit_step("login-after-sign-out")
    page.get_by_role("button", name="Use a passkey").click()

    # then they land on their dashboard, signed in as themselves
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.get_by_text(admin.get_short_name()).first.is_visible()
    pages.visit_step("dashboard-via-passkey")
    # and it was the passkey that signed them in
    assert Authenticator.objects.get(user=admin, type=Authenticator.Type.WEBAUTHN).last_used_at is not None
    page.goto(live_server.url + reverse("directory:program-list"))
    assert page.url.startswith(live_server.url + reverse("directory:program-list"))


def test_admin_uses_the_passkey_as_second_factor_after_the_password(live_server, page, pages, world, passkey_device):
    # given a network admin who added a passkey and then signed out
    admin = world.people["network_admin"]
    sign_in_with_totp(page, pages, live_server.url, admin.email)
    add_passkey(page, pages, live_server.url, "Work laptop")
    sign_out(page, pages, live_server.url)

    # when they sign in with their password and, at the second step, pick the passkey over a code
    sign_in_with_password(page, pages, live_server.url, admin.email)
    page.wait_for_url("**/2fa/authenticate/**")
    pages.visit_step("mfa-stage-with-passkey")
    page.get_by_role("button", name="Use a passkey or security key").click()

    # then they land on their dashboard
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", level=1).is_visible()
    pages.visit_step("dashboard-via-second-factor")
    assert Authenticator.objects.get(user=admin, type=Authenticator.Type.WEBAUTHN).last_used_at is not None


def test_staff_whose_only_second_factor_is_a_passkey_is_not_sent_to_totp_setup(
    live_server, page, pages, world, passkey_device
):
    # given an evaluator with no authenticator app, who is sent to set up a second factor on first
    # sign-in and chooses a passkey instead
    person = make_person(world.network, Role.EVALUATOR, mfa=False)
    sign_in_with_password(page, pages, live_server.url, person.email)
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=CONFIRM).click()
    page.wait_for_url("**/2fa/totp/activate/**")
    pages.visit_step("mfa-required")
    page.get_by_role("link", name="Add one instead").click()
    page.wait_for_url("**" + reverse("mfa_add_webauthn") + "**")
    pages.visit_step("add-passkey")
    page.get_by_label("Name", exact=True).fill("Phone")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(re.compile(r".*/accounts/2fa/(recovery-codes/)?$"))
    pages.visit_step("passkey-added")
    assert not Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=person, type=Authenticator.Type.WEBAUTHN).exists()

    # when they open a staff page
    page.goto(live_server.url + reverse("directory:program-list"))

    # then it opens instead of the TOTP set-up page
    assert "/2fa/totp/activate/" not in page.url
    assert page.url.startswith(live_server.url + reverse("directory:program-list"))
    pages.visit_step("programs")

    # and the same holds on their next sign-in, made with the passkey alone
    sign_out(page, pages, live_server.url)
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + reverse("directory:program-list"))
    assert "/2fa/totp/activate/" not in page.url
    pages.visit_step("programs-after-passkey-sign-in")

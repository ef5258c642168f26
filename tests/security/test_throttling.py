"""Sign-in throttling (allauth's ACCOUNT_RATE_LIMITS["login_failed"]: 5 per account in 5 minutes, 20 per
address a minute) and the audit trail of failed sign-ins."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from abrazo.audit.models import AccessEvent, Action, Outcome

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
# Documentation addresses (RFC 5737): these are only strings in REMOTE_ADDR, nothing is sent anywhere.
ATTACKER = "203.0.113.7"
NEIGHBOUR = "203.0.113.8"


def attempt(client: Client, email: str, password: str, *, ip: str = ATTACKER, forwarded_for: str = "") -> Any:
    extra = {"REMOTE_ADDR": ip}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def throttled(response: Any) -> bool:
    errors = response.context["form"].non_field_errors() if response.context else []
    return response.status_code == 200 and any("too many" in str(e).lower() for e in errors)


def test_the_limits_are_configured():
    # given the settings in force
    limits = settings.ACCOUNT_RATE_LIMITS["login_failed"]
    # then failures are limited per address and per account
    assert "/ip" in limits
    assert "/key" in limits
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0
    assert settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER is None


def test_repeated_wrong_passwords_for_one_account_are_throttled(world):
    # given a consultant's account, and someone guessing its password
    user = world.people["consultant"]
    client = Client()
    # when five guesses fail
    for guess in range(5):
        response = attempt(client, user.email, f"guess number {guess}")
        assert response.status_code == 200
        assert not throttled(response)
    # then the sixth attempt is refused even with the right password (and with the address re-cased)
    response = attempt(client, user.email.upper(), PASSWORD)
    assert throttled(response)
    assert "_auth_user_id" not in client.session
    assert response.wsgi_request.path == reverse("account_login")
    # while the account's owner signing in from elsewhere is refused too: the limit is the account's
    assert throttled(attempt(Client(), user.email, PASSWORD, ip=NEIGHBOUR))


def test_every_failed_attempt_writes_an_access_event(world):
    # given someone guessing a consultant's password seven times (five failures, then two throttled)
    user = world.people["consultant"]
    client = Client()
    for guess in range(7):
        attempt(client, user.email, f"guess number {guess}")
    # then the ledger holds seven failed sign-ins with the address typed and the peer address
    events = AccessEvent.objects.filter(action=Action.LOGIN_FAILED)
    assert events.count() == 7
    assert set(events.values_list("user_email", "ip_address", "outcome")) == {(user.email, ATTACKER, Outcome.DENIED)}
    # and no password is kept anywhere in it
    assert not any("guess number" in str(value) for row in events.values() for value in row.values())


def test_a_forged_forwarded_for_header_does_not_escape_the_per_address_limit(world):
    # given someone trying twenty different accounts from one address, each time claiming to be
    # forwarded for a different client
    client = Client()
    for n in range(20):
        response = attempt(client, f"someone{n}@example.org", "wrong", forwarded_for=f"198.51.100.{n}")
        assert not throttled(response), f"throttled early, at attempt {n + 1}"
    # when they try once more with yet another forged header
    response = attempt(client, "someone-else@example.org", "wrong", forwarded_for="198.51.100.250")
    # then the address they really come from is throttled
    assert throttled(response)
    # while another address is not
    assert not throttled(attempt(Client(), "someone-else@example.org", "wrong", ip=NEIGHBOUR))
    # and the ledger records the real peer address, never the forged one
    addresses = set(AccessEvent.objects.filter(action=Action.LOGIN_FAILED).values_list("ip_address", flat=True))
    assert addresses == {ATTACKER, NEIGHBOUR}


def test_behind_a_declared_proxy_forged_hops_still_do_not_escape_the_limit(world, settings):
    # given a deployment behind one proxy of its own, which appends the real client address
    settings.ABRAZO_TRUSTED_PROXY_COUNT = 1
    proxy = "192.0.2.1"
    client = Client()
    # when a client tries twenty accounts, each time prepending a different forged hop
    for n in range(20):
        attempt(client, f"someone{n}@example.org", "wrong", ip=proxy, forwarded_for=f"198.51.100.{n}, {ATTACKER}")
    response = attempt(client, "someone-else@example.org", "wrong", ip=proxy,
                       forwarded_for=f"198.51.100.250, {ATTACKER}")
    # then the address the proxy saw is throttled, and that is the address in the ledger
    assert throttled(response)
    assert set(AccessEvent.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    # while another client behind the same proxy is not
    assert not throttled(attempt(Client(), "someone-else@example.org", "wrong", ip=proxy, forwarded_for=NEIGHBOUR))


def test_a_successful_sign_in_does_not_wipe_the_failures(world):
    # given four failed guesses at a coordinator's password
    user = world.people["regional_coordinator"]
    client = Client()
    for guess in range(4):
        attempt(client, user.email, f"guess number {guess}")
    # when the owner signs in correctly (the password step) and someone guesses twice more
    assert attempt(Client(), user.email, PASSWORD, ip=NEIGHBOUR).status_code == 302
    attempt(client, user.email, "guess number 5")
    response = attempt(client, user.email, "guess number 6")
    # then the account is throttled after five failures in all: a success in between resets nothing
    assert throttled(response)

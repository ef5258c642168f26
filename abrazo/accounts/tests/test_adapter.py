"""The small ways Abrazo bends allauth: the client address, sign-up, and spent TOTP codes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from abrazo.accounts.adapter import AccountAdapter, claim_totp_code
from abrazo.accounts.tests.factories import UserFactory, give_totp


def test_the_client_address_is_the_peer_never_a_forwarded_header():
    # given a request that claims, in X-Forwarded-For, to come from somewhere else
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.1")
    # then the address used for rate limits is the peer's
    assert AccountAdapter(request).get_client_ip(request) == "203.0.113.5"


def test_a_request_without_a_peer_address_is_refused():
    request = RequestFactory().get("/", REMOTE_ADDR="")
    with pytest.raises(PermissionDenied):
        AccountAdapter(request).get_client_ip(request)


def test_nobody_signs_up_alone():
    request = RequestFactory().get("/accounts/signup/")
    assert AccountAdapter(request).is_open_for_signup(request) is False


@pytest.mark.django_db
def test_a_totp_code_can_be_claimed_once_per_authenticator():
    # given two people with TOTP
    first = give_totp(UserFactory())
    second = give_totp(UserFactory())
    # when the same six digits are claimed
    # then the first claim wins, a repeat (spaces and all) loses, and another person's claim is separate
    assert claim_totp_code(first, "123456") is True
    assert claim_totp_code(first, "123 456") is False
    assert claim_totp_code(second, "123456") is True


@pytest.mark.django_db
def test_the_labelled_demo_code_may_be_typed_again(settings):
    # given the demo flag (DEBUG only) that accepts a fixed code
    settings.DEBUG = True  # allauth refuses the bypass code otherwise
    settings.MFA_TOTP_INSECURE_BYPASS_CODE = "000000"
    authenticator = give_totp(UserFactory())
    # then it is never spent, so the demo can be signed into again and again
    assert claim_totp_code(authenticator, "000000") is True
    assert claim_totp_code(authenticator, "000000") is True


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        ("198.51.100.66, 203.0.113.5", "203.0.113.5"),  # the client wrote the first hop, our proxy the last
        ("203.0.113.5", "203.0.113.5"),
        ("", "192.0.2.10"),  # reached directly, not through the proxy: the peer it is
        ("not-an-address", "192.0.2.10"),
    ],
)
def test_behind_one_trusted_proxy_the_address_it_appended_is_used(settings, forwarded_for, expected):
    # given a deployment that declares one proxy of its own in front of Abrazo
    settings.ABRAZO_TRUSTED_PROXY_COUNT = 1
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10", **extra)
    # then the address is the rightmost hop, whatever the client put before it
    assert AccountAdapter(request).get_client_ip(request) == expected

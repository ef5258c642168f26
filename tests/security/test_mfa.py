"""Multi-factor authentication: required for every staff role, checked on a real sign-in through allauth,
and one-time codes that are really used once."""

from __future__ import annotations

import time
import uuid
from typing import Any
from unittest import mock

import pyotp
import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client
from django.urls import reverse

from abrazo.accounts.adapter import totp_reuse_window_seconds
from abrazo.accounts.middleware import MFA_EXEMPT_PREFIXES
from abrazo.accounts.models import Membership, Role, User
from abrazo.accounts.tests.factories import TOTP_SECRET, UserFactory
from tests.security.routes import project_routes

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def sign_in_with_password(client: Client, user: Any, password: str = PASSWORD) -> Any:
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def submit_code(client: Client, code: str) -> Any:
    return client.post(reverse("mfa_authenticate"), {"code": code})


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def a_wrong_code(secret: str) -> str:
    """A six-digit code that no step of the tolerance window accepts right now."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    valid = {totp.at(now + step * totp.interval) for step in (-2, -1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in valid)


def step_start_in_the_past() -> int:
    """A moment ~1 minute ago, 1 s into a TOTP step: old enough that allauth's own one-period memory of
    a code used then has already lapsed, recent enough that ours has not."""
    period = mfa_settings.TOTP_PERIOD
    return (int(time.time()) // period) * period - 2 * period + 1


def person_without_mfa(world: Any, role: str) -> User:
    scope = {"region": world.region_a} if role == Role.REGIONAL_COORDINATOR else {}
    if role == Role.PROGRAM_STAFF:
        scope = {"program": world.program_a}
    user = UserFactory()
    Membership.objects.create(user=user, network=world.network, role=role, **scope)
    return user


# --- MFA is required ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_staff_without_a_second_factor_are_sent_to_totp_setup_on_every_page(role, world):
    # given a person in this role who has not set up a second factor, signed in
    client = Client()
    client.force_login(person_without_mfa(world, role))
    setup = f"{reverse('mfa_activate_totp')}?required=1"
    # when they open every page of Abrazo (and the Django admin)
    # (the check comes before any view, so an id need not name a real record)
    urls = ["/admin/"] + [
        reverse(route.name, kwargs=dict.fromkeys(route.kwargs, uuid.uuid4())) for route in project_routes()
    ]
    guarded = [url for url in urls if not url.startswith(MFA_EXEMPT_PREFIXES)]
    answers = {url: client.get(url) for url in guarded}
    # then each one sends them to set up TOTP first
    wrong = {url: (r.status_code, r.get("Location")) for url, r in answers.items() if r.get("Location") != setup}
    assert len(guarded) >= 8
    assert not wrong


def test_pages_needed_to_set_up_mfa_stay_open(world):
    # given a coordinator without a second factor, signed in
    client = Client()
    client.force_login(person_without_mfa(world, Role.REGIONAL_COORDINATOR))
    # when they open the account pages, the health check and the language switch
    answers = {
        url: client.get(url)
        for url in (reverse("account_change_password"), reverse("usersessions_list"), reverse("mfa_index"), "/healthz")
    }
    # then none of them sends them to the TOTP setup
    assert {url: r.status_code for url, r in answers.items()} == dict.fromkeys(answers, 200)


def test_a_person_enrols_totp_and_then_reaches_abrazo(world):
    # given a coordinator without a second factor who signs in with their password
    client = Client()
    user = person_without_mfa(world, Role.REGIONAL_COORDINATOR)
    assert sign_in_with_password(client, user)["Location"] == reverse("core:home")
    # when they open the dashboard, they are sent to the TOTP setup
    response = client.get(reverse("core:home"))
    assert response["Location"] == f"{reverse('mfa_activate_totp')}?required=1"
    # and allauth asks for the password once more before a factor may be added
    confirm = client.get(response["Location"])
    assert confirm["Location"].startswith(reverse("account_reauthenticate"))
    confirmed = client.post(confirm["Location"], {"password": PASSWORD})
    assert confirmed.status_code == 302
    # and when they scan the secret shown on the setup page and type the code their app shows
    setup_page = client.get(reverse("mfa_activate_totp"))
    assert setup_page.status_code == 200
    secret = setup_page.context["form"].secret
    enrolled = client.post(reverse("mfa_activate_totp"), {"code": pyotp.TOTP(secret).now()})
    # then TOTP is on and the dashboard opens
    assert enrolled.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("core:home")).status_code == 200


def test_a_person_without_any_role_is_not_asked_for_mfa(world):
    # given an account with no membership (it sees nothing, so it holds nothing worth a second factor)
    client = Client()
    client.force_login(User.objects.create_user(email="nobody@example.org", password=PASSWORD, full_name="No Body"))
    # when they open the dashboard
    response = client.get(reverse("core:home"))
    # then it opens (empty) rather than demanding a setup
    assert response.status_code == 200


# --- signing in with a second factor ----------------------------------------------------------------


def test_sign_in_needs_the_password_and_then_a_correct_totp_code(world):
    # given a coordinator with TOTP
    client = Client()
    user = world.people["regional_coordinator"]
    # when they give their password
    response = sign_in_with_password(client, user)
    # then they are asked for the code and are not signed in yet
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_signed_in(client)
    assert client.get(reverse("usersessions_list"))["Location"].startswith(reverse("account_login"))
    # and when they type the code from their app
    response = submit_code(client, pyotp.TOTP(TOTP_SECRET).now())
    # then they are signed in and see the dashboard
    assert response["Location"] == reverse("core:home")
    assert is_signed_in(client)
    assert client.get(reverse("core:home")).status_code == 200


def test_a_wrong_code_is_refused(world):
    # given a coordinator past the password step
    client = Client()
    sign_in_with_password(client, world.people["regional_coordinator"])
    # when they type a wrong code
    response = submit_code(client, a_wrong_code(TOTP_SECRET))
    # then the form says so and they stay signed out
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not is_signed_in(client)


def test_a_wrong_password_never_reaches_the_code_step(world):
    client = Client()
    response = sign_in_with_password(client, world.people["regional_coordinator"], password="not the password")
    assert response.status_code == 200
    assert client.get(reverse("mfa_authenticate"))["Location"] == reverse("account_login")


def test_a_code_cannot_be_used_twice(world):
    # given a coordinator who signed in with a code and signed out again
    user = world.people["regional_coordinator"]
    code = pyotp.TOTP(TOTP_SECRET).now()
    first = Client()
    sign_in_with_password(first, user)
    assert submit_code(first, code)["Location"] == reverse("core:home")
    # when someone who saw that code uses it with the password on another device
    second = Client()
    sign_in_with_password(second, user)
    response = submit_code(second, code)
    # then it is refused
    assert response.status_code == 200
    assert not is_signed_in(second)


def test_a_used_code_stays_used_for_the_whole_window_it_is_accepted_in():
    # given a tolerance of one step either side, so that a code is accepted for three periods
    period, tolerance = mfa_settings.TOTP_PERIOD, mfa_settings.TOTP_TOLERANCE
    # then a used code is remembered for at least that long (allauth alone remembers it for one period)
    assert totp_reuse_window_seconds() >= period * (2 * tolerance + 1)


def test_a_code_replayed_after_one_period_is_still_refused(world):
    # given a coordinator who signed in with the code of a step that began about a minute ago
    user = world.people["regional_coordinator"]
    started = step_start_in_the_past()
    code = pyotp.TOTP(TOTP_SECRET).at(started)
    first = Client()
    sign_in_with_password(first, user)
    with mock.patch("time.time", return_value=float(started)):
        assert submit_code(first, code)["Location"] == reverse("core:home")
    # when the same code is replayed 40 s later: past allauth's one-period memory, still inside the
    # window in which the code itself is accepted
    second = Client()
    sign_in_with_password(second, user)
    later = float(started + mfa_settings.TOTP_PERIOD + 10)
    with mock.patch("time.time", return_value=later):
        replay = submit_code(second, code)
        # then it is refused
        assert replay.status_code == 200
        assert not is_signed_in(second)
        # while the code of that later moment is accepted
        fresh = submit_code(second, pyotp.TOTP(TOTP_SECRET).at(later))
    assert fresh["Location"] == reverse("core:home")
    assert is_signed_in(second)


def test_reauthentication_codes_are_single_use_too(world):
    # given a coordinator signed in with a code
    client = Client()
    code = pyotp.TOTP(TOTP_SECRET).now()
    sign_in_with_password(client, world.people["regional_coordinator"])
    submit_code(client, code)
    # when they are asked to confirm who they are and type the same code again
    response = client.post(reverse("mfa_reauthenticate"), {"code": code})
    # then it is refused
    assert response.status_code == 200
    assert response.context["form"].errors["code"]


def test_a_recovery_code_works_once(world):
    # given a coordinator with TOTP and a set of recovery codes
    user = world.people["regional_coordinator"]
    codes = RecoveryCodes.activate(user).get_unused_codes()
    # when they sign in with a recovery code instead of the app's code
    first = Client()
    sign_in_with_password(first, user)
    assert submit_code(first, codes[0])["Location"] == reverse("core:home")
    assert is_signed_in(first)
    # then that recovery code is spent: a second sign-in with it is refused
    second = Client()
    sign_in_with_password(second, user)
    refused = submit_code(second, codes[0])
    assert refused.status_code == 200
    assert not is_signed_in(second)
    # while another unused recovery code still works
    assert submit_code(second, codes[1])["Location"] == reverse("core:home")
    assert codes[0] not in RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes")).get_unused_codes()


def test_an_expired_code_is_refused(world):
    # given a coordinator past the password step, and the clock 5 s into a TOTP step
    user = world.people["regional_coordinator"]
    period = mfa_settings.TOTP_PERIOD
    now = float((int(time.time()) // period) * period + 5)
    client = Client()
    sign_in_with_password(client, user)
    totp = pyotp.TOTP(TOTP_SECRET)
    with mock.patch("time.time", return_value=now):
        # when they type a code that was never used but belongs to a step two or three periods ago
        for steps_ago in (2, 3):
            expired = totp.at(now - steps_ago * period)
            if expired in {totp.at(now + step * period) for step in (-1, 0, 1)}:
                continue  # the same six digits happen to be valid now; nothing to prove with them
            response = submit_code(client, expired)
            # then it is refused and they stay signed out
            assert response.status_code == 200, steps_ago
            assert response.context["form"].errors["code"]
            assert not is_signed_in(client)
        # while the code of one period ago (the tolerance for a slow phone clock) still works
        accepted = submit_code(client, totp.at(now - period))
    assert accepted["Location"] == reverse("core:home")
    assert is_signed_in(client)


def test_a_code_from_two_periods_ahead_is_refused(world):
    # given a coordinator past the password step
    user = world.people["regional_coordinator"]
    period = mfa_settings.TOTP_PERIOD
    now = float((int(time.time()) // period) * period + 5)
    client = Client()
    sign_in_with_password(client, user)
    totp = pyotp.TOTP(TOTP_SECRET)
    future = totp.at(now + 2 * period)
    # when they type the code a phone two periods fast would show (unless those digits happen to be valid now)
    with mock.patch("time.time", return_value=now):
        if future not in {totp.at(now + step * period) for step in (-1, 0, 1)}:
            response = submit_code(client, future)
            # then it is refused
            assert response.status_code == 200
            assert not is_signed_in(client)

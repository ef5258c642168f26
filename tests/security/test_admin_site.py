"""The Django admin opens for network administrators only, and its sign-in is allauth's (with MFA)."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from abrazo.accounts.models import Membership, Role, User
from abrazo.accounts.tests.factories import TOTP_SECRET, give_totp

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ADMIN_INDEX = "/admin/"


def staff(user: User) -> User:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_network_admin_flagged_staff_opens_the_admin(world):
    # given a network administrator whose account is flagged staff
    client = client_for(staff(world.people["network_admin"]))
    # when they open the admin, then it opens
    assert client.get(ADMIN_INDEX).status_code == 200


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.NETWORK_ADMIN])
def test_every_other_role_is_refused_even_when_flagged_staff(role, world):
    # given a person in another role whose account was flagged staff by mistake
    client = client_for(staff(world.people[role]))
    # when they open the admin
    response = client.get(ADMIN_INDEX, follow=True)
    # then it does not exist for them (and they are not bounced between sign-in pages)
    assert response.status_code == 404
    assert len(response.redirect_chain) == 1


def test_the_role_alone_without_the_staff_flag_is_refused(world):
    client = client_for(world.people["network_admin"])
    assert client.get(ADMIN_INDEX, follow=True).status_code == 404


def test_a_superuser_without_the_network_admin_role_is_refused(world):
    # given an operator's superuser account that holds no role in any network
    superuser = User.objects.create_superuser(email="root@example.org", password=PASSWORD, full_name="Root")
    give_totp(superuser)
    client = client_for(superuser)
    # when they open the admin, then it does not exist for them
    assert client.get(ADMIN_INDEX, follow=True).status_code == 404


def test_a_network_admin_whose_membership_ended_is_refused(world):
    # given a staff network admin whose membership has been switched off
    user = staff(world.people["network_admin"])
    Membership.objects.filter(user=user).update(is_active=False)
    # then the admin is closed to them
    assert client_for(user).get(ADMIN_INDEX, follow=True).status_code == 404


def test_a_network_admin_without_mfa_is_sent_to_set_it_up_first(world):
    # given a staff network admin without a second factor
    user = staff(world.people["network_admin"])
    user.authenticator_set.all().delete()
    # when they open the admin, then they are sent to the TOTP setup
    response = client_for(user).get(ADMIN_INDEX)
    assert response["Location"] == f"{reverse('mfa_activate_totp')}?required=1"


def test_anonymous_visitors_are_sent_to_allauths_sign_in(world):
    # when someone not signed in opens the admin
    response = Client().get(ADMIN_INDEX, follow=True)
    # then they land on allauth's sign-in page, which will bring them back to the admin afterwards
    assert response.redirect_chain[-1][0] == f"{reverse('account_login')}?next=/admin/"
    assert response.status_code == 200


def test_the_admin_sign_in_form_cannot_be_used_to_skip_mfa(world):
    # given a staff network admin with TOTP, and the admin's own sign-in URL
    user = staff(world.people["network_admin"])
    client = Client()
    # when they post their password straight to the admin's sign-in URL
    response = client.post(reverse("admin:login"), {"username": user.email, "password": PASSWORD})
    # then no session is opened: they are sent to allauth's sign-in instead
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN_INDEX)["Location"].startswith(reverse("admin:login"))


def test_a_network_admin_reaches_the_admin_through_allauth_with_totp(world):
    # given a staff network admin who opens the admin without being signed in
    user = staff(world.people["network_admin"])
    client = Client()
    response = client.get(reverse("admin:login"), {"next": ADMIN_INDEX})
    login_url = response["Location"]
    assert login_url == f"{reverse('account_login')}?next=/admin/"
    # when they sign in with their password and their TOTP code
    client.post(login_url, {"login": user.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(TOTP_SECRET).now()})
    # then they are taken back to the admin, which opens
    assert response["Location"] == ADMIN_INDEX
    assert client.get(ADMIN_INDEX).status_code == 200


def test_the_admin_sign_in_url_sends_a_signed_in_admin_on_but_never_off_site(world):
    client = client_for(staff(world.people["network_admin"]))
    assert client.get(reverse("admin:login"), {"next": "/admin/auth/"})["Location"] == "/admin/auth/"
    assert client.get(reverse("admin:login"), {"next": "https://evil.example/"})["Location"] == ADMIN_INDEX

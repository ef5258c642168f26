"""An administrator's page of the network's tokens (/api/tokens/network/): list, confirm, revoke, audit, email."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import make_person
from abrazo.api import services
from abrazo.api.models import ApiToken
from abrazo.api.tests.factories import bearer, make_token
from abrazo.audit.models import AccessEvent

URL = "/api/tokens/network/"


def _token(user: Any, name: str) -> ApiToken:
    plaintext = make_token(user, "directory:read", name=name)
    return ApiToken.objects.get(prefix=plaintext.split("_")[1])


def test_the_address_is_named():
    assert reverse("api_tokens:network") == URL


def test_admin_sees_members_usable_tokens_and_never_a_secret(client: Client, world: Any) -> None:
    # given tokens of two members, one revoked and one expired, and one of a person in another network
    consultant, staff = world.people["consultant"], world.people["program_staff"]
    kept = make_token(consultant, "directory:read", name="laptop sync")
    _token(staff, "roster script")
    revoked = _token(consultant, "old revoked")
    services.token_revoke(user=consultant, token=revoked)
    expired = _token(consultant, "old expired")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    outsider = make_person(world.other_network, Role.CONSULTANT)
    _token(outsider, "elsewhere token")
    # when the administrator opens the page
    client.force_login(world.people["network_admin"])
    page = client.get(URL)
    # then she sees the two usable tokens with their owners, and nothing else
    body = page.content.decode()
    assert page.status_code == 200
    assert "laptop sync" in body and "roster script" in body
    assert consultant.email in body and staff.email in body
    assert "old revoked" not in body and "old expired" not in body
    assert "elsewhere token" not in body and outsider.email not in body
    assert kept.split("_")[2] not in body  # the secret part of the token is never on the page
    # listed by owner's email
    assert [token.user.email for token in page.context["tokens"]] == sorted([consultant.email, staff.email])


def test_revoke_asks_first_then_revokes_audits_and_emails_the_owner(
    client: Client, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    consultant = world.people["consultant"]
    plaintext = make_token(consultant, "directory:read", name="laptop sync")
    token = ApiToken.objects.get(prefix=plaintext.split("_")[1])
    admin = world.people["network_admin"]
    client.force_login(admin)
    # when the administrator clicks Revoke, she is asked first and nothing changes yet
    asked = client.post(URL, {"revoke": str(token.pk)})
    assert asked.status_code == 200 and "Revoke this token?" in asked.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None and len(mail.outbox) == 0
    # when she confirms
    with django_capture_on_commit_callbacks(execute=True):  # the email leaves only once the revoke is committed
        done = client.post(URL, {"revoke": str(token.pk), "confirm": "yes"})
    # then the token is revoked, the change is audited under her name, and the owner gets one email
    assert done.status_code == 302 and done["Location"] == URL
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AccessEvent.objects.filter(object_type="api.apitoken", object_id=str(token.pk), action="update").get()
    assert event.user_id == admin.pk
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [consultant.email]
    assert "laptop sync" in mail.outbox[0].body and world.network.name in mail.outbox[0].body
    # and the token no longer opens the API
    client.logout()
    assert Client().get("/api/v1/programs/", **bearer(plaintext)).status_code == 401
    # and a second confirm (a reload) finds no usable token: 404, no second email
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(URL, {"revoke": str(token.pk), "confirm": "yes"}).status_code == 404
    assert len(mail.outbox) == 1


def test_a_token_outside_the_network_cannot_be_revoked(client: Client, world: Any) -> None:
    outsider = make_person(world.other_network, Role.CONSULTANT)
    token = _token(outsider, "elsewhere token")
    client.force_login(world.people["network_admin"])
    assert client.post(URL, {"revoke": str(token.pk), "confirm": "yes"}).status_code == 404
    assert client.post(URL, {"revoke": "not-an-id", "confirm": "yes"}).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None and len(mail.outbox) == 0


def test_only_administrators_open_the_page(client: Client, world: Any) -> None:
    # a page a role has no permission for does not exist for it (core.decorators.requires answers 404)
    for role in ("regional_coordinator", "supervisor", "consultant", "program_staff", "evaluator"):
        client.force_login(world.people[role])
        assert client.get(URL).status_code == 404, role


def test_own_token_page_links_to_the_network_page_for_administrators_only(client: Client, world: Any) -> None:
    client.force_login(world.people["network_admin"])
    assert f'href="{URL}"' in client.get("/api/tokens/").content.decode()
    client.force_login(world.people["regional_coordinator"])
    assert f'href="{URL}"' not in client.get("/api/tokens/").content.decode()

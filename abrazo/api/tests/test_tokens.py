"""Making, listing and revoking personal tokens: the services and the pages under /api/tokens/."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from abrazo.api import services
from abrazo.api.models import ApiToken
from abrazo.api.tests.factories import bearer, make_token
from abrazo.audit.models import AccessEvent


def test_default_expiry_is_ninety_days(world: Any) -> None:
    now = timezone.now()
    made = services.token_create(user=world.people["consultant"], name="sync", scopes=["directory:read"], now=now)
    assert made.token.expires_at == now + timedelta(days=90)
    assert made.plaintext.startswith(f"abz_{made.token.prefix}_")


def test_expiry_beyond_a_year_is_refused(world: Any) -> None:
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        services.token_create(user=world.people["consultant"], name="sync", scopes=["directory:read"],
                              expires_at=now + timedelta(days=366), now=now)
    assert "expires_at" in refused.value.message_dict


def test_scopes_are_limited_to_what_the_person_could_use(world: Any) -> None:
    evaluator = world.people["evaluator"]
    offered = services.scopes_for(evaluator)
    # Evaluators hold no record permission: no request, episode, incident or measure scope is offered.
    assert "requests:read" not in offered and "episodes:read" not in offered and "incidents:read" not in offered
    assert "resources:read" in offered and "reports:read" in offered
    with pytest.raises(ValidationError) as refused:
        services.token_create(user=evaluator, name="x", scopes=["requests:read"])
    assert refused.value.error_dict["scopes"][0].code == "scope_not_allowed"


def test_making_and_revoking_are_audited(world: Any) -> None:
    person = world.people["consultant"]
    made = services.token_create(user=person, name="sync", scopes=["directory:read"])
    services.token_revoke(user=person, token=made.token)
    services.token_revoke(user=person, token=made.token)  # twice: nothing more happens
    events = list(AccessEvent.objects.filter(object_type="api.apitoken", object_id=str(made.token.pk))
                  .values_list("action", flat=True).order_by("occurred_at"))
    assert events == ["create", "update"]


def test_token_pages_make_show_once_and_revoke(client: Client, world: Any) -> None:
    # given a signed-in coordinator
    person = world.people["regional_coordinator"]
    client.force_login(person)
    # when she makes a token
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    page = client.post("/api/tokens/new/", {"name": "Monthly report", "scopes": ["directory:read"],
                                             "expires_on": expires})
    # then the page shows the whole token once, and it works
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    plaintext = page.context["plaintext"]
    assert plaintext in page.content.decode()
    assert Client().get("/api/v1/programs/", **bearer(plaintext)).status_code == 200
    # and the list never shows it again
    listing = client.get("/api/tokens/")
    assert listing.status_code == 200
    assert "Monthly report" in listing.content.decode()
    assert plaintext not in listing.content.decode()
    # when she revokes it, it stops working
    token = ApiToken.objects.get(user=person)
    assert client.post("/api/tokens/", {"revoke": str(token.pk)}).status_code == 302
    assert Client().get("/api/v1/programs/", **bearer(plaintext)).status_code == 401


def test_the_form_offers_only_usable_scopes(client: Client, world: Any) -> None:
    client.force_login(world.people["evaluator"])
    page = client.get("/api/tokens/new/")
    assert page.status_code == 200
    offered = [value for value, _label in page.context["form"].fields["scopes"].choices]
    assert "requests:read" not in offered
    refused = client.post("/api/tokens/new/", {"name": "x", "scopes": ["requests:read"],
                                                "expires_on": (timezone.localdate() + timedelta(days=3)).isoformat()})
    assert refused.status_code == 200 and "scopes" in refused.context["form"].errors
    assert not ApiToken.objects.exists()


def test_nobody_revokes_another_persons_token(client: Client, world: Any) -> None:
    make_token(world.people["consultant"], "directory:read")
    token = ApiToken.objects.get()
    client.force_login(world.people["network_admin"])
    assert client.post("/api/tokens/", {"revoke": str(token.pk)}).status_code == 404
    assert client.post("/api/tokens/", {"revoke": "not-an-id"}).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_pages_need_sign_in(client: Client, world: Any) -> None:
    response = client.get("/api/tokens/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]

"""Who may call the API at all: tokens (valid, malformed, expired, revoked, of an inactive person), scopes, and
the browser session (with a second factor, with CSRF)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import make_person
from abrazo.api.models import ApiToken, hash_secret
from abrazo.api.tests.factories import bearer, make_token

PROGRAMS = "/api/v1/programs/"


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


def test_no_credentials_is_401_json_not_a_redirect(client: Client, world: Any) -> None:
    response = client.get(PROGRAMS)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert error_code(response) == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer abz_only", "Bearer xyz_abc_def", "Bearer abz__x"])
def test_malformed_token_is_401(client: Client, world: Any, header: str) -> None:
    response = client.get(PROGRAMS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert error_code(response) == "token_invalid"


def test_wrong_secret_is_401(client: Client, world: Any) -> None:
    token = make_token(world.people["network_admin"], "directory:read")
    prefix = token.split("_")[1]
    response = client.get(PROGRAMS, **bearer(f"abz_{prefix}_not-the-secret"))
    assert response.status_code == 401
    assert error_code(response) == "token_invalid"


def test_only_a_hash_of_the_secret_is_stored(world: Any) -> None:
    token = make_token(world.people["network_admin"], "directory:read")
    _, prefix, secret = token.split("_", 2)
    stored = ApiToken.objects.get(prefix=prefix)
    assert stored.secret_hash == hash_secret(secret)
    assert secret not in stored.secret_hash and secret not in str(stored.__dict__)


def test_valid_token_is_200_and_marks_last_use_at_most_once_a_minute(client: Client, world: Any) -> None:
    token = make_token(world.people["network_admin"], "directory:read")
    stored = ApiToken.objects.get(prefix=token.split("_")[1])
    assert stored.last_used_at is None
    assert client.get(PROGRAMS, **bearer(token)).status_code == 200
    stored.refresh_from_db()
    first = stored.last_used_at
    assert first is not None
    client.get(PROGRAMS, **bearer(token))
    stored.refresh_from_db()
    assert stored.last_used_at == first  # within the minute: not written again
    ApiToken.objects.filter(pk=stored.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(PROGRAMS, **bearer(token))
    stored.refresh_from_db()
    assert stored.last_used_at > first - timedelta(minutes=2)


def test_expired_token_is_401_token_expired(client: Client, world: Any) -> None:
    token = make_token(world.people["network_admin"], "directory:read")
    ApiToken.objects.filter(prefix=token.split("_")[1]).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(PROGRAMS, **bearer(token))
    assert response.status_code == 401
    assert error_code(response) == "token_expired"


def test_revoked_token_is_401_token_revoked(client: Client, world: Any) -> None:
    token = make_token(world.people["network_admin"], "directory:read")
    ApiToken.objects.filter(prefix=token.split("_")[1]).update(revoked_at=timezone.now())
    response = client.get(PROGRAMS, **bearer(token))
    assert response.status_code == 401
    assert error_code(response) == "token_revoked"


def test_token_of_a_deactivated_person_is_401(client: Client, world: Any) -> None:
    admin = world.people["network_admin"]
    token = make_token(admin, "directory:read")
    admin.is_active = False
    admin.save(update_fields=["is_active"])
    response = client.get(PROGRAMS, **bearer(token))
    assert response.status_code == 401
    assert error_code(response) == "user_inactive"


def test_token_of_a_person_who_lost_every_role_is_401(client: Client, world: Any) -> None:
    admin = world.people["network_admin"]
    token = make_token(admin, "directory:read")
    admin.memberships.all().delete()
    response = client.get(PROGRAMS, **bearer(token))
    assert response.status_code == 401
    assert error_code(response) == "api_not_allowed"


def test_missing_scope_is_403_scope_missing(client: Client, world: Any) -> None:
    token = make_token(world.people["network_admin"], "requests:read")
    response = client.get(PROGRAMS, **bearer(token))
    assert response.status_code == 403
    assert error_code(response) == "scope_missing"
    assert "directory:read" in response.json()["error"]["message"]


def test_signed_in_session_with_mfa_may_call_without_scopes(client: Client, world: Any) -> None:
    client.force_login(world.people["network_admin"])
    response = client.get(PROGRAMS)
    assert response.status_code == 200
    assert {row["name"] for row in response.json()["results"]} == {"Sunrise Center", "Harbor Kids"}


def test_session_without_second_factor_gets_403_json_not_a_redirect(client: Client, world: Any) -> None:
    person = make_person(world.network, Role.NETWORK_ADMIN, mfa=False)
    client.force_login(person)
    response = client.get(PROGRAMS)
    assert response.status_code == 403
    assert error_code(response) == "mfa_required"


def test_session_writes_need_the_csrf_token(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["program_staff"])
    response = client.post("/api/v1/requests/", {}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_token_calls_need_no_csrf_token(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    token = make_token(world.people["program_staff"], "requests:write")
    response = client.post("/api/v1/requests/", {}, content_type="application/json", **bearer(token))
    assert response.status_code == 400  # reached validation: no CSRF refusal


def test_messages_follow_accept_language(client: Client, world: Any) -> None:
    english = client.get(PROGRAMS).json()["error"]["message"]
    spanish = client.get(PROGRAMS, HTTP_ACCEPT_LANGUAGE="es").json()["error"]["message"]
    assert english != spanish

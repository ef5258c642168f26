"""The scope rules themselves, on a bare view: closed when undeclared, per method when a dict."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.exceptions import PermissionDenied
from rest_framework.test import APIRequestFactory, force_authenticate

from abrazo.api.base import ApiView
from abrazo.api.models import ApiToken
from abrazo.api.permissions import ApiAccess, required_scope_of
from abrazo.api.tests.factories import make_token


class Undeclared(ApiView):
    pass


class PerMethod(ApiView):
    required_scope = {"GET": "requests:read", "POST": "requests:write"}


class WithWriteScope(ApiView):
    required_scope = "requests:read"
    write_scope = "requests:write"


def test_scope_per_method() -> None:
    assert required_scope_of(PerMethod(), "GET") == "requests:read"
    assert required_scope_of(PerMethod(), "POST") == "requests:write"
    assert required_scope_of(PerMethod(), "DELETE") is None
    assert required_scope_of(WithWriteScope(), "GET") == "requests:read"
    assert required_scope_of(WithWriteScope(), "POST") == "requests:write"


def test_a_view_without_a_scope_is_closed(world: Any) -> None:
    person = world.people["network_admin"]
    token = ApiToken.objects.get(prefix=make_token(person, "directory:read").split("_")[1])
    request = APIRequestFactory().get("/api/v1/x/")
    force_authenticate(request, user=person, token=token)
    view = Undeclared()
    drf_request = view.initialize_request(request)
    with pytest.raises(PermissionDenied):
        ApiAccess().has_permission(drf_request, view)

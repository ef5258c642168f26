"""The shared machinery: pagination, rate limits, errors, the OpenAPI document and the interactive docs."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from abrazo.api.tests.factories import api_auth
from abrazo.directory.tests.factories import ProgramFactory


@pytest.fixture
def many_programs(world: Any) -> list[Any]:
    return [ProgramFactory(network=world.network, region=world.region_a, name=f"Program {i:03d}") for i in range(7)]


def test_pages_are_stable_and_linked(client: Client, world: Any, many_programs: list[Any]) -> None:
    auth = api_auth(world.people["network_admin"], "directory:read")
    names: list[str] = []
    url: str | None = "/api/v1/programs/?page_size=4"
    pages = 0
    while url:
        body = client.get(url, **auth).json()
        names.extend(row["name"] for row in body["results"])
        url = body["next"]
        pages += 1
    # 7 + the world's 2 programs, in name order, each exactly once, over 3 pages of 4, 4 and 1
    assert pages == 3
    assert names == sorted(names) and len(names) == len(set(names)) == 9
    second = client.get("/api/v1/programs/?page_size=4&page=2", **auth).json()
    assert second["page"] == 2 and second["previous"] is not None and second["next"] is not None


@pytest.mark.parametrize("query", ["page_size=501", "page_size=0", "page=abc", "page=0"])
def test_bad_page_parameters_are_400(client: Client, world: Any, query: str) -> None:
    auth = api_auth(world.people["network_admin"], "directory:read")
    response = client.get(f"/api/v1/programs/?{query}", **auth)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_page_size_500_is_allowed(client: Client, world: Any) -> None:
    auth = api_auth(world.people["network_admin"], "directory:read")
    assert client.get("/api/v1/programs/?page_size=500", **auth).json()["page_size"] == 500


def test_bad_filter_is_400_with_field_errors(client: Client, world: Any) -> None:
    auth = api_auth(world.people["network_admin"], "directory:read")
    response = client.get("/api/v1/programs/?setting_type=castle&county=6019", **auth)
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"setting_type", "county"}
    assert fields["setting_type"][0]["code"] == "invalid_choice"


def test_rate_limit_answers_429_per_token(client: Client, world: Any) -> None:
    rates = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "3/min", "api_write": "1/min"}}
    with override_settings(REST_FRAMEWORK=rates):
        first = api_auth(world.people["network_admin"], "directory:read")
        other = api_auth(world.people["network_admin"], "directory:read")
        codes = [client.get("/api/v1/programs/", **first).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = client.get("/api/v1/programs/", **first)
        assert refused.json()["error"]["code"] == "throttled"
        assert int(refused["Retry-After"]) >= 1
        # another token has its own count
        assert client.get("/api/v1/programs/", **other).status_code == 200


def test_schema_is_public_and_valid_openapi_3(client: Client, db: Any) -> None:
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/programs/" in document["paths"] and "/api/v1/requests/" in document["paths"]
    assert "bearerToken" in document["components"]["securitySchemes"]
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_docs_are_for_signed_in_people_only(client: Client, world: Any) -> None:
    anonymous = client.get("/api/v1/docs/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(world.people["consultant"])
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    # Swagger UI from our own static files, and no inline script or style (the CSP forbids them)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<style" not in html and "<script>" not in html
    assert "script-src 'self'" in page["Content-Security-Policy"]
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_a_token_does_not_open_the_docs(client: Client, world: Any) -> None:
    response = client.get("/api/v1/docs/", **api_auth(world.people["consultant"], "directory:read"))
    assert response.status_code == 302


def test_unknown_api_path_is_404(client: Client, world: Any) -> None:
    response = client.get("/api/v1/nothing-here/", **api_auth(world.people["consultant"], "directory:read"))
    assert response.status_code in (302, 404)

"""API tokens and the interactive docs in a browser: a consultant signs in, makes a token (shown once), calls the
API with it, opens the Swagger UI docs (rendered from Abrazo's own files under the strict Content-Security-Policy,
nothing refused, nothing fetched from another site) and revokes the token, which then stops working."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from abrazo.accounts.tests.factories import TOTP_SECRET, give_totp
from tests.browser.library_pages import Watch
from tests.browser.test_coordinator_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_consultant_makes_uses_and_revokes_a_token_and_reads_the_docs(live_server, browser, pages, world):
    # given a consultant with an authenticator app, in a browser that records what it fetched and refused
    consultant = world.people["consultant"]
    consultant.authenticator_set.all().delete()
    give_totp(consultant, TOTP_SECRET)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    watch = Watch(origin=live_server.url).attach(context)
    page: Any = context.new_page()
    page.set_default_timeout(15_000)
    pages.page = page
    sign_in(page, live_server.url, consultant.email, TOTP_SECRET)
    page.wait_for_url(live_server.url + "/")

    # when they make a token that may read the directory
    page.goto(live_server.url + reverse("api_tokens:create"))
    pages.visit_step("token-new")
    page.get_by_label("Name").fill("Caseload sync")
    page.get_by_label("directory:read", exact=False).check()
    page.get_by_role("button", name="Make the token").click()
    # then the whole token is shown once
    token = page.get_by_label("Token").input_value()
    assert token.startswith("abz_")
    pages.visit_step("token-created")

    # and it opens the API, outside the browser's session
    api = context.request
    answer = api.get(live_server.url + "/api/v1/programs/", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200 and "results" in answer.json()

    # when they open the interactive docs
    page.goto(live_server.url + reverse("api:docs"))
    page.locator(".swagger-ui .info .title").wait_for()
    # then Swagger UI describes the API, served from Abrazo alone, with nothing refused by the policy
    assert "Abrazo API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary-path", has_text="/api/v1/programs/").first.wait_for()
    pages.screenshot("docs")
    assert watch.foreign_requests() == []
    assert watch.refusals == []
    assert watch.pages_without_policy() == []

    # when they revoke the token, it stops working
    page.goto(live_server.url + reverse("api_tokens:list"))
    assert token not in page.content()
    pages.visit_step("token-list")
    page.get_by_role("button", name="Revoke").click()
    page.get_by_text("Revoked").first.wait_for()
    answer = api.get(live_server.url + "/api/v1/programs/", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 401 and answer.json()["error"]["code"] == "token_revoked"
    context.close()

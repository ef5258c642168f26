from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_healthz_answers_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_pages_need_a_sign_in(client):
    response = client.get("/directory/programs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

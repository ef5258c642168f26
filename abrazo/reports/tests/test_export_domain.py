"""The domain exports that existed before the exports centre (equity tables, workforce capacity and feedback)
also need "export.download": a person who may see the page but not take a copy gets a 404, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from abrazo.accounts import access
from abrazo.accounts.models import Role
from abrazo.audit.models import AccessEvent, Outcome


@pytest.fixture
def admin_without_download(world: Any, monkeypatch: Any) -> Any:
    # given a network whose policy keeps pages for administrators but takes copies away from them
    grants = {role: scope for role, scope in access.POLICY["export.download"].items() if role != Role.NETWORK_ADMIN}
    monkeypatch.setitem(access.POLICY, "export.download", grants)
    return world.people["network_admin"]


@pytest.mark.parametrize("url", ["equity:export", "workforce:capacity-export", "workforce:feedback-export"])
def test_domain_exports_need_export_download(client, admin_without_download, url):
    client.force_login(admin_without_download)
    response = client.get(reverse(url), {"format": "csv"})
    assert response.status_code == 404
    assert AccessEvent.objects.filter(user_id=admin_without_download.pk, object_type="export.download",
                                      outcome=Outcome.DENIED).exists()


def test_workforce_capacity_export_still_works_with_it(client, world):
    admin = world.people["network_admin"]
    client.force_login(admin)
    response = client.get(reverse("workforce:capacity-export"), {"format": "csv"})
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    assert AccessEvent.objects.filter(user_id=admin.pk, action="export").exists()
